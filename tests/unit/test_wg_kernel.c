// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel WireGuard messages without a kernel: SET_DEVICE built for large
 * changes, split, and decoded back here by an independent decoder;
 * GET_DEVICE dumps made the way the kernel makes them, parsed by the
 * product.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <string.h>

#include "unit.h"
#include "wg/wg_ipc.h"

#define FAMILY 0x1234

/* --- an independent decoder of SET_DEVICE messages ---------------------- */

struct dpeer {
	uint8_t key[WG_KEY_LEN];
	uint32_t flags;
	bool has_flags, has_psk, has_ep, has_ka;
	uint8_t psk[WG_KEY_LEN];
	union wg_endpoint ep;
	uint16_t ka;
	struct prefix aips[64];
	size_t n_aips;
};

struct decoded {
	size_t n_msgs, max_len, bufsize;
	uint32_t last_seq;
	bool seq_ok, ifname_ok, device_only_first;
	bool has_pk, has_port, has_fwmark;
	uint8_t pk[WG_KEY_LEN];
	uint16_t port;
	uint32_t fwmark;
	struct dpeer *peers;	/* one entry per peer nest, in order */
	size_t n_peers;
};

static void decode_aips(const struct nlattr *nest, struct dpeer *p)
{
	const struct nlattr *a, *x;

	mnl_attr_for_each_nested(a, nest) {
		struct prefix *pf = &p->aips[p->n_aips++];

		ck_assert_uint_le(p->n_aips, 64);
		memset(pf, 0, sizeof(*pf));
		mnl_attr_for_each_nested(x, a) {
			switch (mnl_attr_get_type(x)) {
			case WGALLOWEDIP_A_FAMILY:
				pf->family = mnl_attr_get_u16(x);
				break;
			case WGALLOWEDIP_A_IPADDR:
				memcpy(pf->addr.bytes, mnl_attr_get_payload(x), mnl_attr_get_payload_len(x));
				break;
			case WGALLOWEDIP_A_CIDR_MASK:
				pf->len = mnl_attr_get_u8(x);
				break;
			}
		}
	}
}

static int decode_emit(const struct nlmsghdr *nlh, void *arg)
{
	struct decoded *d = arg;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *pn, *x;
	bool dev_attr = false;

	ck_assert_uint_le(nlh->nlmsg_len, d->bufsize);
	ck_assert_uint_eq(nlh->nlmsg_type, FAMILY);
	ck_assert(nlh->nlmsg_flags & NLM_F_REQUEST);
	ck_assert(nlh->nlmsg_flags & NLM_F_ACK);
	ck_assert_uint_eq(g->cmd, WG_CMD_SET_DEVICE);
	ck_assert_uint_eq(g->version, WG_GENL_VERSION);
	if (d->n_msgs && nlh->nlmsg_seq != d->last_seq + 1)
		d->seq_ok = false;
	d->last_seq = nlh->nlmsg_seq;
	if (nlh->nlmsg_len > d->max_len)
		d->max_len = nlh->nlmsg_len;

	bool ifname = false;

	mnl_attr_for_each(a, nlh, sizeof(*g)) {
		switch (mnl_attr_get_type(a)) {
		case WGDEVICE_A_IFNAME:
			ifname = !strcmp(mnl_attr_get_str(a), "wg0");
			break;
		case WGDEVICE_A_PRIVATE_KEY:
			dev_attr = true;
			d->has_pk = true;
			memcpy(d->pk, mnl_attr_get_payload(a), WG_KEY_LEN);
			break;
		case WGDEVICE_A_LISTEN_PORT:
			dev_attr = true;
			d->has_port = true;
			d->port = mnl_attr_get_u16(a);
			break;
		case WGDEVICE_A_FWMARK:
			dev_attr = true;
			d->has_fwmark = true;
			d->fwmark = mnl_attr_get_u32(a);
			break;
		case WGDEVICE_A_PEERS:
			mnl_attr_for_each_nested(pn, a) {
				struct dpeer *p;

				d->peers = realloc(d->peers, (d->n_peers + 1) * sizeof(*d->peers));
				p = &d->peers[d->n_peers++];
				memset(p, 0, sizeof(*p));
				mnl_attr_for_each_nested(x, pn) {
					switch (mnl_attr_get_type(x)) {
					case WGPEER_A_PUBLIC_KEY:
						memcpy(p->key, mnl_attr_get_payload(x), WG_KEY_LEN);
						break;
					case WGPEER_A_FLAGS:
						p->has_flags = true;
						p->flags = mnl_attr_get_u32(x);
						break;
					case WGPEER_A_PRESHARED_KEY:
						p->has_psk = true;
						memcpy(p->psk, mnl_attr_get_payload(x), WG_KEY_LEN);
						break;
					case WGPEER_A_ENDPOINT:
						p->has_ep = true;
						memcpy(&p->ep, mnl_attr_get_payload(x), mnl_attr_get_payload_len(x));
						break;
					case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
						p->has_ka = true;
						p->ka = mnl_attr_get_u16(x);
						break;
					case WGPEER_A_ALLOWEDIPS:
						decode_aips(x, p);
						break;
					}
				}
			}
			break;
		}
	}
	if (!ifname)
		d->ifname_ok = false;
	if (dev_attr && d->n_msgs)
		d->device_only_first = false;
	d->n_msgs++;
	return 0;
}

