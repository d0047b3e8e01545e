// SPDX-License-Identifier: GPL-2.0-only
/*
 * show: how many connections each forward and egress carries right now.
 * A named counter says how much went through; conntrack says what is open.
 * One ctnetlink dump per conntrack bit, filtered by the kernel on the mark
 * (CTA_MARK/CTA_MARK_MASK), then matched by the original tuple: a forward by
 * protocol and public port, an egress by source prefix. TCP connections
 * closing down (TIME_WAIT, CLOSE) are not counted. Without the privilege to
 * dump conntrack the counts stay unknown (-1), nothing fails.
 *
 * A forward's connections that never saw a reply (no IPS_SEEN_REPLY) are
 * counted apart: the far side got them and did not answer through the
 * tunnel (SPEC §6, issue 14). Conntrack forgets an unanswered TCP connection
 * after nf_conntrack_tcp_timeout_syn_sent (2 minutes) and an unanswered UDP
 * flow after nf_conntrack_udp_timeout (30 s), so what it holds is recent.
 */
#include "show_view.h"	/* libc headers before the uapi ones */

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <string.h>
#include <time.h>

#include "lib/nl.h"
#include "show_live.h"

struct ct_tuple {
	uint8_t family;
	uint8_t proto;
	uint16_t dport;
	uint8_t src[16];
	bool closing;
	uint32_t mark;
	bool replied;		/* IPS_SEEN_REPLY */
};

struct ct_ctx {
	struct show_view *v;
	const struct wgb_config *cfg;
	bool egress;		/* which dump */
};

static int nest_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	/* every nest here has fewer than 16 attribute types */
	if (mnl_attr_get_type(a) < 16)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static bool parse_tuple(const struct nlattr *orig, struct ct_tuple *t)
{
	const struct nlattr *tt[16] = { 0 }, *ip[16] = { 0 }, *pr[16] = { 0 };

	if (mnl_attr_parse_nested(orig, nest_cb, tt) < 0 || !tt[CTA_TUPLE_IP] ||
	    !tt[CTA_TUPLE_PROTO])
		return false;
	if (mnl_attr_parse_nested(tt[CTA_TUPLE_IP], nest_cb, ip) < 0 ||
	    mnl_attr_parse_nested(tt[CTA_TUPLE_PROTO], nest_cb, pr) < 0 ||
	    !pr[CTA_PROTO_NUM])
		return false;
	if (ip[CTA_IP_V4_SRC] && mnl_attr_get_payload_len(ip[CTA_IP_V4_SRC]) == 4) {
		t->family = AF_INET;
		memcpy(t->src, mnl_attr_get_payload(ip[CTA_IP_V4_SRC]), 4);
	} else if (ip[CTA_IP_V6_SRC] && mnl_attr_get_payload_len(ip[CTA_IP_V6_SRC]) == 16) {
		t->family = AF_INET6;
		memcpy(t->src, mnl_attr_get_payload(ip[CTA_IP_V6_SRC]), 16);
	} else {
		return false;
	}
	t->proto = mnl_attr_get_u8(pr[CTA_PROTO_NUM]);
	t->dport = pr[CTA_PROTO_DST_PORT] ? ntohs(mnl_attr_get_u16(pr[CTA_PROTO_DST_PORT])) : 0;
	return true;
}

static bool tcp_closing(const struct nlattr *protoinfo)
{
	const struct nlattr *pi[16] = { 0 }, *tcp[16] = { 0 };
	uint8_t st;

	if (!protoinfo || mnl_attr_parse_nested(protoinfo, nest_cb, pi) < 0 ||
	    !pi[CTA_PROTOINFO_TCP] ||
	    mnl_attr_parse_nested(pi[CTA_PROTOINFO_TCP], nest_cb, tcp) < 0 ||
	    !tcp[CTA_PROTOINFO_TCP_STATE])
		return false;
	st = mnl_attr_get_u8(tcp[CTA_PROTOINFO_TCP_STATE]);
	return st == TCP_CONNTRACK_TIME_WAIT || st == TCP_CONNTRACK_CLOSE;
}

