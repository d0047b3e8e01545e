// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct nft_state: allocation, the flat element arrays, ordering and the
 * accessors show uses.
 */
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "lib/array.h"
#include "nft_int.h"

struct nft_state *nft_state_new(const char *table)
{
	struct nft_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->table = strdup(table);
	if (!st->table) {
		free(st);
		return NULL;
	}
	return st;
}

bool nft_state_has_table(const struct nft_state *st)
{
	return st && st->table_exists;
}

/* A block of the objects' names; a new one when a name does not fit. */
struct nft_names {
	struct nft_names *next;
	size_t used, cap;
	char text[];
};

#define NAMES_BLOCK	(16 * 1024 - 64)

static char *names_put(struct nft_state *st, const char *name)
{
	size_t len = strlen(name) + 1;
	struct nft_names *b = st->names;
	char *p;

	if (!b || b->cap - b->used < len) {
		size_t cap = len > NAMES_BLOCK ? len : NAMES_BLOCK;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = st->names;
		b->used = 0;
		b->cap = cap;
		st->names = b;
	}
	p = memcpy(b->text + b->used, name, len);
	b->used += len;
	return p;
}

/* room for n more, faulted in: they are about to be filled */
int nft_state_reserve_objs(struct nft_state *st, size_t n)
{
	if (array_reserve(st->objs, &st->cap_objs, st->n_objs + n) < 0)
		return -ENOMEM;
	array_prefault(st->objs + st->n_objs, n * sizeof(*st->objs));
	return 0;
}

/* The names are copied before an entry counts, so that a failure leaves
 * no entry without one. */
struct nft_obj *nft_state_add_obj(struct nft_state *st, const char *name, uint32_t type)
{
	struct nft_obj *o;

	if (st->objs_borrowed ||
	    array_reserve(st->objs, &st->cap_objs, st->n_objs + 1) < 0)
		return NULL;	/* a recalled state's counters do not grow */
	st->has_objs_sum = false;
	o = &st->objs[st->n_objs];
	memset(o, 0, sizeof(*o));
	o->name = names_put(st, name);
	if (!o->name)
		return NULL;
	o->type = type;
	o->seq = (uint32_t)st->n_objs;
	st->n_objs++;
	return o;
}

struct nft_set *nft_state_add_set(struct nft_state *st, const char *name)
{
	struct nft_set *s;

	if (array_reserve(st->sets, &st->cap_sets, st->n_sets + 1) < 0)
		return NULL;
	s = &st->sets[st->n_sets];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	if (!s->name)
		return NULL;
	s->seq = (uint32_t)st->n_sets;
	st->n_sets++;
	return s;
}

struct nft_chain *nft_state_add_chain(struct nft_state *st, const char *name)
{
	struct nft_chain *c;

	if (array_reserve(st->chains, &st->cap_chains, st->n_chains + 1) < 0)
		return NULL;
	c = &st->chains[st->n_chains];
	memset(c, 0, sizeof(*c));
	c->name = strdup(name);
	if (!c->name)
		return NULL;
	st->n_chains++;
	return c;
}

int nft_chain_add_rule(struct nft_state *st, struct nft_chain *c,
		       struct nftnl_rule *r, uint64_t handle)
{
	struct nft_rule *v;
	char *sig;

	if (!r)
		return -ENOMEM;
	/* A rule is its expressions and comment, not where it sits: no
	 * handle or position, so that it can be sent again as a new rule. */
	nftnl_rule_unset(r, NFTNL_RULE_HANDLE);
	nftnl_rule_unset(r, NFTNL_RULE_POSITION);
	nftnl_rule_unset(r, NFTNL_RULE_ID);
	if (nft_rule_normalise(r) < 0) {
		nftnl_rule_free(r);
		return -ENOMEM;
	}
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	if (nftnl_rule_set_str(r, NFTNL_RULE_TABLE, st->table) < 0 ||
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name) < 0) {
		nftnl_rule_free(r);
		return -ENOMEM;
	}
	sig = nft_rule_sig(r);
	if (!sig || array_reserve(c->rules, &c->cap_rules, c->n_rules + 1) < 0) {
		free(sig);
		nftnl_rule_free(r);
		return -ENOMEM;
	}
	v = c->rules;
	v[c->n_rules].r = r;
	v[c->n_rules].sig = sig;
	v[c->n_rules].handle = handle;
	c->n_rules++;
	return 0;
}