/* --- fixtures -------------------------------------------------------------- */

static void key_of(uint8_t key[WG_KEY_LEN], unsigned i, uint8_t tag)
{
	memset(key, tag, WG_KEY_LEN);
	key[0] = i & 0xff;
	key[1] = i >> 8;
}

static struct prefix *aips_make(size_t n, unsigned seed)
{
	struct prefix *v = calloc(n, sizeof(*v));
	size_t i;

	for (i = 0; i < n; ++i) {
		if (i % 3 == 2) {
			v[i].family = AF_INET6;
			v[i].len = 64;
			v[i].addr.bytes[0] = 0xfd;
			v[i].addr.bytes[1] = seed & 0xff;
			v[i].addr.bytes[2] = seed >> 8;
			v[i].addr.bytes[7] = i;
		} else {
			v[i].family = AF_INET;
			v[i].len = 32;
			v[i].addr.ip4.s_addr = htonl(0x0a000000u | (seed << 8) | i);
		}
	}
	return v;
}

static void set_make(struct wg_set *s, size_t n_peers, size_t n_aips)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->flags = WG_SET_PRIVATE_KEY | WG_SET_LISTEN_PORT | WG_SET_FWMARK;
	key_of(s->private_key, 0xffff, 0x11);
	s->listen_port = 51820;
	s->fwmark = 0x8000000;
	s->peers = calloc(n_peers, sizeof(*s->peers));
	s->n_peers = n_peers;
	for (i = 0; i < n_peers; ++i) {
		struct wg_peer_set *p = &s->peers[i];

		key_of(p->public_key, i, 0x22);
		p->flags = WG_PEER_REPLACE_ALLOWEDIPS | WG_PEER_KEEPALIVE | WG_PEER_ENDPOINT;
		if (i % 2) {
			p->flags |= WG_PEER_PRESHARED_KEY;
			key_of(p->preshared_key, i, 0x33);
		}
		if (i % 7 == 3) {
			p->flags = WG_PEER_REMOVE;
			continue;
		}
		p->persistent_keepalive = i % 60;
		p->endpoint.in4.sin_family = AF_INET;
		p->endpoint.in4.sin_port = htons(40000 + i);
		p->endpoint.in4.sin_addr.s_addr = htonl(0xc0000200u + (i & 0xff));
		p->allowed_ips = aips_make(n_aips, i);
		p->n_allowed_ips = n_aips;
	}
}

static void set_free_fixture(struct wg_set *s)
{
	size_t i;

	for (i = 0; i < s->n_peers; ++i)
		free((void *)s->peers[i].allowed_ips);
	free(s->peers);
}

static bool prefix_eq(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(a->addr.bytes, b->addr.bytes, a->family == AF_INET ? 4 : 16);
}

/* Every peer of s, in order, is the concatenation of consecutive decoded
 * nests with its key; only the first carries flags and settings. */
