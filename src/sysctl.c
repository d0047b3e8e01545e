// SPDX-License-Identifier: GPL-2.0-only
/* The sysctl stage: see sysctl.h for what it owns and why. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "sysctl.h"

#define IP_FORWARD	"net/ipv4/ip_forward"
#define V6_FORWARDING	"net/ipv6/conf/all/forwarding"
#define V6_CONF		"net/ipv6/conf"

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

static int build_flush(const struct instance *in, struct sysctl_state *s)
{
	struct sysctl_state rec;
	char own[SYSCTL_PATH_MAX], other[IFNAMSIZ];
	size_t i;
	int ret;

	ret = sysctl_record_load(in->name, &rec);
	if (ret < 0)
		return ret;
	snprintf(own, sizeof(own), "net/ipv4/conf/%s/", in->name);
	sysctl_other_instance(in->name, other, sizeof(other));
	/* newest change undone first */
	for (i = rec.n; i-- > 0;) {
		struct sysctl_entry *v = sysctl_state_entry(s, rec.v[i].path);

		if (!v) {
			ret = -ENOMEM;
			break;
		}
		v->rec = SYSCTL_REC_NONE;
		if (other[0] && strncmp(v->path, own, strlen(own))) {
			snprintf(v->handover, sizeof(v->handover), "%s", other);
			v->orig = rec.v[i].orig;
		} else {
			v->present = true;
			v->value = rec.v[i].orig;
		}
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
static int write_order(const struct sysctl_entry *v)
{
	if (!is_accept_ra(v->path))
		return 1;
	return v->value == 2 ? 0 : 2;
}

static int give_record(const char *to, const struct sysctl_entry *v)
{
	struct sysctl_state rec;
	struct sysctl_entry *r;
	int ret;

	ret = sysctl_record_load(to, &rec);
	if (ret < 0)
		return ret;
	if (!sysctl_state_find(&rec, v->path)) {
		if (!(r = sysctl_state_entry(&rec, v->path)))
			ret = -ENOMEM;
		else {
			r->rec = SYSCTL_REC_SET;
			r->orig = v->orig;
			ret = sysctl_record_save(to, &rec);
		}
	}
	free(rec.v);
	return ret;
}

/*
 * Under the records lock: works out which values to write (against the
 * values as they are now: a link created by this run has sysctls the plan
 * could not read), records each original before its first change, hands
 * records over, and saves the record before any write.
 */
static int plan_writes(const struct instance *in, const struct sysctl_state *t,
		       bool *write, struct wgb_err *e)
{
	struct sysctl_state rec = { 0 };
	const struct sysctl_entry *v;
	struct sysctl_entry *r;
	char name[SYSCTL_PATH_MAX];
	int ret, cur;
	size_t i;

	ret = sysctl_record_load(in->name, &rec);
	if (ret < 0)
		return err_kernel(e, ret, NULL, "sysctl: cannot read the record of original values");
	for (i = 0; i < t->n; ++i) {
		v = &t->v[i];
		sysctl_name(v->path, name, sizeof(name));
		if (v->handover[0] && (ret = give_record(v->handover, v)) < 0) {
			err_kernel(e, ret, NULL, "sysctl %s: cannot hand its original value to instance %s",
				   name, v->handover);
			goto out;
		}
		if (v->present) {
			ret = sysctl_proc_read(v->path, &cur);
			if (ret == -ENOENT && v->rec != SYSCTL_REC_KEEP) {
				ret = 0;	/* gone with its link: nothing to restore */
			} else if (ret < 0) {
				err_kernel(e, ret, NULL, "sysctl %s", name);
				goto out;
			} else if (cur != v->value) {
				write[i] = true;
				if (v->rec == SYSCTL_REC_KEEP && !sysctl_state_find(&rec, v->path)) {
					if (!(r = sysctl_state_entry(&rec, v->path)))
						goto nomem;
					r->rec = SYSCTL_REC_SET;
					r->orig = cur;
				}
			}
		}
		if (v->rec == SYSCTL_REC_NONE) {
			sysctl_state_drop(&rec, v->path);
		} else if (v->rec == SYSCTL_REC_SET) {
			if (!(r = sysctl_state_entry(&rec, v->path)))
				goto nomem;
			r->rec = SYSCTL_REC_SET;
			r->orig = v->orig;
		}
	}
	ret = sysctl_record_save(in->name, &rec);
	if (ret < 0)
		err_kernel(e, ret, NULL, "sysctl: cannot record the original values");
	goto out;
nomem:
	ret = err_set(e, -ENOMEM, "sysctl: out of memory");
out:
	free(rec.v);
	return ret;
}

static int sysctl_sync(const struct instance *in, const void *from, const void *to,
		       struct wgb_err *e)
{
	const struct sysctl_state *t = to;
	const struct sysctl_entry *v;
	char name[SYSCTL_PATH_MAX];
	bool *write;
	int ret, lock, pass;
	size_t i;

	write = calloc(t->n + 1, sizeof(*write));
	if (!write)
		return err_set(e, -ENOMEM, "sysctl: out of memory");
	lock = sysctl_records_lock();
	if (lock < 0) {
		ret = err_kernel(e, lock, NULL, "sysctl: cannot lock the records of original values");
		goto out;
	}
	ret = plan_writes(in, t, write, e);
	sysctl_records_unlock(lock);
	for (pass = 0; !ret && pass < 3; ++pass) {
		for (i = 0; !ret && i < t->n; ++i) {
			v = &t->v[i];
			if (!write[i] || write_order(v) != pass)
				continue;
			sysctl_name(v->path, name, sizeof(name));
			if ((ret = fault_inject("sysctl:write")) < 0)
				err_set(e, ret, "sysctl %s: injected failure (WGBASTION_FAIL_AT)", name);
			else if ((ret = sysctl_proc_write(v->path, v->value)) < 0)
				err_kernel(e, ret, NULL, "sysctl %s = %d", name, v->value);
		}
	}
out:
	/* on failure the executor re-reads and syncs back to the old state,
	 * record included */
	free(write);
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
};
