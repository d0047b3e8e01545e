// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sysctl stage's files: /proc/sys values, and the record of original
 * values, kept in the run directory (core/rundir.h). Plain file I/O;
 * nothing is executed.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/rundir.h"
#include "lib/array.h"
#include "sysctl.h"


const char *sysctl_root;

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
	v = array_push(s->v, s->n, NULL);
	if (v)
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

/* An interface's name as /proc/sys/net/ipv6/conf holds it ("default"
 * too, which the stage sets for links yet to come; not "all"), nothing
 * that could leave the directory. */
static bool conf_ifname(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n >= IFNAMSIZ || (n == 1 && s[0] == '.') ||
	    (n == 2 && s[0] == '.' && s[1] == '.') ||
	    (n == 3 && !strncmp(s, "all", 3)))
		return false;
	for (i = 0; i < n; ++i)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

/* One of the sysctls the stage writes for instance 'name' (sysctl.h), so
 * the only ones a record may name: anything else is not followed. */
static bool record_path_ok(const char *name, const char *path)
{
	static const char rp[] = "net/ipv4/conf/", rpt[] = "/rp_filter";
	static const char ra[] = "net/ipv6/conf/", rat[] = "/accept_ra";
	size_t l = strlen(path), n = strlen(name);

	if (!strcmp(path, IP_FORWARD) || !strcmp(path, V6_FORWARDING))
		return true;
	if (l == sizeof(rp) - 1 + n + sizeof(rpt) - 1 && !strncmp(path, rp, sizeof(rp) - 1) &&
	    !strncmp(path + sizeof(rp) - 1, name, n) && !strcmp(path + l - (sizeof(rpt) - 1), rpt))
		return true;	/* its own link's only */
	return l > sizeof(ra) - 1 + sizeof(rat) - 1 && !strncmp(path, ra, sizeof(ra) - 1) &&
	       !strcmp(path + l - (sizeof(rat) - 1), rat) &&
	       conf_ifname(path + sizeof(ra) - 1, l - (sizeof(ra) - 1) - (sizeof(rat) - 1));
}

/*
 * A line the stage did not write, or that names a sysctl it never writes,
 * or a value no sysctl of ours takes, is not followed: a warning names
 * the record's file and line, the line is ignored (the next save of the
 * record leaves it out) and the rest is used, so one bad line neither
 * wedges apply and flush nor costs the other originals. A record that is
 * refused whole (a link, not a regular file, too large, a NUL byte) is
 * ignored the same way, as if empty.
 */
int sysctl_record_load(const char *name, struct sysctl_state *rec)
{
	char *text, *line, *next, *eq, *end;
	struct sysctl_entry *v;
	unsigned lineno = 0;
	const char *why;
	size_t len;
	long val;
	int ret;

	memset(rec, 0, sizeof(*rec));
	ret = rundir_read(name, RUNDIR_SYSCTL, &text, &len);
	if (ret < 0) {
		if ((why = rundir_refusal(ret))) {
			rundir_warn_bad(name, RUNDIR_SYSCTL, 0, "%s; ignored", why);
			return 0;
		}
		return ret == -ENOENT ? 0 : ret;
	}
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		++lineno;
		eq = strchr(line, '=');
		if (!eq || eq == line || (size_t)(eq - line) >= SYSCTL_PATH_MAX) {
			rundir_warn_bad(name, RUNDIR_SYSCTL, lineno, "\"%.80s\": not SYSCTL=VALUE; line ignored", line);
			continue;
		}
		*eq = '\0';
		if (!record_path_ok(name, line)) {
			rundir_warn_bad(name, RUNDIR_SYSCTL, lineno,
					"\"%.80s\": not a sysctl wgbastion sets for %s; line ignored", line, name);
			continue;
		}
		errno = 0;
		val = strtol(eq + 1, &end, 10);
		if (errno || end == eq + 1 || *end || !isdigit((unsigned char)eq[1]) ||
		    val < SYSCTL_REC_MIN || val > SYSCTL_REC_MAX) {
			rundir_warn_bad(name, RUNDIR_SYSCTL, lineno, "%.80s: \"%.32s\": not a number from %d to %d; line ignored",
					line, eq + 1, SYSCTL_REC_MIN, SYSCTL_REC_MAX);
			continue;
		}
		if (sysctl_state_find(rec, line)) {
			rundir_warn_bad(name, RUNDIR_SYSCTL, lineno, "%.80s: said again; line ignored", line);
			continue;
		}
		if (!(v = sysctl_state_entry(rec, line))) {
			ret = -ENOMEM;
			break;
		}
		v->rec = SYSCTL_REC_SET;
		v->orig = val;
	}
	free(text);
	if (ret < 0) {
		free(rec->v);
		memset(rec, 0, sizeof(*rec));
	}
	return ret;
}

int sysctl_record_save(const char *name, const struct sysctl_state *rec)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;
	int ret;

	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	for (i = 0; i < rec->n; ++i)
		fprintf(f, "%s=%d\n", rec->v[i].path, rec->v[i].orig);
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	ret = rundir_replace(name, RUNDIR_SYSCTL, text, len);
	free(text);
	return ret;
}

/* Interfaces that may take router advertisements, from net/ipv6/conf,
 * sorted: not "all" (no interface), not lo, not a wgbastion tunnel. */
static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sysctl_v6_ifaces(const char *self, char ***out, size_t *n)
{
	char dir[PATH_MAX], **v = NULL, **name;
	struct dirent *d;
	DIR *dh;
	int ret = 0;

	*n = 0;
	sysctl_proc_path(dir, sizeof(dir), V6_CONF);
	dh = opendir(dir);
	if (!dh)
		return -errno;
	while ((d = readdir(dh))) {
		/* ours, or another wgbastion instance's tunnel */
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "all") || !strcmp(d->d_name, "lo") ||
		    !strcmp(d->d_name, self) || rundir_has_instance(d->d_name))
			continue;
		if (!(name = array_push(v, *n, NULL)) || !(*name = strdup(d->d_name))) {
			ret = -ENOMEM;
			break;
		}
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
