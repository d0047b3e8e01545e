// SPDX-License-Identifier: GPL-2.0-only
/*
 * Forwards and egresses as a human reads them, recovered from a table
 * (live or desired alike): which ports, where to, who may connect. This is
 * what plan lines print and compare, so a line says what the kernel has,
 * not what a config once said.
 *
 * A forward is known by its counter (forward_NAME) and by the elements of
 * the count maps that point at it: those give its family, protocols and
 * port range, and its other elements are found by that range.
 */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>

#include "lib/array.h"
#include "lib/str.h"
#include "nft_int.h"

struct fwd_key {
	const char *name;	/* into the count set's pool */
	uint8_t fam, proto;	/* 4/6, IPPROTO_TCP/UDP */
	uint16_t lo, hi;
};

struct allow_ix {
	uint16_t lo;
	size_t i;
};

struct nft_views {
	const struct nft_state *st;
	/* the forwards' keys are the count sets' elements, read there; by
	 * name only once indexed (nft_views_index_names) */
	struct fwd_key *by_name;
	size_t n_keys;
	bool named;
	const char **fwd;	/* forward names, sorted, unique */
	size_t n_fwd;
	const char **egr;	/* egress names */
	size_t n_egr;
	const struct nft_set *fs[NFT_FS_KINDS][2][2];
	struct allow_ix *allow[2][2];	/* [fam][proto], by port */
	size_t n_allow[2][2];
	bool allowfiles;	/* a set is a forward's AllowFile's */
};

static int pi(uint8_t proto)
{
	return proto == IPPROTO_UDP;
}

static int fi(uint8_t fam)
{
	return fam == 6;
}

void nft_fwd_sets(const struct nft_state *st, const struct nft_set *out[NFT_FS_KINDS][2][2])
{
	char name[32];
	size_t k, f, p;

	for (k = 0; k < NFT_FS_KINDS; ++k)
		for (f = 0; f < 2; ++f)
			for (p = 0; p < 2; ++p) {
				nft_fwd_set_name(name, sizeof(name), (enum nft_fs_kind)k, f, p);
				out[k][f][p] = nft_state_set(st, name);
			}
}

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int key_name_cmp(const void *a, const void *b)
{
	const struct fwd_key *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r)
		return r;
	if (x->fam != y->fam)
		return x->fam - y->fam;
	return x->proto - y->proto;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int allow_cmp(const void *a, const void *b)
{
	const struct allow_ix *x = a, *y = b;

	return (int)x->lo - (int)y->lo;
}

static size_t uniq(const char **v, size_t n)
{
	size_t i, w = 0;

	nft_qsort(v, n, sizeof(*v), str_cmp);
	for (i = 0; i < n; ++i)
		if (!w || strcmp(v[w - 1], v[i]))
			v[w++] = v[i];
	return w;
}

/* the end of an rbtree range starting at element i of s (inclusive), as
 * a 16-bit port: the next element is its end marker, or there is none */
static uint16_t port_range_hi(const struct nft_set *s, size_t i)
{
	const struct nft_elem *n;

	if (i + 1 < s->n_elems) {
		n = nft_set_elem(s, i + 1);
		if (n->flags & NFT_SET_ELEM_INTERVAL_END)
			return (uint16_t)(be16_at(nft_elem_key(s, n)) - 1);
	}
	return 0xffff;
}

/* The forwards' keys, as the count sets hold them: set by set, in the
 * order of their names, element by element; it starts zeroed. With a
 * counter's name (forward_NAME), that forward's keys only: one compare
 * an element, as a look by name scans every set. */
struct key_it {
	size_t set, i;
	const char *counter;
};

