// SPDX-License-Identifier: GPL-2.0-only
/* show's renderers on a hand-made view: text and JSON say the same thing,
 * durations and sizes read well, and nothing secret can slip in. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "show/show_view.h"
#include "show/show_live.h"
#include "lib/human.h"
#include "unit.h"

static char *render(const struct show_view *v, bool json)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);

	ck_assert_ptr_nonnull(f);
	if (json)
		ck_assert_int_eq(show_json(v, f), 0);
	else
		show_text(v, f, false);
	fclose(f);
	return p;
}

/* One interface, one peer, one forward with a counter, one rule, drift. */
static void sample(struct show_view *v, struct show_peer *peer, struct show_item *fw,
		   struct show_entry *rule, struct show_sysctl *sc)
{
	memset(v, 0, sizeof(*v));
	v->now = 1700000063;
	v->config_path = "/etc/wgbastion/wgbastion.conf";
	snprintf(v->in.name, sizeof(v->in.name), "wg0");
	v->in.table = 51821;
	v->in.mark = v->in.mark_mask = 0x8000000;
	v->in.priority = 5210;
	v->iface.exists = true;
	snprintf(v->iface.name, sizeof(v->iface.name), "wg0");
	v->iface.backend = "userspace";
	snprintf(v->iface.userspace_prog, sizeof(v->iface.userspace_prog), "wireguard-go");
	v->iface.userspace_pid = 42;
	v->iface.has_public_key = true;
	snprintf(v->iface.public_key, sizeof(v->iface.public_key), "%s",
		 "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=");
	v->iface.listen_port = 51820;
	v->iface.mtu = 1420;
	v->iface.up = true;
	v->iface.addresses = "10.100.0.1/24, fd10::1/64";
	memset(peer, 0, sizeof(*peer));
	snprintf(peer->public_key, sizeof(peer->public_key), "%s",
		 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=");
	snprintf(peer->endpoint, sizeof(peer->endpoint), "198.51.100.7:40123");
	peer->allowed_ips = "10.100.0.2/32, 192.168.1.0/24";
	peer->keepalive = 25;
	peer->last_handshake = 1700000000;	/* 63 s before now */
	peer->rx_bytes = 5872025;
	peer->tx_bytes = 1023;
	peer->has_preshared_key = true;
	v->iface.peers = peer;
	v->iface.n_peers = 1;
	v->nft_table = true;
	memset(fw, 0, sizeof(*fw));
	snprintf(fw->name, sizeof(fw->name), "web");
	fw->rule = "tcp 443 -> 192.168.1.10:8443  allow 0.0.0.0/0";
	fw->counter = (struct show_counter){ .present = true, .packets = 1234, .bytes = 5872025 };
	fw->connections = 12;
	fw->protocols = PROTO_TCP;
	fw->port_lo = fw->port_hi = 443;
	snprintf(fw->destination, sizeof(fw->destination), "192.168.1.10:8443");
	v->forwards = fw;
	v->n_forwards = 1;
	rule->text = "fwmark 0x8000000/0x8000000 lookup 51821 priority 5210 (ipv4)";
	rule->ours = true;
	rule->family = AF_INET;
	v->rules = rule;
	v->n_rules = 1;
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->name, sizeof(sc->name), "net.ipv4.ip_forward");
	sc->present = true;
	sc->value = 1;
	sc->has_orig = true;
	v->sysctls = sc;
	v->n_sysctls = 1;
	v->verdict_known = true;
}

/* -v's laps: the time since the lap's start, which then starts anew */
START_TEST(laps)
{
	struct timespec t, was, nap = { 0, 20 * 1000 * 1000 };

	human_lap_start(&t);
	was = t;
	ck_assert_int_eq(nanosleep(&nap, NULL), 0);
	ck_assert_double_ge(human_lap(&t), 20.0);
	/* the next lap starts when this one ended, after the nap */
	ck_assert_double_ge((double)(t.tv_sec - was.tv_sec) * 1e3 +
			    (double)(t.tv_nsec - was.tv_nsec) / 1e6, 20.0);
}
END_TEST

START_TEST(durations_and_sizes)
{
	char b[96];

	human_duration(b, sizeof(b), 63);
	ck_assert_str_eq(b, "1 minute, 3 seconds");
	human_duration(b, sizeof(b), 1);
	ck_assert_str_eq(b, "1 second");
	human_duration(b, sizeof(b), 0);
	ck_assert_str_eq(b, "0 seconds");
	human_duration(b, sizeof(b), 2 * 86400 + 3600 + 120);
	ck_assert_str_eq(b, "2 days, 1 hour, 2 minutes");
	human_bytes(b, sizeof(b), 1023);
	ck_assert_str_eq(b, "1023 B");
	human_bytes(b, sizeof(b), 5872025);
	ck_assert_str_eq(b, "5.60 MiB");
	human_bytes(b, sizeof(b), 1536);
	ck_assert_str_eq(b, "1.50 KiB");
}
END_TEST

