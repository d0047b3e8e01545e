// SPDX-License-Identifier: GPL-2.0-only
/*
 * The far side's config, in wgbastion's own syntax (SPEC §3: [Return],
 * [Exit]) or as a wg-quick file whose PostUp/PreDown lines build SPEC
 * Appendix B's data path with nft and ip, and remove exactly that again.
 *
 * wg-quick runs each hook line through bash (`eval`, under `set -e`: any
 * failing command ends the line), after replacing %i with the interface
 * name; a failing PostUp aborts `up`, a failing PreDown would abort `down`
 * before the link goes, so PreDown lines never fail.
 * PostUp lines are idempotent (a table replaced whole, a rule deleted
 * before it is added): an `up` after a crash adds no duplicates.
 */
#include <stdio.h>
#include <string.h>

#include "far_side.h"
#include "lib/prefix.h"

/* conntrack bits on the far side: its own host, its own choice (the
 * bastion's defaults, which it does not share connections with) */
#define FAR_CT_RETURN	0x10000000u
#define FAR_CT_EXIT	0x20000000u

static void list_line(FILE *out, const char *key, const struct prefix_list *l, int family)
{
	char a[PREFIX_STRLEN];
	const char *sep = "";
	size_t i;

	fprintf(out, "%s", key);
	for (i = 0; i < l->n; ++i) {
		if (family && l->v[i].family != family)
			continue;
		fprintf(out, "%s%s", sep, prefix_fmt(&l->v[i], a));
		sep = ", ";
	}
	fputc('\n', out);
}

static void allowed_ips(const struct far_side *f, FILE *out)
{
	fprintf(out, "AllowedIPs = %s%s%s\n", f->v4 ? "0.0.0.0/0" : "",
		f->v4 && f->v6 ? ", " : "", f->v6 ? "::/0" : "");
}

static void header(const struct far_side *f, FILE *out, const char *what)
{
	char pub[WG_KEY_B64_LEN + 1];

	key_to_base64(pub, f->peer->public_key);
	fprintf(out, "# %s for the far side of %s, peer %zu of %zu\n"
		"# (its public key: %s), made by `wgbastion far-side` from %s.\n",
		what, f->cfg->iface.name, f->peer_index, f->cfg->n_peers, pub, f->cfg->path);
	fprintf(out, "# The far side's private key is not here and never was: put the one\n"
		"# whose public key is %s where the placeholder says.\n", pub);
	if (f->endpoint_guessed)
		fprintf(out, "# Endpoint: this host's own address%s; give --endpoint when clients\n"
			"# reach the bastion by another (a public name, or a 1:1 NAT address).\n",
			f->endpoint_private ? " (a private one)" : "");
	fputc('\n', out);
}

static void peer_common(const struct far_side *f, FILE *out)
{
	fprintf(out, "[Peer]\n# the bastion\nPublicKey = %s\n", f->bastion_pub);
	if (f->peer->has_preshared_key)
		fprintf(out, "# the same preshared key as the bastion's [Peer] (not printed here)\n");
	fprintf(out, "Endpoint = %s\n", f->endpoint[0] ? f->endpoint : "<the bastion's public address>:51820");
	allowed_ips(f, out);
	fprintf(out, "PersistentKeepalive = 25\n");
}

static void wgbastion_format(const struct far_side *f, FILE *out)
{
	const struct wgb_config *cfg = f->cfg;
	const struct wgb_forward *fw;
	const struct wgb_egress *eg;
	char a[PREFIX_STRLEN];
	size_t k = 0;

	header(f, out, "A wgbastion config");
	fprintf(out, "[Interface]\nName = %s\n", cfg->iface.name);
	fprintf(out, "PrivateKeyFile = /etc/wgbastion/private.key  # the far side's own key (placeholder path)\n");
	fprintf(out, "ListenPort = %u\n", cfg->iface.listen_port);
	if (f->address.n)
		list_line(out, "Address = ", &f->address, 0);
	fprintf(out, "MTU = %u\n\n", cfg->iface.mtu);
	peer_common(f, out);
	if (f->peer->has_preshared_key)
		fprintf(out, "PresharedKeyFile = /etc/wgbastion/psk  # placeholder path\n");

	for_each_forward(cfg, fw) {
		if (!far_side_returns(f, fw))
			continue;
		fprintf(out, "\n[Return %s]\n# connections the bastion forwards here are answered through the tunnel\n"
			"Destination = %s\n", fw->name, addr_fmt(fw->family, fw->dst.bytes, a));
	}
	for_each_egress(cfg, eg) {
		const struct prefix_list *src = &f->exit_src[k++];

		if (!src->n)
			continue;
		fprintf(out, "\n[Exit %s]\n# this traffic leaves by the bastion ([Egress %s] there)\n",
			eg->name, eg->name);
		list_line(out, "Source = ", src, 0);
		list_line(out, "Destination = ", &eg->destination, 0);
	}
}

