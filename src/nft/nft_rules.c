// SPDX-License-Identifier: GPL-2.0-only
/*
 * The chains of our table and their rules, in the exact shapes nft itself
 * emits for the statements of docs/ruleset.md (checked with `nft
 * --debug=netlink`), so that `nft list` prints them as written there. The
 * rules are fixed but for the tunnel's name, the marks, and a few rules
 * per egress.
 */
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tuple_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_ipv4.h>

#include "nft_int.h"

/* A base chain (type != NULL: hooked, policy accept) or one reached only
 * by jumps (type NULL: no hook, type or policy). */
static struct nft_chain *chain_add(struct nft_bld *b, const char *name, const char *type,
				   uint32_t hook, int32_t prio)
{
	struct nftnl_chain *c;
	struct nft_chain *sc;

	if (b->err)
		return NULL;
	c = nftnl_chain_alloc();
	sc = c ? nft_state_add_chain(b->st, name) : NULL;
	if (!sc) {
		if (c)
			nftnl_chain_free(c);
		b->err = -ENOMEM;
		return NULL;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (type) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	if (nft_chain_adopt(b->st, sc, c) < 0)
		b->err = -ENOMEM;
	return sc;
}

static struct nft_chain *chain_add_plain(struct nft_bld *b, const char *name)
{
	return chain_add(b, name, NULL, 0, 0);
}

static void rule_end(struct nft_bld *b, struct nft_chain *c, struct nft_rb *rb, const char *comment)
{
	rb_comment(rb, comment);
	if (b->err || !c) {
		if (rb->r)
			nftnl_rule_free(rb->r);
		return;
	}
	b->err = nft_chain_add_rule(b->st, c, rb_done(rb), 0);
}

/* ct mark & bit == bit */
static void ct_mark_has(struct nft_rb *rb, uint32_t bit)
{
	rb_ct_load(rb, NFT_CT_MARK, -1, NFT_REG_1);
	rb_bitwise(rb, NFT_REG_1, bit, 0, 4);
	rb_cmp_u32(rb, NFT_CMP_EQ, bit);
}

/* ct mark set ct mark | bit */
static void ct_mark_or(struct nft_rb *rb, uint32_t bit)
{
	rb_ct_load(rb, NFT_CT_MARK, -1, NFT_REG_1);
	rb_bitwise(rb, NFT_REG_1, ~bit, bit, 4);
	rb_ct_set(rb, NFT_CT_MARK, NFT_REG_1);
}

/* ct state new */
static void ct_new(struct nft_rb *rb)
{
	rb_ct_load(rb, NFT_CT_STATE, -1, NFT_REG_1);
	rb_bitwise(rb, NFT_REG_1, NF_CT_STATE_BIT(IP_CT_NEW), 0, 4);
	rb_cmp_u32(rb, NFT_CMP_NEQ, 0);
}

static void match_ifname(struct nft_rb *rb, uint32_t key, uint32_t op, const char *name)
{
	rb_meta_load(rb, key, NFT_REG_1);
	rb_cmp_ifname(rb, op, name);
}

static void match_meta_u8(struct nft_rb *rb, uint32_t key, uint8_t v)
{
	rb_meta_load(rb, key, NFT_REG_1);
	rb_cmp_u8(rb, NFT_CMP_EQ, v);
}

static void chain_pre_nat(struct nft_bld *b)
{
	struct nft_chain *c = chain_add(b, "pre_nat", "nat", NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST);
	char set[64];
	struct nft_rb rb;
	size_t i, j;

	/* from the tunnel, only the tunnel's own addresses are never DNATed
	 * (fib daddr . iif type local): the far side reaching the bastion's
	 * public address and a forwarded port is hairpinned below */
	rb_init(&rb);
	match_ifname(&rb, NFT_META_IIFNAME, NFT_CMP_EQ, b->ifname);
	rb_fib(&rb, NFT_FIB_RESULT_ADDRTYPE, NFTA_FIB_F_DADDR | NFTA_FIB_F_IIF, NFT_REG_1);
	rb_cmp_u32(&rb, NFT_CMP_EQ, 2 /* RTN_LOCAL */);
	rb_verdict(&rb, NFT_RETURN);
	rule_end(b, c, &rb, "from the tunnel to its own address: never DNAT");

	rb_init(&rb);
	rb_fib(&rb, NFT_FIB_RESULT_ADDRTYPE, NFTA_FIB_F_DADDR, NFT_REG_1);
	rb_cmp_u32(&rb, NFT_CMP_NEQ, 2 /* RTN_LOCAL */);
	rb_verdict(&rb, NFT_RETURN);
	rule_end(b, c, &rb, "only connections to this host");

	for (i = 0; i < 2; ++i) {
		const struct nft_fam *f = &nft_fams[i];

		for (j = 0; j < 2; ++j) {
			rb_init(&rb);
			match_meta_u8(&rb, NFT_META_NFPROTO, f->nfproto);
			match_meta_u8(&rb, NFT_META_L4PROTO, nft_protos[j].num);
			rb_payload(&rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
			nft_fwd_set_name(set, sizeof(set), NFT_FS_OPEN, i, j);
			rb_lookup(&rb, set, NFT_REG_1, -1, false);
			ct_mark_or(&rb, b->ing);
			rule_end(b, c, &rb, "ingress: forwarded port, every client");

			rb_init(&rb);
			match_meta_u8(&rb, NFT_META_NFPROTO, f->nfproto);
			match_meta_u8(&rb, NFT_META_L4PROTO, nft_protos[j].num);
			rb_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, f->saddr, f->alen, NFT_REG_1);
			rb_payload(&rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, nft_reg(f->alen));
			nft_fwd_set_name(set, sizeof(set), NFT_FS_ALLOW, i, j);
			rb_lookup(&rb, set, NFT_REG_1, -1, false);
			ct_mark_or(&rb, b->ing);
			rule_end(b, c, &rb, "ingress: forwarded port, allowed client");

			/* AllowFile: port -> the forward's chain, whose one
			 * rule looks the client up in an interval set */
			rb_init(&rb);
			match_meta_u8(&rb, NFT_META_NFPROTO, f->nfproto);
			match_meta_u8(&rb, NFT_META_L4PROTO, nft_protos[j].num);
			rb_payload(&rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
			nft_fwd_set_name(set, sizeof(set), NFT_FS_ALLOWFILE, i, j);
			rb_lookup(&rb, set, NFT_REG_1, NFT_REG_VERDICT, false);
			rule_end(b, c, &rb, "ingress: forwarded port, client in the AllowFile");
		}
	}
	/* Hairpin (SPEC §4): a forward reached from the tunnel is also an
	 * "egress" connection. pre_mark then routes its replies, addressed to
	 * a far-side host after de-NAT, back into the tunnel; post_nat
	 * masquerades it to the tunnel's address so that the destination's
	 * reply comes back through the bastion. */
	rb_init(&rb);
	match_ifname(&rb, NFT_META_IIFNAME, NFT_CMP_EQ, b->ifname);
	ct_mark_has(&rb, b->ing);
	ct_mark_or(&rb, b->egr);
	rule_end(b, c, &rb, "hairpin: from the tunnel to a forward");

	for (i = 0; i < 2; ++i) {
		const struct nft_fam *f = &nft_fams[i];

		for (j = 0; j < 4; ++j) {
			bool keep = j & 1;

			rb_init(&rb);
			match_meta_u8(&rb, NFT_META_NFPROTO, f->nfproto);
			ct_mark_has(&rb, b->ing);
			match_meta_u8(&rb, NFT_META_L4PROTO, nft_protos[j / 2].num);
			rb_payload(&rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
			nft_fwd_set_name(set, sizeof(set), keep ? NFT_FS_KEEP : NFT_FS_DNAT, i, j / 2);
			rb_lookup(&rb, set, NFT_REG_1, NFT_REG_1, false);
			rb_nat(&rb, NFT_NAT_DNAT, f->nfproto, NFT_REG_1,
			       keep ? -1 : (int)nft_reg(f->alen));
			rule_end(b, c, &rb, keep ? "ingress: to address, port kept"
						 : "ingress: to address:port");
		}
	}
}

static void chain_pre_mark(struct nft_bld *b)
{
	struct nft_chain *c = chain_add(b, "pre_mark", "filter", NF_INET_PRE_ROUTING,
					NF_IP_PRI_NAT_DST + 10);
	const struct wgb_bastion *bs = &b->cfg->bastion;
	struct nft_rb rb;
	int dir;

	for (dir = IP_CT_DIR_ORIGINAL; dir <= IP_CT_DIR_REPLY; ++dir) {
		uint8_t d = (uint8_t)dir;

		rb_init(&rb);
		rb_ct_load(&rb, NFT_CT_DIRECTION, -1, NFT_REG_1);
		rb_cmp_u8(&rb, NFT_CMP_EQ, d);
		ct_mark_has(&rb, dir == IP_CT_DIR_ORIGINAL ? b->ing : b->egr);
		rb_meta_load(&rb, NFT_META_MARK, NFT_REG_1);
		rb_bitwise(&rb, NFT_REG_1, ~bs->mark_mask, bs->mark & bs->mark_mask, 4);
		rb_meta_set(&rb, NFT_META_MARK, NFT_REG_1);
		rule_end(b, c, &rb, dir == IP_CT_DIR_ORIGINAL ? "ingress: route into the tunnel"
				: "egress replies: route back into the tunnel");
	}
}

/* Into the tunnel (oifname): the route's MTU is the tunnel's, so `rt mtu`
 * fits. Out of it (iifname: a forwarded service's SYN-ACK, an egress SYN),
 * the route is the uplink's, whose MTU is larger; a client that cannot
 * hear "fragmentation needed" (ICMP dropped on its path) would then stall
 * on its first full-sized segment. So that direction is clamped to the
 * tunnel's MTU itself, less the IPv4 or IPv6 and TCP headers (nfproto !=
 * 0). The kernel only ever lowers an MSS. */
static void mss_clamp(struct nft_bld *b, struct nft_chain *c, uint32_t key, uint8_t nfproto,
		      const char *comment)
{
	struct nft_rb rb;
	uint16_t mss;

	rb_init(&rb);
	match_ifname(&rb, key, NFT_CMP_EQ, b->ifname);
	if (nfproto)
		match_meta_u8(&rb, NFT_META_NFPROTO, nfproto);
	match_meta_u8(&rb, NFT_META_L4PROTO, IPPROTO_TCP);
	/* tcp flags & (syn | rst) == syn */
	rb_payload(&rb, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1, NFT_REG_1);
	rb_bitwise(&rb, NFT_REG_1, 0x06, 0, 1);
	rb_cmp_u8(&rb, NFT_CMP_EQ, 0x02);
	if (nfproto) {
		/* tcp option maxseg size set MTU - 40 | MTU - 60 */
		mss = htons((uint16_t)(b->cfg->iface.mtu - (nfproto == NFPROTO_IPV4 ? 40 : 60)));
		rb_imm_data(&rb, NFT_REG_1, &mss, 2);
	} else {
		/* tcp option maxseg size set rt mtu */
		rb_rt(&rb, NFT_RT_TCPMSS, NFT_REG_1);
		rb_byteorder(&rb, NFT_REG_1, NFT_BYTEORDER_HTON, 2, 2);
	}
	rb_exthdr_write(&rb, 2 /* TCPOPT_MAXSEG */, 2, 2, NFT_EXTHDR_OP_TCPOPT, NFT_REG_1);
	rule_end(b, c, &rb, comment);
}

static void egress_rules(struct nft_bld *b, struct nft_chain *c, const struct wgb_egress *eg)
{
	char set[160], comment[128], counter[64];
	struct nft_rb rb;
	size_t i;

	snprintf(counter, sizeof(counter), NFT_EGR_PREFIX "%s", eg->name);
	for (i = 0; i < 2; ++i) {
		const struct nft_fam *f = &nft_fams[i];

		if (!nft_egress_has_family(eg, f->af))
			continue;
		rb_init(&rb);
		match_ifname(&rb, NFT_META_IIFNAME, NFT_CMP_EQ, b->ifname);
		if (eg->interface[0])
			match_ifname(&rb, NFT_META_OIFNAME, NFT_CMP_EQ, eg->interface);
		ct_new(&rb);
		match_meta_u8(&rb, NFT_META_NFPROTO, f->nfproto);
		rb_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, f->saddr, f->alen, NFT_REG_1);
		nft_egr_set_name(set, sizeof(set), eg->name, NFT_ES_SRC, i);
		rb_lookup(&rb, set, NFT_REG_1, -1, false);
		rb_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, f->daddr, f->alen, NFT_REG_1);
		nft_egr_set_name(set, sizeof(set), eg->name, NFT_ES_DST, i);
		rb_lookup(&rb, set, NFT_REG_1, -1, false);
		rb_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, f->daddr, f->alen, NFT_REG_1);
		nft_egr_set_name(set, sizeof(set), eg->name, NFT_ES_DENY, i);
		rb_lookup(&rb, set, NFT_REG_1, -1, true);
		ct_mark_or(&rb, b->egr);
		snprintf(comment, sizeof(comment), "egress %s: new connection", eg->name);
		rule_end(b, c, &rb, comment);

		rb_init(&rb);
		ct_mark_has(&rb, b->egr);
		match_meta_u8(&rb, NFT_META_NFPROTO, f->nfproto);
		rb_ct_load(&rb, f->ct_src, IP_CT_DIR_ORIGINAL, NFT_REG_1);
		nft_egr_set_name(set, sizeof(set), eg->name, NFT_ES_SRC, i);
		rb_lookup(&rb, set, NFT_REG_1, -1, false);
		rb_objref_name(&rb, NFT_OBJECT_COUNTER, counter);
		rb_verdict(&rb, NF_ACCEPT);
		snprintf(comment, sizeof(comment), "egress %s", eg->name);
		rule_end(b, c, &rb, comment);
	}
}

