// SPDX-License-Identifier: GPL-2.0-only
/*
 * The messages of a batch, one function per kind of object: tables,
 * counters (and other objects), sets and their elements, chains and rules.
 * Each writes into the batch being built (struct nft_bat) and keeps a note
 * of what the message does, for an error report. nft_batch.c orders them.
 */
#include <netinet/in.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "lib/array.h"
#include "nft_int.h"

#define ZERO_AHEAD	(64u << 10)

void bat_zero(struct nft_bat *t, size_t n)
{
	uintptr_t cur = (uintptr_t)nftnl_batch_buffer(t->b);

	/* a new page (pages are never freed before the batch is, so a new
	 * one cannot lie in the old one's zeroed span) */
	if (cur < t->zero_lo || cur > t->zero_hi)
		t->zero_lo = t->zero_hi = t->faulted = cur;
	/* faulted in 64 KiB ahead at a time, not a page at each message's
	 * first byte there (array_prefault): a cold batch of ten thousand
	 * forwards fills megabytes. Within the page: it has BATCH_PAGE bytes
	 * past where it was found. */
	if (cur + n > t->faulted) {
		uintptr_t to = cur + n + ZERO_AHEAD, end = t->zero_lo + BATCH_PAGE;

		to = to < end ? to : end;
		if (to > t->zero_hi)
			array_prefault((void *)t->zero_hi, to - t->zero_hi);
		t->faulted = to;
	}
	if (cur + n > t->zero_hi) {
		memset((void *)t->zero_hi, 0, cur + n - t->zero_hi);
		t->zero_hi = cur + n;
	}
}

/* The header of the batch's next message, zeroed ahead (see below); NULL
 * when the batch has failed or a note cannot be kept. */
static struct nlmsghdr *msg_open(struct nft_bat *t, uint16_t type)
{
	if (t->err)
		return NULL;
	if (array_reserve(t->notes, &t->cap, t->n + 1) < 0 ||
	    array_reserve(t->pool, &t->pool_cap, t->pool_len + NOTE_MAX) < 0 ||
	    t->pool_len > UINT32_MAX - NOTE_MAX) {
		t->err = -ENOMEM;
		return NULL;
	}
	t->notes[t->n].seq = t->seq;
	t->notes[t->n].what = (uint32_t)t->pool_len;
	t->notes[t->n].name = NULL;
	/* libmnl 1.0.4 leaves attribute padding as it finds it, and
	 * libnftnl 1.2.4 writes objref names without their NUL: on zeroed
	 * memory the batch is the same bytes on every run (valgrind-clean),
	 * and a parser reading such a name up to a NUL stops at the padding.
	 * A page always has BATCH_OVERRUN bytes free past its current end.
	 * Zeroed once: ten thousand counters each zeroing the 4 KiB ahead of
	 * it were 40 MB of memset, and the last of each page's overrun
	 * touched for nothing. */
	bat_zero(t, type == NFT_MSG_NEWSETELEM || type == NFT_MSG_DELSETELEM ? ELEM_MSG_MAX + 4096 :
		    type == NFT_MSG_NEWRULE ? RULE_MSG_MAX : 4096);
	return nftnl_batch_buffer(t->b);
}

static struct nlmsghdr *msg_header(struct nft_bat *t, uint16_t type, uint16_t flags)
{
	t->n++;
	t->last = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(t->b), type, NFPROTO_INET,
					flags, t->seq++);
	if (!t->head)
		t->head = t->last;
	return t->last;
}

/* A message header in the batch, its description kept for error reports. */
struct nlmsghdr *bat_msg_start(struct nft_bat *t, uint16_t type, uint16_t flags,
				  const char *fmt, ...)
{
	va_list ap;
	int len;

	if (!msg_open(t, type))
		return NULL;
	va_start(ap, fmt);
	len = vsnprintf(t->pool + t->pool_len, NOTE_MAX, fmt, ap);
	va_end(ap);
	t->pool_len += len < 0 ? 1 : (size_t)len < NOTE_MAX ? (size_t)len + 1 : NOTE_MAX;
	if (len < 0)
		t->pool[t->pool_len - 1] = '\0';
	return msg_header(t, type, flags);
}

