// SPDX-License-Identifier: GPL-2.0-only
/*
 * Configs that parse: every key lands in the model, every default is there,
 * lists come out deduplicated. Key files and the config's own mode through
 * config_load on temp files; check_main's exit statuses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "config/config.h"
#include "lib/key.h"
#include "config/parse.h"
#include "unit.h"

#define PRIV "+L64UIpGdAT7RcGpp9kKAFTdi90v0HmXWGxe8i4XBFE="
#define PUB1 "PeIixQzVg/dRNmj2q10wvWkfY/Z4O0s/gSCdwte2k0M="
#define PUB2 "EFLeLChWLCAeOgjvLMkMMR9bC5fL0hSsu45k8zR/MjU="
#define PUB3 "Ll3FB2S5ghE+oYIf30TrWedjaS7/Qev0wR+0jAodTkY="
#define PSK "wARUEJOf8ID4sBCamSHO+j3IZjm+a7E8Gk7JOh0YD3w="

#define HEAD "[Interface]\nPrivateKey = " PRIV "\n[Peer]\nPublicKey = " PUB1 "\n"


static struct wgb_config *parse_ok(const char *text)
{
	struct wgb_config *cfg = NULL;
	struct wgb_err e = { 0 };

	if (config_parse("t.conf", text, strlen(text), &cfg, &e) < 0)
		ck_abort_msg("refused: %s", e.msg);
	ck_assert_ptr_nonnull(cfg);
	return cfg;
}

static const char *pfx(const struct prefix_list *l, size_t i)
{
	static char buf[4][PREFIX_STRLEN];
	static int n;

	ck_assert_uint_lt(i, l->n);
	return prefix_fmt(&l->v[i], buf[n++ % 4]);
}

START_TEST(defaults)
{
	struct wgb_config *cfg = parse_ok(HEAD);
	uint8_t want[WG_KEY_LEN];

	ck_assert_str_eq(cfg->path, "t.conf");
	ck_assert_str_eq(cfg->iface.name, "wg0");
	ck_assert_uint_eq(cfg->iface.listen_port, 51820);
	ck_assert_uint_eq(cfg->iface.mtu, 1420);
	ck_assert_uint_eq(cfg->iface.fwmark, 0);
	ck_assert_uint_eq(cfg->iface.addresses.n, 0);
	ck_assert(cfg->iface.has_private_key);
	ck_assert_ptr_null(cfg->iface.private_key_file);
	key_from_base64(want, PRIV);
	ck_assert(key_equal(cfg->iface.private_key, want));
	ck_assert_uint_eq(cfg->iface.line, 1);
	ck_assert_uint_eq(cfg->n_peers, 1);
	key_from_base64(want, PUB1);
	ck_assert(key_equal(cfg->peers[0].public_key, want));
	ck_assert(!cfg->peers[0].has_preshared_key);
	ck_assert_ptr_null(cfg->peers[0].endpoint);
	ck_assert_uint_eq(cfg->peers[0].persistent_keepalive, 0);
	ck_assert_uint_eq(cfg->peers[0].line, 3);
	/* one peer: it takes everything */
	ck_assert_uint_eq(cfg->peers[0].allowed_ips.n, 2);
	ck_assert_str_eq(pfx(&cfg->peers[0].allowed_ips, 0), "0.0.0.0/0");
	ck_assert_str_eq(pfx(&cfg->peers[0].allowed_ips, 1), "::/0");
	ck_assert_uint_eq(cfg->n_forwards, 0);
	ck_assert_uint_eq(cfg->n_egresses, 0);
	ck_assert_uint_eq(cfg->bastion.table, 51821);
	ck_assert_uint_eq(cfg->bastion.mark, 0x8000000);
	ck_assert_uint_eq(cfg->bastion.mark_mask, 0x8000000);
	ck_assert_uint_eq(cfg->bastion.priority, 5210);
	/* role bits tagged with the instance's Mark bits (SPEC §5) */
	ck_assert_uint_eq(cfg->bastion.ct_ingress, 0x18000000);
	ck_assert_uint_eq(cfg->bastion.ct_egress, 0x28000000);
	ck_assert(!cfg->uses_ipv6);
	config_free(cfg);
	config_free(NULL);
}
END_TEST

/* SPEC §3's example, as printed there (comments and all). */
static const char spec_example[] =
	"[Interface]                 # the bastion's WireGuard device (exactly one)\n"
	"Name = wg0                  # default wg0\n"
	"PrivateKey = " PRIV "\n"
	"ListenPort = 51820          # default 51820\n"
	"Address = 10.100.0.1/24, fd10:100::1/64       # optional, any number\n"
	"MTU = 1420                  # default 1420\n"
	"FwMark = off                # WireGuard socket mark, as in wg(8); default off\n"
	"\n"
	"[Peer]                      # one or more; the far side\n"
	"PublicKey = " PUB1 "\n"
	"PresharedKey = " PSK "\n"
	"AllowedIPs = 0.0.0.0/0, ::/0                  # default with exactly one peer\n"
	"Endpoint = host.example:51820        # optional: the far side usually dials in\n"
	"PersistentKeepalive = 25    # optional\n"
	"\n"
	"[Forward web]               # ingress; NAME is [A-Za-z0-9_.-], 1-32 chars, unique\n"
	"Protocol = tcp              # tcp | udp | tcp,udp ; default tcp\n"
	"Port = 443                  # public port or range: 443, 27015-27030\n"
	"Destination = 192.168.1.10:8443   # IPv4, or [IPv6]; :port optional (same port)\n"
	"Allow = 0.0.0.0/0, ::/0     # client prefixes allowed; default everyone\n"
	"Masquerade = no             # yes: source becomes the bastion's tunnel address\n"
	"                            # (for destinations that do not route replies\n"
	"Shadow = no                 # yes: allowed to take over a port that a local\n"
	"\n"
	"[Egress home]               # egress; zero or more, NAME as for Forward\n"
	"Source = 10.100.0.0/24, 192.168.1.0/24   # who may leave through the bastion\n"
	"Destination = 0.0.0.0/0, ::/0            # default everything...\n"
	"Deny = 169.254.0.0/16, fe80::/10         # ...except these (this is the\n"
	"                                         # default: cloud metadata, link-local);\n"
	"Interface = eth0            # optional: only via this uplink\n"
	"Masquerade = yes            # default yes\n"
	"\n"
	"[Bastion]                   # optional knobs; the defaults coexist with wg-quick\n"
	"Table = 51821               # routing table for tunnel-bound packets\n"
	"Mark = 0x8000000/0x8000000  # firewall mark value/mask; only masked bits are written\n"
	"Priority = 5210             # ip rule priority\n";