static void check_roundtrip(const struct wg_set *s, const struct decoded *d)
{
	size_t pi, di = 0, ai;

	for (pi = 0; pi < s->n_peers; ++pi) {
		const struct wg_peer_set *p = &s->peers[pi];
		bool first = true;

		ai = 0;
		do {
			const struct dpeer *x;
			size_t k;

			ck_assert_uint_lt(di, d->n_peers);
			x = &d->peers[di];
			ck_assert(!memcmp(x->key, p->public_key, WG_KEY_LEN));
			if (first) {
				uint32_t want = 0;

				if (p->flags & WG_PEER_REMOVE)
					want |= WGPEER_F_REMOVE_ME;
				if (p->flags & WG_PEER_REPLACE_ALLOWEDIPS)
					want |= WGPEER_F_REPLACE_ALLOWEDIPS;
				ck_assert_uint_eq(x->flags, want);
				ck_assert_int_eq(x->has_psk, !!(p->flags & WG_PEER_PRESHARED_KEY));
				if (x->has_psk)
					ck_assert(!memcmp(x->psk, p->preshared_key, WG_KEY_LEN));
				ck_assert_int_eq(x->has_ka, !!(p->flags & WG_PEER_KEEPALIVE));
				if (x->has_ka)
					ck_assert_uint_eq(x->ka, p->persistent_keepalive);
				ck_assert_int_eq(x->has_ep, !!(p->flags & WG_PEER_ENDPOINT));
				if (x->has_ep)
					ck_assert(!memcmp(&x->ep.in4, &p->endpoint.in4, sizeof(x->ep.in4)));
			} else {
				/* a continuation: key and AllowedIPs only, or the
				 * kernel would replace what came before */
				ck_assert(!x->has_flags && !x->has_psk && !x->has_ep && !x->has_ka);
				ck_assert_uint_gt(x->n_aips, 0);
			}
			for (k = 0; k < x->n_aips; ++k, ++ai) {
				ck_assert_uint_lt(ai, p->n_allowed_ips);
				ck_assert(prefix_eq(&x->aips[k], &p->allowed_ips[ai]));
			}
			first = false;
			++di;
		} while (ai < p->n_allowed_ips);
	}
	ck_assert_uint_eq(di, d->n_peers);
}

/* Builds s in a buffer of bufsize whose old bytes are the 16-bit fill
 * over and over (0: zeroes), decoding every message into d. */
static void run_build_fill(const struct wg_set *s, size_t bufsize, struct decoded *d,
			   uint16_t fill)
{
	uint16_t *buf = calloc(1, bufsize);
	size_t i;
	int ret;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < bufsize / sizeof(*buf); ++i)
		buf[i] = fill;
	memset(d, 0, sizeof(*d));
	d->bufsize = bufsize;
	d->seq_ok = d->ifname_ok = d->device_only_first = true;
	ret = wg_kernel_set_build(FAMILY, 100, "wg0", s, buf, bufsize, decode_emit, d);
	ck_assert_int_eq(ret, 0);
	free(buf);
}

static void run_build(const struct wg_set *s, size_t bufsize, struct decoded *d)
{
	run_build_fill(s, bufsize, d, 0);
}

START_TEST(set_split_many_peers)
{
	struct wg_set s;
	struct decoded d;

	set_make(&s, 500, 12);
	run_build(&s, 8192, &d);
	ck_assert_uint_gt(d.n_msgs, 10);	/* 500 peers cannot fit one page */
	ck_assert(d.seq_ok && d.ifname_ok && d.device_only_first);
	ck_assert(d.has_pk && d.has_port && d.has_fwmark);
	ck_assert(!memcmp(d.pk, s.private_key, WG_KEY_LEN));
	ck_assert_uint_eq(d.port, 51820);
	ck_assert_uint_eq(d.fwmark, 0x8000000);
	ck_assert_uint_le(d.max_len, 8192);
	check_roundtrip(&s, &d);
	free(d.peers);
	set_free_fixture(&s);
}
END_TEST