/* The same, its note what (a string constant) and name (which lives as
 * long as the batch: a state's object), kept as they are: ten thousand
 * counters do not each copy "creating counter " and their name. */
struct nlmsghdr *bat_msg_start_named(struct nft_bat *t, uint16_t type, uint16_t flags,
				     const char *what, const char *name)
{
	size_t len = strlen(what);

	if (!msg_open(t, type))
		return NULL;
	if (t->named_what == what) {
		t->notes[t->n].what = t->named_at;	/* the same words */
	} else {
		if (len > NOTE_MAX - 1)
			len = NOTE_MAX - 1;
		memcpy(t->pool + t->pool_len, what, len);
		t->pool[t->pool_len + len] = '\0';
		t->named_what = what;
		t->named_at = (uint32_t)t->pool_len;
		t->pool_len += len + 1;
	}
	t->notes[t->n].name = name;
	return msg_header(t, type, flags);
}

void bat_msg_end(struct nft_bat *t)
{
	if (!t->err && nftnl_batch_update(t->b) < 0)
		t->err = -ENOMEM;
}

/* ---- table ---- */

void bat_table_add(struct nft_bat *t, const struct nft_state *st)
{
	struct nftnl_table *tb = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!tb) {
		t->err = -ENOMEM;
		return;
	}
	nftnl_table_set_str(tb, NFTNL_TABLE_NAME, st->table);
	nftnl_table_set_u32(tb, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_u32(tb, NFTNL_TABLE_FLAGS, st->table_flags);
	if (st->table_udata_len)
		nftnl_table_set_data(tb, NFTNL_TABLE_USERDATA, st->table_udata, st->table_udata_len);
	nlh = bat_msg_start(t, NFT_MSG_NEWTABLE, NLM_F_CREATE, "creating table inet %s", st->table);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, tb);
		bat_msg_end(t);
	}
	nftnl_table_free(tb);
}

void bat_table_del(struct nft_bat *t)
{
	struct nftnl_table *tb = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!tb) {
		t->err = -ENOMEM;
		return;
	}
	nftnl_table_set_str(tb, NFTNL_TABLE_NAME, t->table);
	nlh = bat_msg_start(t, NFT_MSG_DELTABLE, 0, "deleting table inet %s", t->table);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, tb);
		bat_msg_end(t);
	}
	nftnl_table_free(tb);
}

/* ---- objects ---- */