/*
 * The chain of one distinct limit: per family and protocol, the client's
 * bucket (protocol . public port . client address) in the limit's meter;
 * over the limit, counted on the forward's limitdrop counter and dropped.
 */
static void chain_limit(struct nft_bld *b, const struct nft_limit *lm)
{
	char name[64], meter[80], set[64], comment[64];
	struct nft_chain *c;
	struct nft_rb rb;
	size_t i, j;

	if (lm->conn) {
		nft_conn_chain_name(name, sizeof(name), lm->conn);
		snprintf(comment, sizeof(comment), "ConnLimit = %u", lm->conn);
	} else {
		nft_rate_chain_name(name, sizeof(name), lm->rate, lm->unit);
		snprintf(comment, sizeof(comment), "RateLimit = %u/%s", lm->rate,
			 lm->unit == 60 ? "minute" : "second");
	}
	c = chain_add_plain(b, name);
	for (i = 0; i < 2; ++i) {
		const struct nft_fam *f = &nft_fams[i];

		snprintf(meter, sizeof(meter), "%s%s%s", name, lm->conn ? "_" : "", f->sfx);
		for (j = 0; j < 2; ++j) {
			rb_init(&rb);
			match_meta_u8(&rb, NFT_META_NFPROTO, f->nfproto);
			match_meta_u8(&rb, NFT_META_L4PROTO, nft_protos[j].num);
			rb_meta_load(&rb, NFT_META_L4PROTO, NFT_REG_1);
			rb_ct_load(&rb, NFT_CT_PROTO_DST, IP_CT_DIR_ORIGINAL, nft_reg(4));
			rb_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, f->saddr, f->alen, nft_reg(8));
			rb_dynset_limit(&rb, meter, lm->conn ? NFT_DYNSET_OP_ADD : NFT_DYNSET_OP_UPDATE,
					NFT_REG_1, lm->rate, lm->unit, lm->conn);
			rb_ct_load(&rb, NFT_CT_PROTO_DST, IP_CT_DIR_ORIGINAL, NFT_REG_1);
			nft_fwd_set_name(set, sizeof(set), NFT_FS_LIMITDROP, i, j);
			rb_objref_map(&rb, set, NFT_REG_1);
			rb_verdict(&rb, NF_DROP);
			rule_end(b, c, &rb, comment);
		}
	}
}