START_TEST(spec_example_parses)
{
	struct wgb_config *cfg = parse_ok(spec_example);
	struct wgb_forward *f;
	struct wgb_egress *g;
	uint8_t want[WG_KEY_LEN];
	char a[PREFIX_STRLEN];

	ck_assert_uint_eq(cfg->iface.addresses.n, 2);
	ck_assert_str_eq(pfx(&cfg->iface.addresses, 0), "10.100.0.1/24");
	ck_assert_str_eq(pfx(&cfg->iface.addresses, 1), "fd10:100::1/64");
	ck_assert(cfg->peers[0].has_preshared_key);
	key_from_base64(want, PSK);
	ck_assert(key_equal(cfg->peers[0].preshared_key, want));
	ck_assert_str_eq(cfg->peers[0].endpoint, "host.example:51820");
	ck_assert_uint_eq(cfg->peers[0].persistent_keepalive, 25);
	ck_assert_uint_eq(cfg->n_forwards, 1);
	f = &cfg->forwards[0];
	ck_assert_str_eq(f->name, "web");
	ck_assert_uint_eq(f->line, 16);
	ck_assert_uint_eq(f->protocols, PROTO_TCP);
	ck_assert_uint_eq(f->port_lo, 443);
	ck_assert_uint_eq(f->port_hi, 443);
	ck_assert_uint_eq(f->family, AF_INET);
	ck_assert_str_eq(addr_fmt(f->family, f->dst.bytes, a), "192.168.1.10");
	ck_assert_uint_eq(f->dst_port, 8443);
	/* "everyone" of the other family says nothing about an IPv4 forward */
	ck_assert_uint_eq(f->allow.n, 1);
	ck_assert_str_eq(pfx(&f->allow, 0), "0.0.0.0/0");
	ck_assert(!f->masquerade);
	ck_assert(!f->shadow);
	ck_assert_uint_eq(cfg->n_egresses, 1);
	g = &cfg->egresses[0];
	ck_assert_str_eq(g->name, "home");
	ck_assert_uint_eq(g->source.n, 2);
	ck_assert_str_eq(g->interface, "eth0");
	ck_assert(g->masquerade);
	ck_assert_uint_eq(g->deny.n, 2);
	ck_assert(!cfg->uses_ipv6);
	config_free(cfg);
}
END_TEST

START_TEST(case_comments_and_line_endings)
{
	struct wgb_config *cfg = parse_ok(
		"\xef\xbb\xbf; a BOM, CRLF, odd case and both comment styles\r\n"
		"[interface]\r\n"
		"privatekey=" PRIV "\r\n"
		"LISTENPORT = 4500 ; IKE's NAT-T port\r\n"
		"  mtu\t=\t1280  \r\n"
		"[PEER] # far side\r\n"
		"publickey = " PUB1 "\r\n"
		"[forward Web.1]\r\n"
		"PORT=8080\r\n"
		"destination=10.1.2.3\r\n");

	ck_assert_uint_eq(cfg->iface.listen_port, 4500);
	ck_assert_uint_eq(cfg->iface.mtu, 1280);
	ck_assert_str_eq(cfg->forwards[0].name, "Web.1");
	ck_assert_uint_eq(cfg->forwards[0].port_lo, 8080);
	ck_assert_uint_eq(cfg->forwards[0].line, 8);
	config_free(cfg);
}
END_TEST

START_TEST(interface_keys)
{
	struct wgb_config *cfg = parse_ok(
		"[Interface]\nName = bastion.0\nPrivateKey = " PRIV "\n"
		"Address = 10.100.0.1/24, 10.100.0.1/24, 192.0.2.1, fd00::1\n"
		"FwMark = 0xca6c\nMTU = 9000\n[Peer]\nPublicKey = " PUB1 "\n");

	ck_assert_str_eq(cfg->iface.name, "bastion.0");
	ck_assert_uint_eq(cfg->iface.fwmark, 0xca6c);
	ck_assert_uint_eq(cfg->iface.mtu, 9000);
	/* exact duplicates within the list go, order stays */
	ck_assert_uint_eq(cfg->iface.addresses.n, 3);
	ck_assert_str_eq(pfx(&cfg->iface.addresses, 0), "10.100.0.1/24");
	ck_assert_str_eq(pfx(&cfg->iface.addresses, 1), "192.0.2.1/32");
	ck_assert_str_eq(pfx(&cfg->iface.addresses, 2), "fd00::1/128");
	config_free(cfg);

	cfg = parse_ok("[Interface]\nPrivateKey = " PRIV "\nFwMark = 51820\n"
		       "[Peer]\nPublicKey = " PUB1 "\nPersistentKeepalive = off\n");
	ck_assert_uint_eq(cfg->iface.fwmark, 51820);
	config_free(cfg);
}
END_TEST

START_TEST(peers_disjoint)
{
	struct wgb_config *cfg = parse_ok(
		"[Interface]\nPrivateKey = " PRIV "\n"
		"[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = 10.1.0.0/16, 192.168.1.0/24, 10.1.0.0/16, 10.1.5.0/24\n"
		"Endpoint = [2001:db8::1]:51820\nPersistentKeepalive = 0\n"
		"[Peer]\nPublicKey = " PUB2 "\nAllowedIPs = 10.2.0.0/16\n"
		"[Peer]\nPublicKey = " PUB3 "\nAllowedIPs = fd00:3::/48, 10.3.0.1\n");

	ck_assert_uint_eq(cfg->n_peers, 3);
	/* exact duplicates go; a more specific
	 * route of the same peer stays (the kernel keeps both) */
	ck_assert_uint_eq(cfg->peers[0].allowed_ips.n, 3);
	ck_assert_str_eq(pfx(&cfg->peers[0].allowed_ips, 0), "10.1.0.0/16");
	ck_assert_str_eq(pfx(&cfg->peers[0].allowed_ips, 1), "10.1.5.0/24");
	ck_assert_str_eq(pfx(&cfg->peers[0].allowed_ips, 2), "192.168.1.0/24");
	ck_assert_str_eq(cfg->peers[0].endpoint, "[2001:db8::1]:51820");
	ck_assert_str_eq(pfx(&cfg->peers[2].allowed_ips, 0), "10.3.0.1/32");
	ck_assert_str_eq(pfx(&cfg->peers[2].allowed_ips, 1), "fd00:3::/48");
	ck_assert_uint_eq(cfg->peers[2].line, 11);
	config_free(cfg);
}
END_TEST

START_TEST(forward_defaults_and_ranges)
{
	struct wgb_config *cfg = parse_ok(HEAD
		"[Forward a]\nPort = 80\nDestination = 10.0.0.1\n"
		"[Forward games]\nProtocol = udp\nPort = 27015-27030\nDestination = 10.0.0.2\n"
		"[Forward collapse]\nProtocol = udp, tcp\nPort = 6000-6010\nDestination = 10.0.0.3:6000\n"
		"[Forward v6]\nPort = 80\nDestination = [fd00::80]:8080\n"
		"[Forward bare6]\nPort = 81\nDestination = fd00::81\nShadow = yes\n");
	struct wgb_forward *f = cfg->forwards;

	ck_assert_uint_eq(cfg->n_forwards, 5);
	ck_assert_uint_eq(f[0].protocols, PROTO_TCP);
	ck_assert_uint_eq(f[0].dst_port, 0);
	ck_assert_str_eq(pfx(&f[0].allow, 0), "0.0.0.0/0");
	ck_assert_uint_eq(f[0].allow.n, 1);
	ck_assert(!f[0].masquerade);
	ck_assert(!f[0].shadow);
	/* a range without a destination port keeps its ports */
	ck_assert_uint_eq(f[1].protocols, PROTO_UDP);
	ck_assert_uint_eq(f[1].port_lo, 27015);
	ck_assert_uint_eq(f[1].port_hi, 27030);
	ck_assert_uint_eq(f[1].dst_port, 0);
	/* ...and collapses onto one given */
	ck_assert_uint_eq(f[2].protocols, PROTO_TCP | PROTO_UDP);
	ck_assert_uint_eq(f[2].dst_port, 6000);
	/* IPv6: same public port as the IPv4 one is fine, other family */
	ck_assert_uint_eq(f[3].family, AF_INET6);
	ck_assert_uint_eq(f[3].dst_port, 8080);
	ck_assert_uint_eq(f[3].allow.n, 1);
	ck_assert_str_eq(pfx(&f[3].allow, 0), "::/0");
	ck_assert_uint_eq(f[4].family, AF_INET6);
	ck_assert(f[4].shadow);
	ck_assert(cfg->uses_ipv6);
	config_free(cfg);
}
END_TEST