void bat_obj_add(struct nft_bat *t, const struct nft_obj *o, const struct nft_state *keep)
{
	const struct nft_obj *old = keep ? nft_state_obj(keep, o->name) : NULL;
	struct nftnl_obj *no;
	struct nlmsghdr *nlh;

	if (o->raw) {
		nlh = bat_msg_start_named(t, NFT_MSG_NEWOBJ, NLM_F_CREATE, "creating object ", o->name);
		if (nlh) {
			nftnl_obj_nlmsg_build_payload(nlh, o->raw);
			bat_msg_end(t);
		}
		return;
	}
	no = nftnl_obj_alloc();
	if (!no) {
		t->err = -ENOMEM;
		return;
	}
	nftnl_obj_set_str(no, NFTNL_OBJ_TABLE, t->table);
	nftnl_obj_set_str(no, NFTNL_OBJ_NAME, o->name);
	nftnl_obj_set_u32(no, NFTNL_OBJ_FAMILY, NFPROTO_INET);
	nftnl_obj_set_u32(no, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	/* a counter that is recreated (table rebuilt, rollback) keeps its
	 * count: from the live table when it has one, else as recorded */
	if (old && old->type == NFT_OBJECT_COUNTER) {
		nftnl_obj_set_u64(no, NFTNL_OBJ_CTR_PKTS, old->packets);
		nftnl_obj_set_u64(no, NFTNL_OBJ_CTR_BYTES, old->bytes);
	} else if (o->packets || o->bytes) {
		nftnl_obj_set_u64(no, NFTNL_OBJ_CTR_PKTS, o->packets);
		nftnl_obj_set_u64(no, NFTNL_OBJ_CTR_BYTES, o->bytes);
	}
	nlh = bat_msg_start_named(t, NFT_MSG_NEWOBJ, NLM_F_CREATE, "creating counter ", o->name);
	if (nlh) {
		nftnl_obj_nlmsg_build_payload(nlh, no);
		bat_msg_end(t);
	}
	nftnl_obj_free(no);
}

void bat_obj_del(struct nft_bat *t, const struct nft_obj *o)
{
	struct nftnl_obj *no = nftnl_obj_alloc();
	struct nlmsghdr *nlh;

	if (!no) {
		t->err = -ENOMEM;
		return;
	}
	nftnl_obj_set_str(no, NFTNL_OBJ_TABLE, t->table);
	nftnl_obj_set_str(no, NFTNL_OBJ_NAME, o->name);
	nftnl_obj_set_u32(no, NFTNL_OBJ_TYPE, o->type);
	nlh = bat_msg_start_named(t, NFT_MSG_DELOBJ, 0, "deleting object ", o->name);
	if (nlh) {
		nftnl_obj_nlmsg_build_payload(nlh, no);
		bat_msg_end(t);
	}
	nftnl_obj_free(no);
}

/* ---- sets and elements ---- */

void bat_set_del(struct nft_bat *t, const struct nft_set *s)
{
	struct nftnl_set *ns = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!ns) {
		t->err = -ENOMEM;
		return;
	}
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, t->table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	nlh = bat_msg_start(t, NFT_MSG_DELSET, 0, "deleting set %s", s->name);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, ns);
		bat_msg_end(t);
	}
	nftnl_set_free(ns);
}

static void put_data(struct nlmsghdr *nlh, uint16_t type, const void *p, uint32_t len)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, p);
	mnl_attr_nest_end(nlh, nest);
}

static void elem_put(struct nlmsghdr *nlh, const struct nft_set *s,
		     const struct nft_elem *el, bool add)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM), *d, *v;

	if (el->flags)
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_FLAGS, htonl(el->flags));
	if (!(el->flags & NFT_SET_ELEM_CATCHALL))
		put_data(nlh, NFTA_SET_ELEM_KEY, nft_elem_key(s, el), s->key_len);
	if (el->has & NFT_ELEM_KEY_END)
		put_data(nlh, NFTA_SET_ELEM_KEY_END, nft_elem_key_end(s, el), s->key_len);
	if (add && (el->has & NFT_ELEM_DATA))
		put_data(nlh, NFTA_SET_ELEM_DATA, nft_elem_data(s, el), s->data_len);
	if (add && (el->has & NFT_ELEM_VERDICT)) {
		d = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
		v = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
		mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)nft_elem_verdict(s, el)));
		if (el->has & NFT_ELEM_CHAIN)
			mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, nft_elem_str(s, el));
		mnl_attr_nest_end(nlh, v);
		mnl_attr_nest_end(nlh, d);
	}
	if (add && (el->has & NFT_ELEM_OBJREF))
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_OBJREF, nft_elem_str(s, el));
	if (add && (el->has & NFT_ELEM_UDATA))
		mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA, el->udata_len, s->pool + el->udata);
	mnl_attr_nest_end(nlh, nest);
}

/*
 * Elements of s, those listed in idx (or all when idx is NULL), packed into
 * as few messages as fit: 10,000 forwards are a few dozen messages.
 */
static void elems_send_to(struct nft_bat *t, const struct nft_set *s, const struct nft_idx *idx,
			  bool add, uint32_t anon_id)
{
	size_t n = idx ? idx->n : s->n_elems, i = 0;

	while (i < n && !t->err) {
		struct nlmsghdr *nlh;
		struct nlattr *list;

		nlh = bat_msg_start(t, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
				add ? NLM_F_CREATE : 0, "%s elements %s set %s",
				add ? "adding" : "deleting", add ? "to" : "from", s->name);
		if (!nlh)
			return;
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, t->table);
		if (anon_id) {
			/* a set made in this batch, known by its id */
			mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, "__set%d");
			mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(anon_id));
		} else {
			mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, s->name);
		}
		list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		do {
			elem_put(nlh, s, nft_set_elem(s, idx ? idx->v[i] : i), add);
			i++;
		} while (i < n && nlh->nlmsg_len < ELEM_MSG_MAX);
		mnl_attr_nest_end(nlh, list);
		bat_msg_end(t);
	}
}

