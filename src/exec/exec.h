/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The executor: runs the stages of plan.h in order, and undoes them.
 * Rollback does not replay a journal of inverse messages: it re-reads each
 * touched stage and syncs it back to the state read before the run, which
 * also repairs a stage that failed half-way through its own messages.
 */
#ifndef WGB_EXEC_H
#define WGB_EXEC_H

#include "core/plan.h"

struct stage_run {
	const struct stage *st;
	void *old;		/* live state before this run */
	void *want;		/* desired state */
	int changes;		/* plan lines this stage produced */
	bool touched;		/* sync was attempted */
};

#define N_STAGES 4

struct run {
	struct instance in;
	struct stage_run s[N_STAGES];
	size_t n;
};

/* Read and build every stage; fill p with the differences. cfg NULL: flush,
 * whose stages run in reverse order. */
int run_plan(struct run *r, const struct instance *in,
	     const struct wgb_config *cfg, struct plan *p, struct wgb_err *e);
/* Sync every stage with changes, in order; on failure roll back and
 * return the error (e says what failed). */
int run_apply(struct run *r, struct wgb_err *e);
/* Put every touched stage back to its 'old' state. Returns 0 when the
 * rollback itself succeeded. */
int run_rollback(struct run *r, struct wgb_err *e);
void run_free(struct run *r);

/* Test builds only: WGBASTION_FAIL_AT=<point> makes fault_inject(point)
 * fail with -EIO, once per process (the rollback then runs unhindered). Points: "<stage>" (after the stage synced),
 * plus any a backend defines (e.g. "route:rule"). */
int fault_inject(const char *point);

#endif
