// SPDX-License-Identifier: GPL-2.0-only
/*
 * The executor on fake stages: each owns one number in a fake kernel and
 * writes down every sync it is asked for, so the tests see the order of
 * the syncs, what a failure leaves behind, and what the rollback does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/rundir.h"
#include "exec/exec.h"
#include "unit.h"

#define N 4

static const char *const names[N] = { "a", "b", "c", "d" };
static int kernel[N];		/* the live value of each stage */
static int want[N];		/* what build asks for (flush: 0) */
static int fail_at[N];		/* fail the stage's n-th sync (0: never) */
static int syncs[N];		/* syncs asked of each stage so far */
static int unreadable = -1;	/* a stage whose read fails */
static char log_[512];		/* "a0>1 b0>1 ..." one entry per sync */
static char calls[64];		/* "B0 B1 R0 ...": builds and reads, in order */

static void called(char what, int i)
{
	size_t n = strlen(calls);

	snprintf(calls + n, sizeof(calls) - n, "%c%d ", what, i);
}

struct fake {
	int value;
};

static int fake_read(int i, void **out, struct wgb_err *e)
{
	struct fake *f;

	called('R', i);
	if (i == unreadable)
		return err_set(e, -EACCES, "%s: cannot read", names[i]);
	f = calloc(1, sizeof(*f));
	ck_assert_ptr_nonnull(f);
	f->value = kernel[i];
	*out = f;
	return 0;
}

static int fake_build(int i, const struct wgb_config *cfg, void **out)
{
	struct fake *f = calloc(1, sizeof(*f));

	called('B', i);
	ck_assert_ptr_nonnull(f);
	f->value = cfg ? want[i] : 0;
	*out = f;
	return 0;
}

static int fake_diff(int i, const void *from, const void *to, struct plan *p)
{
	const struct fake *a = from, *b = to;

	if (a->value == b->value)
		return 0;
	ck_assert_int_eq(plan_add(p, '~', "%s %d -> %d", names[i], a->value, b->value), 0);
	return 1;
}

#define HALF_WAY 99

/* Takes effect; or, when told to fail, stops half way (the kernel holds
 * HALF_WAY), as a stage that failed in the middle of its own messages
 * leaves it for the rollback to repair. */
static int fake_sync(int i, const void *from, const void *to, struct wgb_err *e)
{
	const struct fake *a = from, *b = to;
	size_t n = strlen(log_);

	snprintf(log_ + n, sizeof(log_) - n, "%s%d>%d ", names[i], a->value, b->value);
	if (++syncs[i] == fail_at[i]) {
		kernel[i] = HALF_WAY;
		return err_set(e, -EIO, "%s: sync %d failed", names[i], syncs[i]);
	}
	kernel[i] = b->value;
	return 0;
}

static int forgot[N], forget_order[N], n_forgot;

static int fake_forget(int i)
{
	forgot[i]++;
	forget_order[n_forgot++] = i;
	return 0;
}

#define FAKE_STAGE(i)								\
static int read_##i(const struct instance *in, void **s, struct wgb_err *e)	\
{ return fake_read(i, s, e); }							\
static int build_##i(const struct instance *in, const struct wgb_config *c,	\
		     void **s, struct wgb_err *e)				\
{ return fake_build(i, c, s); }							\
static int diff_##i(const void *f, const void *t, struct plan *p)		\
{ return fake_diff(i, f, t, p); }						\
static int sync_##i(const struct instance *in, const void *f, const void *t,	\
		    struct wgb_err *e)						\
{ return fake_sync(i, f, t, e); }

FAKE_STAGE(0)
FAKE_STAGE(1)
FAKE_STAGE(2)
FAKE_STAGE(3)

static int forget_1(const struct instance *in)
{
	return fake_forget(1);
}

static int forget_3(const struct instance *in)
{
	return fake_forget(3);
}

#define STAGE(i, fg) { .name = names[i], .read = read_##i, .build = build_##i,	\
		       .diff = diff_##i, .sync = sync_##i, .free = free, .forget = fg }

/* b and d keep something outside the kernel, a and c do not */
static const struct stage fakes[N] = {
	STAGE(0, NULL), STAGE(1, forget_1), STAGE(2, NULL), STAGE(3, forget_3),
};
static const struct stage *const order[N] = { &fakes[0], &fakes[1], &fakes[2], &fakes[3] };
static const struct stage_list stages = { order, N };

static const struct instance in = { .name = "wgt0" };
static struct wgb_config cfg;	/* non-NULL is all build looks at */

static void setup(void)
{
	memset(kernel, 0, sizeof(kernel));
	memset(fail_at, 0, sizeof(fail_at));
	memset(syncs, 0, sizeof(syncs));
	memset(forgot, 0, sizeof(forgot));
	n_forgot = 0;
	unreadable = -1;
	log_[0] = '\0';
	calls[0] = '\0';
	for (int i = 0; i < N; ++i)
		want[i] = 1;
}