START_TEST(forward_allow_dedupe)
{
	struct wgb_config *cfg = parse_ok(HEAD
		"[Forward a]\nPort = 22\nDestination = 10.0.0.1\n"
		"Allow = 192.168.0.0/16, 10.0.0.0/8, 10.1.0.0/16, 192.168.7.7, 10.0.0.0/8, 203.0.113.9\n");
	struct wgb_forward *f = cfg->forwards;

	/* nft interval sets refuse overlaps: only the outermost stay */
	ck_assert_uint_eq(f->allow.n, 3);
	ck_assert_str_eq(pfx(&f->allow, 0), "10.0.0.0/8");
	ck_assert_str_eq(pfx(&f->allow, 1), "192.168.0.0/16");
	ck_assert_str_eq(pfx(&f->allow, 2), "203.0.113.9/32");
	config_free(cfg);
}
END_TEST

/* apply lets the forwards go once built: counted as dropped, the rest of
 * the config kept; a second drop and the free after it are safe. */
START_TEST(forwards_dropped)
{
	struct wgb_config *cfg = parse_ok(HEAD
		"[Forward a]\nPort = 22\nDestination = 10.0.0.1\nAllow = 192.168.0.0/16\n"
		"[Forward b]\nPort = 23\nDestination = 10.0.0.2\n"
		"[Egress e]\nSource = 10.100.0.0/24\n");

	ck_assert_uint_eq(cfg->n_forwards, 2);
	config_drop_forwards(cfg);
	ck_assert_ptr_null(cfg->forwards);
	ck_assert_uint_eq(cfg->n_forwards, 0);
	ck_assert_uint_eq(cfg->n_dropped, 2);
	ck_assert_uint_eq(cfg->n_egresses, 1);
	ck_assert_str_eq(cfg->egresses[0].name, "e");
	config_drop_forwards(cfg);
	ck_assert_uint_eq(cfg->n_dropped, 2);
	config_free(cfg);
}
END_TEST

/* The reader at scale (issue 13): one line buffer for lines of any length,
 * the key lookup by first letter, forward names checked by hashing. */
static char *many_forwards(size_t n, const char *extra)
{
	size_t cap = 256 + n * 80 + strlen(extra), len;
	char *t = malloc(cap);
	size_t i;

	ck_assert_ptr_nonnull(t);
	len = (size_t)snprintf(t, cap, "%s", HEAD);
	for (i = 0; i < n; ++i)
		len += (size_t)snprintf(t + len, cap - len,
					"[Forward f%zu]\nport = %zu\nDESTINATION = 10.%zu.%zu.1\n",
					i, 10000 + i, i / 250, i % 250);
	snprintf(t + len, cap - len, "%s", extra);
	return t;
}

START_TEST(many_forwards_and_long_lines)
{
	char allow[16384], *text;
	struct wgb_config *cfg;
	struct wgb_err e = { 0 };
	size_t i, len = 0;
	int ret;

	/* 600 prefixes on one line (10 KiB), then short lines: nothing of the
	 * long line may show in the ones after it */
	for (i = 0; i < 600; ++i)
		len += (size_t)snprintf(allow + len, sizeof(allow) - len, "%s198.%zu.%zu.0/24",
					i ? ", " : "", 18 + i / 256, i % 256);
	text = many_forwards(3000, "");
	{
		size_t tl = strlen(text) + strlen(allow) + 128;
		char *t2 = malloc(tl);

		ck_assert_ptr_nonnull(t2);
		snprintf(t2, tl, "%s[Forward last]\nAllow = %s\nPort = 9\nDestination = 10.99.0.1\n",
			 text, allow);
		free(text);
		text = t2;
	}
	cfg = parse_ok(text);
	ck_assert_uint_eq(cfg->n_forwards, 3001);
	ck_assert_str_eq(cfg->forwards[2999].name, "f2999");
	ck_assert_uint_eq(cfg->forwards[2999].port_lo, 12999);
	ck_assert_uint_eq(cfg->forwards[3000].allow.n, 600);
	ck_assert_str_eq(pfx(&cfg->forwards[3000].allow, 599), "198.20.87.0/24");
	ck_assert_uint_eq(cfg->forwards[3000].port_lo, 9);
	/* the default Allow: everyone of the destination's family */
	ck_assert_uint_eq(cfg->forwards[17].allow.n, 1);
	ck_assert_str_eq(pfx(&cfg->forwards[17].allow, 0), "0.0.0.0/0");
	config_free(cfg);
	free(text);

	/* names given twice among thousands: the first repeat in the file
	 * (not the first in sorted order, f1234), against the line of the
	 * first definition */
	text = many_forwards(3000,
			     "[Forward f7]\nPort = 2\nDestination = 10.99.0.2\n"
			     "[Forward f1234]\nPort = 1\nDestination = 10.99.0.1\n");
	cfg = (void *)1;
	ret = config_parse("t.conf", text, strlen(text), &cfg, &e);
	ck_assert_int_lt(ret, 0);
	ck_assert_ptr_null(cfg);
	/* HEAD is 4 lines, each forward 3 */
	ck_assert_str_eq(e.msg, "t.conf:9005: [Forward f7] is defined twice (first at line 26)");
	free(text);

	/* names differing only in case are different names */
	cfg = parse_ok(HEAD "[Forward web]\nPort = 1\nDestination = 10.0.0.1\n"
		       "[Forward Web]\nPort = 2\nDestination = 10.0.0.1\n");
	ck_assert_uint_eq(cfg->n_forwards, 2);
	config_free(cfg);
}
END_TEST

START_TEST(forward_protocols_and_ports_share)
{
	/* tcp and udp on one port, and adjacent ranges, do not conflict */
	struct wgb_config *cfg = parse_ok(
		"[Interface]\nPrivateKey = " PRIV "\nAddress = 10.100.0.1/24, fd00::1/64\n"
		"[Peer]\nPublicKey = " PUB1 "\n"
		"[Forward dns-t]\nPort = 53\nDestination = 10.0.0.53\n"
		"[Forward dns-u]\nProtocol = udp\nPort = 53\nDestination = 10.0.0.53\nMasquerade = yes\n"
		"[Forward r1]\nPort = 1000-1999\nDestination = 10.0.0.1\n"
		"[Forward r2]\nPort = 2000-2999\nDestination = 10.0.0.2\n"
		"[Forward wg-tcp]\nPort = 51820\nDestination = 10.0.0.3\n"
		"[Forward v6]\nPort = 53\nProtocol = tcp,udp\nDestination = [fd00::53]\nMasquerade = on\n");

	ck_assert_uint_eq(cfg->n_forwards, 6);
	ck_assert(cfg->forwards[1].masquerade);
	ck_assert(cfg->forwards[5].masquerade);
	config_free(cfg);
}
END_TEST

