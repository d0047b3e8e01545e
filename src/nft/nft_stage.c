// SPDX-License-Identifier: GPL-2.0-only
/* The nft stage, as the executor sees it (plan.h). */
#include <netinet/in.h>

#include "nft.h"

const struct stage stage_nft = {
	.name = "nft",
	.read = nft_read,
	.build = nft_build,
	.diff = nft_diff,
	.sync = nft_sync,
	.free = nft_state_free,
};
