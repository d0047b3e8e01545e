// SPDX-License-Identifier: GPL-2.0-only
/*
 * After the INI reader: defaults that depend on other sections, list
 * cleanup, and every check across keys and sections (SPEC §3). Each message
 * points at the line of the key (or section) that has to change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "lib/array.h"
#include "lib/warn.h"
#include "lib/key.h"
#include "parse.h"

static const char *family_name(uint8_t family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* The line of a key, or of its section when the key was defaulted. */
static unsigned line_of(const struct cfg_lines *l, enum cfg_key k)
{
	return l->key[k] ? l->key[k] : l->section;
}

static unsigned fwd_line_of(const struct fwd_lines *l, enum cfg_key k)
{
	return l->key[k] ? l->key[k] : l->section;
}

static int list_set(struct cfg_ctx *c, struct prefix_list *l,
		    const char *const *text, size_t n)
{
	char why[PARSE_WHY];
	size_t i;

	l->v = calloc(n, sizeof(*l->v));
	if (!l->v)
		return err_set(c->e, -ENOMEM, "out of memory");
	for (i = 0; i < n; ++i)
		if (parse_prefix(text[i], PREFIX_NETWORK, &l->v[i], why) < 0)
			return err_set(c->e, -EINVAL, "internal: bad default %s", text[i]);
	l->n = n;
	return 0;
}

static const char *const everything[] = { "0.0.0.0/0", "::/0" };

/* A forward's default Allow (everyone of its family), once per forward of
 * ten thousand: set, not parsed from text as list_set() does, and shared
 * with every forward of the family (the config's allow_everyone), not a
 * block of its own. */
static void list_everyone(struct wgb_config *cfg, struct wgb_forward *f)
{
	struct prefix *everyone = &cfg->allow_everyone[f->family == AF_INET6];

	*everyone = (struct prefix){ .family = f->family, .len = 0 };
	f->allow = (struct prefix_list){ .v = everyone, .n = 1 };
	f->allow_shared = true;
}
/* the link-local ranges (AWS, GCP, Azure, OpenStack metadata at
 * 169.254.169.254), Alibaba's 100.100.100.200 and AWS's IPv6 endpoint */
static const char *const default_deny[] = {
	"100.100.100.200/32", "169.254.0.0/16", "fd00:ec2::254/128", "fe80::/10",
};

static int cmp_prefix(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

/*
 * nftables interval sets refuse overlapping elements, and a prefix inside
 * another of the same list adds nothing: keep only the outermost ones.
 * In sorted order a container comes right before what it contains, so one
 * pass against the last kept prefix suffices (the kept ones are disjoint).
 */
static void list_drop_contained(struct prefix_list *l)
{
	size_t i, n = 0;

	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp_prefix);
	for (i = 0; i < l->n; ++i) {
		if (n && prefix_contains(&l->v[n - 1], &l->v[i]))
			continue;
		l->v[n++] = l->v[i];
	}
	l->n = n;
}

struct indexed_prefix {
	struct prefix p;
	size_t i;
};

static int cmp_indexed_prefix(const void *a, const void *b)
{
	const struct indexed_prefix *x = a, *y = b;

	return prefix_cmp(&x->p, &y->p) ?: (x->i < y->i ? -1 : x->i > y->i);
}

/*
 * Exact duplicates only, order kept (Address: the first is the primary).
 * Sorted by prefix, then by position, duplicates are neighbours and the
 * first of each run is the one to keep: O(n log n), where comparing every
 * pair took seconds for a list of ten thousand (tests/fuzz/regressions).
 */
static int list_drop_duplicates(struct cfg_ctx *c, struct prefix_list *l)
{
	struct indexed_prefix *s;
	bool *drop;
	size_t i, n = 0;

	if (l->n < 2)
		return 0;
	s = calloc(l->n, sizeof(*s));
	drop = calloc(l->n, sizeof(*drop));
	if (!s || !drop) {
		free(s);
		free(drop);
		return err_set(c->e, -ENOMEM, "out of memory");
	}
	for (i = 0; i < l->n; ++i)
		s[i] = (struct indexed_prefix){ l->v[i], i };
	qsort(s, l->n, sizeof(*s), cmp_indexed_prefix);
	for (i = 1; i < l->n; ++i)
		drop[s[i].i] = !prefix_cmp(&s[i - 1].p, &s[i].p);
	for (i = 0; i < l->n; ++i)
		if (!drop[i])
			l->v[n++] = l->v[i];
	l->n = n;
	free(s);
	free(drop);
	return 0;
}

