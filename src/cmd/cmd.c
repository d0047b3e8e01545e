// SPDX-License-Identifier: GPL-2.0-only
/* State shared by the commands (outside main.c so unit tests link them). */
#include <signal.h>
#include <string.h>

#include "cmd.h"
#include "lib/err.h"

static const int held[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

const char *wgb_config_path;
const char *wgb_prog = "wgbastion";

bool cmd_verbosity_opt(int opt)
{
	if (opt == 'v')
		wgb_verbosity = 1;
	else if (opt == 'q')
		wgb_verbosity = -1;
	else
		return false;
	return true;
}

void cmd_hold_signals(sigset_t *old)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigset_t s;
	size_t i;

	sigemptyset(&s);
	for (i = 0; i < sizeof(held) / sizeof(held[0]); ++i)
		sigaddset(&s, held[i]);
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, NULL);	/* a closed stdout: writes fail, no more */
	sigprocmask(SIG_BLOCK, &s, old);
}

void cmd_release_signals(const sigset_t *old, const char *what)
{
	sigset_t pending;
	size_t i;

	if (sigpending(&pending) == 0)
		for (i = 0; i < sizeof(held) / sizeof(held[0]); ++i)
			if (sigismember(&pending, held[i]) && !sigismember(old, held[i]))
				infox("SIG%s arrived during %s: acted on now that the run is whole",
				      sigabbrev_np(held[i]), what);
	sigprocmask(SIG_SETMASK, old, NULL);
}