START_TEST(forward_limits)
{
	struct wgb_config *cfg = parse_ok(HEAD
		"[Forward a]\nPort = 80\nDestination = 10.0.0.1\nRateLimit = 20/second\nLog = yes\n"
		"[Forward b]\nPort = 81\nDestination = 10.0.0.1\nratelimit = 3/Minute\nConnLimit = 100\n"
		"Log = NFLOG:7\n"
		"[Forward c]\nPort = 82\nDestination = 10.0.0.1\nLog = no\n");
	const struct wgb_forward *f = cfg->forwards;

	ck_assert_uint_eq(f[0].rate, 20);
	ck_assert_uint_eq(f[0].rate_unit, 1);
	ck_assert_uint_eq(f[0].conn_limit, 0);
	ck_assert_uint_eq(f[1].rate, 3);
	ck_assert_uint_eq(f[1].rate_unit, 60);
	ck_assert_uint_eq(f[1].conn_limit, 100);
	ck_assert_uint_eq(f[2].rate, 0);
	ck_assert_uint_eq(f[2].conn_limit, 0);
	ck_assert_uint_eq(f[0].log, WGB_LOG_KERNEL);
	ck_assert_uint_eq(f[1].log, WGB_LOG_NFLOG);
	ck_assert_uint_eq(f[1].log_group, 7);
	ck_assert_uint_eq(f[2].log, WGB_LOG_NONE);
	config_free(cfg);
}
END_TEST

START_TEST(egress_defaults)
{
	struct wgb_config *cfg = parse_ok(HEAD
		"[Egress home]\nSource = 192.168.1.0/24, 192.168.1.128/25\n"
		"[Egress open]\nSource = 10.9.0.0/16\nDeny = none\nMasquerade = no\n"
		"Destination = 198.51.100.0/24, 198.51.100.0/25\nInterface = eth1\n");
	struct wgb_egress *g = cfg->egresses;

	ck_assert_uint_eq(cfg->n_egresses, 2);
	ck_assert_uint_eq(g[0].source.n, 1);
	ck_assert_str_eq(pfx(&g[0].source, 0), "192.168.1.0/24");
	ck_assert_uint_eq(g[0].destination.n, 2);
	ck_assert_str_eq(pfx(&g[0].destination, 0), "0.0.0.0/0");
	ck_assert_str_eq(pfx(&g[0].destination, 1), "::/0");
	/* the other clouds' metadata addresses too (issue 12), sorted */
	ck_assert_uint_eq(g[0].deny.n, 4);
	ck_assert_str_eq(pfx(&g[0].deny, 0), "100.100.100.200/32");
	ck_assert_str_eq(pfx(&g[0].deny, 1), "169.254.0.0/16");
	ck_assert_str_eq(pfx(&g[0].deny, 2), "fd00:ec2::254/128");
	ck_assert_str_eq(pfx(&g[0].deny, 3), "fe80::/10");
	ck_assert_str_eq(g[0].interface, "");
	ck_assert(g[0].masquerade);
	ck_assert_uint_eq(g[0].line, 5);
	ck_assert_uint_eq(g[1].deny.n, 0);
	ck_assert(!g[1].masquerade);
	ck_assert_uint_eq(g[1].destination.n, 1);
	ck_assert_str_eq(pfx(&g[1].destination, 0), "198.51.100.0/24");
	ck_assert_str_eq(g[1].interface, "eth1");
	ck_assert(!cfg->uses_ipv6);
	config_free(cfg);

	cfg = parse_ok(HEAD "[Egress six]\nSource = fd00:1::/64\n");
	ck_assert(cfg->uses_ipv6);
	config_free(cfg);
}
END_TEST

START_TEST(egress_source_outside_warns)
{
	struct wgb_config *cfg;
	char out[512] = "";
	int saved, fd;
	ssize_t n;
	FILE *tmp = tmpfile();

	ck_assert_ptr_nonnull(tmp);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	cfg = parse_ok(HEAD "AllowedIPs = 10.0.0.0/8\n[Egress x]\nSource = 10.1.0.0/16, 172.16.0.0/12\n");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fd = fileno(tmp);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, out, sizeof(out) - 1);
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
	fclose(tmp);
	/* a warning, not an error; only the source outside is named */
	ck_assert_str_eq(out,
		"wgbastion: warning: t.conf:7: Source: \"172.16.0.0/12\" is not inside any peer's AllowedIPs: no such packets come out of the tunnel\n");
	ck_assert_uint_eq(cfg->egresses[0].source.n, 2);
	config_free(cfg);
}
END_TEST

START_TEST(bastion_keys)
{
	struct wgb_config *cfg = parse_ok(HEAD
		"[bastion]\nTable = 100\nMark = 0x4\nPriority = 32765\n"
		"IngressConnMark = 0x1\nEgressConnMark = 0x80000000\n");

	ck_assert_uint_eq(cfg->bastion.table, 100);
	ck_assert_uint_eq(cfg->bastion.mark, 4);
	ck_assert_uint_eq(cfg->bastion.mark_mask, 4);
	ck_assert_uint_eq(cfg->bastion.priority, 32765);
	ck_assert_uint_eq(cfg->bastion.ct_ingress, 1);
	ck_assert_uint_eq(cfg->bastion.ct_egress, 0x80000000u);
	config_free(cfg);

	cfg = parse_ok(HEAD "[Bastion]\nMark = 0x10/0xf0\nTable = 4294967295\n");
	ck_assert_uint_eq(cfg->bastion.mark, 0x10);
	ck_assert_uint_eq(cfg->bastion.mark_mask, 0xf0);
	ck_assert_uint_eq(cfg->bastion.table, 4294967295u);
	config_free(cfg);
}
END_TEST

START_TEST(mtu_below_1280_without_ipv6)
{
	struct wgb_config *cfg = parse_ok(
		"[Interface]\nPrivateKey = " PRIV "\nMTU = 576\nAddress = 10.0.0.1/24\n"
		"[Peer]\nPublicKey = " PUB1 "\n");

	ck_assert_uint_eq(cfg->iface.mtu, 576);
	config_free(cfg);
}
END_TEST

/* config_load: files, modes, paths */

static int load(const char *path, struct wgb_config **cfg, struct wgb_err *e)
{
	err_clear(e);
	*cfg = NULL;
	return config_load(path, cfg, e);
}

START_TEST(load_key_file)
{
	struct wgb_config *cfg;
	struct wgb_err e;
	uint8_t want[WG_KEY_LEN];
	char text[512], msg[600];
	const char *key = unit_write_file("private.key", PRIV "\n", 0600);
	const char *conf;

	snprintf(text, sizeof(text), "[Interface]\nPrivateKeyFile = %s\n[Peer]\nPublicKey = " PUB1 "\n", key);
	conf = unit_write_file("a.conf", text, 0644);	/* no secret inside: fine */
	ck_assert_int_eq(load(conf, &cfg, &e), 0);
	ck_assert(cfg->iface.has_private_key);
	ck_assert_str_eq(cfg->iface.private_key_file, key);
	key_from_base64(want, PRIV);
	ck_assert(key_equal(cfg->iface.private_key, want));
	config_free(cfg);

	ck_assert_int_eq(chmod(key, 0640), 0);
	ck_assert_int_eq(load(conf, &cfg, &e), -EPERM);
	ck_assert_ptr_null(cfg);
	snprintf(msg, sizeof(msg),
		 "%s:2: PrivateKeyFile: \"%s\" is readable by group or others (mode 0640): chmod 600 it",
		 conf, key);
	ck_assert_str_eq(e.msg, msg);
}
END_TEST

