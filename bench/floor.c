// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor of a cold apply: the least a program can do to commit
 * wgbastion's nftables table for bench/gen.py's synthetic instance of N
 * forwards (gen.py config N: forward fI is TCP, public port 10000+I,
 * destination 192.168.(50+I/250%200).(1+I%250):(8000+I%1000), every client
 * allowed, no masquerade; one egress "lan" from 192.168.50.0/24, masquerade
 * on). One batch, built with libnftnl straight from N, sent with one
 * sendmsg(), no config to parse, no reading back, no diff, no notes.
 * With -c named -D -P, `nft list table` of what it commits is exactly
 * wgbastion's own listing for the same config (bench/nftlab.sh, run.sh and
 * tests/integration/bench_tables.test.sh check it).
 *
 *   floor [-c named|elem|none] [-a all|last|none] [-g] [-r] [-e GENID] [-v]
 *         [-G|-P] [-D] [-t] [-i IFNAME] N
 *     -c named  per-forward counters as wgbastion makes them today: a named
 *               counter object per forward and interval maps port : counter
 *               (countF_P), looked up with `counter name ... map`
 *     -c elem   per-element counters instead: countF_P becomes an interval
 *               set declared with a `counter` (NFTA_SET_EXPR), each element
 *               carrying its own (NFTA_SET_ELEM_EXPR) and the forward's
 *               name as nft's element comment (NFTA_SET_ELEM_USERDATA);
 *               the forward chain looks the set up (`ct original
 *               proto-dst @count4_tcp`)
 *     -c none   no per-forward counters at all (what they cost)
 *     -a        which messages ask for an ack (NLM_F_ACK): every one (as
 *               wgbastion does today), the last one only (default), none
 *     -g        NLM_F_ECHO on the batch's first message after BEGIN: the
 *               kernel then unicasts its NFT_MSG_NEWGEN notification of the
 *               commit back to us (nf_tables_gen_notify() looks at the
 *               flags of the first message of the batch skb, from which
 *               nfnetlink_rcv() has already pulled BEGIN); print the
 *               generation id it carries ("genid N")
 *     -r        delete the table first, in the same batch (a re-apply)
 *     -e GENID  NFNL_BATCH_GENID on BEGIN: commit only if the ruleset is still
 *               at generation GENID (else the kernel answers ERESTART)
 *     -v        per-element counters carry explicit values (as a
 *               recreated table would restore them): packets I, bytes 64*I
 *     -G        RateLimit = 10/second on every forward, as bench/nftlab.md
 *               designs it (a chain per distinct limit behind verdict maps,
 *               meters in dynamic sets, drops counted per forward)
 *     -D        the base rules bench/nftlab.md recommends: hairpin (pre_nat,
 *               post_nat) and SYN-ACKs leaving the tunnel clamped to its MTU
 *     -P        wgbastion's protection pieces as a config without RateLimit,
 *               ConnLimit, Log or AllowFile has them: the empty maps
 *               rateF_P, connF_P, logF_P, allowfileF_P (port : verdict) and
 *               limitdropF_P (port : counter), and the 16 rules that look
 *               them up; not with -G, whose rate and limitdrop differ
 *     -t        print the kernel's part: "commit_us WHAT MICROSECONDS", from
 *               sendmsg() to the last answer
 *     -i IFNAME the tunnel's name (wg0)
 *
 *   floor allow [-p] [-x M] [-t] [-T TABLE -S SET] K
 *                             an AllowFile of K prefixes (see allow_main())
 *
 *   floor getgen [REPEAT]     print the ruleset generation id (GETGEN), and
 *                             with REPEAT the mean time of one GETGEN, in ns
 *   floor elems TABLE SET     dump SET's elements (GETSETELEM) with their
 *                             counters, parsed by libnftnl: one line each
 *   floor counters TABLE      dump TABLE's named counters (GETOBJ), parsed
 *                             by libnftnl: one line each
 *
 * Exit: 0 done, 1 the kernel refused (its extended-ack text printed), 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netlink.h>

/* the connection marks as wgbastion sets them: the role's bit and the
 * instance's (MARK), so that two instances never claim each other's */
#define ING	0x18000000u
#define EGR	0x28000000u
#define MARK	0x08000000u
#define MASK	0x08000000u
#define MTU	1420	/* the tunnel's (wgbastion's default) */

/* nft's datatype numbers (its src/datatype.h): what `nft list` names */
#define T_IPADDR	7
#define T_IP6ADDR	8
#define T_SERVICE	13
#define T_BITS		6

enum cmode { C_NAMED, C_ELEM, C_NONE };

static struct {
	enum cmode counters;
	int ack;		/* 0 none, 1 last, 2 all */
	bool echo, replace, values, guard, timing, design, protect;
	const char *ifname;
	uint32_t genid;		/* NFNL_BATCH_GENID, 0: none */
} opt = { C_NAMED, 1, false, false, false, false, false, false, false, "wg0", 0 };

static const char *TABLE = "wgbastion-wg0";
static struct nftnl_batch *batch;
static uint32_t seq = 1, last_seq;
static bool echo_next;	/* NLM_F_ECHO on the next message */

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno ? errno : ENOMEM));
	exit(1);
}

static void *must(void *p)
{
	if (!p)
		die("out of memory");
	return p;
}

/* ---- messages ---- */

static struct nlmsghdr *msg(uint16_t type, uint16_t flags)
{
	last_seq = seq;
	if (echo_next)
		flags |= NLM_F_ECHO;
	echo_next = false;
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(batch), type, NFPROTO_INET,
				     flags | (opt.ack == 2 ? NLM_F_ACK : 0), seq++);
}

static void msg_end(void)
{
	if (nftnl_batch_update(batch) < 0)
		die("batch");
}

/* ---- rules: one expression at a time, the shapes nft emits ---- */

static struct nftnl_rule *rule;

static struct nftnl_expr *ex(const char *name)
{
	struct nftnl_expr *e = must(nftnl_expr_alloc(name));

	nftnl_rule_add_expr(rule, e);
	return e;
}