START_TEST(text_one_screen)
{
	struct show_view v;
	struct show_peer peer;
	struct show_item fw;
	struct show_entry rule;
	struct show_sysctl sc;
	struct plan p = { 0 };
	char *out;

	sample(&v, &peer, &fw, &rule, &sc);
	out = render(&v, false);
	ck_assert_ptr_nonnull(strstr(out, "interface: wg0 (userspace: wireguard-go, pid 42)\n"));
	ck_assert_ptr_nonnull(strstr(out, "latest handshake: 1 minute, 3 seconds ago\n"));
	ck_assert_ptr_nonnull(strstr(out, "transfer: 5.60 MiB received, 1023 B sent\n"));
	ck_assert_ptr_nonnull(strstr(out, "preshared key: (hidden)\n"));
	ck_assert_ptr_nonnull(strstr(out, "  web  tcp 443 -> 192.168.1.10:8443  allow 0.0.0.0/0  "
					  "12 conns / 1234 packets, 5.60 MiB\n"));
	ck_assert_ptr_nonnull(strstr(out, "net.ipv4.ip_forward = 1 (was 0; flush restores it)"));
	ck_assert_ptr_nonnull(strstr(out, ": in sync\n"));
	ck_assert_ptr_null(strchr(out, '\033'));
	free(out);

	ck_assert_int_eq(plan_add(&p, '+', "rule %s", "fwmark 0x8000000/0x8000000"), 0);
	v.plan = p;
	out = render(&v, false);
	ck_assert_ptr_nonnull(strstr(out, "1 difference (apply would make these changes):\n"
					  "  + rule fwmark 0x8000000/0x8000000\n"));
	free(out);
	plan_free(&v.plan);
}
END_TEST

START_TEST(json_document)
{
	struct show_view v;
	struct show_peer peer;
	struct show_item fw;
	struct show_entry rule;
	struct show_sysctl sc;
	char *out;

	sample(&v, &peer, &fw, &rule, &sc);
	out = render(&v, true);
	ck_assert_ptr_nonnull(strstr(out, "\"version\": 1,"));
	ck_assert_ptr_nonnull(strstr(out, "\"public_key\": \"HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=\""));
	ck_assert_ptr_nonnull(strstr(out, "\"addresses\": [\n      \"10.100.0.1/24\",\n      \"fd10::1/64\"\n    ]"));
	ck_assert_ptr_nonnull(strstr(out, "\"has_preshared_key\": true,"));
	ck_assert_ptr_nonnull(strstr(out, "\"latest_handshake\": 1700000000,"));
	ck_assert_ptr_nonnull(strstr(out, "\"latest_handshake_age\": 63,"));
	ck_assert_ptr_nonnull(strstr(out, "\"counter\": {\n        \"packets\": 1234,\n        \"bytes\": 5872025\n      },"));
	ck_assert_ptr_nonnull(strstr(out, "\"connections\": 12"));
	ck_assert_ptr_nonnull(strstr(out, "\"protocols\": [\n        \"tcp\"\n      ],"));
	ck_assert_ptr_nonnull(strstr(out, "\"original\": 0"));
	ck_assert_ptr_nonnull(strstr(out, "\"verdict\": {\n    \"known\": true,\n    \"in_sync\": true,\n    \"changes\": []\n  },"));
	ck_assert_ptr_nonnull(strstr(out, "\"dropped\": null"));
	/* nothing named like a secret: only whether a preshared key exists */
	ck_assert_ptr_null(strstr(out, "private"));
	ck_assert_ptr_null(strstr(out, "\"preshared_key\""));
	free(out);

	/* a broken config: verdict unknown, where the identity came from */
	v.config_error = "wgbastion.conf:3: Port: \"x\" is not a port (1-65535)";
	v.instance_from_record = true;
	v.verdict_known = false;
	out = render(&v, true);
	ck_assert_ptr_nonnull(strstr(out, "\"valid\": false,"));
	ck_assert_ptr_nonnull(strstr(out, "\"error\": \"wgbastion.conf:3: Port: \\\"x\\\" is not a port (1-65535)\""));
	ck_assert_ptr_nonnull(strstr(out, "\"instance_from\": \"record\""));
	ck_assert_ptr_nonnull(strstr(out, "\"in_sync\": null"));
	free(out);
}
END_TEST

