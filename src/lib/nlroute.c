// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "nl.h"
#include "nlroute.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *err, void *arg)
{
	/* libnl hands us the payload as received; its header sits right
	 * before it, and nl.c reads the kernel's error message once for
	 * every netlink user */
	const struct nlmsghdr *nlh = (const void *)((const char *)err - NLMSG_HDRLEN);
	struct nlroute *c = arg;

	c->error = nl_error_parse(nlh, c->extack, sizeof(c->extack));
	if (c->error >= 0)
		c->error = -EIO;
	/* NL_STOP: libnl still turns err->error into its return value */
	return NL_STOP;
}

int nlroute_open(struct nlroute *c, bool strict, struct wgb_err *e)
{
	int one = 1, ret;

	memset(c, 0, sizeof(*c));
	c->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!c->cb || nl_cb_err(c->cb, NL_CB_CUSTOM, on_error, c) < 0 ||
	    !(c->sk = nl_socket_alloc_cb(c->cb))) {
		nlroute_close(c);
		return err_set(e, -ENOMEM, "rtnetlink: out of memory");
	}
	ret = nl_connect(c->sk, NETLINK_ROUTE);
	if (ret < 0) {
		ret = err_kernel(e, nlroute_errno(NULL, ret), nl_geterror(ret), "rtnetlink socket");
		nlroute_close(c);
		return ret;
	}
	/* Best effort: without them we only lose the kernel's text and
	 * filtering, which a second look here makes up for. */
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (strict)
		setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_GET_STRICT_CHK,
			   &one, sizeof(one));
	return 0;
}

void nlroute_close(struct nlroute *c)
{
	if (c->sk)
		nl_socket_free(c->sk);
	if (c->cb)
		nl_cb_put(c->cb);
	c->sk = NULL;
	c->cb = NULL;
}

void nlroute_reset(struct nlroute *c)
{
	c->error = 0;
	c->extack[0] = '\0';
}

int nlroute_errno(const struct nlroute *c, int nlerr)
{
	if (nlerr >= 0)
		return 0;
	if (c && c->error < 0)
		return c->error;
	switch (-nlerr) {
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_EXIST:		return -EEXIST;
	case NLE_INVAL:		return -EINVAL;
	case NLE_RANGE:		return -ERANGE;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:	return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_NODEV:		return -ENODEV;
	case NLE_BUSY:		return -EBUSY;
	case NLE_PERM:
	case NLE_NOACCESS:	return -EPERM;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_INTR:
	case NLE_DUMP_INTR:	return -EINTR;
	default:		return -EIO;
	}
}

int nlroute_talk(struct nlroute *c, struct nl_msg *msg)
{
	int ret;

	nlroute_reset(c);
	ret = nl_send_auto(c->sk, msg);
	if (ret >= 0)
		ret = nl_wait_for_ack(c->sk);
	return nlroute_errno(c, ret);
}
