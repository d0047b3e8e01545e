// SPDX-License-Identifier: GPL-2.0-only
/*
 * Warnings that save an evening (guard.h). Each is a situation where apply
 * succeeds, `nft list` looks right, and yet no packet gets through:
 *
 *  - another firewall drops forwarded packets. Every base chain on the
 *    forward hook sees every packet, and a drop anywhere is final: our
 *    table's accept does not help against Docker's or ufw's "policy drop",
 *    nor firewalld's final reject. Seen through nftables (iptables-nft is
 *    nftables too) and, for iptables-legacy, through the FORWARD policy of
 *    its filter table.
 *  - strict reverse-path filtering on the uplink. With src_valid_mark (which
 *    wg-quick turns on for its own policy routing) the reverse lookup of a
 *    client address uses the packet's mark, our mark routes to the tunnel,
 *    and rp_filter = 1 drops every ingress connection and egress reply. An
 *    egress pinned to an uplink that is not where the default route goes
 *    fails the same check without any mark.
 *  - a peer that has not completed a handshake for more than 3 minutes
 *    (WireGuard rekeys every 2): the far side is down or cannot reach us.
 */
/* first: its libc headers must come before the kernel uapi ones */
#include "guard.h"
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/array.h"
#include "lib/nl.h"
#include "lib/warn.h"
#include "sysctl/sysctl.h"
#include "wg/wg.h"

/* --- foreign forward chains (nftables) ------------------------------- */

struct fwd_chain {
	uint32_t family;
	char table[NFT_TABLE_MAXNAMELEN];
	char name[NFT_CHAIN_MAXNAMELEN];
	bool policy_drop;
	bool last_rule_drops;	/* ends with an unconditional drop/reject */
};

struct fwd_chains {
	struct fwd_chain *v;
	size_t n;
	const char *own;	/* our table: never reported */
	bool v6;		/* do ip6 tables concern us */
};

static bool family_concerns(const struct fwd_chains *c, uint32_t family)
{
	return family == NFPROTO_INET || family == NFPROTO_IPV4 ||
	       (family == NFPROTO_IPV6 && c->v6);
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fwd_chains *c = data;
	struct nftnl_chain *ch = nftnl_chain_alloc();
	struct fwd_chain *n;
	const char *table;
	uint32_t family;

	if (!ch)
		return MNL_CB_ERROR;
	if (nftnl_chain_nlmsg_parse(nlh, ch) < 0 ||
	    !nftnl_chain_is_set(ch, NFTNL_CHAIN_HOOKNUM))
		goto out;
	family = nftnl_chain_get_u32(ch, NFTNL_CHAIN_FAMILY);
	table = nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE);
	/* other wgbastion instances accept by policy, like ours */
	if (nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM) != NF_INET_FORWARD ||
	    !family_concerns(c, family) || !strncmp(table, "wgbastion-", 10))
		goto out;
	n = array_push(c->v, c->n, NULL);
	if (!n)
		goto out;
	n->family = family;
	snprintf(n->table, sizeof(n->table), "%s", table);
	snprintf(n->name, sizeof(n->name), "%s", nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME));
	n->policy_drop = nftnl_chain_is_set(ch, NFTNL_CHAIN_POLICY) &&
			 nftnl_chain_get_u32(ch, NFTNL_CHAIN_POLICY) == NF_DROP;
out:
	nftnl_chain_free(ch);
	return MNL_CB_OK;
}

