// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading our table back: NFT_MSG_GETGEN, then dumps of the table, its
 * objects, sets, set elements, chains and rules (each request filtered to
 * our table, and checked again here), then GETGEN again; when the
 * generation moved, someone changed the ruleset while we read: read again.
 * The receive loop itself is lib/nl.c's, shared with the other netlink
 * readers; the socket and the generation are here, for sync too.
 */
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "lib/nl.h"
#include "nft_int.h"

/* ---- the socket, sequence numbers ---- */

struct mnl_socket *nft_socket_open(struct wgb_err *e)
{
	struct mnl_socket *nl = nl_open(NETLINK_NETFILTER);

	if (!nl)
		err_kernel(e, -errno, NULL, "nft: cannot open a netfilter netlink socket");
	return nl;
}

uint32_t nft_next_seq(void)
{
	static uint32_t seq;

	if (!seq)
		seq = (uint32_t)time(NULL);
	return ++seq;
}

/* ---- generation ---- */

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();
	uint32_t *genid = data;

	if (!g)
		return -ENOMEM;
	if (nftnl_gen_nlmsg_parse(nlh, g) == 0)
		*genid = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

int nft_getgen(struct mnl_socket *nl, uint32_t *genid, struct wgb_err *e)
{
	char buf[256] = { 0 };
	char extack[256];
	struct nlmsghdr *nlh;
	int ret;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, nft_next_seq());
	ret = nl_request(nl, nlh, gen_cb, genid, extack, sizeof(extack));
	if (ret < 0)
		return err_kernel(e, ret, extack, "nft: cannot read the ruleset generation");
	return 0;
}

#define READ_TRIES	8

/* ---- dumps ---- */

struct rd {
	struct nft_state *st;
	const char *table;
	struct nft_set *set;	/* elements being read */
	int err;
};

static bool ours(const char *table, uint32_t family, const struct rd *r)
{
	return family == NFPROTO_INET && table && !strcmp(table, r->table);
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct rd *r = data;
	const void *ud;
	uint32_t len;

	if (!t)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, t) == 0 &&
	    ours(nftnl_table_get_str(t, NFTNL_TABLE_NAME),
		 nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY), r)) {
		r->st->table_exists = true;
		r->st->table_flags = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
		if (nftnl_table_is_set(t, NFTNL_TABLE_USERDATA)) {
			ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);
			if (nft_state_set_udata(&r->st->table_udata, &r->st->table_udata_len, ud, len) < 0)
				r->err = -ENOMEM;
		}
	}
	nftnl_table_free(t);
	return r->err ? MNL_CB_ERROR : MNL_CB_OK;
}

static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nft_obj *so;
	struct rd *r = data;

	if (!o)
		return MNL_CB_ERROR;
	if (nftnl_obj_nlmsg_parse(nlh, o) < 0 ||
	    !ours(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), nftnl_obj_get_u32(o, NFTNL_OBJ_FAMILY), r))
		goto out;
	if (!nftnl_obj_get_str(o, NFTNL_OBJ_NAME)) {
		r->err = -EBADMSG;	/* not the kernel's: a kept table gone bad */
		goto out;
	}
	so = nft_state_add_obj(r->st, nftnl_obj_get_str(o, NFTNL_OBJ_NAME),
			       nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE));
	if (!so) {
		r->err = -ENOMEM;
		goto out;
	}
	if (so->type == NFT_OBJECT_COUNTER) {
		so->packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
		so->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
	} else {
		/* someone else's object: kept whole, for a rollback */
		so->raw = o;
		o = NULL;
	}
