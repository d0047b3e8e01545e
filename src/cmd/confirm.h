/* SPDX-License-Identifier: GPL-2.0-only */
/* apply --confirm N: keep a change only if someone says so in time. */
#ifndef WGB_CONFIRM_H
#define WGB_CONFIRM_H

#include <stdbool.h>

#include "core/instance.h"
#include "exec/exec.h"
#include "lib/err.h"

/*
 * Called after apply has changed the kernel; r holds the state before.
 * A detached watchdog takes r over and keeps the deadline (the waiting
 * process may die); this waits up to 'seconds' for "yes" on the terminal
 * or `wgbastion confirm` from another shell. SIGHUP (the ssh session died)
 * does not stop the wait. Returns 1 when confirmed; 0 when the previous
 * state is restored (timeout, Ctrl-C, "no", end of input), e saying so;
 * -errno when the rollback failed, e saying why.
 */
int confirm_wait(struct run *r, const struct instance *in, unsigned seconds, bool first,
		 struct wgb_err *e);

/* An apply --confirm whose processes were all killed: said (a warning),
 * and, when remove (apply, flush, confirm), its record removed along with
 * a FIFO left by an older version. */
void confirm_check_stale(const char *name, bool remove);

#endif