/* plan and apply as `wgbastion apply` does; returns run_apply's result */
static int apply(const struct wgb_config *c, struct wgb_err *e, size_t *lines)
{
	struct plan p = { 0 };
	struct run r = { 0 };
	int ret;

	ck_assert_int_eq(run_plan(&r, &stages, &in, c, &p, e), 0);
	if (lines)
		*lines = p.n;
	ret = run_apply(&r, e);
	run_free(&r);
	plan_free(&p);
	return ret;
}

/* run_build builds every stage before run_diff reads any (apply frees
 * the config's forwards between them); together they are run_plan. */
START_TEST(build_then_diff_is_the_plan)
{
	struct plan p = { 0 }, q = { 0 };
	struct run r = { 0 }, s = { 0 };
	struct wgb_err e = { 0 };

	want[1] = 5;
	want[3] = 7;
	ck_assert_int_eq(run_build(&r, &stages, &in, &cfg, 0, &e), 0);
	ck_assert_str_eq(calls, "B0 B1 B2 B3 ");
	ck_assert_uint_eq(p.n, 0);
	ck_assert_int_eq(run_diff(&r, &p, &e), 0);
	ck_assert_str_eq(calls, "B0 B1 B2 B3 R0 R1 R2 R3 ");
	ck_assert_int_eq(run_plan(&s, &stages, &in, &cfg, &q, &e), 0);
	ck_assert_uint_eq(p.n, 4);
	ck_assert_uint_eq(p.n, q.n);
	for (size_t i = 0; i < p.n; ++i)
		ck_assert_str_eq(p.v[i].text, q.v[i].text);
	for (size_t i = 0; i < N; ++i)
		ck_assert_int_eq(r.s[i].changes, s.s[i].changes);
	ck_assert_int_eq(run_apply(&r, &e), 0);
	ck_assert_str_eq(log_, "a0>1 b0>5 c0>1 d0>7 ");
	run_free(&r);
	run_free(&s);
	plan_free(&p);
	plan_free(&q);
}
END_TEST

START_TEST(apply_syncs_in_order)
{
	struct wgb_err e = { 0 };
	size_t lines;

	ck_assert_int_eq(apply(&cfg, &e, &lines), 0);
	ck_assert_uint_eq(lines, N);
	ck_assert_str_eq(log_, "a0>1 b0>1 c0>1 d0>1 ");
	for (int i = 0; i < N; ++i)
		ck_assert_int_eq(kernel[i], 1);
}
END_TEST

/* A failure at stage k: the stages before it and k itself are put back,
 * last to first, each from what a fresh read finds (k: half way); the
 * stages after it are never touched. */
START_TEST(failure_rolls_back_in_reverse)
{
	static const char *const expect[N] = {
		"a0>1 a99>0 ",
		"a0>1 b0>1 b99>0 a1>0 ",
		"a0>1 b0>1 c0>1 c99>0 b1>0 a1>0 ",
		"a0>1 b0>1 c0>1 d0>1 d99>0 c1>0 b1>0 a1>0 ",
	};
	struct wgb_err e = { 0 };
	char msg[64];
	int k = _i;

	fail_at[k] = 1;
	ck_assert_int_eq(apply(&cfg, &e, NULL), -EIO);
	snprintf(msg, sizeof(msg), "%s: sync 1 failed", names[k]);
	ck_assert_str_eq(e.msg, msg);	/* the cause, and nothing more */
	ck_assert_str_eq(log_, expect[k]);
	for (int i = 0; i < N; ++i)
		ck_assert_int_eq(kernel[i], 0);
}
END_TEST

START_TEST(failed_rollback_reports_both_causes)
{
	struct wgb_err e = { 0 };

	fail_at[2] = 1;		/* c fails on the way ... */
	fail_at[1] = 2;		/* ... and b cannot be put back */
	ck_assert_int_eq(apply(&cfg, &e, NULL), -EIO);
	ck_assert_str_eq(e.msg, "c: sync 1 failed; the rollback failed too: b: sync 2 failed");
	/* the rollback went on past b: a is back, d never moved */
	ck_assert_str_eq(log_, "a0>1 b0>1 c0>1 c99>0 b1>0 a1>0 ");
	ck_assert_int_eq(kernel[0], 0);
	ck_assert_int_eq(kernel[1], HALF_WAY);
	ck_assert_int_eq(kernel[2], 0);
	ck_assert_int_eq(kernel[3], 0);
}
END_TEST

