// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sysctl stage's files: /proc/sys values, the record of original
 * values under /run/wgbastion, and what the run directory says about
 * instances. Plain file I/O; nothing is executed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/state.h"
#include "sysctl.h"

#define V6_CONF		"net/ipv6/conf"

const char *sysctl_root;
const char *sysctl_record_dir;

void sysctl_name(const char *path, char *buf, size_t len)
{
	size_t i;

	for (i = 0; path[i] && i + 1 < len; ++i)
		buf[i] = path[i] == '/' ? '.' : path[i] == '.' ? '/' : path[i];
	if (len)
		buf[i] = '\0';
}

static void sysctl_proc_path(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, "%s/%s", sysctl_root ? sysctl_root : "/proc/sys", path);
}

/* 0, -ENOENT when there is no such sysctl, or another -errno. */
int sysctl_proc_read(const char *path, int *val)
{
	char file[PATH_MAX], buf[32], *end;
	ssize_t n;
	long v;
	int fd;

	sysctl_proc_path(file, sizeof(file), path);
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

int sysctl_proc_write(const char *path, int val)
{
	char file[PATH_MAX], buf[16];
	int fd, len, ret = 0;

	sysctl_proc_path(file, sizeof(file), path);
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
struct sysctl_entry *sysctl_state_entry(struct sysctl_state *s, const char *path)
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

void sysctl_state_drop(struct sysctl_state *s, const char *path)
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
		if (!(v = sysctl_state_entry(rec, line))) {
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
static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sysctl_v6_ifaces(const char *self, char ***out, size_t *n)
{
	char dir[PATH_MAX], **v = NULL, **nv;
	struct dirent *d;
	DIR *dh;
	int ret = 0;

	*n = 0;
	sysctl_proc_path(dir, sizeof(dir), V6_CONF);
	dh = opendir(dir);
	if (!dh)
		return -errno;
	while ((d = readdir(dh))) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "all") || !strcmp(d->d_name, "lo") ||
		    is_tunnel(self, d->d_name))
			continue;
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (!nv) {
			ret = -ENOMEM;
			break;
		}
		v = nv;
		if (!(v[*n] = strdup(d->d_name))) {
			ret = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(dh);
	if (!ret && *n)
		qsort(v, *n, sizeof(*v), name_cmp);
	*out = v;
	return ret;
}

void sysctl_names_free(char **v, size_t n)
{
	while (n-- > 0)
		free(v[n]);
	free(v);
}

void sysctl_drop_instance(const char *name)
{
	char file[PATH_MAX];

	if (!sysctl_record_dir) {
		state_forget_instance(name);
		return;
	}
	snprintf(file, sizeof(file), "%s/%s.instance", sysctl_record_dir, name);
	unlink(file);
}

/* Another instance recorded under the run directory, "" if none. */
void sysctl_other_instance(const char *self, char *out, size_t len)
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

/* Serialises every read-modify-write of the records across instances: a
 * flush hands records to another instance without holding that one's
 * lock. Held briefly, never while waiting for anything else. The name is
 * longer than any interface name, so it is no instance's. */
int sysctl_records_lock(void)
{
	char file[PATH_MAX];
	int fd, ret;

	if (sysctl_record_dir)
		snprintf(file, sizeof(file), "%s/sysctl-records-lock.lock", sysctl_record_dir);
	else if ((ret = state_path(file, sizeof(file), "sysctl-records-lock", ".lock")) < 0)
		return ret;
	fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			ret = -errno;
			close(fd);
			return ret;
		}
	}
	return fd;
}

void sysctl_records_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
