// SPDX-License-Identifier: GPL-2.0-only
/* The route stage's state (route_state.h): building, comparing, text. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route_state.h"

#define IP6_RT_PRIO_USER 1024	/* the kernel's metric for an IPv6 route given none */

static const char *fam(uint8_t family)
{
	return family == AF_INET6 ? "ipv6" : "ipv4";
}

void route_rule_format(const struct route_rule *r, char *buf, size_t len)
{
	char table[16];

	if (r->table == RT_TABLE_MAIN)
		snprintf(table, sizeof(table), "main");
	else
		snprintf(table, sizeof(table), "%u", r->table);
	snprintf(buf, len, "fwmark 0x%x/0x%x lookup %s%s priority %u (%s)",
		 r->mark, r->mask, table, r->suppress_default ? " suppress_prefixlength 0" : "",
		 r->priority, fam(r->family));
}

static void prefix_format(const struct prefix *p, char *buf, size_t len, bool host)
{
	char a[PREFIX_STRLEN];

	if (!p->len && !host) {
		snprintf(buf, len, "default");
		return;
	}
	addr_fmt(p->family, p->addr.bytes, a);
	if (host || p->len == prefix_family_bits(p->family))
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->len);
}

void route_route_format(const struct route_route *r, char *buf, size_t len)
{
	char dst[64], via[64] = "", dev[IFNAMSIZ + 8] = "", more[64] = "";

	prefix_format(&r->dst, dst, sizeof(dst), false);
	if (r->gateway.family) {
		char gw[INET6_ADDRSTRLEN];

		prefix_format(&r->gateway, gw, sizeof(gw), true);
		snprintf(via, sizeof(via), " via %s", gw);
	}
	if (r->dev[0])
		snprintf(dev, sizeof(dev), " dev %s", r->dev);
	else if (r->ifindex)
		snprintf(dev, sizeof(dev), " dev #%d", r->ifindex);
	/* ours read as built; a foreign route shows what tells it apart */
	if (!route_is_ours(r))
		snprintf(more, sizeof(more), " proto %u metric %u", r->protocol, r->metric);
	else if (r->type != RTN_UNICAST)
		snprintf(more, sizeof(more), " type %u", r->type);
	snprintf(buf, len, "%s%s%s table %u%s (%s)", dst, via, dev, r->table, more,
		 fam(r->family));
}

static bool rule_eq(const struct route_rule *a, const struct route_rule *b)
{
	return a->family == b->family && a->protocol == b->protocol &&
	       a->priority == b->priority && a->mark == b->mark &&
	       a->mask == b->mask && a->table == b->table &&
	       a->suppress_default == b->suppress_default;
}

static bool prefix_eq(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(a->addr.bytes, b->addr.bytes, sizeof(a->addr.bytes));
}

/* Routes compare by what makes them; a read ifindex and a built device
 * name stand for the same thing, so the name is what counts. */
static bool route_eq(const struct route_route *a, const struct route_route *b)
{
	return a->family == b->family && a->protocol == b->protocol &&
	       a->type == b->type && a->scope == b->scope && a->tos == b->tos &&
	       a->table == b->table && a->metric == b->metric &&
	       prefix_eq(&a->dst, &b->dst) && prefix_eq(&a->gateway, &b->gateway) &&
	       !strcmp(a->dev, b->dev);
}

const struct route_rule *route_state_find_rule(const struct route_state *s,
					       const struct route_rule *r)
{
	size_t i;

	for (i = 0; s && i < s->n_rules; ++i)
		if (rule_eq(&s->rules[i], r))
			return &s->rules[i];
	return NULL;
}

const struct route_route *route_state_find_route(const struct route_state *s,
						 const struct route_route *r)
{
	size_t i;

	for (i = 0; s && i < s->n_routes; ++i)
		if (route_eq(&s->routes[i], r))
			return &s->routes[i];
	return NULL;
}

void route_state_free(struct route_state *s)
{
	if (!s)
		return;
	free(s->rules);
	free(s->routes);
	free(s);
}

static bool exits_have_family(const struct wgb_config *cfg, uint8_t family)
{
	const struct wgb_exit *x;

	for_each_exit(cfg, x)
		if (prefix_list_has_family(&x->source, family))
			return true;
	return false;
}

/*
 * Per family: the fwmark rule to TABLE and TABLE's default route into the
 * tunnel; with an [Exit] of that family, two rules before them for the
 * exit's mark: the main table without its default route (the LAN and
 * other specific routes still win), then TABLE.
 */
int route_state_build(const struct instance *in, const struct wgb_config *cfg,
		      struct route_state **out)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	struct route_state *s;
	size_t i, n;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	n = cfg ? (cfg->uses_ipv6 ? 2 : 1) : 0;
	/* at most three rules and one route per family */
	if (n && (!(s->rules = calloc(3 * n, sizeof(*s->rules))) ||
		  !(s->routes = calloc(n, sizeof(*s->routes))))) {
		route_state_free(s);
		return -ENOMEM;
	}
	for (i = 0; i < n; ++i) {
		struct route_rule *ru = &s->rules[s->n_rules++];
		struct route_route *ro = &s->routes[i];

		ru->family = families[i];
		ru->protocol = WGB_RTPROT;
		ru->priority = in->priority;
		ru->mark = in->mark;
		ru->mask = in->mark_mask;
		ru->table = in->table;

		if (in->exit_mark && exits_have_family(cfg, families[i])) {
			ru = &s->rules[s->n_rules++];
			*ru = (struct route_rule){
				.family = families[i], .protocol = WGB_RTPROT,
				.priority = in->priority - 10, .mark = in->exit_mark,
				.mask = in->exit_mark, .table = RT_TABLE_MAIN,
				.suppress_default = true,
			};
			ru = &s->rules[s->n_rules++];
			*ru = (struct route_rule){
				.family = families[i], .protocol = WGB_RTPROT,
				.priority = in->priority - 9, .mark = in->exit_mark,
				.mask = in->exit_mark, .table = in->table,
			};
		}

		ro->family = families[i];
		ro->protocol = WGB_RTPROT;
		ro->type = RTN_UNICAST;
		/* what ip(8) gives a device route: link scope in IPv4 */
		ro->scope = families[i] == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
		ro->table = in->table;
		ro->metric = families[i] == AF_INET ? 0 : IP6_RT_PRIO_USER;
		ro->dst.family = families[i];
		snprintf(ro->dev, sizeof(ro->dev), "%s", in->name);
	}
	s->n_routes = n;
	*out = s;
	return 0;
}