static bool key_next(const struct nft_views *v, struct key_it *it, struct fwd_key *k)
{
	size_t pl = strlen(NFT_FWD_PREFIX);

	for (; it->set < 4; it->set++, it->i = 0) {
		size_t f = it->set / 2, p = it->set % 2;
		const struct nft_set *s = v->fs[NFT_FS_COUNT][f][p];

		if (!s || s->key_len != 2)
			continue;
		while (it->i < s->n_elems) {
			size_t i = it->i++;
			const struct nft_elem *el = nft_set_elem(s, i);
			const char *obj;

			if (!(el->has & NFT_ELEM_OBJREF))
				continue;
			obj = nft_elem_str(s, el);
			if (it->counter ? strcmp(obj, it->counter) != 0 : strncmp(obj, NFT_FWD_PREFIX, pl) != 0)
				continue;
			*k = (struct fwd_key){
				.name = obj + pl,
				.fam = f ? 6 : 4, .proto = (uint8_t)nft_protos[p].num,
				.lo = be16_at(nft_elem_key(s, el)), .hi = port_range_hi(s, i),
			};
			return true;
		}
	}
	return false;
}

static int index_allow(struct nft_views *v, const struct nft_set *s, int fam, int proto)
{
	struct allow_ix *ix;
	uint32_t alen = fam == 6 ? 16 : 4;
	size_t i;

	if (s->key_len != alen + 4 || !s->n_elems)
		return 0;
	ix = calloc(s->n_elems, sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	for (i = 0; i < s->n_elems; ++i) {
		ix[i].lo = be16_at(nft_elem_key(s, nft_set_elem(s, i)) + alen);
		ix[i].i = i;
	}
	nft_qsort(ix, s->n_elems, sizeof(*ix), allow_cmp);
	v->allow[fi((uint8_t)fam)][pi((uint8_t)proto)] = ix;
	v->n_allow[fi((uint8_t)fam)][pi((uint8_t)proto)] = s->n_elems;
	return 0;
}

struct nft_views *nft_views_new(const struct nft_state *st)
{
	struct nft_views *v = calloc(1, sizeof(*v));
	size_t i, n_names = 0;
	const char **names;
	int ret = 0;

	if (!v)
		return NULL;
	v->st = st;
	nft_fwd_sets(st, v->fs);
	for (i = 0; !ret && i < st->n_sets; ++i) {
		const struct nft_set *s = &st->sets[i];
		enum nft_fs_kind kind;
		int fam, proto;

		if (nft_fwd_set_parse(s->name, &kind, &fam, &proto) && kind == NFT_FS_ALLOW)
			ret = index_allow(v, s, fam, proto);
		v->allowfiles |= !strncmp(s->name, NFT_ALLOWFILE_PREFIX,
					  strlen(NFT_ALLOWFILE_PREFIX));
	}
	if (ret)
		goto fail;
	names = malloc((st->n_objs + 1) * sizeof(*names));
	v->egr = malloc((st->n_objs + 1) * sizeof(*v->egr));
	if (!names || !v->egr) {
		free(names);
		goto fail;
	}
	/* filled, or nearly (the egress names are few) */
	array_prefault(names, st->n_objs * sizeof(*names));
	/* The names are the forwards' counters': a count set's element
	 * names its counter, and the kernel refuses an element naming a
	 * counter that is not there, or to delete one still named. */
	for (i = 0; i < st->n_objs; ++i) {
		const char *o = st->objs[i].name;

		if (st->objs[i].type != NFT_OBJECT_COUNTER)
			continue;
		if (!strncmp(o, NFT_FWD_PREFIX, strlen(NFT_FWD_PREFIX)))
			names[n_names++] = o + strlen(NFT_FWD_PREFIX);
		else if (!strncmp(o, NFT_EGR_PREFIX, strlen(NFT_EGR_PREFIX)))
			v->egr[v->n_egr++] = o + strlen(NFT_EGR_PREFIX);
	}
	v->fwd = names;
	v->n_fwd = uniq(names, n_names);
	v->n_egr = uniq(v->egr, v->n_egr);
	return v;
fail:
	nft_views_free(v);
	return NULL;
}

void nft_views_index_names(struct nft_views *v)
{
	struct key_it it = { 0 };
	struct fwd_key k;
	size_t n = 0;

	if (v->named)
		return;
	while (key_next(v, &it, &k))
		n++;
	/* no memory: the looks scan, as before the index */
	if (!n || array_reserve(v->by_name, NULL, n) < 0)
		return;
	array_prefault(v->by_name, n * sizeof(*v->by_name));
	memset(&it, 0, sizeof(it));
	while (v->n_keys < n && key_next(v, &it, &v->by_name[v->n_keys]))
		v->n_keys++;
	nft_qsort(v->by_name, v->n_keys, sizeof(*v->by_name), key_name_cmp);
	v->named = true;
}

void nft_views_free(struct nft_views *v)
{
	size_t i, j;

	if (!v)
		return;
	for (i = 0; i < 2; ++i)
		for (j = 0; j < 2; ++j)
			free(v->allow[i][j]);
	free(v->by_name);
	free(v->fwd);
	free(v->egr);
	free(v);
}

size_t nft_views_forwards(const struct nft_views *v, const char *const **names)
{
	*names = v->fwd;
	return v->n_fwd;
}

size_t nft_views_egresses(const struct nft_views *v, const char *const **names)
{
	*names = v->egr;
	return v->n_egr;
}

bool nft_views_has_forward(const struct nft_views *v, const char *name)
{
	return bsearch(&name, v->fwd, v->n_fwd, sizeof(*v->fwd), str_cmp) != NULL;
}

bool nft_views_has_egress(const struct nft_views *v, const char *name)
{
	return bsearch(&name, v->egr, v->n_egr, sizeof(*v->egr), str_cmp) != NULL;
}

const char *nft_views_port_owner(const struct nft_views *v, int fam, int proto, uint16_t port)
{
	const struct nft_set *s = v->fs[NFT_FS_COUNT][fi((uint8_t)fam)][pi((uint8_t)proto)];
	size_t lo = 0, hi, pl = strlen(NFT_FWD_PREFIX);
	const struct nft_elem *el;
	const char *obj;

	if (!s || s->key_len != 2)
		return NULL;
	/* the last element at or before port: a range's start (an end
	 * sorts before a start of the same key) that reaches it, or none */
	hi = s->n_elems;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (be16_at(nft_elem_key(s, nft_set_elem(s, mid))) <= port)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	el = nft_set_elem(s, lo - 1);
	if ((el->flags & NFT_SET_ELEM_INTERVAL_END) || !(el->has & NFT_ELEM_OBJREF) ||
	    port_range_hi(s, lo - 1) < port)
		return NULL;
	obj = nft_elem_str(s, el);
	return strncmp(obj, NFT_FWD_PREFIX, pl) ? NULL : obj + pl;
}

/* ---- text ---- */

/* buf of PREFIX_STRLEN */
static char *addr_text(char *buf, int fam, const uint8_t *a)
{
	return addr_fmt(fam == 6 ? AF_INET6 : AF_INET, a, buf);
}

static int bit_at(const uint8_t *a, size_t i)
{
	return a[i / 8] >> (7 - i % 8) & 1;
}

/* [lo, hi] as a prefix when it is one ("10.0.0.0/8", "203.0.113.17"),
 * else "lo-hi" */
static void range_text(char *buf, size_t len, int fam, const uint8_t *lo, const uint8_t *hi)
{
	size_t bits = fam == 6 ? 128 : 32, plen = 0, i;
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];
	bool prefix = true;

	while (plen < bits && bit_at(lo, plen) == bit_at(hi, plen))
		plen++;
	for (i = plen; i < bits && prefix; ++i)
		prefix = !bit_at(lo, i) && bit_at(hi, i);
	addr_text(a, fam, lo);
	if (!prefix) {
		addr_text(b, fam, hi);
		snprintf(buf, len, "%s-%s", a, b);
	} else if (plen == bits) {
		snprintf(buf, len, "%s", a);
	} else {
		snprintf(buf, len, "%s/%zu", a, plen);
	}
}

