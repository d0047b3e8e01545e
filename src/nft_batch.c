// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sync: one atomic batch that takes the kernel from one table to another.
 *
 * The batch-begin carries the generation the 'from' state was read at
 * (NFNL_BATCH_GENID, as nftables' src/mnl.c does): if anyone changed the
 * ruleset since, the kernel refuses the whole batch with ERESTART, and we
 * read again, diff again and retry, so a concurrent change is never
 * overwritten. Every message asks for an ack and every ack is read; the
 * first failure is reported with the kernel's extended-ack text.
 *
 * Order inside the batch (what refers to something goes before it when
 * deleting, after it when creating):
 *   flush changed chains, delete elements, sets, chains, counters;
 *   create counters, chains, sets (with their elements), elements, rules.
 */
#include <netinet/in.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

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
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "exec.h"
#include "nft.h"

#define BATCH_PAGE	(256 * 1024)
#define BATCH_OVERRUN	(64 * 1024)
/* element messages stop growing here, well inside the overrun */
#define ELEM_MSG_MAX	(32 * 1024)
#define SYNC_TRIES	5
/* a rule message is far smaller; well inside the overrun */
#define RULE_MSG_MAX	(8 * 1024)
#define ACK_BUF		(64 * 1024)

struct nft_sync_stats nft_last_sync;

struct msg_note {
	uint32_t seq;
	char what[112];
};

struct bat {
	struct nftnl_batch *b;
	const char *table;
	uint32_t seq, first;	/* next sequence number, first message's */
	uint32_t set_id;
	struct msg_note *notes;
	size_t n, cap;
	int err;
};

static uint32_t seq_base(void)
{
	static uint32_t s;

	if (!s)
		s = (uint32_t)time(NULL) * 1024u;
	s += 1u << 20;
	return s;
}

static struct nlmsghdr *msg_start(struct bat *t, uint16_t type, uint16_t flags,
				  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A message header in the batch, its description kept for error reports. */
static struct nlmsghdr *msg_start(struct bat *t, uint16_t type, uint16_t flags,
				  const char *fmt, ...)
{
	struct msg_note *v;
	va_list ap;

	if (t->err)
		return NULL;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;

		v = realloc(t->notes, cap * sizeof(*v));
		if (!v) {
			t->err = -ENOMEM;
			return NULL;
		}
		t->notes = v;
		t->cap = cap;
	}
	t->notes[t->n].seq = t->seq;
	/* libmnl 1.0.4 leaves attribute padding as it finds it, and
	 * libnftnl 1.2.4 writes objref names without their NUL: on zeroed
	 * memory the batch is the same bytes on every run (valgrind-clean),
	 * and a parser reading such a name up to a NUL stops at the padding.
	 * A page always has BATCH_OVERRUN bytes free past its current end. */
	memset(nftnl_batch_buffer(t->b), 0,
	       type == NFT_MSG_NEWSETELEM || type == NFT_MSG_DELSETELEM ? ELEM_MSG_MAX + 4096 :
	       type == NFT_MSG_NEWRULE ? RULE_MSG_MAX : 4096);
	va_start(ap, fmt);
	vsnprintf(t->notes[t->n].what, sizeof(t->notes[t->n].what), fmt, ap);
	va_end(ap);
	t->n++;
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(t->b), type, NFPROTO_INET,
				     flags | NLM_F_ACK, t->seq++);
}

static void msg_end(struct bat *t)
{
	if (!t->err && nftnl_batch_update(t->b) < 0)
		t->err = -ENOMEM;
}

/* ---- table ---- */

static void table_add(struct bat *t, const struct nft_state *st)
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
	nlh = msg_start(t, NFT_MSG_NEWTABLE, NLM_F_CREATE, "creating table inet %s", st->table);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, tb);
		msg_end(t);
	}
	nftnl_table_free(tb);
}

static void table_del(struct bat *t)
{
	struct nftnl_table *tb = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!tb) {
		t->err = -ENOMEM;
		return;
	}
	nftnl_table_set_str(tb, NFTNL_TABLE_NAME, t->table);
	nlh = msg_start(t, NFT_MSG_DELTABLE, 0, "deleting table inet %s", t->table);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, tb);
		msg_end(t);
	}
	nftnl_table_free(tb);
}

/* ---- objects ---- */

