/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The planner: each kind of kernel state wgbastion owns is a *stage* that
 * can read its live state, build its desired state from the config, list the
 * differences between two states as plan lines, and sync the kernel from one
 * state to another. Live and desired are values of one type per stage, so
 * rollback is just sync(current, previous) and flush is sync(live, empty).
 *
 * Stages run in this order on apply and in reverse on flush, so that no
 * window opens where traffic leaks or loops:
 *   wg      link, keys, peers, addresses, MTU, up (tunnel exists)
 *   nft     the table: filter and NAT before anything routes into it
 *   route   table default route first, then the fwmark ip rule
 *   sysctl  forwarding on last
 */
#ifndef WGB_PLAN_H
#define WGB_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/err.h"
#include "config/model.h"

struct plan_line {
	char op;		/* '+' added, '-' removed, '~' changed */
	char *text;		/* e.g. "forward web: tcp 443 -> 192.168.1.10:8443" */
};

struct plan {
	struct plan_line *v;
	size_t n, cap;
};

int plan_add(struct plan *p, char op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void plan_print(const struct plan *p, FILE *f);	/* "in sync" when empty */
void plan_free(struct plan *p);

/*
 * The identity of an instance: enough to find what it owns in the kernel
 * without a valid config (flush must work when the config no longer parses).
 */
struct instance {
	char name[IFNAMSIZ];		/* WireGuard link, nft table suffix */
	uint32_t table, mark, mark_mask, priority;
};

void instance_from_config(struct instance *in, const struct wgb_config *cfg);

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
};

extern const struct stage stage_wg, stage_nft, stage_route, stage_sysctl;

#endif