START_TEST(rollback_on_demand_puts_back_what_was_touched)
{
	struct wgb_err e = { 0 };
	struct plan p = { 0 };
	struct run r = { 0 };

	/* apply --confirm that is not confirmed */
	want[2] = 0;
	ck_assert_int_eq(run_plan(&r, &stages, &in, &cfg, &p, &e), 0);
	ck_assert_int_eq(run_apply(&r, &e), 0);
	ck_assert(!run_undone(&r));
	ck_assert_int_eq(run_rollback(&r, &e), 0);
	ck_assert(run_undone(&r));
	ck_assert_str_eq(log_, "a0>1 b0>1 d0>1 d1>0 b1>0 a1>0 ");
	run_free(&r);
	plan_free(&p);
}
END_TEST

START_TEST(flush_runs_the_stages_backwards)
{
	struct wgb_err e = { 0 };
	struct plan p = { 0 };
	struct run r = { 0 };

	for (int i = 0; i < N; ++i)
		kernel[i] = 5;
	ck_assert_int_eq(run_plan(&r, &stages, &in, NULL, &p, &e), 0);
	ck_assert_uint_eq(p.n, N);
	/* the plan reads in the order the flush goes */
	ck_assert_str_eq(p.v[0].text, "d 5 -> 0");
	ck_assert_str_eq(p.v[3].text, "a 5 -> 0");
	ck_assert_int_eq(run_apply(&r, &e), 0);
	ck_assert_str_eq(log_, "d5>0 c5>0 b5>0 a5>0 ");
	run_free(&r);
	plan_free(&p);
}
END_TEST

START_TEST(unchanged_stage_is_never_synced)
{
	struct wgb_err e = { 0 };

	kernel[1] = 1;		/* b is as wanted already */
	fail_at[3] = 1;		/* and d fails: the rollback skips b too */
	ck_assert_int_eq(apply(&cfg, &e, NULL), -EIO);
	ck_assert_str_eq(log_, "a0>1 c0>1 d0>1 d99>0 c1>0 a1>0 ");
	ck_assert_int_eq(syncs[1], 0);
	ck_assert_int_eq(kernel[1], 1);
}
END_TEST

START_TEST(nothing_to_do_syncs_nothing)
{
	struct wgb_err e = { 0 };
	size_t lines;

	for (int i = 0; i < N; ++i)
		kernel[i] = 1;
	ck_assert_int_eq(apply(&cfg, &e, &lines), 0);
	ck_assert_uint_eq(lines, 0);
	ck_assert_str_eq(log_, "");
}
END_TEST

START_TEST(read_shows_every_readable_stage)
{
	struct wgb_err e = { 0 };
	struct run r = { 0 };

	kernel[0] = 7;
	kernel[3] = 9;
	unreadable = 1;
	ck_assert_int_eq(run_read(&r, &stages, &in, &e), -EACCES);
	ck_assert_str_eq(e.msg, "b: cannot read");
	ck_assert_int_eq(((const struct fake *)run_live(&r, &fakes[0]))->value, 7);
	ck_assert_ptr_null(run_live(&r, &fakes[1]));
	ck_assert_int_eq(((const struct fake *)run_live(&r, &fakes[3]))->value, 9);
	ck_assert_ptr_null(run_want(&r, &fakes[3]));
	run_free(&r);
}
END_TEST

START_TEST(forget_drops_the_record_and_asks_the_stages)
{
	struct wgb_err e = { 0 };
	struct instance back;

	rundir_override = unit_dir;
	ck_assert_int_eq(rundir_save_instance(&in, "/etc/wgbastion/test.conf", &e), 0);
	ck_assert(rundir_has_instance(in.name));
	ck_assert_int_eq(run_forget(&stages, &in), 0);
	ck_assert(!rundir_has_instance(in.name));
	ck_assert_int_eq(rundir_find_instance("/etc/wgbastion/test.conf", &back), -ENOENT);
	/* only the stages that keep something, last to first */
	ck_assert_int_eq(n_forgot, 2);
	ck_assert_int_eq(forget_order[0], 3);
	ck_assert_int_eq(forget_order[1], 1);
	rundir_override = NULL;
}
END_TEST

static Suite *exec_suite(void)
{
	Suite *s = suite_create("exec");
	TCase *tc = tcase_create("fake stages");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_checked_fixture(tc, unit_tmpdir_setup, unit_tmpdir_teardown);
	tcase_add_test(tc, build_then_diff_is_the_plan);
	tcase_add_test(tc, apply_syncs_in_order);
	tcase_add_loop_test(tc, failure_rolls_back_in_reverse, 0, N);
	tcase_add_test(tc, failed_rollback_reports_both_causes);
	tcase_add_test(tc, rollback_on_demand_puts_back_what_was_touched);
	tcase_add_test(tc, flush_runs_the_stages_backwards);
	tcase_add_test(tc, unchanged_stage_is_never_synced);
	tcase_add_test(tc, nothing_to_do_syncs_nothing);
	tcase_add_test(tc, read_shows_every_readable_stage);
	tcase_add_test(tc, forget_drops_the_record_and_asks_the_stages);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(exec_suite)
