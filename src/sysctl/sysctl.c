// SPDX-License-Identifier: GPL-2.0-only
/* The sysctl stage: see sysctl.h for what it owns and why. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rundir.h"
#include "lib/fault.h"
#include "lib/warn.h"
#include "sysctl.h"


/* --- read and build ------------------------------------------------------------ */

static int read_into(struct sysctl_state *s, const char *path)
{
	struct sysctl_entry *v = sysctl_state_entry(s, path);
	int ret;

	if (!v)
		return -ENOMEM;
	ret = sysctl_proc_read(path, &v->value);
	v->present = ret == 0;
	return ret == -ENOENT ? 0 : ret;
}

int sysctl_state_read(const struct instance *in, struct sysctl_state **out,
		      struct wgb_err *e)
{
	struct sysctl_state *s, rec = { 0 };
	char path[SYSCTL_PATH_MAX], **ifs = NULL, name[SYSCTL_PATH_MAX];
	size_t i, n = 0;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(e, -ENOMEM, "sysctl: out of memory");
	snprintf(path, sizeof(path), "net/ipv4/conf/%s/rp_filter", in->name);
	if ((ret = read_into(s, IP_FORWARD)) < 0 || (ret = read_into(s, path)) < 0 ||
	    (ret = read_into(s, V6_FORWARDING)) < 0)
		goto fail;
	ret = sysctl_v6_ifaces(in->name, &ifs, &n);
	if (ret == -ENOENT)	/* IPv6 disabled */
		ret = 0;
	for (i = 0; !ret && i < n; ++i) {
		snprintf(path, sizeof(path), V6_CONF "/%s/accept_ra", ifs[i]);
		ret = read_into(s, path);
	}
	if (ret < 0)
		goto fail;
	ret = sysctl_record_load(in->name, &rec);
	if (ret == -EACCES)	/* a dry run without privileges: values only */
		ret = 0;
	if (ret < 0) {
		snprintf(path, sizeof(path), "%s", "the record of original values");
		goto fail;
	}
	for (i = 0; i < rec.n; ++i) {
		struct sysctl_entry *v;

		snprintf(path, sizeof(path), "%s", rec.v[i].path);
		if ((ret = read_into(s, path)) < 0)
			goto fail;
		v = sysctl_state_entry(s, path);
		v->rec = SYSCTL_REC_SET;
		v->orig = rec.v[i].orig;
	}
	free(rec.v);
	sysctl_names_free(ifs, n);
	*out = s;
	return 0;
fail:
	sysctl_name(path, name, sizeof(name));
	free(rec.v);
	sysctl_names_free(ifs, n);
	sysctl_state_free(s);
	return err_kernel(e, ret, NULL, "sysctl: cannot read %s", name);
}

static int want(struct sysctl_state *s, const char *path, int value)
{
	struct sysctl_entry *v = sysctl_state_entry(s, path);

	if (!v)
		return -ENOMEM;
	v->present = true;
	v->value = value;
	v->rec = SYSCTL_REC_KEEP;
	return 0;
}

/* A sysctl of this instance's own link, as opposed to a host-wide one. */
static bool is_own(const struct instance *in, const char *path)
{
	char own[SYSCTL_PATH_MAX];

	snprintf(own, sizeof(own), "net/ipv4/conf/%s/", in->name);
	if (!strncmp(path, own, strlen(own)))
		return true;
	snprintf(own, sizeof(own), "net/ipv6/conf/%s/", in->name);
	return !strncmp(path, own, strlen(own));
}

static int build_flush(const struct instance *in, struct sysctl_state *s)
{
	struct sysctl_state rec;
	char other[IFNAMSIZ];
	size_t i;
	int ret;

	ret = sysctl_record_load(in->name, &rec);
	if (ret < 0)
		return ret;
	rundir_other_instance(in->name, other, sizeof(other));
	/* newest change undone first */
	for (i = rec.n; i-- > 0;) {
		struct sysctl_entry *v = sysctl_state_entry(s, rec.v[i].path);

		if (!v) {
			ret = -ENOMEM;
			break;
		}
		v->present = true;
		v->value = v->orig = rec.v[i].orig;
		v->rec = SYSCTL_REC_NONE;
		v->shared = !is_own(in, v->path);
		if (v->shared)
			snprintf(v->handover, sizeof(v->handover), "%s", other);
	}
	free(rec.v);
	return ret;
}

