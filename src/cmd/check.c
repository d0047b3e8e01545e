// SPDX-License-Identifier: GPL-2.0-only
/* wgbastion check: parse and validate; no privileges, no kernel, no DNS. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cmd.h"
#include "config/config.h"
#include "lib/err.h"

static void summary(const struct wgb_config *cfg)
{
	infox("%s: ok: interface %s, port %u, %zu peer%s, %zu forward%s, %zu egress%s%s",
	      cfg->path, cfg->iface.name, cfg->iface.listen_port,
	      cfg->n_peers, cfg->n_peers == 1 ? "" : "s",
	      cfg->n_forwards, cfg->n_forwards == 1 ? "" : "s",
	      cfg->n_egresses, cfg->n_egresses == 1 ? "" : "es",
	      cfg->uses_ipv6 ? ", IPv6 forwarded" : "");
}

int check_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 }
	};
	struct wgb_config *cfg = NULL;
	struct wgb_err e = { 0 };
	int c;

	/* -v / -q after the command too: "wgbastion check -v" is natural */
	while ((c = getopt_long(argc, argv, "hvq", opts, NULL)) != -1) {
		if (cmd_verbosity_opt(c))
			continue;
		switch (c) {
		case 'h':
			printf("Usage: %s [-c FILE] [-v|-q] check\n"
			       "Parse and validate the config; touches nothing.\n", wgb_prog);
			return EXIT_OK;
		default:
			fprintf(stderr, "Usage: %s [-c FILE] [-v|-q] check\n", wgb_prog);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: check: unexpected argument '%s'\n", wgb_prog, argv[optind]);
		return EXIT_USAGE;
	}
	if (config_load(wgb_config_path, &cfg, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return EXIT_USAGE;
	}
	if (cfg->iface.private_key_file && !cfg->iface.has_private_key &&
	    access(cfg->iface.private_key_file, F_OK) < 0 && errno == ENOENT)
		infox("PrivateKeyFile \"%s\" does not exist yet: it will be created by apply",
		      cfg->iface.private_key_file);
	if (wgb_verbosity > 0)
		summary(cfg);
	config_free(cfg);
	return EXIT_OK;
}
