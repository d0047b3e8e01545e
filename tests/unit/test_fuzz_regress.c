// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replays the fuzzer's regression inputs and seed corpus (tests/fuzz/) through
 * config_parse: each must be parsed or refused with a message, never crash
 * nor hang (the ASan build of this test catches what the fuzzer once
 * caught). The regressions folder must not be empty. Runs from the source
 * tree's root, as tests/run.sh does.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

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

/* The inputs, found when the suite is built: one Check test each, so that
 * each has its own timeout and a failure names its file. */
static char *inputs[4096];
static unsigned n_inputs, n_regressions, n_corpus;

static unsigned list_dir(const char *dir)
{
	struct dirent *d;
	unsigned n = 0;
	DIR *dp = opendir(dir);

	if (!dp)
		return 0;
	while ((d = readdir(dp)) && n_inputs < sizeof(inputs) / sizeof(inputs[0])) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "README"))
			continue;
		if (asprintf(&inputs[n_inputs], "%s/%s", dir, d->d_name) < 0)
			abort();
		++n_inputs;
		++n;
	}
	closedir(dp);
	return n;
}

/*
 * A hang guard, not a speed target: the inputs that were slow took half a
 * minute to a minute each without a sanitizer (hostile.py); each takes
 * about a second now with ASan, start included, so a loaded machine has a
 * wide margin. Check's own timeout would name the test by its number
 * only: the alarm names the file.
 */
#define REPLAY_TIMEOUT 15
#define STR(x) #x
#define XSTR(x) STR(x)
static const char *replaying;

static void too_slow(int sig)
{
	static const char m[] = "replay: not done in " XSTR(REPLAY_TIMEOUT) " s: ";
	struct iovec v[] = {
		{ (void *)m, sizeof(m) - 1 },
		{ (void *)replaying, strlen(replaying) },
		{ "\n", 1 },
	};
	ssize_t ignored = writev(STDERR_FILENO, v, 3);

	(void)ignored;
	(void)sig;
	_exit(3);
}

START_TEST(replay)
{
	const char *path = inputs[_i];
	struct wgb_config *cfg = NULL;
	struct wgb_err e = { 0 };
	size_t len;
	char *text;
	int ret;

	wgb_verbosity = -1;
	replaying = path;
	signal(SIGALRM, too_slow);
	alarm(REPLAY_TIMEOUT);
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
	alarm(0);
}
END_TEST

/* An empty folder would make the replay pass without replaying anything. */
START_TEST(regressions_present)
{
	ck_assert_msg(n_regressions > 0,
		      "tests/fuzz/regressions holds no input (run from the source tree's root)");
	ck_assert_msg(n_corpus > 0, "tests/fuzz/corpus holds no input");
	ck_assert_msg(n_inputs < sizeof(inputs) / sizeof(inputs[0]),
		      "more inputs than the replay holds: raise the size of inputs[]");
}
END_TEST

static Suite *fuzz_regress_suite(void)
{
	Suite *s = suite_create("fuzz_regress");
	TCase *t = tcase_create("replay");

	n_regressions = list_dir("tests/fuzz/regressions");
	n_corpus = list_dir("tests/fuzz/corpus");
	tcase_add_test(t, regressions_present);
	tcase_set_timeout(t, REPLAY_TIMEOUT + 2);
	tcase_add_loop_test(t, replay, 0, (int)n_inputs);
	suite_add_tcase(s, t);
	return s;
}

UNIT_MAIN(fuzz_regress_suite)
