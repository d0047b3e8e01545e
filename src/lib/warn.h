/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one channel for warnings: the config reader, the stages and the
 * guard all say them here. A warning goes to stderr at once
 * ("wgbastion: warning: ...", -q silences it) and is kept for the rest of
 * the run, so that show --json lists the same warnings the terminal saw.
 */
#ifndef WGB_WARN_H
#define WGB_WARN_H

#include <stddef.h>

struct warnings {
	char **v;
	size_t n, cap;
};

void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Moves the warnings said so far into out (appended) and forgets them:
 * 0, or -ENOMEM (the warnings stay said, on stderr). */
int warnings_take(struct warnings *out);
void warnings_free(struct warnings *w);

#endif