/* "counter reject", "drop", "log drop": a rule that drops whatever reaches it. */
static bool rule_drops_all(const struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *ex;
	bool drops = false, plain = true;

	if (!it)
		return false;
	while (plain && (ex = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(ex, NFTNL_EXPR_NAME);

		if (!strcmp(name, "counter") || !strcmp(name, "log"))
			continue;
		if (!strcmp(name, "reject"))
			drops = true;
		else if (!strcmp(name, "immediate") &&
			 nftnl_expr_get_u32(ex, NFTNL_EXPR_IMM_DREG) == NFT_REG_VERDICT)
			drops = (int)nftnl_expr_get_u32(ex, NFTNL_EXPR_IMM_VERDICT) == NF_DROP;
		else
			plain = false;
	}
	nftnl_expr_iter_destroy(it);
	return plain && drops;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fwd_chains *c = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *table, *chain;
	uint32_t family;
	size_t i;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out;
	family = nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY);
	table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
	chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	for (i = 0; i < c->n; ++i) {
		/* rules come in chain order: the last one seen is the last */
		if (c->v[i].family == family && !strcmp(c->v[i].table, table) &&
		    !strcmp(c->v[i].name, chain))
			c->v[i].last_rule_drops = rule_drops_all(r);
	}
out:
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static int nft_dump(struct mnl_socket *nl, uint16_t type, mnl_cb_t cb, void *data)
{
	char buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg))];
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_UNSPEC, NLM_F_DUMP, time(NULL) + type);
	return nl_request(nl, nlh, cb, data, NULL, 0);
}

static const char *family_name(uint32_t f)
{
	return f == NFPROTO_INET ? "inet" : f == NFPROTO_IPV4 ? "ip" :
	       f == NFPROTO_IPV6 ? "ip6" : "?";
}

static void warn_nft_chains(const struct instance *in, bool v6)
{
	struct fwd_chains c = { .v6 = v6 };
	struct mnl_socket *nl;
	size_t i;

	nl = nl_open(NETLINK_NETFILTER);
	if (!nl)
		return;
	if (nft_dump(nl, NFT_MSG_GETCHAIN, chain_cb, &c) < 0 || !c.n ||
	    nft_dump(nl, NFT_MSG_GETRULE, rule_cb, &c) < 0)
		goto out;
	for (i = 0; i < c.n; ++i) {
		const struct fwd_chain *f = &c.v[i];

		if (!f->policy_drop && !f->last_rule_drops)
			continue;
		warning("nftables %s %s, chain %s (hook forward) %s: it also sees the "
			"packets of %s's forwards and egresses, and a drop there is final; "
			"accept them in that chain (iif or oif %s; Docker: the DOCKER-USER chain)",
			family_name(f->family), f->table, f->name,
			f->policy_drop ? "has policy drop" : "ends in a rule that drops everything",
			in->name, in->name);
	}
out:
	free(c.v);
	mnl_socket_close(nl);
}

/* iptables-legacy keeps its rules outside nftables; only look when its
 * filter table already exists (asking would load the module). */
static void warn_legacy_forward(const struct instance *in)
{
	struct ipt_getinfo info = { .name = "filter" };
	struct ipt_get_entries *ent = NULL;
	const struct xt_standard_target *t;
	const struct ipt_entry *e;
	socklen_t len = sizeof(info);
	char line[64];
	bool loaded = false;
	FILE *f;
	int fd;

	f = fopen("/proc/net/ip_tables_names", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		loaded |= !strcmp(line, "filter\n");
	fclose(f);
	if (!loaded)
		return;
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return;
	if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_INFO, &info, &len) < 0 ||
	    !(info.valid_hooks & (1 << NF_INET_FORWARD)))
		goto out;
	len = sizeof(*ent) + info.size;
	ent = calloc(1, len);
	if (!ent)
		goto out;
	snprintf(ent->name, sizeof(ent->name), "filter");
	ent->size = info.size;
	if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_ENTRIES, ent, &len) < 0 ||
	    info.underflow[NF_INET_FORWARD] + sizeof(*e) + sizeof(*t) > info.size)
		goto out;
	/* The chain's policy is the standard target of its underflow entry;
	 * verdicts are stored as -verdict - 1. */
	e = (const void *)((const char *)ent->entrytable + info.underflow[NF_INET_FORWARD]);
	if (e->target_offset + sizeof(*t) > info.size - info.underflow[NF_INET_FORWARD])
		goto out;
	t = (const void *)((const char *)e + e->target_offset);
	if (t->verdict == -NF_DROP - 1)
		warning("iptables (legacy) filter FORWARD has policy DROP: it also sees the "
			"packets of %s's forwards and egresses; accept them there "
			"(iptables -I FORWARD -i %s -j ACCEPT and -o %s; Docker: DOCKER-USER)",
			in->name, in->name, in->name);