static void meta(uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = ex("meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
}

static void meta_set(uint32_t key, uint32_t sreg)
{
	struct nftnl_expr *e = ex("meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, sreg);
}

static void cmp(uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = ex("cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void cmp8(uint32_t op, uint8_t v) { cmp(op, &v, 1); }
static void cmp32(uint32_t op, uint32_t v) { cmp(op, &v, 4); }

static void ifname(uint32_t key, uint32_t op, const char *name)
{
	char buf[16] = { 0 };

	meta(key, NFT_REG_1);
	strncpy(buf, name, sizeof(buf) - 1);
	cmp(op, buf, 16);
}

static void meta_is(uint32_t key, uint8_t v)
{
	meta(key, NFT_REG_1);
	cmp8(NFT_CMP_EQ, v);
}

static void payload(uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = ex("payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
}

static void lookup(const char *set, int dreg, bool inv)
{
	struct nftnl_expr *e = ex("lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	if (dreg >= 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, (uint32_t)dreg);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, inv ? NFT_LOOKUP_F_INV : 0);
}

static void ct(uint32_t key, int dir)
{
	struct nftnl_expr *e = ex("ct");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	if (dir >= 0)
		nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, (uint8_t)dir);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
}

static void bitwise(uint32_t mask, uint32_t xor_, uint32_t len)
{
	struct nftnl_expr *e = ex("bitwise");

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_OP, NFT_BITWISE_BOOL);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &xor_, len);
}

static void ct_mark_has(uint32_t bit)
{
	ct(NFT_CT_MARK, -1);
	bitwise(bit, 0, 4);
	cmp32(NFT_CMP_EQ, bit);
}

static void ct_mark_or(uint32_t bit)
{
	struct nftnl_expr *e;

	ct(NFT_CT_MARK, -1);
	bitwise(~bit, bit, 4);
	e = ex("ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, NFT_REG_1);
}

static void verdict(int v)
{
	struct nftnl_expr *e = ex("immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
}

static void objref_name(const char *name)
{
	struct nftnl_expr *e = ex("objref");

	nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
	nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, name);
}

static void rule_begin(void)
{
	rule = must(nftnl_rule_alloc());
}

static void rule_end(const char *chain, const char *comment)
{
	struct nftnl_udata_buf *u = must(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
	struct nlmsghdr *nlh;

	nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, comment);
	nftnl_rule_set_data(rule, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u),
			    nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
	nftnl_rule_set_str(rule, NFTNL_RULE_TABLE, TABLE);
	nftnl_rule_set_str(rule, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(rule, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nlh = msg(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	nftnl_rule_nlmsg_build_payload(nlh, rule);
	msg_end();
	nftnl_rule_free(rule);
}

/* ---- the table's objects ---- */

struct fam {
	const char *sfx;
	uint8_t nfproto;
	uint32_t alen, atype, saddr, daddr, ct_src;
	uint32_t reg2;	/* the register after an address (concatenations) */
};

static const struct fam fams[2] = {
	{ "4", NFPROTO_IPV4, 4, T_IPADDR, 12, 16, NFT_CT_SRC_IP, NFT_REG32_01 },
	{ "6", NFPROTO_IPV6, 16, T_IP6ADDR, 8, 24, NFT_CT_SRC_IP6, NFT_REG_2 },
};
static const char *const protos[2] = { "tcp", "udp" };
static const uint8_t protonum[2] = { 6, 17 };

static void table_add(void)
{
	struct nftnl_table *t = must(nftnl_table_alloc());
	struct nftnl_udata_buf *u = must(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
	struct nlmsghdr *nlh;

	if (opt.replace) {
		nftnl_table_set_str(t, NFTNL_TABLE_NAME, TABLE);
		/* create-or-keep, then delete: works whether it exists or not */
		nlh = msg(NFT_MSG_NEWTABLE, NLM_F_CREATE);
		nftnl_table_nlmsg_build_payload(nlh, t);
		msg_end();
		nlh = msg(NFT_MSG_DELTABLE, 0);
		nftnl_table_nlmsg_build_payload(nlh, t);
		msg_end();
	}
	nftnl_udata_put_strz(u, NFTNL_UDATA_TABLE_COMMENT,
			     "managed by wgbastion: edits are undone by the next apply");
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, 0);
	nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
	nlh = msg(NFT_MSG_NEWTABLE, NLM_F_CREATE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	msg_end();
	nftnl_udata_buf_free(u);
	nftnl_table_free(t);
}

static void counter_add(const char *name)
{
	struct nftnl_obj *o = must(nftnl_obj_alloc());
	struct nlmsghdr *nlh;

	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, NFPROTO_INET);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nlh = msg(NFT_MSG_NEWOBJ, NLM_F_CREATE);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	msg_end();
	nftnl_obj_free(o);
}

struct setdef {
	const char *name;
	uint32_t flags, key_type, key_len, data_type, data_len;
	uint8_t fields[2];	/* concatenation field lengths, if any */
	bool counter;		/* a counter on every element */
	uint64_t timeout_ms;	/* default element timeout (NFT_SET_TIMEOUT) */
	uint32_t size;		/* NFTA_SET_DESC_SIZE: the most elements */
};

static void set_add(const struct setdef *d)
{
	struct nftnl_set *s = must(nftnl_set_alloc());
	struct nlmsghdr *nlh;

	nftnl_set_set_str(s, NFTNL_SET_TABLE, TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, d->name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_ID, seq);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, d->flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, d->key_type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, d->key_len);
	if (d->flags & NFT_SET_MAP) {
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, d->data_type);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, d->data_len);
	}
	if (d->flags & NFT_SET_OBJECT)
		nftnl_set_set_u32(s, NFTNL_SET_OBJ_TYPE, NFT_OBJECT_COUNTER);
	if (d->fields[0])
		nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, d->fields, 2);
	if (d->timeout_ms)
		nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, d->timeout_ms);
	if (d->size)
		nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, d->size);
	/* the set's expression template: one expression is sent as
	 * NFTA_SET_EXPR, several as NFTA_SET_EXPRESSIONS (libnftnl decides) */
	if (d->counter)
		nftnl_set_add_expr(s, must(nftnl_expr_alloc("counter")));
	nlh = msg(NFT_MSG_NEWSET, NLM_F_CREATE);
	nftnl_set_nlmsg_build_payload(nlh, s);
	msg_end();
	nftnl_set_free(s);
}

/* Elements are written by hand into as few messages as fit (~32 KiB each),
 * as wgbastion does: one NEWSETELEM per element would be 30,000 messages. */
#define ELEM_MSG_MAX (32 * 1024)

static struct nlmsghdr *elem_nlh;
static struct nlattr *elem_list;
static const char *elem_set;
static bool elem_del;	/* DELSETELEM instead of NEWSETELEM */

static void elems_flush(void)
{
	if (!elem_nlh)
		return;
	mnl_attr_nest_end(elem_nlh, elem_list);
	msg_end();
	elem_nlh = NULL;
}

static void elems_begin(const char *set)
{
	elems_flush();
	elem_set = set;
	elem_del = false;
}

static void data_put(struct nlmsghdr *nlh, uint16_t type, const void *p, uint32_t len)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, p);
	mnl_attr_nest_end(nlh, n);
}

struct elem {
	const void *key;
	uint32_t key_len;
	const void *key_end;	/* a range in one element (pipapo sets) */
	const void *data;	/* map data */
	uint32_t data_len;
	const char *objref;	/* object map data */
	const char *jump;	/* verdict map data: jump to this chain */
	const char *comment;	/* nft's element comment (userdata) */
	uint32_t flags;		/* NFT_SET_ELEM_INTERVAL_END */
	bool open_end;		/* an interval to the end of the key space */
	int counter;		/* -1 none, else explicit counter with values */
};

