// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rundir.h"
#include "exec.h"
#include "lib/err.h"
#include "lib/fault.h"
#include "lib/human.h"

static int run_start(struct run *r, const struct stage_list *stages,
		     const struct instance *in, struct wgb_err *e)
{
	memset(r, 0, sizeof(*r));
	r->in = *in;
	r->s = calloc(stages->n ? stages->n : 1, sizeof(*r->s));
	if (!r->s)
		return err_set(e, -ENOMEM, "out of memory");
	return 0;
}

int run_plan(struct run *r, const struct stage_list *stages, const struct instance *in,
	     const struct wgb_config *cfg, struct plan *p, struct wgb_err *e)
{
	return run_plan_opt(r, stages, in, cfg, p, 0, e);
}

int run_plan_opt(struct run *r, const struct stage_list *stages, const struct instance *in,
		 const struct wgb_config *cfg, struct plan *p, unsigned flags,
		 struct wgb_err *e)
{
	int ret = run_build(r, stages, in, cfg, flags, e);

	return ret < 0 ? ret : run_diff(r, p, e);
}

int run_build(struct run *r, const struct stage_list *stages, const struct instance *in,
	     const struct wgb_config *cfg, unsigned flags, struct wgb_err *e)
{
	struct stage_run *s;
	struct timespec t;
	double ms;
	size_t i;
	int ret;

	ret = run_start(r, stages, in, e);
	if (ret < 0)
		return ret;
	r->flags = cfg ? flags : 0;
	/* r->s is in the order run_apply syncs: a flush goes last to first
	 * (the link must outlive the routes through it), and its plan reads
	 * in that order too. */
	for (i = 0; i < stages->n; ++i) {
		s = &r->s[r->n++];
		s->st = stages->v[cfg ? i : stages->n - 1 - i];
		human_lap_start(&t);
		ret = s->st->build(&r->in, cfg, &s->want, e);
		if (ret < 0)
			return ret;
		ms = human_lap(&t);
		if (cfg && (flags & RUN_TRUST_RECORDS) && s->st->unchanged) {
			bool same = s->st->unchanged(&r->in, s->want) == 1;

			debugx("%s: built in %.2f ms, held against its record in %.2f ms%s",
			       s->st->name, ms, human_lap(&t), same ? ": in sync" : "");
			if (same) {
				s->old_is_want = true;	/* in sync, and not read back */
				continue;
			}
		} else {
			debugx("%s: built in %.2f ms", s->st->name, ms);
		}
		/* a config read in part (config_load_known) is good only where
		 * a record vouched for the part not read */
		if (cfg && cfg->elided && s->st->unchanged)
			return err_set(e, -ESTALE, "%s: the config must be read whole", s->st->name);
	}
	return 0;
}

int run_diff(struct run *r, struct plan *p, struct wgb_err *e)
{
	struct stage_run *s;
	struct timespec t;
	double ms;
	size_t i;
	int ret;

	for (i = 0; i < r->n; ++i) {
		bool recalled;

		s = &r->s[i];
		if (s->old_is_want)
			continue;
		human_lap_start(&t);
		recalled = (r->flags & RUN_TRUST_RECORDS) && s->st->recall &&
			   s->st->recall(&r->in, s->want, &s->old) == 1;
		/* recalled: as the stage left it, not read back */
		ret = recalled ? 0 : s->st->read(&r->in, &s->old, e);
		if (ret < 0)
			return ret;
		ms = human_lap(&t);
		ret = s->st->diff(s->old, s->want, p);
		if (ret < 0)
			return err_set(e, ret, "%s: cannot compute the changes", s->st->name);
		s->changes = ret;
		debugx("%s: %s in %.2f ms, compared in %.2f ms: %d change%s", s->st->name,
		       recalled ? "recalled" : "read", ms, human_lap(&t), ret, ret == 1 ? "" : "s");
	}
	return 0;
}

int run_read(struct run *r, const struct stage_list *stages, const struct instance *in,
	     struct wgb_err *e)
{
	struct timespec t;
	size_t i;
	int ret, first;

