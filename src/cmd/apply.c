// SPDX-License-Identifier: GPL-2.0-only
/* wgbastion apply [--dry-run] [--confirm SECONDS] */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config/config.h"
#include "confirm.h"
#include "core/rundir.h"
#include "exec/stages.h"
#include "guard/guard.h"
#include "lib/warn.h"

static int parse_seconds(const char *s, unsigned *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v == 0 || v > 86400)
		return -EINVAL;
	*out = v;
	return 0;
}

int apply_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "confirm", required_argument, NULL, 'C' },
		{ 0 }
	};
	struct wgb_config *cfg = NULL;
	struct wgb_err e = { 0 };
	struct plan plan = { 0 };
	struct instance in;
	struct run run;
	bool dry_run = false, first = false, holding = false;
	sigset_t oldmask;
	unsigned confirm = 0;
	int c, lock = -1, ret, status;

	memset(&run, 0, sizeof(run));
	while ((c = getopt_long(argc, argv, "nC:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			break;
		case 'C':
			if (parse_seconds(optarg, &confirm) < 0) {
				fprintf(stderr, "%s: --confirm: \"%s\" is not a number of seconds (1-86400)\n",
					wgb_prog, optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			fprintf(stderr, "Usage: %s apply [--dry-run] [--confirm SECONDS]\n", wgb_prog);
			return EXIT_USAGE;
		}
	}
	if (optind < argc || (dry_run && confirm)) {
		fprintf(stderr, "Usage: %s apply [--dry-run] [--confirm SECONDS]\n", wgb_prog);
		return EXIT_USAGE;
	}

	if (config_load(wgb_config_path, &cfg, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return EXIT_USAGE;
	}
	instance_from_config(&in, cfg);
	/* The lockout guard: refuse before touching anything (a dry run
	 * only warns, so it previews what apply would say). */
	if (guard_check(cfg, &e) < 0) {
		if (!dry_run) {
			fprintf(stderr, "%s\n", e.msg);
			config_free(cfg);
			return EXIT_USAGE;
		}
		warning("%s", e.msg);
		err_clear(&e);
	}

	/* A dry run by an unprivileged user reads without the lock. */
	lock = rundir_lock(in.name, dry_run ? NULL : &e);
	if (lock < 0 && !dry_run) {
		status = EXIT_RUNTIME;
		goto out;
	}
	if (!dry_run) {
		cmd_hold_signals(&oldmask);
		holding = true;
	}

	if (!dry_run)
		confirm_check_stale(in.name, true);	/* its watchdog would hold the lock */
	ret = run_plan(&run, &wgb_stages, &in, cfg, &plan, &e);
	if (ret < 0) {
		status = EXIT_RUNTIME;
		goto out;
	}
	guard_warnings(cfg, &in, &run);
	plan_print(&plan, stdout);
	fflush(stdout);
	if (dry_run || !plan.n) {
		status = plan.n ? (dry_run ? EXIT_DRIFT : EXIT_OK) : EXIT_OK;
		goto out;
	}

	/* Recorded first, so that flush finds the instance whatever happens;
	 * if this was its first apply and it is undone whole, forgotten again
	 * (other instances take a record for a live neighbour: sysctl.c). */
	first = !rundir_has_instance(in.name);
	ret = rundir_save_instance(&in, wgb_config_path, &e);
	if (ret < 0 || (ret = run_apply(&run, &e)) < 0) {
		status = EXIT_RUNTIME;
		goto out;
	}

	if (confirm) {
		ret = confirm_wait(&run, &in, confirm, first, &e);
		if (ret != 1) {
			status = EXIT_RUNTIME;
			goto out;
		}
		infox("confirmed");
	}
	status = EXIT_OK;

out:
	if (status == EXIT_RUNTIME && first && run_undone(&run))
		run_forget(&wgb_stages, &in);
	if (status == EXIT_RUNTIME && e.msg[0])
		fprintf(stderr, "%s: %s\n", wgb_prog, e.msg);
	rundir_unlock(lock);
	run_free(&run);
	plan_free(&plan);
	config_free(cfg);
	if (holding)
		cmd_release_signals(&oldmask, "apply");
	return status;
}