static void elem_put(const struct elem *e)
{
	struct nlattr *n;

	if (elem_nlh && elem_nlh->nlmsg_len > ELEM_MSG_MAX)
		elems_flush();
	if (!elem_nlh) {
		elem_nlh = elem_del ? msg(NFT_MSG_DELSETELEM, 0) : msg(NFT_MSG_NEWSETELEM, NLM_F_CREATE);
		mnl_attr_put_strz(elem_nlh, NFTA_SET_ELEM_LIST_TABLE, TABLE);
		mnl_attr_put_strz(elem_nlh, NFTA_SET_ELEM_LIST_SET, elem_set);
		elem_list = mnl_attr_nest_start(elem_nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	}
	n = mnl_attr_nest_start(elem_nlh, NFTA_LIST_ELEM);
	if (e->flags)
		mnl_attr_put_u32(elem_nlh, NFTA_SET_ELEM_FLAGS, htonl(e->flags));
	data_put(elem_nlh, NFTA_SET_ELEM_KEY, e->key, e->key_len);
	if (e->key_end)
		data_put(elem_nlh, NFTA_SET_ELEM_KEY_END, e->key_end, e->key_len);
	if (e->data)
		data_put(elem_nlh, NFTA_SET_ELEM_DATA, e->data, e->data_len);
	if (e->objref)
		mnl_attr_put_strz(elem_nlh, NFTA_SET_ELEM_OBJREF, e->objref);
	if (e->jump) {
		struct nlattr *d = mnl_attr_nest_start(elem_nlh, NFTA_SET_ELEM_DATA);
		struct nlattr *v = mnl_attr_nest_start(elem_nlh, NFTA_DATA_VERDICT);

		mnl_attr_put_u32(elem_nlh, NFTA_VERDICT_CODE, htonl((uint32_t)NFT_JUMP));
		mnl_attr_put_strz(elem_nlh, NFTA_VERDICT_CHAIN, e->jump);
		mnl_attr_nest_end(elem_nlh, v);
		mnl_attr_nest_end(elem_nlh, d);
	}
	if (e->comment) {
		/* NFTNL_UDATA_SET_ELEM_COMMENT: what `nft list` prints as
		 * `comment "..."`, and how a table read back names the
		 * forward an element belongs to */
		uint8_t ud[2 + 64];
		size_t len = strlen(e->comment) + 1;

		if (len > 64)
			len = 64;
		ud[0] = NFTNL_UDATA_SET_ELEM_COMMENT;
		ud[1] = (uint8_t)len;
		memcpy(ud + 2, e->comment, len);
		ud[1 + len] = 0;
		mnl_attr_put(elem_nlh, NFTA_SET_ELEM_USERDATA, (uint16_t)(2 + len), ud);
	}
	if (e->open_end) {
		/* nft's mark for "to the end" (NFTNL_UDATA_SET_ELEM_FLAGS,
		 * NFTNL_SET_ELEM_F_INTERVAL_OPEN), so that it prints a prefix */
		uint8_t ud[6] = { NFTNL_UDATA_SET_ELEM_FLAGS, 4 };
		uint32_t f = NFTNL_SET_ELEM_F_INTERVAL_OPEN;

		memcpy(ud + 2, &f, 4);
		mnl_attr_put(elem_nlh, NFTA_SET_ELEM_USERDATA, sizeof(ud), ud);
	}
	if (e->counter >= 0) {
		/* NFTA_SET_ELEM_EXPR { NFTA_EXPR_NAME "counter", NFTA_EXPR_DATA
		 * { NFTA_COUNTER_BYTES, NFTA_COUNTER_PACKETS } }: the element's
		 * own counter, created with these values */
		struct nlattr *x = mnl_attr_nest_start(elem_nlh, NFTA_SET_ELEM_EXPR), *d;

		mnl_attr_put_strz(elem_nlh, NFTA_EXPR_NAME, "counter");
		d = mnl_attr_nest_start(elem_nlh, NFTA_EXPR_DATA);
		mnl_attr_put_u64(elem_nlh, NFTA_COUNTER_BYTES, htobe64(64 * (uint64_t)e->counter));
		mnl_attr_put_u64(elem_nlh, NFTA_COUNTER_PACKETS, htobe64((uint64_t)e->counter));
		mnl_attr_nest_end(elem_nlh, d);
		mnl_attr_nest_end(elem_nlh, x);
	}
	mnl_attr_nest_end(elem_nlh, n);
}

/* [lo, hi] in a one-field interval set: a start element (with the data)
 * and an end element at hi + 1, or an open end when hi is the last value */
static void interval(const uint8_t *lo, const uint8_t *hi, uint32_t len, struct elem e)
{
	uint8_t end[16];
	int i;

	memcpy(end, hi, len);
	for (i = (int)len - 1; i >= 0 && ++end[i] == 0; --i)
		;
	e.key = lo;
	e.key_len = len;
	e.open_end = i < 0;
	elem_put(&e);
	if (i >= 0) {
		struct elem x = { .key = end, .key_len = len, .flags = NFT_SET_ELEM_INTERVAL_END,
				  .counter = -1 };

		elem_put(&x);
	}
}

static void port_elem(uint16_t port, struct elem e)
{
	uint16_t p = htons(port);

	interval((uint8_t *)&p, (uint8_t *)&p, 2, e);
}

static void prefix_elem(const char *addr, unsigned plen, int af)
{
	uint8_t lo[16] = { 0 }, hi[16];
	uint32_t len = af == AF_INET ? 4 : 16, i;

	inet_pton(af, addr, lo);
	for (i = 0; i < len; ++i) {
		unsigned bits = plen > 8 * i ? plen - 8 * i : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		lo[i] &= m;
		hi[i] = lo[i] | (uint8_t)~m;
	}
	interval(lo, hi, len, (struct elem){ .counter = -1 });
}

static void chain_add(const char *name, const char *type, uint32_t hook, int32_t prio)
{
	struct nftnl_chain *c = must(nftnl_chain_alloc());
	struct nlmsghdr *nlh;

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	if (type) {	/* a base chain; else one reached by jumps */
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = msg(NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	msg_end();
	nftnl_chain_free(c);
}

/* ---- the table of gen.py's instance ---- */

static void guard_sets(void);
static void usage(void);

static void sets(unsigned n)
{
	static const char *const kinds[] = { "open", "allow", "dnat", "keep", "count", "masq",
					     "rate", "conn", "limitdrop", "log", "allowfile" };
	char name[32];
	size_t k, i, j;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); ++k) {
		if (k >= 6 && !opt.protect)
			break;
		for (i = 0; i < 2; ++i) {
			const struct fam *f = &fams[i];
			uint32_t pair = f->atype << T_BITS | T_SERVICE;

			for (j = 0; j < 2; ++j) {
				struct setdef d = { .name = name, .flags = NFT_SET_INTERVAL, .key_type = T_SERVICE, .key_len = 2 };

				switch (k) {
				case 0: case 5:
					break;
				case 1:
					d.flags |= NFT_SET_CONCAT;
					d.key_type = pair;
					d.key_len = f->alen + 4;
					d.fields[0] = (uint8_t)f->alen;
					d.fields[1] = 2;
					break;
				case 2: case 3:
					d.flags |= NFT_SET_MAP;
					d.data_type = k == 3 ? f->atype : pair;
					d.data_len = k == 3 ? f->alen : f->alen + 4;
					break;
				case 4:
					if (opt.counters == C_NONE)
						continue;
					if (opt.counters == C_NAMED)
						d.flags |= NFT_SET_OBJECT;
					else
						d.counter = true;
					break;
				case 8:	/* limitdrop: port range : counter */
					d.flags |= NFT_SET_OBJECT;
					break;
				case 6: case 7: case 9: case 10:
					/* rate, conn, log, allowfile: port
					 * range : verdict (a jump) */
					d.flags |= NFT_SET_MAP;
					d.data_type = NFT_DATA_VERDICT;
					break;
				}
				if (k == 3)
					snprintf(name, sizeof(name), "dnat%s_%s_keep", f->sfx, protos[j]);
				else
					snprintf(name, sizeof(name), "%s%s_%s", kinds[k], f->sfx, protos[j]);
				set_add(&d);
			}
		}
	}
	if (opt.guard)
		guard_sets();
	/* the forwards: all IPv4 TCP, open to everyone */
	elems_begin("open4_tcp");
	for (unsigned f = 0; f < n; ++f)
		port_elem((uint16_t)(10000 + f), (struct elem){ .counter = -1 });
	elems_begin("dnat4_tcp");
	for (unsigned f = 0; f < n; ++f) {
		uint8_t d[8] = { 192, 168, (uint8_t)(50 + f / 250 % 200), (uint8_t)(1 + f % 250) };
		uint16_t dport = htons((uint16_t)(8000 + f % 1000));

		memcpy(d + 4, &dport, 2);
		port_elem((uint16_t)(10000 + f), (struct elem){ .data = d, .data_len = 8, .counter = -1 });
	}
	if (opt.counters != C_NONE) {
		elems_begin("count4_tcp");
		for (unsigned f = 0; f < n; ++f) {
			char obj[32];
			struct elem e = { .counter = -1 };

			snprintf(obj, sizeof(obj), "forward_f%u", f);
			if (opt.counters == C_NAMED) {
				e.objref = obj;
			} else {
				e.comment = obj + strlen("forward_");
				if (opt.values)
					e.counter = (int)f;
			}
			port_elem((uint16_t)(10000 + f), e);
		}
	}
	elems_flush();
	/* the egress: Source 192.168.50.0/24, Destination everything, Deny
	 * link-local and the cloud metadata addresses (the defaults), per
	 * family */
	static const char *const eg[3] = { "src", "dst", "deny" };
	for (i = 0; i < 2; ++i) {
		for (k = 0; k < 3; ++k) {
			struct setdef d = { .name = name, .flags = NFT_SET_INTERVAL, .key_type = fams[i].atype,
					    .key_len = fams[i].alen };

			snprintf(name, sizeof(name), "egress_lan_%s%s", eg[k], fams[i].sfx);
			set_add(&d);
			elems_begin(name);
			if (i == 0 && k == 0)
				prefix_elem("192.168.50.0", 24, AF_INET);
			else if (k == 1)
				prefix_elem(i ? "::" : "0.0.0.0", 0, i ? AF_INET6 : AF_INET);
			else if (k == 2 && i == 0) {
				prefix_elem("100.100.100.200", 32, AF_INET);
				prefix_elem("169.254.0.0", 16, AF_INET);
			} else if (k == 2) {
				prefix_elem("fd00:ec2::254", 128, AF_INET6);
				prefix_elem("fe80::", 10, AF_INET6);
			}
			elems_flush();
		}
	}
}

/* ---- -G: RateLimit on every forward, the design of bench/nftlab.md ----
 *
 * One chain per distinct limit (here one: 10/second, burst 10), reached
 * from the forward chain through a verdict map keyed by the public port
 * (rateF_P: port range : jump rate_10_second); the chain keeps one bucket
 * per (protocol, public port, client address) in a dynamic set, and counts
 * what it drops on the forward's element of limitdropF_P. */

#define T_PROTO	12	/* nft's inet_proto */

static void guard_sets(void)
{
	char name[32];
	size_t i, j;

	for (i = 0; i < 2; ++i) {
		for (j = 0; j < 2; ++j) {
			struct setdef v = { .name = name, .flags = NFT_SET_MAP | NFT_SET_INTERVAL,
					    .key_type = T_SERVICE, .key_len = 2, .data_type = NFT_DATA_VERDICT };
			struct setdef c = { .name = name, .flags = NFT_SET_INTERVAL, .key_type = T_SERVICE,
					    .key_len = 2, .counter = true };

			snprintf(name, sizeof(name), "rate%s_%s", fams[i].sfx, protos[j]);
			set_add(&v);
			snprintf(name, sizeof(name), "limitdrop%s_%s", fams[i].sfx, protos[j]);
			set_add(&c);
		}
		{
			/* inet_proto . inet_service . address, each field in 4-byte
			 * registers: 4 + 4 + 4 or 16 bytes */
			struct setdef m = { .name = name, .flags = NFT_SET_EVAL | NFT_SET_TIMEOUT,
					    .key_type = (T_PROTO << T_BITS | T_SERVICE) << T_BITS | fams[i].atype,
					    .key_len = 8 + fams[i].alen, .timeout_ms = 1000, .size = 65536 };

			snprintf(name, sizeof(name), "rate_10_second%s", fams[i].sfx);
			set_add(&m);
		}
	}
}

static void guard_chain(void)
{
	char set[32];
	size_t i, j;

	chain_add("rate_10_second", NULL, 0, 0);
	for (i = 0; i < 2; ++i) {
		for (j = 0; j < 2; ++j) {
			struct nftnl_expr *dyn, *lim;

			rule_begin();
			meta_is(NFT_META_NFPROTO, fams[i].nfproto);
			meta_is(NFT_META_L4PROTO, protonum[j]);
			/* the key: meta l4proto . ct original proto-dst . ipF saddr */
			meta(NFT_META_L4PROTO, NFT_REG_1);
			{
				struct nftnl_expr *e = ex("ct");

				nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_PROTO_DST);
				nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, IP_CT_DIR_ORIGINAL);
				nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG32_01);
			}
			payload(NFT_PAYLOAD_NETWORK_HEADER, fams[i].saddr, fams[i].alen, NFT_REG32_02);
			dyn = ex("dynset");
			snprintf(set, sizeof(set), "rate_10_second%s", fams[i].sfx);
			nftnl_expr_set_u32(dyn, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
			nftnl_expr_set_u32(dyn, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
			nftnl_expr_set_str(dyn, NFTNL_EXPR_DYNSET_SET_NAME, set);
			lim = must(nftnl_expr_alloc("limit"));
			nftnl_expr_set_u64(lim, NFTNL_EXPR_LIMIT_RATE, 10);
			nftnl_expr_set_u64(lim, NFTNL_EXPR_LIMIT_UNIT, 1);
			nftnl_expr_set_u32(lim, NFTNL_EXPR_LIMIT_BURST, 10);
			nftnl_expr_set_u32(lim, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
			nftnl_expr_set_u32(lim, NFTNL_EXPR_LIMIT_FLAGS, NFT_LIMIT_F_INV);
			nftnl_expr_add_expr(dyn, NFTNL_EXPR_DYNSET_EXPRESSIONS, lim);
			ct(NFT_CT_PROTO_DST, IP_CT_DIR_ORIGINAL);
			snprintf(set, sizeof(set), "limitdrop%s_%s", fams[i].sfx, protos[j]);
			lookup(set, -1, false);
			verdict(NF_DROP);
			rule_end("rate_10_second", "RateLimit = 10/second");
		}
	}
}

static void guard_elems(unsigned n)
{
	elems_begin("rate4_tcp");
	for (unsigned f = 0; f < n; ++f)
		port_elem((uint16_t)(10000 + f), (struct elem){ .jump = "rate_10_second", .counter = -1 });
	elems_begin("limitdrop4_tcp");
	for (unsigned f = 0; f < n; ++f)
		port_elem((uint16_t)(10000 + f), (struct elem){ .counter = -1 });
	elems_flush();
}

/* the forward chain's rules that send new ingress connections through
 * KIND's verdict maps (rate, conn, log: before the per-forward counters) */
static void vmap_rules(const char *kind, const char *comment)
{
	char set[32];
	size_t i, j;

	for (i = 0; i < 2; ++i) {
		for (j = 0; j < 2; ++j) {
			rule_begin();
			ct(NFT_CT_STATE, -1);
			bitwise(NF_CT_STATE_BIT(IP_CT_NEW), 0, 4);
			cmp32(NFT_CMP_NEQ, 0);
			ct_mark_has(ING);
			meta_is(NFT_META_NFPROTO, fams[i].nfproto);
			meta_is(NFT_META_L4PROTO, protonum[j]);
			ct(NFT_CT_PROTO_DST, IP_CT_DIR_ORIGINAL);
			snprintf(set, sizeof(set), "%s%s_%s", kind, fams[i].sfx, protos[j]);
			lookup(set, NFT_REG_VERDICT, false);
			rule_end("forward", comment);
		}
	}
}

/* tcp flags & (syn | rst) == syn tcp option maxseg size set rt mtu, or,
 * for one family, set to a constant; the kernel only ever lowers an MSS */
static void mss_rule(uint32_t dir, uint8_t nfproto, uint16_t fixed, const char *comment)
{
	struct nftnl_expr *e;

	rule_begin();
	ifname(dir, NFT_CMP_EQ, opt.ifname);
	if (nfproto)
		meta_is(NFT_META_NFPROTO, nfproto);
	meta_is(NFT_META_L4PROTO, 6);
	payload(NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1, NFT_REG_1);
	bitwise(0x06, 0, 1);
	cmp8(NFT_CMP_EQ, 0x02);
	if (fixed) {
		uint16_t v = htons(fixed);

		e = ex("immediate");
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &v, sizeof(v));
	} else {
		e = ex("rt");
		nftnl_expr_set_u32(e, NFTNL_EXPR_RT_KEY, NFT_RT_TCPMSS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_RT_DREG, NFT_REG_1);
		e = ex("byteorder");
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, 2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, 2);
	}
	e = ex("exthdr");
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_SREG, NFT_REG_1);
	nftnl_expr_set_u8(e, NFTNL_EXPR_EXTHDR_TYPE, 2 /* TCPOPT_MAXSEG */);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OFFSET, 2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_LEN, 2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OP, NFT_EXTHDR_OP_TCPOPT);
	rule_end("forward", comment);
}