START_TEST(set_split_inside_a_peer)
{
	struct wg_set s;
	struct decoded d;

	/* 60 AllowedIPs of ~40 bytes each cannot fit in 512 bytes: the peer
	 * is continued over several messages, its flags only in the first */
	set_make(&s, 3, 60);
	s.peers[0].flags |= WG_PEER_PRESHARED_KEY;
	run_build(&s, 512, &d);
	ck_assert_uint_gt(d.n_msgs, 3);
	ck_assert_uint_gt(d.n_peers, 3);
	ck_assert(d.seq_ok && d.ifname_ok && d.device_only_first);
	check_roundtrip(&s, &d);
	free(d.peers);
	set_free_fixture(&s);
}
END_TEST

START_TEST(set_one_message_when_it_fits)
{
	struct wg_set s;
	struct decoded d;

	set_make(&s, 2, 3);
	run_build(&s, 8192, &d);
	ck_assert_uint_eq(d.n_msgs, 1);
	check_roundtrip(&s, &d);
	free(d.peers);
	set_free_fixture(&s);
}
END_TEST

/* What the buffer held before decides nothing: a nest's length is
 * written only when it ends, and read before that (old bytes saying 4,
 * "empty") it cancelled the peers the message held. */
START_TEST(set_old_bytes_decide_nothing)
{
	static const uint16_t fills[] = { 4, 0xffff, 0x0808 };
	struct wg_set s;
	struct decoded d;
	size_t i;

	set_make(&s, 40, 3);
	for (i = 0; i < sizeof(fills) / sizeof(fills[0]); ++i) {
		run_build_fill(&s, 1024, &d, fills[i]);
		ck_assert_uint_gt(d.n_msgs, 3);
		check_roundtrip(&s, &d);
		free(d.peers);
	}
	set_free_fixture(&s);
}
END_TEST

START_TEST(set_device_only)
{
	struct wg_set s = { .flags = WG_SET_LISTEN_PORT, .listen_port = 51821 };
	struct decoded d;

	run_build(&s, 8192, &d);
	ck_assert_uint_eq(d.n_msgs, 1);
	ck_assert(d.has_port && !d.has_pk && !d.has_fwmark);
	ck_assert_uint_eq(d.port, 51821);
	ck_assert_uint_eq(d.n_peers, 0);
	free(d.peers);
}
END_TEST

static int count(const struct nlmsghdr *nlh, void *arg)
{
	++*(int *)arg;
	return 0;
}

START_TEST(set_too_small_buffer)
{
	struct wg_set s;
	char buf[96];
	int n = 0;

	set_make(&s, 1, 1);
	/* not even the device settings fit: nothing is sent */
	ck_assert_int_eq(wg_kernel_set_build(FAMILY, 1, "wg0", &s, buf, 48, count, &n), -EMSGSIZE);
	ck_assert_int_eq(n, 0);
	/* the device fits, the one peer never will: refused after it */
	ck_assert_int_eq(wg_kernel_set_build(FAMILY, 1, "wg0", &s, buf, sizeof(buf), count, &n),
			 -EMSGSIZE);
	ck_assert_int_eq(n, 1);
	set_free_fixture(&s);
}
END_TEST

static int fail_second(const struct nlmsghdr *nlh, void *arg)
{
	int *n = arg;

	return ++*n == 2 ? -EPERM : 0;
}

START_TEST(set_stops_at_first_refusal)
{
	struct wg_set s;
	char buf[1024];
	int n = 0;

	set_make(&s, 50, 4);
	ck_assert_int_eq(wg_kernel_set_build(FAMILY, 1, "wg0", &s, buf, sizeof(buf), fail_second, &n),
			 -EPERM);
	ck_assert_int_eq(n, 2);
	set_free_fixture(&s);
}
END_TEST

/* --- GET_DEVICE dumps as the kernel writes them ------------------------- */

static struct nlmsghdr *dump_msg(char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = WG_CMD_GET_DEVICE;
	g->version = 1;
	return nlh;
}

static void put_aip4(struct nlmsghdr *nlh, uint32_t addr, uint8_t cidr)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, 0);
	uint32_t be = htonl(addr);

	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, cidr);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, 4, &be);
	mnl_attr_nest_end(nlh, n);
}

