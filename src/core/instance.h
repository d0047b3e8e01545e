/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The identity of an instance: enough to find what it owns in the kernel
 * without a valid config (flush must work when the config no longer
 * parses: the run directory keeps it, core/rundir.h).
 */
#ifndef WGB_INSTANCE_H
#define WGB_INSTANCE_H

#include <net/if.h>
#include <stdint.h>

#include "config/model.h"

struct instance {
	char name[IFNAMSIZ];		/* WireGuard link, nft table suffix */
	uint32_t table, mark, mark_mask, priority;
	uint32_t exit_mark;		/* [Exit]'s routing mark, 0: no [Exit] */
};

void instance_from_config(struct instance *in, const struct wgb_config *cfg);
/* The identity a config that says nothing would give (show, when neither
 * a config nor a record names the instance). */
void instance_defaults(struct instance *in);

#endif