static bool iface_has_family(const struct wgb_config *cfg, uint8_t family)
{
	size_t i;

	for (i = 0; i < cfg->iface.addresses.n; ++i)
		if (cfg->iface.addresses.v[i].family == family)
			return true;
	return false;
}

static int validate_interface(struct cfg_ctx *c)
{
	struct wgb_interface *in = &c->cfg->iface;

	if (!c->has_iface)
		return cfg_bad(c, 0, "no [Interface] section: the bastion's WireGuard device must be described");
	if (!c->iface.key[K_PRIVATE_KEY] && !c->iface.key[K_PRIVATE_KEY_FILE])
		return cfg_bad(c, c->iface.section, "[Interface] needs PrivateKey or PrivateKeyFile");
	return list_drop_duplicates(c, &in->addresses);
}

static int peers_overlap(struct cfg_ctx *c);

struct indexed_key {
	const uint8_t *key;
	size_t i;
};

static int cmp_indexed_key(const void *a, const void *b)
{
	const struct indexed_key *x = a, *y = b;

	/* public keys: no need for a constant-time comparison */
	return memcmp(x->key, y->key, WG_KEY_LEN) ?: (x->i < y->i ? -1 : x->i > y->i);
}

/*
 * same[i]: the first peer before peer i with the same PublicKey, or i
 * itself. Sorted by key, then by position, equal keys are neighbours: O(n
 * log n), where comparing every pair took seconds for ten thousand peers.
 */
static size_t *peers_same_key(struct cfg_ctx *c)
{
	size_t n = c->cfg->n_peers, i, first = 0;
	struct indexed_key *s = calloc(n, sizeof(*s));
	size_t *same = calloc(n, sizeof(*same));

	if (!s || !same) {
		free(s);
		free(same);
		err_set(c->e, -ENOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; ++i)
		s[i] = (struct indexed_key){ c->cfg->peers[i].public_key, i };
	qsort(s, n, sizeof(*s), cmp_indexed_key);
	for (i = 0; i < n; ++i) {
		if (i && memcmp(s[i - 1].key, s[i].key, WG_KEY_LEN))
			first = i;
		same[s[i].i] = s[first].i;
	}
	free(s);
	return same;
}

static int validate_peers(struct cfg_ctx *c)
{
	struct wgb_config *cfg = c->cfg;
	uint8_t own[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN + 1], why[PARSE_WHY];
	bool have_own = false;
	size_t i, j, *same;
	int ret = 0;

	if (!cfg->n_peers)
		return cfg_bad(c, 0, "no [Peer] section: the far side of the tunnel must be described");
	same = peers_same_key(c);
	if (!same)
		return -ENOMEM;
	if (cfg->iface.has_private_key &&
	    key_public_from_private(own, cfg->iface.private_key) == 0)
		have_own = true;
	for (i = 0; i < cfg->n_peers && !ret; ++i) {
		struct wgb_peer *p = &cfg->peers[i];
		struct cfg_lines *l = &c->peer[i];

		if (!l->key[K_PUBLIC_KEY]) {
			ret = cfg_bad(c, l->section, "[Peer] needs a PublicKey");
			break;
		}
		key_to_base64(b64, p->public_key);
		if (have_own && key_equal(own, p->public_key)) {
			ret = cfg_bad_value(c, l->key[K_PUBLIC_KEY], "PublicKey", b64,
					    "is the [Interface]'s own public key");
			break;
		}
		j = same[i];
		if (j != i) {
			snprintf(why, sizeof(why), "is also the key of the peer at line %u",
				 c->peer[j].section);
			ret = cfg_bad_value(c, l->key[K_PUBLIC_KEY], "PublicKey", b64, why);
			break;
		}
		if (!l->key[K_ALLOWED_IPS]) {
			if (cfg->n_peers > 1) {
				ret = cfg_bad(c, l->section,
					      "[Peer] needs AllowedIPs when there is more than one peer");
				break;
			}
			ret = list_set(c, &p->allowed_ips, everything, 2);
			if (ret < 0)
				break;
		}
		ret = list_drop_duplicates(c, &p->allowed_ips);
		qsort(p->allowed_ips.v, p->allowed_ips.n, sizeof(*p->allowed_ips.v), cmp_prefix);
	}
	free(same);
	return ret < 0 ? ret : peers_overlap(c);
}

struct owned_prefix {
	struct prefix p;
	size_t peer;
};

static int cmp_owned(const void *a, const void *b)
{
	const struct owned_prefix *x = a, *y = b;

	return prefix_cmp(&x->p, &y->p) ?: (x->peer < y->peer ? -1 : x->peer > y->peer);
}

/*
 * Peers' AllowedIPs may not overlap: WireGuard would route the overlap to one
 * of them only. Sorted, the prefixes that contain the current one form a
 * chain (a stack); an overlap is a container on it from another peer.
 */
static int peers_overlap(struct cfg_ctx *c)
{
	struct wgb_config *cfg = c->cfg;
	struct owned_prefix *all, *stack[130];
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN], why[PARSE_WHY];
	size_t n = 0, i, j, depth = 0;
	int ret = 0;

	for (i = 0; i < cfg->n_peers; ++i)
		n += cfg->peers[i].allowed_ips.n;
	if (cfg->n_peers < 2 || !n)
		return 0;
	all = calloc(n, sizeof(*all));
	if (!all)
		return err_set(c->e, -ENOMEM, "out of memory");
	n = 0;
	for (i = 0; i < cfg->n_peers; ++i)
		for (j = 0; j < cfg->peers[i].allowed_ips.n; ++j)
			all[n++] = (struct owned_prefix){ cfg->peers[i].allowed_ips.v[j], i };
	qsort(all, n, sizeof(*all), cmp_owned);
	for (i = 0; i < n && !ret; ++i) {
		while (depth && !prefix_contains(&stack[depth - 1]->p, &all[i].p))
			--depth;
		for (j = 0; j < depth; ++j) {
			struct owned_prefix *o = stack[j], *later = &all[i];

			if (o->peer == all[i].peer)
				continue;
			/* report at the peer further down the file */
			if (o->peer > later->peer) {
				later = o;
				o = &all[i];
			}
			snprintf(why, sizeof(why),
				 "overlaps %s of the peer at line %u: AllowedIPs of peers must not overlap",
				 prefix_fmt(&o->p, b), c->peer[o->peer].section);
			ret = cfg_bad_value(c, line_of(&c->peer[later->peer], K_ALLOWED_IPS),
					    "AllowedIPs", prefix_fmt(&later->p, a), why);
			break;
		}
		if (depth < sizeof(stack) / sizeof(stack[0]))
			stack[depth++] = &all[i];
	}
	free(all);
	return ret;
}

