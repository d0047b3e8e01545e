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
#include "confirm.h"

#define NOT_YET(what) fprintf(stderr, "wgbastion: %s is not implemented yet\n", what)

__attribute__((weak)) int show_main(int argc, char **argv) { NOT_YET("show"); return EXIT_RUNTIME; }
__attribute__((weak)) int confirm_main(int argc, char **argv) { NOT_YET("confirm"); return EXIT_RUNTIME; }
__attribute__((weak)) int confirm_wait(const struct instance *in, unsigned seconds) { NOT_YET("apply --confirm"); return -ENOSYS; }