void bat_elems(struct nft_bat *t, const struct nft_set *s, const struct nft_idx *idx,
		       bool add)
{
	elems_send_to(t, s, idx, add, 0);
}

/* Creates s (with its elements); an anonymous set gets a name from the
 * kernel ("__set%d") and is known in the batch by the id returned. */
uint32_t bat_set_add(struct nft_bat *t, const struct nft_set *s)
{
	struct nftnl_set *ns = nftnl_set_alloc();
	bool anon = s->flags & NFT_SET_ANONYMOUS;
	uint32_t id = ++t->set_id;
	struct nlmsghdr *nlh;

	if (!ns) {
		t->err = -ENOMEM;
		return 0;
	}
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, t->table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, anon ? "__set%d" : s->name);
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(ns, NFTNL_SET_ID, id);
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, s->flags);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, s->key_type);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, s->key_len);
	if (s->flags & NFT_SET_MAP) {
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_TYPE, s->data_type);
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_LEN, s->data_len);
	}
	if (s->flags & NFT_SET_OBJECT)
		nftnl_set_set_u32(ns, NFTNL_SET_OBJ_TYPE, s->obj_type);
	if (s->policy)
		nftnl_set_set_u32(ns, NFTNL_SET_POLICY, s->policy);
	if (s->desc_size)
		nftnl_set_set_u32(ns, NFTNL_SET_DESC_SIZE, s->desc_size);
	if (s->timeout)
		nftnl_set_set_u64(ns, NFTNL_SET_TIMEOUT, s->timeout);
	if (s->field_count)
		nftnl_set_set_data(ns, NFTNL_SET_DESC_CONCAT, s->field_len, s->field_count);
	if (s->udata_len)
		nftnl_set_set_data(ns, NFTNL_SET_USERDATA, s->udata, s->udata_len);
	nlh = bat_msg_start(t, NFT_MSG_NEWSET, NLM_F_CREATE, "creating set %s", s->name);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, ns);
		bat_msg_end(t);
	}
	nftnl_set_free(ns);
	elems_send_to(t, s, NULL, true, anon ? id : 0);
	return id;
}

/* ---- chains and rules ---- */

void bat_chain(struct nft_bat *t, uint16_t type, const struct nft_chain *c)
{
	struct nftnl_chain *nc;
	struct nlmsghdr *nlh;

	if (type == NFT_MSG_NEWCHAIN) {
		nlh = bat_msg_start(t, type, NLM_F_CREATE, "creating chain %s", c->name);
		if (nlh) {
			nftnl_chain_nlmsg_build_payload(nlh, c->raw);
			bat_msg_end(t);
		}
		return;
	}
	nc = nftnl_chain_alloc();
	if (!nc) {
		t->err = -ENOMEM;
		return;
	}
	nftnl_chain_set_str(nc, NFTNL_CHAIN_TABLE, t->table);
	nftnl_chain_set_str(nc, NFTNL_CHAIN_NAME, c->name);
	nlh = bat_msg_start(t, type, 0, "deleting chain %s", c->name);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, nc);
		bat_msg_end(t);
	}
	nftnl_chain_free(nc);
}

void bat_chain_flush(struct nft_bat *t, const struct nft_chain *c)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!r) {
		t->err = -ENOMEM;
		return;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, t->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name);
	nlh = bat_msg_start(t, NFT_MSG_DELRULE, 0, "flushing chain %s", c->name);
	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		bat_msg_end(t);
	}
	nftnl_rule_free(r);
}

