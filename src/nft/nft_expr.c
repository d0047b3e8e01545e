// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rule builders: one call per libnftnl expression, in the exact shapes nft
 * itself emits for the statements of docs/ruleset.md (checked with
 * `nft --debug=netlink`), so that `nft list` prints our rules as written
 * there. Plus the canonical text two rules are compared by.
 */
#include <netinet/in.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "lib/array.h"
#include "nft_int.h"

uint32_t nft_reg(uint32_t off)
{
	if (off % NFT_REG_SIZE == 0)
		return NFT_REG_1 + off / NFT_REG_SIZE;
	return NFT_REG32_00 + off / NFT_REG32_SIZE;
}

void rb_init(struct nft_rb *b)
{
	b->r = nftnl_rule_alloc();
	b->oom = !b->r;
}

static struct nftnl_expr *ex(struct nft_rb *b, const char *name)
{
	struct nftnl_expr *e;

	if (b->oom)
		return NULL;
	e = nftnl_expr_alloc(name);
	if (!e) {
		b->oom = true;
		return NULL;
	}
	nftnl_rule_add_expr(b->r, e);
	return e;
}

void rb_meta_load(struct nft_rb *b, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = ex(b, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
}

void rb_meta_set(struct nft_rb *b, uint32_t key, uint32_t sreg)
{
	struct nftnl_expr *e = ex(b, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, sreg);
}

void rb_cmp(struct nft_rb *b, uint32_t op, uint32_t sreg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = ex(b, "cmp");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

void rb_cmp_u8(struct nft_rb *b, uint32_t op, uint8_t v)
{
	rb_cmp(b, op, NFT_REG_1, &v, 1);
}

void rb_cmp_u32(struct nft_rb *b, uint32_t op, uint32_t v)
{
	rb_cmp(b, op, NFT_REG_1, &v, 4);
}

/* Interface names compare as nft does for an exact name: IFNAMSIZ bytes,
 * zero padded (so "wg0" does not match "wg01"). */
void rb_cmp_ifname(struct nft_rb *b, uint32_t op, const char *name)
{
	char buf[IFNAMSIZ] = { 0 };

	snprintf(buf, sizeof(buf), "%s", name);
	rb_cmp(b, op, NFT_REG_1, buf, sizeof(buf));
}

void rb_payload(struct nft_rb *b, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = ex(b, "payload");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
}

/* dreg < 0: a plain set lookup. The kernel always reports the flags, so
 * we always set them, and both sides of a comparison print alike. */
void rb_lookup(struct nft_rb *b, const char *set, uint32_t sreg, int dreg, bool inv)
{
	struct nftnl_expr *e = ex(b, "lookup");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	if (dreg >= 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, dreg);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, inv ? NFT_LOOKUP_F_INV : 0);
}

void rb_dynset_limit(struct nft_rb *b, const char *set, uint32_t op, uint32_t sreg,
		     uint32_t rate, uint32_t unit, uint32_t conn)
{
	struct nftnl_expr *e = ex(b, "dynset"), *s;

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, op);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, set);
	s = nftnl_expr_alloc(rate ? "limit" : "connlimit");
	if (!s) {
		b->oom = true;
		return;
	}
	if (rate) {
		/* burst N: a client may open N at once, then N per unit */
		nftnl_expr_set_u64(s, NFTNL_EXPR_LIMIT_RATE, rate);
		nftnl_expr_set_u64(s, NFTNL_EXPR_LIMIT_UNIT, unit);
		nftnl_expr_set_u32(s, NFTNL_EXPR_LIMIT_BURST, rate);
		nftnl_expr_set_u32(s, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
		nftnl_expr_set_u32(s, NFTNL_EXPR_LIMIT_FLAGS, NFT_LIMIT_F_INV);
	} else {
		nftnl_expr_set_u32(s, NFTNL_EXPR_CONNLIMIT_COUNT, conn);
		nftnl_expr_set_u32(s, NFTNL_EXPR_CONNLIMIT_FLAGS, NFT_CONNLIMIT_F_INV);
	}
	nftnl_expr_add_expr(e, NFTNL_EXPR_DYNSET_EXPRESSIONS, s);
}

void rb_log(struct nft_rb *b, const char *prefix, int group)
{
	struct nftnl_expr *e = ex(b, "log");

	if (!e)
		return;
	nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, prefix);
	if (group >= 0)
		nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, (uint16_t)group);
	else
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOG_LEVEL, 6 /* LOG_INFO */);
}