/* New ingress connections to a forward with limits go to its limits'
 * chains: a verdict map per family, protocol and kind, keyed by the
 * public port, so the cost does not grow with the forwards. */
static void limit_rules(struct nft_bld *b, struct nft_chain *c)
{
	static const enum nft_fs_kind kinds[] = { NFT_FS_RATE, NFT_FS_CONN, NFT_FS_LOG };
	static const char *const comments[] = {
		"ingress: RateLimit per client", "ingress: ConnLimit per client",
		"ingress: Log per forward",
	};
	char set[64];
	struct nft_rb rb;
	size_t i, j, k;

	/* logged after the limits: what they drop is not logged, so a
	 * flood cannot flood the log */
	for (k = 0; k < 3; ++k) {
		for (i = 0; i < 2; ++i) {
			for (j = 0; j < 2; ++j) {
				rb_init(&rb);
				ct_new(&rb);
				ct_mark_has(&rb, b->ing);
				match_meta_u8(&rb, NFT_META_NFPROTO, nft_fams[i].nfproto);
				match_meta_u8(&rb, NFT_META_L4PROTO, nft_protos[j].num);
				rb_ct_load(&rb, NFT_CT_PROTO_DST, IP_CT_DIR_ORIGINAL, NFT_REG_1);
				nft_fwd_set_name(set, sizeof(set), kinds[k], i, j);
				rb_lookup(&rb, set, NFT_REG_1, NFT_REG_VERDICT, false);
				rule_end(b, c, &rb, comments[k]);
			}
		}
	}
}

