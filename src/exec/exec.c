// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"

static const struct stage *const order[N_STAGES] = {
	&stage_wg, &stage_nft, &stage_route, &stage_sysctl,
};

int fault_inject(const char *point)
{
#ifdef WGB_TESTING
	/* One failure per run: the rollback that follows must not trip on
	 * the same point, or it could not restore what it should. */
	static bool fired;
	const char *at = getenv("WGBASTION_FAIL_AT");

	if (!fired && at && !strcmp(at, point)) {
		fired = true;
		return -EIO;
	}
#else
	(void)point;
#endif
	return 0;
}

int run_plan(struct run *r, const struct instance *in,
	     const struct wgb_config *cfg, struct plan *p, struct wgb_err *e)
{
	struct stage_run *s;
	size_t i;
	int ret;

	memset(r, 0, sizeof(*r));
	r->in = *in;
	/* r->s is in the order run_apply syncs: a flush goes last to first
	 * (the link must outlive the routes through it), and its plan reads
	 * in that order too. */
	for (i = 0; i < N_STAGES; ++i) {
		const struct stage *st = order[cfg ? i : N_STAGES - 1 - i];

		s = &r->s[r->n++];
		s->st = st;
		ret = s->st->read(&r->in, &s->old, e);
		if (ret < 0)
			return ret;
		ret = s->st->build(&r->in, cfg, &s->want, e);
		if (ret < 0)
			return ret;
		ret = s->st->diff(s->old, s->want, p);
		if (ret < 0)
			return err_set(e, ret, "%s: cannot compute the changes", s->st->name);
		s->changes = ret;
	}
	return 0;
}

int run_apply(struct run *r, struct wgb_err *e)
{
	struct stage_run *s;
	size_t i;
	int ret;

	for (i = 0; i < r->n; ++i) {
		s = &r->s[i];
		if (!s->changes)
			continue;
		s->touched = true;
		ret = s->st->sync(&r->in, s->old, s->want, e);
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

void run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; ++i) {
		r->s[i].st->free(r->s[i].old);
		r->s[i].st->free(r->s[i].want);
	}
	memset(r, 0, sizeof(*r));
}
