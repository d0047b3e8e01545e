/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A plan: the lines a stage's diff writes, one per difference, in the
 * order sync will make them. apply prints them, show --json lists them.
 */
#ifndef WGB_PLAN_H
#define WGB_PLAN_H

#include <stddef.h>
#include <stdio.h>

struct plan_line {
	char op;		/* '+' added, '-' removed, '~' changed */
	char *text;		/* e.g. "forward web: tcp 443 -> 192.168.1.10:8443" */
};

struct plan {
	struct plan_line *v;
	size_t n, cap;
};

int plan_add(struct plan *p, char op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int plan_add_text(struct plan *p, char op, const char *text);	/* as "%s" */
void plan_print(const struct plan *p, FILE *f);	/* "in sync" when empty */
void plan_free(struct plan *p);

#endif