/* The chain of a forward with AllowFile: a client in its set is admitted,
 * as by Allow (the union of both). */
static void chain_allowfile(struct nft_bld *b, const struct wgb_forward *fw)
{
	const struct nft_fam *f = fw->family == AF_INET6 ? &nft_fams[1] : &nft_fams[0];
	char name[64];
	struct nft_chain *c;
	struct nft_rb rb;

	nft_allowfile_name(name, sizeof(name), fw->name);
	c = chain_add_plain(b, name);
	rb_init(&rb);
	rb_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, f->saddr, f->alen, NFT_REG_1);
	rb_lookup(&rb, name, NFT_REG_1, -1, false);
	ct_mark_or(&rb, b->ing);
	rule_end(b, c, &rb, "AllowFile");
}

/* The chain of a forward with Log: one rule, its prefix naming it. */
static void chain_log(struct nft_bld *b, const struct wgb_forward *fw)
{
	char name[64], prefix[64];
	struct nft_chain *c;
	struct nft_rb rb;

	nft_log_chain_name(name, sizeof(name), fw->name);
	snprintf(prefix, sizeof(prefix), "wgbastion %s: ", fw->name);
	c = chain_add_plain(b, name);
	rb_init(&rb);
	rb_log(&rb, prefix, fw->log == WGB_LOG_NFLOG ? fw->log_group : -1);
	rule_end(b, c, &rb, fw->log == WGB_LOG_NFLOG ? "Log = nflog" : "Log = yes");
}

