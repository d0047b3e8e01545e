// SPDX-License-Identifier: GPL-2.0-only
/*
 * rtnetlink for the WireGuard link, through libnl-route-3.
 *
 * libnl folds kernel errors into its own NLE_* codes and drops the
 * extended ack; a custom error callback keeps both, so a failure reads
 * "address 10.0.0.1/24 dev wg0: <the kernel's own sentence>".
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "lib/nl.h"
#include "wg_ipc.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct nlctx {
	struct nl_sock *sk;
	int err;		/* -errno of the kernel's NLMSG_ERROR */
	char extack[256];
};

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *err, void *arg)
{
	/* libnl hands us the payload; the header sits right before it */
	const struct nlmsghdr *nlh = (const void *)((const char *)err - NLMSG_HDRLEN);
	struct nlctx *c = arg;

	c->err = nl_error_parse(nlh, c->extack, sizeof(c->extack));
	if (c->err >= 0)
		c->err = -EIO;
	return NL_STOP;	/* libnl then returns its own error code too */
}

static int ctx_open(struct nlctx *c, struct wgb_err *e)
{
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->sk = nl_socket_alloc();
	if (!c->sk)
		return err_set(e, -ENOMEM, "rtnetlink: out of memory");
	if (nl_connect(c->sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(c->sk);
		c->sk = NULL;
		return err_kernel(e, -EPROTONOSUPPORT, NULL, "rtnetlink socket");
	}
	/* best effort: older kernels simply give no text */
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_modify_err_cb(c->sk, NL_CB_CUSTOM, on_error, c);
	return 0;
}

static void ctx_close(struct nlctx *c)
{
	if (c->sk)
		nl_socket_free(c->sk);
	c->sk = NULL;
}

/* libnl's result to -errno, preferring what the kernel itself said. */
static int ctx_errno(const struct nlctx *c, int nlerr)
{
	if (nlerr >= 0)
		return 0;
	if (c->err < 0)
		return c->err;
	switch (-nlerr) {
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_EXIST:		return -EEXIST;
	case NLE_INVAL:		return -EINVAL;
	case NLE_RANGE:		return -ERANGE;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_NODEV:		return -ENODEV;
	case NLE_BUSY:		return -EBUSY;
	case NLE_PERM:
	case NLE_NOACCESS:	return -EPERM;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_INTR:		return -EINTR;
	case NLE_DUMP_INTR:	return -EINTR;
	default:		return -EIO;
	}
}

int link_get(const char *name, struct link_info *li, struct wgb_err *e)
{
	struct rtnl_link *link = NULL;
	const char *kind;
	struct nlctx c;
	int ret;

	memset(li, 0, sizeof(*li));
	ret = ctx_open(&c, e);
	if (ret < 0)
		return ret;
	ret = ctx_errno(&c, rtnl_link_get_kernel(c.sk, 0, name, &link));
	if (ret == -ENODEV || ret == -ENOENT) {
		ret = -ENODEV;	/* not an error for the caller to report */
		goto out;
	}
	if (ret < 0) {
		err_kernel(e, ret, c.extack, "link %s", name);
		goto out;
	}
	li->ifindex = rtnl_link_get_ifindex(link);
	li->mtu = rtnl_link_get_mtu(link);
	li->up = rtnl_link_get_flags(link) & IFF_UP;
	kind = rtnl_link_get_type(link);
	snprintf(li->kind, sizeof(li->kind), "%s", kind ? kind : "");
out:
	if (link)
		rtnl_link_put(link);
	ctx_close(&c);
	return ret;
}

int link_create(const char *name, const char *kind, uint32_t mtu,
		struct wgb_err *e)
{
	struct rtnl_link *link;
	struct nlctx c;
	int ret;

	ret = ctx_open(&c, e);
	if (ret < 0)
		return ret;
	link = rtnl_link_alloc();
	if (!link) {
		ret = err_set(e, -ENOMEM, "link %s: out of memory", name);
		goto out;
	}
	rtnl_link_set_name(link, name);
	ret = rtnl_link_set_type(link, kind);
	if (ret < 0) {
		ret = err_set(e, ctx_errno(&c, ret), "link %s: type %s", name, kind);
		goto out;
	}
	if (mtu)
		rtnl_link_set_mtu(link, mtu);
	ret = ctx_errno(&c, rtnl_link_add(c.sk, link, NLM_F_CREATE | NLM_F_EXCL));
	/* no module: the caller falls back to userspace, so no message */
	if (ret < 0 && ret != -EOPNOTSUPP)
		err_kernel(e, ret, c.extack, "create link %s type %s", name, kind);
out:
	if (link)
		rtnl_link_put(link);
	ctx_close(&c);
	return ret;
}

/* A link object naming an existing link, for delete and change. */
static struct rtnl_link *link_ref(const char *name, int ifindex)
{
	struct rtnl_link *link = rtnl_link_alloc();

	if (link) {
		rtnl_link_set_ifindex(link, ifindex);
		rtnl_link_set_name(link, name);
	}
	return link;
}

int link_delete(const char *name, int ifindex, struct wgb_err *e)
{
	struct rtnl_link *link = NULL;
	struct nlctx c;
	int ret;

	ret = ctx_open(&c, e);
	if (ret < 0)
		return ret;
	link = link_ref(name, ifindex);
	if (!link) {
		ret = err_set(e, -ENOMEM, "link %s: out of memory", name);
		goto out;
	}
	ret = ctx_errno(&c, rtnl_link_delete(c.sk, link));
	if (ret < 0)
		err_kernel(e, ret, c.extack, "delete link %s", name);
out:
	if (link)
		rtnl_link_put(link);
	ctx_close(&c);
	return ret;
}

/* mtu 0: leave it; up < 0: leave it. */
static int link_change(const char *name, int ifindex, uint32_t mtu, int up,
		       struct wgb_err *e)
{
	struct rtnl_link *orig = NULL, *chg = NULL;
	struct nlctx c;
	int ret;

	ret = ctx_open(&c, e);
	if (ret < 0)
		return ret;
	orig = link_ref(name, ifindex);
	chg = rtnl_link_alloc();
	if (!orig || !chg) {
		ret = err_set(e, -ENOMEM, "link %s: out of memory", name);
		goto out;
	}
	if (mtu)
		rtnl_link_set_mtu(chg, mtu);
	if (up > 0)
		rtnl_link_set_flags(chg, IFF_UP);
	else if (up == 0)
		rtnl_link_unset_flags(chg, IFF_UP);
	ret = ctx_errno(&c, rtnl_link_change(c.sk, orig, chg, 0));
	if (ret < 0) {
		if (mtu)
			err_kernel(e, ret, c.extack, "link %s mtu %u", name, mtu);
		else
			err_kernel(e, ret, c.extack, "link %s %s", name, up ? "up" : "down");
	}
out:
	if (orig)
		rtnl_link_put(orig);
	if (chg)
		rtnl_link_put(chg);
	ctx_close(&c);
	return ret;
}

int link_set_mtu(const char *name, int ifindex, uint32_t mtu, struct wgb_err *e)
{
	return link_change(name, ifindex, mtu, -1, e);
}

int link_set_up(const char *name, int ifindex, bool up, struct wgb_err *e)
{
	return link_change(name, ifindex, 0, up, e);
}

int link_addrs_read(int ifindex, struct prefix_list *out, struct wgb_err *e)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	struct nlctx c;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = ctx_open(&c, e);
	if (ret < 0)
		return ret;
	ret = ctx_errno(&c, rtnl_addr_alloc_cache(c.sk, &cache));
	if (ret < 0) {
		err_kernel(e, ret, c.extack, "read addresses");
		goto out;
	}
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		struct prefix p = { 0 };
		unsigned alen;

		if (rtnl_addr_get_ifindex(a) != ifindex || !local)
			continue;
		p.family = rtnl_addr_get_family(a);
		alen = nl_addr_get_len(local);
		if (!((p.family == AF_INET && alen == 4) ||
		      (p.family == AF_INET6 && alen == 16)))
			continue;
		memcpy(p.addr.bytes, nl_addr_get_binary_addr(local), alen);
		p.len = rtnl_addr_get_prefixlen(a);
		ret = wg_prefix_list_add(out, &p);
		if (ret < 0) {
			err_set(e, ret, "read addresses: out of memory");
			goto out;
		}
	}
	ret = 0;
