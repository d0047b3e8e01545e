// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sysctl stage against a fake /proc/sys tree and record directory in a
 * temporary directory: what apply wants, what it records, what flush puts
 * back, and that a rollback restores the record as well as the values.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/rundir.h"
#include "exec/exec.h"
#include "sysctl/sysctl.h"
#include "unit.h"

static char root[64], *proc, *run;
static struct instance in = { .name = "wg0", .table = 51821 };
/* the executor's view of this stage alone, for run_forget */
static const struct stage *const only_sysctl[] = { &stage_sysctl };
static const struct stage_list sysctl_only = { only_sysctl, 1 };

static void put(const char *path, int v)
{
	char file[256], *s;
	FILE *f;

	snprintf(file, sizeof(file), "%s/%s", proc, path);
	for (s = strchr(file + strlen(proc) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(file, 0755);
		*s = '/';
	}
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%d\n", v);
	fclose(f);
}

static int get(const char *path)
{
	char file[256];
	int v = -100;
	FILE *f;

	snprintf(file, sizeof(file), "%s/%s", proc, path);
	f = fopen(file, "r");
	if (!f)
		return -ENOENT;
	ck_assert_int_eq(fscanf(f, "%d", &v), 1);
	fclose(f);
	return v;
}

static char *slurp(const char *name)
{
	static char buf[1024];
	char file[256];
	size_t n;
	FILE *f;

	snprintf(file, sizeof(file), "%s/%s", run, name);
	f = fopen(file, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/wgb-sysctl.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_ne(asprintf(&proc, "%s/proc", root), -1);
	ck_assert_int_ne(asprintf(&run, "%s/run", root), -1);
	mkdir(proc, 0755);
	mkdir(run, 0700);
	sysctl_root = proc;
	rundir_override = run;
	/* a host with strict rp_filter, IPv6 on, an uplink taking RAs */
	put("net/ipv4/ip_forward", 0);
	put("net/ipv4/conf/all/rp_filter", 1);
	put("net/ipv4/conf/default/rp_filter", 0);
	put("net/ipv6/conf/all/forwarding", 0);
	put("net/ipv6/conf/all/accept_ra", 1);
	put("net/ipv6/conf/default/accept_ra", 1);
	put("net/ipv6/conf/eth0/accept_ra", 1);
	put("net/ipv6/conf/eth1/accept_ra", 0);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
	free(proc);
	free(run);
}

/* One apply or flush, as the executor does it; returns the plan size. */
static int run_stage(const struct wgb_config *cfg, struct plan *p)
{
	struct sysctl_state *live = NULL, *want = NULL;
	struct wgb_err e = { 0 };
	int n;

	ck_assert_int_eq(stage_sysctl.read(&in, (void **)&live, &e), 0);
	ck_assert_int_eq(stage_sysctl.build(&in, cfg, (void **)&want, &e), 0);
	n = stage_sysctl.diff(live, want, p);
	ck_assert_int_ge(n, 0);
	if (n)
		ck_assert_msg(stage_sysctl.sync(&in, live, want, &e) == 0, "%s", e.msg);
	sysctl_state_free(live);
	sysctl_state_free(want);
	return n;
}

static struct wgb_config *cfg(bool v6)
{
	static struct wgb_config c;

	memset(&c, 0, sizeof(c));
	c.uses_ipv6 = v6;
	return &c;
}

START_TEST(names_as_sysctl_prints_them)
{
	char buf[64];

	sysctl_name("net/ipv4/conf/eth0.100/rp_filter", buf, sizeof(buf));
	ck_assert_str_eq(buf, "net.ipv4.conf.eth0/100.rp_filter");
}
END_TEST

START_TEST(plan_before_the_link_exists)
{
	struct sysctl_state *live = NULL, *want = NULL;
	struct wgb_err e = { 0 };
	struct plan p = { 0 };

	/* wg0 does not exist yet: it will start with default's 0, and
	 * max(all = 1, 0) is strict, so it is to get 2 once it exists */
	ck_assert_int_eq(stage_sysctl.read(&in, (void **)&live, &e), 0);
	ck_assert_int_eq(stage_sysctl.build(&in, cfg(true), (void **)&want, &e), 0);
	ck_assert_int_eq(stage_sysctl.diff(live, want, &p), 5);
	ck_assert_str_eq(p.v[0].text, "sysctl net.ipv4.ip_forward 0 -> 1");
	ck_assert_int_eq(p.v[1].op, '+');
	ck_assert_str_eq(p.v[1].text, "sysctl net.ipv4.conf.wg0.rp_filter 2");
	ck_assert_str_eq(p.v[2].text, "sysctl net.ipv6.conf.default.accept_ra 1 -> 2");
	ck_assert_str_eq(p.v[3].text, "sysctl net.ipv6.conf.eth0.accept_ra 1 -> 2");
	ck_assert_str_eq(p.v[4].text, "sysctl net.ipv6.conf.all.forwarding 0 -> 1");
	/* if the link is still missing at sync, that is an error, and the
	 * originals are recorded before any write */
	ck_assert_int_lt(stage_sysctl.sync(&in, live, want, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.msg, "net.ipv4.conf.wg0.rp_filter"));
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 0);
	plan_free(&p);
	sysctl_state_free(live);
	sysctl_state_free(want);
}
END_TEST

START_TEST(apply_records_once_and_flush_restores)
{
	struct plan p = { 0 };

	put("net/ipv4/conf/wg0/rp_filter", 0);	/* the wg stage made the link */
	put("net/ipv6/conf/wg0/accept_ra", 1);
	ck_assert_int_eq(run_stage(cfg(true), &p), 5);
	plan_free(&p);
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 1);
	ck_assert_int_eq(get("net/ipv4/conf/wg0/rp_filter"), 2);
	ck_assert_int_eq(get("net/ipv6/conf/all/forwarding"), 1);
	ck_assert_int_eq(get("net/ipv6/conf/eth0/accept_ra"), 2);
	ck_assert_int_eq(get("net/ipv6/conf/eth1/accept_ra"), 0);
	ck_assert_int_eq(get("net/ipv6/conf/all/accept_ra"), 1);	/* not an interface */
	ck_assert_int_eq(get("net/ipv6/conf/wg0/accept_ra"), 1);	/* the tunnel takes no RA */
	ck_assert_str_eq(slurp("wg0.sysctl"),
			 "net/ipv4/ip_forward=0\n"
			 "net/ipv4/conf/wg0/rp_filter=0\n"
			 "net/ipv6/conf/default/accept_ra=1\n"
			 "net/ipv6/conf/eth0/accept_ra=1\n"
			 "net/ipv6/conf/all/forwarding=0\n");

	/* a second apply: nothing to do */
	ck_assert_int_eq(run_stage(cfg(true), &p), 0);

	/* drift: one value back by hand; apply puts back that one only, and
	 * the recorded original stays the first one */
	put("net/ipv4/ip_forward", 0);
	ck_assert_int_eq(run_stage(cfg(true), &p), 1);
	ck_assert_str_eq(p.v[0].text, "sysctl net.ipv4.ip_forward 0 -> 1");
	plan_free(&p);
	ck_assert_ptr_nonnull(strstr(slurp("wg0.sysctl"), "net/ipv4/ip_forward=0\n"));

	/* flush: every original back, newest first, and no record left */
	ck_assert_int_eq(run_stage(NULL, &p), 5);
	ck_assert_str_eq(p.v[0].text, "sysctl net.ipv6.conf.all.forwarding 1 -> 0");
	ck_assert_str_eq(p.v[4].text, "sysctl net.ipv4.ip_forward 1 -> 0");
	plan_free(&p);
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 0);
	ck_assert_int_eq(get("net/ipv4/conf/wg0/rp_filter"), 0);
	ck_assert_int_eq(get("net/ipv6/conf/all/forwarding"), 0);
	ck_assert_int_eq(get("net/ipv6/conf/eth0/accept_ra"), 1);
	ck_assert_int_eq(get("net/ipv6/conf/default/accept_ra"), 1);
	ck_assert_ptr_null(slurp("wg0.sysctl"));
	ck_assert_int_eq(run_stage(NULL, &p), 0);
}
END_TEST

