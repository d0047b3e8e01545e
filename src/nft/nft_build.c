// SPDX-License-Identifier: GPL-2.0-only
/*
 * The desired table, from the config: docs/ruleset.md made concrete.
 * Forwards become elements of fixed sets and maps (per family and
 * protocol, keyed by public port ranges); egresses get their own sets and
 * a few rules each; the rules are otherwise fixed.
 */
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>

#include "lib/str.h"
#include "nft_int.h"

/* nft's datatype numbers (src/datatype.h; addresses: nft_names.c), so
 * that `nft list` names the key and data types; concatenations shift
 * earlier fields left. */
#define TYPE_INET_PROTO		12
#define TYPE_INET_SERVICE	13
#define TYPE_BITS		6

/* A meter set's size: one bucket per (protocol, port, client). The kernel
 * allocates it up front (~2 MiB), hence one meter per distinct limit, not
 * per forward; a full meter fails open (bench/nftlab.md §3). */
#define METER_SIZE		65536

/* ---- ranges of big-endian numbers (ports, addresses) ---- */

struct range {
	uint8_t lo[16], hi[16];
};

/* v + 1 in place; true when it wrapped (v was all ones) */
static bool be_inc(uint8_t *v, size_t len)
{
	while (len--) {
		if (++v[len])
			return false;
	}
	return true;
}

static bool be_is_max(const uint8_t *v, size_t len)
{
	while (len--)
		if (v[len] != 0xff)
			return false;
	return true;
}

static void prefix_range(const struct prefix *p, size_t alen, struct range *r)
{
	size_t i;

	for (i = 0; i < alen; ++i) {
		unsigned bits = p->len > 8 * i ? p->len - 8 * i : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		r->lo[i] = p->addr.bytes[i] & mask;
		r->hi[i] = p->addr.bytes[i] | (uint8_t)~mask;
	}
}

static size_t sort_alen;

static int range_cmp(const void *a, const void *b)
{
	return memcmp(((const struct range *)a)->lo, ((const struct range *)b)->lo, sort_alen);
}

/*
 * The prefixes of one family as disjoint, sorted ranges: interval sets
 * refuse overlapping elements, and a config may well list 10.0.0.0/8 and
 * 10.1.0.0/16. Adjacent ranges are merged too, like nft's auto-merge.
 */
static int ranges_of(const struct prefix_list *l, const struct nft_fam *f,
		     struct range **out, size_t *n_out)
{
	struct range *v;
	size_t i, n = 0;

	*out = NULL;
	*n_out = 0;
	v = calloc(l->n ? l->n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < l->n; ++i)
		if (l->v[i].family == f->af)
			prefix_range(&l->v[i], f->alen, &v[n++]);
	sort_alen = f->alen;
	nft_qsort(v, n, sizeof(*v), range_cmp);
	if (n) {
		size_t w = 0;

		for (i = 1; i < n; ++i) {
			uint8_t next[16];

			memcpy(next, v[w].hi, f->alen);
			if (be_is_max(v[w].hi, f->alen) ||
			    memcmp(v[i].lo, v[w].hi, f->alen) <= 0 ||
			    (!be_inc(next, f->alen) && !memcmp(v[i].lo, next, f->alen))) {
				if (memcmp(v[i].hi, v[w].hi, f->alen) > 0)
					memcpy(v[w].hi, v[i].hi, f->alen);
			} else {
				v[++w] = v[i];
			}
		}
		n = w + 1;
	}
	*out = v;
	*n_out = n;
	return 0;
}

/* ---- sets and elements ---- */

static struct nft_set *set_add(struct nft_bld *b, const char *name, uint32_t flags,
			       uint32_t key_type, uint32_t key_len)
{
	struct nft_set *s;

	if (b->err)
		return NULL;
	s = nft_state_add_set(b->st, name);
	if (!s) {
		b->err = -ENOMEM;
		return NULL;
	}
	s->flags = flags;
	s->key_type = key_type;
	s->key_len = key_len;
	return s;
}

