// SPDX-License-Identifier: GPL-2.0-only
/*
 * wg syncconf semantics, kernel-free: which differences become plan lines,
 * and what the change set that sync would send contains (so that an
 * unchanged peer is never in it, and equal states send nothing).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "unit.h"
#include "wg/wg_ipc.h"

static void pfx(struct prefix_list *l, const char *text)
{
	char buf[64], *slash;
	struct prefix p = { 0 };

	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	ck_assert_ptr_nonnull(slash);
	*slash = '\0';
	p.len = atoi(slash + 1);
	if (inet_pton(AF_INET, buf, p.addr.bytes) == 1) {
		p.family = AF_INET;
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, buf, p.addr.bytes), 1);
		p.family = AF_INET6;
	}
	ck_assert_int_eq(prefix_list_add(l, &p), 0);
}

static struct wg_state *dev(void)
{
	struct wg_state *st = calloc(1, sizeof(*st));
	uint8_t k[32];

	ck_assert_int_ge(sodium_init(), 0);
	st->exists = true;
	snprintf(st->name, sizeof(st->name), "wg0");
	st->backend = WG_BACKEND_USERSPACE;
	snprintf(st->userspace_prog, sizeof(st->userspace_prog), "wireguard-go");
	memset(k, 0x41, sizeof(k));
	ck_assert_int_eq(wg_state_set_private_key(st, k), 0);
	st->listen_port = 51820;
	st->mtu = 1420;
	st->up = true;
	pfx(&st->addresses, "10.100.0.1/24");
	return st;
}

static struct wg_peer_state *peer(struct wg_state *st, uint8_t tag, const char *a1, const char *a2)
{
	struct wg_peer_state *p = wg_state_add_peer(st);

	memset(p->public_key, tag, 32);
	if (a1)
		pfx(&p->allowed_ips, a1);
	if (a2)
		pfx(&p->allowed_ips, a2);
	return p;
}

static const char *key_b64(uint8_t tag)
{
	static char out[WG_KEY_B64_LEN + 1];
	uint8_t k[32];

	memset(k, tag, 32);
	key_to_base64(out, k);
	return out;
}

/* Plan lines and the change set for (from, to). */
struct result {
	struct plan plan;
	struct wg_delta d;
	struct wg_set set;
	int n;
};

static void run(const struct wg_state *from, const struct wg_state *to, struct result *r)
{
	memset(r, 0, sizeof(*r));
	r->n = wg_diff(from, to, &r->plan);
	ck_assert_int_ge(r->n, 0);
	ck_assert_uint_eq((size_t)r->n, r->plan.n);
	ck_assert_int_eq(wg_delta_compute(from, to, &r->d), 0);
	ck_assert_int_eq(wg_delta_set(&r->d, to, &r->set), 0);
}

static void done(struct result *r)
{
	plan_free(&r->plan);
	wg_delta_free(&r->d);
	wg_set_free(&r->set);
}

static void line_is(const struct result *r, size_t i, char op, const char *text)
{
	ck_assert_uint_lt(i, r->plan.n);
	ck_assert_msg(r->plan.v[i].op == op && !strcmp(r->plan.v[i].text, text),
		      "line %zu: got \"%c %s\", want \"%c %s\"", i,
		      r->plan.v[i].op, r->plan.v[i].text, op, text);
}

START_TEST(equal_states_nothing)
{
	struct wg_state *a = dev(), *b = dev();
	struct result r;

	peer(a, 1, "10.100.0.2/32", "192.168.1.0/24");
	/* same AllowedIPs in another order: equal */
	peer(b, 1, "192.168.1.0/24", "10.100.0.2/32");
	/* live state has counters, a handshake and a learned endpoint */
	a->peers[0].rx_bytes = 99;
	a->peers[0].last_handshake.tv_sec = 1700000000;
	a->peers[0].endpoint.in4.sin_family = AF_INET;
	a->peers[0].endpoint.in4.sin_port = htons(4444);
	/* and the kernel's own IPv6 link-local address */
	pfx(&a->link_local, "fe80::1234/64");
	run(a, b, &r);
	ck_assert_int_eq(r.n, 0);
	ck_assert_uint_eq(r.set.flags, 0);
	ck_assert_uint_eq(r.set.n_peers, 0);
	ck_assert(!r.d.mtu && !r.d.up && !r.d.n_addr_add && !r.d.n_addr_del);
	done(&r);
	wg_state_free(a);
	wg_state_free(b);
}
END_TEST

