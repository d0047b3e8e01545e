// SPDX-License-Identifier: GPL-2.0-only
/*
 * Records under the run directory are not trusted blindly (SPEC §5): a
 * hostile .sysctl or .instance record is refused with a warning naming
 * its file and line, never followed, and never wedges apply or flush.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/rundir.h"
#include "lib/warn.h"
#include "sysctl/sysctl.h"
#include "unit.h"
#include "../fuzz/records_check.h"

static char root[64], proc[96], run[96];
static struct instance in = { .name = "wg0", .table = 51821 };

static void put_file(const char *file, const char *text, size_t len)
{
	FILE *f = fopen(file, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void put(const char *path, int v)
{
	char file[256], *s, val[16];

	snprintf(file, sizeof(file), "%s/%s", proc, path);
	for (s = strchr(file + strlen(proc) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(file, 0755);
		*s = '/';
	}
	snprintf(val, sizeof(val), "%d\n", v);
	put_file(file, val, strlen(val));
}

static int get_file(const char *file)
{
	int v = -100;
	FILE *f = fopen(file, "r");

	if (!f)
		return -ENOENT;
	ck_assert_int_eq(fscanf(f, "%d", &v), 1);
	fclose(f);
	return v;
}

static int get(const char *path)
{
	char file[256];

	snprintf(file, sizeof(file), "%s/%s", proc, path);
	return get_file(file);
}

/* A record's file under the run directory, written as given (len bytes:
 * NUL bytes too). */
static void record(const char *file, const char *text, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", run, file);
	put_file(path, text, len);
}

static char *slurp(const char *file)
{
	static char buf[1024];
	char path[256];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", run, file);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Every warning said so far, one a line (and forgets them). */
static const char *said(void)
{
	static char buf[4096];
	struct warnings w = { 0 };
	size_t i, n = 0;

	buf[0] = '\0';
	ck_assert_int_eq(warnings_take(&w), 0);
	for (i = 0; i < w.n; ++i)
		n += snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0, "%s\n", w.v[i]);
	warnings_free(&w);
	return buf;
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/wgb-records.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(run, sizeof(run), "%s/run", root);
	mkdir(proc, 0755);
	mkdir(run, 0700);
	sysctl_root = proc;
	rundir_override = run;
	wgb_verbosity = -1;	/* kept, not printed */
	put("net/ipv4/ip_forward", 0);
	put("net/ipv4/conf/all/rp_filter", 0);
	put("net/ipv4/conf/default/rp_filter", 0);
	put("net/ipv4/conf/wg0/rp_filter", 0);
	put("net/ipv6/conf/all/forwarding", 0);
	put("net/ipv6/conf/eth0/accept_ra", 1);
	said();
}

static void teardown(void)
{
	char cmd[128];

	said();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

/* One apply (cfg) or flush (NULL) of the sysctl stage, as the executor
 * runs it; returns the plan size. */
static int run_stage(bool apply, struct plan *p)
{
	static struct wgb_config c;
	struct sysctl_state *live = NULL, *want = NULL;
	struct wgb_err e = { 0 };
	int n;

	memset(&c, 0, sizeof(c));
	c.uses_ipv6 = true;
	ck_assert_msg(stage_sysctl.read(&in, (void **)&live, &e) == 0, "%s", e.msg);
	ck_assert_msg(stage_sysctl.build(&in, apply ? &c : NULL, (void **)&want, &e) == 0, "%s", e.msg);
	n = stage_sysctl.diff(live, want, p);
	ck_assert_int_ge(n, 0);
	if (n)
		ck_assert_msg(stage_sysctl.sync(&in, live, want, &e) == 0, "%s", e.msg);
	sysctl_state_free(live);
	sysctl_state_free(want);
	return n;
}

static void flush(void)
{
	struct plan p = { 0 };

	run_stage(false, &p);
	plan_free(&p);
}

START_TEST(sysctl_record_never_leaves_proc_sys_net)
{
	char victim[256];
	static const char text[] =
		"net/ipv4/../../../victim=7\n"
		"../victim=7\n"
		"net/ipv4/conf/eth0/rp_filter=0\n"	/* another link's: not ours */
		"net/ipv6/conf/../../../../victim/accept_ra=0\n"
		"net/ipv4/ip_forward=0\n"
		"kernel/core_pattern=0\n";

	snprintf(victim, sizeof(victim), "%s/victim", root);
	put_file(victim, "1\n", 2);
	put("net/ipv4/ip_forward", 1);	/* as an apply left it */
	put("net/ipv4/conf/eth0/rp_filter", 1);
	record("wg0.sysctl", text, sizeof(text) - 1);
	flush();
	ck_assert_int_eq(get_file(victim), 1);
	ck_assert_int_eq(get("net/ipv4/conf/eth0/rp_filter"), 1);
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 0);	/* the good line, restored */
	ck_assert_ptr_null(slurp("wg0.sysctl"));
	ck_assert_ptr_nonnull(strstr(said(), "/wg0.sysctl:1: \"net/ipv4/../../../victim\": not a sysctl wgbastion sets for wg0; line ignored\n"));
}
END_TEST