static void obj_add(struct bat *t, const struct nft_obj *o, const struct nft_state *keep)
{
	const struct nft_obj *old = keep ? nft_state_obj(keep, o->name) : NULL;
	struct nftnl_obj *no;
	struct nlmsghdr *nlh;

	if (o->raw) {
		nlh = msg_start(t, NFT_MSG_NEWOBJ, NLM_F_CREATE, "creating object %s", o->name);
		if (nlh) {
			nftnl_obj_nlmsg_build_payload(nlh, o->raw);
			msg_end(t);
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
	nlh = msg_start(t, NFT_MSG_NEWOBJ, NLM_F_CREATE, "creating counter %s", o->name);
	if (nlh) {
		nftnl_obj_nlmsg_build_payload(nlh, no);
		msg_end(t);
	}
	nftnl_obj_free(no);
}

static void obj_del(struct bat *t, const struct nft_obj *o)
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
	nlh = msg_start(t, NFT_MSG_DELOBJ, 0, "deleting object %s", o->name);
	if (nlh) {
		nftnl_obj_nlmsg_build_payload(nlh, no);
		msg_end(t);
	}
	nftnl_obj_free(no);
}

/* ---- sets and elements ---- */

static void set_del(struct bat *t, const struct nft_set *s)
{
	struct nftnl_set *ns = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!ns) {
		t->err = -ENOMEM;
		return;
	}
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, t->table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	nlh = msg_start(t, NFT_MSG_DELSET, 0, "deleting set %s", s->name);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, ns);
		msg_end(t);
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
static void elems_send_to(struct bat *t, const struct nft_set *s, const struct nft_idx *idx,
			  bool add, uint32_t anon_id)
{
	size_t n = idx ? idx->n : s->n_elems, i = 0;

	while (i < n && !t->err) {
		struct nlmsghdr *nlh;
		struct nlattr *list;

		nlh = msg_start(t, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
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
		msg_end(t);
	}
}

static void elems_send(struct bat *t, const struct nft_set *s, const struct nft_idx *idx,
		       bool add)
{
	elems_send_to(t, s, idx, add, 0);
}

/* Creates s (with its elements); an anonymous set gets a name from the
 * kernel ("__set%d") and is known in the batch by the id returned. */
static uint32_t set_add(struct bat *t, const struct nft_set *s)
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
	if (s->field_count)
		nftnl_set_set_data(ns, NFTNL_SET_DESC_CONCAT, s->field_len, s->field_count);
	if (s->udata_len)
		nftnl_set_set_data(ns, NFTNL_SET_USERDATA, s->udata, s->udata_len);
	nlh = msg_start(t, NFT_MSG_NEWSET, NLM_F_CREATE, "creating set %s", s->name);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, ns);
		msg_end(t);
	}
	nftnl_set_free(ns);
	elems_send_to(t, s, NULL, true, anon ? id : 0);
	return id;
}

/* ---- chains and rules ---- */

static void chain_msg(struct bat *t, uint16_t type, const struct nft_chain *c)
{
	struct nftnl_chain *nc;
	struct nlmsghdr *nlh;

	if (type == NFT_MSG_NEWCHAIN) {
		nlh = msg_start(t, type, NLM_F_CREATE, "creating chain %s", c->name);
		if (nlh) {
			nftnl_chain_nlmsg_build_payload(nlh, c->raw);
			msg_end(t);
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
	nlh = msg_start(t, type, 0, "deleting chain %s", c->name);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, nc);
		msg_end(t);
	}
	nftnl_chain_free(nc);
}

static void chain_flush(struct bat *t, const struct nft_chain *c)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!r) {
		t->err = -ENOMEM;
		return;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, t->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name);
	nlh = msg_start(t, NFT_MSG_DELRULE, 0, "flushing chain %s", c->name);
	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		msg_end(t);
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

static void anon_lend(struct bat *t, const struct nft_state *st, struct borrowed *b)
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
		nftnl_expr_set_u32(w, NFTNL_EXPR_LOOKUP_SET_ID, set_add(t, s));
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

static void chain_fill(struct bat *t, const struct nft_state *st, const struct nft_chain *c)
{
	struct borrowed b;
	struct nlmsghdr *nlh;
	size_t i;

	for (i = 0; i < c->n_rules && !t->err; ++i) {
		/* libnftnl only reads the rule, whatever its prototype says;
		 * anon_lend() puts back all it changes */
		b.r = (struct nftnl_rule *)c->rules[i].r;
		anon_lend(t, st, &b);
		nlh = msg_start(t, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
				"adding rule %zu of chain %s", i + 1, c->name);
		if (nlh) {
			nftnl_rule_nlmsg_build_payload(nlh, b.r);
			msg_end(t);
		}
		anon_return(&b);
	}
}