out:
	if (o)
		nftnl_obj_free(o);
	return r->err ? MNL_CB_ERROR : MNL_CB_OK;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nft_set *ss;
	struct rd *r = data;
	const void *p;
	uint32_t len;

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_nlmsg_parse(nlh, s) < 0 ||
	    !ours(nftnl_set_get_str(s, NFTNL_SET_TABLE), nftnl_set_get_u32(s, NFTNL_SET_FAMILY), r))
		goto out;
	if (!nftnl_set_get_str(s, NFTNL_SET_NAME)) {
		r->err = -EBADMSG;
		goto out;
	}
	ss = nft_state_add_set(r->st, nftnl_set_get_str(s, NFTNL_SET_NAME));
	if (!ss) {
		r->err = -ENOMEM;
		goto out;
	}
	ss->flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
	ss->key_type = nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE);
	ss->key_len = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
	if (nftnl_set_is_set(s, NFTNL_SET_DATA_TYPE))
		ss->data_type = nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE);
	if (nftnl_set_is_set(s, NFTNL_SET_DATA_LEN))
		ss->data_len = nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN);
	if (nftnl_set_is_set(s, NFTNL_SET_OBJ_TYPE))
		ss->obj_type = nftnl_set_get_u32(s, NFTNL_SET_OBJ_TYPE);
	if (nftnl_set_is_set(s, NFTNL_SET_POLICY))
		ss->policy = nftnl_set_get_u32(s, NFTNL_SET_POLICY);
	if (nftnl_set_is_set(s, NFTNL_SET_DESC_SIZE))
		ss->desc_size = nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE);
	if (nftnl_set_is_set(s, NFTNL_SET_TIMEOUT))
		ss->timeout = nftnl_set_get_u64(s, NFTNL_SET_TIMEOUT);
	if (nftnl_set_is_set(s, NFTNL_SET_DESC_CONCAT)) {
		p = nftnl_set_get_data(s, NFTNL_SET_DESC_CONCAT, &len);
		if (p && len <= sizeof(ss->field_len)) {
			memcpy(ss->field_len, p, len);
			ss->field_count = len;
		}
	}
	if (nftnl_set_is_set(s, NFTNL_SET_USERDATA)) {
		p = nftnl_set_get_data(s, NFTNL_SET_USERDATA, &len);
		if (nft_state_set_udata(&ss->udata, &ss->udata_len, p, len) < 0)
			r->err = -ENOMEM;
	}
	/* a verdict's size is the kernel's own (a pointer inside); nft
	 * and we send none */
	if (ss->data_type == NFT_DATA_VERDICT)
		ss->data_len = 0;
	if (ss->key_len > 64 || ss->data_len > 64)
		r->err = -EOVERFLOW;	/* larger than any register file */
	nft_set_layout(ss);
out:
	nftnl_set_free(s);
	return r->err ? MNL_CB_ERROR : MNL_CB_OK;
}

static void copy_reg(uint8_t *dst, uint32_t cap, const void *src, uint32_t len)
{
	memcpy(dst, src, len < cap ? len : cap);
}

static int elem_copy(struct nft_set *s, struct nftnl_set_elem *ne)
{
	struct nft_elem *el = nft_set_push(s);
	const void *p;
	uint32_t len;
	int64_t off;

	if (!el)
		return -ENOMEM;
	if (nftnl_set_elem_is_set(ne, NFTNL_SET_ELEM_FLAGS))
		el->flags = (uint8_t)nftnl_set_elem_get_u32(ne, NFTNL_SET_ELEM_FLAGS);
	p = nftnl_set_elem_get(ne, NFTNL_SET_ELEM_KEY, &len);
	if (p)
		copy_reg(nft_elem_key(s, el), s->key_len, p, len);
	if (nftnl_set_elem_is_set(ne, NFTNL_SET_ELEM_KEY_END)) {
		p = nftnl_set_elem_get(ne, NFTNL_SET_ELEM_KEY_END, &len);
		copy_reg(nft_elem_key_end(s, el), s->key_len, p, len);
		el->has |= NFT_ELEM_KEY_END;
	}
	if ((s->flags & NFT_SET_MAP) && nftnl_set_elem_is_set(ne, NFTNL_SET_ELEM_DATA)) {
		p = nftnl_set_elem_get(ne, NFTNL_SET_ELEM_DATA, &len);
		copy_reg(nft_elem_data(s, el), s->data_len, p, len);
		el->has |= NFT_ELEM_DATA;
	}
	if (nftnl_set_elem_is_set(ne, NFTNL_SET_ELEM_VERDICT)) {
		/* int32 verdict, then the chain of a jump or goto */
		int32_t v = (int32_t)nftnl_set_elem_get_u32(ne, NFTNL_SET_ELEM_VERDICT);
		const char *chain = nftnl_set_elem_is_set(ne, NFTNL_SET_ELEM_CHAIN) ?
				    nftnl_set_elem_get_str(ne, NFTNL_SET_ELEM_CHAIN) : "";
		char buf[4 + 256];
		size_t n = strnlen(chain, 255);

		memcpy(buf, &v, 4);
		memcpy(buf + 4, chain, n);
		off = nft_set_pool_put(s, buf, 4 + n);
		if (off < 0)
			return (int)off;
		el = nft_set_elem(s, s->n_elems - 1);
		el->str = (uint32_t)off;
		el->has |= NFT_ELEM_VERDICT | (n ? NFT_ELEM_CHAIN : 0);
	} else if (nftnl_set_elem_is_set(ne, NFTNL_SET_ELEM_OBJREF)) {
		const char *str = nftnl_set_elem_get_str(ne, NFTNL_SET_ELEM_OBJREF);

		off = nft_set_pool_put(s, str, strlen(str));
		if (off < 0)
			return (int)off;
		el = nft_set_elem(s, s->n_elems - 1);
		el->str = (uint32_t)off;
		el->has |= NFT_ELEM_OBJREF;
	}
	if (nftnl_set_elem_is_set(ne, NFTNL_SET_ELEM_USERDATA)) {
		p = nftnl_set_elem_get(ne, NFTNL_SET_ELEM_USERDATA, &len);
		if (len > UINT16_MAX)
			return -EOVERFLOW;
		off = nft_set_pool_put(s, p, len);
		if (off < 0)
			return (int)off;
		el = nft_set_elem(s, s->n_elems - 1);
		el->udata = (uint32_t)off;
		el->udata_len = (uint16_t)len;
		el->has |= NFT_ELEM_UDATA;
	}
	return 0;
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it = NULL;
	struct nftnl_set_elem *ne;
	struct rd *r = data;

	if (!s)
		return MNL_CB_ERROR;
	/* one message's worth at a time: 10,000 forwards never sit in
	 * libnftnl objects all at once */
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0)
		goto out;
	it = nftnl_set_elems_iter_create(s);
	if (!it) {
		r->err = -ENOMEM;
		goto out;
	}
	if (!r->set) {
		/* a message on its own (tests): find the set it names */
		const char *name = nftnl_set_get_str(s, NFTNL_SET_NAME);
		size_t i;

		for (i = 0; name && i < r->st->n_sets; ++i)
			if (!strcmp(r->st->sets[i].name, name))
				r->set = &r->st->sets[i];
		if (!r->set)
			goto out;
	}
	while ((ne = nftnl_set_elems_iter_next(it))) {
		r->err = elem_copy(r->set, ne);
		if (r->err)
			break;
	}
