// SPDX-License-Identifier: GPL-2.0-only
/*
 * The route stage's netlink side, on libnl-route-3: filtered dumps of
 * rules and routes, and one request per change, each acknowledged.
 *
 * Extended acks: libnl 3.7 has no switch for NETLINK_EXT_ACK and drops the
 * text the kernel appends to an error. So we set the socket options
 * ourselves and install an error callback (nl_cb_err) that reads the
 * NLMSGERR_ATTR_MSG attribute following the struct nlmsgerr; libnl hands
 * that callback the message as received (it peeks the full length).
 *
 * Dumps use strict checking (NETLINK_GET_STRICT_CHK, Linux 4.20), so the
 * kernel filters routes by table, or by protocol and device, instead of
 * sending us every route of a full routing table. Results are filtered
 * again here, which keeps older kernels correct.
 */
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <netlink/socket.h>

#include "route.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct route_nl {
	struct nl_sock *sk;
	struct nl_cb *cb;
	int error;		/* the kernel's -errno for the last request */
	char extack[256];	/* and its extended-ack text, "" if none */
};

/* libnl error codes are not errnos; keep the kernel's own when it sent one. */
static int nl_errno(const struct route_nl *c, int nlerr)
{
	if (c && c->error)
		return c->error;
	switch (-nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_PERM:
	case NLE_NOACCESS:
		return -EPERM;
	case NLE_DUMP_INTR:
		return -EINTR;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	default:
		return -EIO;
	}
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *err, void *arg)
{
	struct route_nl *c = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)err - NLMSG_HDRLEN);
	struct nlattr *tlvs, *msg;
	size_t off = sizeof(*err);
	int len;

	c->error = err->error;
	c->extack[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	if (len <= 0)
		return NL_STOP;
	tlvs = (struct nlattr *)((char *)err + NLMSG_ALIGN(off));
	msg = nla_find(tlvs, len, NLMSGERR_ATTR_MSG);
	if (msg)
		nla_strlcpy(c->extack, msg, sizeof(c->extack));
	/* NL_STOP: libnl still turns err->error into its return value */
	return NL_STOP;
}

int route_nl_open(struct route_nl **out, struct wgb_err *e)
{
	static const int opts[] = { NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK };
	struct route_nl *c;
	int one = 1, ret;
	size_t i;

	c = calloc(1, sizeof(*c));
	if (!c)
		return err_set(e, -ENOMEM, "route: out of memory");
	c->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!c->cb || nl_cb_err(c->cb, NL_CB_CUSTOM, on_error, c) < 0 ||
	    !(c->sk = nl_socket_alloc_cb(c->cb))) {
		ret = err_set(e, -ENOMEM, "route: out of memory");
		goto fail;
	}
	ret = nl_connect(c->sk, NETLINK_ROUTE);
	if (ret < 0) {
		ret = err_kernel(e, nl_errno(NULL, ret), nl_geterror(ret), "route: rtnetlink socket");
		goto fail;
	}
	/* Best effort: without them we only lose messages and filtering. */
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); ++i)
		setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, opts[i], &one, sizeof(one));
	*out = c;
	return 0;
fail:
	route_nl_close(c);
	return ret;
}

void route_nl_close(struct route_nl *c)
{
	if (!c)
		return;
	nl_socket_free(c->sk);
	nl_cb_put(c->cb);
	free(c);
}

/* --- structs to libnl objects and back --------------------------------- */

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
	return ret < 0 ? nl_errno(NULL, ret) : 0;
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
	ret = ret < 0 ? nl_errno(NULL, ret) : 0;
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
		return nl_errno(NULL, ret);
	return p.kind;
}

/* --- requests ------------------------------------------------------------ */

static void reset(struct route_nl *c)
{
	c->error = 0;
	c->extack[0] = '\0';
}

/* Sends one request and waits for its ack: 0 or -errno (c says why). */
static int talk(struct route_nl *c, struct nl_msg *msg)
{
	int ret;

	reset(c);
	ret = nl_send_auto(c->sk, msg);
	if (ret >= 0)
		ret = nl_wait_for_ack(c->sk);
	return ret < 0 ? nl_errno(c, ret) : 0;
}

int route_nl_rule(struct route_nl *c, bool add, const struct route_rule *r,
		  struct wgb_err *e)
{
	struct nl_msg *msg = NULL;
	char what[128];
	int ret;

	route_rule_format(r, what, sizeof(what));
	ret = route_rule_msg(r, add, &msg);
	if (!ret)
		ret = talk(c, msg);
	nlmsg_free(msg);
	if (!add && ret == -ENOENT)	/* gone already: what we wanted */
		ret = 0;
	if (ret < 0)
		return err_kernel(e, ret, c->extack, "%s rule %s",
				  add ? "cannot add" : "cannot remove", what);
	return 0;
}

int route_nl_route(struct route_nl *c, bool add, const struct route_route *r,
		   struct wgb_err *e)
{
	struct route_route rr = *r;
	struct nl_msg *msg = NULL;
	char what[192];
	int ret;

	route_route_format(r, what, sizeof(what));
	/* Built states name the device; the link may be younger than the plan. */
	if (!rr.ifindex && rr.dev[0] && !(rr.ifindex = if_nametoindex(rr.dev))) {
		if (!add)	/* routes die with their link */
			return 0;
		return err_set(e, -ENODEV, "cannot add route %s: link %s does not exist",
			       what, rr.dev);
	}
	ret = route_route_msg(&rr, add, &msg);
	if (!ret)
		ret = talk(c, msg);
	nlmsg_free(msg);
	/* gone already, e.g. with its link: what we wanted */
	if (!add && (ret == -ESRCH || ret == -ENOENT || ret == -ENODEV))
		ret = 0;
	if (ret < 0)
		return err_kernel(e, ret, c->extack, "%s route %s",
				  add ? "cannot add" : "cannot remove", what);
	return 0;
}