static void put_peer_full(struct nlmsghdr *nlh, const uint8_t key[32], const uint8_t psk[32],
			  uint16_t ka, int64_t hs, const struct sockaddr_in6 *ep6)
{
	int64_t ts[2] = { hs, 500 };

	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, 32, key);
	mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, 32, psk);
	mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), ts);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, ka);
	mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, 1000 + ka);
	mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, 2000 + ka);
	mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 1);
	if (ep6)
		mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(*ep6), ep6);
}

START_TEST(get_parse_canned_dump)
{
	char b1[4096], b2[4096];
	uint8_t priv[32], pub[32], ka[32], kb[32], kc[32], zero[32] = { 0 }, psk[32];
	struct sockaddr_in6 ep6 = { .sin6_family = AF_INET6, .sin6_port = htons(51820) };
	struct wg_state st = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *peers, *pn, *an;
	uint32_t i;

	ck_assert_int_ge(sodium_init(), 0);
	key_of(priv, 1, 0x40);
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
	crypto_scalarmult_curve25519_base(pub, priv);
	key_of(ka, 1, 0x50);
	key_of(kb, 2, 0x50);
	key_of(kc, 3, 0x50);
	key_of(psk, 9, 0x60);
	inet_pton(AF_INET6, "2001:db8::7", &ep6.sin6_addr);

	/* message 1: device, peer A whole, peer B cut after 2 AllowedIPs */
	nlh = dump_msg(b1);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 0x42);
	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg0");
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, 32, priv);
	mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, 32, pub);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	pn = mnl_attr_nest_start(nlh, 0);
	put_peer_full(nlh, ka, zero, 25, 1700000000, &ep6);
	an = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_aip4(nlh, 0x0a640002, 32);
	put_aip4(nlh, 0xc0a80100, 24);
	mnl_attr_nest_end(nlh, an);
	mnl_attr_nest_end(nlh, pn);
	pn = mnl_attr_nest_start(nlh, 0);
	put_peer_full(nlh, kb, psk, 0, 0, NULL);
	an = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_aip4(nlh, 0x0a000000, 24);
	put_aip4(nlh, 0x0a000100, 24);
	mnl_attr_nest_end(nlh, an);
	mnl_attr_nest_end(nlh, pn);
	mnl_attr_nest_end(nlh, peers);
	ck_assert_int_eq(wg_kernel_get_parse(nlh, &st), 0);

	/* message 2: B continued (key + AllowedIPs only), then C */
	nlh = dump_msg(b2);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	pn = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, 32, kb);
	an = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	for (i = 2; i < 6; ++i)
		put_aip4(nlh, 0x0a000000 | (i << 8), 24);
	mnl_attr_nest_end(nlh, an);
	mnl_attr_nest_end(nlh, pn);
	pn = mnl_attr_nest_start(nlh, 0);
	put_peer_full(nlh, kc, zero, 5, 0, NULL);
	mnl_attr_nest_end(nlh, pn);
	mnl_attr_nest_end(nlh, peers);
	ck_assert_int_eq(wg_kernel_get_parse(nlh, &st), 0);

	ck_assert_uint_eq(st.listen_port, 51820);
	ck_assert_uint_eq(st.fwmark, 0x42);
	ck_assert_int_eq(st.ifindex, 7);
	ck_assert(st.private_key && !memcmp(st.private_key->key, priv, 32));
	ck_assert(st.has_public_key && !memcmp(st.public_key, pub, 32));
	ck_assert_uint_eq(st.n_peers, 3);

	ck_assert(!memcmp(st.peers[0].public_key, ka, 32));
	ck_assert(!st.peers[0].has_preshared_key && !st.peers[0].psk);
	ck_assert_uint_eq(st.peers[0].persistent_keepalive, 25);
	ck_assert_int_eq(st.peers[0].last_handshake.tv_sec, 1700000000);
	ck_assert_int_eq(st.peers[0].last_handshake.tv_nsec, 500);
	ck_assert_uint_eq(st.peers[0].tx_bytes, 1025);
	ck_assert_uint_eq(st.peers[0].rx_bytes, 2025);
	ck_assert_int_eq(st.peers[0].endpoint.sa.sa_family, AF_INET6);
	ck_assert_uint_eq(ntohs(st.peers[0].endpoint.in6.sin6_port), 51820);
	ck_assert_uint_eq(st.peers[0].allowed_ips.n, 2);
	ck_assert_uint_eq(st.peers[0].allowed_ips.v[1].len, 24);
	ck_assert_uint_eq(ntohl(st.peers[0].allowed_ips.v[1].addr.ip4.s_addr), 0xc0a80100);

	ck_assert(!memcmp(st.peers[1].public_key, kb, 32));
	ck_assert(st.peers[1].has_preshared_key && !memcmp(st.peers[1].psk->key, psk, 32));
	ck_assert_uint_eq(st.peers[1].allowed_ips.n, 6);	/* 2 + 4 continued */
	for (i = 0; i < 6; ++i)
		ck_assert_uint_eq(ntohl(st.peers[1].allowed_ips.v[i].addr.ip4.s_addr), 0x0a000000 | (i << 8));
	ck_assert_int_eq(st.peers[1].endpoint.sa.sa_family, AF_UNSPEC);

	ck_assert(!memcmp(st.peers[2].public_key, kc, 32));
	ck_assert_uint_eq(st.peers[2].allowed_ips.n, 0);
	ck_assert_uint_eq(st.peers[2].persistent_keepalive, 5);
	wg_state_clear(&st);
}
END_TEST