START_TEST(loose_rp_filter_is_left_alone)
{
	struct plan p = { 0 };

	put("net/ipv4/conf/all/rp_filter", 2);
	put("net/ipv4/conf/wg0/rp_filter", 1);
	ck_assert_int_eq(run_stage(cfg(false), &p), 1);	/* ip_forward only */
	ck_assert_int_eq(get("net/ipv4/conf/wg0/rp_filter"), 1);
	ck_assert_int_eq(get("net/ipv6/conf/all/forwarding"), 0);	/* no IPv6 */
	ck_assert_int_eq(get("net/ipv6/conf/eth0/accept_ra"), 1);
	plan_free(&p);
}
END_TEST

START_TEST(flush_forgets_a_value_already_restored)
{
	struct plan p = { 0 };

	put("net/ipv4/conf/wg0/rp_filter", 0);
	ck_assert_int_eq(run_stage(cfg(false), &p), 2);
	plan_free(&p);
	put("net/ipv4/ip_forward", 0);
	put("net/ipv4/conf/wg0/rp_filter", 0);
	ck_assert_int_eq(run_stage(NULL, &p), 2);
	ck_assert_int_eq(p.v[0].op, '-');
	plan_free(&p);
	ck_assert_ptr_null(slurp("wg0.sysctl"));
	/* so that a later, deliberate ip_forward = 1 survives the next flush */
	put("net/ipv4/ip_forward", 1);
	ck_assert_int_eq(run_stage(NULL, &p), 0);
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 1);
}
END_TEST

