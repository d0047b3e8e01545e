// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "instance.h"

void instance_from_config(struct instance *in, const struct wgb_config *cfg)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->name, sizeof(in->name), "%s", cfg->iface.name);
	in->table = cfg->bastion.table;
	in->mark = cfg->bastion.mark;
	in->mark_mask = cfg->bastion.mark_mask;
	in->priority = cfg->bastion.priority;
	in->exit_mark = cfg->bastion.exit_mark;
}

void instance_defaults(struct instance *in)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->name, sizeof(in->name), "%s", WGB_DEFAULT_IFNAME);
	in->table = WGB_DEFAULT_TABLE;
	in->mark = WGB_DEFAULT_MARK;
	in->mark_mask = WGB_DEFAULT_MARK_MASK;
	in->priority = WGB_DEFAULT_PRIORITY;
}
