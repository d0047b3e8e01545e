// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

int plan_add(struct plan *p, char op, const char *fmt, ...)
{
	struct plan_line *v;
	va_list ap;
	char *text;
	int r;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;

		v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	va_start(ap, fmt);
	r = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	p->v[p->n].op = op;
	p->v[p->n].text = text;
	p->n++;
	return 0;
}

void plan_print(const struct plan *p, FILE *f)
{
	size_t i;

	if (!p->n) {
		fputs("in sync\n", f);
		return;
	}
	for (i = 0; i < p->n; ++i)
		fprintf(f, "%c %s\n", p->v[i].op, p->v[i].text);
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

void instance_from_config(struct instance *in, const struct wgb_config *cfg)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->name, sizeof(in->name), "%s", cfg->iface.name);
	in->table = cfg->bastion.table;
	in->mark = cfg->bastion.mark;
	in->mark_mask = cfg->bastion.mark_mask;
	in->priority = cfg->bastion.priority;
}
