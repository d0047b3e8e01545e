/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The route stage's netlink side: filtered dumps of rules and routes, and
 * one request per change, each acknowledged, on a strict rtnetlink socket
 * (lib/nlroute.h). A refusal carries the kernel's extended-ack text into e.
 */
#ifndef WGB_ROUTE_NL_H
#define WGB_ROUTE_NL_H

#include "core/instance.h"
#include "lib/err.h"
#include "lib/nlroute.h"
#include "route_state.h"

/* Everything this instance owns (see route.h). */
int route_nl_read(struct nlroute *c, const struct instance *in,
		  struct route_state *s, struct wgb_err *e);
/* add: RTM_NEW* with NLM_F_EXCL; otherwise RTM_DEL*. */
int route_nl_rule(struct nlroute *c, bool add, const struct route_rule *r,
		  struct wgb_err *e);
int route_nl_route(struct nlroute *c, bool add, const struct route_route *r,
		   struct wgb_err *e);

#endif