static bool inside_allowed_ips(const struct wgb_config *cfg, const struct prefix *p)
{
	size_t i, j;

	for (i = 0; i < cfg->n_peers; ++i)
		for (j = 0; j < cfg->peers[i].allowed_ips.n; ++j)
			if (prefix_contains(&cfg->peers[i].allowed_ips.v[j], p))
				return true;
	return false;
}

static void port_fmt(const struct wgb_forward *f, char *buf, size_t n)
{
	if (f->port_lo == f->port_hi)
		snprintf(buf, n, "%u", f->port_lo);
	else
		snprintf(buf, n, "%u-%u", f->port_lo, f->port_hi);
}

/* A destination on this host: DNAT to it would never enter the tunnel. */
static bool dst_is_local(const struct wgb_config *cfg, const struct wgb_forward *f,
			 char *why, size_t len)
{
	size_t i, n = f->family == AF_INET ? 4 : 16, zero = 0;

	if ((f->family == AF_INET && f->dst.bytes[0] == 127) ||
	    (f->family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&f->dst.ip6))) {
		snprintf(why, len, "is a loopback address: a forward reaches a host behind the tunnel");
		return true;
	}
	/* byte loops, not memcmp: once per forward, a call showed */
	while (zero < n && !f->dst.bytes[zero])
		++zero;
	if (zero == n) {
		snprintf(why, len, "is the unspecified address: a forward reaches a host behind the tunnel");
		return true;
	}
	for (i = 0; i < cfg->iface.addresses.n; ++i) {
		const struct prefix *p = &cfg->iface.addresses.v[i];
		size_t j = 0;

		while (j < n && p->addr.bytes[j] == f->dst.bytes[j])
			++j;
		if (p->family == f->family && j == n) {
			snprintf(why, len, "is the bastion's own address ([Interface] Address): a forward reaches a host behind the tunnel");
			return true;
		}
	}
	return false;
}