void rb_ct_load(struct nft_rb *b, uint32_t key, int dir, uint32_t dreg)
{
	struct nftnl_expr *e = ex(b, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	if (dir >= 0)
		nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, dir);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
}

void rb_ct_set(struct nft_rb *b, uint32_t key, uint32_t sreg)
{
	struct nftnl_expr *e = ex(b, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, sreg);
}

/* reg = (reg & mask) ^ xor, on 'len' bytes (the values in host order, as
 * register contents for marks are). */
void rb_bitwise(struct nft_rb *b, uint32_t reg, uint32_t mask, uint32_t xor_, uint32_t len)
{
	struct nftnl_expr *e = ex(b, "bitwise");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_OP, NFT_BITWISE_BOOL);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &xor_, len);
}

void rb_byteorder(struct nft_rb *b, uint32_t reg, uint32_t op, uint32_t len, uint32_t size)
{
	struct nftnl_expr *e = ex(b, "byteorder");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, op);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, size);
}

void rb_verdict(struct nft_rb *b, int verdict)
{
	struct nftnl_expr *e = ex(b, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
}

void rb_imm_data(struct nft_rb *b, uint32_t dreg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = ex(b, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, dreg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
}

/* reg_proto < 0: the port is kept. The kernel completes the range (max =
 * min) and records in the flags which parts were given, and reports all of
 * it in dumps; we say the same up front, so both compare alike. */
void rb_nat(struct nft_rb *b, uint32_t type, uint32_t family, int reg_addr, int reg_proto)
{
	struct nftnl_expr *e = ex(b, "nat");
	uint32_t flags = 0;

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, type);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, family);
	if (reg_addr >= 0) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, reg_addr);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MAX, reg_addr);
		flags |= NF_NAT_RANGE_MAP_IPS;
	}
	if (reg_proto >= 0) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, reg_proto);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX, reg_proto);
		flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
	}
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, flags);
}

void rb_masq(struct nft_rb *b)
{
	ex(b, "masq");
}

void rb_objref_name(struct nft_rb *b, uint32_t type, const char *name)
{
	struct nftnl_expr *e = ex(b, "objref");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, type);
	nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, name);
}

void rb_objref_map(struct nft_rb *b, const char *set, uint32_t sreg)
{
	struct nftnl_expr *e = ex(b, "objref");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_SREG, sreg);
	nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_SET_NAME, set);
}

void rb_fib(struct nft_rb *b, uint32_t result, uint32_t flags, uint32_t dreg)
{
	struct nftnl_expr *e = ex(b, "fib");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, result);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, flags);
}

void rb_rt(struct nft_rb *b, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = ex(b, "rt");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_RT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_RT_DREG, dreg);
}

void rb_exthdr_write(struct nft_rb *b, uint8_t type, uint32_t off, uint32_t len,
		     uint32_t op, uint32_t sreg)
{
	struct nftnl_expr *e = ex(b, "exthdr");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_SREG, sreg);
	nftnl_expr_set_u8(e, NFTNL_EXPR_EXTHDR_TYPE, type);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OP, op);
}

void rb_comment(struct nft_rb *b, const char *comment)
{
	struct nftnl_udata_buf *u;

	if (b->oom)
		return;
	u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	if (!u || !nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, comment) ||
	    nftnl_rule_set_data(b->r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u),
				nftnl_udata_buf_len(u)) < 0)
		b->oom = true;
	nftnl_udata_buf_free(u);
}

/*
 * The finished rule, or NULL if any allocation failed. It is not passed
 * through a netlink round trip here: libnftnl 1.2.4 writes objref names
 * without their NUL (the kernel takes that) and reads them back with
 * strdup, which then runs into the padding. The unit tests do the round
 * trip on a zeroed buffer instead, and the integration tests compare with
 * what the kernel reports.
 */
struct nftnl_rule *rb_done(struct nft_rb *b)
{
	struct nftnl_rule *r = b->r;

	b->r = NULL;
	if (b->oom) {
		if (r)
			nftnl_rule_free(r);
		return NULL;
	}
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	return r;
}

/* ---- comparing rules ---- */

