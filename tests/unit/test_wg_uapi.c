// SPDX-License-Identifier: GPL-2.0-only
/* The UAPI text protocol, without a daemon: set requests and get replies. */
#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "wg/wg_ipc.h"

static char *set_text(const struct wg_set *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(wg_uapi_set_write(f, s), 0);
	fclose(f);
	return buf;
}

START_TEST(set_minimal_change)
{
	struct prefix aips[2] = {
		{ .family = AF_INET, .len = 32 },
		{ .family = AF_INET6, .len = 64 },
	};
	struct wg_peer_set peers[3];
	struct wg_set s = { 0 };
	char *t;

	inet_pton(AF_INET, "10.100.0.2", aips[0].addr.bytes);
	inet_pton(AF_INET6, "fd10::", aips[1].addr.bytes);
	memset(peers, 0, sizeof(peers));
	s.flags = WG_SET_LISTEN_PORT;
	s.listen_port = 51821;
	s.peers = peers;
	s.n_peers = 3;
	/* a changed keepalive: nothing else about that peer */
	memset(peers[0].public_key, 0x11, 32);
	peers[0].flags = WG_PEER_KEEPALIVE;
	peers[0].persistent_keepalive = 25;
	/* replaced AllowedIPs, a new endpoint */
	memset(peers[1].public_key, 0x22, 32);
	peers[1].flags = WG_PEER_REPLACE_ALLOWEDIPS | WG_PEER_ENDPOINT;
	peers[1].endpoint.in6.sin6_family = AF_INET6;
	peers[1].endpoint.in6.sin6_port = htons(51820);
	inet_pton(AF_INET6, "2001:db8::1", &peers[1].endpoint.in6.sin6_addr);
	peers[1].allowed_ips = aips;
	peers[1].n_allowed_ips = 2;
	/* gone */
	memset(peers[2].public_key, 0x33, 32);
	peers[2].flags = WG_PEER_REMOVE;

	t = set_text(&s);
	ck_assert_str_eq(t,
		"set=1\n"
		"listen_port=51821\n"
		"public_key=1111111111111111111111111111111111111111111111111111111111111111\n"
		"persistent_keepalive_interval=25\n"
		"public_key=2222222222222222222222222222222222222222222222222222222222222222\n"
		"endpoint=[2001:db8::1]:51820\n"
		"replace_allowed_ips=true\n"
		"allowed_ip=10.100.0.2/32\n"
		"allowed_ip=fd10::/64\n"
		"public_key=3333333333333333333333333333333333333333333333333333333333333333\n"
		"remove=true\n"
		"\n");
	free(t);
}
END_TEST

START_TEST(set_keys_and_fwmark)
{
	struct wg_peer_set peer = { .flags = WG_PEER_PRESHARED_KEY };
	struct wg_set s = { .flags = WG_SET_PRIVATE_KEY | WG_SET_FWMARK, .fwmark = 0 };
	char *t;

	memset(s.private_key, 0x11, 32);
	memset(peer.public_key, 0xab, 32);
	/* zero preshared key: remove it */
	s.peers = &peer;
	s.n_peers = 1;
	t = set_text(&s);
	ck_assert_str_eq(t,
		"set=1\n"
		"private_key=1111111111111111111111111111111111111111111111111111111111111111\n"
		"fwmark=0\n"
		"public_key=abababababababababababababababababababababababababababababababab\n"
		"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		"\n");
	free(t);
}
END_TEST

static int parse_text(const char *text, struct wg_state *st)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	ck_assert_ptr_nonnull(f);
	ret = wg_uapi_get_parse(f, st);
	fclose(f);
	return ret;
}

START_TEST(get_reply)
{
	struct wg_state st = { 0 };
	uint8_t priv[32], pub[32];

	ck_assert_int_ge(sodium_init(), 0);
	memset(priv, 0x11, 32);
	crypto_scalarmult_curve25519_base(pub, priv);
	priv[0] &= 248;	/* kept clamped */
	priv[31] = (priv[31] & 127) | 64;
	ck_assert_int_eq(parse_text(
		"private_key=1111111111111111111111111111111111111111111111111111111111111111\n"
		"listen_port=51820\n"
		"fwmark=66\n"
		"public_key=2222222222222222222222222222222222222222222222222222222222222222\n"
		"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		"protocol_version=1\n"
		"endpoint=192.0.2.7:40000\n"
		"last_handshake_time_sec=1700000000\n"
		"last_handshake_time_nsec=42\n"
		"tx_bytes=100\n"
		"rx_bytes=200\n"
		"persistent_keepalive_interval=25\n"
		"allowed_ip=10.100.0.2/32\n"
		"allowed_ip=192.168.1.0/24\n"
		"public_key=3333333333333333333333333333333333333333333333333333333333333333\n"
		"preshared_key=4444444444444444444444444444444444444444444444444444444444444444\n"
		"endpoint=[2001:db8::9]:51820\n"
		"last_handshake_time_sec=0\n"
		"last_handshake_time_nsec=0\n"
		"persistent_keepalive_interval=0\n"
		"allowed_ip=fd00::/8\n"
		"some_future_key=whatever\n"
		"errno=0\n"
		"\n", &st), 0);
	ck_assert_uint_eq(st.listen_port, 51820);
	ck_assert_uint_eq(st.fwmark, 66);
	ck_assert(st.private_key && !memcmp(st.private_key->key, priv, 32));
	ck_assert(st.has_public_key && !memcmp(st.public_key, pub, 32));
	ck_assert_uint_eq(st.n_peers, 2);
	ck_assert_uint_eq(st.peers[0].public_key[0], 0x22);
	ck_assert(!st.peers[0].has_preshared_key && !st.peers[0].psk);
	ck_assert_int_eq(st.peers[0].endpoint.sa.sa_family, AF_INET);
	ck_assert_uint_eq(ntohs(st.peers[0].endpoint.in4.sin_port), 40000);
	ck_assert_int_eq(st.peers[0].last_handshake.tv_sec, 1700000000);
	ck_assert_int_eq(st.peers[0].last_handshake.tv_nsec, 42);
	ck_assert_uint_eq(st.peers[0].tx_bytes, 100);
	ck_assert_uint_eq(st.peers[0].rx_bytes, 200);
	ck_assert_uint_eq(st.peers[0].persistent_keepalive, 25);
	ck_assert_uint_eq(st.peers[0].allowed_ips.n, 2);
	ck_assert_uint_eq(st.peers[0].allowed_ips.v[1].len, 24);
	ck_assert(st.peers[1].has_preshared_key && st.peers[1].psk->key[0] == 0x44);
	ck_assert_int_eq(st.peers[1].endpoint.sa.sa_family, AF_INET6);
	ck_assert_uint_eq(st.peers[1].allowed_ips.n, 1);
	ck_assert_uint_eq(st.peers[1].allowed_ips.v[0].family, AF_INET6);
	wg_state_clear(&st);
}
END_TEST

