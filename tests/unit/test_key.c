// SPDX-License-Identifier: GPL-2.0-only
/* Keys: base64 both ways, public from private, key files and their modes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/key.h"
#include "config/parse.h"
#include "unit.h"

/* A pair from wg genkey | wg pubkey. */
#define PRIV "+L64UIpGdAT7RcGpp9kKAFTdi90v0HmXWGxe8i4XBFE="
#define PUB "1JhagMVPSqIGfbuVPo9+ypU3ZGpJhz+ybt9VUO6T1Aw="

static char why[PARSE_WHY];

START_TEST(base64_round_trip)
{
	uint8_t k[WG_KEY_LEN];
	char out[WG_KEY_B64_LEN + 1];

	ck_assert_int_eq(key_from_base64(k, PUB), 0);
	key_to_base64(out, k);
	ck_assert_str_eq(out, PUB);
	ck_assert(!key_is_zero(k));
	ck_assert_int_eq(key_from_base64(k, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), 0);
	ck_assert(key_is_zero(k));
}
END_TEST

START_TEST(base64_refused)
{
	static const char *const bad[] = {
		"",
		PUB "A",						/* too long */
		"1JhagMVPSqIGfbuVPo9+ypU3ZGpJhz+ybt9VUO6T1Aw",		/* no padding */
		"1JhagMVPSqIGfbuVPo9+ypU3ZGpJhz+ybt9VUO6T1A==",		/* 31 bytes */
		"1JhagMVPSqIGfbuVPo9+ypU3ZGpJhz+ybt9VUO6T1Ax=",		/* padding bits set */
		"1JhagMVPSqIGfbuVPo9-ypU3ZGpJhz+ybt9VUO6T1Aw=",		/* URL alphabet */
		"1JhagMVPSqIGfbuVPo9+ypU3ZGpJhz+ybt9VUO6T1A w=",	/* space */
		"1JhagMVPSqIGfbuVPo9+ypU3ZGpJhz+ybt9VUO6T1A=w",
	};
	uint8_t k[WG_KEY_LEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i)
		ck_assert_msg(key_from_base64(k, bad[i]) == -EINVAL, "%s passed", bad[i]);
}
END_TEST

START_TEST(public_from_private)
{
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN], want[WG_KEY_LEN];

	ck_assert_int_eq(key_from_base64(priv, PRIV), 0);
	ck_assert_int_eq(key_from_base64(want, PUB), 0);
	ck_assert_int_eq(key_public_from_private(pub, priv), 0);
	ck_assert(key_equal(pub, want));
	pub[0] ^= 1;
	ck_assert(!key_equal(pub, want));
}
END_TEST

START_TEST(file_ok)
{
	uint8_t k[WG_KEY_LEN], want[WG_KEY_LEN];

	key_from_base64(want, PRIV);
	ck_assert_int_eq(key_file_read(unit_write_file("a", PRIV "\n", 0600), k, why), 0);
	ck_assert(key_equal(k, want));
	ck_assert_int_eq(key_file_read(unit_write_file("b", PRIV, 0400), k, why), 0);
	ck_assert_int_eq(key_file_read(unit_write_file("c", PRIV "\r\n", 0600), k, why), 0);
	/* write bits for group do not leak the key */
	ck_assert_int_eq(key_file_read(unit_write_file("d", PRIV "\n", 0620), k, why), 0);
}
END_TEST

START_TEST(file_modes_refused)
{
	uint8_t k[WG_KEY_LEN];

	ck_assert_int_eq(key_file_read(unit_write_file("a", PRIV "\n", 0640), k, why), -EPERM);
	ck_assert_str_eq(why, "is readable by group or others (mode 0640): chmod 600 it");
	ck_assert_int_eq(key_file_read(unit_write_file("b", PRIV "\n", 0604), k, why), -EPERM);
	ck_assert_str_eq(why, "is readable by group or others (mode 0604): chmod 600 it");
	ck_assert_int_eq(key_file_read(unit_write_file("c", PRIV "\n", 0644), k, why), -EPERM);
}
END_TEST

START_TEST(file_content_refused)
{
	uint8_t k[WG_KEY_LEN];
	char path[128];

	ck_assert_int_eq(key_file_read(unit_write_file("a", "", 0600), k, why), -EINVAL);
	ck_assert_str_eq(why, "does not hold one base64 WireGuard key (as wg genkey writes)");
	ck_assert_int_eq(key_file_read(unit_write_file("b", PRIV "\n\n", 0600), k, why), -EINVAL);
	ck_assert_int_eq(key_file_read(unit_write_file("c", PRIV "\n" PUB "\n", 0600), k, why), -EINVAL);
	ck_assert_int_eq(key_file_read(unit_write_file("d", " " PRIV "\n", 0600), k, why), -EINVAL);
	snprintf(path, sizeof(path), "%s/missing", unit_dir);
	ck_assert_int_eq(key_file_read(path, k, why), -ENOENT);
	ck_assert_int_eq(key_file_read(unit_dir, k, why), -EINVAL);
	ck_assert_str_eq(why, "is not a regular file");
	ck_assert_int_eq(key_file_read("/dev/null", k, why), -EINVAL);
}
END_TEST

START_TEST(generate)
{
	uint8_t k[WG_KEY_LEN], back[WG_KEY_LEN];
	struct wgb_err e = { 0 };
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/private.key", unit_dir);
	umask(0);	/* the file must still come out 0600 */
	ck_assert_int_eq(key_generate(k), 0);
	ck_assert_int_eq(key_file_create(path, k, &e), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(key_file_read(path, back, why), 0);
	ck_assert(key_equal(k, back));
	ck_assert_uint_eq(k[0] & 7, 0);		/* clamped as wg genkey does */
	ck_assert_uint_eq(k[31] & 0xc0, 0x40);
	/* never replaces a key */
	ck_assert_int_eq(key_generate(back), 0);
	ck_assert_int_eq(key_file_create(path, back, &e), -EEXIST);
	ck_assert_str_eq(e.msg + strlen(e.msg) - strlen("cannot be created: File exists"),
			 "cannot be created: File exists");
	ck_assert_int_eq(key_file_read(path, back, why), 0);
	ck_assert(key_equal(k, back));
}
END_TEST

static Suite *key_suite(void)
{
	Suite *s = suite_create("key");
	TCase *t = tcase_create("keys");

	tcase_add_checked_fixture(t, unit_tmpdir_setup, unit_tmpdir_teardown);
	tcase_add_test(t, base64_round_trip);
	tcase_add_test(t, base64_refused);
	tcase_add_test(t, public_from_private);
	tcase_add_test(t, file_ok);
	tcase_add_test(t, file_modes_refused);
	tcase_add_test(t, file_content_refused);
	tcase_add_test(t, generate);
	suite_add_tcase(s, t);
	return s;
}

UNIT_MAIN(key_suite)
