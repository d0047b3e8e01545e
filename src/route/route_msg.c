// SPDX-License-Identifier: GPL-2.0-only
/*
 * The route stage's messages: route_rule / route_route to libnl-route
 * objects and requests, and messages back to them. No socket here, so the
 * unit tests run all of it without a kernel.
 */
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include "lib/nlroute.h"
#include "route_msg.h"

static struct nl_addr *addr_from_prefix(const struct prefix *p, bool whole)
{
	struct nl_addr *a;

	if (!whole && p->len == 0) {
		/* a default route: no RTA_DST at all, as ip(8) sends it */
		a = nl_addr_alloc(0);
		if (a)
			nl_addr_set_family(a, p->family);
		return a;
	}
	a = nl_addr_build(p->family, p->addr.bytes, p->family == AF_INET ? 4 : 16);
	if (a)
		nl_addr_set_prefixlen(a, p->len);
	return a;
}

static void prefix_from_addr(struct prefix *p, struct nl_addr *a, int family)
{
	unsigned alen = a ? nl_addr_get_len(a) : 0;

	memset(p, 0, sizeof(*p));
	p->family = family;
	if (a && alen <= sizeof(p->addr.bytes))
		memcpy(p->addr.bytes, nl_addr_get_binary_addr(a), alen);
	p->len = a ? nl_addr_get_prefixlen(a) : 0;
}