/* ---- the batch ---- */

/*
 * Objects and sets are sorted by name in a state, but the kernel lists
 * them in the order they were made: what is made again (rollback, a table
 * rebuilt) is made in the order it was read, so that `nft list` shows it
 * as before.
 */
static const struct nft_state *seq_st;

static int obj_seq_cmp(const void *a, const void *b)
{
	uint32_t x = seq_st->objs[*(const size_t *)a].seq, y = seq_st->objs[*(const size_t *)b].seq;

	return x < y ? -1 : x > y;
}

static int set_seq_cmp(const void *a, const void *b)
{
	uint32_t x = seq_st->sets[*(const size_t *)a].seq, y = seq_st->sets[*(const size_t *)b].seq;

	return x < y ? -1 : x > y;
}

/* idx (or all of them when NULL): indexes into st's objects or sets, in
 * the order they were read; free() the result. */
static size_t *in_seq(const struct nft_state *st, const struct nft_idx *idx, bool sets,
		      size_t *n)
{
	size_t i, *v;

	*n = idx ? idx->n : sets ? st->n_sets : st->n_objs;
	v = malloc((*n ? *n : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < *n; ++i)
		v[i] = idx ? idx->v[i] : i;
	seq_st = st;
	nft_qsort(v, *n, sizeof(*v), sets ? set_seq_cmp : obj_seq_cmp);
	seq_st = NULL;
	return v;
}

static void create_all(struct bat *t, const struct nft_state *to, const struct nft_state *keep)
{
	size_t i;

	size_t *v, n;

	table_add(t, to);
	v = in_seq(to, NULL, false, &n);
	for (i = 0; v && i < n; ++i)
		obj_add(t, &to->objs[v[i]], keep);
	free(v);
	for (i = 0; i < to->n_chains; ++i)
		chain_msg(t, NFT_MSG_NEWCHAIN, &to->chains[i]);
	v = in_seq(to, NULL, true, &n);
	for (i = 0; v && i < n; ++i)
		if (!(to->sets[v[i]].flags & NFT_SET_ANONYMOUS))
			set_add(t, &to->sets[v[i]]);
	if (!v)
		t->err = -ENOMEM;
	free(v);
	for (i = 0; i < to->n_chains; ++i)
		chain_fill(t, to, &to->chains[i]);
}

static void batch_fill(struct bat *t, const struct nft_state *from, const struct nft_state *to,
		       const struct nft_delta *d)
{
	size_t i, *v, n;

	if (d->destroy || d->rebuild)
		table_del(t);
	if (d->create || d->rebuild) {
		create_all(t, to, d->rebuild ? from : NULL);
		return;
	}
	if (d->destroy)
		return;
	for (i = 0; i < d->chain_fill_from.n; ++i)
		chain_flush(t, &from->chains[d->chain_fill_from.v[i]]);
	for (i = 0; i < d->chain_del.n; ++i)
		chain_flush(t, &from->chains[d->chain_del.v[i]]);
	for (i = 0; i < d->n_sets; ++i)
		if (d->sets[i].del.n)
			elems_send(t, &from->sets[d->sets[i].from], &d->sets[i].del, false);
	/* sets before chains: a verdict map's jumps hold their chains */
	for (i = 0; i < d->set_del.n; ++i)
		set_del(t, &from->sets[d->set_del.v[i]]);
	for (i = 0; i < d->chain_del.n; ++i)
		chain_msg(t, NFT_MSG_DELCHAIN, &from->chains[d->chain_del.v[i]]);
	for (i = 0; i < d->obj_del.n; ++i)
		obj_del(t, &from->objs[d->obj_del.v[i]]);
	v = in_seq(to, &d->obj_add, false, &n);
	for (i = 0; v && i < n; ++i)
		obj_add(t, &to->objs[v[i]], NULL);
	free(v);
	/* chains before sets: a verdict map's jumps need their chains */
	for (i = 0; i < d->chain_add.n; ++i)
		chain_msg(t, NFT_MSG_NEWCHAIN, &to->chains[d->chain_add.v[i]]);
	v = v ? in_seq(to, &d->set_add, true, &n) : NULL;
	for (i = 0; v && i < n; ++i)
		set_add(t, &to->sets[v[i]]);
	if (!v)
		t->err = -ENOMEM;
	free(v);
	for (i = 0; i < d->n_sets; ++i)
		if (d->sets[i].add.n)
			elems_send(t, &to->sets[d->sets[i].to], &d->sets[i].add, true);
	for (i = 0; i < d->chain_add.n; ++i)
		chain_fill(t, to, &to->chains[d->chain_add.v[i]]);
	for (i = 0; i < d->chain_fill.n; ++i)
		chain_fill(t, to, &to->chains[d->chain_fill.v[i]]);
}

static int batch_build(struct bat *t, const struct nft_state *from, const struct nft_state *to,
		       const struct nft_delta *d, uint32_t genid)
{
	struct nlmsghdr *nlh;

	t->b = nftnl_batch_alloc(BATCH_PAGE, BATCH_OVERRUN);
	if (!t->b)
		return -ENOMEM;
	t->seq = seq_base();
	memset(nftnl_batch_buffer(t->b), 0, 4096);
	nlh = nftnl_batch_begin(nftnl_batch_buffer(t->b), t->seq++);
	/* the generation our 'from' was read at: stale -> ERESTART */
	mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
	msg_end(t);
	t->first = t->seq;
	batch_fill(t, from, to, d);
	if (!t->err) {
		memset(nftnl_batch_buffer(t->b), 0, 4096);
		nftnl_batch_end(nftnl_batch_buffer(t->b), t->seq++);
		msg_end(t);
	}
	return t->err;
}

static const char *note_of(const struct bat *t, uint32_t seq)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {	/* notes are in sequence order */
		size_t mid = lo + (hi - lo) / 2;

		if (t->notes[mid].seq == seq)
			return t->notes[mid].what;
		if (t->notes[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return "starting the batch";
}

static void sock_bufs(struct mnl_socket *nl, size_t snd, size_t rcv)
{
	int fd = mnl_socket_get_fd(nl);
	int s = snd > INT32_MAX ? INT32_MAX : (int)snd;
	int r = rcv > INT32_MAX ? INT32_MAX : (int)rcv;

	/* FORCE needs CAP_NET_ADMIN, which we have if we can change nft */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &s, sizeof(s)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &s, sizeof(s));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &r, sizeof(r)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &r, sizeof(r));
}

/*
 * Sends the batch and reads every ack. The kernel handles a batch inside
 * our sendmsg(), so all answers are queued when it returns. Returns 0 or
 * the first failure (-errno, e set).
 */
static int batch_send(struct mnl_socket *nl, struct bat *t, struct wgb_err *e)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int n_iov = nftnl_batch_iovec_len(t->b);
	struct iovec *iov = calloc((size_t)n_iov, sizeof(*iov));
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa) };
	uint32_t last = t->seq - 1, portid = mnl_socket_get_portid(nl);
	size_t total = 0, acked = 0;
	char *buf = NULL;
	int i, ret = 0;

	if (!iov)
		return err_set(e, -ENOMEM, "nft: out of memory");
	nftnl_batch_iovec(t->b, iov, (uint32_t)n_iov);
	for (i = 0; i < n_iov; ++i)
		total += iov[i].iov_len;
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)n_iov;
	sock_bufs(nl, total + 4096, t->n * 1024 + 65536);
	nft_last_sync.batches++;
	nft_last_sync.messages = (unsigned)t->n;
	nft_last_sync.bytes = total;

	if (sendmsg(mnl_socket_get_fd(nl), &mh, 0) < 0) {
		ret = err_kernel(e, -errno, NULL, "nft: cannot send the batch");
		goto out;
	}
	buf = malloc(ACK_BUF);
	if (!buf) {
		ret = err_set(e, -ENOMEM, "nft: out of memory");
		goto out;
	}
	while (acked < t->n) {
		const struct nlmsghdr *nlh;
		ssize_t len = recv(mnl_socket_get_fd(nl), buf, ACK_BUF, MSG_DONTWAIT);
		int left;

		if (len < 0) {
			if (ret && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;	/* failed batch: fewer acks, all read */
			if (!ret && (errno == EAGAIN || errno == EWOULDBLOCK))
				ret = err_set(e, -EPROTO, "nft: the kernel acknowledged %zu of %zu messages",
					      acked, t->n);
			else if (!ret)
				ret = err_kernel(e, -errno, NULL, "nft: lost the batch's acks");
			break;
		}
		left = (int)len;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_pid != portid || nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_seq < t->first - 1 || nlh->nlmsg_seq > last)
				continue;
			acked++;
			if (err->error && !ret)
				ret = err_kernel(e, err->error, nft_extack(nlh), "nft: %s",
						 note_of(t, nlh->nlmsg_seq));
		}
	}
