/* SPDX-License-Identifier: GPL-2.0-only */
/* show: the stages' live states (and the config, when it loaded) into the
 * view, one file per stage (show_live_wg.c, show_live_nft.c,
 * show_live_route.c): the only files of show that know the stages' state
 * types. */
#ifndef WGB_SHOW_LIVE_H
#define WGB_SHOW_LIVE_H

#include "show_view.h"

/* Tracked connections per forward and egress (show_conntrack.c); the
 * view's items must come from cfg, in its order. Unknown stays -1. */
void show_connections(struct show_view *v, const struct wgb_config *cfg);

/* Each backend's live state (NULL: not read) into the view. */
int show_live_wg(struct show_view *v, const void *wg_state);
int show_live_nft(struct show_view *v, const struct wgb_config *cfg, const void *nft_state);
/* sysctl_want: the desired sysctl state (NULL without a config) */
int show_live_route(struct show_view *v, const void *route_state, const void *sysctl_state,
		    const void *sysctl_want);

/* show_rules.c: "192.168.1.10:8443", "[fd00::1]:80", or the address alone
 * (ports kept) */
void show_forward_destination(char *buf, size_t len, const struct wgb_forward *f);
/* Text of a config forward / egress, as show prints its rule. */
char *show_forward_rule(const struct wgb_forward *f);
char *show_egress_rule(const struct wgb_egress *e);
char *show_return_rule(const struct wgb_return *r);
char *show_exit_rule(const struct wgb_exit *x);

#endif
