// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "plan.h"

/* text (allocated, or NULL: out of memory) as the plan's next line; the
 * plan owns it from here, or it is freed */
static int push(struct plan *p, char op, char *text)
{
	struct plan_line *l = text ? array_push(p->v, p->n, &p->cap) : NULL;

	if (!l) {
		free(text);
		return -ENOMEM;
	}
	l->op = op;
	l->text = text;
	return 0;
}

int plan_add(struct plan *p, char op, const char *fmt, ...)
{
	va_list ap;
	char *text;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&text, fmt, ap);
	va_end(ap);
	return push(p, op, r < 0 ? NULL : text);
}

int plan_add_text(struct plan *p, char op, const char *text)
{
	return push(p, op, strdup(text));
}

void plan_print(const struct plan *p, FILE *f)
{
	size_t i;

	if (!p->n) {
		fputs("in sync\n", f);
		return;
	}
	for (i = 0; i < p->n; ++i) {
		putc(p->v[i].op, f);
		putc(' ', f);
		fputs(p->v[i].text, f);
		putc('\n', f);
	}
}

void plan_free(struct plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; ++i)
		free(p->v[i].text);
	free(p->v);
	memset(p, 0, sizeof(*p));
}
