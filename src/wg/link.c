// SPDX-License-Identifier: GPL-2.0-only
/*
 * rtnetlink for the WireGuard link, through libnl-route-3 (lib/nlroute.h
 * keeps the kernel's own error and extended ack), one socket per call.
 */
#include <errno.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/nlroute.h"
#include "link.h"

int link_get(const char *name, struct link_info *li, struct wgb_err *e)
{
	struct rtnl_link *link = NULL;
	const char *kind;
	struct nlroute c;
	int ret;

	memset(li, 0, sizeof(*li));
	ret = nlroute_open(&c, false, e);
	if (ret < 0)
		return ret;
	ret = nlroute_errno(&c, rtnl_link_get_kernel(c.sk, 0, name, &link));
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
	nlroute_close(&c);
	return ret;
}

int link_create(const char *name, const char *kind, uint32_t mtu,
		struct wgb_err *e)
{
	struct rtnl_link *link;
	struct nlroute c;
	int ret;

	ret = nlroute_open(&c, false, e);
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
		ret = err_set(e, nlroute_errno(&c, ret), "link %s: type %s", name, kind);
		goto out;
	}
	if (mtu)
		rtnl_link_set_mtu(link, mtu);
	ret = nlroute_errno(&c, rtnl_link_add(c.sk, link, NLM_F_CREATE | NLM_F_EXCL));
	/* no module: the caller falls back to userspace, so no message */
	if (ret < 0 && ret != -EOPNOTSUPP)
		err_kernel(e, ret, c.extack, "create link %s type %s", name, kind);
out:
	if (link)
		rtnl_link_put(link);
	nlroute_close(&c);
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
	struct nlroute c;
	int ret;

	ret = nlroute_open(&c, false, e);
	if (ret < 0)
		return ret;
	link = link_ref(name, ifindex);
	if (!link) {
		ret = err_set(e, -ENOMEM, "link %s: out of memory", name);
		goto out;
	}
	ret = nlroute_errno(&c, rtnl_link_delete(c.sk, link));
	if (ret < 0)
		err_kernel(e, ret, c.extack, "delete link %s", name);
out:
	if (link)
		rtnl_link_put(link);
	nlroute_close(&c);
	return ret;
}

/* mtu 0: leave it; up < 0: leave it. */
static int link_change(const char *name, int ifindex, uint32_t mtu, int up,
		       struct wgb_err *e)
{
	struct rtnl_link *orig = NULL, *chg = NULL;
	struct nlroute c;
	int ret;

	ret = nlroute_open(&c, false, e);
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
	ret = nlroute_errno(&c, rtnl_link_change(c.sk, orig, chg, 0));
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
	nlroute_close(&c);
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
	struct nlroute c;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = nlroute_open(&c, false, e);
	if (ret < 0)
		return ret;
	ret = nlroute_errno(&c, rtnl_addr_alloc_cache(c.sk, &cache));
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
		ret = prefix_list_add(out, &p);
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
	nlroute_close(&c);
	return ret;
}

static int addr_op(const char *name, int ifindex, const struct prefix *p,
		   bool add, struct wgb_err *e)
{
	struct rtnl_addr *addr = NULL;
	struct nl_addr *local = NULL;
	char text[PREFIX_STRLEN];
	struct nlroute c;
	int ret;

	ret = nlroute_open(&c, false, e);
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
	ret = nlroute_errno(&c, ret);
	if (ret < 0) {
		prefix_fmt(p, text);
		err_kernel(e, ret, c.extack, "%s address %s dev %s",
			   add ? "add" : "remove", text, name);
	}
out:
	if (local)
		nl_addr_put(local);
	if (addr)
		rtnl_addr_put(addr);
	nlroute_close(&c);
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