START_TEST(sysctl_record_bad_lines_do_not_wedge)
{
	struct plan p = { 0 };
	const char *w;
	static const char text[] =
		"net/ipv4/ip_forward=abc\n"
		"net/ipv6/conf/all/forwarding=0\n"
		"garbage without an equals sign\n"
		"net/ipv4/conf/wg0/rp_filter=99999999999999999999\n"
		"net/ipv6/conf/eth0/accept_ra=-1\n"
		"net/ipv6/conf/eth0/accept_ra=1 \n"
		"net/ipv6/conf/all/forwarding=1\n"
		"=1\n";

	record("wg0.sysctl", text, sizeof(text) - 1);
	/* apply goes through, records what it changes now, keeps the good line */
	ck_assert_int_gt(run_stage(true, &p), 0);
	plan_free(&p);
	w = said();
	ck_assert_ptr_nonnull(strstr(w, "wg0.sysctl:1: net/ipv4/ip_forward: \"abc\": not a number from 0 to 2; line ignored"));
	ck_assert_ptr_nonnull(strstr(w, "wg0.sysctl:3: \"garbage without an equals sign\": not SYSCTL=VALUE; line ignored"));
	ck_assert_ptr_nonnull(strstr(w, "wg0.sysctl:4:"));
	ck_assert_ptr_nonnull(strstr(w, "wg0.sysctl:5:"));
	ck_assert_ptr_nonnull(strstr(w, "wg0.sysctl:6:"));
	ck_assert_ptr_nonnull(strstr(w, "wg0.sysctl:7: net/ipv6/conf/all/forwarding: said again; line ignored"));
	ck_assert_ptr_nonnull(strstr(w, "wg0.sysctl:8:"));
	/* said once, though read three times */
	ck_assert_ptr_eq(strstr(strstr(w, "wg0.sysctl:1:") + 1, "wg0.sysctl:1:"), NULL);
	ck_assert_str_eq(slurp("wg0.sysctl"),
			 "net/ipv6/conf/all/forwarding=0\n"
			 "net/ipv4/ip_forward=0\n"
			 "net/ipv6/conf/eth0/accept_ra=1\n");
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 1);
	/* the next apply has nothing to say or do; flush restores all */
	ck_assert_int_eq(run_stage(true, &p), 0);
	ck_assert_str_eq(said(), "");
	flush();
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 0);
	ck_assert_int_eq(get("net/ipv6/conf/all/forwarding"), 0);
	ck_assert_int_eq(get("net/ipv6/conf/eth0/accept_ra"), 1);
	ck_assert_ptr_null(slurp("wg0.sysctl"));
}
END_TEST

/* Refused whole: apply and flush go on as if there were none. */
static void refused_whole(const char *why)
{
	struct plan p = { 0 };

	ck_assert_int_gt(run_stage(true, &p), 0);
	plan_free(&p);
	ck_assert_ptr_nonnull(strstr(said(), why));
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 1);
	flush();
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 0);
	ck_assert_ptr_null(slurp("wg0.sysctl"));
}

START_TEST(sysctl_record_with_nul_bytes)
{
	static const char text[] = "net/ipv4/ip_forward=1\0net/ipv4/../../victim=1\n";

	record("wg0.sysctl", text, sizeof(text) - 1);
	refused_whole("/wg0.sysctl: holds a NUL byte; ignored");
}
END_TEST