out:
	if (ret < 0)
		prefix_list_free(out);
	if (cache)
		nl_cache_free(cache);
	ctx_close(&c);
	return ret;
}

static int addr_op(const char *name, int ifindex, const struct prefix *p,
		   bool add, struct wgb_err *e)
{
	struct rtnl_addr *addr = NULL;
	struct nl_addr *local = NULL;
	char text[INET6_ADDRSTRLEN + 8];
	struct nlctx c;
	int ret;

	ret = ctx_open(&c, e);
	if (ret < 0)
		return ret;
	addr = rtnl_addr_alloc();
	local = nl_addr_build(p->family, p->addr.bytes, p->family == AF_INET ? 4 : 16);
	if (!addr || !local) {
		ret = err_set(e, -ENOMEM, "address: out of memory");
		goto out;
	}
	nl_addr_set_prefixlen(local, p->len);
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_family(addr, p->family);
	ret = rtnl_addr_set_local(addr, local);
	if (ret >= 0)
		rtnl_addr_set_prefixlen(addr, p->len);
	if (ret >= 0)
		ret = add ? rtnl_addr_add(c.sk, addr, 0) : rtnl_addr_delete(c.sk, addr, 0);
	ret = ctx_errno(&c, ret);
	if (ret < 0) {
		wg_prefix_str(text, sizeof(text), p);
		err_kernel(e, ret, c.extack, "%s address %s dev %s",
			   add ? "add" : "remove", text, name);
	}
out:
	if (local)
		nl_addr_put(local);
	if (addr)
		rtnl_addr_put(addr);
	ctx_close(&c);
	return ret;
}

int link_addr_add(const char *name, int ifindex, const struct prefix *p,
		  struct wgb_err *e)
{
	return addr_op(name, ifindex, p, true, e);
}

int link_addr_del(const char *name, int ifindex, const struct prefix *p,
		  struct wgb_err *e)
{
	return addr_op(name, ifindex, p, false, e);
}