/* A forward set of the table being built (sorted by then). */
static struct nft_set *set_find(struct nft_bld *b, int kind, const struct nft_fam *f, size_t proto)
{
	struct nft_set *s = b->err ? NULL : (struct nft_set *)b->fs[kind][f->af == AF_INET6][proto];

	if (!s && !b->err)
		b->err = -ENOENT;
	return s;
}

/* The first pass: n elements and pool bytes more for s. */
static void want(struct nft_bld *b, const struct nft_set *s, size_t n, size_t pool)
{
	size_t i = (size_t)(s - b->st->sets);

	b->want[i][0] += n;
	b->want[i][1] += pool;
}

/* nft marks the start element of an interval running to the end of the
 * key space ("0.0.0.0/0", "60000-65535") so that it prints it as such. */
#define OPEN_UDATA_LEN	6	/* type, length, the flag */

static int elem_mark_open(struct nft_set *s, size_t idx)
{
	uint8_t ud[OPEN_UDATA_LEN];
	uint32_t flag = NFTNL_SET_ELEM_F_INTERVAL_OPEN;
	struct nft_elem *el;
	int64_t off;

	ud[0] = NFTNL_UDATA_SET_ELEM_FLAGS;
	ud[1] = sizeof(flag);
	memcpy(ud + 2, &flag, sizeof(flag));
	off = nft_set_pool_put(s, ud, sizeof(ud));
	if (off < 0)
		return (int)off;
	el = nft_set_elem(s, idx);
	el->udata = (uint32_t)off;
	el->udata_len = sizeof(ud);
	el->has |= NFT_ELEM_UDATA;
	return 0;
}

/*
 * A range in a one-field interval set (rbtree): a start element carrying
 * the data, and an end element at hi + 1 unless hi is the last value.
 */
static struct nft_elem *interval_add(struct nft_bld *b, struct nft_set *s,
				     const uint8_t *lo, const uint8_t *hi)
{
	uint8_t end[16];
	struct nft_elem *el;
	size_t idx;

	if (!s || b->err)
		return NULL;
	if (b->counting) {
		bool open = be_is_max(hi, s->key_len);

		want(b, s, open ? 1 : 2, open ? OPEN_UDATA_LEN + 1 : 0);
		return NULL;
	}
	el = nft_set_push(s);
	if (!el)
		goto oom;
	idx = s->n_elems - 1;
	memcpy(nft_elem_key(s, el), lo, s->key_len);
	memcpy(end, hi, s->key_len);
	if (be_inc(end, s->key_len)) {
		if (elem_mark_open(s, idx) < 0)
			goto oom;
	} else {
		el = nft_set_push(s);
		if (!el)
			goto oom;
		memcpy(nft_elem_key(s, el), end, s->key_len);
		el->flags = NFT_SET_ELEM_INTERVAL_END;
	}
	return nft_set_elem(s, idx);
oom:
	b->err = -ENOMEM;
	return NULL;
}

static struct nft_elem *port_range_add(struct nft_bld *b, struct nft_set *s,
				       uint16_t lo, uint16_t hi)
{
	uint16_t l = htons(lo), h = htons(hi);

	return interval_add(b, s, (uint8_t *)&l, (uint8_t *)&h);
}

static void elem_objref(struct nft_bld *b, struct nft_set *s, struct nft_elem *el,
			const char *name)
{
	size_t idx;
	int64_t off;

	if (b->counting && s && !b->err)
		want(b, s, 0, strlen(name) + 1);
	if (!el || b->err)
		return;
	idx = (size_t)((uint8_t *)el - s->elems) / s->stride;
	off = nft_set_pool_put(s, name, strlen(name));
	if (off < 0) {
		b->err = (int)off;
		return;
	}
	el = nft_set_elem(s, idx);
	el->str = (uint32_t)off;
	el->has |= NFT_ELEM_OBJREF;
}