/* SPEC §6, issue 14: a forward whose far side does not answer is named,
 * with what that usually means, in the text and in the JSON; a forward
 * whose connections were all answered, or unknown, is not. */
START_TEST(unanswered_forward_named)
{
	struct show_view v;
	struct show_peer peer;
	struct show_item fw[2];
	struct show_entry rule;
	struct show_sysctl sc;
	char *out;

	sample(&v, &peer, &fw[0], &rule, &sc);
	out = render(&v, false);
	ck_assert_ptr_null(strstr(out, "no reply"));
	free(out);
	out = render(&v, true);
	ck_assert_ptr_nonnull(strstr(out, "\"unanswered\": 0,\n      \"diagnosis\": null"));
	free(out);

	fw[1] = fw[0];
	snprintf(fw[1].name, sizeof(fw[1].name), "ssh");
	snprintf(fw[1].destination, sizeof(fw[1].destination), "192.168.1.11:22");
	fw[1].connections = 3;
	fw[1].unanswered = 3;
	v.n_forwards = 2;
	out = render(&v, false);
	ck_assert_ptr_nonnull(strstr(out, "\nno reply (tracked now, i.e. in the last 2 minutes):\n"
					  "  ssh: 3 connections to 192.168.1.11:22 never saw a reply\n"));
	ck_assert_ptr_null(strstr(out, "  web: "));
	ck_assert_ptr_nonnull(strstr(out, "[Return]"));
	ck_assert_ptr_nonnull(strstr(out, "docs/far-side.md"));
	free(out);
	out = render(&v, true);
	ck_assert_ptr_nonnull(strstr(out, "\"unanswered\": 3,\n      \"diagnosis\": \"connections to this forward"));
	ck_assert_ptr_nonnull(strstr(out, "See docs/far-side.md\""));
	free(out);

	fw[1].connections = fw[1].unanswered = -1;	/* conntrack unreadable */
	out = render(&v, false);
	ck_assert_ptr_null(strstr(out, "no reply"));
	free(out);
	out = render(&v, true);
	ck_assert_ptr_nonnull(strstr(out, "\"unanswered\": null,"));
	free(out);
}
END_TEST

START_TEST(config_items_as_text)
{
	struct wgb_forward f = { .protocols = PROTO_TCP | PROTO_UDP, .port_lo = 27015,
				 .port_hi = 27030, .family = AF_INET };
	struct prefix allow[2] = { { .family = AF_INET, .len = 8 }, { .family = AF_INET, .len = 16 } };
	struct prefix src = { .family = AF_INET, .len = 24 }, dst = { .family = AF_INET6, .len = 0 };
	struct wgb_egress e = { .masquerade = true };
	char *s;

	inet_pton(AF_INET, "192.168.1.20", &f.dst.ip4);
	inet_pton(AF_INET, "10.0.0.0", &allow[0].addr.ip4);
	inet_pton(AF_INET, "172.16.0.0", &allow[1].addr.ip4);
	f.allow.v = allow;
	f.allow.n = 2;
	s = show_forward_rule(&f);
	ck_assert_str_eq(s, "tcp,udp 27015-27030 -> 192.168.1.20 (ports kept)  allow 10.0.0.0/8, 172.16.0.0/16");
	free(s);
	f.family = AF_INET6;
	inet_pton(AF_INET6, "fd00::10", &f.dst.ip6);
	f.dst_port = 8443;
	f.protocols = PROTO_UDP;
	f.port_lo = f.port_hi = 443;
	f.masquerade = true;
	f.allow.n = 0;
	s = show_forward_rule(&f);
	ck_assert_str_eq(s, "udp 443 -> [fd00::10]:8443  allow   masquerade");
	free(s);

	inet_pton(AF_INET, "192.168.1.0", &src.addr.ip4);
	e.source.v = &src;
	e.source.n = 1;
	e.destination.v = &dst;
	e.destination.n = 1;
	snprintf(e.interface, sizeof(e.interface), "eth0");
	s = show_egress_rule(&e);
	ck_assert_str_eq(s, "192.168.1.0/24 -> ::/0  via eth0  masquerade");
	free(s);
}
END_TEST

static Suite *show_suite(void)
{
	Suite *s = suite_create("show");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, durations_and_sizes);
	tcase_add_test(tc, laps);
	tcase_add_test(tc, text_one_screen);
	tcase_add_test(tc, json_document);
	tcase_add_test(tc, unanswered_forward_named);
	tcase_add_test(tc, config_items_as_text);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(show_suite)