START_TEST(get_reply_fresh_device)
{
	struct wg_state st = { 0 };

	/* wireguard-go before any configuration */
	ck_assert_int_eq(parse_text("listen_port=53429\nerrno=0\n\n", &st), 0);
	ck_assert(!st.private_key && !st.has_public_key);
	ck_assert_uint_eq(st.listen_port, 53429);
	ck_assert_uint_eq(st.n_peers, 0);
	wg_state_clear(&st);
}
END_TEST

START_TEST(get_reply_errors)
{
	struct wg_state st = { 0 };

	ck_assert_int_eq(parse_text("errno=22\n\n", &st), -22);
	/* wireguard-go writes errno=-98 when ListenPort is taken: the
	 * operator must read "Address already in use", not "malformed" */
	ck_assert_int_eq(parse_text("errno=-98\n\n", &st), -EADDRINUSE);
	ck_assert_int_eq(parse_text("errno=--98\n\n", &st), -EPROTO);
	wg_state_clear(&st);
	ck_assert_int_eq(parse_text("listen_port=1\n", &st), -EPROTO);	/* cut short */
	wg_state_clear(&st);
	ck_assert_int_eq(parse_text("listen_port\nerrno=0\n\n", &st), -EPROTO);
	wg_state_clear(&st);
	ck_assert_int_eq(parse_text("listen_port=70000\nerrno=0\n\n", &st), -EPROTO);
	wg_state_clear(&st);
	ck_assert_int_eq(parse_text("public_key=12\nerrno=0\n\n", &st), -EPROTO);
	wg_state_clear(&st);
	ck_assert_int_eq(parse_text("public_key=" "2222222222222222222222222222222222222222222222222222222222222222"
				    "\nallowed_ip=10.0.0.0/33\nerrno=0\n\n", &st), -EPROTO);
	wg_state_clear(&st);
	ck_assert_int_eq(parse_text("public_key=" "2222222222222222222222222222222222222222222222222222222222222222"
				    "\nendpoint=host:1\nerrno=0\n\n", &st), -EPROTO);
	wg_state_clear(&st);
}
END_TEST

/* What set writes, a daemon's get would read back the same. */
START_TEST(set_then_get_roundtrip)
{
	struct prefix aip = { .family = AF_INET, .len = 24 };
	struct wg_peer_set peer = { 0 };
	struct wg_set s = { .flags = WG_SET_LISTEN_PORT, .listen_port = 1234 };
	struct wg_state st = { 0 };
	char *t, *reply;

	inet_pton(AF_INET, "192.168.7.0", aip.addr.bytes);
	memset(peer.public_key, 0x5a, 32);
	peer.flags = WG_PEER_KEEPALIVE | WG_PEER_ENDPOINT;
	peer.persistent_keepalive = 15;
	peer.endpoint.in4.sin_family = AF_INET;
	peer.endpoint.in4.sin_port = htons(9);
	inet_pton(AF_INET, "198.51.100.3", &peer.endpoint.in4.sin_addr);
	peer.allowed_ips = &aip;
	peer.n_allowed_ips = 1;
	s.peers = &peer;
	s.n_peers = 1;
	t = set_text(&s);
	/* a get reply has the same lines, without set=1 and with errno */
	ck_assert(asprintf(&reply, "%.*serrno=0\n\n",
			   (int)(strlen(t) - strlen("set=1\n") - 1), t + strlen("set=1\n")) > 0);
	ck_assert_int_eq(parse_text(reply, &st), 0);
	ck_assert_uint_eq(st.listen_port, 1234);
	ck_assert_uint_eq(st.n_peers, 1);
	ck_assert_uint_eq(st.peers[0].persistent_keepalive, 15);
	ck_assert_uint_eq(ntohs(st.peers[0].endpoint.in4.sin_port), 9);
	ck_assert_uint_eq(st.peers[0].allowed_ips.n, 1);
	ck_assert_uint_eq(st.peers[0].allowed_ips.v[0].len, 24);
	free(t);
	free(reply);
	wg_state_clear(&st);
}
END_TEST

static Suite *wg_uapi_suite(void)
{
	Suite *s = suite_create("wg_uapi");
	TCase *tc = tcase_create("protocol");

	tcase_add_test(tc, set_minimal_change);
	tcase_add_test(tc, set_keys_and_fwmark);
	tcase_add_test(tc, get_reply);
	tcase_add_test(tc, get_reply_fresh_device);
	tcase_add_test(tc, get_reply_errors);
	tcase_add_test(tc, set_then_get_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(wg_uapi_suite)
