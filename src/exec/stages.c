// SPDX-License-Identifier: GPL-2.0-only
/*
 * The stage table (core/stage.h says why this order): the tunnel first,
 * then the firewall that guards what routes into it, then the routing,
 * and forwarding on last. Flush runs it backwards.
 */
#include "nft/nft.h"
#include "route/route.h"
#include "stages.h"
#include "sysctl/sysctl.h"
#include "wg/wg.h"

static const struct stage *const table[] = {
	&stage_wg, &stage_nft, &stage_route, &stage_sysctl,
};

const struct stage_list wgb_stages = {
	.v = table,
	.n = sizeof(table) / sizeof(table[0]),
};