static int load_input(const char *path, struct wgb_config **cfg, struct wgb_err *e)
{
	err_clear(e);
	*cfg = NULL;
	return config_load_input(path, cfg, e);
}

/* config_load_known: the same input digest as config_load_input, every section
 * but [Forward] read, and the digest moved by text and AllowFile alike. */
START_TEST(load_known_input)
{
	long long settle = config_settle_ns;
	struct wgb_config *full, *known;
	struct config_index *ix;
	struct wgb_err e;
	unsigned line;
	char text[1024];
	const char *conf;

	unit_write_file("allow.txt", "198.51.100.0/24\n", 0644);
	snprintf(text, sizeof(text),
		 "[Interface]\nPrivateKey = " PRIV "\nAddress = 10.0.0.1/24\n"
		 "[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = 10.0.0.2/32, 192.168.1.0/24, fd00::/64\n"
		 "[Forward a]\nPort = 80\nDestination = 192.168.1.2\nAllowFile = allow.txt ; relative\n"
		 "[Forward b]\n  destination = [fd00::2]:80 # IPv6\nPort = 81\n");
	conf = unit_write_file("known.conf", text, 0600);
	ck_assert_int_eq(load_input(conf, &full, &e), 0);
	ck_assert(!full->elided && full->uses_ipv6);
	ck_assert_uint_eq(full->n_forwards, 2);
	config_free(full);
	ck_assert_int_eq(load(conf, &full, &e), 0);
	ck_assert(!full->has_stamp && !full->index);	/* check has no use for them */
	config_free(full);
	ck_assert_int_eq(load_input(conf, &full, &e), 0);
	err_clear(&e);
	/* no index: read whole, as config_load_input reads it */
	ck_assert_int_eq(config_load_known(conf, NULL, &known, &e), 0);
	ck_assert(!known->elided);
	ck_assert_uint_eq(known->n_forwards, 2);
	ck_assert_uint_eq(known->n_elided, 0);
	config_free(full);
	config_free(known);
	/* the index of files settled: the [Forward]s skipped */
	config_settle_ns = 0;
	ck_assert_int_eq(load_input(conf, &full, &e), 0);
	ck_assert_ptr_nonnull(full->index);
	ck_assert_int_eq(config_index_parse(full->index, &ix, &line), 0);
	err_clear(&e);
	ck_assert_int_eq(config_load_known(conf, ix, &known, &e), 0);
	ck_assert(known->elided && known->has_stamp);
	ck_assert_uint_eq(known->n_forwards, 0);
	ck_assert_uint_eq(known->n_elided, 2);
	ck_assert_uint_eq(known->n_peers, 1);
	ck_assert(known->uses_ipv6);	/* from [Forward b], not parsed */
	ck_assert_mem_eq(known->stamp, full->stamp, CONFIG_INPUT_LEN);
	config_settle_ns = settle;
	config_free(full);
	config_free(known);

	/* a broken forward: the index no longer matches (the file was
	 * written again), so config_load_known reads it whole and sees it */
	strcat(text, "Port = eighty\n");
	conf = unit_write_file("known.conf", text, 0600);
	ck_assert_int_eq(load_input(conf, &full, &e), -EINVAL);
	err_clear(&e);
	ck_assert_int_eq(load(conf, &full, &e), -EINVAL);	/* the same */
	err_clear(&e);
	ck_assert_int_eq(config_load_known(conf, ix, &known, &e), -EINVAL);
	ck_assert_ptr_null(known);
	err_clear(&e);
	ck_assert_int_eq(config_load_known(conf, NULL, &known, &e), -EINVAL);
	config_index_free(ix);
}
END_TEST

/* The number of the line at t + off. */
static unsigned line_at(const char *t, size_t off)
{
	unsigned n = 1;
	size_t i;

	for (i = 0; i < off; ++i)
		n += t[i] == '\n';
	return n;
}

/* A config of several of the reader's blocks (64 KiB): lines across a
 * block's end, lines longer than a block (a comment, an Allow of 5,000
 * prefixes), a byte order mark, no newline at the end. Read from its file
 * as config_parse reads the same text in one piece; its index where the
 * text says; a late error named on its own line. */