static void chain_forward(struct nft_bld *b)
{
	struct nft_chain *c = chain_add(b, "forward", "filter", NF_INET_FORWARD, NF_IP_PRI_FILTER);
	const struct wgb_egress *eg;
	char set[64];
	struct nft_rb rb;
	size_t i, j;

	mss_clamp(b, c, NFT_META_OIFNAME, 0, "clamp MSS into the tunnel");
	mss_clamp(b, c, NFT_META_IIFNAME, NFPROTO_IPV4, "clamp MSS out of the tunnel to its MTU");
	mss_clamp(b, c, NFT_META_IIFNAME, NFPROTO_IPV6, "clamp MSS out of the tunnel to its MTU");
	limit_rules(b, c);
	for (i = 0; i < 2; ++i) {
		for (j = 0; j < 2; ++j) {
			rb_init(&rb);
			ct_mark_has(&rb, b->ing);
			match_meta_u8(&rb, NFT_META_NFPROTO, nft_fams[i].nfproto);
			match_meta_u8(&rb, NFT_META_L4PROTO, nft_protos[j].num);
			rb_ct_load(&rb, NFT_CT_PROTO_DST, IP_CT_DIR_ORIGINAL, NFT_REG_1);
			nft_fwd_set_name(set, sizeof(set), NFT_FS_COUNT, i, j);
			rb_objref_map(&rb, set, NFT_REG_1);
			rule_end(b, c, &rb, "ingress: count per forward");
		}
	}
	rb_init(&rb);
	ct_mark_has(&rb, b->ing);
	rb_verdict(&rb, NF_ACCEPT);
	rule_end(b, c, &rb, "ingress");

	for_each_egress(b->cfg, eg)
		egress_rules(b, c, eg);

	/* the far side's connections, both ways (counted in far_pre) */
	if (b->cfg->n_returns) {
		rb_init(&rb);
		ct_mark_has(&rb, b->ret);
		rb_verdict(&rb, NF_ACCEPT);
		rule_end(b, c, &rb, "returns");
	}
	if (b->cfg->n_exits) {
		rb_init(&rb);
		ct_mark_has(&rb, b->ext);
		rb_verdict(&rb, NF_ACCEPT);
		rule_end(b, c, &rb, "exits");
	}

	rb_init(&rb);
	match_ifname(&rb, NFT_META_IIFNAME, NFT_CMP_EQ, b->ifname);
	rb_objref_name(&rb, NFT_OBJECT_COUNTER, NFT_DROPPED);
	rb_verdict(&rb, NF_DROP);
	rule_end(b, c, &rb, "from the tunnel, allowed by no forward or egress");

	rb_init(&rb);
	match_ifname(&rb, NFT_META_OIFNAME, NFT_CMP_EQ, b->ifname);
	rb_objref_name(&rb, NFT_OBJECT_COUNTER, NFT_DROPPED);
	rb_verdict(&rb, NF_DROP);
	rule_end(b, c, &rb, "into the tunnel, allowed by no forward or egress");
}