out:
	free(ent);
	close(fd);
}

/* --- reverse-path filtering ------------------------------------------ */

/* An IPv4 per-device setting; -1 when it cannot be read (no such
 * device, or no /proc/sys to look at): that case warns about nothing. */
static int conf_int(const char *dev, const char *key)
{
	char path[128];
	int v;

	snprintf(path, sizeof(path), "net/ipv4/conf/%s/%s", dev, key);
	return sysctl_proc_read(path, &v) < 0 ? -1 : v;
}

/* Interfaces of the main table's IPv4 default routes ("uplinks"). */
static size_t default_uplinks(char (*out)[IFNAMSIZ], size_t max)
{
	char line[256], dev[IFNAMSIZ];
	unsigned long dst, mask;
	size_t n = 0, i;
	FILE *f;

	f = fopen("/proc/net/route", "re");
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%15s %lx %*x %*x %*d %*d %*d %lx", dev, &dst, &mask) != 3 ||
		    dst || mask)
			continue;
		for (i = 0; i < n && strcmp(out[i], dev); ++i)
			;
		if (i == n)
			memcpy(out[n++], dev, IFNAMSIZ);
	}
	fclose(f);
	return n;
}

static int max_i(int a, int b)
{
	return a > b ? a : b;
}

/* Does the egress let its sources reach IPv4 destinations everywhere? */
static bool egress_to_internet(const struct wgb_egress *eg)
{
	size_t i;

	for (i = 0; i < eg->destination.n; ++i)
		if (eg->destination.v[i].family == AF_INET && eg->destination.v[i].len == 0)
			return true;
	return false;
}

static void warn_rp_filter(const struct wgb_config *cfg)
{
	char up[8][IFNAMSIZ];
	const struct wgb_egress *eg;
	int all_rp = conf_int("all", "rp_filter"), all_vm = conf_int("all", "src_valid_mark");
	size_t n = default_uplinks(up, 8), i;

	if (cfg && !cfg->n_forwards && !cfg->n_dropped && !cfg->n_egresses)
		return;
	for (i = 0; i < n; ++i) {
		int rp = conf_int(up[i], "rp_filter"), vm = conf_int(up[i], "src_valid_mark");

		if (rp < 0 || max_i(all_rp, rp) != 1 || max_i(all_vm, vm) < 1)
			continue;
		warning("strict reverse-path filtering on uplink %s (rp_filter %d, all %d: the higher counts) with "
			"src_valid_mark on checks client addresses against the tunnel's routing "
			"mark and drops ingress connections and egress replies; set "
			"net.ipv4.conf.%s.rp_filter=2",
			up[i], rp, all_rp, up[i]);
	}
	if (!cfg)
		return;
	for_each_egress(cfg, eg) {
		int rp;

		/* Only where it bites: internet-bound egress pinned to an
		 * uplink while the default route goes out another one. */
		if (!eg->interface[0] || !n || !egress_to_internet(eg))
			continue;
		for (i = 0; i < n && strcmp(up[i], eg->interface); ++i)
			;
		rp = conf_int(eg->interface, "rp_filter");
		if (i < n || rp < 0 || max_i(all_rp, rp) != 1)
			continue;
		warning("Egress %s leaves by %s, but the default route goes out %s: strict "
			"reverse-path filtering on %s (rp_filter %d, all %d) drops the replies; "
			"set net.ipv4.conf.%s.rp_filter=2",
			eg->name, eg->interface, up[0], eg->interface, rp, all_rp, eg->interface);
	}
}

void guard_warnings(const struct wgb_config *cfg, const struct instance *in,
		    const struct run *r)
{
	if (!cfg || cfg->n_forwards || cfg->n_elided || cfg->n_dropped || cfg->n_egresses) {
		warn_nft_chains(in, !cfg || cfg->uses_ipv6);
		warn_legacy_forward(in);
	}
	warn_rp_filter(cfg);
	guard_warn_peers(run_live(r, &stage_wg));
}