START_TEST(rollback_restores_values_and_record)
{
	struct sysctl_state *old = NULL, *want = NULL, *cur = NULL;
	struct wgb_err e = { 0 };

	put("net/ipv4/conf/wg0/rp_filter", 0);
	ck_assert_int_eq(stage_sysctl.read(&in, (void **)&old, &e), 0);
	ck_assert_int_eq(stage_sysctl.build(&in, cfg(true), (void **)&want, &e), 0);
	ck_assert_int_eq(stage_sysctl.sync(&in, old, want, &e), 0);
	ck_assert_ptr_nonnull(slurp("wg0.sysctl"));
	/* what the executor does when a later stage fails */
	ck_assert_int_eq(stage_sysctl.read(&in, (void **)&cur, &e), 0);
	ck_assert_int_eq(stage_sysctl.sync(&in, cur, old, &e), 0);
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 0);
	ck_assert_int_eq(get("net/ipv4/conf/wg0/rp_filter"), 0);
	ck_assert_int_eq(get("net/ipv6/conf/all/forwarding"), 0);
	ck_assert_int_eq(get("net/ipv6/conf/default/accept_ra"), 1);
	ck_assert_ptr_null(slurp("wg0.sysctl"));
	sysctl_state_free(old);
	sysctl_state_free(want);
	sysctl_state_free(cur);
}
END_TEST

START_TEST(flush_hands_shared_originals_to_another_instance)
{
	struct plan p = { 0 };
	FILE *f;
	char file[256];

	put("net/ipv4/conf/wg0/rp_filter", 0);
	ck_assert_int_eq(run_stage(cfg(false), &p), 2);
	plan_free(&p);
	snprintf(file, sizeof(file), "%s/wg1.instance", run);
	f = fopen(file, "w");
	fputs("name=wg1\n", f);
	fclose(f);
	ck_assert_int_eq(run_stage(NULL, &p), 2);
	ck_assert_str_eq(p.v[1].text, "sysctl net.ipv4.ip_forward stays 1 (instance wg1 still uses it)");
	plan_free(&p);
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 1);
	ck_assert_int_eq(get("net/ipv4/conf/wg0/rp_filter"), 0);	/* ours alone */
	ck_assert_ptr_null(slurp("wg0.sysctl"));
	ck_assert_str_eq(slurp("wg1.sysctl"), "net/ipv4/ip_forward=0\n");
}
END_TEST