START_TEST(load_streamed_across_blocks)
{
	long long settle = config_settle_ns;
	struct wgb_config *file, *mem, *known;
	const struct wgb_forward *a, *b;
	struct config_index *ix;
	size_t cap = 1u << 20, len = 0, i, peer, fwd_long;
	char *t = malloc(cap), want[96], msg[sizeof(((struct wgb_err *)0)->msg)], allow[128];
	char fifo[160];
	const char *conf;
	struct wgb_err e;
	unsigned line;
	int status;
	pid_t pid;

	ck_assert_ptr_nonnull(t);
	/* by its whole path: config_parse has no directory to go by */
	snprintf(allow, sizeof(allow), "%s", unit_write_file("allow5.txt", "198.51.100.0/24\n", 0644));
	len += (size_t)snprintf(t + len, cap - len,
				"\xef\xbb\xbf[Forward f0]\nPort = 10000\nDestination = 10.0.0.1\n"
				"AllowFile = %s\n[Interface]\nPrivateKey = " PRIV "\n", allow);
	for (i = 1; i < 1500; ++i)
		len += (size_t)snprintf(t + len, cap - len,
					"[Forward f%zu]\nport = %zu\nDestination = 10.%zu.%zu.1\n",
					i, 10000 + i, i / 250, i % 250);
	t[len++] = '#';
	memset(t + len, 'x', 70000);
	len += 70000;
	t[len++] = '\n';
	peer = len;
	len += (size_t)snprintf(t + len, cap - len, "[Peer]\nPublicKey = " PUB1 "\n");
	fwd_long = len;
	len += (size_t)snprintf(t + len, cap - len,
				"[Forward long]\nPort = 9\nDestination = 10.99.0.1\nAllow = ");
	for (i = 0; i < 5000; ++i)
		len += (size_t)snprintf(t + len, cap - len, "%s100.%zu.%zu.0/24", i ? ", " : "",
					64 + i / 250, i % 250);
	t[len++] = '\n';
	for (i = 1500; i < 3000; ++i)
		len += (size_t)snprintf(t + len, cap - len,
					"[Forward f%zu]\nport = %zu\nDestination = 10.%zu.%zu.1\n",
					i, 10000 + i, i / 250, i % 250);
	len += (size_t)snprintf(t + len, cap - len, "[Forward z]\nPort = 8\nDestination = 10.99.0.2");
	ck_assert_uint_gt(len, 4 * 65536);
	conf = unit_write_file("stream.conf", t, 0600);

	config_settle_ns = 0;
	ck_assert_int_eq(load_input(conf, &file, &e), 0);
	err_clear(&e);
	ck_assert_int_eq(config_parse(conf, t, len, &mem, &e), 0);
	ck_assert_uint_eq(file->n_forwards, 3002);
	ck_assert_uint_eq(mem->n_forwards, file->n_forwards);
	for (i = 0; i < file->n_forwards; ++i) {
		a = &file->forwards[i];
		b = &mem->forwards[i];
		ck_assert_str_eq(a->name, b->name);
		ck_assert_uint_eq(a->line, b->line);
		ck_assert(a->port_lo == b->port_lo && a->port_hi == b->port_hi);
		ck_assert_mem_eq(a->dst.bytes, b->dst.bytes, 16);
		ck_assert_uint_eq(a->allow.n, b->allow.n);
	}
	ck_assert_str_eq(file->forwards[1500].name, "long");
	ck_assert_uint_eq(file->forwards[1500].line, line_at(t, fwd_long));
	ck_assert_uint_eq(file->forwards[1500].allow.n, 5000);
	ck_assert_uint_eq(file->forwards[3001].line, line_at(t, (size_t)(strstr(t, "[Forward z]") - t)));
	ck_assert_uint_eq(file->n_peers, 1);
	ck_assert_uint_eq(file->peers[0].line, line_at(t, peer));
	config_free(mem);

	/* the index: the ranges that are not [Forward]s, as the text has them */
	ck_assert_ptr_nonnull(file->index);
	ck_assert_ptr_nonnull(strstr(file->index, "\nforwards=3002\nipv6=0\nfile="));
	i = (size_t)(strstr(t, "[Interface]") - t);
	snprintf(want, sizeof(want), "\nrange=%zu %zu %u\n", i,
		 (size_t)(strstr(t, "[Forward f1]") - t) - i, line_at(t, i));
	ck_assert_ptr_nonnull(strstr(file->index, want));
	snprintf(want, sizeof(want), "\nrange=%zu %zu %u\n", peer, fwd_long - peer,
		 line_at(t, peer));
	ck_assert_ptr_nonnull(strstr(file->index, want));
	ck_assert_int_eq(config_index_parse(file->index, &ix, &line), 0);
	err_clear(&e);
	ck_assert_int_eq(config_load_known(conf, ix, &known, &e), 0);
	ck_assert(known->elided && known->n_elided == 3002 && known->n_peers == 1);
	ck_assert_str_eq(known->index, file->index);
	config_free(known);
	config_index_free(ix);

	/* through a FIFO, which can be read only once (into one block):
	 * the same config */
	snprintf(fifo, sizeof(fifo), "%s/stream.fifo", unit_dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(fifo, O_WRONLY);
		size_t done = 0;
		ssize_t n = 0;

		while (fd >= 0 && done < len && (n = write(fd, t + done, len - done)) > 0)
			done += (size_t)n;
		_exit(done == len ? 0 : 1);
	}
	ck_assert_int_eq(load(fifo, &mem, &e), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(mem->n_forwards, 3002);
	ck_assert_uint_eq(mem->forwards[1500].allow.n, 5000);
	ck_assert_uint_eq(mem->forwards[3001].line, file->forwards[3001].line);
	config_free(mem);
	config_free(file);

	/* a bad value on the text's last line, past every block */
	len += (size_t)snprintf(t + len, cap - len, "\n[Forward zz]\nPort = eighty\n");
	conf = unit_write_file("stream.conf", t, 0600);
	ck_assert_int_eq(load_input(conf, &file, &e), -EINVAL);
	snprintf(msg, sizeof(msg), "%s", e.msg);
	snprintf(want, sizeof(want), ":%u: Port: \"eighty\"", line_at(t, len - 1));
	ck_assert_msg(strstr(msg, want), "%s", msg);
	err_clear(&e);
	ck_assert_int_eq(config_parse(conf, t, len, &mem, &e), -EINVAL);
	ck_assert_str_eq(e.msg, msg);
	config_settle_ns = settle;
	free(t);
}
END_TEST

/* The stamp: the same config told by its files' identities, none of
 * them read; taken only of files that changed long enough ago. */
START_TEST(load_known_stamp)
{
	const struct timespec old[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_sec = 1234567 } };
	struct wgb_config *full, *known;
	long long settle = config_settle_ns;
	uint8_t first[CONFIG_INPUT_LEN];
	struct wgb_err e;
	char text[1024];
	const char *conf, *allow;

	allow = unit_write_file("allow2.txt", "198.51.100.0/24\n", 0644);
	snprintf(text, sizeof(text),
		 "[Interface]\nPrivateKey = " PRIV "\nAddress = 10.0.0.1/24\n"
		 "[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = 10.0.0.2/32, 192.168.1.0/24\n"
		 "[Forward a]\nPort = 80\nDestination = 192.168.1.2\nAllowFile = allow2.txt\n");
	conf = unit_write_file("stamp.conf", text, 0600);

	/* just written: no stamp */
	ck_assert_int_eq(load_input(conf, &full, &e), 0);
	ck_assert(!full->has_stamp);
	ck_assert_ptr_null(full->index);	/* none without a stamp */
	config_free(full);
	err_clear(&e);
	ck_assert_int_eq(config_load_known(conf, NULL, &known, &e), 0);
	ck_assert(!known->elided && !known->has_stamp);
	config_free(known);

	/* settled: a stamp, read whole (no index) or not */
	config_settle_ns = 0;
	ck_assert_int_eq(load_input(conf, &full, &e), 0);
	ck_assert(full->has_stamp);
	err_clear(&e);
	ck_assert_int_eq(config_load_known(conf, NULL, &known, &e), 0);
	ck_assert(!known->elided && known->has_stamp);
	ck_assert_mem_eq(known->stamp, full->stamp, CONFIG_INPUT_LEN);
	memcpy(first, full->stamp, CONFIG_INPUT_LEN);
	config_free(full);
	config_free(known);

	/* the AllowFile touched (its contents the same): another stamp */
	ck_assert_int_eq(utimensat(AT_FDCWD, allow, old, 0), 0);
	err_clear(&e);
	ck_assert_int_eq(config_load_known(conf, NULL, &known, &e), 0);
	ck_assert(known->has_stamp);
	ck_assert_mem_ne(known->stamp, first, CONFIG_INPUT_LEN);
	memcpy(first, known->stamp, CONFIG_INPUT_LEN);
	config_free(known);
	/* and the config itself */
	ck_assert_int_eq(utimensat(AT_FDCWD, conf, old, 0), 0);
	err_clear(&e);
	ck_assert_int_eq(config_load_known(conf, NULL, &known, &e), 0);
	ck_assert_mem_ne(known->stamp, first, CONFIG_INPUT_LEN);
	config_free(known);

	/* an AllowFile gone: no stamp, no digest, and the config read
	 * whole names it */
	ck_assert_int_eq(unlink(allow), 0);
	err_clear(&e);
	ck_assert_int_lt(config_load_known(conf, NULL, &known, &e), 0);
	ck_assert_ptr_null(known);
	ck_assert_ptr_nonnull(strstr(e.msg, "allow2.txt"));
	config_settle_ns = settle;
}
END_TEST

/* The index: the next run reads only what is not [Forward]s, when every
 * file is as stamped; anything else, the text whole. */