static void chains(void)
{
	char set[32];
	size_t i, j;

	chain_add("pre_nat", "nat", NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST);
	rule_begin();
	ifname(NFT_META_IIFNAME, NFT_CMP_EQ, opt.ifname);
	if (opt.design) {
		/* hairpin: from the tunnel, only the tunnel's own addresses
		 * are left alone (fib daddr . iif type local) */
		struct nftnl_expr *e = ex("fib");

		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR | NFTA_FIB_F_IIF);
		cmp32(NFT_CMP_EQ, 2 /* RTN_LOCAL */);
	}
	verdict(NFT_RETURN);
	rule_end("pre_nat", opt.design ? "from the tunnel to its own address: never DNAT"
				       : "from the tunnel: never DNAT");
	rule_begin();
	{
		struct nftnl_expr *e = ex("fib");

		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	}
	cmp32(NFT_CMP_NEQ, 2 /* RTN_LOCAL */);
	verdict(NFT_RETURN);
	rule_end("pre_nat", "only connections to this host");
	for (i = 0; i < 2; ++i) {
		for (j = 0; j < 2; ++j) {
			rule_begin();
			meta_is(NFT_META_NFPROTO, fams[i].nfproto);
			meta_is(NFT_META_L4PROTO, protonum[j]);
			payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
			snprintf(set, sizeof(set), "open%s_%s", fams[i].sfx, protos[j]);
			lookup(set, -1, false);
			ct_mark_or(ING);
			rule_end("pre_nat", "ingress: forwarded port, every client");
			rule_begin();
			meta_is(NFT_META_NFPROTO, fams[i].nfproto);
			meta_is(NFT_META_L4PROTO, protonum[j]);
			payload(NFT_PAYLOAD_NETWORK_HEADER, fams[i].saddr, fams[i].alen, NFT_REG_1);
			payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, fams[i].reg2);
			snprintf(set, sizeof(set), "allow%s_%s", fams[i].sfx, protos[j]);
			lookup(set, -1, false);
			ct_mark_or(ING);
			rule_end("pre_nat", "ingress: forwarded port, allowed client");
			if (!opt.protect)
				continue;
			rule_begin();
			meta_is(NFT_META_NFPROTO, fams[i].nfproto);
			meta_is(NFT_META_L4PROTO, protonum[j]);
			payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
			snprintf(set, sizeof(set), "allowfile%s_%s", fams[i].sfx, protos[j]);
			lookup(set, NFT_REG_VERDICT, false);
			rule_end("pre_nat", "ingress: forwarded port, client in the AllowFile");
		}
	}
	if (opt.design) {
		/* a forward reached from the tunnel (hairpin) is also an
		 * "egress" connection: its replies are routed back into the
		 * tunnel (pre_mark), and post_nat masquerades it */
		rule_begin();
		ifname(NFT_META_IIFNAME, NFT_CMP_EQ, opt.ifname);
		ct_mark_has(ING);
		ct_mark_or(EGR);
		rule_end("pre_nat", "hairpin: from the tunnel to a forward");
	}
	for (i = 0; i < 2; ++i) {
		for (j = 0; j < 4; ++j) {
			bool keep = j & 1;
			struct nftnl_expr *e;

			rule_begin();
			meta_is(NFT_META_NFPROTO, fams[i].nfproto);
			ct_mark_has(ING);
			meta_is(NFT_META_L4PROTO, protonum[j / 2]);
			payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
			snprintf(set, sizeof(set), "dnat%s_%s%s", fams[i].sfx, protos[j / 2], keep ? "_keep" : "");
			lookup(set, NFT_REG_1, false);
			e = ex("nat");
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, fams[i].nfproto);
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MAX, NFT_REG_1);
			if (!keep) {
				nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, fams[i].reg2);
				nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX, fams[i].reg2);
			}
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_MAP_IPS |
					   (keep ? 0 : NF_NAT_RANGE_PROTO_SPECIFIED));
			rule_end("pre_nat", keep ? "ingress: to address, port kept" : "ingress: to address:port");
		}
	}

	chain_add("pre_mark", "filter", NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST + 10);
	for (i = 0; i < 2; ++i) {
		rule_begin();
		ct(NFT_CT_DIRECTION, -1);
		cmp8(NFT_CMP_EQ, (uint8_t)i);
		ct_mark_has(i ? EGR : ING);
		meta(NFT_META_MARK, NFT_REG_1);
		bitwise(~MASK, MARK & MASK, 4);
		meta_set(NFT_META_MARK, NFT_REG_1);
		rule_end("pre_mark", i ? "egress replies: route back into the tunnel"
				       : "ingress: route into the tunnel");
	}

	chain_add("forward", "filter", NF_INET_FORWARD, NF_IP_PRI_FILTER);
	mss_rule(NFT_META_OIFNAME, 0, 0, "clamp MSS into the tunnel");
	if (!opt.design) {
		mss_rule(NFT_META_IIFNAME, 0, 0, "clamp MSS out of the tunnel");
	} else {
		/* a SYN-ACK leaving the tunnel goes out by the uplink, whose
		 * route MTU (`rt mtu`) is not the tunnel's: the tunnel's MTU
		 * less the IPv4 / IPv6 and TCP headers, as a constant */
		mss_rule(NFT_META_IIFNAME, NFPROTO_IPV4, MTU - 40, "clamp MSS out of the tunnel to its MTU");
		mss_rule(NFT_META_IIFNAME, NFPROTO_IPV6, MTU - 60, "clamp MSS out of the tunnel to its MTU");
	}
	if (opt.protect) {
		vmap_rules("rate", "ingress: RateLimit per client");
		vmap_rules("conn", "ingress: ConnLimit per client");
		vmap_rules("log", "ingress: Log per forward");
	} else if (opt.guard) {
		vmap_rules("rate", "ingress: per-forward limits");
	}
	for (i = 0; i < 2 && opt.counters != C_NONE; ++i) {
		for (j = 0; j < 2; ++j) {
			rule_begin();
			ct_mark_has(ING);
			meta_is(NFT_META_NFPROTO, fams[i].nfproto);
			meta_is(NFT_META_L4PROTO, protonum[j]);
			ct(NFT_CT_PROTO_DST, IP_CT_DIR_ORIGINAL);
			snprintf(set, sizeof(set), "count%s_%s", fams[i].sfx, protos[j]);
			if (opt.counters == C_NAMED) {
				struct nftnl_expr *e = ex("objref");

				nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_SREG, NFT_REG_1);
				nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_SET_NAME, set);
			} else {
				/* a lookup that matches runs the element's counter */
				lookup(set, -1, false);
			}
			rule_end("forward", "ingress: count per forward");
		}
	}
	rule_begin();
	ct_mark_has(ING);
	verdict(NF_ACCEPT);
	rule_end("forward", "ingress");

	rule_begin();
	ifname(NFT_META_IIFNAME, NFT_CMP_EQ, opt.ifname);
	ct(NFT_CT_STATE, -1);
	bitwise(NF_CT_STATE_BIT(IP_CT_NEW), 0, 4);
	cmp32(NFT_CMP_NEQ, 0);
	meta_is(NFT_META_NFPROTO, NFPROTO_IPV4);
	payload(NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_1);
	lookup("egress_lan_src4", -1, false);
	payload(NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_1);
	lookup("egress_lan_dst4", -1, false);
	payload(NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_1);
	lookup("egress_lan_deny4", -1, true);
	ct_mark_or(EGR);
	rule_end("forward", "egress lan: new connection");
	rule_begin();
	ct_mark_has(EGR);
	meta_is(NFT_META_NFPROTO, NFPROTO_IPV4);
	ct(NFT_CT_SRC_IP, IP_CT_DIR_ORIGINAL);
	lookup("egress_lan_src4", -1, false);
	objref_name("egress_lan");
	verdict(NF_ACCEPT);
	rule_end("forward", "egress lan");
	for (i = 0; i < 2; ++i) {
		rule_begin();
		ifname(i ? NFT_META_OIFNAME : NFT_META_IIFNAME, NFT_CMP_EQ, opt.ifname);
		objref_name("dropped");
		verdict(NF_DROP);
		rule_end("forward", i ? "into the tunnel, allowed by no forward or egress"
				      : "from the tunnel, allowed by no forward or egress");
	}

	chain_add("post_nat", "nat", NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC);
	if (opt.design) {
		rule_begin();
		ifname(NFT_META_OIFNAME, NFT_CMP_EQ, opt.ifname);
		ct_mark_has(ING | EGR);
		ex("masq");
		rule_end("post_nat", "hairpin: masquerade to the tunnel address");
	}
	for (i = 0; i < 2; ++i) {
		for (j = 0; j < 2; ++j) {
			rule_begin();
			ifname(NFT_META_OIFNAME, NFT_CMP_EQ, opt.ifname);
			ct_mark_has(ING);
			meta_is(NFT_META_NFPROTO, fams[i].nfproto);
			meta_is(NFT_META_L4PROTO, protonum[j]);
			ct(NFT_CT_PROTO_DST, IP_CT_DIR_ORIGINAL);
			snprintf(set, sizeof(set), "masq%s_%s", fams[i].sfx, protos[j]);
			lookup(set, -1, false);
			ex("masq");
			rule_end("post_nat", "forwards with Masquerade = yes");
		}
	}
	rule_begin();
	ifname(NFT_META_OIFNAME, NFT_CMP_NEQ, opt.ifname);
	ct_mark_has(EGR);
	meta_is(NFT_META_NFPROTO, NFPROTO_IPV4);
	ct(NFT_CT_SRC_IP, IP_CT_DIR_ORIGINAL);
	lookup("egress_lan_src4", -1, false);
	ex("masq");
	rule_end("post_nat", "egress lan");
}

