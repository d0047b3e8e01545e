// SPDX-License-Identifier: GPL-2.0-only
/* The sysctl stage: see sysctl.h for what it owns and why. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "state.h"
#include "sysctl.h"

const char *sysctl_root;
const char *sysctl_record_dir;

#define IP_FORWARD	"net/ipv4/ip_forward"
#define V6_FORWARDING	"net/ipv6/conf/all/forwarding"
#define V6_CONF		"net/ipv6/conf"

void sysctl_name(const char *path, char *buf, size_t len)
{
	size_t i;

	for (i = 0; path[i] && i + 1 < len; ++i)
		buf[i] = path[i] == '/' ? '.' : path[i] == '.' ? '/' : path[i];
	if (len)
		buf[i] = '\0';
}

static void proc_path(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, "%s/%s", sysctl_root ? sysctl_root : "/proc/sys", path);
}

/* 0, -ENOENT when there is no such sysctl, or another -errno. */
static int proc_read(const char *path, int *val)
{
	char file[PATH_MAX], buf[32], *end;
	ssize_t n;
	long v;
	int fd;

	proc_path(file, sizeof(file), path);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*val = v;
	return 0;
}

static int proc_write(const char *path, int val)
{
	char file[PATH_MAX], buf[16];
	int fd, len, ret = 0;

	proc_path(file, sizeof(file), path);
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d\n", val);
	if (write(fd, buf, len) != len)
		ret = errno ? -errno : -EIO;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	return ret;
}

/* --- states and the record --------------------------------------------------- */

const struct sysctl_entry *sysctl_state_find(const struct sysctl_state *s,
					     const char *path)
{
	size_t i;

	for (i = 0; s && i < s->n; ++i)
		if (!strcmp(s->v[i].path, path))
			return &s->v[i];
	return NULL;
}

/* The entry for path, appended (zeroed) when there is none; NULL: ENOMEM. */
static struct sysctl_entry *entry(struct sysctl_state *s, const char *path)
{
	struct sysctl_entry *v;

	v = (struct sysctl_entry *)sysctl_state_find(s, path);
	if (v)
		return v;
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	s->v = v;
	v = &s->v[s->n++];
	memset(v, 0, sizeof(*v));
	snprintf(v->path, sizeof(v->path), "%s", path);
	return v;
}

static void drop(struct sysctl_state *s, const char *path)
{
	const struct sysctl_entry *v = sysctl_state_find(s, path);

	if (v) {
		memmove((void *)v, v + 1, (s->v + s->n - v - 1) * sizeof(*v));
		s->n--;
	}
}

void sysctl_state_free(struct sysctl_state *s)
{
	if (s) {
		free(s->v);
		free(s);
	}
}

static int record_file(const char *name, char *buf, size_t len, bool create)
{
	if (sysctl_record_dir) {
		snprintf(buf, len, "%s/%s.sysctl", sysctl_record_dir, name);
		return 0;
	}
	if (create)
		return state_path(buf, len, name, ".sysctl");
	snprintf(buf, len, WGB_RUNDIR "/%s.sysctl", name);
	return 0;
}

int sysctl_record_load(const char *name, struct sysctl_state *rec)
{
	char file[PATH_MAX], line[SYSCTL_PATH_MAX + 32], *eq, *end;
	struct sysctl_entry *v;
	FILE *f;
	long val;
	int ret = 0;

	memset(rec, 0, sizeof(*rec));
	record_file(name, file, sizeof(file), false);
	f = fopen(file, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		eq = strchr(line, '=');
		if (!eq || eq == line || (size_t)(eq - line) >= SYSCTL_PATH_MAX)
			continue;	/* not ours to understand: skip, never guess */
		*eq = '\0';
		errno = 0;
		val = strtol(eq + 1, &end, 10);
		if (errno || end == eq + 1 || *end || val < INT_MIN || val > INT_MAX)
			continue;
		if (!(v = entry(rec, line))) {
			ret = -ENOMEM;
			break;
		}
		v->rec = SYSCTL_REC_SET;
		v->orig = val;
	}
	fclose(f);
	if (ret < 0) {
		free(rec->v);
		memset(rec, 0, sizeof(*rec));
	}
	return ret;
}