/* An AllowFile with nothing of the forward's family, and no Allow. */
static int validate_forward(struct cfg_ctx *c, size_t idx)
{
	struct wgb_config *cfg = c->cfg;
	struct wgb_forward *f = &cfg->forwards[idx];
	struct fwd_lines *l = &c->fwd[idx];
	char a[PREFIX_STRLEN], why[PARSE_WHY], ports[16];
	struct prefix host = { .family = f->family };
	size_t i, n;

	if (!l->key[K_PORT])
		return cfg_bad(c, l->section, "[Forward %s] needs a Port", f->name);
	if (!l->key[K_DESTINATION])
		return cfg_bad(c, l->section, "[Forward %s] needs a Destination", f->name);
	/* with an AllowFile and no Allow, the file alone says who */
	if (!l->key[K_ALLOW] && !l->key[K_ALLOW_FILE])
		list_everyone(cfg, f);
	/* A forward serves clients of its destination's family. A catch-all
	 * of the other family ("0.0.0.0/0, ::/0": everyone) says nothing
	 * about this forward and is dropped; any other one is a mistake. */
	for (i = 0, n = 0; i < f->allow.n; ++i) {
		struct prefix *p = &f->allow.v[i];

		if (p->family != f->family) {
			if (p->len == 0)
				continue;
			snprintf(why, sizeof(why),
				 "is %s, but the destination is %s: a forward serves clients of its destination's family (give a second forward for %s)",
				 family_name(p->family), family_name(f->family),
				 family_name(p->family));
			return cfg_bad_value(c, l->key[K_ALLOW], "Allow", prefix_fmt(p, a), why);
		}
		f->allow.v[n++] = *p;
	}
	f->allow.n = n;
	if (!n && l->key[K_ALLOW])
		return cfg_bad(c, l->key[K_ALLOW], "Allow: no %s prefix: the destination is %s",
			       family_name(f->family), family_name(f->family));
	list_drop_contained(&f->allow);
	/* a block list holds both families: the other one's lines are for
	 * another forward */
	for (i = 0, n = 0; i < f->allow_file_list.n; ++i)
		if (f->allow_file_list.v[i].family == f->family)
			f->allow_file_list.v[n++] = f->allow_file_list.v[i];
	f->allow_file_list.n = n;
	if (l->key[K_ALLOW_FILE] && !n && !f->allow.n && !f->allow_file_unread) {
		snprintf(why, sizeof(why),
			 "has no %s prefix, and there is no Allow: no client could connect (the destination is %s)",
			 family_name(f->family), family_name(f->family));
		return cfg_bad_value(c, l->key[K_ALLOW_FILE], "AllowFile", f->allow_file, why);
	}

	host.len = f->family == AF_INET ? 32 : 128;
	memcpy(host.addr.bytes, f->dst.bytes, sizeof(host.addr.bytes));
	if ((why[0] = '\0', dst_is_local(cfg, f, why, sizeof(why))))
		return cfg_bad_value(c, l->key[K_DESTINATION], "Destination",
				     addr_fmt(f->family, f->dst.bytes, a), why);
	if (!inside_allowed_ips(cfg, &host))
		return cfg_bad_value(c, l->key[K_DESTINATION], "Destination",
				     addr_fmt(f->family, f->dst.bytes, a),
				     "is not inside any peer's AllowedIPs: it would not be sent into the tunnel");
	if (f->masquerade && !iface_has_family(cfg, f->family)) {
		snprintf(why, sizeof(why),
			 "needs an [Interface] Address of the destination's family (%s): it is the masquerade source",
			 family_name(f->family));
		return cfg_bad_value(c, l->key[K_MASQUERADE], "Masquerade", "yes", why);
	}
	if ((f->protocols & PROTO_UDP) && f->port_lo <= cfg->iface.listen_port &&
	    cfg->iface.listen_port <= f->port_hi) {
		port_fmt(f, ports, sizeof(ports));
		snprintf(why, sizeof(why), "claims the WireGuard ListenPort %u over UDP",
			 cfg->iface.listen_port);
		return cfg_bad_value(c, l->key[K_PORT], "Port", ports, why);
	}
	if (f->family == AF_INET6)
		cfg->uses_ipv6 = true;
	return 0;
}

/*
 * A forward's claim on a protocol's ports, as one number that sorts as
 * (family, protocol, low port, forward): IPv6 and udp in the top two bits
 * (the group), the low port below them, the forward's index in the rest.
 * The port's high end is the forward's.
 */
#define CLAIM_GROUP_SHIFT	62
#define CLAIM_LO_SHIFT		46
#define CLAIM_FWD_MASK		((UINT64_C(1) << CLAIM_LO_SHIFT) - 1)

