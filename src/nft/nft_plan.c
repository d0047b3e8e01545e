// SPDX-License-Identifier: GPL-2.0-only
/*
 * Plan lines for the nft stage, written for someone reading them at 2 a.m.:
 *   + nft table inet wgbastion-wg0
 *   + forward web: tcp 443 -> 192.168.1.10:8443
 *   ~ forward web: destination 192.168.1.10:8443 -> 192.168.1.11:8443
 *   - forward old
 *   + egress home: 10.100.0.0/24 -> 0.0.0.0/0, ::/0, masquerade
 *   ~ nft chain forward: rules differ from the config, refilled
 * Element-level differences are attributed to the forward (by port range,
 * through the count maps) or egress (by set name) they belong to; what
 * belongs to neither is reported by set. Equal tables give no line.
 */
#include <netinet/in.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>

#include "lib/array.h"
#include "lib/str.h"
#include "nft_int.h"

struct names {
	const char **v;
	size_t n, cap;
	bool sorted;
};

static int names_add(struct names *s, const char *name)
{
	const char **slot = array_push(s->v, s->n, &s->cap);

	if (!slot)
		return -ENOMEM;
	*slot = name;
	s->sorted = false;
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool names_has(struct names *s, const char *name)
{
	if (!s->sorted) {
		nft_qsort(s->v, s->n, sizeof(*s->v), str_cmp);
		s->sorted = true;
	}
	return s->n && bsearch(&name, s->v, s->n, sizeof(*s->v), str_cmp);
}

struct pl {
	struct plan *p;
	struct plan tail;	/* nft-level lines, printed after forwards and egresses */
	struct plan far;	/* [Return] and [Exit] lines, printed before the tail */
	const struct nft_state *from, *to;
	struct nft_views *vf, *vt;
	struct names fwd, egr;	/* touched: compare their views */
	bool rebuild;		/* all touched: print only what changed */
	int lines, err;
};

/* Every line goes through here: counted, or the run's error kept. */
static void add_line(struct pl *l, struct plan *p, char op, const char *text)
{
	if (l->err)
		return;
	if (plan_add_text(p, op, text) < 0)
		l->err = -ENOMEM;
	else
		l->lines++;
}

static void line(struct pl *l, struct plan *p, char op, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void line(struct pl *l, struct plan *p, char op, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (l->err)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	add_line(l, p, op, buf);
}

/* "WHAT NAME: TEXT", as line() would put it, without printf: a cold
 * apply writes one per forward */
static void line3(struct pl *l, struct plan *p, char op, const char *what, const char *name,
		  const char *text)
{
	char buf[1024];
	size_t n;

	n = str_put(buf, sizeof(buf), 0, what);
	n = str_put(buf, sizeof(buf), n, " ");
	n = str_put(buf, sizeof(buf), n, name);
	n = str_put(buf, sizeof(buf), n, ": ");
	str_put(buf, sizeof(buf), n, text);
	add_line(l, p, op, buf);
}

static void touch(struct pl *l, struct names *s, const char *name)
{
	if (!l->err && names_add(s, name) < 0)
		l->err = -ENOMEM;
}

/* One line per [Return] or [Exit] and what: several sets or rules of one
 * say it once. */
static void far_line(struct pl *l, char op, const char *owner, const char *what)
{
	char buf[160];
	size_t i;

	snprintf(buf, sizeof(buf), "%s%s%s", owner, what ? ": " : "", what ? what : "");
	for (i = 0; i < l->far.n; ++i)
		if (l->far.v[i].op == op && !strcmp(l->far.v[i].text, buf))
			return;
	line(l, &l->far, op, "%s", buf);
}

/* ---- elements ---- */

/* The forward whose AllowFile set this is, on either side; NULL if none. */
static const char *allowfile_owner(struct pl *l, const char *set)
{
	size_t n = strlen(NFT_ALLOWFILE_PREFIX);

	if (strncmp(set, NFT_ALLOWFILE_PREFIX, n))
		return NULL;
	set += n;
	return nft_views_has_forward(l->vt, set) || nft_views_has_forward(l->vf, set) ? set : NULL;
}

static uint16_t elem_port(const struct nft_set *s, const struct nft_elem *el, int fam)
{
	const uint8_t *k = nft_elem_key(s, el);
	uint16_t port;

	if (s->key_len == 2) {
		port = (uint16_t)(k[0] << 8 | k[1]);
		/* an end marker sits one past its range */
		return (el->flags & NFT_SET_ELEM_INTERVAL_END) ? (uint16_t)(port - 1) : port;
	}
	k += fam == 6 ? 16 : 4;	/* allow: address . port */
	return (uint16_t)(k[0] << 8 | k[1]);
}

static const char *owner(struct pl *l, int fam, int proto, uint16_t port)
{
	const char *n = nft_views_port_owner(l->vt, fam, proto, port);

	return n ? n : nft_views_port_owner(l->vf, fam, proto, port);
}

static void set_delta_lines(struct pl *l, const struct nft_set_delta *sd)
{
	const struct nft_set *sf = &l->from->sets[sd->from], *st = &l->to->sets[sd->to];
	size_t i, stray = 0;
	enum nft_fs_kind fkind;
	enum nft_es_kind ekind;
	const char *who;
	char ebuf[64];
	int fam, proto;

	if (nft_fwd_set_parse(st->name, &fkind, &fam, &proto)) {
		for (i = 0; i < sd->del.n + sd->add.n; ++i) {
			bool del = i < sd->del.n;
			const struct nft_set *s = del ? sf : st;
			const struct nft_elem *el = nft_set_elem(s, del ? sd->del.v[i]
								  : sd->add.v[i - sd->del.n]);
			who = owner(l, fam, proto, elem_port(s, el, fam));
			if (who)
				touch(l, &l->fwd, who);
			else
				stray++;
		}
	} else if (nft_egr_set_parse(st->name, ebuf, sizeof(ebuf), &ekind, &fam) &&
		   (nft_views_has_egress(l->vt, ebuf) || nft_views_has_egress(l->vf, ebuf))) {
		/* names point into the views, which outlive the touch list */
		const char *const *v;
		size_t n = nft_views_egresses(l->vt, &v), j;

		for (j = 0; j < n; ++j)
			if (!strcmp(v[j], ebuf))
				touch(l, &l->egr, v[j]);
		n = nft_views_egresses(l->vf, &v);
		for (j = 0; j < n; ++j)
			if (!strcmp(v[j], ebuf))
				touch(l, &l->egr, v[j]);
	} else if (nft_far_owner(st->name, ebuf, sizeof(ebuf))) {
		far_line(l, '~', ebuf, strstr(st->name + strlen(st->name) - 5, "_src") ?
				       "source changed" : "destination changed");
	} else if ((who = allowfile_owner(l, st->name))) {
		/* a changed AllowFile: what moved, not 100,000 ranges twice */
		size_t add = 0, del = 0;

		for (i = 0; i < sd->del.n; ++i)
			del += !(nft_set_elem(sf, sd->del.v[i])->flags & NFT_SET_ELEM_INTERVAL_END);
		for (i = 0; i < sd->add.n; ++i)
			add += !(nft_set_elem(st, sd->add.v[i])->flags & NFT_SET_ELEM_INTERVAL_END);
		if (add || del)
			line(l, l->p, '~', "forward %s: allowfile %zu range%s added, %zu removed",
			     who, add, add == 1 ? "" : "s", del);
		else
			line(l, l->p, '~', "forward %s: allowfile ranges changed", who);
	} else {
		stray = sd->del.n + sd->add.n;
	}
	if (stray)
		line(l, &l->tail, '~', "nft set %s: %zu element%s not from the config, removed",
		     st->name, stray, stray == 1 ? "" : "s");
}

/* A set of an egress that is itself added or removed is said by that. */
static bool egress_set_of(struct nft_views *v, struct nft_views *other, const char *set)
{
	enum nft_es_kind kind;
	char ebuf[64];
	int fam;

	return nft_egr_set_parse(set, ebuf, sizeof(ebuf), &kind, &fam) &&
	       nft_views_has_egress(v, ebuf) && !nft_views_has_egress(other, ebuf);
}

/* ---- chains ---- */

/* "egress lan: new connection" / "egress lan" -> is an egress of either
 * side named in the comment? (name written to buf) */
static bool egress_rule(struct pl *l, const struct nft_rule *r, char *buf, size_t len)
{
	char c[NFT_USERDATA_MAXLEN];
	const char *p;
	size_t n;

	nft_rule_comment(r->r, c, sizeof(c));
	if (strncmp(c, "egress ", 7))
		return false;
	p = c + 7;
	n = strcspn(p, ":");
	if (n + 1 > len)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return nft_views_has_egress(l->vt, buf) || nft_views_has_egress(l->vf, buf);
}

/* "return web: new from the tunnel" -> "return web" */
static bool far_rule(const struct nft_rule *r, char *buf, size_t len)
{
	char c[NFT_USERDATA_MAXLEN];

	nft_rule_comment(r->r, c, sizeof(c));
	return nft_far_comment_owner(c, buf, len);
}

/* Whether the state has the [Return] or [Exit] "kind name": its counter. */
static bool far_has(const struct nft_state *st, const char *owner)
{
	char obj[96];
	size_t i;

	snprintf(obj, sizeof(obj), "%s_%s", !strncmp(owner, "exit ", 5) ? "exit" : "return",
		 strchr(owner, ' ') + 1);
	for (i = 0; i < st->n_objs; ++i)
		if (!strcmp(st->objs[i].name, obj))
			return true;
	return false;
}

/* Rules of a chain, those of one egress, [Return] or [Exit] (name) or of
 * none (NULL), joined for comparison. */
static char *rules_of(struct pl *l, const struct nft_chain *c, const char *name)
{
	size_t i, len = 1;
	char eb[64], *s;

	for (i = 0; i < c->n_rules; ++i)
		len += strlen(c->rules[i].sig) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < c->n_rules; ++i) {
		bool eg = egress_rule(l, &c->rules[i], eb, sizeof(eb)) ||
			  far_rule(&c->rules[i], eb, sizeof(eb));

		if (name ? (eg && !strcmp(eb, name)) : !eg) {
			strcat(s, c->rules[i].sig);
			strcat(s, "\n");
		}
	}
	return s;
}

/* The rules of each [Return] and [Exit] of both sides, compared: one line
 * for each that is on both sides and differs (an added or removed one
 * says so by its counter). */
static void far_chain_lines(struct pl *l, const struct nft_chain *x, const struct nft_chain *y)
{
	const struct nft_chain *cs[2] = { x, y };
	char owner[96], *a, *b;
	size_t k, i;

	for (k = 0; k < 2 && !l->err; ++k) {
		for (i = 0; i < cs[k]->n_rules && !l->err; ++i) {
			if (!far_rule(&cs[k]->rules[i], owner, sizeof(owner)) ||
			    !far_has(l->from, owner) || !far_has(l->to, owner))
				continue;
			a = rules_of(l, x, owner);
			b = rules_of(l, y, owner);
			if (!a || !b)
				l->err = -ENOMEM;
			else if (strcmp(a, b))
				far_line(l, '~', owner, "nft rules differ from the config, rewritten");
			free(a);
			free(b);
		}
	}
}

static void chain_lines(struct pl *l, const struct nft_chain *x, const struct nft_chain *y)
{
	const char *const *names[2];
	size_t n[2], i, k;
	char *a, *b;
	bool differ;

	a = rules_of(l, x, NULL);
	b = rules_of(l, y, NULL);
	if (!a || !b) {
		l->err = -ENOMEM;
		goto out;
	}
	differ = strcmp(a, b);
	n[0] = nft_views_egresses(l->vf, &names[0]);
	n[1] = nft_views_egresses(l->vt, &names[1]);
	for (k = 0; k < 2; ++k) {
		for (i = 0; i < n[k] && !l->err; ++i) {
			free(a);
			free(b);
			a = rules_of(l, x, names[k][i]);
			b = rules_of(l, y, names[k][i]);
			if (!a || !b) {
				l->err = -ENOMEM;
				goto out;
			}
			if (strcmp(a, b))
				touch(l, &l->egr, names[k][i]);
		}
	}
	far_chain_lines(l, x, y);
	if (differ)
		line(l, &l->tail, '~', "nft chain %s: rules differ from the config, refilled", y->name);
out:
	free(a);
	free(b);
}

/* ---- forwards and egresses ---- */

/* "; name a -> b" when they differ */
static void part(char *buf, size_t len, const char *name, const char *a, const char *b)
{
	size_t n = strlen(buf);

	if (!strcmp(a, b))
		return;
	snprintf(buf + n, len - n, "%s%s %s -> %s", n ? "; " : "", name, a, b);
}

static const char *yes_no(bool v)
{
	return v ? "yes" : "no";
}

static const char *allow_of(const struct nft_forward_view *w)
{
	return w->everyone ? "everyone" : w->allow;
}

static const char *or_none(const char *s)
{
	return s[0] ? s : "none";
}

static const char *or_any(const char *s)
{
	return s[0] ? s : "any";
}

/* What differs, part by part, as "allow A -> B; masquerade no -> yes";
 * false (and a general sentence) when no part does. */
static bool changed_forward(const struct nft_forward_view *a, const struct nft_forward_view *b,
			    char *buf, size_t len)
{
	buf[0] = '\0';
	part(buf, len, "ports", a->ports, b->ports);
	part(buf, len, "destination", a->destination, b->destination);
	part(buf, len, "allow", allow_of(a), allow_of(b));
	part(buf, len, "allowfile", or_none(a->allowfile), or_none(b->allowfile));
	part(buf, len, "masquerade", yes_no(a->masquerade), yes_no(b->masquerade));
	if (buf[0])
		return true;
	snprintf(buf, len, "nft elements or rules differ from the config, rewritten");
	return false;
}

static bool changed_egress(const struct nft_egress_view *a, const struct nft_egress_view *b,
			   char *buf, size_t len)
{
	buf[0] = '\0';
	part(buf, len, "source", a->source, b->source);
	part(buf, len, "destination", a->destination, b->destination);
	part(buf, len, "deny", or_none(a->deny), or_none(b->deny));
	part(buf, len, "interface", or_any(a->interface), or_any(b->interface));
	part(buf, len, "masquerade", yes_no(a->masquerade), yes_no(b->masquerade));
	if (buf[0])
		return true;
	snprintf(buf, len, "nft elements or rules differ from the config, rewritten");
	return false;
}

/* Both sides' view of one forward or egress, and its line. */
struct views_of {
	union {
		struct nft_forward_view fwd;
		struct nft_egress_view egr;
	} a, b;
};

static void object_lines(struct pl *l, bool egress, struct names *touched)
{
	const char *const *fn, *const *tn;
	size_t nf, nt, i = 0, j = 0;
	const char *what = egress ? "egress" : "forward";
	struct views_of *w = malloc(sizeof(*w));
	char buf[900];
	bool changed;

	if (!w) {
		l->err = -ENOMEM;
		return;
	}
	nf = egress ? nft_views_egresses(l->vf, &fn) : nft_views_forwards(l->vf, &fn);
	nt = egress ? nft_views_egresses(l->vt, &tn) : nft_views_forwards(l->vt, &tn);
	while (!l->err && (i < nf || j < nt)) {
		int c = i == nf ? 1 : j == nt ? -1 : strcmp(fn[i], tn[j]);

		if (c < 0) {
			line(l, l->p, '-', "%s %s", what, fn[i++]);
		} else if (c > 0) {
			if (egress) {
				nft_view_egress(l->vt, tn[j], &w->b.egr);
				nft_view_egress_line(&w->b.egr, buf, sizeof(buf));
			} else {
				nft_view_forward(l->vt, tn[j], &w->b.fwd);
				nft_view_forward_line(&w->b.fwd, buf, sizeof(buf));
			}
			line3(l, l->p, '+', what, tn[j], buf);
			j++;
		} else {
			if (names_has(touched, tn[j])) {
				if (egress) {
					nft_view_egress(l->vf, fn[i], &w->a.egr);
					nft_view_egress(l->vt, tn[j], &w->b.egr);
					changed = changed_egress(&w->a.egr, &w->b.egr, buf, sizeof(buf));
				} else {
					nft_view_forward(l->vf, fn[i], &w->a.fwd);
					nft_view_forward(l->vt, tn[j], &w->b.fwd);
					changed = changed_forward(&w->a.fwd, &w->b.fwd, buf, sizeof(buf));
				}
				if (changed || !l->rebuild)
					line(l, l->p, '~', "%s %s: %s", what, tn[j], buf);
			}
			i++;
			j++;
		}
	}
	free(w);
}

/* A set of a [Return] or [Exit] that is itself added or removed. */
static bool far_set_of(const struct nft_state *st, const struct nft_state *other, const char *set)
{
	char owner[96];

	return nft_far_owner(set, owner, sizeof(owner)) && far_has(st, owner) &&
	       !far_has(other, owner);
}

static void incremental(struct pl *l, const struct nft_delta *d)
{
	const char *const *v;
	size_t i, n;

	for (i = 0; i < d->n_sets; ++i)
		set_delta_lines(l, &d->sets[i]);
	for (i = 0; i < d->set_del.n; ++i) {
		const char *s = l->from->sets[d->set_del.v[i]].name, *fw = allowfile_owner(l, s);

		if (fw)
			touch(l, &l->fwd, fw);
		else if (!egress_set_of(l->vf, l->vt, s) && !far_set_of(l->from, l->to, s))
			line(l, &l->tail, '-', "nft set %s", s);
	}
	for (i = 0; i < d->set_add.n; ++i) {
		const char *s = l->to->sets[d->set_add.v[i]].name, *fw = allowfile_owner(l, s);

		if (fw)
			touch(l, &l->fwd, fw);
		else if (!egress_set_of(l->vt, l->vf, s) && !far_set_of(l->to, l->from, s))
			line(l, &l->tail, '+', "nft set %s", s);
	}
	for (i = 0; i < d->obj_del.n; ++i) {
		const struct nft_obj *o = &l->from->objs[d->obj_del.v[i]];

		char owner[96];

		if (nft_far_owner(o->name, owner, sizeof(owner)))
			far_line(l, '-', owner, NULL);
		else if (strncmp(o->name, NFT_FWD_PREFIX, strlen(NFT_FWD_PREFIX)) &&
		    strncmp(o->name, NFT_EGR_PREFIX, strlen(NFT_EGR_PREFIX)) &&
		    strncmp(o->name, NFT_LIMITDROP_PREFIX, strlen(NFT_LIMITDROP_PREFIX)))
			line(l, &l->tail, '-', "nft %s %s", o->type == NFT_OBJECT_COUNTER ?
			     "counter" : "object", o->name);
	}
	for (i = 0; i < d->obj_add.n; ++i) {
		const struct nft_obj *o = &l->to->objs[d->obj_add.v[i]];
		const char *name = o->name;
		char owner[96];

		if (nft_far_owner(name, owner, sizeof(owner)))
			far_line(l, '+', owner, NULL);
		else if (!strncmp(name, NFT_FWD_PREFIX, strlen(NFT_FWD_PREFIX)))
			touch(l, &l->fwd, name + strlen(NFT_FWD_PREFIX));
		else if (!strncmp(name, NFT_LIMITDROP_PREFIX, strlen(NFT_LIMITDROP_PREFIX)))
			touch(l, &l->fwd, name + strlen(NFT_LIMITDROP_PREFIX));
		else if (!strncmp(name, NFT_EGR_PREFIX, strlen(NFT_EGR_PREFIX)))
			touch(l, &l->egr, name + strlen(NFT_EGR_PREFIX));
		else
			line(l, &l->tail, '+', "nft counter %s", name);
	}
	for (i = 0; i < d->chain_add.n; ++i)
		line(l, &l->tail, '+', "nft chain %s", l->to->chains[d->chain_add.v[i]].name);
	for (i = 0; i < d->chain_del.n; ++i)
		line(l, &l->tail, '-', "nft chain %s", l->from->chains[d->chain_del.v[i]].name);
	for (i = 0; i < d->chain_fill.n; ++i)
		chain_lines(l, &l->from->chains[d->chain_fill_from.v[i]],
			    &l->to->chains[d->chain_fill.v[i]]);
	if (d->rebuild) {
		/* sets defined differently were not compared element by
		 * element: compare every forward and egress instead */
		n = nft_views_forwards(l->vt, &v);
		for (i = 0; i < n; ++i)
			touch(l, &l->fwd, v[i]);
		n = nft_views_egresses(l->vt, &v);
		for (i = 0; i < n; ++i)
			touch(l, &l->egr, v[i]);
	}
}

int nft_diff(const void *from_, const void *to_, struct plan *p)
{
	const struct nft_state *from = from_, *to = to_;
	struct pl l = { .p = p, .from = from, .to = to };
	struct nft_delta d;
	size_t i;
	int ret;

	ret = nft_delta_compute(from, to, &d);
	if (ret < 0)
		return ret;
	if (nft_delta_empty(&d))
		goto out;
	l.vf = nft_views_new(from);
	l.vt = nft_views_new(to);
	if (!l.vf || !l.vt) {
		l.err = -ENOMEM;
		goto out;
	}
	if (d.create)
		line(&l, p, '+', "nft table inet %s", to->table);
	else if (d.destroy)
		line(&l, p, '-', "nft table inet %s", from->table);
	else if (d.rebuild)
		line(&l, p, '~', "nft table inet %s: rebuilt, %s", to->table, d.rebuild_why);
	l.rebuild = d.rebuild;
	if (!d.create && !d.destroy) {
		incremental(&l, &d);
	} else {
		/* each [Return] and [Exit] said by name, as forwards are */
		const struct nft_state *st = d.create ? to : from;
		char owner[96];

		for (i = 0; i < st->n_objs; ++i)
			if (nft_far_owner(st->objs[i].name, owner, sizeof(owner)))
				far_line(&l, d.create ? '+' : '-', owner, NULL);
	}
	/* the forwards looked at by name: the touched ones, or every one
	 * added (a table destroyed has its forwards said by name only).
	 * Unindexed, each look scans every key; the index sorts them once,
	 * which costs about as much as six scans: up to four, scan. */
	if (d.create || l.fwd.n > 4) {
		nft_views_index_names(l.vf);
		nft_views_index_names(l.vt);
	}
	object_lines(&l, false, &l.fwd);
	object_lines(&l, true, &l.egr);
	for (i = 0; i < l.far.n && !l.err; ++i)
		if (plan_add_text(p, l.far.v[i].op, l.far.v[i].text) < 0)
			l.err = -ENOMEM;
	for (i = 0; i < l.tail.n && !l.err; ++i)
		if (plan_add_text(p, l.tail.v[i].op, l.tail.v[i].text) < 0)
			l.err = -ENOMEM;
	/* a difference no line explained still is one: never hide it */
	if (!l.err && !l.lines)
		line(&l, p, '~', "nft table inet %s: differs from the config, rebuilt", to->table);
out:
	nft_views_free(l.vf);
	nft_views_free(l.vt);
	plan_free(&l.tail);
	plan_free(&l.far);
	free(l.fwd.v);
	free(l.egr.v);
	nft_delta_free(&d);
	return l.err ? l.err : l.lines;
}
