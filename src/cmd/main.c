// SPDX-License-Identifier: GPL-2.0-only
/*
 * wgbastion: turn a public host into a WireGuard front door.
 * main parses the global options and dispatches to <command>_main.
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lib/err.h"


static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "apply", apply_main, "reconcile the kernel with the config (--dry-run, --confirm N)" },
	{ "show", show_main, "live state, counters and differences from the config (--json, --prometheus)" },
	{ "flush", flush_main, "remove everything this instance created" },
	{ "check", check_main, "validate the config; touches nothing" },
	{ "confirm", confirm_main, "keep a change made by apply --confirm" },
	{ "far-side", far_side_main, "print the far side's config for a peer (--format wg-quick)" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s [-c FILE] [-v|-q] <command> [<args>]\n\n", wgb_prog);
	fprintf(f, "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); ++i)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nOptions:\n"
		"  -c, --config FILE  config file (default $WGBASTION_CONFIG or %s)\n"
		"  -v, --verbose      say more\n"
		"  -q, --quiet        warnings off; only errors and changes\n"
		"  -h, --help         this text\n"
		"  -V, --version      print the version\n", WGB_DEFAULT_CONFIG);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	const char *env;
	size_t i;
	int c;

	/* Large blocks in malloc's heap too, not each in a mapping of its
	 * own: a block freed (the config's text, the kept table's front, a
	 * plan's views) is then reused by the next, warm. On the bench
	 * machine the first touch of a page costs about 8 us however it was
	 * mapped, and a one-change apply of 10,000 forwards touched 2,110
	 * new pages with every block mapped apart, 1,490 so. What freed
	 * memory would hold at a large batch's peak is given back before
	 * that batch is built (nft_sync): a cold apply peaks no higher. A
	 * fixed threshold also stops glibc from moving it on its own. */
	mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
	wgb_config_path = (env = getenv("WGBASTION_CONFIG")) && *env ? env : WGB_DEFAULT_CONFIG;
	/* '+': stop at the command, its options are its own */
	while ((c = getopt_long(argc, argv, "+c:vqhV", opts, NULL)) != -1) {
		if (cmd_verbosity_opt(c))
			continue;
		switch (c) {
		case 'c':
			wgb_config_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("wgbastion %s\n", WGB_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); ++i) {
		if (!strcmp(argv[optind], commands[i].name)) {
			int cargc = argc - optind;
			char **cargv = argv + optind;

			optind = 0;	/* full getopt reinitialisation for the command */
			return commands[i].fn(cargc, cargv);
		}
	}
	fprintf(stderr, "%s: unknown command '%s'\n", wgb_prog, argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