START_TEST(keepalive_only_that)
{
	struct wg_state *a = dev(), *b = dev();
	struct result r;
	char want[128];

	peer(a, 1, "10.100.0.2/32", NULL);
	peer(a, 2, "10.100.0.3/32", NULL);
	peer(b, 1, "10.100.0.2/32", NULL)->persistent_keepalive = 25;
	peer(b, 2, "10.100.0.3/32", NULL);
	run(a, b, &r);
	ck_assert_int_eq(r.n, 1);
	snprintf(want, sizeof(want), "peer %s persistent-keepalive 0 -> 25", key_b64(1));
	line_is(&r, 0, '~', want);
	/* only that peer, only that setting, AllowedIPs untouched */
	ck_assert_uint_eq(r.set.flags, 0);
	ck_assert_uint_eq(r.set.n_peers, 1);
	ck_assert_uint_eq(r.set.peers[0].public_key[0], 1);
	ck_assert_uint_eq(r.set.peers[0].flags, WG_PEER_KEEPALIVE);
	ck_assert_uint_eq(r.set.peers[0].persistent_keepalive, 25);
	ck_assert_uint_eq(r.set.peers[0].n_allowed_ips, 0);
	done(&r);
	wg_state_free(a);
	wg_state_free(b);
}
END_TEST

START_TEST(allowed_ips_replaced_for_that_peer)
{
	struct wg_state *a = dev(), *b = dev();
	struct result r;
	char want[200];

	peer(a, 1, "10.100.0.2/32", NULL);
	peer(a, 2, "10.100.0.3/32", NULL);
	peer(b, 1, "10.100.0.2/32", "192.168.1.0/24");
	peer(b, 2, "10.100.0.3/32", NULL);
	run(a, b, &r);
	ck_assert_int_eq(r.n, 1);
	snprintf(want, sizeof(want), "peer %s allowed-ips 10.100.0.2/32 -> 10.100.0.2/32, 192.168.1.0/24",
		 key_b64(1));
	line_is(&r, 0, '~', want);
	ck_assert_uint_eq(r.set.n_peers, 1);
	ck_assert_uint_eq(r.set.peers[0].flags, WG_PEER_REPLACE_ALLOWEDIPS);
	ck_assert_uint_eq(r.set.peers[0].n_allowed_ips, 2);
	done(&r);
	wg_state_free(a);
	wg_state_free(b);
}
END_TEST

START_TEST(peer_added_and_removed)
{
	struct wg_state *a = dev(), *b = dev();
	struct wg_peer_state *p;
	struct result r;
	char want[256];

	peer(a, 1, "10.100.0.2/32", NULL);
	peer(a, 3, "10.100.0.4/32", NULL);
	peer(b, 1, "10.100.0.2/32", NULL);
	p = peer(b, 2, "10.100.0.3/32", "192.168.1.0/24");
	p->persistent_keepalive = 25;
	p->endpoint.in4.sin_family = AF_INET;
	p->endpoint.in4.sin_port = htons(51820);
	inet_pton(AF_INET, "192.0.2.1", &p->endpoint.in4.sin_addr);
	p->psk = wg_secret_new((const uint8_t[32]){ 7 });
	p->has_preshared_key = true;
	run(a, b, &r);
	ck_assert_int_eq(r.n, 2);
	snprintf(want, sizeof(want),
		 "peer %s allowed-ips 10.100.0.3/32, 192.168.1.0/24 endpoint 192.0.2.1:51820 persistent-keepalive 25 preshared-key",
		 key_b64(2));
	line_is(&r, 0, '+', want);
	snprintf(want, sizeof(want), "peer %s allowed-ips 10.100.0.4/32", key_b64(3));
	line_is(&r, 1, '-', want);
	ck_assert_uint_eq(r.set.n_peers, 2);
	ck_assert_uint_eq(r.set.peers[0].flags,
			  WG_PEER_PRESHARED_KEY | WG_PEER_ENDPOINT | WG_PEER_KEEPALIVE);
	ck_assert_uint_eq(r.set.peers[0].n_allowed_ips, 2);
	ck_assert_uint_eq(r.set.peers[0].preshared_key[0], 7);
	ck_assert_uint_eq(r.set.peers[1].public_key[0], 3);
	ck_assert_uint_eq(r.set.peers[1].flags, WG_PEER_REMOVE);
	done(&r);
	wg_state_free(a);
	wg_state_free(b);
}
END_TEST