/* ---- the far side (SPEC §6, Appendix B) ---- */

/* meta mark set meta mark & ~mask | bits */
static void meta_mark_set(struct nft_rb *rb, uint32_t mask, uint32_t bits)
{
	rb_meta_load(rb, NFT_META_MARK, NFT_REG_1);
	rb_bitwise(rb, NFT_REG_1, ~mask, bits & mask, 4);
	rb_meta_set(rb, NFT_META_MARK, NFT_REG_1);
}

/* ct direction D ct mark & bit == bit */
static void ct_dir_has(struct nft_rb *rb, uint8_t dir, uint32_t bit)
{
	rb_ct_load(rb, NFT_CT_DIRECTION, -1, NFT_REG_1);
	rb_cmp_u8(rb, NFT_CMP_EQ, dir);
	ct_mark_has(rb, bit);
}

/*
 * Before the routing decision (priority mangle): a new connection that
 * came in by the tunnel to a [Return]'s destination gets the return bit,
 * and its replies from elsewhere the routing mark, so the instance's rule
 * sends them into the tunnel; a new connection from an [Exit]'s source
 * (not from the tunnel) gets the exit bit, and its original-direction
 * packets the exit mark. Replies are never exit-marked: a connection that
 * came in by another tunnel is answered through that one.
 */