/* ---- talking to the kernel ---- */

static struct mnl_socket *nl_open(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int one = 1;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket");
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return nl;
}

static int err_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	int *failed = data;

	if (e->error) {
		const char *text = NULL;
		struct nlattr *a;

		/* NETLINK_CAP_ACK: the request is not copied back; the
		 * extended-ack TLVs follow the header */
		if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
			mnl_attr_for_each(a, nlh, sizeof(*e))
				if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
					text = mnl_attr_get_str(a);
		fprintf(stderr, "floor: message %u refused: %s%s%s\n", e->msg.nlmsg_seq,
			strerror(-e->error), text ? ": " : "", text ? text : "");
		*failed = 1;
	}
	return MNL_CB_OK;
}

static uint32_t echoed_genid;

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g;

	if ((nlh->nlmsg_type & 0xff) != NFT_MSG_NEWGEN)
		return MNL_CB_OK;
	g = must(nftnl_gen_alloc());
	if (nftnl_gen_nlmsg_parse(nlh, g) == 0)
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

static uint32_t getgen(struct mnl_socket *nl)
{
	static char buf[8192];
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, seq++);
	uint32_t id = 0;
	ssize_t n;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("GETGEN");
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0 || mnl_cb_run(buf, (size_t)n, 0, 0, gen_cb, &id) < 0)
		die("GETGEN answer");
	return id;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static uint32_t begin_seq;

