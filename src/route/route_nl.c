// SPDX-License-Identifier: GPL-2.0-only
/*
 * The route stage's netlink side, on libnl-route-3: filtered dumps of
 * rules and routes, and one request per change, each acknowledged.
 *
 * The socket (lib/nlroute.h) keeps the kernel's own errors and extended
 * acks, which libnl would fold into its NLE_* codes and drop.
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

#include "lib/array.h"
#include "route_msg.h"
#include "route_nl.h"

int route_nl_rule(struct nlroute *c, bool add, const struct route_rule *r,
		  struct wgb_err *e)
{
	struct nl_msg *msg = NULL;
	char what[128];
	int ret;

	route_rule_format(r, what, sizeof(what));
	ret = route_rule_msg(r, add, &msg);
	if (!ret)
		ret = nlroute_talk(c, msg);
	nlmsg_free(msg);
	if (!add && ret == -ENOENT)	/* gone already: what we wanted */
		ret = 0;
	if (ret < 0)
		return err_kernel(e, ret, c->extack, "%s rule %s",
				  add ? "cannot add" : "cannot remove", what);
	return 0;
}

int route_nl_route(struct nlroute *c, bool add, const struct route_route *r,
		   struct wgb_err *e)
{
	struct route_route rr = *r;
	struct nl_msg *msg = NULL;
	char what[192];
	int ret;

	route_route_format(r, what, sizeof(what));
	/*
	 * Resolve the device by name when adding: the link may be younger than
	 * the state (a rollback re-creates a deleted link with a new ifindex,
	 * so an ifindex read before the run would be stale).
	 */
	if (rr.dev[0] && (add || !rr.ifindex)) {
		rr.ifindex = if_nametoindex(rr.dev);
		if (!rr.ifindex) {
			if (!add)	/* routes die with their link */
				return 0;
			return err_set(e, -ENODEV, "cannot add route %s: link %s does not exist",
				       what, rr.dev);
		}
	}
	ret = route_route_msg(&rr, add, &msg);
	if (!ret)
		ret = nlroute_talk(c, msg);
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
		struct route_rule *slot = array_push(s->rules, s->n_rules, NULL);

		if (!slot)
			goto nomem;
		*slot = rule;
	} else {
		struct route_route *slot;

		if (route.family != k->family || route_state_find_route(s, &route))
			return NL_OK;
		if (k->table ? route.table != k->table
			     : !(route_is_ours(&route) && route.ifindex == k->ifindex))
			return NL_OK;
		/* ours in this table but through another device: another
		 * instance's (SPEC §5: a route is an instance's only through
		 * its own device), never to be replaced or removed here */
		if (route_is_ours(&route) && route.ifindex != k->ifindex)
			return NL_OK;
		if (!(slot = array_push(s->routes, s->n_routes, NULL)))
			goto nomem;
		*slot = route;
	}
	return NL_OK;
nomem:
	k->ret = -ENOMEM;
	return NL_STOP;
}

/* One dump request; -ENOENT (no such table) reads as empty. */
static int dump(struct nlroute *c, struct nl_msg *req, struct collect *k)
{
	struct nl_cb *cb = nl_cb_clone(c->cb);
	int ret;

	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, k);
	nlroute_reset(c);
	k->ret = 0;
	ret = nl_send_auto(c->sk, req);
	if (ret >= 0)
		ret = nl_recvmsgs(c->sk, cb);
	nl_cb_put(cb);
	if (k->ret < 0)
		return k->ret;
	if (ret < 0) {
		ret = nlroute_errno(c, ret);
		return ret == -ENOENT || ret == -EAFNOSUPPORT ? 0 : ret;
	}
	return 0;
}

static int dump_routes(struct nlroute *c, struct collect *k)
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

static int dump_rules(struct nlroute *c, struct collect *k)
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

/* [Exit]'s "lookup main" rule: its mark, or its place 10 below Priority
 * (an ExitMark changed since, or the [Exit] gone from the config). */
static bool exit_rule_ours(const struct instance *in, const struct route_rule *r)
{
	return r->table == RT_TABLE_MAIN && r->suppress_default &&
	       ((in->exit_mark && r->mark == in->exit_mark && r->mask == in->exit_mark) ||
		(in->priority > 10 && r->priority == in->priority - 10));
}

static int read_once(struct nlroute *c, const struct instance *in,
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
		    (r->table != in->table && !table_has_ours(s, r->table) && !exit_rule_ours(in, r)))
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

int route_nl_read(struct nlroute *c, const struct instance *in,
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