static void chain_far_pre(struct nft_bld *b)
{
	const struct wgb_bastion *bs = &b->cfg->bastion;
	const struct wgb_return *rt;
	const struct wgb_exit *x;
	char set[128], counter[64], comment[96];
	struct nft_chain *c;
	struct nft_rb rb;
	size_t i;

	c = chain_add(b, "far_pre", "filter", NF_INET_PRE_ROUTING, NF_IP_PRI_MANGLE);
	for_each_return(b->cfg, rt) {
		snprintf(counter, sizeof(counter), NFT_RET_PREFIX "%s", rt->name);
		snprintf(comment, sizeof(comment), "return %s: new from the tunnel", rt->name);
		for (i = 0; i < 2; ++i) {
			const struct nft_fam *f = &nft_fams[i];

			if (!prefix_list_has_family(&rt->destination, f->af))
				continue;
			rb_init(&rb);
			match_ifname(&rb, NFT_META_IIFNAME, NFT_CMP_EQ, b->ifname);
			ct_new(&rb);
			match_meta_u8(&rb, NFT_META_NFPROTO, f->nfproto);
			rb_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, f->daddr, f->alen, NFT_REG_1);
			nft_far_set_name(set, sizeof(set), NFT_RET_PREFIX, rt->name, "dst", i);
			rb_lookup(&rb, set, NFT_REG_1, -1, false);
			ct_mark_or(&rb, b->ret);
			rb_objref_name(&rb, NFT_OBJECT_COUNTER, counter);
			rule_end(b, c, &rb, comment);
		}
	}
	if (b->cfg->n_returns) {
		rb_init(&rb);
		match_ifname(&rb, NFT_META_IIFNAME, NFT_CMP_NEQ, b->ifname);
		ct_dir_has(&rb, IP_CT_DIR_REPLY, b->ret);
		meta_mark_set(&rb, bs->mark_mask, bs->mark);
		rule_end(b, c, &rb, "returns: replies into the tunnel");
	}
	for_each_exit(b->cfg, x) {
		snprintf(counter, sizeof(counter), NFT_EXIT_PREFIX "%s", x->name);
		snprintf(comment, sizeof(comment), "exit %s: new connection", x->name);
		for (i = 0; i < 2; ++i) {
			const struct nft_fam *f = &nft_fams[i];

			if (!prefix_list_has_family(&x->source, f->af))
				continue;
			rb_init(&rb);
			match_ifname(&rb, NFT_META_IIFNAME, NFT_CMP_NEQ, b->ifname);
			ct_new(&rb);
			match_meta_u8(&rb, NFT_META_NFPROTO, f->nfproto);
			rb_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, f->saddr, f->alen, NFT_REG_1);
			nft_far_set_name(set, sizeof(set), NFT_EXIT_PREFIX, x->name, "src", i);
			rb_lookup(&rb, set, NFT_REG_1, -1, false);
			rb_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, f->daddr, f->alen, NFT_REG_1);
			nft_far_set_name(set, sizeof(set), NFT_EXIT_PREFIX, x->name, "dst", i);
			rb_lookup(&rb, set, NFT_REG_1, -1, false);
			ct_mark_or(&rb, b->ext);
			rb_objref_name(&rb, NFT_OBJECT_COUNTER, counter);
			rule_end(b, c, &rb, comment);
		}
	}
	if (b->cfg->n_exits) {
		rb_init(&rb);
		ct_dir_has(&rb, IP_CT_DIR_ORIGINAL, b->ext);
		meta_mark_set(&rb, bs->exit_mark, bs->exit_mark);
		rule_end(b, c, &rb, "exits: into the tunnel, unless the main table knows better");
	}
}

/* The replies of this host's own sockets (a service on the gateway): a
 * route chain, so that the new mark routes them again. */