START_TEST(sysctl_record_oversized)
{
	size_t n = RUNDIR_RECORD_MAX + 100, i;
	char *text = malloc(n);

	ck_assert_ptr_nonnull(text);
	for (i = 0; i + 22 <= n; i += 22)
		memcpy(text + i, "net/ipv4/ip_forward=1\n", 22);
	record("wg0.sysctl", text, i);
	free(text);
	refused_whole("/wg0.sysctl: is larger than 64 KiB; ignored");
}
END_TEST

START_TEST(sysctl_record_symlink_is_not_followed)
{
	char target[256], link[256];

	snprintf(target, sizeof(target), "%s/elsewhere", root);
	put_file(target, "net/ipv4/ip_forward=1\n", 22);
	snprintf(link, sizeof(link), "%s/wg0.sysctl", run);
	ck_assert_int_eq(symlink(target, link), 0);
	refused_whole("/wg0.sysctl: is a symbolic link, not a record; ignored");
	/* the link was replaced, never written through */
	ck_assert_str_eq(slurp("../elsewhere"), "net/ipv4/ip_forward=1\n");
}
END_TEST

START_TEST(sysctl_record_fifo_does_not_hang)
{
	char fifo[256];

	snprintf(fifo, sizeof(fifo), "%s/wg0.sysctl", run);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	refused_whole("/wg0.sysctl: is not a regular file; ignored");
}
END_TEST

START_TEST(sysctl_record_truncated)
{
	static const char text[] = "net/ipv4/ip_forward=0\nnet/ipv6/conf/all/forw";

	put("net/ipv4/ip_forward", 1);
	record("wg0.sysctl", text, sizeof(text) - 1);
	flush();
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 0);
	ck_assert_ptr_nonnull(strstr(said(), "wg0.sysctl:2: \"net/ipv6/conf/all/forw\": not SYSCTL=VALUE"));
}
END_TEST

START_TEST(stale_tmp_link_is_not_written_through)
{
	char target[256], link[256];

	snprintf(target, sizeof(target), "%s/elsewhere", root);
	put_file(target, "keep\n", 5);
	snprintf(link, sizeof(link), "%s/wg0.sysctl.tmp", run);
	ck_assert_int_eq(symlink(target, link), 0);
	ck_assert_int_eq(rundir_replace("wg0", RUNDIR_SYSCTL, "net/ipv4/ip_forward=0\n", 22), 0);
	ck_assert_str_eq(slurp("../elsewhere"), "keep\n");
	ck_assert_str_eq(slurp("wg0.sysctl"), "net/ipv4/ip_forward=0\n");
}
END_TEST

START_TEST(names_outside_the_directory_are_refused)
{
	char path[PATH_MAX], *text;
	size_t len;

	ck_assert_int_eq(rundir_path(path, sizeof(path), "../../tmp/x", RUNDIR_INSTANCE, false), -EINVAL);
	ck_assert_int_eq(rundir_path(path, sizeof(path), "..", RUNDIR_SYSCTL, false), -EINVAL);
	ck_assert_int_eq(rundir_path(path, sizeof(path), "", RUNDIR_SYSCTL, false), -EINVAL);
	ck_assert_int_eq(rundir_path(path, sizeof(path), "a/b", RUNDIR_LOCK, false), -EINVAL);
	ck_assert_int_eq(rundir_path(path, sizeof(path), "sixteen-chars-xx", RUNDIR_LOCK, false), -EINVAL);
	ck_assert_int_eq(rundir_replace("../x", RUNDIR_SYSCTL, "a=1\n", 4), -EINVAL);
	ck_assert_int_eq(rundir_read("../x", RUNDIR_SYSCTL, &text, &len), -EINVAL);
	ck_assert_int_lt(rundir_lock("../x", NULL), 0);
	ck_assert_int_eq(access("../x.sysctl", F_OK), -1);
	ck_assert_int_eq(rundir_path(path, sizeof(path), "eth0.100", RUNDIR_LOCK, false), 0);
}
END_TEST

static int find(const char *text, struct instance *out)
{
	record("wg0.instance", text, strlen(text));
	return rundir_find_instance("/etc/wgbastion/a.conf", out);
}