int nft_state_set_udata(uint8_t **dst, uint32_t *dst_len, const void *src, uint32_t len)
{
	free(*dst);
	*dst = NULL;
	*dst_len = 0;
	if (!src || !len)
		return 0;
	*dst = malloc(len);
	if (!*dst)
		return -ENOMEM;
	memcpy(*dst, src, len);
	*dst_len = len;
	return 0;
}

/* ---- elements ---- */

void nft_set_layout(struct nft_set *s)
{
	size_t n = sizeof(struct nft_elem) + 2 * s->key_len +
		   ((s->flags & NFT_SET_MAP) ? s->data_len : 0);

	s->stride = (n + 3) & ~(size_t)3;	/* the header's alignment */
}

/* A set whose arrays are another state's (borrowed) gets its own before
 * it grows. */
static int set_own(struct nft_set *s)
{
	uint8_t *e = NULL;
	char *pool = NULL;

	if (!s->borrowed)
		return 0;
	if ((s->n_elems && !(e = malloc(s->n_elems * s->stride))) ||
	    (s->pool_len && !(pool = malloc(s->pool_len)))) {
		free(e);
		return -ENOMEM;
	}
	if (e)
		memcpy(e, s->elems, s->n_elems * s->stride);
	if (pool)
		memcpy(pool, s->pool, s->pool_len);
	s->elems = e;
	s->pool = pool;
	s->cap_elems = s->n_elems;
	s->pool_cap = s->pool_len;
	s->borrowed = false;
	return 0;
}

struct nft_elem *nft_set_push(struct nft_set *s)
{
	struct nft_elem *el;

	if (set_own(s) < 0)
		return NULL;
	s->has_sum = false;
	if (!s->stride)
		nft_set_layout(s);
	/* elements are stride bytes each, not a C type; set_sort gives
	 * back the room left over */
	if (array_reserve_hot_(&s->elems, &s->cap_elems, s->n_elems + 1, s->stride) < 0)
		return NULL;
	el = nft_set_elem(s, s->n_elems++);
	memset(el, 0, s->stride);
	s->sorted = false;
	return el;
}

int nft_set_reserve(struct nft_set *s, size_t n, size_t pool)
{
	size_t had = s->n_elems, had_pool = s->pool_len;

	if (set_own(s) < 0)
		return -ENOMEM;
	if (!s->stride)
		nft_set_layout(s);
	if (n && array_reserve_(&s->elems, &s->cap_elems, had + n, s->stride) < 0)
		return -ENOMEM;
	if (pool && array_reserve(s->pool, &s->pool_cap, had_pool + pool) < 0)
		return -ENOMEM;
	if (n)
		array_prefault(s->elems + had * s->stride, n * s->stride);
	if (pool)
		array_prefault(s->pool + had_pool, pool);
	return 0;
}

int64_t nft_set_pool_put(struct nft_set *s, const void *p, size_t len)
{
	size_t off = s->pool_len;

	if (off + len + 1 > UINT32_MAX)
		return -E2BIG;
	if (set_own(s) < 0)
		return -ENOMEM;
	s->has_sum = false;
	if (array_reserve_hot(s->pool, &s->pool_cap, off + len + 1) < 0)
		return -ENOMEM;
	memcpy(s->pool + off, p, len);
	s->pool[off + len] = '\0';
	s->pool_len += len + 1;
	return off;
}

