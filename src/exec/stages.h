/* SPDX-License-Identifier: GPL-2.0-only */
/* The stage table: the stages wgbastion has, in the order apply runs them. */
#ifndef WGB_STAGES_H
#define WGB_STAGES_H

#include "exec.h"

extern const struct stage_list wgb_stages;

#endif