/* A verdict map's element: jump to chain. */
static void elem_jump(struct nft_bld *b, struct nft_set *s, struct nft_elem *el,
		      const char *chain)
{
	char buf[4 + 64];
	int32_t v = NFT_JUMP;
	size_t idx, n = strlen(chain);
	int64_t off;

	if (b->counting && s && !b->err)
		want(b, s, 0, 4 + n + 1);
	if (!el || b->err)
		return;
	idx = (size_t)((uint8_t *)el - s->elems) / s->stride;
	memcpy(buf, &v, 4);
	memcpy(buf + 4, chain, n);
	off = nft_set_pool_put(s, buf, 4 + n);
	if (off < 0) {
		b->err = (int)off;
		return;
	}
	el = nft_set_elem(s, idx);
	el->str = (uint32_t)off;
	el->has |= NFT_ELEM_VERDICT | NFT_ELEM_CHAIN;
}

/* a then b at buf, cut to len as snprintf would: a counter's name, one
 * or two per forward, without printf */
static void counter_add(struct nft_bld *b, const char *prefix, const char *name)
{
	char buf[64];

	if (b->err || b->counting)	/* the counters are reserved as one */
		return;
	str_join(buf, sizeof(buf), prefix, name);
	if (!nft_state_add_obj(b->st, buf, NFT_OBJECT_COUNTER))
		b->err = -ENOMEM;
}

/* ---- the forward sets ---- */

/* Kind by kind, as docs/ruleset.md lists them: the kernel lists sets in
 * the order they are made. */
static void forward_sets(struct nft_bld *b)
{
	char name[64];
	size_t k, i, j;

	for (k = 0; k < NFT_FS_KINDS; ++k) {
		for (i = 0; i < 2; ++i) {
			const struct nft_fam *f = &nft_fams[i];
			uint32_t pair = f->atype << TYPE_BITS | TYPE_INET_SERVICE;

			for (j = 0; j < 2; ++j) {
				struct nft_set *s = NULL;

				nft_fwd_set_name(name, sizeof(name), (enum nft_fs_kind)k, i, j);
				switch (k) {
				case NFT_FS_OPEN:
				case NFT_FS_MASQ:
					set_add(b, name, NFT_SET_INTERVAL, TYPE_INET_SERVICE, 2);
					break;
				case NFT_FS_ALLOW:
					s = set_add(b, name, NFT_SET_INTERVAL | NFT_SET_CONCAT, pair,
						    f->alen + 4);
					if (s) {
						s->field_count = 2;
						s->field_len[0] = (uint8_t)f->alen;
						s->field_len[1] = 2;
					}
					break;
				case NFT_FS_DNAT:
				case NFT_FS_KEEP:
					s = set_add(b, name, NFT_SET_MAP | NFT_SET_INTERVAL,
						    TYPE_INET_SERVICE, 2);
					if (s) {
						s->data_type = k == NFT_FS_KEEP ? f->atype : pair;
						s->data_len = k == NFT_FS_KEEP ? f->alen : f->alen + 4;
					}
					break;
				case NFT_FS_COUNT:
				case NFT_FS_LIMITDROP:
					s = set_add(b, name, NFT_SET_OBJECT | NFT_SET_INTERVAL,
						    TYPE_INET_SERVICE, 2);
					if (s)
						s->obj_type = NFT_OBJECT_COUNTER;
					break;
				case NFT_FS_RATE:
				case NFT_FS_CONN:
				case NFT_FS_LOG:
				case NFT_FS_ALLOWFILE:
					s = set_add(b, name, NFT_SET_MAP | NFT_SET_INTERVAL,
						    TYPE_INET_SERVICE, 2);
					if (s)
						s->data_type = NFT_DATA_VERDICT;
					break;
				}
			}
		}
	}
}

