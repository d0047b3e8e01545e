// SPDX-License-Identifier: GPL-2.0-only
/*
 * Key copies are wiped before their memory goes back to the allocator
 * (issue 12 #10). This binary interposes free() and realloc(): while a
 * test is armed, every block handed back (by our code, or by libc's own
 * stdio, open_memstream and getline buffers) is searched for the test's
 * key in every form it takes (raw bytes, hex as the UAPI speaks it,
 * base64 as the config writes it). A block that still holds one is a
 * leaked copy.
 *
 * free() calls the next free (libc's, or ASan's in the ASan build) found
 * with dlsym(RTLD_NEXT); until it is found, a block is not freed (dlsym
 * itself may free). realloc() (and reallocarray(), which ASan would
 * otherwise take whole) always moves the block, as any realloc may.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.h"
#include "config/model.h"
#include "lib/key.h"
#include "unit.h"
#include "wg/wg_ipc.h"

static void (*real_free)(void *);

static bool armed;
static int leaks;
static const void *needle[3];
static size_t needle_len[3];
static char needle_hex[2 * WG_KEY_LEN + 1], needle_b64[WG_KEY_B64_LEN + 1];
static uint8_t needle_raw[WG_KEY_LEN];

static bool holds_secret(void *p)
{
	size_t n, i;

	if (!armed || !p)
		return false;
	n = malloc_usable_size(p);
	for (i = 0; i < 3; ++i)
		if (needle[i] && memmem(p, n, needle[i], needle_len[i]))
			return true;
	return false;
}

void free(void *p)
{
	if (holds_secret(p)) {
		++leaks;
		fprintf(stderr, "test_wipe: a freed block holds the key\n");
	}
	static volatile bool resolving;	/* dlsym may free */

	if (!real_free && !resolving) {
		resolving = true;
		real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
		resolving = false;
	}
	if (real_free)
		real_free(p);
}

/* Always moves the block, as any realloc may: a key in the old block
 * would be left behind in freed memory. */
void *realloc(void *p, size_t n)
{
	size_t have;
	void *q;

	if (!p)
		return malloc(n);
	if (!n) {
		free(p);
		return NULL;
	}
	q = malloc(n);
	if (!q)
		return NULL;
	have = malloc_usable_size(p);
	memcpy(q, p, have < n ? have : n);
	free(p);
	return q;
}

void *reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n * size);
}

/* The key every test hides, and starts counting. */
static void arm(uint8_t key[WG_KEY_LEN])
{
	ck_assert_int_ge(sodium_init(), 0);
	randombytes_buf(key, WG_KEY_LEN);
	key[0] &= 248;	/* clamped, so that the parsers keep it as it is */
	key[31] = (key[31] & 127) | 64;
	memcpy(needle_raw, key, WG_KEY_LEN);
	sodium_bin2hex(needle_hex, sizeof(needle_hex), key, WG_KEY_LEN);
	key_to_base64(needle_b64, key);
	needle[0] = needle_raw;
	needle_len[0] = WG_KEY_LEN;
	needle[1] = needle_hex;
	needle_len[1] = strlen(needle_hex);
	needle[2] = needle_b64;
	needle_len[2] = strlen(needle_b64);
	leaks = 0;
	armed = true;
}

static int disarm(void)
{
	armed = false;
	return leaks;
}

/* The interposer sees what it must: a block with the key, freed unwiped. */
START_TEST(interposer_catches)
{
	uint8_t key[WG_KEY_LEN];
	char *volatile p = malloc(100);

	ck_assert_ptr_nonnull(p);
	arm(key);
	memcpy(p + 10, needle_hex, 64);
	/* or the compiler drops the copy as a dead store before free */
	__asm__ volatile("" : : "r"(p) : "memory");
	free(p);
	ck_assert_int_eq(disarm(), 1);
}
END_TEST

/* uapi_set's request text: the private and preshared keys in hex, in a
 * text long enough to grow its buffer several times. The daemon is not
 * there (the set fails at connect): the text was built and freed. */
