/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The stage interface: each kind of kernel state wgbastion owns is a
 * *stage* that can read its live state, build its desired state from the
 * config, list the differences between two states as plan lines, and sync
 * the kernel from one state to another. Live and desired are values of one
 * type per stage, so rollback is just sync(current, previous) and flush is
 * sync(live, empty). The executor (exec/exec.h) runs them.
 *
 * The stage table (exec/stages.c) runs them in this order on apply and in
 * reverse on flush, so that no window opens where traffic leaks or loops:
 *   wg      link, keys, peers, addresses, MTU, up (tunnel exists)
 *   nft     the table: filter and NAT before anything routes into it
 *   route   table default route first, then the fwmark ip rule
 *   sysctl  forwarding on last
 */
#ifndef WGB_STAGE_H
#define WGB_STAGE_H

#include "config/model.h"
#include "instance.h"
#include "lib/err.h"
#include "plan.h"

struct stage {
	const char *name;	/* "wg", "nft", "route", "sysctl" */
	/* Live state of what this instance owns. */
	int (*read)(const struct instance *in, void **state, struct wgb_err *e);
	/* Desired state; cfg == NULL gives the empty state (what flush wants). */
	int (*build)(const struct instance *in, const struct wgb_config *cfg,
		     void **state, struct wgb_err *e);
	/* Append one line per difference to p; returns how many, or -errno. */
	int (*diff)(const void *from, const void *to, struct plan *p);
	/* Make the kernel go from 'from' (as read) to 'to'. Writes nothing when
	 * they are equal. All or nothing as far as the stage can: on failure it
	 * returns -errno with e set; the executor then re-reads and restores. */
	int (*sync)(const struct instance *in, const void *from, const void *to,
		    struct wgb_err *e);
	void (*free)(void *state);
	/* Optional. The instance is gone (flushed, or its first apply undone
	 * whole): drop what the stage keeps for it outside the kernel. Called
	 * by the executor with the run directory's records lock held, after
	 * the instance's record is gone (core/rundir.h). */
	int (*forget)(const struct instance *in);
	/* Optional, for a stage whose read-back is costly (nft: the whole
	 * table). unchanged: 1 when the kernel provably still holds exactly
	 * 'want', as this stage itself left it, so that it need not be read
	 * back (the run then takes 'want' as the live state); 0 on any doubt.
	 * settled: after a run that succeeded, the kernel holds 'want'
	 * ('old' is what was read, NULL when unchanged() said so): keep what
	 * lets the next run's unchanged() say 1. */
	int (*unchanged)(const struct instance *in, const void *want);
	/* Optional, for the same stages: when unchanged() said 0 (want is
	 * not what the stage left), 1 with *live the state it left, when
	 * it provably still holds and was kept (the run diffs and syncs
	 * from it, unread); 0 on any doubt, and the state is read. */
	int (*recall)(const struct instance *in, const void *want, void **live);
	void (*settled)(const struct instance *in, const void *old, const void *want);
};

#endif