START_TEST(device_settings)
{
	struct wg_state *a = dev(), *b = dev();
	uint8_t k[32];
	struct result r;
	char want[160], oldk[WG_KEY_B64_LEN + 1], newk[WG_KEY_B64_LEN + 1];

	b->listen_port = 51821;
	b->fwmark = 0x10;
	a->mtu = 1500;
	memset(k, 0x42, 32);
	ck_assert_int_eq(wg_state_set_private_key(b, k), 0);
	key_to_base64(oldk, a->public_key);
	key_to_base64(newk, b->public_key);
	run(a, b, &r);
	ck_assert_int_eq(r.n, 4);
	snprintf(want, sizeof(want), "wg0 private-key (public key %s -> %s)", oldk, newk);
	line_is(&r, 0, '~', want);
	line_is(&r, 1, '~', "wg0 listen-port 51820 -> 51821");
	line_is(&r, 2, '~', "wg0 fwmark off -> 0x10");
	line_is(&r, 3, '~', "mtu 1500 -> 1420");
	ck_assert_uint_eq(r.set.flags, WG_SET_PRIVATE_KEY | WG_SET_LISTEN_PORT | WG_SET_FWMARK);
	/* the key goes out clamped, as the kernel would keep it */
	k[0] &= 248;
	k[31] = (k[31] & 127) | 64;
	ck_assert(!memcmp(r.set.private_key, k, 32));
	ck_assert_uint_eq(r.set.listen_port, 51821);
	ck_assert_uint_eq(r.set.fwmark, 0x10);
	ck_assert(r.d.mtu);
	done(&r);
	wg_state_free(a);
	wg_state_free(b);
}
END_TEST

/* An unclamped PrivateKey equals the clamped one the kernel reports. */
START_TEST(private_key_clamped)
{
	struct wg_state *a = dev(), *b = dev();
	uint8_t k[32];
	struct result r;

	memset(k, 0xff, 32);
	ck_assert_int_eq(wg_state_set_private_key(b, k), 0);
	k[0] &= 248;
	k[31] = (k[31] & 127) | 64;
	ck_assert_int_eq(wg_state_set_private_key(a, k), 0);
	run(a, b, &r);
	ck_assert_int_eq(r.n, 0);
	done(&r);
	wg_state_free(a);
	wg_state_free(b);
}
END_TEST

START_TEST(addresses_and_up)
{
	struct wg_state *a = dev(), *b = dev();
	struct result r;

	a->up = false;
	pfx(&a->addresses, "10.9.9.9/32");
	pfx(&b->addresses, "fd10:100::1/64");
	run(a, b, &r);
	ck_assert_int_eq(r.n, 3);
	line_is(&r, 0, '-', "address 10.9.9.9/32 dev wg0");
	line_is(&r, 1, '+', "address fd10:100::1/64 dev wg0");
	line_is(&r, 2, '~', "link wg0 up");
	ck_assert_uint_eq(r.set.flags, 0);
	ck_assert_uint_eq(r.set.n_peers, 0);
	done(&r);
	wg_state_free(a);
	wg_state_free(b);
}
END_TEST

/* A configured link-local address found on the link is there; a rollback
 * target never re-adds the kernel's own. */
