/* SPDX-License-Identifier: GPL-2.0-only */
/* The subcommands, one file each, dispatched by main.c. */
#ifndef WGB_CMD_H
#define WGB_CMD_H

#include <signal.h>
#include <stdbool.h>

#ifndef WGB_SYSCONFDIR
#define WGB_SYSCONFDIR	"/etc"	/* the Makefile says where */
#endif
#define WGB_DEFAULT_CONFIG	WGB_SYSCONFDIR "/wgbastion/wgbastion.conf"

/* Exit statuses, SPEC §2. */
enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,	/* kernel refused / failed; rolled back */
	EXIT_USAGE = 2,		/* usage or configuration error; nothing touched */
	EXIT_DRIFT = 3,		/* apply --dry-run found changes */
};

/* -c / $WGBASTION_CONFIG / default, resolved by main before dispatch. */
extern const char *wgb_config_path;
extern const char *wgb_prog;

/* -v / -q, which main takes before the command and check after it too:
 * sets wgb_verbosity and returns true when opt is one of them. */
bool cmd_verbosity_opt(int opt);

/*
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT held, SIGPIPE ignored, from the
 * moment a run holds the instance's lock until it has completed or rolled
 * back (SPEC §5: a signal never leaves a half-applied state). Release
 * restores the mask: a signal that arrived meanwhile is acted on then,
 * and ends the process with that signal's status. The --confirm wait lets
 * SIGINT/SIGTERM through itself (they roll back).
 */
void cmd_hold_signals(sigset_t *old);
void cmd_release_signals(const sigset_t *old, const char *what);

int apply_main(int argc, char **argv);
int show_main(int argc, char **argv);
int flush_main(int argc, char **argv);
int check_main(int argc, char **argv);
int confirm_main(int argc, char **argv);
int far_side_main(int argc, char **argv);

#endif
