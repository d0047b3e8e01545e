// SPDX-License-Identifier: GPL-2.0-only
/*
 * What differs between two tables, object by object: the one computation
 * behind both the plan lines (nft_plan.c) and the batch (nft_batch.c).
 * Objects and sets are sorted by name, elements by key, so every step is a
 * merge of two sorted lists: linear after the sort, whatever the size.
 */
#include <netinet/in.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>

#include "lib/array.h"
#include "nft_int.h"

int nft_idx_push(struct nft_idx *x, size_t v)
{
	size_t *slot = array_push(x->v, x->n, &x->cap);

	if (!slot)
		return -ENOMEM;
	*slot = v;
	return 0;
}

static void idx_free(struct nft_idx *x)
{
	free(x->v);
	memset(x, 0, sizeof(*x));
}

static void rebuild(struct nft_delta *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A difference that elements and rules cannot express: the table is
 * deleted and made again in the same batch (counters keep their values). */
static void rebuild(struct nft_delta *d, const char *fmt, ...)
{
	va_list ap;

	if (d->rebuild)
		return;
	d->rebuild = true;
	va_start(ap, fmt);
	vsnprintf(d->why_buf, sizeof(d->why_buf), fmt, ap);
	va_end(ap);
	d->rebuild_why = d->why_buf;
}

static bool anonymous(const struct nft_set *s)
{
	return s->flags & NFT_SET_ANONYMOUS;
}

static int objs_delta(const struct nft_state *a, const struct nft_state *b, struct nft_delta *d)
{
	size_t i = 0, j = 0;
	int ret = 0, c;

	if (a->objs == b->objs && a->n_objs == b->n_objs)
		return 0;	/* a recalled state's, taken from the built one */
	while (!ret && (i < a->n_objs || j < b->n_objs)) {
		if (i == a->n_objs)
			c = 1;
		else if (j == b->n_objs)
			c = -1;
		else
			c = strcmp(a->objs[i].name, b->objs[j].name);
		if (c < 0) {
			ret = nft_idx_push(&d->obj_del, i++);
		} else if (c > 0) {
			ret = nft_idx_push(&d->obj_add, j++);
		} else {
			if (a->objs[i].type != b->objs[j].type)
				rebuild(d, "object %s changed type", b->objs[j].name);
			i++;
			j++;
		}
	}
	return ret;
}

/*
 * One-field interval sets (rbtree): a range is its start element and the
 * end element after it (none when it runs to the end of the key space).
 * The kernel refuses an element that falls inside a live range, so a range
 * that differs at either end is deleted whole and added whole (the batch
 * sends every deletion first): an end is never moved alone, and a range
 * split in two (a prefix removed from the middle of a merged run) applies.
 */
static size_t range_len(const struct nft_set *s, size_t i)
{
	if (!(nft_set_elem(s, i)->flags & NFT_SET_ELEM_INTERVAL_END) && i + 1 < s->n_elems &&
	    (nft_set_elem(s, i + 1)->flags & NFT_SET_ELEM_INTERVAL_END))
		return 2;
	return 1;
}

static int push_range(struct nft_idx *x, size_t i, size_t n)
{
	int ret = nft_idx_push(x, i);

	return ret || n < 2 ? ret : nft_idx_push(x, i + 1);
}

static int ranges_delta(const struct nft_set *sa, const struct nft_set *sb,
			struct nft_set_delta *sd)
{
	size_t i = 0, j = 0, la, lb;
	int ret = 0, c;

	while (!ret && (i < sa->n_elems || j < sb->n_elems)) {
		la = i < sa->n_elems ? range_len(sa, i) : 0;
		lb = j < sb->n_elems ? range_len(sb, j) : 0;
		if (!la)
			c = 1;
		else if (!lb)
			c = -1;
		else
			c = nft_elem_cmp_id(sa, nft_set_elem(sa, i), nft_set_elem(sb, j));
		if (c == 0 && la == lb &&
		    (la < 2 || nft_elem_equal(sa, nft_set_elem(sa, i + 1), sb, nft_set_elem(sb, j + 1)))) {
			/* the same range: at most its start's data differs (a
			 * map's value), and the start alone is replaced */
			if (!nft_elem_equal(sa, nft_set_elem(sa, i), sb, nft_set_elem(sb, j))) {
				ret = nft_idx_push(&sd->del, i);
				if (!ret)
					ret = nft_idx_push(&sd->add, j);
			}
			i += la;
			j += lb;
			continue;
		}
		if (c <= 0) {
			ret = push_range(&sd->del, i, la);
			i += la;
		}
		if (c >= 0 && !ret) {
			ret = push_range(&sd->add, j, lb);
			j += lb;
		}
	}
	return ret;
}

static int elems_delta(const struct nft_set *sa, size_t ia, const struct nft_set *sb,
		       size_t ib, struct nft_delta *d)
{
	struct nft_set_delta sd = { .from = ia, .to = ib };
	size_t i = 0, j = 0;
	struct nft_set_delta *v;
	int ret = 0, c;

	/* The same bytes are the same elements (an element is its bytes and
	 * the pool's strings it points at): most sets, when one forward
	 * among thousands changed. Different bytes may still be the same
	 * elements, and are compared one by one. */
	if (nft_same_bytes(sa->elems, sa->n_elems * sa->stride,
			   sb->elems, sb->n_elems * sb->stride) &&
	    nft_same_bytes(sa->pool, sa->pool_len, sb->pool, sb->pool_len))
		return 0;
	if ((sa->flags & NFT_SET_INTERVAL) && !(sa->flags & NFT_SET_CONCAT)) {
		ret = ranges_delta(sa, sb, &sd);
		i = sa->n_elems;
		j = sb->n_elems;
	}
	while (!ret && (i < sa->n_elems || j < sb->n_elems)) {
		const struct nft_elem *x = i < sa->n_elems ? nft_set_elem(sa, i) : NULL;
		const struct nft_elem *y = j < sb->n_elems ? nft_set_elem(sb, j) : NULL;

		if (!x)
			c = 1;
		else if (!y)
			c = -1;
		else
			c = nft_elem_cmp_id(sa, x, y);
		if (c < 0) {
			ret = nft_idx_push(&sd.del, i++);
		} else if (c > 0) {
			ret = nft_idx_push(&sd.add, j++);
		} else {
			/* same key, other contents: replaced */
			if (!nft_elem_equal(sa, x, sb, y)) {
				ret = nft_idx_push(&sd.del, i);
				if (!ret)
					ret = nft_idx_push(&sd.add, j);
			}
			i++;
			j++;
		}
	}
	if (!ret && (sd.del.n || sd.add.n)) {
		v = array_push(d->sets, d->n_sets, NULL);
		if (!v) {
			ret = -ENOMEM;
		} else {
			*v = sd;
			return 0;
		}
	}
	idx_free(&sd.del);
	idx_free(&sd.add);
	return ret;
}

static int sets_delta(const struct nft_state *a, const struct nft_state *b, struct nft_delta *d)
{
	size_t i = 0, j = 0;
	int ret = 0, c;

	while (!ret && (i < a->n_sets || j < b->n_sets)) {
		/* anonymous sets belong to their rules and go with them */
		if (i < a->n_sets && anonymous(&a->sets[i])) {
			i++;
			continue;
		}
		if (j < b->n_sets && anonymous(&b->sets[j])) {
			j++;
			continue;
		}
		if (i == a->n_sets)
			c = 1;
		else if (j == b->n_sets)
			c = -1;
		else
			c = strcmp(a->sets[i].name, b->sets[j].name);
		if (c < 0) {
			ret = nft_idx_push(&d->set_del, i++);
		} else if (c > 0) {
			ret = nft_idx_push(&d->set_add, j++);
		} else {
			if (!nft_set_def_equal(&a->sets[i], &b->sets[j]))
				rebuild(d, "set %s is defined differently", b->sets[j].name);
			else
				ret = elems_delta(&a->sets[i], i, &b->sets[j], j, d);
			i++;
			j++;
		}
	}
	return ret;
}

static bool rules_equal(const struct nft_chain *a, const struct nft_chain *b)
{
	size_t i;

	if (a->n_rules != b->n_rules)
		return false;
	for (i = 0; i < a->n_rules; ++i)
		if (strcmp(a->rules[i].sig, b->rules[i].sig))
			return false;
	return true;
}

static int chains_delta(const struct nft_state *a, const struct nft_state *b, struct nft_delta *d)
{
	size_t i, j;
	int ret = 0;

	for (j = 0; !ret && j < b->n_chains; ++j) {
		const struct nft_chain *y = &b->chains[j], *x = NULL;

		for (i = 0; i < a->n_chains; ++i)
			if (!strcmp(a->chains[i].name, y->name))
				x = &a->chains[i];
		if (!x) {
			ret = nft_idx_push(&d->chain_add, j);
			continue;
		}
		if (strcmp(x->sig, y->sig)) {
			rebuild(d, "chain %s is defined differently", y->name);
			continue;
		}
		if (!rules_equal(x, y)) {
			ret = nft_idx_push(&d->chain_fill, j);
			if (!ret)
				ret = nft_idx_push(&d->chain_fill_from, (size_t)(x - a->chains));
		}
	}
	for (i = 0; !ret && i < a->n_chains; ++i)
		if (!nft_state_chain(b, a->chains[i].name))
			ret = nft_idx_push(&d->chain_del, i);
	return ret;
}

int nft_delta_compute(const struct nft_state *from, const struct nft_state *to,
		      struct nft_delta *d)
{
	int ret;

	memset(d, 0, sizeof(*d));
	if (!from->table_exists && !to->table_exists)
		return 0;
	if (!to->table_exists) {
		d->destroy = true;
		return 0;
	}
	if (!from->table_exists) {
		d->create = true;
		return 0;
	}
	if (from->table_flags != to->table_flags ||
	    !nft_same_bytes(from->table_udata, from->table_udata_len,
			    to->table_udata, to->table_udata_len))
		rebuild(d, "the table is defined differently");
	ret = objs_delta(from, to, d);
	if (!ret)
		ret = sets_delta(from, to, d);
	if (!ret)
		ret = chains_delta(from, to, d);
	if (ret < 0)
		nft_delta_free(d);
	return ret;
}

bool nft_delta_empty(const struct nft_delta *d)
{
	return !d->create && !d->destroy && !d->rebuild && !d->obj_del.n && !d->obj_add.n &&
	       !d->set_del.n && !d->set_add.n && !d->n_sets && !d->chain_del.n &&
	       !d->chain_add.n && !d->chain_fill.n;
}

void nft_delta_free(struct nft_delta *d)
{
	size_t i;

	for (i = 0; i < d->n_sets; ++i) {
		idx_free(&d->sets[i].del);
		idx_free(&d->sets[i].add);
	}
	free(d->sets);
	idx_free(&d->obj_del);
	idx_free(&d->obj_add);
	idx_free(&d->set_del);
	idx_free(&d->set_add);
	idx_free(&d->chain_del);
	idx_free(&d->chain_add);
	idx_free(&d->chain_fill);
	idx_free(&d->chain_fill_from);
	memset(d, 0, sizeof(*d));
}