static int cmp_claim(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* No two forwards of one family claim one protocol and port: sort the
 * claims, and each must start after the furthest end seen before it.
 * The claims are laid out group by group, in the file's order within
 * each: a config whose forwards go up by port is sorted already, and the
 * sort is skipped (ten thousand forwards spent a tenth of check in it). */
static int forwards_overlap(struct cfg_ctx *c)
{
	struct wgb_config *cfg = c->cfg;
	char ports[16], why[PARSE_WHY];
	size_t i, n = 0, at[4] = { 0 }, reach_fwd = 0;
	uint64_t *v, g, reach_group = 0;
	bool sorted = true, have_reach = false;
	uint16_t reach_hi = 0;
	int ret = 0;

	if (cfg->n_forwards < 2)
		return 0;
	for (i = 0; i < cfg->n_forwards; ++i) {
		const struct wgb_forward *f = &cfg->forwards[i];

		g = (f->family == AF_INET6) << 1;
		at[g] += !!(f->protocols & PROTO_TCP);
		at[g + 1] += !!(f->protocols & PROTO_UDP);
	}
	for (g = 0; g < 4; ++g) {	/* counts to where each group starts */
		size_t k = at[g];

		at[g] = n;
		n += k;
	}
	if (!n)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return err_set(c->e, -ENOMEM, "out of memory");
	for (i = 0; i < cfg->n_forwards; ++i) {
		const struct wgb_forward *f = &cfg->forwards[i];
		uint64_t rest = (uint64_t)f->port_lo << CLAIM_LO_SHIFT | i;

		g = (f->family == AF_INET6) << 1;
		if (f->protocols & PROTO_TCP)
			v[at[g]++] = g << CLAIM_GROUP_SHIFT | rest;
		if (f->protocols & PROTO_UDP)
			v[at[g + 1]++] = (g + 1) << CLAIM_GROUP_SHIFT | rest;
	}
	for (i = 1; i < n && sorted; ++i)
		sorted = v[i - 1] < v[i];
	if (!sorted)
		qsort(v, n, sizeof(*v), cmp_claim);
	for (i = 0; i < n; ++i) {
		size_t fwd = (size_t)(v[i] & CLAIM_FWD_MASK);
		const struct wgb_forward *cur = &cfg->forwards[fwd];

		g = v[i] >> CLAIM_GROUP_SHIFT;
		if (have_reach && reach_group == g && cur->port_lo <= reach_hi) {
			size_t first = reach_fwd < fwd ? reach_fwd : fwd;
			size_t later = reach_fwd < fwd ? fwd : reach_fwd;
			const struct wgb_forward *f = &cfg->forwards[later];

			port_fmt(f, ports, sizeof(ports));
			snprintf(why, sizeof(why),
				 "of [Forward %s] overlaps [Forward %s] (line %u) on %s %s",
				 f->name, cfg->forwards[first].name,
				 fwd_line_of(&c->fwd[first], K_PORT),
				 family_name(f->family), g & 1 ? "udp" : "tcp");
			ret = cfg_bad_value(c, fwd_line_of(&c->fwd[later], K_PORT), "Port", ports, why);
			break;
		}
		if (!have_reach || reach_group != g || cur->port_hi > reach_hi) {
			have_reach = true;
			reach_group = g;
			reach_fwd = fwd;
			reach_hi = cur->port_hi;
		}
	}
	free(v);
	return ret;
}

static int validate_egress(struct cfg_ctx *c, size_t idx)
{
	struct wgb_config *cfg = c->cfg;
	struct wgb_egress *g = &cfg->egresses[idx];
	struct cfg_lines *l = &c->egr[idx];
	char a[PREFIX_STRLEN];
	size_t i;
	int ret;

	if (!l->key[K_SOURCE])
		return cfg_bad(c, l->section, "[Egress %s] needs a Source", g->name);
	if (!l->key[K_DESTINATION] && (ret = list_set(c, &g->destination, everything, 2)) < 0)
		return ret;
	if (!l->key[K_DENY] && (ret = list_set(c, &g->deny, default_deny,
						   sizeof(default_deny) / sizeof(default_deny[0]))) < 0)
		return ret;
	if (g->interface[0] && !strcmp(g->interface, cfg->iface.name))
		return cfg_bad_value(c, l->key[K_INTERFACE], "Interface", g->interface,
				     "is the tunnel itself: name the uplink egress leaves by");
	list_drop_contained(&g->source);
	list_drop_contained(&g->destination);
	list_drop_contained(&g->deny);
	for (i = 0; i < g->source.n; ++i) {
		if (g->source.v[i].family == AF_INET6)
			cfg->uses_ipv6 = true;
		if (!inside_allowed_ips(cfg, &g->source.v[i]))
			warning("%s:%u: Source: \"%s\" is not inside any peer's AllowedIPs: no such packets come out of the tunnel",
				c->name, l->key[K_SOURCE], prefix_fmt(&g->source.v[i], a));
	}
	return 0;
}

/* A peer's AllowedIPs hold the whole of family f: connections from any
 * client address of that family can come in through the tunnel. */
static bool family_allowed_whole(const struct wgb_config *cfg, uint8_t f)
{
	struct prefix all = { .family = f, .len = 0 };

	return inside_allowed_ips(cfg, &all);
}

/* Keeps the prefixes of l of the families said yes to. */
static void list_keep_families(struct prefix_list *l, bool v4, bool v6)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; ++i)
		if (l->v[i].family == AF_INET ? v4 : v6)
			l->v[n++] = l->v[i];
	l->n = n;
}