int sysctl_state_build(const struct instance *in, const struct wgb_config *cfg,
		       struct sysctl_state **out, struct wgb_err *e)
{
	char path[SYSCTL_PATH_MAX], **ifs = NULL;
	struct sysctl_state *s;
	int all = 0, tun, ra, ret;
	size_t i, n = 0;

	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(e, -ENOMEM, "sysctl: out of memory");
	if (!cfg) {
		ret = build_flush(in, s);
		if (ret < 0)
			err_kernel(e, ret, NULL, "sysctl: cannot read the record of original values");
		goto out;
	}
	if ((ret = want(s, IP_FORWARD, 1)) < 0)
		goto nomem;

	/* The kernel filters with max(all, NAME). A link that does not exist
	 * yet will start with conf.default's value. */
	sysctl_proc_read("net/ipv4/conf/all/rp_filter", &all);
	snprintf(path, sizeof(path), "net/ipv4/conf/%s/rp_filter", in->name);
	if (sysctl_proc_read(path, &tun) < 0 && sysctl_proc_read("net/ipv4/conf/default/rp_filter", &tun) < 0)
		tun = 0;
	if ((all > tun ? all : tun) == 1 && (ret = want(s, path, 2)) < 0)
		goto nomem;

	if (cfg->uses_ipv6) {
		ret = sysctl_v6_ifaces(in->name, &ifs, &n);
		if (ret < 0) {
			err_kernel(e, ret, NULL, "sysctl: IPv6 is used by the config, but %s",
				   ret == -ENOENT ? "this host has IPv6 disabled" : "net.ipv6.conf cannot be read");
			goto out;
		}
		/* With forwarding on, accept_ra = 1 stops taking router
		 * advertisements; 2 keeps taking them. */
		for (i = 0; i < n; ++i) {
			snprintf(path, sizeof(path), V6_CONF "/%s/accept_ra", ifs[i]);
			if (sysctl_proc_read(path, &ra) == 0 && ra == 1 && (ret = want(s, path, 2)) < 0)
				goto nomem;
		}
		if ((ret = want(s, V6_FORWARDING, 1)) < 0)
			goto nomem;
	}
	ret = 0;
	goto out;
nomem:
	ret = err_set(e, -ENOMEM, "sysctl: out of memory");
out:
	sysctl_names_free(ifs, n);
	if (ret < 0) {
		sysctl_state_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

/* --- the stage ----------------------------------------------------------------- */

static int sysctl_read(const struct instance *in, void **state, struct wgb_err *e)
{
	return sysctl_state_read(in, (struct sysctl_state **)state, e);
}

static int sysctl_build(const struct instance *in, const struct wgb_config *cfg,
			void **state, struct wgb_err *e)
{
	return sysctl_state_build(in, cfg, (struct sysctl_state **)state, e);
}

static int sysctl_diff(const void *from, const void *to, struct plan *p)
{
	const struct sysctl_state *f = from, *t = to;
	const struct sysctl_entry *a, *b;
	char name[SYSCTL_PATH_MAX];
	int n = 0, ret = 0;
	size_t i;

	for (i = 0; !ret && i < t->n; ++i) {
		b = &t->v[i];
		a = sysctl_state_find(f, b->path);
		sysctl_name(b->path, name, sizeof(name));
		if (b->handover[0]) {
			if (a && a->present)
				ret = plan_add(p, '~', "sysctl %s stays %d (instance %s still uses it)",
					       name, a->value, b->handover);
			else
				ret = plan_add(p, '~', "sysctl %s: original %d handed to instance %s",
					       name, b->orig, b->handover);
		} else if (b->present && (!a || !a->present)) {
			if (b->rec == SYSCTL_REC_KEEP)	/* a link this run creates */
				ret = plan_add(p, '+', "sysctl %s %d", name, b->value);
			else
				ret = plan_add(p, '-', "sysctl %s: gone, its original %d is forgotten",
					       name, b->value);
		} else if (b->present && a->value != b->value) {
			ret = plan_add(p, '~', "sysctl %s %d -> %d", name, a->value, b->value);
		} else if (b->rec == SYSCTL_REC_NONE && a && a->rec == SYSCTL_REC_SET) {
			ret = plan_add(p, '-', "sysctl %s: already back to %d, its record is forgotten",
				       name, a->orig);
		} else if (b->rec == SYSCTL_REC_SET &&
			   (!a || a->rec != SYSCTL_REC_SET || a->orig != b->orig)) {
			ret = plan_add(p, '~', "sysctl %s: original %d recorded", name, b->orig);
		} else {
			continue;
		}
		n++;
	}
	return ret < 0 ? -ENOMEM : n;
}

static bool is_accept_ra(const char *path)
{
	size_t l = strlen(path);

	return l > 10 && !strcmp(path + l - 10, "/accept_ra");
}

/* Router advertisements stay on through every transition: accept_ra goes
 * to 2 before forwarding comes on, and back to 1 only after it went off. */
static int write_order(const char *path, int value)
{
	if (!is_accept_ra(path))
		return 1;
	return value == 2 ? 0 : 2;
}

/* One value to write, or not. */
struct write {
	bool on;
	int value;
};

static int do_writes(const struct sysctl_state *t, const struct write *w,
		     struct wgb_err *e)
{
	char name[SYSCTL_PATH_MAX];
	int pass, ret = 0;
	size_t i;

	for (pass = 0; !ret && pass < 3; ++pass) {
		for (i = 0; !ret && i < t->n; ++i) {
			if (!w[i].on || write_order(t->v[i].path, w[i].value) != pass)
				continue;
			sysctl_name(t->v[i].path, name, sizeof(name));
			if ((ret = fault_inject("sysctl:write")) < 0)
				err_set(e, ret, "sysctl %s: injected failure (WGBASTION_FAIL_AT)", name);
			else if ((ret = sysctl_proc_write(t->v[i].path, w[i].value)) < 0)
				err_kernel(e, ret, NULL, "sysctl %s = %d", name, w[i].value);
		}
	}
	return ret;
}

/* Gives instance 'to' the original of path, unless it has one already. */
static int give_record(const char *to, const char *path, int orig)
{
	struct sysctl_state rec;
	struct sysctl_entry *r;
	int ret;

	ret = sysctl_record_load(to, &rec);
	if (ret < 0 || sysctl_state_find(&rec, path))
		goto out;
	if (!(r = sysctl_state_entry(&rec, path))) {
		ret = -ENOMEM;
		goto out;
	}
	r->rec = SYSCTL_REC_SET;
	r->orig = orig;
	ret = sysctl_record_save(to, &rec);
out:
	free(rec.v);
	return ret;
}

/* Which value to write for v, against the value as it is now (a link made
 * by this run has sysctls the plan could not read); the record updated to
 * match. A hand-over is decided again here, under the lock: the instance
 * the plan named may have been flushed since. */
static int plan_one(const struct instance *in, const struct sysctl_entry *v,
		    struct sysctl_state *rec, struct write *w, struct wgb_err *e)
{
	char name[SYSCTL_PATH_MAX], other[IFNAMSIZ];
	struct sysctl_entry *r;
	int ret, cur;

	sysctl_name(v->path, name, sizeof(name));
	w->value = v->value;
	if (v->shared) {
		rundir_other_instance(in->name, other, sizeof(other));
		if (other[0]) {
			ret = give_record(other, v->path, v->orig);
			if (ret < 0)
				return err_kernel(e, ret, NULL, "sysctl %s: cannot hand its original value to instance %s",
						  name, other);
			sysctl_state_drop(rec, v->path);
			return 0;
		}
		/* no one left to hand it to: restore it */
	}
	if (!v->present)
		goto record;
	ret = sysctl_proc_read(v->path, &cur);
	if (ret == -ENOENT && v->rec != SYSCTL_REC_KEEP)
		goto record;	/* gone with its link: nothing to restore */
	if (ret < 0)
		return err_kernel(e, ret, NULL, "sysctl %s", name);
	if (cur == w->value)
		goto record;
	w->on = true;
	if (v->rec == SYSCTL_REC_KEEP && !sysctl_state_find(rec, v->path)) {
		if (!(r = sysctl_state_entry(rec, v->path)))
			return err_set(e, -ENOMEM, "sysctl: out of memory");
		r->rec = SYSCTL_REC_SET;
		r->orig = cur;
	}
record:
	if (v->rec == SYSCTL_REC_NONE) {
		sysctl_state_drop(rec, v->path);
	} else if (v->rec == SYSCTL_REC_SET) {
		if (!(r = sysctl_state_entry(rec, v->path)))
			return err_set(e, -ENOMEM, "sysctl: out of memory");
		r->rec = SYSCTL_REC_SET;
		r->orig = v->orig;
	}
	return 0;
}

static int sysctl_sync(const struct instance *in, const void *from, const void *to,
		       struct wgb_err *e)
{
	const struct sysctl_state *t = to;
	struct sysctl_state rec = { 0 };
	struct write *w;
	int ret, lock;
	size_t i;

	w = calloc(t->n + 1, sizeof(*w));
	if (!w)
		return err_set(e, -ENOMEM, "sysctl: out of memory");
	/* The records of every instance are read and written under one lock;
	 * ours is saved before the first write, so an original is never lost. */
	lock = rundir_records_lock();
	if (lock < 0) {
		ret = err_kernel(e, lock, NULL, "sysctl: cannot lock the records of original values");
		goto out;
	}
	ret = sysctl_record_load(in->name, &rec);
	if (ret < 0)
		err_kernel(e, ret, NULL, "sysctl: cannot read the record of original values");
	for (i = 0; !ret && i < t->n; ++i)
		ret = plan_one(in, &t->v[i], &rec, &w[i], e);
	if (!ret && (ret = sysctl_record_save(in->name, &rec)) < 0)
		err_kernel(e, ret, NULL, "sysctl: cannot record the original values");
	rundir_unlock(lock);
	if (!ret)
		ret = do_writes(t, w, e);
out:
	/* on failure the executor re-reads and syncs back to the old state,
	 * record included */
	free(rec.v);
	free(w);
	return ret;
}

/* The instance is gone (its record too, so from now on no one hands it
 * anything): originals handed to it while it was leaving are passed on, or
 * restored. The executor holds the records lock. */
static int sysctl_forget(const struct instance *in)
{
	struct sysctl_state rec = { 0 }, t = { 0 };
	struct write *w = NULL;
	struct wgb_err e = { 0 };
	size_t i;
	int ret;

	ret = sysctl_record_load(in->name, &rec);
	if (ret < 0 || !rec.n)
		goto out;
	/* Handed to us while we were leaving: pass on, or restore. */
	if (!(t.v = calloc(rec.n, sizeof(*t.v))) || !(w = calloc(rec.n, sizeof(*w)))) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < rec.n; ++i) {
		struct sysctl_entry *v = &t.v[t.n++];

		*v = rec.v[rec.n - 1 - i];
		v->present = true;
		v->value = v->orig;
		v->rec = SYSCTL_REC_NONE;
		v->shared = !is_own(in, v->path);
	}
	for (i = 0; !ret && i < t.n; ++i)
		ret = plan_one(in, &t.v[i], &rec, &w[i], &e);
	if (!ret)
		ret = sysctl_record_save(in->name, &rec);
	if (!ret)
		ret = do_writes(&t, w, &e);
	if (ret < 0)
		warning("%s", e.msg[0] ? e.msg : "sysctl: cannot pass on the recorded original values");
out:
	free(rec.v);
	free(t.v);
	free(w);
	return ret;
}

static void sysctl_free(void *state)
{
	sysctl_state_free(state);
}

const struct stage stage_sysctl = {
	.name = "sysctl",
	.read = sysctl_read,
	.build = sysctl_build,
	.diff = sysctl_diff,
	.sync = sysctl_sync,
	.free = sysctl_free,
	.forget = sysctl_forget,
};