START_TEST(load_known_index)
{
	const struct timespec old[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_sec = 7654321 } };
	struct wgb_config *full, *known;
	struct config_index *ix;
	long long settle = config_settle_ns;
	struct wgb_err e;
	char text[1024], *index, *p;
	const char *conf;
	unsigned line;
	size_t len;

	unit_write_file("allow3.txt", "198.51.100.0/24\n", 0644);
	snprintf(text, sizeof(text),
		 "# leading comment\n"
		 "[Interface]\nPrivateKey = " PRIV "\nAddress = 10.0.0.1/24\n"
		 "[Forward a]\nPort = 80\nDestination = 192.168.1.2\nAllowFile = allow3.txt\n"
		 "[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = 10.0.0.2/32, 192.168.1.0/24, fd00::/64\n"
		 "[Forward b]\nPort = 81\nDestination = [fd00::2]:80\n");
	conf = unit_write_file("index.conf", text, 0600);
	config_settle_ns = 0;
	ck_assert_int_eq(load_input(conf, &full, &e), 0);
	ck_assert_ptr_nonnull(full->index);
	index = strdup(full->index);
	config_free(full);
	ck_assert_ptr_nonnull(strstr(index, "\nforwards=2\nipv6=1\nfile="));
	ck_assert_ptr_nonnull(strstr(index, "allow3.txt\nrange=0 "));

	ck_assert_int_eq(config_index_parse(index, &ix, &line), 0);
	err_clear(&e);
	ck_assert_int_eq(config_load_known(conf, ix, &known, &e), 0);
	ck_assert(known->elided && known->has_stamp);
	ck_assert_uint_eq(known->n_elided, 2);
	ck_assert_uint_eq(known->n_forwards, 0);
	ck_assert_uint_eq(known->n_peers, 1);	/* the range after [Forward a] */
	ck_assert(known->uses_ipv6);
	ck_assert_str_eq(known->index, index);	/* the same to keep */
	config_free(known);

	/* a range that does not begin a line: the text read whole */
	p = strstr(index, "\nrange=");
	ck_assert_ptr_nonnull(p);
	p = strstr(p + 1, "\nrange=");
	ck_assert_ptr_nonnull(p);
	p += 7;		/* "range=N": N one more */
	p[strcspn(p, " ") - 1]++;
	config_index_free(ix);
	ck_assert_int_eq(config_index_parse(index, &ix, &line), 0);
	err_clear(&e);
	ck_assert_int_eq(config_load_known(conf, ix, &known, &e), 0);
	ck_assert_uint_eq(known->n_peers, 1);
	ck_assert(known->has_stamp && !known->elided && known->n_forwards == 2);
	ck_assert_str_ne(known->index, index);	/* a right one to keep */
	config_free(known);

	/* the config touched: not as stamped, read whole */
	ck_assert_int_eq(utimensat(AT_FDCWD, conf, old, 0), 0);
	err_clear(&e);
	ck_assert_int_eq(config_load_known(conf, ix, &known, &e), 0);
	ck_assert(known->has_stamp && !known->elided && known->n_forwards == 2 &&
		  known->n_peers == 1);
	config_free(known);
	config_index_free(ix);
	free(index);

	/* a byte order mark before a first [Forward]: its AllowFile is one
	 * of the files, or a change to it would go unseen */
	unit_write_file("allow4.txt", "198.51.100.0/24\n", 0644);
	snprintf(text, sizeof(text),
		 "\xef\xbb\xbf[Forward a]\nPort = 80\nDestination = 192.168.1.2\nAllowFile = allow4.txt\n"
		 "[Interface]\nPrivateKey = " PRIV "\nAddress = 10.0.0.1/24\n"
		 "[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = 10.0.0.2/32, 192.168.1.0/24\n");
	conf = unit_write_file("bom.conf", text, 0600);
	ck_assert_int_eq(load_input(conf, &full, &e), 0);
	ck_assert_ptr_nonnull(full->index);
	ck_assert_ptr_nonnull(strstr(full->index, "\nforwards=1\n"));
	ck_assert_ptr_nonnull(strstr(full->index, "allow4.txt\n"));
	/* and its index is taken: the mark alone is no range */
	ck_assert_ptr_nonnull(strstr(full->index, "\nrange=0 0 1\n"));
	ck_assert_int_eq(config_index_parse(full->index, &ix, &line), 0);
	err_clear(&e);
	ck_assert_int_eq(config_load_known(conf, ix, &known, &e), 0);
	ck_assert(known->elided && known->n_elided == 1 && known->n_peers == 1);
	config_free(known);
	config_index_free(ix);
	/* an index that is not the text's (written by hand): one range over
	 * all of it, [Forward] included. The forward there is skipped as an
	 * elided config's are, never half read */
	len = strlen(text);	/* the config's */
	p = strstr(full->index, "\nrange=");
	ck_assert_ptr_nonnull(p);
	snprintf(text, sizeof(text), "%.*srange=0 %zu 1\n", (int)(p + 1 - full->index),
		 full->index, len);
	config_free(full);
	ck_assert_int_eq(config_index_parse(text, &ix, &line), 0);
	err_clear(&e);
	ck_assert_int_eq(config_load_known(conf, ix, &known, &e), 0);
	ck_assert(known->elided && known->has_stamp);
	ck_assert_uint_eq(known->n_forwards, 0);
	ck_assert_uint_eq(known->n_elided, 1);
	ck_assert_uint_eq(known->n_peers, 1);
	config_free(known);
	config_index_free(ix);

	/* what is not an index is refused, naming the line */
	ck_assert_int_eq(config_index_parse("stamp=zz\n", &ix, &line), -EINVAL);
	ck_assert_ptr_null(ix);
	ck_assert_uint_eq(line, 1);
	ck_assert_int_eq(config_index_parse("forwards=1\nipv6=0\n", &ix, &line), -EINVAL);
	ck_assert_uint_eq(line, 0);	/* incomplete */
	snprintf(text, sizeof(text), "stamp=%064d\nforwards=1\nipv6=0\n"
		 "range=0 10 1\nrange=5 10 2\n", 0);
	ck_assert_int_eq(config_index_parse(text, &ix, &line), -EINVAL);
	ck_assert_uint_eq(line, 5);	/* overlapping ranges */
	snprintf(text, sizeof(text), "stamp=%064d\nforwards=1\nipv6=0\nrange=0 10 1\n", 0);
	ck_assert_int_eq(config_index_parse(text, &ix, &line), 0);
	config_index_free(ix);
	config_settle_ns = settle;
}
END_TEST

