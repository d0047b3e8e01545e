// SPDX-License-Identifier: GPL-2.0-only
/* State shared by the commands (outside main.c so unit tests link them). */
#include "cmd.h"

const char *wgb_config_path;
const char *wgb_prog = "wgbastion";