out:
	if (it)
		nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return r->err ? MNL_CB_ERROR : MNL_CB_OK;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nft_chain *sc;
	struct rd *r = data;

	if (!c)
		return MNL_CB_ERROR;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0 ||
	    !ours(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY), r))
		goto out;
	if (!nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)) {
		r->err = -EBADMSG;
		goto out;
	}
	sc = nft_state_add_chain(r->st, nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	if (!sc)
		r->err = -ENOMEM;
	else if (nft_chain_adopt(r->st, sc, c) < 0)
		r->err = -ENOMEM;
	if (sc)
		c = NULL;
out:
	if (c)
		nftnl_chain_free(c);
	return r->err ? MNL_CB_ERROR : MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_rule *ru = nftnl_rule_alloc();
	struct nft_chain *c = NULL;
	struct rd *r = data;
	const char *chain;
	size_t i;

	if (!ru)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, ru) < 0 ||
	    !ours(nftnl_rule_get_str(ru, NFTNL_RULE_TABLE), nftnl_rule_get_u32(ru, NFTNL_RULE_FAMILY), r)) {
		nftnl_rule_free(ru);
		return MNL_CB_OK;
	}
	chain = nftnl_rule_get_str(ru, NFTNL_RULE_CHAIN);
	for (i = 0; chain && i < r->st->n_chains; ++i)
		if (!strcmp(r->st->chains[i].name, chain))
			c = &r->st->chains[i];
	if (!c) {
		/* a chain created after our chain dump: the generation
		 * check will make us read again */
		nftnl_rule_free(ru);
		return MNL_CB_OK;
	}
	r->err = nft_chain_add_rule(r->st, c, ru, nftnl_rule_get_u64(ru, NFTNL_RULE_HANDLE));
	return r->err ? MNL_CB_ERROR : MNL_CB_OK;
}

static int dump(struct mnl_socket *nl, struct rd *r, uint16_t type, bool is_dump,
		void (*payload)(struct nlmsghdr *, struct rd *), mnl_cb_t cb,
		const char *what, struct wgb_err *e)
{
	char buf[512] = { 0 };	/* attribute padding included */
	char extack[256];
	struct nlmsghdr *nlh;
	int ret;

	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET,
				    is_dump ? NLM_F_DUMP : NLM_F_ACK, nft_next_seq());
	payload(nlh, r);
	r->err = 0;
	ret = nl_request(nl, nlh, cb, r, extack, sizeof(extack));
	if (r->err)
		ret = r->err;
	if (ret == -ENOENT && type == NFT_MSG_GETTABLE)
		return 0;	/* no table: the empty state */
	if (ret < 0)
		return err_kernel(e, ret, extack, "nft: cannot read %s of table inet %s",
				  what, r->table);
	return 0;
}

static void p_table(struct nlmsghdr *nlh, struct rd *r)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		return;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, r->table);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
}

static void p_obj(struct nlmsghdr *nlh, struct rd *r)
{
	struct nftnl_obj *o = nftnl_obj_alloc();

	if (!o)
		return;
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, r->table);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
}