/* check needs no privileges: a root-only key file is left unchecked. */
START_TEST(load_key_file_unreadable_by_user)
{
	struct wgb_config *cfg;
	struct wgb_err e;
	char text[512];
	const char *key = unit_write_file("private.key", PRIV "\n", 0600);
	const char *conf;
	int status, null;
	pid_t pid;

	if (geteuid() != 0)
		return;	/* the case needs a user other than the key's owner */
	snprintf(text, sizeof(text), "[Interface]\nPrivateKeyFile = %s\n[Peer]\nPublicKey = " PUB1 "\n", key);
	conf = unit_write_file("a.conf", text, 0644);
	ck_assert_int_eq(chmod(unit_dir, 0755), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		null = open("/dev/null", O_WRONLY);
		dup2(null, 2);	/* the "not checked" warning */
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
		if (load(conf, &cfg, &e) < 0)
			_exit(4);
		if (cfg->iface.has_private_key || strcmp(cfg->iface.private_key_file, key))
			_exit(5);
		config_free(cfg);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(load_key_file_missing_and_relative)
{
	struct wgb_config *cfg;
	struct wgb_err e;
	char want[128], msg[600];
	const char *conf = unit_write_file("a.conf",
		"[Interface]\nPrivateKeyFile = keys/private.key\n[Peer]\nPublicKey = " PUB1 "\n"
		"PresharedKeyFile = psk\n", 0600);

	unit_write_file("psk", PSK "\n", 0600);
	/* missing: not an error, apply creates it; relative to the config */
	ck_assert_int_eq(load(conf, &cfg, &e), 0);
	ck_assert(!cfg->iface.has_private_key);
	snprintf(want, sizeof(want), "%s/keys/private.key", unit_dir);
	ck_assert_str_eq(cfg->iface.private_key_file, want);
	ck_assert(cfg->peers[0].has_preshared_key);
	config_free(cfg);

	/* a missing preshared key is nobody's to create */
	snprintf(want, sizeof(want), "%s/psk", unit_dir);
	ck_assert_int_eq(unlink(want), 0);
	ck_assert_int_eq(load(conf, &cfg, &e), -ENOENT);
	snprintf(msg, sizeof(msg),
		 "%s:5: PresharedKeyFile: \"%s\" cannot be opened: No such file or directory",
		 conf, want);
	ck_assert_str_eq(e.msg, msg);
}
END_TEST

START_TEST(load_world_readable_secret)
{
	struct wgb_config *cfg;
	struct wgb_err e;
	char msg[600];
	const char *conf = unit_write_file("a.conf", HEAD, 0604);
	const char *psk;

	ck_assert_int_eq(load(conf, &cfg, &e), -EINVAL);
	snprintf(msg, sizeof(msg),
		 "%s:2: PrivateKey: the config file holds a secret and is readable by group or others: chmod 600 %s, or use PrivateKeyFile",
		 conf, conf);
	ck_assert_str_eq(e.msg, msg);
	/* readable by its group: refused too, as a key file would be (SPEC §3) */
	ck_assert_int_eq(chmod(conf, 0640), 0);
	ck_assert_int_eq(load(conf, &cfg, &e), -EINVAL);
	ck_assert_str_eq(e.msg, msg);
	ck_assert_int_eq(chmod(conf, 0600), 0);
	ck_assert_int_eq(load(conf, &cfg, &e), 0);
	config_free(cfg);

	psk = unit_write_file("b.conf",
		"[Interface]\nPrivateKeyFile = /nonexistent/k\n[Peer]\nPublicKey = " PUB1 "\n"
		"PresharedKey = " PSK "\n", 0644);
	ck_assert_int_eq(load(psk, &cfg, &e), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, ":5: PresharedKey: the config file holds a secret"));
}
END_TEST

START_TEST(load_errors)
{
	struct wgb_config *cfg;
	struct wgb_err e;
	char path[128], msg[300];

	snprintf(path, sizeof(path), "%s/none.conf", unit_dir);
	ck_assert_int_eq(load(path, &cfg, &e), -ENOENT);
	snprintf(msg, sizeof(msg), "%s: cannot open the config: No such file or directory", path);
	ck_assert_str_eq(e.msg, msg);
	ck_assert_int_eq(load(unit_dir, &cfg, &e), -EISDIR);
	ck_assert_ptr_null(cfg);
	ck_assert_int_eq(load(unit_write_file("empty.conf", "", 0600), &cfg, &e), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "empty.conf: no [Interface] section"));
}
END_TEST

/* Runs check_main on path; returns its status, stderr in out. */
static int run_check(const char *path, char *out, size_t size)
{
	char *argv[] = { "check", NULL };
	FILE *tmp = tmpfile();
	int saved, ret;
	ssize_t n;

	ck_assert_ptr_nonnull(tmp);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	wgb_config_path = path;
	optind = 0;
	ret = check_main(1, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fileno(tmp), 0, SEEK_SET);
	n = read(fileno(tmp), out, size - 1);
	out[n > 0 ? n : 0] = '\0';
	fclose(tmp);
	return ret;
}

START_TEST(check_exit_status)
{
	char out[1024], want[1100], conf[128];
	const char *path;

	/* success: silent */
	ck_assert_int_eq(run_check(unit_write_file("good.conf", HEAD, 0600), out, sizeof(out)), EXIT_OK);
	ck_assert_str_eq(out, "");
	/* a bad value: the message alone, exit 2 */
	path = unit_write_file("bad.conf", HEAD "[Forward x]\nPort = 0\n", 0600);
	ck_assert_int_eq(run_check(path, out, sizeof(out)), EXIT_USAGE);
	snprintf(want, sizeof(want), "%s:6: Port: \"0\" is not a port (1-65535)\n", path);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(run_check("/nonexistent/wgbastion.conf", out, sizeof(out)), EXIT_USAGE);
	ck_assert_str_eq(out, "/nonexistent/wgbastion.conf: cannot open the config: No such file or directory\n");
	/* a PrivateKeyFile still to be created: fine, and said */
	snprintf(conf, sizeof(conf), "%s/new.key", unit_dir);
	snprintf(want, sizeof(want), "[Interface]\nPrivateKeyFile = %s\n[Peer]\nPublicKey = " PUB1 "\n", conf);
	ck_assert_int_eq(run_check(unit_write_file("new.conf", want, 0600), out, sizeof(out)), EXIT_OK);
	snprintf(want, sizeof(want),
		 "wgbastion: PrivateKeyFile \"%s\" does not exist yet: it will be created by apply\n", conf);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(access(conf, F_OK), -1);	/* check created nothing */
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *t = tcase_create("parse");
	TCase *l = tcase_create("load");

	tcase_add_test(t, defaults);
	tcase_add_test(t, spec_example_parses);
	tcase_add_test(t, forwards_dropped);
	tcase_add_test(t, case_comments_and_line_endings);
	tcase_add_test(t, interface_keys);
	tcase_add_test(t, peers_disjoint);
	tcase_add_test(t, forward_defaults_and_ranges);
	tcase_add_test(t, forward_allow_dedupe);
	tcase_add_test(t, forward_protocols_and_ports_share);
	tcase_add_test(t, forward_limits);
	tcase_add_test(t, many_forwards_and_long_lines);
	tcase_add_test(t, egress_defaults);
	tcase_add_test(t, egress_source_outside_warns);
	tcase_add_test(t, bastion_keys);
	tcase_add_test(t, mtu_below_1280_without_ipv6);
	suite_add_tcase(s, t);

	tcase_add_checked_fixture(l, unit_tmpdir_setup, unit_tmpdir_teardown);
	tcase_add_test(l, load_key_file);
	tcase_add_test(l, load_known_input);
	tcase_add_test(l, load_known_stamp);
	tcase_add_test(l, load_known_index);
	tcase_add_test(l, load_streamed_across_blocks);
	tcase_add_test(l, load_key_file_unreadable_by_user);
	tcase_add_test(l, load_key_file_missing_and_relative);
	tcase_add_test(l, load_world_readable_secret);
	tcase_add_test(l, load_errors);
	tcase_add_test(l, check_exit_status);
	suite_add_tcase(s, l);
	return s;
}

UNIT_MAIN(config_suite)