static void forward_elems(struct nft_bld *b, const struct wgb_forward *fw)
{
	const struct nft_fam *f = fw->family == AF_INET6 ? &nft_fams[1] : &nft_fams[0];
	struct range *allow = NULL;
	size_t n_allow = 0, i, j;
	char counter[64];
	bool open;

	counter_add(b, NFT_FWD_PREFIX, fw->name);
	if (fw->rate || fw->conn_limit)
		counter_add(b, NFT_LIMITDROP_PREFIX, fw->name);
	if (b->err)
		return;
	if (fw->allow_shared) {
		/* the default, everyone: the same for every such forward */
		struct range **ev = &b->everyone[f->af == AF_INET6];

		if (!*ev && ranges_of(&fw->allow, f, ev, &n_allow) < 0) {
			b->err = -ENOMEM;
			return;
		}
		allow = *ev;
		n_allow = 1;
	} else if (ranges_of(&fw->allow, f, &allow, &n_allow) < 0) {
		b->err = -ENOMEM;
		return;
	}
	/* everyone allowed: a port set, no address ranges to walk */
	open = n_allow == 1 && !memcmp(allow[0].lo, (uint8_t[16]){ 0 }, f->alen) &&
	       be_is_max(allow[0].hi, f->alen);
	str_join(counter, sizeof(counter), NFT_FWD_PREFIX, fw->name);
	for (j = 0; j < 2 && !b->err; ++j) {
		uint16_t lo = htons(fw->port_lo), hi = htons(fw->port_hi);
		struct nft_set *s;
		struct nft_elem *el;

		if (!(fw->protocols & nft_protos[j].bit))
			continue;
		if (open) {
			port_range_add(b, set_find(b, NFT_FS_OPEN, f, j), fw->port_lo, fw->port_hi);
		} else {
			s = set_find(b, NFT_FS_ALLOW, f, j);
			if (b->counting && s)
				want(b, s, n_allow, 0);
			for (i = 0; s && !b->counting && i < n_allow && !b->err; ++i) {
				el = nft_set_push(s);
				if (!el) {
					b->err = -ENOMEM;
					break;
				}
				memcpy(nft_elem_key(s, el), allow[i].lo, f->alen);
				memcpy(nft_elem_key(s, el) + f->alen, &lo, 2);
				memcpy(nft_elem_key_end(s, el), allow[i].hi, f->alen);
				memcpy(nft_elem_key_end(s, el) + f->alen, &hi, 2);
				el->has |= NFT_ELEM_KEY_END;
			}
		}
		if (fw->dst_port || fw->port_lo == fw->port_hi) {
			uint16_t dport = htons(fw->dst_port ? fw->dst_port : fw->port_lo);

			s = set_find(b, NFT_FS_DNAT, f, j);
			el = port_range_add(b, s, fw->port_lo, fw->port_hi);
			if (el) {
				memcpy(nft_elem_data(s, el), fw->dst.bytes, f->alen);
				memcpy(nft_elem_data(s, el) + f->alen, &dport, 2);
				el->has |= NFT_ELEM_DATA;
			}
		} else {
			s = set_find(b, NFT_FS_KEEP, f, j);
			el = port_range_add(b, s, fw->port_lo, fw->port_hi);
			if (el) {
				memcpy(nft_elem_data(s, el), fw->dst.bytes, f->alen);
				el->has |= NFT_ELEM_DATA;
			}
		}
		s = set_find(b, NFT_FS_COUNT, f, j);
		elem_objref(b, s, port_range_add(b, s, fw->port_lo, fw->port_hi), counter);
		if (fw->allow_file) {
			char chain[64];

			nft_allowfile_name(chain, sizeof(chain), fw->name);
			s = set_find(b, NFT_FS_ALLOWFILE, f, j);
			elem_jump(b, s, port_range_add(b, s, fw->port_lo, fw->port_hi), chain);
		}
		if (fw->log) {
			char chain[64];

			nft_log_chain_name(chain, sizeof(chain), fw->name);
			s = set_find(b, NFT_FS_LOG, f, j);
			elem_jump(b, s, port_range_add(b, s, fw->port_lo, fw->port_hi), chain);
		}
		if (fw->rate || fw->conn_limit) {
			char chain[64], drop[64];

			str_join(drop, sizeof(drop), NFT_LIMITDROP_PREFIX, fw->name);
			s = set_find(b, NFT_FS_LIMITDROP, f, j);
			elem_objref(b, s, port_range_add(b, s, fw->port_lo, fw->port_hi), drop);
			if (fw->rate) {
				nft_rate_chain_name(chain, sizeof(chain), fw->rate, fw->rate_unit);
				s = set_find(b, NFT_FS_RATE, f, j);
				elem_jump(b, s, port_range_add(b, s, fw->port_lo, fw->port_hi), chain);
			}
			if (fw->conn_limit) {
				nft_conn_chain_name(chain, sizeof(chain), fw->conn_limit);
				s = set_find(b, NFT_FS_CONN, f, j);
				elem_jump(b, s, port_range_add(b, s, fw->port_lo, fw->port_hi), chain);
			}
		}
		if (fw->masquerade)
			port_range_add(b, set_find(b, NFT_FS_MASQ, f, j), fw->port_lo, fw->port_hi);
	}
	if (!fw->allow_shared)
		free(allow);
}