static void p_set(struct nlmsghdr *nlh, struct rd *r)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, r->table);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
}

static void p_elems(struct nlmsghdr *nlh, struct rd *r)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, r->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, r->set->name);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
}

static void p_chain(struct nlmsghdr *nlh, struct rd *r)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c)
		return;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, r->table);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
}

static void p_rule(struct nlmsghdr *nlh, struct rd *r)
{
	struct nftnl_rule *ru = nftnl_rule_alloc();

	if (!ru)
		return;
	nftnl_rule_set_str(ru, NFTNL_RULE_TABLE, r->table);
	nftnl_rule_nlmsg_build_payload(nlh, ru);
	nftnl_rule_free(ru);
}

static int read_once(struct mnl_socket *nl, struct rd *r, struct wgb_err *e)
{
	size_t i;
	int ret;

	ret = dump(nl, r, NFT_MSG_GETTABLE, false, p_table, table_cb, "the table", e);
	if (ret < 0 || !r->st->table_exists)
		return ret;
	ret = dump(nl, r, NFT_MSG_GETOBJ, true, p_obj, obj_cb, "the counters", e);
	if (!ret)
		ret = dump(nl, r, NFT_MSG_GETSET, true, p_set, set_cb, "the sets", e);
	for (i = 0; !ret && i < r->st->n_sets; ++i) {
		r->set = &r->st->sets[i];
		/* a dynamic set's elements are what the packets put there
		 * (RateLimit buckets, ConnLimit counts): the kernel's, never
		 * state to compare, copy or restore */
		if (r->set->flags & NFT_SET_EVAL)
			continue;
		ret = dump(nl, r, NFT_MSG_GETSETELEM, true, p_elems, elem_cb,
			   "set elements", e);
	}
	r->set = NULL;
	if (!ret)
		ret = dump(nl, r, NFT_MSG_GETCHAIN, true, p_chain, chain_cb, "the chains", e);
	if (!ret)
		ret = dump(nl, r, NFT_MSG_GETRULE, true, p_rule, rule_cb, "the rules", e);
	return ret;
}

int nft_state_parse_msg(struct nft_state *st, const struct nlmsghdr *nlh)
{
	struct rd r = { .st = st, .table = st->table };
	int ret;

	switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
	case NFT_MSG_NEWTABLE:
		ret = table_cb(nlh, &r);
		break;
	case NFT_MSG_NEWOBJ:
		ret = obj_cb(nlh, &r);
		break;
	case NFT_MSG_NEWSET:
		ret = set_cb(nlh, &r);
		break;
	case NFT_MSG_NEWSETELEM:
		ret = elem_cb(nlh, &r);
		break;
	case NFT_MSG_NEWCHAIN:
		ret = chain_cb(nlh, &r);
		break;
	case NFT_MSG_NEWRULE:
		ret = rule_cb(nlh, &r);
		break;
	default:
		return 0;
	}
	if (r.err)
		return r.err;
	return ret == MNL_CB_ERROR ? -EINVAL : 0;
}

int nft_read_state(struct mnl_socket *nl, const char *table,
		   struct nft_state **out, struct wgb_err *e)
{
	struct nft_state *st = NULL;
	uint32_t g1, g2;
	int ret, tries;

	*out = NULL;
	for (tries = 0; tries < READ_TRIES; ++tries) {
		struct rd r = { .table = table };

		ret = nft_getgen(nl, &g1, e);
		if (ret < 0)
			return ret;
		st = r.st = nft_state_new(table);
		if (!st)
			return err_set(e, -ENOMEM, "nft: out of memory");
		ret = read_once(nl, &r, e);
		if (!ret)
			ret = nft_getgen(nl, &g2, e);
		if (ret < 0) {
			nft_state_free(st);
			return ret;
		}
		if (g1 == g2) {
			st->genid = g1;
			nft_state_finish(st);
			*out = st;
			return 0;
		}
		/* the ruleset changed while we read it */
		nft_state_free(st);
		st = NULL;
	}
	return err_set(e, -EAGAIN, "nft: the ruleset keeps changing; could not read table inet %s",
		       table);
}

int nft_read(const struct instance *in, void **state, struct wgb_err *e)
{
	struct mnl_socket *nl;
	struct nft_state *st;
	char table[64];
	int ret;

	*state = NULL;
	snprintf(table, sizeof(table), NFT_TABLE_PREFIX "%s", in->name);
	nl = nft_socket_open(e);
	if (!nl)
		return e && e->code ? e->code : -EIO;
	ret = nft_read_state(nl, table, &st, e);
	mnl_socket_close(nl);
	if (ret < 0)
		return ret;
	*state = st;
	return 0;
}