/* ---- wg-quick ---- */

struct marks {
	uint32_t mark, mask, exit_mark, table, priority;
};

static void nft_set_rule(FILE *out, const char *lead, int family, const char *dir,
			 const struct prefix_list *l, const char *tail)
{
	char a[PREFIX_STRLEN];
	const char *sep = "";
	size_t i;

	if (!prefix_list_has_family(l, family))
		return;
	fprintf(out, " add rule inet wgbastion-%%i %s %s %s { ", lead,
		family == AF_INET ? "ip" : "ip6", dir);
	for (i = 0; i < l->n; ++i) {
		if (l->v[i].family != family)
			continue;
		fprintf(out, "%s%s", sep, prefix_fmt(&l->v[i], a));
		sep = ", ";
	}
	fprintf(out, " } %s;", tail);
}

static void wgquick_nft(const struct far_side *f, const struct marks *m,
			const struct prefix_list *returns, FILE *out)
{
	const struct wgb_egress *eg;
	char tail[160];
	size_t k = 0, fam;
	static const int fams[] = { AF_INET, AF_INET6 };

	/* one transaction: the table is created (if missing), dropped and
	 * made again, so a second `up` replaces it rather than doubling it */
	fprintf(out, "PostUp = nft 'add table inet wgbastion-%%i; delete table inet wgbastion-%%i;"
		" add table inet wgbastion-%%i;"
		" add chain inet wgbastion-%%i pre { type filter hook prerouting priority mangle; policy accept; };"
		" add chain inet wgbastion-%%i out { type route hook output priority mangle; policy accept; };"
		" add chain inet wgbastion-%%i forward { type filter hook forward priority mangle; policy accept; };");
	/* [Return]: new from the tunnel to a forward's destination */
	snprintf(tail, sizeof(tail), "ct state new ct mark set ct mark or 0x%x", FAR_CT_RETURN);
	for (fam = 0; fam < 2; ++fam)
		nft_set_rule(out, "pre iifname \"%i\"", fams[fam], "daddr", returns, tail);
	fprintf(out, " add rule inet wgbastion-%%i pre iifname != \"%%i\" ct direction reply"
		" ct mark and 0x%x == 0x%x meta mark set meta mark or 0x%x;",
		FAR_CT_RETURN, FAR_CT_RETURN, m->mark);
	fprintf(out, " add rule inet wgbastion-%%i out ct direction reply"
		" ct mark and 0x%x == 0x%x meta mark set meta mark or 0x%x;",
		FAR_CT_RETURN, FAR_CT_RETURN, m->mark);
	/* [Exit]: original direction only, so it never takes the replies of
	 * a connection that came in by another tunnel */
	for_each_egress(f->cfg, eg) {
		const struct prefix_list *src = &f->exit_src[k++];

		if (!src->n)
			continue;
		snprintf(tail, sizeof(tail), "ct state new ct mark set ct mark or 0x%x", FAR_CT_EXIT);
		for (fam = 0; fam < 2; ++fam)
			if (prefix_list_has_family(&eg->destination, fams[fam]))
				nft_set_rule(out, "pre iifname != \"%i\"", fams[fam], "saddr", src, tail);
	}
	if (m->exit_mark)
		fprintf(out, " add rule inet wgbastion-%%i pre ct direction original"
			" ct mark and 0x%x == 0x%x meta mark set meta mark or 0x%x;",
			FAR_CT_EXIT, FAR_CT_EXIT, m->exit_mark);
	fprintf(out, " add rule inet wgbastion-%%i forward oifname \"%%i\" tcp flags syn / syn,rst"
		" tcp option maxseg size set rt mtu;'\n");
	fprintf(out, "PreDown = nft delete table inet wgbastion-%%i 2>/dev/null || true\n");
}