struct sig_buf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sig_put(struct sig_buf *sb, const char *p, size_t n)
{
	if (sb->oom)
		return;
	if (array_reserve(sb->s, &sb->cap, sb->len + n + 1) < 0) {
		sb->oom = true;
		return;
	}
	memcpy(sb->s + sb->len, p, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

/*
 * Expressions as libnftnl prints them ("[ payload load 4b @ network header
 * + 12 => reg 1 ]", as in `nft --debug=netlink`), then the userdata in hex.
 * Handles and positions are not part of a rule's meaning and are not in it.
 */
char *nft_rule_sig(const struct nftnl_rule *r)
{
	struct sig_buf sb = { 0 };
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	const uint8_t *ud;
	uint32_t ud_len = 0;
	char buf[1024];
	int n;

	it = nftnl_expr_iter_create(r);
	if (!it)
		return NULL;
	while ((e = nftnl_expr_iter_next(it))) {
		n = snprintf(buf, sizeof(buf), "[%s ", nftnl_expr_get_str(e, NFTNL_EXPR_NAME));
		sig_put(&sb, buf, n);
		n = nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
		if (n < 0 || (size_t)n >= sizeof(buf))
			n = snprintf(buf, sizeof(buf), "(unprintable)");
		sig_put(&sb, buf, n);
		sig_put(&sb, "]", 1);
	}
	nftnl_expr_iter_destroy(it);
	if (nftnl_rule_is_set(r, NFTNL_RULE_USERDATA))
		ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &ud_len);
	else
		ud = NULL;
	sig_put(&sb, " udata=", 7);
	for (uint32_t i = 0; ud && i < ud_len; ++i) {
		n = snprintf(buf, sizeof(buf), "%02x", ud[i]);
		sig_put(&sb, buf, n);
	}
	if (sb.oom || !sb.s) {
		free(sb.s);
		return NULL;
	}
	return sb.s;
}

struct comment_ctx {
	char *buf;
	size_t len;
};

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	struct comment_ctx *c = data;
	const char *v = nftnl_udata_get(attr);
	uint8_t n = nftnl_udata_len(attr);

	if (nftnl_udata_type(attr) != NFTNL_UDATA_RULE_COMMENT || !n)
		return 0;
	snprintf(c->buf, c->len, "%.*s", (int)n, v);
	return 0;
}

const char *nft_rule_comment(const struct nftnl_rule *r, char *buf, size_t len)
{
	struct comment_ctx c = { buf, len };
	const void *ud;
	uint32_t ud_len;

	buf[0] = '\0';
	if (!nftnl_rule_is_set(r, NFTNL_RULE_USERDATA))
		return buf;
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &ud_len);
	if (ud)
		nftnl_udata_parse(ud, ud_len, comment_cb, &c);
	return buf;
}

void nft_rule_oifname(const struct nftnl_rule *r, char *buf, size_t len)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	bool loaded = false;

	while (it && (e = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

		if (loaded && !strcmp(name, "cmp") &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP) == NFT_CMP_EQ) {
			uint32_t n;
			const char *d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &n);

			if (d)
				snprintf(buf, len, "%.*s", (int)strnlen(d, n), d);
			break;
		}
		loaded = !strcmp(name, "meta") && nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG) &&
			 nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_OIFNAME;
	}
	if (it)
		nftnl_expr_iter_destroy(it);
}

/*
 * What the kernel reports is not always what it accepts back: a dumped
 * `exthdr` write carries NFTA_EXTHDR_FLAGS, which the kernel refuses on
 * a TCP option write (EINVAL). A rule read from the kernel must be
 * sendable as it is (rollback, a table made again), so such attributes
 * are dropped here. The expressions are taken out and put back in order,
 * the offending ones rebuilt without the attribute.
 */
/* A dynset's NFTA_DYNSET_TIMEOUT of 0 in the expressions of a rule
 * message is made an attribute nobody reads (type 0, UNSPEC). */
static void hide_timeout0(struct nlattr *exprs)
{
	struct nlattr *el, *a, *d;

	mnl_attr_for_each_nested(el, exprs) {
		const char *name = NULL;
		struct nlattr *data = NULL;

		mnl_attr_for_each_nested(a, el) {
			if (mnl_attr_get_type(a) == NFTA_EXPR_NAME)
				name = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == NFTA_EXPR_DATA)
				data = a;
		}
		if (!name || strcmp(name, "dynset") || !data)
			continue;
		mnl_attr_for_each_nested(d, data) {
			uint64_t v;

			if (mnl_attr_get_type(d) != NFTA_DYNSET_TIMEOUT ||
			    mnl_attr_get_payload_len(d) != sizeof(v))
				continue;
			memcpy(&v, mnl_attr_get_payload(d), sizeof(v));
			if (!v)
				d->nla_type = (uint16_t)(d->nla_type & ~NLA_TYPE_MASK);
		}
	}
}

/*
 * The kernel reports every dynset's timeout, 0 when it states none (the
 * set's own applies, or none); sent back so, it is refused for a set
 * without timeouts (ConnLimit's meters: connlimit may not time out), and
 * it differs from the rule built. A netlink round trip without it.
 */