	first = run_start(r, stages, in, e);
	if (first < 0)
		return first;
	for (i = 0; i < stages->n; ++i) {
		struct stage_run *s = &r->s[r->n++];

		s->st = stages->v[i];
		human_lap_start(&t);
		ret = s->st->read(&r->in, &s->old, e);
		if (ret < 0 && !first)
			first = ret;
		else if (ret >= 0)
			debugx("%s: read in %.2f ms", s->st->name, human_lap(&t));
	}
	return first;
}

int run_apply(struct run *r, struct wgb_err *e)
{
	struct stage_run *s;
	struct timespec t;
	size_t i;
	int ret;

	for (i = 0; i < r->n; ++i) {
		s = &r->s[i];
		if (!s->changes)
			continue;
		s->touched = true;
		human_lap_start(&t);
		ret = s->st->sync(&r->in, s->old, s->want, e);
		if (!ret)
			debugx("%s: synced in %.2f ms", s->st->name, human_lap(&t));
		if (!ret && (ret = fault_inject(s->st->name)) < 0)
			err_set(e, ret, "%s: injected failure (WGBASTION_FAIL_AT)", s->st->name);
		if (ret < 0) {
			struct wgb_err re = { 0 };
			size_t n;

			/* e holds the first cause; a failed rollback is said after it */
			if (run_rollback(r, &re) < 0 && e) {
				n = strlen(e->msg);
				snprintf(e->msg + n, sizeof(e->msg) - n,
					 "; the rollback failed too: %s", re.msg);
			}
			return ret;
		}
	}
	return 0;
}

int run_rollback(struct run *r, struct wgb_err *e)
{
	struct stage_run *s;
	void *cur;
	size_t i;
	int ret, first = 0;

	for (i = r->n; i-- > 0;) {
		s = &r->s[i];
		if (!s->touched)
			continue;
		cur = NULL;
		ret = s->st->read(&r->in, &cur, e);
		if (!ret)
			ret = s->st->sync(&r->in, cur, s->old, e);
		s->st->free(cur);
		if (ret < 0 && !first)
			first = ret;
		if (!ret)
			s->touched = false;
	}
	return first;
}

bool run_undone(const struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; ++i)
		if (r->s[i].touched)
			return false;
	return true;
}

static const struct stage_run *run_find(const struct run *r, const struct stage *st)
{
	size_t i;

	for (i = 0; r && i < r->n; ++i)
		if (r->s[i].st == st)
			return &r->s[i];
	return NULL;
}

const void *run_live(const struct run *r, const struct stage *st)
{
	const struct stage_run *s = run_find(r, st);

	return s ? (s->old_is_want ? s->want : s->old) : NULL;
}

const void *run_want(const struct run *r, const struct stage *st)
{
	const struct stage_run *s = run_find(r, st);

	return s ? s->want : NULL;
}

void run_settle(struct run *r)
{
	struct timespec t;
	size_t i;

	for (i = 0; i < r->n; ++i)
		if (r->s[i].st->settled && r->s[i].want) {
			human_lap_start(&t);
			r->s[i].st->settled(&r->in, r->s[i].old, r->s[i].want);
			debugx("%s: records kept in %.2f ms", r->s[i].st->name, human_lap(&t));
		}
}

void run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; ++i) {
		r->s[i].st->free(r->s[i].old);
		r->s[i].st->free(r->s[i].want);
	}
	free(r->s);
	memset(r, 0, sizeof(*r));
}

int run_forget(const struct stage_list *stages, const struct instance *in)
{
	size_t i;
	int lock, ret, first = 0;

	/* Under the records lock, so that no instance flushing at the same
	 * time hands this one anything once its record is gone; and the
	 * stages forget in reverse order, as a flush runs. */
	lock = rundir_records_lock();
	rundir_forget_instance(in->name);
	for (i = stages->n; i-- > 0;) {
		if (!stages->v[i]->forget)
			continue;
		ret = stages->v[i]->forget(in);
		if (ret < 0 && !first)
			first = ret;
	}
	rundir_unlock(lock);
	return first;
}
