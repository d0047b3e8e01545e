/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The route stage: the policy routing that carries marked packets into the
 * tunnel (SPEC §4):
 *
 *	ip rule add fwmark MARK/MASK lookup TABLE priority PRIO proto 87
 *	ip route add default dev NAME table TABLE proto 87
 *
 * for IPv4, and for IPv6 when the config uses it. Everything we add carries
 * our route protocol number (WGB_RTPROT), which is how a later run, or a
 * later version of the tool, recognises it.
 *
 * What this instance owns, and what a read returns:
 *  - a route tagged WGB_RTPROT is ours when it is in TABLE or goes through
 *    our link NAME (a table the config used before);
 *  - a rule tagged WGB_RTPROT is ours when it has exactly the shape we add
 *    (fwmark, nothing else, "lookup" action) and looks up TABLE or a table
 *    holding one of our routes;
 *  - any other route in TABLE is someone else's: it is read (and reported)
 *    but never removed.
 *
 * The state is plain data, public so that show can list each rule and route
 * and whether it is there.
 */
#ifndef WGB_ROUTE_H
#define WGB_ROUTE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "config/model.h"
#include "core/plan.h"

struct route_rule {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t protocol;	/* FRA_PROTOCOL; WGB_RTPROT for ours */
	uint32_t priority;
	uint32_t mark, mask;	/* fwmark MARK/MASK */
	uint32_t table;		/* lookup TABLE */
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

extern const struct stage stage_route;

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

/* "fwmark 0x8000000/0x8000000 lookup 51821 priority 5210 (ipv4)" */
void route_rule_format(const struct route_rule *r, char *buf, size_t len);
/* "default dev wg0 table 51821 (ipv4)"; foreign routes say more. */
void route_route_format(const struct route_route *r, char *buf, size_t len);

/*
 * The netlink side (route_nl.c), for route.c and the unit tests. Requests
 * are built with libnl-route from these structs and parsed back into them;
 * a refusal carries the kernel's extended-ack text into e.
 */
struct nl_msg;
struct route_nl;

int route_nl_open(struct route_nl **out, struct wgb_err *e);
void route_nl_close(struct route_nl *c);
/* Everything this instance owns (see the top of this file). */
int route_nl_read(struct route_nl *c, const struct instance *in,
		  struct route_state *s, struct wgb_err *e);
/* add != 0: RTM_NEW* with NLM_F_EXCL; otherwise RTM_DEL*. */
int route_nl_rule(struct route_nl *c, bool add, const struct route_rule *r,
		  struct wgb_err *e);
int route_nl_route(struct route_nl *c, bool add, const struct route_route *r,
		   struct wgb_err *e);

/* Messages (route_msg.c, kernel-free): build a request, parse a message. */
int route_nlerr(int nlerr);	/* a libnl error code as -errno */
int route_rule_msg(const struct route_rule *r, bool add, struct nl_msg **out);
int route_route_msg(const struct route_route *r, bool add, struct nl_msg **out);
/* Parses an RTM_NEWRULE/RTM_NEWROUTE (or DEL) message; returns 1 for a
 * rule, 2 for a route, -errno when it is neither. */
int route_msg_parse(struct nl_msg *msg, struct route_rule *rule,
		    struct route_route *route);

#endif
