/* SPDX-License-Identifier: GPL-2.0-only */
/* apply --confirm N: keep a change only if someone says so in time. */
#ifndef WGB_CONFIRM_H
#define WGB_CONFIRM_H

#include "core/instance.h"

/*
 * Called after apply has changed the kernel. Waits up to 'seconds' for
 * "yes" on the terminal or `wgbastion confirm` from another shell.
 * SIGHUP (the ssh session died) does not stop the wait. Returns 1 when
 * confirmed, 0 when not (timeout, Ctrl-C, "no", end of input), -errno on
 * error. The caller restores the previous state unless it returns 1.
 */
int confirm_wait(const struct instance *in, unsigned seconds);

#endif
