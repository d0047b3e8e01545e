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
 * The state type is route_state.h's; the netlink side route_nl.h's.
 */
#ifndef WGB_ROUTE_H
#define WGB_ROUTE_H

#include "core/stage.h"

extern const struct stage stage_route;

#endif