static void batch_begin(void)
{
	struct nlmsghdr *nlh;

	batch = must(nftnl_batch_alloc(1 << 20, 1 << 17));
	begin_seq = seq;
	nlh = nftnl_batch_begin(nftnl_batch_buffer(batch), seq++);
	/* the generation the batch is meant for: the kernel refuses the
	 * whole batch with ERESTART if the ruleset has moved since */
	if (opt.genid)
		mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(opt.genid));
	msg_end();
	echo_next = opt.echo;
}

/* Ends the batch, sends it in one sendmsg() and reads the answers.
 * Returns 1 if the kernel refused anything. */
static int batch_commit(const char *what)
{
	struct mnl_socket *nl = nl_open();
	static char buf[1 << 16];
	struct msghdr mh = { 0 };
	struct iovec *iov;
	int n_iov, failed = 0, fd = mnl_socket_get_fd(nl), size = 0;
	uint32_t want_ack = last_seq;
	double t0;
	ssize_t r;

	nftnl_batch_end(nftnl_batch_buffer(batch), seq++);
	msg_end();
	n_iov = nftnl_batch_iovec_len(batch);
	iov = must(calloc((size_t)n_iov, sizeof(*iov)));
	nftnl_batch_iovec(batch, iov, (uint32_t)n_iov);
	for (int i = 0; i < n_iov; ++i)
		size += (int)iov[i].iov_len;
	/* the whole batch is one netlink datagram: the socket's send buffer
	 * must hold it */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	/* and with an ack for every message, the receive buffer all the acks
	 * (they are all queued at once, after the commit) */
	size = (int)(seq * 1024);	/* an ack skb's truesize is ~770 bytes */
	if (opt.ack == 2 && size > (1 << 17) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (opt.ack == 1) {
		/* NLM_F_ACK on the last message only */
		for (int i = 0; i < n_iov; ++i) {
			struct nlmsghdr *m = iov[i].iov_base;
			int len = (int)iov[i].iov_len;

			while (mnl_nlmsg_ok(m, len)) {
				if (m->nlmsg_seq == want_ack)
					m->nlmsg_flags |= NLM_F_ACK;
				m = mnl_nlmsg_next(m, &len);
			}
		}
	}
	mh.msg_name = &(struct sockaddr_nl){ .nl_family = AF_NETLINK };
	mh.msg_namelen = sizeof(struct sockaddr_nl);
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)n_iov;
	t0 = now_us();
	if (sendmsg(fd, &mh, 0) < 0)
		die("sendmsg");

	/* Answers: with -a last, the ack of the last message ends the batch
	 * (the kernel queues every ack and error and sends them after the
	 * commit or abort; an error of an earlier message comes before it,
	 * and the NEWGEN echo before them all). With -a none nothing comes
	 * back on success: a non-blocking read after the sendmsg (which
	 * returns only once the batch is processed) finds any error, or the
	 * NEWGEN echo. */
	for (;;) {
		int flags = opt.ack ? 0 : MSG_DONTWAIT;
		bool done = false;
		struct nlmsghdr *m;
		int len;

		r = recv(fd, buf, sizeof(buf), flags);
		if (r < 0) {
			if (!opt.ack && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			die("recv");
		}
		len = (int)r;
		for (m = (struct nlmsghdr *)buf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				err_cb(m, &failed);
				/* the last message's ack ends it; so does an error
				 * about the batch as a whole (a stale NFNL_BATCH_GENID:
				 * ERESTART, against BEGIN), after which nothing else
				 * comes */
				if (e->msg.nlmsg_seq == want_ack || (e->error && e->msg.nlmsg_seq == begin_seq))
					done = true;
			} else {
				gen_cb(m, &echoed_genid);
			}
		}
		if (done)
			break;
	}
	if (opt.timing)
		printf("commit_us %s %.0f\n", what, now_us() - t0);
	if (opt.echo)
		printf("genid %u\n", echoed_genid);
	free(iov);
	nftnl_batch_free(batch);
	mnl_socket_close(nl);
	return failed;
}