START_TEST(instance_records_are_checked)
{
	struct instance got;
	const char *w;

	ck_assert_int_eq(find("config=/etc/wgbastion/a.conf\nname=wg0\ntable=51821\nmark=0x1\n"
			      "mask=0x1\npriority=100\nfuture=whatever\n", &got), 0);
	ck_assert_str_eq(got.name, "wg0");
	ck_assert_uint_eq(got.table, 51821);
	ck_assert_uint_eq(got.priority, 100);
	ck_assert_str_eq(said(), "");

	/* a name that is not the record's own: the rule and route of
	 * another instance, or a path elsewhere */
	ck_assert_int_eq(find("config=/etc/wgbastion/a.conf\nname=../../tmp/x\ntable=1\n", &got), -ENOENT);
	w = said();
	ck_assert_ptr_nonnull(strstr(w, "/wg0.instance:2: name: \"../../tmp/x\": not the record's own name; record ignored"));
	ck_assert_int_eq(find("config=/etc/wgbastion/a.conf\nname=wg1\ntable=1\n", &got), -ENOENT);
	ck_assert_int_eq(find("config=/etc/wgbastion/a.conf\nname=wg0\ntable=51821x\n", &got), -ENOENT);
	ck_assert_ptr_nonnull(strstr(said(), "wg0.instance:3: table: \"51821x\": not a 32-bit number; record ignored"));
	ck_assert_int_eq(find("config=/etc/wgbastion/a.conf\nname=wg0\ntable=4294967296\n", &got), -ENOENT);
	ck_assert_int_eq(find("config=/etc/wgbastion/a.conf\nname=wg0\ntable=-1\n", &got), -ENOENT);
	ck_assert_int_eq(find("config=/etc/wgbastion/a.conf\nname=wg0\ntable=1\ntable=2\n", &got), -ENOENT);
	ck_assert_int_eq(find("config=/etc/wgbastion/a.conf\nname=wg0\n", &got), -ENOENT);	/* truncated */
	ck_assert_ptr_nonnull(strstr(said(), "wg0.instance: table missing; record ignored"));
	ck_assert_int_eq(find("config=/etc/wgbastion/a.conf\nname=wg0\ntable=1\nno equals\n", &got), -ENOENT);
	ck_assert_int_eq(find("config=etc/wgbastion/a.conf\nname=wg0\ntable=1\n", &got), -ENOENT);

	/* a file name that is no interface name is no instance */
	find("config=/etc/wgbastion/a.conf\nname=a b\ntable=1\n", &got);
	record("a b.instance", slurp("wg0.instance"), strlen(slurp("wg0.instance")));
	record("wg0.instance", "", 0);
	ck_assert_int_eq(rundir_find_instance("/etc/wgbastion/a.conf", &got), -ENOENT);
}
END_TEST

/* The record fuzzer's corpus and regressions (tests/fuzz/), through its
 * own checks; run from the source tree's root, as tests/run.sh does. */
static unsigned replay_dir(const char *dir)
{
	char file[512], buf[RUNDIR_RECORD_MAX + 2];
	struct dirent *d;
	unsigned n = 0;
	size_t len;
	FILE *f;
	DIR *dp = opendir(dir);

	ck_assert_msg(dp != NULL, "%s: missing (run from the source tree's root)", dir);
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "README"))
			continue;
		snprintf(file, sizeof(file), "%s/%s", dir, d->d_name);
		f = fopen(file, "rb");
		ck_assert_ptr_nonnull(f);
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		records_check_one(run, (const uint8_t *)buf, len);
		++n;
	}
	closedir(dp);
	return n;
}

START_TEST(fuzz_corpus_replays)
{
	ck_assert_uint_gt(replay_dir("tests/fuzz/corpus-records"), 0);
	ck_assert_uint_gt(replay_dir("tests/fuzz/regressions-records"), 0);
}
END_TEST

static Suite *records_suite(void)
{
	Suite *s = suite_create("records");
	TCase *tc = tcase_create("hostile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sysctl_record_never_leaves_proc_sys_net);
	tcase_add_test(tc, sysctl_record_bad_lines_do_not_wedge);
	tcase_add_test(tc, sysctl_record_with_nul_bytes);
	tcase_add_test(tc, sysctl_record_oversized);
	tcase_add_test(tc, sysctl_record_symlink_is_not_followed);
	tcase_add_test(tc, sysctl_record_fifo_does_not_hang);
	tcase_add_test(tc, sysctl_record_truncated);
	tcase_add_test(tc, stale_tmp_link_is_not_written_through);
	tcase_add_test(tc, names_outside_the_directory_are_refused);
	tcase_add_test(tc, instance_records_are_checked);
	tcase_add_test(tc, fuzz_corpus_replays);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(records_suite)
