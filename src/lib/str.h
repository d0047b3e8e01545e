/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Text put together by hand where a run does it once per forward (counter
 * names, plan lines, a forward's view): printf's parsing of its format is
 * most of the cost there. One way to append, truncating alike everywhere.
 */
#ifndef WGB_STR_H
#define WGB_STR_H

#include <stddef.h>

/* Copies s to buf + at, as much as fits in len bytes with the NUL; returns
 * the new length (at + what was copied). at must be < len. */
size_t str_put(char *buf, size_t len, size_t at, const char *s);
/* a then b, into buf of len bytes, truncated as str_put truncates. */
void str_join(char *buf, size_t len, const char *a, const char *b);

#endif