static int commit(unsigned n)
{
	batch_begin();
	table_add();
	counter_add("dropped");
	if (opt.counters == C_NAMED) {
		for (unsigned f = 0; f < n; ++f) {
			char name[32];

			snprintf(name, sizeof(name), "forward_f%u", f);
			counter_add(name);
		}
	}
	counter_add("egress_lan");
	sets(n);
	if (opt.guard) {
		guard_chain();
		guard_elems(n);
	}
	chains();
	return batch_commit("table");
}

/* ---- floor elems TABLE SET ---- */

static int expr_cb(struct nftnl_expr *e, void *data)
{
	if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter"))
		printf(" counter packets %llu bytes %llu",
		       (unsigned long long)nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS),
		       (unsigned long long)nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES));
	return 0;
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = must(nftnl_set_alloc());
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;

	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0)
		die("parsing elements");
	it = must(nftnl_set_elems_iter_create(s));
	while ((e = nftnl_set_elems_iter_next(it))) {
		uint32_t len, i, f = 0;
		const uint8_t *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);

		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
			f = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
		printf("key ");
		for (i = 0; k && i < len; ++i)
			printf("%02x", k[i]);
		if (f & NFT_SET_ELEM_INTERVAL_END)
			printf(" end");
		nftnl_set_elem_expr_foreach(e, expr_cb, NULL);
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
			const uint8_t *u = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);

			/* the comment TLV, if that is what it holds */
			if (len > 2 && u[0] == NFTNL_UDATA_SET_ELEM_COMMENT && u[1] <= len - 2)
				printf(" comment %.*s", (int)strnlen((const char *)u + 2, u[1]), u + 2);
		}
		printf("\n");
		(*(unsigned *)data)++;
	}
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int elems(const char *table, const char *set)
{
	struct mnl_socket *nl = nl_open();
	static char buf[1 << 16];
	struct nftnl_set *s = must(nftnl_set_alloc());
	struct nlmsghdr *nlh;
	unsigned count = 0;
	ssize_t n;
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP | NLM_F_ACK, seq);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("GETSETELEM");
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			die("GETSETELEM answer");
		r = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), elem_cb, &count);
	} while (r > 0);
	if (r < 0)
		die("GETSETELEM dump");
	mnl_socket_close(nl);
	fprintf(stderr, "floor: %u elements\n", count);
	return 0;
}