/* sep (when buf is not empty) and s appended, as much as fits; a text
 * that fills buf ends in "..." */
static void cat(char *buf, size_t len, const char *sep, const char *s)
{
	size_t n = strlen(buf);

	if (n + 4 >= len)
		return;
	if (n)
		n = str_put(buf, len, n, sep);
	n = str_put(buf, len, n, s);
	if (n + 1 >= len)	/* truncated: say so */
		memcpy(buf + len - 4, "...", 4);
}

static const struct nft_set *fset(const struct nft_views *v, int kind, int fam, int proto)
{
	return v->fs[kind][fi((uint8_t)fam)][pi((uint8_t)proto)];
}

static ssize_t start_at(const struct nft_set *s, uint16_t port)
{
	uint8_t key[2] = { (uint8_t)(port >> 8), (uint8_t)port };

	if (!s || s->key_len != 2)
		return -1;
	return nft_set_find(s, key, false);
}

static void dest_text(const struct nft_views *v, const struct fwd_key *k, char *buf, size_t len)
{
	size_t alen = k->fam == 6 ? 16 : 4;
	char a[PREFIX_STRLEN];
	const struct nft_set *s;
	const uint8_t *d;
	ssize_t i;
	char *p;

	s = fset(v, NFT_FS_DNAT, k->fam, k->proto);
	i = start_at(s, k->lo);
	if (i >= 0 && (nft_set_elem(s, (size_t)i)->has & NFT_ELEM_DATA) && s->data_len == alen + 4) {
		d = nft_elem_data(s, nft_set_elem(s, (size_t)i));
		/* the port as the map holds it, even 0; "[a]:p" is at most
		 * 2 + PREFIX_STRLEN + 6 bytes, within the 64 every caller has */
		if (len >= 64 && k->fam != 6) {
			addr_text(buf, k->fam, d);
			p = buf + strlen(buf);
			*p++ = ':';
			fmt_u32(p, be16_at(d + alen));
		} else {
			snprintf(buf, len, k->fam == 6 ? "[%s]:%u" : "%s:%u", addr_text(a, k->fam, d),
				 be16_at(d + alen));
		}
		return;
	}
	s = fset(v, NFT_FS_KEEP, k->fam, k->proto);
	i = start_at(s, k->lo);
	if (i >= 0 && (nft_set_elem(s, (size_t)i)->has & NFT_ELEM_DATA) && s->data_len == alen) {
		addr_text(a, k->fam, nft_elem_data(s, nft_set_elem(s, (size_t)i)));
		snprintf(buf, len, k->lo == k->hi ? "%s" : "%s (ports kept)", a);
		return;
	}
	str_put(buf, len, 0, "nowhere");
}