static void chain_far_out(struct nft_bld *b)
{
	const struct wgb_bastion *bs = &b->cfg->bastion;
	struct nft_chain *c;
	struct nft_rb rb;

	c = chain_add(b, "far_out", "route", NF_INET_LOCAL_OUT, NF_IP_PRI_MANGLE);
	rb_init(&rb);
	ct_dir_has(&rb, IP_CT_DIR_REPLY, b->ret);
	meta_mark_set(&rb, bs->mark_mask, bs->mark);
	rule_end(b, c, &rb, "returns: replies of this host into the tunnel");
}

static void chain_post_nat(struct nft_bld *b)
{
	struct nft_chain *c = chain_add(b, "post_nat", "nat", NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC);
	const struct wgb_egress *eg;
	char set[160], comment[128];
	struct nft_rb rb;
	size_t i, j;

	rb_init(&rb);
	match_ifname(&rb, NFT_META_OIFNAME, NFT_CMP_EQ, b->ifname);
	ct_mark_has(&rb, b->ing | b->egr);
	rb_masq(&rb);
	rule_end(b, c, &rb, "hairpin: masquerade to the tunnel address");

	for (i = 0; i < 2; ++i) {
		for (j = 0; j < 2; ++j) {
			rb_init(&rb);
			match_ifname(&rb, NFT_META_OIFNAME, NFT_CMP_EQ, b->ifname);
			ct_mark_has(&rb, b->ing);
			match_meta_u8(&rb, NFT_META_NFPROTO, nft_fams[i].nfproto);
			match_meta_u8(&rb, NFT_META_L4PROTO, nft_protos[j].num);
			rb_ct_load(&rb, NFT_CT_PROTO_DST, IP_CT_DIR_ORIGINAL, NFT_REG_1);
			nft_fwd_set_name(set, sizeof(set), NFT_FS_MASQ, i, j);
			rb_lookup(&rb, set, NFT_REG_1, -1, false);
			rb_masq(&rb);
			rule_end(b, c, &rb, "forwards with Masquerade = yes");
		}
	}
	for_each_egress(b->cfg, eg) {
		if (!eg->masquerade)
			continue;
		for (i = 0; i < 2; ++i) {
			const struct nft_fam *f = &nft_fams[i];

			if (!nft_egress_has_family(eg, f->af))
				continue;
			rb_init(&rb);
			if (eg->interface[0])
				match_ifname(&rb, NFT_META_OIFNAME, NFT_CMP_EQ, eg->interface);
			else
				match_ifname(&rb, NFT_META_OIFNAME, NFT_CMP_NEQ, b->ifname);
			ct_mark_has(&rb, b->egr);
			match_meta_u8(&rb, NFT_META_NFPROTO, f->nfproto);
			rb_ct_load(&rb, f->ct_src, IP_CT_DIR_ORIGINAL, NFT_REG_1);
			nft_egr_set_name(set, sizeof(set), eg->name, NFT_ES_SRC, i);
			rb_lookup(&rb, set, NFT_REG_1, -1, false);
			rb_masq(&rb);
			snprintf(comment, sizeof(comment), "egress %s", eg->name);
			rule_end(b, c, &rb, comment);
		}
	}
}

void nft_build_chains(struct nft_bld *b)
{
	const struct wgb_forward *fw;
	size_t i;

	/* before the forward chain: its verdict maps jump to them */
	for (i = 0; i < b->n_limits; ++i)
		chain_limit(b, &b->limits[i]);
	for_each_forward(b->cfg, fw) {
		if (fw->log)
			chain_log(b, fw);
		if (fw->allow_file)
			chain_allowfile(b, fw);
	}
	chain_pre_nat(b);
	chain_pre_mark(b);
	chain_forward(b);
	chain_post_nat(b);
	if (b->cfg->n_returns || b->cfg->n_exits)
		chain_far_pre(b);
	if (b->cfg->n_returns)
		chain_far_out(b);
}