size_t nft_build_miscounted;

/*
 * The forwards' elements: counted first, so that each set is one block
 * of its size. Ten thousand forwards fill three sets of 20,000 elements;
 * grown by doubling, the blocks had 60% more room than they kept, faulted
 * in, and were copied on the way. Of the exact blocks, most fit the room
 * the config's text left behind.
 */
static void forwards_elems(struct nft_bld *b)
{
	const struct wgb_forward *fw;
	size_t i;

	b->want = calloc(b->st->n_sets ? b->st->n_sets : 1, sizeof(*b->want));
	if (!b->want) {
		b->err = -ENOMEM;
		return;
	}
	b->counting = true;
	for_each_forward(b->cfg, fw)
		forward_elems(b, fw);
	b->counting = false;
	for (i = 0; i < b->st->n_sets && !b->err; ++i)
		if (nft_set_reserve(&b->st->sets[i], b->want[i][0], b->want[i][1]) < 0)
			b->err = -ENOMEM;
	for_each_forward(b->cfg, fw) {
		if (b->err)
			break;
		forward_elems(b, fw);
	}
	for (i = 0; i < b->st->n_sets && !b->err; ++i)
		nft_build_miscounted += b->st->sets[i].n_elems != b->want[i][0] ||
					b->st->sets[i].pool_len != b->want[i][1];
	free(b->want);
	b->want = NULL;
	free(b->everyone[0]);
	free(b->everyone[1]);
}

/* ---- AllowFile: an interval set of addresses per forward ---- */

/* After every forward's elements: a new set moves the set array. */
static void allowfile_set(struct nft_bld *b, const struct wgb_forward *fw)
{
	const struct nft_fam *f = fw->family == AF_INET6 ? &nft_fams[1] : &nft_fams[0];
	char name[64];
	struct nft_set *s;
	struct range *v;
	size_t n, r;

	nft_allowfile_name(name, sizeof(name), fw->name);
	s = set_add(b, name, NFT_SET_INTERVAL, f->atype, f->alen);
	if (!s)
		return;
	if (ranges_of(&fw->allow_file_list, f, &v, &n) < 0) {
		b->err = -ENOMEM;
		return;
	}
	for (r = 0; r < n && !b->err; ++r)
		interval_add(b, s, v[r].lo, v[r].hi);
	free(v);
}

/* ---- egress sets ---- */

static void egress_sets(struct nft_bld *b, const struct wgb_egress *eg)
{
	const struct prefix_list *lists[NFT_ES_KINDS] = { &eg->source, &eg->destination, &eg->deny };
	char name[128];
	size_t i, k, r;

	counter_add(b, NFT_EGR_PREFIX, eg->name);
	for (i = 0; i < 2 && !b->err; ++i) {
		const struct nft_fam *f = &nft_fams[i];

		for (k = 0; k < NFT_ES_KINDS && !b->err; ++k) {
			struct range *v;
			struct nft_set *s;
			size_t n;

			nft_egr_set_name(name, sizeof(name), eg->name, (enum nft_es_kind)k, i);
			s = set_add(b, name, NFT_SET_INTERVAL, f->atype, f->alen);
			if (!s)
				return;
			if (ranges_of(lists[k], f, &v, &n) < 0) {
				b->err = -ENOMEM;
				return;
			}
			for (r = 0; r < n && !b->err; ++r)
				interval_add(b, s, v[r].lo, v[r].hi);
			free(v);
		}
	}
}