static void allow_text(const struct nft_views *v, const struct fwd_key *k, char *buf, size_t len)
{
	const struct allow_ix *ix = v->allow[fi(k->fam)][pi(k->proto)];
	size_t n = v->n_allow[fi(k->fam)][pi(k->proto)], lo = 0, hi = n, alen = k->fam == 6 ? 16 : 4;
	const struct nft_set *s = fset(v, NFT_FS_ALLOW, k->fam, k->proto);
	char r[2 * PREFIX_STRLEN];

	buf[0] = '\0';
	while (lo < hi) {	/* first index entry at port k->lo */
		size_t mid = lo + (hi - lo) / 2;

		if (ix[mid].lo < k->lo)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; s && lo < n && ix[lo].lo == k->lo; ++lo) {
		const struct nft_elem *el = nft_set_elem(s, ix[lo].i);

		if (!(el->has & NFT_ELEM_KEY_END) ||
		    be16_at(nft_elem_key_end(s, el) + alen) != k->hi)
			continue;
		range_text(r, sizeof(r), k->fam, nft_elem_key(s, el), nft_elem_key_end(s, el));
		cat(buf, len, ", ", r);
	}
	if (!buf[0])
		str_put(buf, len, 0, "no one");
}

/* "N ranges": the start elements of the forward's AllowFile set. */
static void allowfile_text(const struct nft_views *v, const char *name, char *buf, size_t len)
{
	const struct nft_set *s;
	char set[64];
	size_t i, n = 0;

	buf[0] = '\0';
	if (!v->allowfiles)	/* most tables: no set to look up */
		return;
	/* asked of every forward: no printf for the name */
	str_join(set, sizeof(set), NFT_ALLOWFILE_PREFIX, name);
	s = nft_state_set(v->st, set);
	if (!s)
		return;
	for (i = 0; i < s->n_elems; ++i)
		n += !(nft_set_elem(s, i)->flags & NFT_SET_ELEM_INTERVAL_END);
	snprintf(buf, len, "%zu range%s", n, n == 1 ? "" : "s");
}