static bool in_prefix(const struct prefix *p, uint8_t family, const uint8_t *a)
{
	unsigned bits = p->len, i;

	if (p->family != family)
		return false;
	for (i = 0; bits >= 8; ++i, bits -= 8)
		if (a[i] != p->addr.bytes[i])
			return false;
	return !bits || !((a[i] ^ p->addr.bytes[i]) & (0xff << (8 - bits)));
}

static void count(struct ct_ctx *c, const struct ct_tuple *t)
{
	const struct wgb_config *cfg = c->cfg;
	size_t i, k;

	if (t->closing)
		return;
	/* a hairpin connection carries both bits: its forward's, not an
	 * egress's */
	if (c->egress && (t->mark & cfg->bastion.ct_ingress) == cfg->bastion.ct_ingress)
		return;
	if (!c->egress) {
		for (i = 0; i < cfg->n_forwards && i < c->v->n_forwards; ++i) {
			const struct wgb_forward *f = &cfg->forwards[i];
			unsigned want = t->proto == IPPROTO_TCP ? PROTO_TCP :
					t->proto == IPPROTO_UDP ? PROTO_UDP : 0;

			/* the client's family: a forward serves one family */
			if ((f->protocols & want) && t->dport >= f->port_lo &&
			    t->dport <= f->port_hi && t->family == f->family) {
				c->v->forwards[i].connections++;
				if (!t->replied)
					c->v->forwards[i].unanswered++;
				return;
			}
		}
		return;
	}
	for (i = 0; i < cfg->n_egresses && i < c->v->n_egresses; ++i) {
		const struct prefix_list *src = &cfg->egresses[i].source;

		for (k = 0; k < src->n; ++k) {
			if (in_prefix(&src->v[k], t->family, t->src)) {
				c->v->egresses[i].connections++;
				return;
			}
		}
	}
}

static int ct_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTA_MAX + 1] = { 0 };
	struct ct_tuple t = { 0 };
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) <= CTA_MAX)
			tb[mnl_attr_get_type(a)] = a;
	if (!tb[CTA_TUPLE_ORIG] || !parse_tuple(tb[CTA_TUPLE_ORIG], &t))
		return MNL_CB_OK;
	t.closing = t.proto == IPPROTO_TCP && tcp_closing(tb[CTA_PROTOINFO]);
	t.mark = tb[CTA_MARK] ? ntohl(mnl_attr_get_u32(tb[CTA_MARK])) : 0;
	/* no status: count it as answered, never blame the far side blindly */
	t.replied = !tb[CTA_STATUS] ||
		    (ntohl(mnl_attr_get_u32(tb[CTA_STATUS])) & IPS_SEEN_REPLY);
	count(data, &t);
	return MNL_CB_OK;
}

static int ct_dump(struct mnl_socket *nl, uint32_t bit, struct ct_ctx *c)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct nfgenmsg *g;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = time(NULL) + bit;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;	/* both families */
	g->version = NFNETLINK_V0;
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(bit));
	mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(bit));
	return nl_request(nl, nlh, ct_cb, c, NULL, 0);
}

void show_connections(struct show_view *v, const struct wgb_config *cfg)
{
	struct ct_ctx c = { .v = v, .cfg = cfg };
	struct mnl_socket *nl;
	size_t i;

	if (!cfg || (!v->n_forwards && !v->n_egresses))
		return;
	nl = nl_open(NETLINK_NETFILTER);
	if (!nl)
		return;
	for (i = 0; i < v->n_forwards; ++i)
		v->forwards[i].connections = v->forwards[i].unanswered = 0;
	if (v->n_forwards && ct_dump(nl, cfg->bastion.ct_ingress, &c) < 0)
		for (i = 0; i < v->n_forwards; ++i)
			v->forwards[i].connections = v->forwards[i].unanswered = -1;
	c.egress = true;
	for (i = 0; i < v->n_egresses; ++i)
		v->egresses[i].connections = 0;
	if (v->n_egresses && ct_dump(nl, cfg->bastion.ct_egress, &c) < 0)
		for (i = 0; i < v->n_egresses; ++i)
			v->egresses[i].connections = -1;
	mnl_socket_close(nl);
}
