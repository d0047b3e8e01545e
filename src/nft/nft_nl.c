// SPDX-License-Identifier: GPL-2.0-only
/*
 * Netlink plumbing for reading nftables: the socket and the ruleset
 * generation. The receive loop itself is nl.c's, shared with the other
 * netlink readers.
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
#include "lib/nl.h"

struct mnl_socket *nft_socket_open(struct wgb_err *e)
{
	struct mnl_socket *nl = nl_open(NETLINK_NETFILTER);

	if (!nl)
		err_kernel(e, -errno, NULL, "nft: cannot open a netfilter netlink socket");
	return nl;
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
		return -ENOMEM;
	if (nftnl_gen_nlmsg_parse(nlh, g) == 0)
		*genid = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

int nft_getgen(struct mnl_socket *nl, uint32_t *genid, struct wgb_err *e)
{
	char buf[256] = { 0 };
	char extack[256];
	struct nlmsghdr *nlh;
	int ret;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, nft_next_seq());
	ret = nl_request(nl, nlh, gen_cb, genid, extack, sizeof(extack));
	if (ret < 0)
		return err_kernel(e, ret, extack, "nft: cannot read the ruleset generation");
	return 0;
}
