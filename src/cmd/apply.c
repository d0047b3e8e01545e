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
#include "lib/human.h"
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

/* The lockout guard for a config read whole: EXIT_OK, or the exit status
 * with the message said (the config freed). A dry run only warns of what
 * the guard refuses, so that it previews what apply would say. */
static int guard(struct wgb_config **cfg, bool dry_run, struct wgb_err *e)
{
	if (guard_check(*cfg, e) < 0) {
		if (!dry_run) {
			fprintf(stderr, "%s\n", e->msg);
			config_free(*cfg);
			*cfg = NULL;
			return EXIT_USAGE;
		}
		warning("%s", e->msg);
		err_clear(e);
	}
	return EXIT_OK;
}

/* The config, read whole, and the lockout guard. */
static int load_whole(struct wgb_config **cfg, bool dry_run, struct wgb_err *e)
{
	struct timespec t;

	human_lap_start(&t);
	if (config_load_input(wgb_config_path, cfg, e) < 0) {
		fprintf(stderr, "%s\n", e->msg);
		return EXIT_USAGE;
	}
	debugx("config: read whole in %.2f ms", human_lap(&t));
	return guard(cfg, dry_run, e);
}

/* The index the last apply of this config kept (core/rundir.h), text and
 * parsed; none when there is none, or a warning when it is refused. */
static void index_load(char **text, struct config_index **ix)
{
	struct instance prev;
	unsigned line;
	size_t len;
	int ret;

	*text = NULL;
	*ix = NULL;
	if (rundir_find_instance(wgb_config_path, &prev) < 0)
		return;
	ret = rundir_read(prev.name, RUNDIR_INPUT, text, &len);
	if (ret < 0) {
		if (ret != -ENOENT)
			rundir_warn_bad(prev.name, RUNDIR_INPUT, 0, "%s; the config is read whole",
					rundir_refusal(ret) ? rundir_refusal(ret) : strerror(-ret));
		*text = NULL;
		return;
	}
	if (config_index_parse(*text, ix, &line) == -EINVAL)
		rundir_warn_bad(prev.name, RUNDIR_INPUT, line,
				"not an index of the config; ignored, the config is read whole");
}

/* The config's index kept for the next run, when it is not kept already. */
static void index_keep(const char *name, const char *had, const char *now)
{
	if (had ? now && !strcmp(had, now) : !now)
		return;
	if (rundir_replace(name, RUNDIR_INPUT, now, now ? strlen(now) : 0) < 0)
		debugx("cannot keep the config's index: the next apply reads it whole");
}