/* The first key of this name in key_name_cmp's order (the lowest family
 * and protocol): found by halving once indexed (at: its index), else by
 * a scan of the count sets for its counter. */
static bool first_key(const struct nft_views *v, const char *name, const char *counter,
		      struct fwd_key *out, size_t *at)
{
	size_t lo = 0, hi = v->n_keys;
	struct key_it it = { .counter = counter };
	struct fwd_key k;
	bool found = false;

	if (!v->named) {
		while (key_next(v, &it, &k))
			if (!found || key_name_cmp(&k, out) < 0) {
				*out = k;
				found = true;
			}
		return found;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(v->by_name[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == v->n_keys || strcmp(v->by_name[lo].name, name))
		return false;
	*out = v->by_name[lo];
	*at = lo;
	return true;
}

bool nft_view_forward(const struct nft_views *v, const char *name, struct nft_forward_view *out)
{
	struct fwd_key fk, k;
	const struct fwd_key *first = &fk;
	char counter[NFT_OBJ_MAXNAMELEN + 1];	/* any counter the kernel holds */
	struct key_it it = { .counter = counter };
	unsigned protos = 0;
	size_t at = 0;
	char *p;

	memset(out, 0, sizeof(*out));
	/* a forward with keys has its counter (a count set's element names
	 * it, and the kernel refuses one naming a counter that is not
	 * there): once indexed, its keys are looked for first and its
	 * counter only when it has none; a scan is the dearer, so there
	 * the counter first */
	if (!v->named && !nft_views_has_forward(v, name))
		return false;
	str_join(counter, sizeof(counter), NFT_FWD_PREFIX, name);
	if (!first_key(v, name, counter, &fk, &at)) {
		if (v->named && !nft_views_has_forward(v, name))
			return false;
		snprintf(out->ports, sizeof(out->ports), "no ports");
		return true;
	}
	/* its keys: the run from first once indexed, else a scan */
	while (v->named ? at < v->n_keys && !strcmp((k = v->by_name[at++]).name, name)
			: key_next(v, &it, &k)) {
		if (k.fam == first->fam && k.lo == first->lo && k.hi == first->hi)
			protos |= k.proto == IPPROTO_UDP ? 2 : 1;
	}
	/* "tcp,udp 65535-65535" at most, within out->ports (32): put
	 * together by hand, as snprintf costs more than the rest of the
	 * view at ten thousand forwards */
	p = stpcpy(out->ports, protos == 3 ? "tcp,udp " : protos == 2 ? "udp " : "tcp ");
	p += fmt_u32(p, first->lo);
	if (first->lo != first->hi) {
		*p++ = '-';
		fmt_u32(p, first->hi);
	}
	dest_text(v, first, out->destination, sizeof(out->destination));
	out->everyone = start_at(fset(v, NFT_FS_OPEN, first->fam, first->proto), first->lo) >= 0;
	if (!out->everyone)
		allow_text(v, first, out->allow, sizeof(out->allow));
	out->masquerade = start_at(fset(v, NFT_FS_MASQ, first->fam, first->proto), first->lo) >= 0;
	allowfile_text(v, name, out->allowfile, sizeof(out->allowfile));
	return true;
}

/* ---- egresses ---- */

static void rbtree_text(const struct nft_set *s, int fam, char *buf, size_t len)
{
	size_t alen = fam == 6 ? 16 : 4, i;
	uint8_t hi[16];
	char r[2 * PREFIX_STRLEN];

	if (!s || s->key_len != alen)
		return;
	for (i = 0; i < s->n_elems; ++i) {
		const struct nft_elem *el = nft_set_elem(s, i);

		if (el->flags & NFT_SET_ELEM_INTERVAL_END)
			continue;
		memset(hi, 0xff, alen);
		if (i + 1 < s->n_elems && (nft_set_elem(s, i + 1)->flags & NFT_SET_ELEM_INTERVAL_END)) {
			size_t b = alen;

			memcpy(hi, nft_elem_key(s, nft_set_elem(s, i + 1)), alen);
			while (b-- > 0 && hi[b]-- == 0)	/* hi - 1 */
				;
		}
		range_text(r, sizeof(r), fam, nft_elem_key(s, el), hi);
		cat(buf, len, ", ", r);
	}
}

/* The ranges of one of an egress's sets, both families; "" when none. */
static void egress_list(const struct nft_views *v, const char *name, enum nft_es_kind kind,
			char *buf, size_t len)
{
	char sn[128];
	size_t f;

	buf[0] = '\0';
	for (f = 0; f < 2; ++f) {
		nft_egr_set_name(sn, sizeof(sn), name, kind, f);
		rbtree_text(nft_state_set(v->st, sn), f ? 6 : 4, buf, len);
	}
}

/* The uplink an egress is limited to: the oifname its new-connection rule
 * compares with, if any ("" otherwise). */
static void egress_iface(const struct nft_views *v, const char *name, char *buf, size_t len)
{
	const struct nft_chain *c = nft_state_chain(v->st, "forward");
	char want[128], got[NFT_USERDATA_MAXLEN];
	size_t i;

	buf[0] = '\0';
	snprintf(want, sizeof(want), "egress %s: new connection", name);
	for (i = 0; c && i < c->n_rules; ++i) {
		if (strcmp(nft_rule_comment(c->rules[i].r, got, sizeof(got)), want))
			continue;
		nft_rule_oifname(c->rules[i].r, buf, len);
		return;
	}
}

static bool egress_masq(const struct nft_views *v, const char *name)
{
	const struct nft_chain *c = nft_state_chain(v->st, "post_nat");
	char want[128], got[NFT_USERDATA_MAXLEN];
	size_t i;

	snprintf(want, sizeof(want), "egress %s", name);
	for (i = 0; c && i < c->n_rules; ++i)
		if (!strcmp(nft_rule_comment(c->rules[i].r, got, sizeof(got)), want))
			return true;
	return false;
}

bool nft_view_egress(const struct nft_views *v, const char *name, struct nft_egress_view *out)
{
	memset(out, 0, sizeof(*out));
	if (!nft_views_has_egress(v, name))
		return false;
	egress_list(v, name, NFT_ES_SRC, out->source, sizeof(out->source));
	if (!out->source[0])
		snprintf(out->source, sizeof(out->source), "none");
	egress_list(v, name, NFT_ES_DST, out->destination, sizeof(out->destination));
	if (!out->destination[0])
		snprintf(out->destination, sizeof(out->destination), "none");
	egress_list(v, name, NFT_ES_DENY, out->deny, sizeof(out->deny));
	egress_iface(v, name, out->interface, sizeof(out->interface));
	out->masquerade = egress_masq(v, name);
	return true;
}

void nft_view_forward_line(const struct nft_forward_view *w, char *buf, size_t len)
{
	buf[0] = '\0';
	cat(buf, len, "", w->ports[0] ? w->ports : "?");
	cat(buf, len, " -> ", w->destination);
	if (!w->everyone && !(w->allowfile[0] && !strcmp(w->allow, "no one"))) {
		cat(buf, len, ", ", "allow ");
		cat(buf, len, "", w->allow);
	}
	if (w->allowfile[0]) {
		cat(buf, len, ", ", "allowfile ");
		cat(buf, len, "", w->allowfile);
	}
	if (w->masquerade)
		cat(buf, len, ", ", "masquerade");
}

void nft_view_egress_line(const struct nft_egress_view *w, char *buf, size_t len)
{
	snprintf(buf, len, "%s -> %s", w->source, w->destination);
	if (w->deny[0]) {
		cat(buf, len, " ", "except ");
		cat(buf, len, "", w->deny);
	}
	if (w->interface[0]) {
		cat(buf, len, ", ", "via ");
		cat(buf, len, "", w->interface);
	}
	if (w->masquerade)
		cat(buf, len, ", ", "masquerade");
}