START_TEST(get_parse_rejects_bad_allowedip)
{
	char b[1024];
	uint8_t k[32];
	struct wg_state st = { 0 };
	struct nlmsghdr *nlh = dump_msg(b);
	struct nlattr *peers, *pn, *an, *n;
	uint8_t addr[5] = { 10, 0, 0, 1, 0 };

	key_of(k, 1, 1);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	pn = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, 32, k);
	an = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	n = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, 5, addr);	/* 5 bytes: wrong */
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, 32);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, an);
	mnl_attr_nest_end(nlh, pn);
	mnl_attr_nest_end(nlh, peers);
	ck_assert_int_eq(wg_kernel_get_parse(nlh, &st), -EINVAL);
	wg_state_clear(&st);
}
END_TEST

START_TEST(get_parse_peer_without_key)
{
	char b[512];
	struct wg_state st = { 0 };
	struct nlmsghdr *nlh = dump_msg(b);
	struct nlattr *peers, *pn;

	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	pn = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 3);
	mnl_attr_nest_end(nlh, pn);
	mnl_attr_nest_end(nlh, peers);
	ck_assert_int_eq(wg_kernel_get_parse(nlh, &st), -EINVAL);
	wg_state_clear(&st);
}
END_TEST

/* What set builds for a device is what a GET of it would show: build a
 * change for a whole device, replay it onto an empty state, compare. */
START_TEST(set_then_get_shape)
{
	struct wg_set s;
	struct decoded d;
	size_t i, j, total = 0;

	set_make(&s, 40, 30);
	run_build(&s, 4096, &d);
	for (i = 0; i < d.n_peers; ++i)
		total += d.peers[i].n_aips;
	for (i = 0, j = 0; i < s.n_peers; ++i)
		j += s.peers[i].n_allowed_ips;
	ck_assert_uint_eq(total, j);
	free(d.peers);
	set_free_fixture(&s);
}
END_TEST

static Suite *wg_kernel_suite(void)
{
	Suite *s = suite_create("wg_kernel");
	TCase *tc = tcase_create("messages");

	tcase_add_test(tc, set_split_many_peers);
	tcase_add_test(tc, set_split_inside_a_peer);
	tcase_add_test(tc, set_one_message_when_it_fits);
	tcase_add_test(tc, set_old_bytes_decide_nothing);
	tcase_add_test(tc, set_device_only);
	tcase_add_test(tc, set_too_small_buffer);
	tcase_add_test(tc, set_stops_at_first_refusal);
	tcase_add_test(tc, get_parse_canned_dump);
	tcase_add_test(tc, get_parse_rejects_bad_allowedip);
	tcase_add_test(tc, get_parse_peer_without_key);
	tcase_add_test(tc, set_then_get_shape);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(wg_kernel_suite)
