// SPDX-License-Identifier: GPL-2.0-only
/* State shared by the commands (outside main.c so unit tests link them). */
#include "cmd.h"
#include "lib/err.h"

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