int nft_elem_cmp_id(const struct nft_set *s, const struct nft_elem *a,
		    const struct nft_elem *b)
{
	int r = memcmp(nft_elem_key(s, a), nft_elem_key(s, b), s->key_len);
	uint32_t fa = a->flags & NFT_SET_ELEM_INTERVAL_END;
	uint32_t fb = b->flags & NFT_SET_ELEM_INTERVAL_END;

	if (r)
		return r;
	/* the end of one range before the start of the next one at the
	 * same key: ranges read in order, and the kernel takes them so */
	return fa > fb ? -1 : fa < fb;
}

bool nft_elem_equal(const struct nft_set *sa, const struct nft_elem *a,
		    const struct nft_set *sb, const struct nft_elem *b)
{
	if (a->flags != b->flags || a->has != b->has)
		return false;
	if (memcmp(nft_elem_key(sa, a), nft_elem_key(sb, b), sa->key_len))
		return false;
	if ((a->has & NFT_ELEM_KEY_END) &&
	    memcmp(nft_elem_key_end(sa, a), nft_elem_key_end(sb, b), sa->key_len))
		return false;
	if ((a->has & NFT_ELEM_DATA) &&
	    memcmp(nft_elem_data(sa, a), nft_elem_data(sb, b), sa->data_len))
		return false;
	if ((a->has & NFT_ELEM_VERDICT) && nft_elem_verdict(sa, a) != nft_elem_verdict(sb, b))
		return false;
	if ((a->has & (NFT_ELEM_OBJREF | NFT_ELEM_CHAIN)) &&
	    strcmp(nft_elem_str(sa, a), nft_elem_str(sb, b)))
		return false;
	if (a->has & NFT_ELEM_UDATA) {
		if (a->udata_len != b->udata_len ||
		    memcmp(sa->pool + a->udata, sb->pool + b->udata, a->udata_len))
			return false;
	}
	return true;
}

