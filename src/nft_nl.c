// SPDX-License-Identifier: GPL-2.0-only
/*
 * Netlink plumbing for reading: the socket (with extended acks), one
 * request and its answers run through a callback until done, the kernel's
 * error text, and the ruleset generation.
 */
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "nft.h"

#define DUMP_BUF	(64 * 1024)

struct mnl_socket *nft_socket_open(struct wgb_err *e)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int one = 1;

	if (!nl) {
		err_kernel(e, -errno, NULL, "nft: cannot open a netfilter netlink socket");
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err_kernel(e, -errno, NULL, "nft: cannot bind the netlink socket");
		mnl_socket_close(nl);
		return NULL;
	}
	/* the kernel's own words on a refusal; no echo of our (possibly
	 * large) message in every error */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return nl;
}

const char *nft_extack(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err)) ||
	    !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&err->msg);
	if (mnl_nlmsg_size(off) > nlh->nlmsg_len)
		return NULL;
	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(attr);
	}
	return NULL;
}

struct dump_ctx {
	struct nft_talk *t;
	mnl_cb_t cb;
	void *data;
};

/* mnl_cb_run2 gives control callbacks the data callback's pointer. */
static int talk_err_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct nft_talk *t = ((struct dump_ctx *)data)->t;
	const char *msg;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		t->err = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;
	t->err = err->error;
	msg = nft_extack(nlh);
	if (msg)
		snprintf(t->extack, sizeof(t->extack), "%s", msg);
	return MNL_CB_ERROR;
}

static int talk_done_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_STOP;
}

static int talk_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

static int dump_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;

	return d->cb(nlh, d->data);
}

/* Sends one request and runs cb on every answer until done or error.
 * Returns 0 or -errno; t->extack holds the kernel's words. */
int nft_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, nft_cb_t cb, void *data,
	     struct nft_talk *t)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_NOOP] = talk_noop_cb,
		[NLMSG_ERROR] = talk_err_cb,
		[NLMSG_DONE] = talk_done_cb,
		[NLMSG_OVERRUN] = talk_noop_cb,
	};
	struct dump_ctx d = { t, cb, data };
	unsigned int portid = mnl_socket_get_portid(nl);
	unsigned int seq = nlh->nlmsg_seq;
	char *buf;
	ssize_t n;
	int ret;

	t->err = 0;
	t->extack[0] = '\0';
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	buf = malloc(DUMP_BUF);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, DUMP_BUF);
		if (n < 0) {
			ret = -errno;
			break;
		}
		ret = mnl_cb_run2(buf, n, seq, portid, dump_data_cb, &d, ctl, NLMSG_MIN_TYPE);
		if (ret <= MNL_CB_STOP)
			break;
	}
	free(buf);
	if (ret == MNL_CB_ERROR)
		return t->err ? t->err : (errno ? -errno : -EIO);
	return ret < 0 ? ret : 0;
}

uint32_t nft_next_seq(void)
{
	static uint32_t seq;

	if (!seq)
		seq = (uint32_t)time(NULL);
	return ++seq;
}

/* ---- generation ---- */

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();
	uint32_t *genid = data;

	if (!g)
		return MNL_CB_ERROR;
	if (nftnl_gen_nlmsg_parse(nlh, g) == 0)
		*genid = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

int nft_getgen(struct mnl_socket *nl, uint32_t *genid, struct wgb_err *e)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nlh;
	struct nft_talk t;
	int ret;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, nft_next_seq());
	ret = nft_talk(nl, nlh, gen_cb, genid, &t);
	if (ret < 0)
		return err_kernel(e, ret, t.extack, "nft: cannot read the ruleset generation");
	return 0;
}