static void instance_file(const char *name)
{
	char file[256];
	FILE *f;

	snprintf(file, sizeof(file), "%s/%s.instance", run, name);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "name=%s\n", name);
	fclose(f);
}

/* Two instances flushed at once hand the shared originals to each other;
 * the last one to leave restores them. */
START_TEST(concurrent_flushes_restore_the_host)
{
	struct instance wg1 = { .name = "wg1", .table = 51822 };
	struct sysctl_state *l0 = NULL, *w0 = NULL, *l1 = NULL, *w1 = NULL;
	struct wgb_err e = { 0 };
	struct plan p = { 0 };

	put("net/ipv4/conf/wg0/rp_filter", 0);
	put("net/ipv4/conf/wg1/rp_filter", 0);
	instance_file("wg0");
	ck_assert_int_eq(run_stage(cfg(false), &p), 2);	/* wg0 records ip_forward = 0 */
	plan_free(&p);
	instance_file("wg1");
	put("net/ipv4/ip_forward", 0);	/* wg1 finds it off too, records it */
	ck_assert_int_eq(stage_sysctl.read(&wg1, (void **)&l1, &e), 0);
	ck_assert_int_eq(stage_sysctl.build(&wg1, cfg(false), (void **)&w1, &e), 0);
	ck_assert_int_eq(stage_sysctl.sync(&wg1, l1, w1, &e), 0);
	sysctl_state_free(l1);
	sysctl_state_free(w1);

	/* both plan their flush while the other is still there ... */
	ck_assert_int_eq(stage_sysctl.read(&in, (void **)&l0, &e), 0);
	ck_assert_int_eq(stage_sysctl.build(&in, NULL, (void **)&w0, &e), 0);
	ck_assert_int_eq(stage_sysctl.read(&wg1, (void **)&l1, &e), 0);
	ck_assert_int_eq(stage_sysctl.build(&wg1, NULL, (void **)&w1, &e), 0);
	/* ... and both sync before either is gone */
	ck_assert_int_eq(stage_sysctl.sync(&in, l0, w0, &e), 0);
	ck_assert_int_eq(stage_sysctl.sync(&wg1, l1, w1, &e), 0);
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 1);
	ck_assert_int_eq(run_forget(&sysctl_only, &in), 0);
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 1);	/* wg1 still there */
	ck_assert_int_eq(run_forget(&sysctl_only, &wg1), 0);
	ck_assert_int_eq(get("net/ipv4/ip_forward"), 0);
	ck_assert_int_eq(get("net/ipv4/conf/wg0/rp_filter"), 0);
	ck_assert_int_eq(get("net/ipv4/conf/wg1/rp_filter"), 0);
	ck_assert_ptr_null(slurp("wg0.sysctl"));
	ck_assert_ptr_null(slurp("wg1.sysctl"));
	ck_assert_ptr_null(slurp("wg0.instance"));
	sysctl_state_free(l0);
	sysctl_state_free(w0);
	sysctl_state_free(l1);
	sysctl_state_free(w1);
}
END_TEST

static Suite *sysctl_suite(void)
{
	Suite *s = suite_create("sysctl");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, names_as_sysctl_prints_them);
	tcase_add_test(tc, plan_before_the_link_exists);
	tcase_add_test(tc, apply_records_once_and_flush_restores);
	tcase_add_test(tc, loose_rp_filter_is_left_alone);
	tcase_add_test(tc, flush_forgets_a_value_already_restored);
	tcase_add_test(tc, rollback_restores_values_and_record);
	tcase_add_test(tc, flush_hands_shared_originals_to_another_instance);
	tcase_add_test(tc, concurrent_flushes_restore_the_host);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(sysctl_suite)