START_TEST(link_local_addresses)
{
	struct wg_state *a = dev(), *b = dev();
	struct result r;

	pfx(&a->link_local, "fe80::1/64");
	pfx(&a->link_local, "fe80::abcd/64");
	pfx(&b->addresses, "fe80::1/64");
	run(a, b, &r);
	ck_assert_int_eq(r.n, 0);
	done(&r);
	/* were fe80::1 a plain address of a live link, it would go */
	run(b, a, &r);
	ck_assert_int_eq(r.n, 1);
	line_is(&r, 0, '-', "address fe80::1/64 dev wg0");
	done(&r);
	wg_state_free(a);
	wg_state_free(b);
}
END_TEST

START_TEST(endpoint_only_when_configured)
{
	struct wg_state *a = dev(), *b = dev();
	struct wg_peer_state *pa, *pb;
	struct result r;
	char want[160];

	pa = peer(a, 1, "10.100.0.2/32", NULL);
	pb = peer(b, 1, "10.100.0.2/32", NULL);
	pa->endpoint.in4.sin_family = AF_INET;
	pa->endpoint.in4.sin_port = htons(1111);
	inet_pton(AF_INET, "192.0.2.1", &pa->endpoint.in4.sin_addr);
	pb->endpoint = pa->endpoint;
	run(a, b, &r);
	ck_assert_int_eq(r.n, 0);
	done(&r);
	pb->endpoint.in4.sin_port = htons(2222);
	run(a, b, &r);
	ck_assert_int_eq(r.n, 1);
	snprintf(want, sizeof(want), "peer %s endpoint 192.0.2.1:1111 -> 192.0.2.1:2222", key_b64(1));
	line_is(&r, 0, '~', want);
	ck_assert_uint_eq(r.set.peers[0].flags, WG_PEER_ENDPOINT);
	done(&r);
	wg_state_free(a);
	wg_state_free(b);
}
END_TEST

START_TEST(preshared_key_changes)
{
	struct wg_state *a = dev(), *b = dev();
	struct wg_peer_state *pa, *pb;
	struct result r;
	char want[160];

	pa = peer(a, 1, "10.100.0.2/32", NULL);
	pb = peer(b, 1, "10.100.0.2/32", NULL);
	pa->psk = wg_secret_new((const uint8_t[32]){ 1 });
	run(a, b, &r);
	snprintf(want, sizeof(want), "peer %s preshared-key removed", key_b64(1));
	line_is(&r, 0, '~', want);
	ck_assert(key_is_zero(r.set.peers[0].preshared_key));	/* zero: remove */
	done(&r);
	pb->psk = wg_secret_new((const uint8_t[32]){ 2 });
	run(a, b, &r);
	snprintf(want, sizeof(want), "peer %s preshared-key changed", key_b64(1));
	line_is(&r, 0, '~', want);
	ck_assert_uint_eq(r.set.peers[0].preshared_key[0], 2);
	done(&r);
	wg_state_free(a);
	wg_state_free(b);
}
END_TEST

START_TEST(create_and_destroy)
{
	struct wg_state *none = calloc(1, sizeof(*none)), *b = dev();
	struct result r;
	char want[160], k[WG_KEY_B64_LEN + 1];

	snprintf(none->name, sizeof(none->name), "wg0");
	peer(b, 1, "10.100.0.2/32", NULL);
	run(none, b, &r);
	key_to_base64(k, b->public_key);
	line_is(&r, 0, '+', "link wg0 (userspace: wireguard-go)");
	snprintf(want, sizeof(want), "wg0 private-key (public key %s)", k);
	line_is(&r, 1, '+', want);
	line_is(&r, 2, '+', "wg0 listen-port 51820");
	snprintf(want, sizeof(want), "peer %s allowed-ips 10.100.0.2/32", key_b64(1));
	line_is(&r, 3, '+', want);
	line_is(&r, 4, '+', "address 10.100.0.1/24 dev wg0");
	line_is(&r, 5, '+', "mtu 1420 dev wg0");
	ck_assert_int_eq(r.n, 6);
	ck_assert(r.d.create);
	done(&r);

	run(b, none, &r);
	ck_assert_int_eq(r.n, 1);
	line_is(&r, 0, '-', "link wg0 (userspace: wireguard-go)");
	ck_assert(r.d.destroy);
	done(&r);

	run(none, none, &r);
	ck_assert_int_eq(r.n, 0);
	done(&r);
	wg_state_free(none);
	wg_state_free(b);
}
END_TEST