/*
 * [Return] (SPEC §6): clients' connections come in from any address, so
 * a family is answered only when a peer's AllowedIPs hold all of it (the
 * bastion as the far side's peer: 0.0.0.0/0, ::/0). A Destination left to
 * its default keeps the families that can come in; one given must.
 */
static int validate_return(struct cfg_ctx *c, size_t idx)
{
	struct wgb_config *cfg = c->cfg;
	struct wgb_return *rt = &cfg->returns[idx];
	struct cfg_lines *l = &c->ret[idx];
	bool v4 = family_allowed_whole(cfg, AF_INET), v6 = family_allowed_whole(cfg, AF_INET6);
	char a[PREFIX_STRLEN], why[160];
	size_t i;
	int ret;

	if (!v4 && !v6)
		return cfg_bad(c, l->section,
			       "[Return %s] needs a [Peer] whose AllowedIPs hold 0.0.0.0/0 or ::/0 (the bastion): clients' connections come in from any address",
			       rt->name);
	if (!l->key[K_DESTINATION]) {
		if ((ret = list_set(c, &rt->destination, everything, 2)) < 0)
			return ret;
		list_keep_families(&rt->destination, v4, v6);
	}
	for (i = 0; i < rt->destination.n; ++i) {
		uint8_t f = rt->destination.v[i].family;

		if (f == AF_INET ? v4 : v6)
			continue;
		snprintf(why, sizeof(why),
			 "is %s, and no [Peer] has %s in its AllowedIPs: %s clients' connections cannot come in through the tunnel",
			 family_name(f), f == AF_INET ? "0.0.0.0/0" : "::/0", family_name(f));
		return cfg_bad_value(c, l->key[K_DESTINATION], "Destination",
				     prefix_fmt(&rt->destination.v[i], a), why);
	}
	list_drop_contained(&rt->destination);
	if (prefix_list_has_family(&rt->destination, AF_INET6))
		cfg->uses_ipv6 = true;
	return 0;
}

/* [Exit]: what goes into the tunnel must be let through by a peer's
 * AllowedIPs, or WireGuard drops it. */
static int validate_exit(struct cfg_ctx *c, size_t idx)
{
	struct wgb_config *cfg = c->cfg;
	struct wgb_exit *x = &cfg->exits[idx];
	struct cfg_lines *l = &c->ext[idx];
	char a[PREFIX_STRLEN];
	size_t i;
	int ret;

	if (!l->key[K_SOURCE])
		return cfg_bad(c, l->section, "[Exit %s] needs a Source (the networks that leave by the tunnel)",
			       x->name);
	list_drop_contained(&x->source);
	if (!l->key[K_DESTINATION]) {
		if ((ret = list_set(c, &x->destination, everything, 2)) < 0)
			return ret;
		list_keep_families(&x->destination, prefix_list_has_family(&x->source, AF_INET),
				   prefix_list_has_family(&x->source, AF_INET6));
	}
	list_drop_contained(&x->destination);
	for (i = 0; i < x->destination.n; ++i) {
		if (inside_allowed_ips(cfg, &x->destination.v[i]))
			continue;
		return cfg_bad_value(c, line_of(l, K_DESTINATION), "Destination",
				     prefix_fmt(&x->destination.v[i], a),
				     "is not inside any peer's AllowedIPs: WireGuard would drop what the exit sends there");
	}
	for (i = 0; i < x->source.n; ++i)
		if (!prefix_list_has_family(&x->destination, x->source.v[i].family))
			return cfg_bad_value(c, l->key[K_SOURCE], "Source",
					     prefix_fmt(&x->source.v[i], a),
					     "has no Destination of its family: nothing of it would leave by the tunnel");
	if (prefix_list_has_family(&x->source, AF_INET6))
		cfg->uses_ipv6 = true;
	return 0;
}

/* [Exit]'s routing mark: given, or the first bit from 0x1000000 up that
 * Mark does not use; its rules sit 10 and 9 below Priority. */
