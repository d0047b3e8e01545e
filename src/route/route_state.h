/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The route stage's state type: plain data, public so that show can list
 * each rule and route and whether it is there (route.h says what an
 * instance owns).
 */
#ifndef WGB_ROUTE_STATE_H
#define WGB_ROUTE_STATE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/instance.h"

struct route_rule {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t protocol;	/* FRA_PROTOCOL; WGB_RTPROT for ours */
	uint32_t priority;
	uint32_t mark, mask;	/* fwmark MARK/MASK */
	uint32_t table;		/* lookup TABLE */
	/* suppress_prefixlength 0: the table's default route does not count
	 * ([Exit]'s "lookup main", so that the main table's specific routes
	 * win and its default route does not) */
	bool suppress_default;
};

struct route_route {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t protocol;	/* RTPROT_*; WGB_RTPROT for ours */
	uint8_t type;		/* RTN_UNICAST for ours */
	uint8_t scope;		/* RT_SCOPE_* */
	uint8_t tos;
	uint32_t table;
	uint32_t metric;	/* 0 for ours in IPv4, 1024 in IPv6 */
	struct prefix dst;	/* 0.0.0.0/0 or ::/0 for ours */
	struct prefix gateway;	/* .family 0: none (ours have none) */
	char dev[IFNAMSIZ];	/* output device, "" when none */
	int ifindex;		/* as read; 0 in a built state: sync resolves dev */
};

struct route_state {
	struct route_rule *rules;	/* ours only */
	size_t n_rules;
	struct route_route *routes;	/* ours, and foreign ones in TABLE */
	size_t n_routes;
};

static inline bool route_is_ours(const struct route_route *r)
{
	return r->protocol == WGB_RTPROT;
}

/* The desired state (cfg NULL: the empty one). For show and the tests. */
int route_state_build(const struct instance *in, const struct wgb_config *cfg,
		      struct route_state **out);
void route_state_free(struct route_state *s);

/* The entry of s equal to r (as diff compares them), or NULL. */
const struct route_rule *route_state_find_rule(const struct route_state *s,
					       const struct route_rule *r);
const struct route_route *route_state_find_route(const struct route_state *s,
						 const struct route_route *r);

/* "fwmark 0x8000000/0x8000000 lookup 51821 priority 5210 (ipv4)",
 * "fwmark 0x1000000/0x1000000 lookup main suppress_prefixlength 0 priority 5200 (ipv4)" */
void route_rule_format(const struct route_rule *r, char *buf, size_t len);
/* "default dev wg0 table 51821 (ipv4)"; foreign routes say more. */
void route_route_format(const struct route_route *r, char *buf, size_t len);

#endif
