/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The executor: runs a list of stages (core/stage.h) in order, and undoes
 * them. Rollback does not replay a journal of inverse messages: it re-reads
 * each touched stage and syncs it back to the state read before the run,
 * which also repairs a stage that failed half-way through its own messages.
 *
 * The list is a parameter (wgbastion's own is exec/stages.h's), so that the
 * unit tests run the executor on stages of their own.
 */
#ifndef WGB_EXEC_H
#define WGB_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/stage.h"

/* Stages in the order apply syncs them; flush goes last to first. */
struct stage_list {
	const struct stage *const *v;
	size_t n;
};

struct stage_run {
	const struct stage *st;
	void *old;		/* live state before this run */
	void *want;		/* desired state (NULL: read only) */
	int changes;		/* plan lines this stage produced */
	bool touched;		/* sync was attempted */
	bool old_is_want;	/* not read: unchanged() vouched for want */
};

/* A run; zeroed, run_free is safe on it before any run_* call. */
struct run {
	struct instance in;
	struct stage_run *s;	/* in the order run_apply syncs */
	size_t n;
	unsigned flags;		/* run_build's, for run_diff */
};

/* Reads and builds every stage of 'stages', filling p with the
 * differences. cfg NULL: flush, whose stages run in reverse order. */
int run_plan(struct run *r, const struct stage_list *stages, const struct instance *in,
	     const struct wgb_config *cfg, struct plan *p, struct wgb_err *e);
/* The same, letting stages that can (stage.h: unchanged) skip reading
 * back what they left unchanged since the last run: apply's, not show's
 * (which wants counters) nor a --confirm's. */
#define RUN_TRUST_RECORDS	1u
/* A cfg->elided config (config_load_known) needs RUN_TRUST_RECORDS and
 * fails with -ESTALE, before anything is written, when a stage with
 * records cannot vouch for it: the caller then loads the config whole. */
int run_plan_opt(struct run *r, const struct stage_list *stages, const struct instance *in,
		 const struct wgb_config *cfg, struct plan *p, unsigned flags,
		 struct wgb_err *e);
/* run_plan_opt in its two halves, for a caller that frees between them
 * what only the builds needed (apply: the config's forwards): run_build
 * builds every stage's wanted state (and fails with -ESTALE as above);
 * run_diff then reads, or recalls, each one's live state and fills p. */
int run_build(struct run *r, const struct stage_list *stages, const struct instance *in,
	     const struct wgb_config *cfg, unsigned flags, struct wgb_err *e);
int run_diff(struct run *r, struct plan *p, struct wgb_err *e);
/* The run succeeded: each stage keeps what helps the next (stage.h). */
void run_settle(struct run *r);
/* Reads every stage only (show without a config): one that cannot be read
 * does not hide the others; returns the first error. */
int run_read(struct run *r, const struct stage_list *stages, const struct instance *in,
	     struct wgb_err *e);
/* Syncs every stage with changes, in order; on failure rolls back and
 * returns the error (e says what failed, and what the rollback could not
 * undo after it). */
int run_apply(struct run *r, struct wgb_err *e);
/* Puts every touched stage back to its 'old' state, last to first.
 * Returns 0 when the rollback itself succeeded. */
int run_rollback(struct run *r, struct wgb_err *e);
/* Nothing of this run is left in the kernel: no stage touched, or every
 * touched one rolled back. */
bool run_undone(const struct run *r);
/* The stage's live (or desired) state in r, or NULL. */
const void *run_live(const struct run *r, const struct stage *st);
const void *run_want(const struct run *r, const struct stage *st);
void run_free(struct run *r);

/* The instance is gone (flushed, or its first apply undone whole): its
 * record leaves the run directory and every stage forgets what it kept
 * for it, under the run directory's records lock. */
int run_forget(const struct stage_list *stages, const struct instance *in);

#endif