static int dynset_untimeout(struct nftnl_rule *r)
{
	struct nftnl_expr *v[64], *e;
	struct nftnl_expr_iter *it;
	struct nftnl_rule *w = NULL;
	struct nlmsghdr *nlh;
	struct nlattr *a;
	size_t n = 0, i;
	char *buf;
	int ret = -ENOMEM;

	buf = calloc(1, 2 * RULE_MSG_MAX);
	if (!buf)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWRULE, NFPROTO_INET, 0, 0);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	if (nlh->nlmsg_len > 2 * RULE_MSG_MAX) {
		free(buf);
		return -E2BIG;
	}
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_RULE_EXPRESSIONS)
			hide_timeout0(a);
	w = nftnl_rule_alloc();
	if (!w || nftnl_rule_nlmsg_parse(nlh, w) < 0)
		goto out;
	/* r's expressions become w's */
	it = nftnl_expr_iter_create(r);
	if (!it)
		goto out;
	while ((e = nftnl_expr_iter_next(it)) && n < sizeof(v) / sizeof(v[0]))
		v[n++] = e;
	nftnl_expr_iter_destroy(it);
	for (i = 0; i < n; ++i) {
		nftnl_rule_del_expr(v[i]);
		nftnl_expr_free(v[i]);
	}
	n = 0;
	it = nftnl_expr_iter_create(w);
	if (!it)
		goto out;
	while ((e = nftnl_expr_iter_next(it)) && n < sizeof(v) / sizeof(v[0]))
		v[n++] = e;
	nftnl_expr_iter_destroy(it);
	for (i = 0; i < n; ++i) {
		nftnl_rule_del_expr(v[i]);
		nftnl_rule_add_expr(r, v[i]);
	}
	ret = 0;
out:
	if (w)
		nftnl_rule_free(w);
	free(buf);
	return ret;
}

int nft_rule_normalise(struct nftnl_rule *r)
{
	struct nftnl_expr *v[64], *e;
	struct nftnl_expr_iter *it;
	size_t n = 0, i;
	bool fix = false, untimeout = false;

	it = nftnl_expr_iter_create(r);
	if (!it)
		return -ENOMEM;
	while ((e = nftnl_expr_iter_next(it))) {
		if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "dynset") &&
		    nftnl_expr_is_set(e, NFTNL_EXPR_DYNSET_TIMEOUT) &&
		    !nftnl_expr_get_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT))
			untimeout = true;
		if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "exthdr") &&
		    nftnl_expr_is_set(e, NFTNL_EXPR_EXTHDR_SREG) &&
		    nftnl_expr_is_set(e, NFTNL_EXPR_EXTHDR_FLAGS))
			fix = true;
		if (n < sizeof(v) / sizeof(v[0]))
			v[n] = e;
		n++;
	}
	nftnl_expr_iter_destroy(it);
	if (untimeout) {
		int ret = dynset_untimeout(r);

		if (ret < 0 || !fix)
			return ret;
		return nft_rule_normalise(r);
	}
	if (!fix)
		return 0;
	if (n > sizeof(v) / sizeof(v[0]))
		return -E2BIG;
	for (i = 0; i < n; ++i)
		nftnl_rule_del_expr(v[i]);
	for (i = 0; i < n; ++i) {
		e = v[i];
		if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "exthdr") &&
		    nftnl_expr_is_set(e, NFTNL_EXPR_EXTHDR_SREG)) {
			struct nftnl_expr *w = nftnl_expr_alloc("exthdr");

			if (!w)
				return -ENOMEM;
			nftnl_expr_set_u32(w, NFTNL_EXPR_EXTHDR_SREG,
					   nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_SREG));
			nftnl_expr_set_u8(w, NFTNL_EXPR_EXTHDR_TYPE,
					  nftnl_expr_get_u8(e, NFTNL_EXPR_EXTHDR_TYPE));
			nftnl_expr_set_u32(w, NFTNL_EXPR_EXTHDR_OFFSET,
					   nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_OFFSET));
			nftnl_expr_set_u32(w, NFTNL_EXPR_EXTHDR_LEN,
					   nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_LEN));
			if (nftnl_expr_is_set(e, NFTNL_EXPR_EXTHDR_OP))
				nftnl_expr_set_u32(w, NFTNL_EXPR_EXTHDR_OP,
						   nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_OP));
			nftnl_expr_free(e);
			e = w;
		}
		nftnl_rule_add_expr(r, e);
	}
	return 0;
}