int sysctl_record_save(const char *name, const struct sysctl_state *rec)
{
	char file[PATH_MAX], tmp[PATH_MAX + 8];
	size_t i;
	FILE *f;
	int ret;

	ret = record_file(name, file, sizeof(file), true);
	if (ret < 0)
		return ret;
	if (!rec->n)
		return unlink(file) < 0 && errno != ENOENT ? -errno : 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	for (i = 0; i < rec->n; ++i)
		fprintf(f, "%s=%d\n", rec->v[i].path, rec->v[i].orig);
	/* fsync is not needed: /run does not outlive a reboot */
	if (fclose(f) != 0 || rename(tmp, file) < 0) {
		ret = -errno;
		unlink(tmp);
	}
	return ret;
}

static const char *run_dir(void)
{
	return sysctl_record_dir ? sysctl_record_dir : WGB_RUNDIR;
}

/* The link of a wgbastion instance: ours, or another recorded one. */
static bool is_tunnel(const char *self, const char *ifname)
{
	char file[PATH_MAX];

	if (!strcmp(ifname, self))
		return true;
	snprintf(file, sizeof(file), "%s/%s.instance", run_dir(), ifname);
	return access(file, F_OK) == 0;
}

/* Interfaces that may take router advertisements, from net/ipv6/conf,
 * sorted: not "all" (no interface), not lo, not a wgbastion tunnel. */
static int v6_ifaces(const char *self, char ***out, size_t *n)
{
	char dir[PATH_MAX], **v = NULL, **nv;
	struct dirent *d;
	DIR *dh;
	int ret = 0;

	*n = 0;
	proc_path(dir, sizeof(dir), V6_CONF);
	dh = opendir(dir);
	if (!dh)
		return -errno;
	while ((d = readdir(dh))) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "all") || !strcmp(d->d_name, "lo") ||
		    is_tunnel(self, d->d_name))
			continue;
		if (!(nv = realloc(v, (*n + 1) * sizeof(*v))) || !(nv[*n] = strdup(d->d_name))) {
			v = nv ? nv : v;
			ret = -ENOMEM;
			break;
		}
		v = nv;
		(*n)++;
	}
	closedir(dh);
	if (!ret) {
		for (size_t i = 1; i < *n; ++i)	/* insertion sort: a handful of names */
			for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; --j) {
				char *t = v[j];

				v[j] = v[j - 1];
				v[j - 1] = t;
			}
	}
	*out = v;
	return ret;
}

static void names_free(char **v, size_t n)
{
	while (n-- > 0)
		free(v[n]);
	free(v);
}

/* --- read and build ------------------------------------------------------------ */

static int read_into(struct sysctl_state *s, const char *path)
{
	struct sysctl_entry *v = entry(s, path);
	int ret;

	if (!v)
		return -ENOMEM;
	ret = proc_read(path, &v->value);
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
	ret = v6_ifaces(in->name, &ifs, &n);
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
		v = entry(s, path);
		v->rec = SYSCTL_REC_SET;
		v->orig = rec.v[i].orig;
	}
	free(rec.v);
	names_free(ifs, n);
	*out = s;
	return 0;
fail:
	sysctl_name(path, name, sizeof(name));
	free(rec.v);
	names_free(ifs, n);
	sysctl_state_free(s);
	return err_kernel(e, ret, NULL, "sysctl: cannot read %s", name);
}

static int want(struct sysctl_state *s, const char *path, int value)
{
	struct sysctl_entry *v = entry(s, path);

	if (!v)
		return -ENOMEM;
	v->present = true;
	v->value = value;
	v->rec = SYSCTL_REC_KEEP;
	return 0;
}

