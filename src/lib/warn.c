// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "err.h"
#include "warn.h"

/* Process-wide, like stderr itself: a warning is said where it arises,
 * however deep, without a list threaded through every call. */
static struct warnings said;
static size_t taken;		/* by warnings_take, for warnings_count */
static bool holding;
static size_t held_from;	/* said.v[held_from..] are held */

static void forget_said(void)
{
	warnings_free(&said);
}

void warning(const char *fmt, ...)
{
	static int registered;
	char **slot, *s;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	if (strpbrk(s, CTL_CHARS)) {
		size_t size = 4 * (size_t)r + 1;
		char *esc = malloc(size);

		if (esc)
			err_escape(s, esc, size);
		free(s);
		if (!esc)
			return;
		s = esc;
	}
	if (wgb_verbosity >= 0 && !holding)
		fprintf(stderr, "wgbastion: warning: %s\n", s);
	if (!registered)
		registered = !atexit(forget_said);
	slot = array_push(said.v, said.n, &said.cap);
	if (slot)
		*slot = s;
	else
		free(s);
}

int warnings_take(struct warnings *out)
{
	size_t i;

	if (array_reserve(out->v, &out->cap, out->n + said.n) < 0)
		return -ENOMEM;
	for (i = 0; i < said.n; ++i)
		out->v[out->n++] = said.v[i];
	taken += said.n;
	said.n = 0;
	held_from = 0;
	return 0;
}

size_t warnings_count(void)
{
	return taken + said.n;
}

void warnings_hold(void)
{
	holding = true;
	held_from = said.n;
}

size_t warnings_release(bool say)
{
	size_t i, n = said.n - held_from;

	holding = false;
	for (i = held_from; i < said.n; ++i) {
		if (say && wgb_verbosity >= 0)
			fprintf(stderr, "wgbastion: warning: %s\n", said.v[i]);
		else if (!say)
			free(said.v[i]);
	}
	if (!say)
		said.n = held_from;
	return n;
}

void warnings_free(struct warnings *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->n; ++i)
		free(w->v[i]);
	free(w->v);
	w->v = NULL;
	w->n = w->cap = 0;
}