START_TEST(uapi_set_request)
{
	struct wg_peer_set peer = { 0 };
	struct wg_set s = { 0 };
	struct prefix *aips;
	struct wgb_err e = { 0 };
	uint8_t key[WG_KEY_LEN];
	size_t i, n = 3000;

	aips = calloc(n, sizeof(*aips));
	ck_assert_ptr_nonnull(aips);
	for (i = 0; i < n; ++i) {
		aips[i].family = AF_INET;
		aips[i].len = 32;
		aips[i].addr.bytes[0] = 10;
		aips[i].addr.bytes[2] = (uint8_t)(i >> 8);
		aips[i].addr.bytes[3] = (uint8_t)i;
	}
	arm(key);
	memcpy(s.private_key, key, WG_KEY_LEN);
	s.flags = WG_SET_PRIVATE_KEY;
	memset(peer.public_key, 0x22, WG_KEY_LEN);
	peer.flags = WG_PEER_REPLACE_ALLOWEDIPS | WG_PEER_PRESHARED_KEY;
	memcpy(peer.preshared_key, key, WG_KEY_LEN);
	peer.allowed_ips = aips;
	peer.n_allowed_ips = n;
	s.peers = &peer;
	s.n_peers = 1;
	ck_assert_int_lt(wg_uapi_ops.set("wgbwipe-none0", &s, &e), 0);
	sodium_memzero(&s, sizeof(s));
	sodium_memzero(&peer, sizeof(peer));
	ck_assert_int_eq(disarm(), 0);
	free(aips);
}
END_TEST

/* A `get=1` reply read from a socket: the private key in hex passes
 * through the stream's buffer and the line buffer; a long line after it
 * makes the line buffer grow. */
START_TEST(uapi_get_reply)
{
	struct wg_state st = { 0 };
	uint8_t key[WG_KEY_LEN];
	char reply[2048];
	int fds[2], len;

	arm(key);
	len = snprintf(reply, sizeof(reply),
		       "private_key=%s\nlisten_port=51820\n"
		       "some_newer_key=%0900d\n"
		       "public_key=%s\npreshared_key=%s\n"
		       "errno=0\n\n", needle_hex, 7, "2222222222222222222222222222222222222222222222222222222222222222",
		       needle_hex);
	ck_assert_int_lt(len, (int)sizeof(reply));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	ck_assert_int_eq(write(fds[1], reply, (size_t)len), len);
	close(fds[1]);
	sodium_memzero(reply, sizeof(reply));
	ck_assert_int_eq(wg_uapi_read_reply(fds[0], &st), 0);
	ck_assert_ptr_nonnull(st.private_key);
	ck_assert_int_eq(sodium_memcmp(st.private_key->key, key, WG_KEY_LEN), 0);
	wg_state_clear(&st);
	ck_assert_int_eq(disarm(), 0);
}
END_TEST

/* A config file past 16 KiB with its PrivateKey on the first lines: the
 * text buffer grows while it holds the key. */
START_TEST(config_text_grows)
{
	struct wgb_config *cfg = NULL;
	struct wgb_err e = { 0 };
	uint8_t key[WG_KEY_LEN];
	char *text, *p;
	const char *path;
	size_t i, cap = 64 * 1024;

	text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	arm(key);
	p = text + sprintf(text, "[Interface]\nPrivateKey = %s\n"
			   "[Peer]\nPublicKey = PeIixQzVg/dRNmj2q10wvWkfY/Z4O0s/gSCdwte2k0M=\n",
			   needle_b64);
	for (i = 0; i < 600; ++i)
		p += sprintf(p, "# line %04zu of padding, to make the text grow past 16 KiB\n", i);
	armed = false;	/* the file is written by the test, not the product */
	path = unit_write_file("big.conf", text, 0600);
	sodium_memzero(text, cap);
	free(text);
	armed = true;
	ck_assert_int_eq(config_load(path, &cfg, &e), 0);
	ck_assert_ptr_nonnull(cfg);
	config_free(cfg);
	ck_assert_int_eq(disarm(), 0);
}
END_TEST

static Suite *wipe_suite(void)
{
	Suite *s = suite_create("wipe");
	TCase *tc = tcase_create("wipe");

	tcase_add_checked_fixture(tc, unit_tmpdir_setup, unit_tmpdir_teardown);
	tcase_add_test(tc, interposer_catches);
	tcase_add_test(tc, uapi_set_request);
	tcase_add_test(tc, uapi_get_reply);
	tcase_add_test(tc, config_text_grows);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(wipe_suite)