out:
	free(buf);
	free(iov);
	return ret;
}

static void bat_free(struct bat *t)
{
	if (t->b)
		nftnl_batch_free(t->b);
	free(t->notes);
	memset(t, 0, sizeof(*t));
}

int nft_batch_for_each(const struct nft_state *from, const struct nft_state *to,
		       int (*cb)(const struct nlmsghdr *nlh, void *data), void *data)
{
	struct bat t = { .table = to->table };
	struct nft_delta d;
	struct iovec *iov = NULL;
	int ret, n_iov, i;

	ret = nft_delta_compute(from, to, &d);
	if (ret < 0)
		return ret;
	if (nft_delta_empty(&d))
		goto out;
	ret = batch_build(&t, from, to, &d, from->genid);
	if (ret < 0)
		goto out;
	n_iov = nftnl_batch_iovec_len(t.b);
	iov = calloc((size_t)n_iov, sizeof(*iov));
	if (!iov) {
		ret = -ENOMEM;
		goto out;
	}
	nftnl_batch_iovec(t.b, iov, (uint32_t)n_iov);
	for (i = 0; i < n_iov && !ret; ++i) {
		const struct nlmsghdr *nlh = iov[i].iov_base;
		int left = (int)iov[i].iov_len;

		for (; !ret && mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
			ret = cb(nlh, data);
	}
out:
	free(iov);
	bat_free(&t);
	nft_delta_free(&d);
	return ret;
}

int nft_sync(const struct instance *in, const void *from_, const void *to_,
	     struct wgb_err *e)
{
	const struct nft_state *from = from_, *to = to_;
	struct nft_state *live = NULL;
	struct mnl_socket *nl = NULL;
	struct nft_delta d;
	int ret, tries;

	(void)in;
	memset(&nft_last_sync, 0, sizeof(nft_last_sync));
	ret = nft_delta_compute(from, to, &d);
	if (ret < 0)
		return err_set(e, ret, "nft: cannot compare tables");
	if (nft_delta_empty(&d))
		goto out;	/* nothing to write, and nothing written */
	nl = nft_socket_open(e);
	if (!nl) {
		ret = e && e->code ? e->code : -EIO;
		goto out;
	}
	for (tries = 0;; ++tries) {
		struct wgb_err be = { 0 };
		struct bat t = { .table = to->table };
		uint32_t genid = from->genid;

		/* test builds: pretend the ruleset changed since we read it,
		 * so that the kernel's ERESTART and our retry are exercised */
		if (!tries && fault_inject("nft:stale") < 0)
			genid--;
		ret = batch_build(&t, from, to, &d, genid);
		if (ret < 0) {
			err_set(e, ret, "nft: cannot build the batch: %s", strerror(-ret));
			bat_free(&t);
			break;
		}
		ret = fault_inject("nft:batch");
		if (ret < 0) {
			err_set(e, ret, "nft: injected failure before sending the batch (WGBASTION_FAIL_AT)");
			bat_free(&t);
			break;
		}
		ret = batch_send(nl, &t, &be);
		bat_free(&t);
		if (ret != -ERESTART || tries + 1 >= SYNC_TRIES) {
			if (ret < 0)
				err_set(e, ret, "%s", be.msg);
			break;
		}
		/* someone changed the ruleset since we read it: read again,
		 * and make exactly what is needed from what is there now */
		debugx("nft: the ruleset changed since it was read (ERESTART): reading it again");
		nft_delta_free(&d);
		nft_state_free(live);
		live = NULL;
		ret = nft_read_state(nl, to->table, &live, e);
		if (ret < 0)
			break;
		from = live;
		ret = nft_delta_compute(from, to, &d);
		if (ret < 0) {
			err_set(e, ret, "nft: cannot compare tables");
			break;
		}
		if (nft_delta_empty(&d))
			break;
	}
out:
	nft_delta_free(&d);
	nft_state_free(live);
	if (nl)
		mnl_socket_close(nl);
	return ret;
}
