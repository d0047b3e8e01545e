// SPDX-License-Identifier: GPL-2.0-only
/*
 * wgbastion show [--json | --prometheus]: the live state on one screen, for the operator
 * at 2 a.m. — so it prints what it can even when the config is broken or
 * gone (the instance is then found through the record apply left in the
 * run directory, or assumed to have the default identity), and says why.
 *
 * Exit status: 0 when everything could be read (in sync or not: drift is
 * reported, not an error; `apply --dry-run` is the drift probe with 3);
 * 2 when the config did not load (the live state is still shown); 1 when
 * some live state could not be read. --prometheus exits the same way and
 * still prints valid metrics (wgbastion_up 0, wgbastion_config_valid 0):
 * a textfile collector's timer keeps the file when it fails, so the file
 * would go stale; the statuses are for the unit's logs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "confirm.h"
#include "show/show_view.h"

static bool want_colour(FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	/* https://no-color.org: any non-empty value turns colour off */
	if (nc && *nc)
		return false;
	if (term && !strcmp(term, "dumb"))
		return false;
	return isatty(fileno(f));
}

int show_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ 0 }
	};
	struct show_view v;
	bool json = false, prom = false;
	int c, ret, status;

	while ((c = getopt_long(argc, argv, "jp", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			prom = true;
			break;
		default:
			goto usage;
		}
	}
	if (optind < argc)
		goto usage;
	if (json && prom) {
		fprintf(stderr, "%s: show: --json and --prometheus are exclusive\n", wgb_prog);
		goto usage;
	}

	ret = show_collect(&v, wgb_config_path);
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", wgb_prog, strerror(-ret));
		show_view_free(&v);
		return EXIT_RUNTIME;
	}
	if (v.in.name[0])
		confirm_check_stale(v.in.name, false);
	/* the config problem on stderr too (the warnings are there already),
	 * before the screen, so they are not lost when stdout goes to a file
	 * or jq */
	if (v.config_error)
		fprintf(stderr, "%s\n", v.config_error);
	if (v.read_error)
		fprintf(stderr, "%s: %s\n", wgb_prog, v.read_error);
	fflush(stderr);

	if (json) {
		ret = show_json(&v, stdout);
	} else if (prom) {
		ret = show_prom(&v, stdout);
	} else {
		show_text(&v, stdout, want_colour(stdout));
		ret = 0;
	}
	if (fflush(stdout) != 0 || ret < 0)
		status = EXIT_RUNTIME;
	else if (v.read_error)
		status = EXIT_RUNTIME;
	else if (v.config_error)
		status = EXIT_USAGE;
	else
		status = EXIT_OK;
	show_view_free(&v);
	return status;

usage:
	fprintf(stderr, "Usage: %s [-c FILE] show [--json | --prometheus]\n", wgb_prog);
	return EXIT_USAGE;
}