/* --- dumps --------------------------------------------------------------- */

struct collect {
	struct route_state *s;
	int kind;		/* what this dump keeps: 1 rules, 2 routes */
	int family;
	uint32_t table;		/* routes: keep this table, or ... */
	int ifindex;		/* ... our protocol through this device */
	int ret;
};

static int grow(void **v, size_t n, size_t size)
{
	void *p;

	/* grows by one; fine for the handful of entries an instance owns */
	p = realloc(*v, (n + 1) * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	return 0;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct collect *k = arg;
	struct route_rule rule;
	struct route_route route;
	struct route_state *s = k->s;
	int kind;

	kind = route_msg_parse(msg, &rule, &route);
	if (kind != k->kind)
		return NL_OK;
	if (kind == 1) {
		if (grow((void **)&s->rules, s->n_rules, sizeof(rule)) < 0)
			goto nomem;
		s->rules[s->n_rules++] = rule;
	} else {
		if (route.family != k->family || route_state_find_route(s, &route))
			return NL_OK;
		if (k->table ? route.table != k->table
			     : !(route_is_ours(&route) && route.ifindex == k->ifindex))
			return NL_OK;
		if (grow((void **)&s->routes, s->n_routes, sizeof(route)) < 0)
			goto nomem;
		s->routes[s->n_routes++] = route;
	}
	return NL_OK;
nomem:
	k->ret = -ENOMEM;
	return NL_STOP;
}

/* One dump request; -ENOENT (no such table) reads as empty. */
static int dump(struct route_nl *c, struct nl_msg *req, struct collect *k)
{
	struct nl_cb *cb = nl_cb_clone(c->cb);
	int ret;

	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, k);
	reset(c);
	k->ret = 0;
	ret = nl_send_auto(c->sk, req);
	if (ret >= 0)
		ret = nl_recvmsgs(c->sk, cb);
	nl_cb_put(cb);
	if (k->ret < 0)
		return k->ret;
	if (ret < 0) {
		ret = nl_errno(c, ret);
		return ret == -ENOENT || ret == -EAFNOSUPPORT ? 0 : ret;
	}
	return 0;
}

static int dump_routes(struct route_nl *c, struct collect *k)
{
	struct rtmsg rtm = {
		.rtm_family = k->family,
		.rtm_table = k->table && k->table < 256 ? k->table : RT_TABLE_UNSPEC,
		.rtm_protocol = k->table ? 0 : WGB_RTPROT,
	};
	struct nl_msg *req = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_DUMP);
	int ret = -ENOMEM;

	if (!req || nlmsg_append(req, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0)
		goto out;
	if (k->table && nla_put_u32(req, RTA_TABLE, k->table) < 0)
		goto out;
	if (!k->table && nla_put_u32(req, RTA_OIF, k->ifindex) < 0)
		goto out;
	ret = dump(c, req, k);
out:
	nlmsg_free(req);
	return ret;
}

static int dump_rules(struct route_nl *c, struct collect *k)
{
	/* strict checking wants a full, zeroed header and no attribute */
	struct fib_rule_hdr frh = { .family = AF_UNSPEC };
	struct nl_msg *req = nlmsg_alloc_simple(RTM_GETRULE, NLM_F_DUMP);
	int ret = -ENOMEM;

	if (req && nlmsg_append(req, &frh, sizeof(frh), NLMSG_ALIGNTO) == 0)
		ret = dump(c, req, k);
	nlmsg_free(req);
	return ret;
}

static bool table_has_ours(const struct route_state *s, uint32_t table)
{
	size_t i;

	for (i = 0; i < s->n_routes; ++i)
		if (s->routes[i].table == table && route_is_ours(&s->routes[i]))
			return true;
	return false;
}

static int read_once(struct route_nl *c, const struct instance *in,
		     struct route_state *s)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct route_state all = { 0 };
	struct collect k = { .s = s };
	size_t i, n;
	int ret;

	k.ifindex = if_nametoindex(in->name);
	k.kind = 2;
	for (i = 0; i < 2; ++i) {
		k.family = families[i];
		k.table = in->table;
		ret = dump_routes(c, &k);
		/* ours in other tables: where an earlier config's Table sent us */
		if (!ret && k.ifindex) {
			k.table = 0;
			ret = dump_routes(c, &k);
		}
		if (ret < 0)
			return ret;
	}
	k.s = &all;
	k.kind = 1;
	ret = dump_rules(c, &k);
	for (i = 0, n = 0; !ret && i < all.n_rules; ++i) {
		const struct route_rule *r = &all.rules[i];

		if (r->protocol != WGB_RTPROT ||
		    (r->table != in->table && !table_has_ours(s, r->table)))
			continue;
		all.rules[n++] = *r;
	}
	if (!ret) {
		s->rules = all.rules;
		s->n_rules = n;
		all.rules = NULL;
	}
	free(all.rules);
	return ret;
}

int route_nl_read(struct route_nl *c, const struct instance *in,
		  struct route_state *s, struct wgb_err *e)
{
	int ret, tries = 0;

	/* A dump interrupted by a concurrent change is started over. */
	do {
		free(s->rules);
		free(s->routes);
		memset(s, 0, sizeof(*s));
		ret = read_once(c, in, s);
	} while (ret == -EINTR && ++tries < 10);
	if (ret < 0)
		return err_kernel(e, ret, c->extack, "route: cannot read the rules and routes of table %u",
				  in->table);
	return 0;
}