static int validate_exit_mark(struct cfg_ctx *c)
{
	struct wgb_config *cfg = c->cfg;
	struct wgb_bastion *b = &cfg->bastion;
	unsigned line = line_of(&c->bastion, K_EXIT_MARK);
	char v[24];

	if (!cfg->n_exits) {
		b->exit_mark = 0;
		return 0;
	}
	if (!c->bastion.key[K_EXIT_MARK]) {
		uint32_t bit;

		for (bit = WGB_DEFAULT_EXIT_MARK; bit && (bit & b->mark_mask); bit <<= 1)
			;
		for (bit = bit ? bit : 1; bit && (bit & b->mark_mask); bit <<= 1)
			;
		b->exit_mark = bit;
	}
	snprintf(v, sizeof(v), "0x%x", b->exit_mark);
	if (!b->exit_mark || (b->exit_mark & b->mark_mask))
		return cfg_bad_value(c, line, "ExitMark", v,
				     "shares bits with Mark's mask: [Exit] needs a routing mark of its own");
	if (cfg->iface.fwmark && (cfg->iface.fwmark & b->exit_mark) == b->exit_mark)
		return cfg_bad_value(c, line, "ExitMark", v,
				     "matches the [Interface] FwMark: the tunnel's own packets would be routed into the tunnel");
	if (b->priority <= 10) {
		snprintf(v, sizeof(v), "%u", b->priority);
		return cfg_bad_value(c, line_of(&c->bastion, K_PRIORITY), "Priority", v,
				     "leaves no room for [Exit]'s rules, 10 and 9 below it: give 11 or more");
	}
	return 0;
}

static int validate_bastion(struct cfg_ctx *c)
{
	struct wgb_config *cfg = c->cfg;
	struct wgb_bastion *b = &cfg->bastion;
	uint32_t tag = b->mark & b->mark_mask & ~(WGB_DEFAULT_CT_INGRESS | WGB_DEFAULT_CT_EGRESS);
	int ret;
	char v[24];

	/* Conntrack marks of two instances must not mix (SPEC §5): unless
	 * set by hand, each role bit is tagged with the instance's own Mark
	 * bits, which no other live instance may share (core/rundir.c), so
	 * "ct mark & (role | tag) == role | tag" is one instance's alone. */
	if (!c->bastion.key[K_CT_INGRESS] && !c->bastion.key[K_CT_EGRESS]) {
		b->ct_ingress = WGB_DEFAULT_CT_INGRESS | tag;
		b->ct_egress = WGB_DEFAULT_CT_EGRESS | tag;
	}
	tag &= ~(WGB_DEFAULT_CT_RETURN | WGB_DEFAULT_CT_EXIT);
	b->ct_return = WGB_DEFAULT_CT_RETURN | tag;
	b->ct_exit = WGB_DEFAULT_CT_EXIT | tag;
	if ((cfg->n_returns || cfg->n_exits) &&
	    ((b->ct_ingress | b->ct_egress) & (WGB_DEFAULT_CT_RETURN | WGB_DEFAULT_CT_EXIT))) {
		snprintf(v, sizeof(v), "0x%x", b->ct_ingress | b->ct_egress);
		return cfg_bad_value(c, line_of(&c->bastion, c->bastion.key[K_CT_EGRESS] ?
						K_CT_EGRESS : K_CT_INGRESS),
				     c->bastion.key[K_CT_EGRESS] ? "EgressConnMark" : "IngressConnMark",
				     v, "uses bit 0x40000000 or 0x80000000, which [Return] and [Exit] use");
	}
	if (b->ct_ingress == b->ct_egress) {
		snprintf(v, sizeof(v), "0x%x", b->ct_egress);
		return cfg_bad_value(c, line_of(&c->bastion, c->bastion.key[K_CT_EGRESS] ?
						K_CT_EGRESS : K_CT_INGRESS),
				     c->bastion.key[K_CT_EGRESS] ? "EgressConnMark" : "IngressConnMark",
				     v, "is the same bit as the other ConnMark: they must differ");
	}
	/* The tunnel's own UDP packets carry FwMark; if that matched our rule
	 * they would be routed into the tunnel itself. */
	if (cfg->iface.fwmark && (cfg->iface.fwmark & b->mark_mask) == b->mark) {
		snprintf(v, sizeof(v), "0x%x", cfg->iface.fwmark);
		return cfg_bad_value(c, c->iface.key[K_FWMARK], "FwMark", v,
				     "matches the [Bastion] Mark: the tunnel's own packets would be routed into the tunnel");
	}
	if ((ret = validate_exit_mark(c)) < 0)
		return ret;
	return 0;
}

/* FNV-1a: the names are short, and chosen by the config's author. */
static size_t name_hash(const char *s)
{
	size_t h = (size_t)14695981039346656037ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * (size_t)1099511628211ull;
	return h;
}

