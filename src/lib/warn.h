/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one channel for warnings: the config reader, the stages and the
 * guard all say them here. A warning goes to stderr at once
 * ("wgbastion: warning: ...", -q silences it) and is kept for the rest of
 * the run, so that show --json lists the same warnings the terminal saw.
 */
#ifndef WGB_WARN_H
#define WGB_WARN_H

#include <stdbool.h>
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
/* How many have been said in this process (taken ones included). */
size_t warnings_count(void);
/* Until warnings_release, warnings are kept but not said. Released, the
 * held ones are said (say) or dropped, as if never said; returns how many
 * there were. For a try whose warnings a second try will say again. */
void warnings_hold(void);
size_t warnings_release(bool say);

#endif
