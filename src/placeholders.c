// SPDX-License-Identifier: GPL-2.0-only
/*
 * TEMPORARY: weak stand-ins for modules being written in parallel, so that
 * every branch links. Each real module overrides its symbols; this file is
 * deleted once all have landed. Nothing here claims to work.
 */
#include <errno.h>
#include <stdio.h>

#include "cmd.h"
#include "config.h"

#define NOT_YET(what) fprintf(stderr, "wgbastion: %s is not implemented yet\n", what)