/* ---- floor counters TABLE ---- */

static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_obj *o = must(nftnl_obj_alloc());

	if (nftnl_obj_nlmsg_parse(nlh, o) < 0)
		die("parsing an object");
	printf("counter %s packets %llu bytes %llu\n", nftnl_obj_get_str(o, NFTNL_OBJ_NAME),
	       (unsigned long long)nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS),
	       (unsigned long long)nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES));
	(*(unsigned *)data)++;
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

static int counters(const char *table)
{
	struct mnl_socket *nl = nl_open();
	static char buf[1 << 16];
	struct nftnl_obj *o = must(nftnl_obj_alloc());
	struct nlmsghdr *nlh;
	unsigned count = 0;
	ssize_t n;
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET, NLM_F_DUMP | NLM_F_ACK, seq);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("GETOBJ");
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			die("GETOBJ answer");
		r = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), obj_cb, &count);
	} while (r > 0);
	if (r < 0)
		die("GETOBJ dump");
	mnl_socket_close(nl);
	fprintf(stderr, "floor: %u counters\n", count);
	return 0;
}

/* ---- floor allow: an AllowFile of K prefixes ----
 *
 * Table inet wgbastion-allow, set allow4 of K disjoint IPv4 /24s (every
 * other /24 from 32.0.0.0: no two adjacent, as after wgbastion's merge)
 *   default   { type ipv4_addr; flags interval; }           (rbtree)
 *   -p        { type ipv4_addr . inet_service; flags interval; }  with
 *             port 10000 (pipapo: how wgbastion's allowF_P holds Allow)
 * then, with -x M, a second batch that deletes the first M prefixes and
 * adds M new ones: an AllowFile edited by a few lines. With -T TABLE -S
 * SET the elements go into that existing set instead (made by nft). */

static void allow_prefix(unsigned i, bool pipapo)
{
	uint32_t a = htonl((32u << 24) + (2u * i << 8)), b = htonl((32u << 24) + (2u * i << 8) + 255);

	if (pipapo) {
		uint8_t k[8] = { 0 }, e[8] = { 0 };
		uint16_t port = htons(10000);
		struct elem x = { .key = k, .key_len = 8, .key_end = e, .counter = -1 };

		memcpy(k, &a, 4);
		memcpy(k + 4, &port, 2);
		memcpy(e, &b, 4);
		memcpy(e + 4, &port, 2);
		elem_put(&x);
		return;
	}
	interval((uint8_t *)&a, (uint8_t *)&b, 4, (struct elem){ .counter = -1 });
}

static int allow_main(int argc, char **argv)
{
	struct setdef d = { .name = "allow4", .flags = NFT_SET_INTERVAL, .key_type = T_IPADDR, .key_len = 4 };
	unsigned k, m = 0, i;
	bool pipapo = false, existing = false;
	int c, r;

	TABLE = "wgbastion-allow";
	while ((c = getopt(argc, argv, "px:tT:S:")) != -1) {
		switch (c) {
		case 'p': pipapo = true; break;
		case 'x': m = (unsigned)atoi(optarg); break;
		case 't': opt.timing = true; break;
		case 'T': TABLE = optarg; existing = true; break;
		case 'S': d.name = optarg; break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	k = (unsigned)strtoul(argv[optind], NULL, 10);
	if (pipapo) {
		d.flags |= NFT_SET_CONCAT;
		d.key_type = T_IPADDR << T_BITS | T_SERVICE;
		d.key_len = 8;
		d.fields[0] = 4;
		d.fields[1] = 2;
	}
	batch_begin();
	if (!existing) {
		table_add();
		set_add(&d);
	}
	elems_begin(d.name);
	for (i = 0; i < k; ++i)
		allow_prefix(i, pipapo);
	elems_flush();
	r = batch_commit("allow");
	if (r || !m)
		return r;
	batch_begin();
	elems_begin(d.name);
	elem_del = true;
	for (i = 0; i < m; ++i)
		allow_prefix(i, pipapo);
	elems_begin(d.name);
	for (i = k; i < k + m; ++i)
		allow_prefix(i, pipapo);
	elems_flush();
	return batch_commit("change");
}

static void usage(void)
{
	fputs("usage: floor [-c named|elem|none] [-a all|last|none] [-g] [-r] [-v] [-G|-P] [-D] [-t]\n"
	      "             [-e GENID] [-i IFNAME] N\n"
	      "       floor allow [-p] [-x M] [-t] [-T TABLE -S SET] K\n"
	      "       floor getgen [REPEAT]\n"
	      "       floor elems TABLE SET\n"
	      "       floor counters TABLE\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	int c;

	if (argc >= 2 && !strcmp(argv[1], "getgen")) {
		struct mnl_socket *nl = nl_open();
		long rep = argc > 2 ? atol(argv[2]) : 0, i;
		struct timespec a, b;
		uint32_t id = getgen(nl);

		printf("genid %u\n", id);
		if (rep > 0) {
			clock_gettime(CLOCK_MONOTONIC, &a);
			for (i = 0; i < rep; ++i)
				getgen(nl);
			clock_gettime(CLOCK_MONOTONIC, &b);
			printf("getgen_ns %.0f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double)rep);
		}
		mnl_socket_close(nl);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "elems"))
		return elems(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "counters"))
		return counters(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "allow"))
		return allow_main(argc - 1, argv + 1);
	while ((c = getopt(argc, argv, "c:a:grvGtDPe:i:")) != -1) {
		switch (c) {
		case 'c':
			opt.counters = !strcmp(optarg, "named") ? C_NAMED : !strcmp(optarg, "elem") ? C_ELEM
				     : !strcmp(optarg, "none") ? C_NONE : (usage(), C_NAMED);
			break;
		case 'a':
			opt.ack = !strcmp(optarg, "all") ? 2 : !strcmp(optarg, "last") ? 1
				: !strcmp(optarg, "none") ? 0 : (usage(), 0);
			break;
		case 'g': opt.echo = true; break;
		case 'r': opt.replace = true; break;
		case 'v': opt.values = true; break;
		case 'G': opt.guard = true; break;
		case 'D': opt.design = true; break;
		case 'P': opt.protect = true; break;
		case 'e': opt.genid = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 't': opt.timing = true; break;
		case 'i': opt.ifname = optarg; break;
		default: usage();
		}
	}
	if (optind != argc - 1 || (opt.guard && opt.protect))
		usage();
	return commit((unsigned)strtoul(argv[optind], NULL, 10));
}