/*
 * A rule of someone else's that looks up an anonymous set (`tcp dport
 * { 22, 80 }`): the set went with the rule when it was deleted, so it is
 * made again, in the batch, just before the rule, which must then refer
 * to it by its id. The rule object is borrowed for that: while its
 * message is written its lookups of anonymous sets are swapped for new
 * ones naming the new set, then the originals are put back. (Swapped, not
 * edited: libnftnl 1.2.4 does not free a lookup's old set name when it is
 * set again.)
 */
#define RULE_EXPRS_MAX 64

struct borrowed {
	struct nftnl_rule *r;
	struct nftnl_expr *orig[RULE_EXPRS_MAX], *rep[RULE_EXPRS_MAX];
	size_t n;
	bool swapped;
};

/* Takes every expression out of the rule and puts back the originals, or
 * the replacements where there are some. */
static void relist(struct borrowed *b, bool to_rep)
{
	size_t i;

	for (i = 0; i < b->n; ++i)
		nftnl_rule_del_expr(!to_rep && b->rep[i] ? b->rep[i] : b->orig[i]);
	for (i = 0; i < b->n; ++i)
		nftnl_rule_add_expr(b->r, to_rep && b->rep[i] ? b->rep[i] : b->orig[i]);
}

static void anon_lend(struct nft_bat *t, const struct nft_state *st, struct borrowed *b)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(b->r);
	struct nftnl_expr *e;
	bool any = false;
	size_t i;

	size_t n = 0;

	b->n = 0;
	b->swapped = false;
	while (it && (e = nftnl_expr_iter_next(it))) {
		if (n < RULE_EXPRS_MAX) {
			b->orig[n] = e;
			b->rep[n] = NULL;
		}
		n++;
	}
	if (it)
		nftnl_expr_iter_destroy(it);
	if (n > RULE_EXPRS_MAX)
		return;		/* not one of ours, nor any rule seen in practice */
	b->n = n;
	for (i = 0; i < b->n && !t->err; ++i) {
		const struct nft_set *s;
		const char *name;
		struct nftnl_expr *w;

		e = b->orig[i];
		if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "lookup"))
			continue;
		name = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
		s = name ? nft_state_set(st, name) : NULL;
		if (!s || !(s->flags & NFT_SET_ANONYMOUS))
			continue;
		w = nftnl_expr_alloc("lookup");
		if (!w) {
			t->err = -ENOMEM;
			break;
		}
		nftnl_expr_set_u32(w, NFTNL_EXPR_LOOKUP_SREG, nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG));
		if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG))
			nftnl_expr_set_u32(w, NFTNL_EXPR_LOOKUP_DREG,
					   nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG));
		if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS))
			nftnl_expr_set_u32(w, NFTNL_EXPR_LOOKUP_FLAGS,
					   nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS));
		nftnl_expr_set_str(w, NFTNL_EXPR_LOOKUP_SET, "__set%d");
		nftnl_expr_set_u32(w, NFTNL_EXPR_LOOKUP_SET_ID, bat_set_add(t, s));
		b->rep[i] = w;
		any = true;
	}
	if (any) {
		relist(b, true);
		b->swapped = true;
	}
}

static void anon_return(struct borrowed *b)
{
	size_t i;

	if (!b->swapped)
		goto out;
	relist(b, false);
out:
	for (i = 0; i < b->n; ++i)
		if (b->rep[i])
			nftnl_expr_free(b->rep[i]);
	b->n = 0;
}

void bat_chain_fill(struct nft_bat *t, const struct nft_state *st, const struct nft_chain *c)
{
	struct borrowed b;
	struct nlmsghdr *nlh;
	size_t i;

	for (i = 0; i < c->n_rules && !t->err; ++i) {
		/* libnftnl only reads the rule, whatever its prototype says;
		 * anon_lend() puts back all it changes */
		b.r = (struct nftnl_rule *)c->rules[i].r;
		anon_lend(t, st, &b);
		nlh = bat_msg_start(t, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
				"adding rule %zu of chain %s", i + 1, c->name);
		if (nlh) {
			nftnl_rule_nlmsg_build_payload(nlh, b.r);
			bat_msg_end(t);
		}
		anon_return(&b);
	}
}
