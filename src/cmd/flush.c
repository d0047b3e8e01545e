// SPDX-License-Identifier: GPL-2.0-only
/*
 * wgbastion flush: remove everything this instance created and restore the
 * sysctls it changed. Idempotent. When the config no longer parses, the
 * instance is found through the record apply left in the run directory.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config/config.h"
#include "confirm.h"
#include "core/rundir.h"
#include "exec/stages.h"
#include "lib/warn.h"

int flush_main(int argc, char **argv)
{
	struct wgb_config *cfg = NULL;
	struct wgb_err e = { 0 }, ce = { 0 };
	struct plan plan = { 0 };
	struct instance in;
	struct run run;
	int lock = -1, status = EXIT_RUNTIME;
	bool holding = false;
	sigset_t oldmask;

	memset(&run, 0, sizeof(run));
	if (argc > 1) {
		fprintf(stderr, "Usage: %s flush\n", wgb_prog);
		return EXIT_USAGE;
	}
	if (config_load(wgb_config_path, &cfg, &ce) == 0) {
		instance_from_config(&in, cfg);
	} else if (rundir_find_instance(wgb_config_path, &in) == 0) {
		warning("%s", ce.msg);
		warning("flushing instance %s as recorded by its last apply", in.name);
	} else {
		fprintf(stderr, "%s\n", ce.msg);
		infox("no instance was applied from %s: nothing to flush", wgb_config_path);
		return EXIT_OK;
	}

	lock = rundir_lock(in.name, &e);
	if (lock < 0)
		goto out;
	cmd_hold_signals(&oldmask);
	holding = true;
	confirm_check_stale(in.name, true);	/* its watchdog would hold the lock */
	if (run_plan(&run, &wgb_stages, &in, NULL, &plan, &e) < 0)
		goto out;
	plan_print(&plan, stdout);
	fflush(stdout);
	if (plan.n && run_apply(&run, &e) < 0)
		goto out;
	/* the record goes, and the stages forget the instance (the sysctl
	 * stage passes on originals handed to it meanwhile) */
	run_forget(&wgb_stages, &in);
	status = EXIT_OK;
out:
	if (status != EXIT_OK)
		fprintf(stderr, "%s: %s\n", wgb_prog, e.msg);
	rundir_unlock(lock);
	run_free(&run);
	plan_free(&plan);
	config_free(cfg);
	if (holding)
		cmd_release_signals(&oldmask, "flush");
	return status;
}