/* ---- the far side's sets: [Return] and [Exit] ---- */

static void far_set(struct nft_bld *b, const char *prefix, const char *name,
		    const char *what, const struct prefix_list *l)
{
	char set[128];
	size_t i, r;

	for (i = 0; i < 2 && !b->err; ++i) {
		const struct nft_fam *f = &nft_fams[i];
		struct range *v;
		struct nft_set *s;
		size_t n;

		nft_far_set_name(set, sizeof(set), prefix, name, what, i);
		s = set_add(b, set, NFT_SET_INTERVAL, f->atype, f->alen);
		if (!s)
			return;
		if (ranges_of(l, f, &v, &n) < 0) {
			b->err = -ENOMEM;
			return;
		}
		for (r = 0; r < n && !b->err; ++r)
			interval_add(b, s, v[r].lo, v[r].hi);
		free(v);
	}
}

static void far_sets(struct nft_bld *b)
{
	const struct wgb_return *rt;
	const struct wgb_exit *x;

	for_each_return(b->cfg, rt) {
		counter_add(b, NFT_RET_PREFIX, rt->name);
		far_set(b, NFT_RET_PREFIX, rt->name, "dst", &rt->destination);
	}
	for_each_exit(b->cfg, x) {
		counter_add(b, NFT_EXIT_PREFIX, x->name);
		far_set(b, NFT_EXIT_PREFIX, x->name, "src", &x->source);
		far_set(b, NFT_EXIT_PREFIX, x->name, "dst", &x->destination);
	}
}

/* ---- the limits' meters: one per distinct limit and family ---- */

static int limit_cmp(const void *a, const void *b)
{
	const struct nft_limit *x = a, *y = b;

	if (x->conn != y->conn)
		return x->conn < y->conn ? -1 : 1;
	if (x->unit != y->unit)
		return x->unit < y->unit ? -1 : 1;
	return x->rate < y->rate ? -1 : x->rate > y->rate;
}

/* The distinct limits of the config into b->limits, sorted. */
static void limits_collect(struct nft_bld *b)
{
	const struct wgb_forward *fw;
	struct nft_limit *v;
	size_t n = 0, i, w;

	v = calloc(2 * b->cfg->n_forwards + 1, sizeof(*v));
	if (!v) {
		b->err = -ENOMEM;
		return;
	}
	for_each_forward(b->cfg, fw) {
		if (fw->rate)
			v[n++] = (struct nft_limit){ .rate = fw->rate, .unit = fw->rate_unit };
		if (fw->conn_limit)
			v[n++] = (struct nft_limit){ .conn = fw->conn_limit };
	}
	qsort(v, n, sizeof(*v), limit_cmp);
	for (i = 0, w = 0; i < n; ++i)
		if (!w || limit_cmp(&v[w - 1], &v[i]))
			v[w++] = v[i];
	b->limits = v;
	b->n_limits = w;
}

