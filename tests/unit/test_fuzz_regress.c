// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replays the fuzzer's regression inputs and seed corpus (tests/fuzz/) through
 * config_parse: each must be parsed or refused with a message, never crash
 * (the ASan build of this test catches what the fuzzer once caught).
 * Runs from the source tree's root, as tests/run.sh does.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "unit.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	ck_assert_msg(f != NULL, "%s: cannot open", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Returns how many inputs were replayed. */
static unsigned replay_dir(const char *dir)
{
	struct dirent *d;
	unsigned n = 0;
	DIR *dp = opendir(dir);

	ck_assert_msg(dp != NULL, "%s: missing (run from the source tree's root)", dir);
	while ((d = readdir(dp))) {
		struct wgb_config *cfg = NULL;
		struct wgb_err e = { 0 };
		char path[512];
		size_t len;
		char *text;
		int ret;

		if (d->d_name[0] == '.' || !strcmp(d->d_name, "README"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		text = slurp(path, &len);
		ret = config_parse("fuzz.conf", text, len, &cfg, &e);
		if (ret < 0) {
			ck_assert_msg(cfg == NULL, "%s: a config left behind on failure", path);
			ck_assert_msg(!strncmp(e.msg, "fuzz.conf", 9), "%s: message %s", path, e.msg);
		} else {
			ck_assert_msg(cfg != NULL && cfg->n_peers > 0, "%s: empty success", path);
		}
		config_free(cfg);
		free(text);
		++n;
	}
	closedir(dp);
	return n;
}

START_TEST(regressions)
{
	wgb_verbosity = -1;
	replay_dir("tests/fuzz/regressions");
}
END_TEST

START_TEST(seed_corpus)
{
	wgb_verbosity = -1;
	ck_assert_uint_gt(replay_dir("tests/fuzz/corpus"), 0);
}
END_TEST

static Suite *fuzz_regress_suite(void)
{
	Suite *s = suite_create("fuzz_regress");
	TCase *t = tcase_create("replay");

	tcase_add_test(t, regressions);
	tcase_add_test(t, seed_corpus);
	suite_add_tcase(s, t);
	return s;
}

UNIT_MAIN(fuzz_regress_suite)