START_TEST(new_key_file_line)
{
	struct wg_state *none = calloc(1, sizeof(*none)), *b = dev();
	struct result r;
	char want[200], k[WG_KEY_B64_LEN + 1];

	b->backend = WG_BACKEND_KERNEL;
	b->new_key_file = strdup("/etc/wgbastion/private.key");
	run(none, b, &r);
	key_to_base64(k, b->public_key);
	line_is(&r, 0, '+', "link wg0 (kernel)");
	snprintf(want, sizeof(want), "key /etc/wgbastion/private.key (new; created by apply, which prints its public key)");
	line_is(&r, 1, '+', want);
	ck_assert_ptr_null(strstr(r.plan.v[1].text, k));
	line_is(&r, 2, '+', "wg0 listen-port 51820");
	done(&r);
	wg_state_free(none);
	wg_state_free(b);
}
END_TEST

/* rollback: from a changed device back to the state read before */
START_TEST(rollback_restores_old_settings)
{
	struct wg_state *old = dev(), *cur = dev();
	struct result r;

	peer(old, 1, "10.100.0.2/32", NULL)->persistent_keepalive = 10;
	peer(cur, 1, "10.100.0.2/32", NULL);
	peer(cur, 2, "10.100.0.3/32", NULL);
	cur->listen_port = 51821;
	run(cur, old, &r);
	ck_assert_uint_eq(r.set.flags, WG_SET_LISTEN_PORT);
	ck_assert_uint_eq(r.set.listen_port, 51820);
	ck_assert_uint_eq(r.set.n_peers, 2);
	ck_assert_uint_eq(r.set.peers[0].flags, WG_PEER_KEEPALIVE);
	ck_assert_uint_eq(r.set.peers[1].flags, WG_PEER_REMOVE);
	done(&r);
	wg_state_free(old);
	wg_state_free(cur);
}
END_TEST

START_TEST(strings)
{
	union wg_endpoint ep = { 0 };
	struct prefix p = { .family = AF_INET6, .len = 64 };
	char buf[80];

	wg_endpoint_str(buf, sizeof(buf), &ep);
	ck_assert_str_eq(buf, "(none)");
	ep.in6.sin6_family = AF_INET6;
	ep.in6.sin6_port = htons(51820);
	inet_pton(AF_INET6, "2001:db8::1", &ep.in6.sin6_addr);
	wg_endpoint_str(buf, sizeof(buf), &ep);
	ck_assert_str_eq(buf, "[2001:db8::1]:51820");
	inet_pton(AF_INET6, "fd10:100::", p.addr.bytes);
	prefix_fmt(&p, buf);
	ck_assert_str_eq(buf, "fd10:100::/64");
	ck_assert_str_eq(wg_backend_name(WG_BACKEND_KERNEL), "kernel");
	ck_assert_str_eq(wg_backend_name(WG_BACKEND_USERSPACE), "userspace");
}
END_TEST

static Suite *wg_diff_suite(void)
{
	Suite *s = suite_create("wg_diff");
	TCase *tc = tcase_create("syncconf");

	tcase_add_test(tc, equal_states_nothing);
	tcase_add_test(tc, keepalive_only_that);
	tcase_add_test(tc, allowed_ips_replaced_for_that_peer);
	tcase_add_test(tc, peer_added_and_removed);
	tcase_add_test(tc, device_settings);
	tcase_add_test(tc, private_key_clamped);
	tcase_add_test(tc, addresses_and_up);
	tcase_add_test(tc, link_local_addresses);
	tcase_add_test(tc, endpoint_only_when_configured);
	tcase_add_test(tc, preshared_key_changes);
	tcase_add_test(tc, create_and_destroy);
	tcase_add_test(tc, new_key_file_line);
	tcase_add_test(tc, rollback_restores_old_settings);
	tcase_add_test(tc, strings);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(wg_diff_suite)