bool nft_set_def_equal(const struct nft_set *a, const struct nft_set *b)
{
	return a->flags == b->flags && a->key_type == b->key_type &&
	       a->key_len == b->key_len && a->data_type == b->data_type &&
	       a->data_len == b->data_len && a->obj_type == b->obj_type &&
	       a->policy == b->policy && a->desc_size == b->desc_size &&
	       a->timeout == b->timeout &&
	       a->field_count == b->field_count &&
	       !memcmp(a->field_len, b->field_len, sizeof(a->field_len)) &&
	       nft_same_bytes(a->udata, a->udata_len, b->udata, b->udata_len);
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t size)
{
	while (size--) {
		uint8_t t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

/*
 * qsort, but linear on input that is already in order or in reverse order,
 * as kernel dumps and configs written in port order are, or that is two
 * runs in order, as two sorted lists put one after the other are (the
 * views' forward names); and defined for an empty array (qsort's base
 * must not be NULL).
 */
void nft_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	uint8_t *v = base, *first;
	bool down = true, two = true;
	size_t i, j, k, split = 0;

	if (n < 2)
		return;
	for (i = 1; i < n && (down || two); ++i) {
		if (cmp(v + (i - 1) * size, v + i * size) > 0) {
			two = two && !split;
			if (!split)
				split = i;
		} else {
			down = false;
		}
	}
	if (!split)
		return;
	if (down) {
		for (i = 0; i < n / 2; ++i)
			swap_bytes(v + i * size, v + (n - 1 - i) * size, size);
		return;
	}
	/* two runs: merged from the front, the first out of a copy (the
	 * output never overtakes the second); the first run's wins a tie,
	 * as a stable sort's would */
	first = two ? malloc(split * size) : NULL;
	if (!first) {
		qsort(base, n, size, cmp);
		return;
	}
	memcpy(first, v, split * size);
	for (i = 0, j = split, k = 0; i < split; ++k) {
		if (j < n && cmp(v + j * size, first + i * size) < 0)
			memcpy(v + k * size, v + j++ * size, size);
		else
			memcpy(v + k * size, first + i++ * size, size);
	}
	free(first);
}

/* qsort has no context argument in C11; sorting one set at a time keeps
 * the geometry here. */
static const struct nft_set *sort_set;

static int elem_qcmp(const void *a, const void *b)
{
	return nft_elem_cmp_id(sort_set, a, b);
}

static void set_sort(struct nft_set *s)
{
	uint8_t *v;

	/* complete: give back what doubling reserved */
	if (s->n_elems && s->n_elems < s->cap_elems && !s->borrowed) {
		v = realloc(s->elems, s->n_elems * s->stride);
		if (v) {
			s->elems = v;
			s->cap_elems = s->n_elems;
		}
	}
	if (s->sorted || s->borrowed)	/* borrowed: a finished state's */
		return;
	sort_set = s;
	nft_qsort(s->elems, s->n_elems, s->stride, elem_qcmp);
	sort_set = NULL;
	s->sorted = true;
}

ssize_t nft_set_find(const struct nft_set *s, const uint8_t *key, bool end)
{
	size_t lo = 0, hi = s->n_elems;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct nft_elem *el = nft_set_elem(s, mid);
		int r = memcmp(nft_elem_key(s, el), key, s->key_len);

		if (!r) {
			bool e = el->flags & NFT_SET_ELEM_INTERVAL_END;

			r = e == end ? 0 : (e ? -1 : 1);
		}
		if (!r)
			return mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int obj_qcmp(const void *a, const void *b)
{
	return strcmp(((const struct nft_obj *)a)->name, ((const struct nft_obj *)b)->name);
}

static int set_qcmp(const void *a, const void *b)
{
	return strcmp(((const struct nft_set *)a)->name, ((const struct nft_set *)b)->name);
}

int nft_state_finish(struct nft_state *st)
{
	size_t i;

	if (!st->objs_borrowed)	/* sorted by the state they are from */
		nft_qsort(st->objs, st->n_objs, sizeof(*st->objs), obj_qcmp);
	nft_qsort(st->sets, st->n_sets, sizeof(*st->sets), set_qcmp);
	for (i = 0; i < st->n_sets; ++i)
		set_sort(&st->sets[i]);
	return 0;
}

/* ---- lookups ---- */

const struct nft_obj *nft_state_obj(const struct nft_state *st, const char *name)
{
	struct nft_obj key = { .name = (char *)name };

	if (!st || !st->n_objs)
		return NULL;
	return bsearch(&key, st->objs, st->n_objs, sizeof(key), obj_qcmp);
}

const struct nft_set *nft_state_set(const struct nft_state *st, const char *name)
{
	struct nft_set key = { .name = (char *)name };

	if (!st || !st->n_sets)
		return NULL;
	return bsearch(&key, st->sets, st->n_sets, sizeof(key), set_qcmp);
}

const struct nft_chain *nft_state_chain(const struct nft_state *st, const char *name)
{
	size_t i;

	for (i = 0; st && i < st->n_chains; ++i)
		if (!strcmp(st->chains[i].name, name))
			return &st->chains[i];
	return NULL;
}

int nft_state_counter(const struct nft_state *st, const char *name,
		      uint64_t *packets, uint64_t *bytes)
{
	const struct nft_obj *o = nft_state_obj(st, name);

	if (!o || o->type != NFT_OBJECT_COUNTER)
		return -ENOENT;
	if (packets)
		*packets = o->packets;
	if (bytes)
		*bytes = o->bytes;
	return 0;
}

int nft_state_forward_counter(const struct nft_state *st, const char *forward,
			      uint64_t *packets, uint64_t *bytes)
{
	char name[64];

	snprintf(name, sizeof(name), NFT_FWD_PREFIX "%s", forward);
	return nft_state_counter(st, name, packets, bytes);
}

int nft_state_limitdrop_counter(const struct nft_state *st, const char *forward,
				uint64_t *packets, uint64_t *bytes)
{
	char name[64];

	snprintf(name, sizeof(name), NFT_LIMITDROP_PREFIX "%s", forward);
	return nft_state_counter(st, name, packets, bytes);
}

int nft_state_egress_counter(const struct nft_state *st, const char *egress,
			     uint64_t *packets, uint64_t *bytes)
{
	char name[64];

	snprintf(name, sizeof(name), NFT_EGR_PREFIX "%s", egress);
	return nft_state_counter(st, name, packets, bytes);
}

/* ---- free ---- */

static void chain_free(struct nft_chain *c)
{
	size_t i;

	for (i = 0; i < c->n_rules; ++i) {
		nftnl_rule_free(c->rules[i].r);
		free(c->rules[i].sig);
	}
	free(c->rules);
	if (c->raw)
		nftnl_chain_free(c->raw);
	free(c->name);
	free(c->type);
	free(c->sig);
}

static void set_free(struct nft_set *s)
{
	free(s->name);
	free(s->udata);
	if (!s->borrowed) {
		free(s->elems);
		free(s->pool);
	}
}

void nft_state_free(void *state)
{
	struct nft_state *st = state;
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->n_objs && !st->objs_borrowed; ++i)
		if (st->objs[i].raw)
			nftnl_obj_free(st->objs[i].raw);
	if (!st->objs_borrowed)
		free(st->objs);
	while (st->names) {
		struct nft_names *next = st->names->next;

		free(st->names);
		st->names = next;
	}
	for (i = 0; i < st->n_sets; ++i)
		set_free(&st->sets[i]);
	free(st->sets);
	for (i = 0; i < st->n_chains; ++i)
		chain_free(&st->chains[i]);
	free(st->chains);
	free(st->table_udata);
	free(st->table);
	free(st);
}

/* ---- chains ---- */

/*
 * What a chain is, for comparison: its hook, type, priority, policy and
 * userdata; not its handle, use count or base-chain counters.
 */
static char *chain_sig(const struct nftnl_chain *c)
{
	char ud[2 * 256 + 1] = "", *s = NULL;
	const uint8_t *p = NULL;
	uint32_t len = 0, i;

	if (nftnl_chain_is_set(c, NFTNL_CHAIN_USERDATA))
		p = nftnl_chain_get_data(c, NFTNL_CHAIN_USERDATA, &len);
	for (i = 0; p && i < len && i < 256; ++i)
		snprintf(ud + 2 * i, 3, "%02x", p[i]);
	if (asprintf(&s, "hook=%d:%u type=%s prio=%d policy=%d:%u dev=%s udata=%s",
		     nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM),
		     nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM),
		     nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE) ? nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE) : "",
		     (int32_t)nftnl_chain_get_u32(c, NFTNL_CHAIN_PRIO),
		     nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY),
		     nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY),
		     nftnl_chain_is_set(c, NFTNL_CHAIN_DEV) ? nftnl_chain_get_str(c, NFTNL_CHAIN_DEV) : "",
		     ud) < 0)
		return NULL;
	return s;
}

int nft_chain_adopt(struct nft_state *st, struct nft_chain *sc, struct nftnl_chain *c)
{
	static const uint16_t drop[] = {
		NFTNL_CHAIN_HANDLE, NFTNL_CHAIN_USE,
		NFTNL_CHAIN_PACKETS, NFTNL_CHAIN_BYTES, NFTNL_CHAIN_FLAGS,
		NFTNL_CHAIN_ID,
	};
	size_t i;

	for (i = 0; i < sizeof(drop) / sizeof(drop[0]); ++i)
		nftnl_chain_unset(c, drop[i]);
	sc->raw = c;
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	if (nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, st->table) < 0)
		return -ENOMEM;
	sc->base = nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM);
	sc->hooknum = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
	sc->prio = (int32_t)nftnl_chain_get_u32(c, NFTNL_CHAIN_PRIO);
	sc->policy = nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY);
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE)) {
		sc->type = strdup(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE));
		if (!sc->type)
			return -ENOMEM;
	}
	sc->sig = chain_sig(c);
	return sc->sig ? 0 : -ENOMEM;
}
