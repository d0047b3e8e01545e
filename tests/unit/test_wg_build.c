// SPDX-License-Identifier: GPL-2.0-only
/*
 * The desired device from a parsed config: keys (a missing PrivateKeyFile
 * gets a key in memory, written only by wg_key_file_create), endpoints
 * resolved here, the empty state for flush.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "unit.h"
#include "wg/wg_ipc.h"

static char dir[] = "/tmp/wgb-unit-wg.XXXXXX";
static const struct instance in = { .name = "wg0" };

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(dir, "/tmp/wgb-unit-wg.XXXXXX");
}

static struct wgb_config *parse(const char *fmt, ...)
{
	struct wgb_config *cfg = NULL;
	struct wgb_err e = { 0 };
	char *text;
	va_list ap;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&text, fmt, ap), 0);
	va_end(ap);
	ck_assert_msg(config_parse("t.conf", text, strlen(text), &cfg, &e) == 0, "%s", e.msg);
	free(text);
	return cfg;
}

static const char PEER[] = "Dc8EzhiUaGbWWDxg2dzL6SiFVMHR0pTKHTVmbV7EyVg=";

START_TEST(flush_is_no_device)
{
	struct wgb_err e = { 0 };
	void *st = NULL;

	ck_assert_int_eq(wg_build(&in, NULL, &st, &e), 0);
	ck_assert(!((struct wg_state *)st)->exists);
	ck_assert_str_eq(((struct wg_state *)st)->name, "wg0");
	wg_state_free(st);
}
END_TEST

START_TEST(missing_key_file_planned_not_written)
{
	char key[300], line[400], b64[WG_KEY_B64_LEN + 1];
	struct wgb_config *cfg;
	struct wgb_err e = { 0 };
	struct plan p = { 0 };
	struct wg_state none = { .name = "wg0" };
	struct wg_state *st = NULL;
	struct stat sb;

	snprintf(key, sizeof(key), "%s/etc/wgbastion/private.key", dir);
	cfg = parse("[Interface]\nPrivateKeyFile = %s\nAddress = 10.100.0.1/24\n"
		    "[Peer]\nPublicKey = %s\nAllowedIPs = 10.100.0.2/32, 10.100.0.2/32\n", key, PEER);
	ck_assert(!cfg->iface.has_private_key);
	ck_assert_int_eq(wg_build(&in, cfg, (void **)&st, &e), 0);
	ck_assert(st->exists && st->up);
	ck_assert_str_eq(st->new_key_file, key);
	ck_assert(st->private_key && st->has_public_key);
	ck_assert_uint_eq(st->listen_port, 51820);
	ck_assert_uint_eq(st->mtu, 1420);
	ck_assert_uint_eq(st->peers[0].allowed_ips.n, 1);	/* duplicate dropped */
	ck_assert_int_ge(wg_diff(&none, st, &p), 2);
	/* the candidate key's public half is never in the plan: a dry run
	 * would print a key that no apply uses (issue 12) */
	key_to_base64(b64, st->public_key);
	snprintf(line, sizeof(line), "key %s (new; created by apply, which prints its public key)", key);
	ck_assert_str_eq(p.v[1].text, line);
	ck_assert_ptr_null(strstr(p.v[1].text, b64));
	ck_assert_int_eq(stat(key, &sb), -1);	/* a plan writes nothing */

	ck_assert_int_eq(wg_key_file_create(key, st->private_key, &e), 0);
	ck_assert_int_eq(stat(key, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	snprintf(line, sizeof(line), "%s/etc/wgbastion", dir);
	ck_assert_int_eq(stat(line, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0700);
	/* never over a file that is there */
	err_clear(&e);
	ck_assert_int_eq(wg_key_file_create(key, st->private_key, &e), -EEXIST);
	ck_assert_ptr_nonnull(strstr(e.msg, "appeared"));
	plan_free(&p);
	wg_state_free(st);
	config_free(cfg);

	/* the parser now finds the file: the same key, nothing new */
	cfg = parse("[Interface]\nPrivateKeyFile = %s\n[Peer]\nPublicKey = %s\n", key, PEER);
	ck_assert(cfg->iface.has_private_key);
	ck_assert_int_eq(wg_build(&in, cfg, (void **)&st, &e), 0);
	ck_assert_ptr_null(st->new_key_file);
	config_free(cfg);
	{
		char again[WG_KEY_B64_LEN + 1];

		key_to_base64(again, st->public_key);
		ck_assert_str_eq(again, b64);
	}
	wg_state_free(st);
}
END_TEST

START_TEST(endpoints_resolved)
{
	struct wgb_config *cfg;
	struct wgb_err e = { 0 };
	struct wg_state *st = NULL;
	char buf[80];

	cfg = parse("[Interface]\nPrivateKey = %s\n"
		    "[Peer]\nPublicKey = %s\nEndpoint = 192.0.2.1:51820\nAllowedIPs = 10.0.0.0/24\n"
		    "[Peer]\nPublicKey = %s\nEndpoint = [2001:db8::1]:1234\nAllowedIPs = 10.0.1.0/24\n",
		    "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=", PEER,
		    "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=");
	ck_assert_int_eq(wg_build(&in, cfg, (void **)&st, &e), 0);
	ck_assert_uint_eq(st->n_peers, 2);
	wg_endpoint_str(buf, sizeof(buf), &st->peers[0].endpoint);
	ck_assert_str_eq(buf, "192.0.2.1:51820");
	wg_endpoint_str(buf, sizeof(buf), &st->peers[1].endpoint);
	ck_assert_str_eq(buf, "[2001:db8::1]:1234");
	ck_assert_ptr_null(st->new_key_file);
	wg_state_free(st);
	config_free(cfg);
}
END_TEST

START_TEST(endpoint_errors)
{
	union wg_endpoint ep;
	char why[200];

	ck_assert_int_eq(wg_endpoint_resolve("192.0.2.1:0", &ep, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(wg_endpoint_resolve("192.0.2.1:65536", &ep, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(wg_endpoint_resolve("192.0.2.1", &ep, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(wg_endpoint_resolve("2001:db8::1:51820", &ep, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "brackets"));
	ck_assert_int_eq(wg_endpoint_resolve("[2001:db8::1]51820", &ep, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(wg_endpoint_resolve(":51820", &ep, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(wg_endpoint_resolve("127.0.0.1:7", &ep, why, sizeof(why)), 0);
	ck_assert_int_eq(ep.sa.sa_family, AF_INET);
	ck_assert_uint_eq(ntohs(ep.in4.sin_port), 7);
}
END_TEST

static Suite *wg_build_suite(void)
{
	Suite *s = suite_create("wg_build");
	TCase *tc = tcase_create("build");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, flush_is_no_device);
	tcase_add_test(tc, missing_key_file_planned_not_written);
	tcase_add_test(tc, endpoints_resolved);
	tcase_add_test(tc, endpoint_errors);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(wg_build_suite)
