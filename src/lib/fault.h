/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injection, in test builds only (-DWGB_TESTING): with
 * WGBASTION_FAIL_AT=<point>, fault_inject(point) fails with -EIO once per
 * process (the rollback that follows then runs unhindered);
 * WGBASTION_FAIL_AT=<point>#N fails the Nth time the run reaches it, so
 * that a test can fail every kernel write in turn. Points:
 * "<stage>" (the executor, after the stage synced), plus any a stage
 * defines (e.g. "route:rule"; "nft:refuse" makes the kernel itself refuse
 * the first message of a batch). Elsewhere it always returns 0.
 */
#ifndef WGB_FAULT_H
#define WGB_FAULT_H

int fault_inject(const char *point);

#endif