/* Another instance recorded under the run directory, "" if none. */
static void other_instance(const char *self, char *out, size_t len)
{
	const char *dir = run_dir();
	struct dirent *d;
	size_t l;
	DIR *dh;

	out[0] = '\0';
	dh = opendir(dir);
	if (!dh)
		return;
	while ((d = readdir(dh))) {
		l = strlen(d->d_name);
		if (l <= 9 || l - 9 >= len || strcmp(d->d_name + l - 9, ".instance") ||
		    (!strncmp(d->d_name, self, l - 9) && !self[l - 9]))
			continue;
		memcpy(out, d->d_name, l - 9);
		out[l - 9] = '\0';
		break;
	}
	closedir(dh);
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
	other_instance(in->name, other, sizeof(other));
	/* newest change undone first */
	for (i = rec.n; i-- > 0;) {
		struct sysctl_entry *v = entry(s, rec.v[i].path);

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
	proc_read("net/ipv4/conf/all/rp_filter", &all);
	snprintf(path, sizeof(path), "net/ipv4/conf/%s/rp_filter", in->name);
	if (proc_read(path, &tun) < 0 && proc_read("net/ipv4/conf/default/rp_filter", &tun) < 0)
		tun = 0;
	if ((all > tun ? all : tun) == 1 && (ret = want(s, path, 2)) < 0)
		goto nomem;

	if (cfg->uses_ipv6) {
		ret = v6_ifaces(in->name, &ifs, &n);
		if (ret < 0) {
			err_kernel(e, ret, NULL, "sysctl: IPv6 is used by the config, but %s",
				   ret == -ENOENT ? "this host has IPv6 disabled" : "net.ipv6.conf cannot be read");
			goto out;
		}
		/* With forwarding on, accept_ra = 1 stops taking router
		 * advertisements; 2 keeps taking them. */
		for (i = 0; i < n; ++i) {
			snprintf(path, sizeof(path), V6_CONF "/%s/accept_ra", ifs[i]);
			if (proc_read(path, &ra) == 0 && ra == 1 && (ret = want(s, path, 2)) < 0)
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
	names_free(ifs, n);
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
		if (!(r = entry(&rec, v->path)))
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

static int sysctl_sync(const struct instance *in, const void *from, const void *to,
		       struct wgb_err *e)
{
	const struct sysctl_state *t = to;
	struct sysctl_state rec = { 0 };
	const struct sysctl_entry *v;
	struct sysctl_entry *r;
	char name[SYSCTL_PATH_MAX];
	bool *write = NULL;
	size_t i;
	int ret, cur, pass;

	ret = sysctl_record_load(in->name, &rec);
	if (ret < 0)
		return err_kernel(e, ret, NULL, "sysctl: cannot read the record of original values");
	write = calloc(t->n + 1, sizeof(*write));
	if (!write) {
		ret = err_set(e, -ENOMEM, "sysctl: out of memory");
		goto out;
	}
	/* What to write, against the values as they are now: a link created
	 * by this run has sysctls the plan could not read. */
	for (i = 0; i < t->n; ++i) {
		v = &t->v[i];
		sysctl_name(v->path, name, sizeof(name));
		if (v->handover[0] && (ret = give_record(v->handover, v)) < 0) {
			err_kernel(e, ret, NULL, "sysctl %s: cannot hand its original value to instance %s",
				   name, v->handover);
			goto out;
		}
		if (v->present) {
			ret = proc_read(v->path, &cur);
			if (ret == -ENOENT && v->rec != SYSCTL_REC_KEEP)
				ret = 0;	/* gone with its link: nothing to restore */
			else if (ret < 0) {
				err_kernel(e, ret, NULL, "sysctl %s", name);
				goto out;
			} else if (cur != v->value) {
				write[i] = true;
				if (v->rec == SYSCTL_REC_KEEP && !sysctl_state_find(&rec, v->path)) {
					if (!(r = entry(&rec, v->path)))
						goto nomem;
					r->rec = SYSCTL_REC_SET;
					r->orig = cur;
				}
			}
		}
		if (v->rec == SYSCTL_REC_NONE)
			drop(&rec, v->path);
		else if (v->rec == SYSCTL_REC_SET) {
			if (!(r = entry(&rec, v->path)))
				goto nomem;
			r->rec = SYSCTL_REC_SET;
			r->orig = v->orig;
		}
	}
	/* The original values are safe on disk before the first write. */
	ret = sysctl_record_save(in->name, &rec);
	if (ret < 0) {
		err_kernel(e, ret, NULL, "sysctl: cannot record the original values");
		goto out;
	}
	for (pass = 0; pass < 3; ++pass) {
		for (i = 0; i < t->n; ++i) {
			v = &t->v[i];
			if (!write[i] || write_order(v) != pass)
				continue;
			sysctl_name(v->path, name, sizeof(name));
			if ((ret = fault_inject("sysctl:write")) < 0) {
				err_set(e, ret, "sysctl %s: injected failure (WGBASTION_FAIL_AT)", name);
				goto out;
			}
			if ((ret = proc_write(v->path, v->value)) < 0) {
				err_kernel(e, ret, NULL, "sysctl %s = %d", name, v->value);
				goto out;
			}
		}
	}
	ret = 0;
	goto out;
nomem:
	ret = err_set(e, -ENOMEM, "sysctl: out of memory");
out:
	/* on failure the executor re-reads and syncs back to the old state,
	 * record included */
	free(write);
	free(rec.v);
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