/* Forward names are unique, and so are egress names (each its own
 * namespace). Each name goes into a hash table of indexes in the file's
 * order, so that the first one given twice is reported, against the line
 * of its first definition: linear in the sections (sorting them was a
 * tenth of parsing ten thousand forwards). */
static int names_unique(struct cfg_ctx *c, const char *kind, size_t n,
			const char *(*name)(const struct wgb_config *, size_t),
			unsigned (*line)(const struct wgb_config *, size_t))
{
	size_t mask, i, h, size = 4;
	uint32_t *slot;
	int ret = 0;

	if (n < 2)
		return 0;
	/* 32-bit slots halve the pages the table touches; a config has far
	 * fewer sections than that (64 MiB of text, config.c) */
	if (n >= UINT32_MAX)
		return err_set(c->e, -ENOMEM, "out of memory");
	while (size < n * 2)
		size *= 2;	/* n is an array length: no overflow before this */
	mask = size - 1;
	/* slot: the index + 1 of the name there, 0 for none */
	slot = calloc(size, sizeof(*slot));
	if (!slot)
		return err_set(c->e, -ENOMEM, "out of memory");
	array_prefault(slot, size * sizeof(*slot));	/* hashing touches it all */
	for (i = 0; i < n && !ret; ++i) {
		const char *s = name(c->cfg, i);

		for (h = name_hash(s) & mask; slot[h]; h = (h + 1) & mask)
			if (!strcmp(name(c->cfg, slot[h] - 1), s))
				break;
		if (slot[h])
			ret = cfg_bad(c, line(c->cfg, i), "[%s %s] is defined twice (first at line %u)",
				      kind, s, line(c->cfg, slot[h] - 1));
		else
			slot[h] = (uint32_t)(i + 1);
	}
	free(slot);
	return ret;
}

static const char *fwd_name(const struct wgb_config *cfg, size_t i) { return cfg->forwards[i].name; }
static unsigned fwd_line(const struct wgb_config *cfg, size_t i) { return cfg->forwards[i].line; }
static const char *egr_name(const struct wgb_config *cfg, size_t i) { return cfg->egresses[i].name; }
static unsigned egr_line(const struct wgb_config *cfg, size_t i) { return cfg->egresses[i].line; }
static const char *ret_name(const struct wgb_config *cfg, size_t i) { return cfg->returns[i].name; }
static unsigned ret_line(const struct wgb_config *cfg, size_t i) { return cfg->returns[i].line; }
static const char *ext_name(const struct wgb_config *cfg, size_t i) { return cfg->exits[i].name; }
static unsigned ext_line(const struct wgb_config *cfg, size_t i) { return cfg->exits[i].line; }

int config_validate(struct cfg_ctx *c)
{
	struct wgb_config *cfg = c->cfg;
	char v[16];
	size_t i;
	int ret;

	if ((ret = names_unique(c, "Forward", cfg->n_forwards, fwd_name, fwd_line)) < 0 ||
	    (ret = names_unique(c, "Egress", cfg->n_egresses, egr_name, egr_line)) < 0 ||
	    (ret = names_unique(c, "Return", cfg->n_returns, ret_name, ret_line)) < 0 ||
	    (ret = names_unique(c, "Exit", cfg->n_exits, ext_name, ext_line)) < 0 ||
	    (ret = validate_interface(c)) < 0 || (ret = validate_peers(c)) < 0)
		return ret;
	for (i = 0; i < cfg->n_forwards; ++i)
		if ((ret = validate_forward(c, i)) < 0)
			return ret;
	if ((ret = forwards_overlap(c)) < 0)
		return ret;
	for (i = 0; i < cfg->n_egresses; ++i)
		if ((ret = validate_egress(c, i)) < 0)
			return ret;
	for (i = 0; i < cfg->n_returns; ++i)
		if ((ret = validate_return(c, i)) < 0)
			return ret;
	for (i = 0; i < cfg->n_exits; ++i)
		if ((ret = validate_exit(c, i)) < 0)
			return ret;
	if ((ret = validate_bastion(c)) < 0)
		return ret;
	/* Linux drops IPv6 from a link whose MTU is below 1280 */
	if (cfg->iface.mtu < 1280 && (cfg->uses_ipv6 || iface_has_family(cfg, AF_INET6))) {
		snprintf(v, sizeof(v), "%u", cfg->iface.mtu);
		return cfg_bad_value(c, line_of(&c->iface, K_MTU), "MTU", v,
				     "is below 1280, the IPv6 minimum, and IPv6 is used");
	}
	return 0;
}
