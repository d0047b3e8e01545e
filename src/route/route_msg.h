/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The route stage's messages: its rules and routes to libnl-route requests
 * and back. No socket here, so the unit tests run all of it without a
 * kernel.
 */
#ifndef WGB_ROUTE_MSG_H
#define WGB_ROUTE_MSG_H

#include <stdbool.h>

#include "route_state.h"

struct nl_msg;

/* A request: RTM_NEW* with NLM_F_EXCL when add, otherwise RTM_DEL*. */
int route_rule_msg(const struct route_rule *r, bool add, struct nl_msg **out);
int route_route_msg(const struct route_route *r, bool add, struct nl_msg **out);
/* Parses an RTM_NEWRULE/RTM_NEWROUTE (or DEL) message; returns 1 for a
 * rule, 2 for a route, -errno when it is neither. */
int route_msg_parse(struct nl_msg *msg, struct route_rule *rule,
		    struct route_route *route);

#endif