int route_rule_msg(const struct route_rule *r, bool add, struct nl_msg **out)
{
	struct rtnl_rule *o = rtnl_rule_alloc();
	int ret;

	if (!o)
		return -ENOMEM;
	rtnl_rule_set_family(o, r->family);
	rtnl_rule_set_action(o, FR_ACT_TO_TBL);
	rtnl_rule_set_table(o, r->table);
	rtnl_rule_set_prio(o, r->priority);
	rtnl_rule_set_mark(o, r->mark);
	rtnl_rule_set_mask(o, r->mask);
	rtnl_rule_set_protocol(o, r->protocol);
	ret = add ? rtnl_rule_build_add_request(o, NLM_F_EXCL, out)
		  : rtnl_rule_build_delete_request(o, 0, out);
	rtnl_rule_put(o);
	if (ret < 0)
		return nlroute_errno(NULL, ret);
	/* libnl-route 3.7 has no setter for it: appended to its message */
	if (r->suppress_default && nla_put_u32(*out, FRA_SUPPRESS_PREFIXLEN, 0) < 0) {
		nlmsg_free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int route_route_msg(const struct route_route *r, bool add, struct nl_msg **out)
{
	struct rtnl_route *o = rtnl_route_alloc();
	struct rtnl_nexthop *nh = NULL;
	struct nl_addr *a = NULL;
	int ret = -ENOMEM;

	if (!o)
		return -ENOMEM;
	rtnl_route_set_family(o, r->family);
	rtnl_route_set_table(o, r->table);
	rtnl_route_set_protocol(o, r->protocol);
	rtnl_route_set_type(o, r->type);
	rtnl_route_set_scope(o, r->scope);
	rtnl_route_set_tos(o, r->tos);
	rtnl_route_set_priority(o, r->metric);
	if (!(a = addr_from_prefix(&r->dst, false)) || rtnl_route_set_dst(o, a) < 0)
		goto out;
	if (r->ifindex || r->gateway.family) {
		if (!(nh = rtnl_route_nh_alloc()))
			goto out;
		rtnl_route_nh_set_ifindex(nh, r->ifindex);
		if (r->gateway.family) {
			struct nl_addr *gw = addr_from_prefix(&r->gateway, true);

			if (!gw)
				goto out;
			rtnl_route_nh_set_gateway(nh, gw);
			nl_addr_put(gw);
		}
		rtnl_route_add_nexthop(o, nh);
		nh = NULL;	/* the route owns it now */
	}
	ret = add ? rtnl_route_build_add_request(o, NLM_F_EXCL, out)
		  : rtnl_route_build_del_request(o, 0, out);
	ret = ret < 0 ? nlroute_errno(NULL, ret) : 0;
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(a);
	rtnl_route_put(o);
	return ret;
}

/* Only the shape we add: fwmark, "lookup" action, no other selector. */
static bool rule_plain_fwmark(struct rtnl_rule *o)
{
	uint16_t lo, hi;
	uint8_t u8;

	/* libnl's getters return 0 for an absent mark, mask or tos */
	return rtnl_rule_get_action(o) == FR_ACT_TO_TBL &&
	       rtnl_rule_get_mask(o) != 0 &&
	       !rtnl_rule_get_src(o) && !rtnl_rule_get_dst(o) &&
	       !rtnl_rule_get_iif(o) && !rtnl_rule_get_oif(o) &&
	       !rtnl_rule_get_dsfield(o) && rtnl_rule_get_l3mdev(o) <= 0 &&
	       rtnl_rule_get_ipproto(o, &u8) < 0 &&
	       rtnl_rule_get_sport(o, &lo, &hi) < 0 &&
	       rtnl_rule_get_dport(o, &lo, &hi) < 0;
}

struct parsed {
	int kind;		/* 0 ignored, 1 rule, 2 route */
	struct route_rule *rule;
	struct route_route *route;
};

static void parse_rule(struct rtnl_rule *o, struct parsed *p)
{
	uint8_t proto = 0;
	int family = rtnl_rule_get_family(o);

	if ((family != AF_INET && family != AF_INET6) || !rule_plain_fwmark(o))
		return;
	rtnl_rule_get_protocol(o, &proto);
	memset(p->rule, 0, sizeof(*p->rule));
	p->rule->family = family;
	p->rule->protocol = proto;
	p->rule->priority = rtnl_rule_get_prio(o);
	p->rule->mark = rtnl_rule_get_mark(o);
	p->rule->mask = rtnl_rule_get_mask(o);
	p->rule->table = rtnl_rule_get_table(o);
	p->kind = 1;
}

static void parse_route(struct rtnl_route *o, struct parsed *p)
{
	struct route_route *r = p->route;
	struct rtnl_nexthop *nh;
	int family = rtnl_route_get_family(o);

	if (family != AF_INET && family != AF_INET6)
		return;
	memset(r, 0, sizeof(*r));
	r->family = family;
	r->protocol = rtnl_route_get_protocol(o);
	r->type = rtnl_route_get_type(o);
	r->scope = rtnl_route_get_scope(o);
	r->tos = rtnl_route_get_tos(o);
	r->table = rtnl_route_get_table(o);
	r->metric = rtnl_route_get_priority(o);
	prefix_from_addr(&r->dst, rtnl_route_get_dst(o), family);
	/* a multipath route is shown by its first hop */
	nh = rtnl_route_get_nnexthops(o) > 0 ? rtnl_route_nexthop_n(o, 0) : NULL;
	if (nh) {
		struct nl_addr *gw = rtnl_route_nh_get_gateway(nh);

		r->ifindex = rtnl_route_nh_get_ifindex(nh);
		if (gw && nl_addr_get_family(gw) == family) {
			prefix_from_addr(&r->gateway, gw, family);
			r->gateway.len = family == AF_INET ? 32 : 128;
		}
	}
	if (r->ifindex && !if_indextoname(r->ifindex, r->dev))
		r->dev[0] = '\0';
	p->kind = 2;
}

static void on_object(struct nl_object *obj, void *arg)
{
	switch (nl_object_get_msgtype(obj)) {
	case RTM_NEWRULE:
	case RTM_DELRULE:
		parse_rule((struct rtnl_rule *)obj, arg);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		parse_route((struct rtnl_route *)obj, arg);
		break;
	}
}

int route_msg_parse(struct nl_msg *msg, struct route_rule *rule,
		    struct route_route *route)
{
	struct route_rule rbuf;
	struct route_route obuf;
	struct parsed p = { 0, rule ? rule : &rbuf, route ? route : &obuf };
	int ret;

	nlmsg_set_proto(msg, NETLINK_ROUTE);
	ret = nl_msg_parse(msg, on_object, &p);
	if (ret < 0)
		return nlroute_errno(NULL, ret);
	if (p.kind == 1) {
		/* libnl-route 3.7 does not parse it. The kernel always sends
		 * it, -1 for none; any other length but 0 is not our shape. */
		struct nlattr *a = nlmsg_find_attr(nlmsg_hdr(msg), sizeof(struct fib_rule_hdr),
						   FRA_SUPPRESS_PREFIXLEN);
		uint32_t v = a && nla_len(a) >= 4 ? nla_get_u32(a) : UINT32_MAX;

		if (v != 0 && v != UINT32_MAX)
			return 0;
		p.rule->suppress_default = v == 0;
	}
	return p.kind;
}
