/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * wgbastion far-side: what the far side of one peer needs, derived from
 * the bastion's config (SPEC §2, §6), and its two renderings.
 */
#ifndef WGB_FAR_SIDE_H
#define WGB_FAR_SIDE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/model.h"

enum far_format {
	FAR_WGBASTION,
	FAR_WGQUICK,
};

/* The far side, as both renderings see it. Pointers are into cfg. */
struct far_side {
	const struct wgb_config *cfg;
	const struct wgb_peer *peer;	/* the far side itself, on the bastion */
	size_t peer_index;		/* 1-based, for the header */
	char bastion_pub[WG_KEY_B64_LEN + 1];
	char endpoint[300];		/* "host:port"; "" when unknown */
	bool endpoint_guessed;		/* from this host's route, not --endpoint */
	bool endpoint_private;		/* a private address: NAT in front? */
	struct prefix_list address;	/* its tunnel address(es), if pinned */
	bool v4, v6;			/* client families: AllowedIPs to cover */
	/* egress sources of the far side's own networks, per egress */
	struct prefix_list *exit_src;	/* cfg->n_egresses lists */
};

/* Fills f for the given peer; endpoint NULL: guessed. 0, or -errno with
 * e set. */
int far_side_derive(struct far_side *f, const struct wgb_config *cfg,
		    const struct wgb_peer *peer, size_t index, const char *endpoint,
		    struct wgb_err *e);
void far_side_free(struct far_side *f);

/* Which forwards the far side answers for: destination behind its peer. */
bool far_side_returns(const struct far_side *f, const struct wgb_forward *fw);

void far_side_print(const struct far_side *f, enum far_format fmt, FILE *out);

#endif
