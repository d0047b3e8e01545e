// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one netlink receive loop. Every reader here used to carry its own
 * copy of "send, mnl_socket_recvfrom, run callbacks until done"; this is
 * that loop once, with the parts some copies had and others lacked: the
 * extended ack, the error a dump ends with, and the kernel's "dump was
 * interrupted" flag read to the end of the dump instead of abandoning it
 * half-read in the socket.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <sodium.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Larger than the biggest message batch a dump sends (32 KiB): a smaller
 * buffer truncates it and recvfrom fails with ENOSPC. */
#define NL_RECV_SIZE (64 * 1024)

/* One receive buffer for the process, not a malloc and a 64 KiB wipe per
 * request: a no-op apply makes hundreds of requests. Only the bytes an
 * answer filled are wiped (a WireGuard dump carries keys). A request made
 * from inside another's callback gets its own buffer. */
static char nl_recv_buf[NL_RECV_SIZE];
static bool nl_recv_busy;

struct mnl_socket *nl_open(int bus)
{
	struct mnl_socket *nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
	int one = 1;

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	/* the kernel's own words on a refusal; no echo of our (possibly
	 * large) request in every error. Old kernels: plain errno. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return nl;
}

int nl_error_parse(const struct nlmsghdr *nlh, char *extack, size_t len)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off;

	if (len)
		extack[0] = '\0';
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*err))
		return -EBADMSG;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return err->error;
	off = sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < NLMSG_HDRLEN)
			return err->error;
		off += err->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	if (NLMSG_HDRLEN + MNL_ALIGN(off) > nlh->nlmsg_len)
		return err->error;
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 && len)
			snprintf(extack, len, "%s", mnl_attr_get_str(a));
	}
	return err->error;
}

/* One message of the answer: 1 to read on, 0 when the answer is complete,
 * or -errno. */
static int answer_one(const struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		      char *extack, size_t extack_len)
{
	int ret = 0;

	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		return nl_error_parse(nlh, extack, extack_len);
	case NLMSG_DONE:
		/* a dump that failed part way says so here */
		if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
			ret = *(const int *)mnl_nlmsg_get_payload(nlh);
		return ret > 0 ? 0 : ret;
	}
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE || !cb)
		return 1;	/* NOOP, OVERRUN and other control messages */
	ret = cb(nlh, data);
	if (ret == MNL_CB_ERROR)
		return -EIO;
	return ret < 0 ? ret : ret > MNL_CB_STOP;
}

int nl_request(struct mnl_socket *nl, const struct nlmsghdr *req,
	       mnl_cb_t cb, void *data, char *extack, size_t extack_len)
{
	unsigned int portid = mnl_socket_get_portid(nl), seq = req->nlmsg_seq;
	bool intr = false;
	size_t used = 0;
	char *buf;
	int ret = 1;

	if (extack_len)
		extack[0] = '\0';
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		return -errno;
	if (nl_recv_busy) {
		buf = malloc(NL_RECV_SIZE);
		if (!buf)
			return -ENOMEM;
	} else {
		buf = nl_recv_buf;
		nl_recv_busy = true;
	}
	while (ret > 0) {
		const struct nlmsghdr *nlh = (const void *)buf;
		ssize_t n = mnl_socket_recvfrom(nl, buf, NL_RECV_SIZE);
		int left = (int)n;

		if (n < 0) {
			ret = -errno;
			used = NL_RECV_SIZE;	/* a truncated answer filled it */
			break;
		}
		if ((size_t)n > used)
			used = (size_t)n;
		for (; ret > 0 && mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			/* leftovers of an earlier request are not ours */
			if (!mnl_nlmsg_seq_ok(nlh, seq) || !mnl_nlmsg_portid_ok(nlh, portid))
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			ret = answer_one(nlh, cb, data, extack, extack_len);
		}
	}
	sodium_memzero(buf, used);
	if (buf == nl_recv_buf)
		nl_recv_busy = false;
	else
		free(buf);
	if (!ret && intr)
		ret = -EINTR;
	return ret;
}