static void wgquick_rule(FILE *out, int v, const char *sel, const char *lookup, uint32_t prio)
{
	fprintf(out, "PostUp = ip -%d rule del %s %s priority %u 2>/dev/null || true; ip -%d rule add %s %s priority %u\n",
		v, sel, lookup, prio, v, sel, lookup, prio);
	fprintf(out, "PreDown = ip -%d rule del %s %s priority %u 2>/dev/null || true\n",
		v, sel, lookup, prio);
}

static void wgquick_format(const struct far_side *f, FILE *out)
{
	const struct wgb_config *cfg = f->cfg;
	const struct wgb_bastion *b = &cfg->bastion;
	const struct wgb_forward *fw;
	struct prefix_list returns = { 0 };
	struct marks m = { b->mark, b->mark_mask, 0, b->table, b->priority };
	char sel[64], exsel[64], lookup[32];
	size_t i;
	int fam, v;

	for_each_forward(cfg, fw) {
		struct prefix p = { .family = fw->family };

		if (!far_side_returns(f, fw))
			continue;
		p.len = (uint8_t)prefix_family_bits(fw->family);
		memcpy(p.addr.bytes, fw->dst.bytes, sizeof(p.addr.bytes));
		if (!prefix_list_has(&returns, &p) && prefix_list_add(&returns, &p) < 0)
			break;
	}
	for (i = 0; i < cfg->n_egresses; ++i)
		if (f->exit_src[i].n)
			m.exit_mark = (m.mask & 0x1000000u) ? 0x2000000u : 0x1000000u;

	header(f, out, "A wg-quick file");
	fprintf(out, "# `wg-quick up FILE` builds the return path%s with nft and ip\n"
		"# (wgbastion's SPEC, Appendix B); `wg-quick down FILE` removes it.\n"
		"# The gateway must forward (net.ipv4.ip_forward=1): it is the LAN's router.\n\n",
		m.exit_mark ? " and the exit" : "");
	fprintf(out, "[Interface]\n");
	fprintf(out, "PrivateKey = <the far side's private key>\n");
	if (f->address.n)
		list_line(out, "Address = ", &f->address, 0);
	fprintf(out, "MTU = %u\n", cfg->iface.mtu);
	fprintf(out, "# no routes from AllowedIPs: only what the rules below send goes in\n"
		"Table = off\n");
	wgquick_nft(f, &m, &returns, out);
	snprintf(sel, sizeof(sel), "fwmark 0x%x/0x%x", m.mark, m.mask);
	snprintf(exsel, sizeof(exsel), "fwmark 0x%x/0x%x", m.exit_mark, m.exit_mark);
	snprintf(lookup, sizeof(lookup), "lookup %u", m.table);
	for (fam = 0; fam < 2; ++fam) {
		if (!(fam ? f->v6 : f->v4))
			continue;
		v = fam ? 6 : 4;
		if (m.exit_mark) {
			/* the main table's specific routes (the LAN) still win */
			wgquick_rule(out, v, exsel, "lookup main suppress_prefixlength 0",
				     m.priority - 10);
			wgquick_rule(out, v, exsel, lookup, m.priority - 9);
		}
		wgquick_rule(out, v, sel, lookup, m.priority);
		fprintf(out, "PostUp = ip -%d route replace default dev %%i table %u\n", v, m.table);
	}
	if (f->v4)
		fprintf(out, "# loose reverse-path filtering: clients' addresses come in by the tunnel\n"
			"PostUp = sysctl -q -w net.ipv4.conf.%%i.rp_filter=2\n");
	fputc('\n', out);
	peer_common(f, out);
	if (f->peer->has_preshared_key)
		fprintf(out, "PresharedKey = <the preshared key>\n");
	prefix_list_free(&returns);
}

void far_side_print(const struct far_side *f, enum far_format fmt, FILE *out)
{
	if (fmt == FAR_WGQUICK)
		wgquick_format(f, out);
	else
		wgbastion_format(f, out);
}