static void limit_meters(struct nft_bld *b)
{
	char chain[64], name[80];
	size_t l, i;

	for (l = 0; l < b->n_limits && !b->err; ++l) {
		const struct nft_limit *lm = &b->limits[l];

		if (lm->conn)
			nft_conn_chain_name(chain, sizeof(chain), lm->conn);
		else
			nft_rate_chain_name(chain, sizeof(chain), lm->rate, lm->unit);
		for (i = 0; i < 2; ++i) {
			const struct nft_fam *f = &nft_fams[i];
			struct nft_set *s;

			/* "conn_100" + "_4": a digit may not follow a digit */
			snprintf(name, sizeof(name), "%s%s%s", chain, lm->conn ? "_" : "", f->sfx);
			s = set_add(b, name, NFT_SET_EVAL | (lm->conn ? 0 : NFT_SET_TIMEOUT),
				    (TYPE_INET_PROTO << TYPE_BITS | TYPE_INET_SERVICE) << TYPE_BITS |
				    f->atype, 8 + f->alen);
			if (!s)
				return;
			s->desc_size = METER_SIZE;
			/* a bucket idle for one unit is full again: forgetting
			 * it then is exact (bench/nftlab.md §3) */
			if (!lm->conn)
				s->timeout = (uint64_t)lm->unit * 1000;
		}
	}
}

static int table_comment(struct nft_state *st)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	int ret = -ENOMEM;

	if (u && nftnl_udata_put_strz(u, NFTNL_UDATA_TABLE_COMMENT, NFT_TABLE_COMMENT))
		ret = nft_state_set_udata(&st->table_udata, &st->table_udata_len,
					  nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
	return ret;
}

int nft_build(const struct instance *in, const struct wgb_config *cfg,
	      void **state, struct wgb_err *e)
{
	const struct wgb_forward *fw;
	const struct wgb_egress *eg;
	struct nft_bld b = { 0 };
	size_t n_counters;
	char table[64];

	*state = NULL;
	snprintf(table, sizeof(table), NFT_TABLE_PREFIX "%s", in->name);
	b.st = nft_state_new(table);
	if (!b.st)
		return err_set(e, -ENOMEM, "nft: out of memory");
	if (!cfg)
		goto done;	/* flush: no table at all */
	b.cfg = cfg;
	b.st->built = true;
	b.st->table_exists = true;
	b.st->has_stamp = cfg->has_stamp;
	memcpy(b.st->stamp, cfg->stamp, sizeof(b.st->stamp));
	b.st->ipv6 = cfg->uses_ipv6;
	if (cfg->elided) {
		/* its forwards were not read: the table is not built, only
		 * named by the input it would be built from (nft_unchanged) */
		b.st->elided = true;
		goto done;
	}
	b.ifname = cfg->iface.name;
	b.ing = cfg->bastion.ct_ingress;
	b.egr = cfg->bastion.ct_egress;
	b.ret = cfg->bastion.ct_return;
	b.ext = cfg->bastion.ct_exit;
	b.st->table_exists = true;
	b.err = table_comment(b.st);
	counter_add(&b, "", NFT_DROPPED);
	forward_sets(&b);
	/* sorted now; the forwards find their sets in b.fs (the array
	 * does not move until the egress sets are added, after them) */
	if (!b.err) {
		nft_state_finish(b.st);
		nft_fwd_sets(b.st, b.fs);
	}
	/* a counter per forward, egress, return and exit, and one more per
	 * forward with a limit: one array of the right size, not doubled
	 * (and copied) thirteen times on the way to ten thousand */
	n_counters = cfg->n_forwards + cfg->n_egresses + cfg->n_returns + cfg->n_exits;
	for_each_forward(cfg, fw)
		n_counters += fw->rate || fw->conn_limit;
	if (!b.err && nft_state_reserve_objs(b.st, n_counters) < 0)
		b.err = -ENOMEM;
	if (!b.err)
		forwards_elems(&b);
	for_each_forward(cfg, fw)
		if (fw->allow_file && !b.err)
			allowfile_set(&b, fw);
	for_each_egress(cfg, eg) {
		if (b.err)
			break;
		egress_sets(&b, eg);
	}
	if (!b.err)
		far_sets(&b);
	if (!b.err)
		limits_collect(&b);
	limit_meters(&b);
	nft_build_chains(&b);
	free(b.limits);
done:
	if (!b.err)
		b.err = nft_state_finish(b.st);
	if (b.err) {
		nft_state_free(b.st);
		return err_set(e, b.err, "nft: cannot build the table: %s", strerror(-b.err));
	}
	*state = b.st;
	return 0;
}