int apply_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "confirm", required_argument, NULL, 'C' },
		{ 0 }
	};
	struct wgb_config *cfg = NULL;
	struct config_index *ix = NULL;
	char *had_index = NULL, *index = NULL;
	struct wgb_err e = { 0 };
	struct plan plan = { 0 };
	struct timespec t;
	size_t changes;
	struct instance in, old;
	struct plan oplan = { 0 };
	struct run run, orun;
	bool renamed = false;
	int olock = -1;
	bool dry_run = false, first = false, holding = false;
	sigset_t oldmask;
	unsigned confirm = 0;
	int c, lock = -1, ret, status;

	memset(&run, 0, sizeof(run));
	memset(&orun, 0, sizeof(orun));
	memset(&in, 0, sizeof(in));
	memset(&old, 0, sizeof(old));
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

	/* Not for a --confirm, which reads everything to roll back to: the
	 * config as the one already applied, its forwards not read
	 * (config_load_known); where the records cannot vouch for that, the
	 * executor says -ESTALE and it is read whole (load_whole, below). */
	if (!confirm) {
		human_lap_start(&t);
		index_load(&had_index, &ix);
		warnings_hold();
		if (config_load_known(wgb_config_path, ix, &cfg, &e) < 0)
			err_clear(&e);	/* said when it is read whole, below */
		else if (cfg->elided)
			debugx("config: read in %.2f ms, but for its forwards: the index vouches for them",
			       human_lap(&t));
		else
			debugx("config: read whole in %.2f ms", human_lap(&t));
		/* read whole after all (no index it could use): as load_whole
		 * would have, its warnings said and the guard asked */
		warnings_release(cfg && !cfg->elided);
		config_index_free(ix);
		if (cfg && !cfg->elided && (status = guard(&cfg, dry_run, &e)) != EXIT_OK)
			goto out;
	}
	if (!cfg && (status = load_whole(&cfg, dry_run, &e)) != EXIT_OK)
		goto out;
	instance_from_config(&in, cfg);
	/* Another instance's Table, Mark bits or Priority: refused before
	 * anything is touched (SPEC §5); this config's own instance under an
	 * older Name is removed in this run, below. */
	if (rundir_check_neighbours(&in, wgb_config_path, &old, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		status = EXIT_USAGE;
		goto out;
	}
	/* a rename changed the text: read it whole before anything moves */
	if (old.name[0] && cfg->elided) {
		config_free(cfg);
		cfg = NULL;
		if ((status = load_whole(&cfg, dry_run, &e)) != EXIT_OK)
			goto out;
	}
	/* the confirm watchdog can restore this instance, not a removed one */
	if (old.name[0] && confirm) {
		fprintf(stderr, "%s: this config's instance was %s and is now %s: a rename cannot wait for --confirm; apply it without\n",
			wgb_config_path, old.name, in.name);
		status = EXIT_USAGE;
		goto out;
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
	/* A rename: the old instance goes first, as flush would remove it,
	 * so that what the new one reads (sysctls, shared tables) is what it
	 * will find; if the new one then fails, the old one comes back. */
	if (old.name[0]) {
		olock = rundir_lock(old.name, dry_run ? NULL : &e);
		if (olock < 0 && !dry_run) {
			status = EXIT_RUNTIME;
			goto out;
		}
		ret = run_plan(&orun, &wgb_stages, &old, NULL, &oplan, &e);
		if (ret < 0) {
			status = EXIT_RUNTIME;
			goto out;
		}
		printf("- instance %s (this config now names %s)\n", old.name, in.name);
		if (oplan.n)
			plan_print(&oplan, stdout);
		fflush(stdout);
		if (!dry_run && oplan.n && (ret = run_apply(&orun, &e)) < 0) {
			status = EXIT_RUNTIME;
			goto out;
		}
		renamed = true;
	}

	/* a --confirm keeps what it read to roll back to: it reads it all */
	ret = run_build(&run, &wgb_stages, &in, cfg, confirm ? 0 : RUN_TRUST_RECORDS, &e);
	if (ret == -ESTALE && cfg->elided) {
		/* nothing written yet: the same run, with the config whole */
		run_free(&run);
		plan_free(&plan);
		config_free(cfg);
		cfg = NULL;
		err_clear(&e);
		debugx("the config is read whole");
		if ((status = load_whole(&cfg, dry_run, &e)) != EXIT_OK)
			goto out;
		ret = run_build(&run, &wgb_stages, &in, cfg, RUN_TRUST_RECORDS, &e);
	}
	if (ret >= 0) {
		/* built: the stages' wanted states hold the forwards now,
		 * and the tables read back or compared next take their room */
		config_drop_forwards(cfg);
		ret = run_diff(&run, &plan, &e);
	}
	if (ret < 0) {
		status = EXIT_RUNTIME;
		goto out;
	}
	guard_warnings(cfg, &in, &run);
	index = cfg->index;
	cfg->index = NULL;
	/* the stages' states hold all that is left to do (the forwards,
	 * most of the config, went once built) */
	config_free(cfg);
	cfg = NULL;
	if (plan.n || !renamed)
		plan_print(&plan, stdout);
	fflush(stdout);
	/* said: a line per forward added is not kept through the batch */
	changes = plan.n;
	plan_free(&plan);
	if (dry_run || !changes) {
		status = changes || renamed ? (dry_run ? EXIT_DRIFT : EXIT_OK) : EXIT_OK;
		if (!dry_run && lock >= 0)
			run_settle(&run);	/* in sync: remembered so */
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
	run_settle(&run);
	status = EXIT_OK;

out:
	if (status == EXIT_OK && !dry_run && lock >= 0)
		index_keep(in.name, old.name[0] ? NULL : had_index, index);
	free(had_index);
	free(index);
	if (renamed && !dry_run) {
		struct wgb_err re = { 0 };

		if (status == EXIT_OK)
			run_forget(&wgb_stages, &old);	/* its record and originals */
		else if (oplan.n && run_rollback(&orun, &re) < 0)
			fprintf(stderr, "%s: and instance %s could not be restored: %s\n",
				wgb_prog, old.name, re.msg);
	}
	if (status == EXIT_RUNTIME && first && run_undone(&run))
		run_forget(&wgb_stages, &in);
	if (status == EXIT_RUNTIME && e.msg[0])
		fprintf(stderr, "%s: %s\n", wgb_prog, e.msg);
	rundir_unlock(lock);
	rundir_unlock(olock);
	run_free(&run);
	run_free(&orun);
	plan_free(&plan);
	plan_free(&oplan);
	config_free(cfg);
	if (holding)
		cmd_release_signals(&oldmask, "apply");
	return status;
}
