// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/array.h"
#include "rundir.h"

#ifndef WGB_RUNSTATEDIR
#define WGB_RUNSTATEDIR "/run"	/* the Makefile says where */
#endif
#define RUNDIR_DEFAULT	WGB_RUNSTATEDIR "/wgbastion"
/* longer than any interface name: no instance's lock */
#define RECORDS_LOCK	"sysctl-records-lock"
#define INSTANCE_SUFFIX	".instance"

const char *rundir_override;

static const char *const suffix[] = {
	[RUNDIR_LOCK] = ".lock",
	[RUNDIR_INSTANCE] = INSTANCE_SUFFIX,
	[RUNDIR_SYSCTL] = ".sysctl",
	[RUNDIR_CONFIRM] = ".confirm",
};

int rundir_dir(char *buf, size_t len, bool create)
{
	const char *dir = rundir_override ? rundir_override : RUNDIR_DEFAULT;

	if ((size_t)snprintf(buf, len, "%s", dir) >= len)
		return -ENAMETOOLONG;
	if (create && mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int rundir_path(char *buf, size_t len, const char *name, enum rundir_file f,
		bool create)
{
	size_t n;
	int ret;

	ret = rundir_dir(buf, len, create);
	if (ret < 0)
		return ret;
	n = strlen(buf);
	if ((size_t)snprintf(buf + n, len - n, "/%s%s", name, suffix[f]) >= len - n)
		return -ENAMETOOLONG;
	return 0;
}

/* --- locks --------------------------------------------------------------- */

static int lock_path(const char *path)
{
	int fd, ret;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int rundir_lock(const char *name, struct wgb_err *e)
{
	char path[PATH_MAX];
	int ret;

	ret = rundir_path(path, sizeof(path), name, RUNDIR_LOCK, true);
	if (ret < 0) {
		rundir_dir(path, sizeof(path), false);
		return err_kernel(e, ret, NULL, "%s", path);
	}
	ret = lock_path(path);
	if (ret < 0)
		return err_kernel(e, ret, NULL, "lock %s", path);
	return ret;
}

void rundir_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock */
}

int rundir_records_lock(void)
{
	char path[PATH_MAX];
	int ret;

	ret = rundir_path(path, sizeof(path), RECORDS_LOCK, RUNDIR_LOCK, true);
	return ret < 0 ? ret : lock_path(path);
}

/* --- records ------------------------------------------------------------- */

static int read_path(const char *path, char **text, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0;
	FILE *f;
	int ret = 0;

	*text = NULL;
	*len = 0;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* records are a few lines: read whole, NUL-terminated */
	for (;;) {
		size_t n;

		if (array_reserve(buf, &cap, *len + 512) < 0) {
			ret = -ENOMEM;
			break;
		}
		n = fread(buf + *len, 1, cap - 1 - *len, f);
		*len += n;
		if (n == 0) {
			if (ferror(f))
				ret = -EIO;
			break;
		}
	}
	fclose(f);
	if (ret < 0) {
		free(buf);
		*len = 0;
		return ret;
	}
	buf[*len] = '\0';
	*text = buf;
	return 0;
}

int rundir_read(const char *name, enum rundir_file f, char **text, size_t *len)
{
	char path[PATH_MAX];
	int ret;

	*text = NULL;
	*len = 0;
	ret = rundir_path(path, sizeof(path), name, f, false);
	return ret < 0 ? ret : read_path(path, text, len);
}

int rundir_replace(const char *name, enum rundir_file f, const char *text, size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *fp;
	int ret;

	ret = rundir_path(path, sizeof(path), name, f, len > 0);
	if (ret < 0)
		return ret;
	if (!len)
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fp = fopen(tmp, "we");
	if (!fp)
		return -errno;
	/* no fsync: /run does not outlive a reboot */
	if (fwrite(text, 1, len, fp) != len) {
		ret = -EIO;
		fclose(fp);
	} else if (fclose(fp) != 0 || rename(tmp, path) < 0) {
		ret = -errno;
	}
	if (ret < 0)
		unlink(tmp);
	return ret;
}

/* --- instances ----------------------------------------------------------- */

static void abspath(const char *path, char *out, size_t len)
{
	char *r = realpath(path, NULL);

	snprintf(out, len, "%s", r ? r : path);
	free(r);
}

int rundir_save_instance(const struct instance *in, const char *config_path,
			 struct wgb_err *e)
{
	char conf[PATH_MAX], path[PATH_MAX], *text = NULL;
	int ret, n;

	abspath(config_path, conf, sizeof(conf));
	n = asprintf(&text, "config=%s\nname=%s\ntable=%u\nmark=0x%x\nmask=0x%x\npriority=%u\n",
		     conf, in->name, in->table, in->mark, in->mark_mask, in->priority);
	if (n < 0)
		return err_set(e, -ENOMEM, "out of memory");
	ret = rundir_replace(in->name, RUNDIR_INSTANCE, text, (size_t)n);
	free(text);
	if (ret < 0) {
		rundir_path(path, sizeof(path), in->name, RUNDIR_INSTANCE, false);
		return err_kernel(e, ret, NULL, "%s", path);
	}
	return 0;
}

/* Copies a value that must fit; a record that does not is not ours. */
static int setstr(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static int parse_instance(char *text, char *conf, size_t conflen, struct instance *in)
{
	char *line, *save = NULL;
	int have = 0;

	memset(in, 0, sizeof(*in));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "config=", 7) && !setstr(conf, conflen, line + 7))
			have |= 1;
		else if (!strncmp(line, "name=", 5) && !setstr(in->name, sizeof(in->name), line + 5))
			have |= 2;
		else if (!strncmp(line, "table=", 6))
			in->table = strtoul(line + 6, NULL, 0), have |= 4;
		else if (!strncmp(line, "mark=", 5))
			in->mark = strtoul(line + 5, NULL, 0);
		else if (!strncmp(line, "mask=", 5))
			in->mark_mask = strtoul(line + 5, NULL, 0);
		else if (!strncmp(line, "priority=", 9))
			in->priority = strtoul(line + 9, NULL, 0);
	}
	return have == 7 ? 0 : -EINVAL;
}

/* Calls fn on the name of every recorded instance until it returns
 * non-zero; returns that, or 0 (also without a run directory). */
static int each_instance(int (*fn)(const char *name, void *arg), void *arg)
{
	size_t sl = strlen(INSTANCE_SUFFIX), l;
	char dir[PATH_MAX], name[NAME_MAX + 1];
	struct dirent *d;
	DIR *dh;
	int ret = 0;

	if (rundir_dir(dir, sizeof(dir), false) < 0 || !(dh = opendir(dir)))
		return 0;
	while (!ret && (d = readdir(dh))) {
		l = strlen(d->d_name);
		if (l <= sl || strcmp(d->d_name + l - sl, INSTANCE_SUFFIX))
			continue;
		memcpy(name, d->d_name, l - sl);
		name[l - sl] = '\0';
		ret = fn(name, arg);
	}
	closedir(dh);
	return ret;
}

struct find {
	char want[PATH_MAX];
	struct instance *in;
};

static int find_one(const char *name, void *arg)
{
	struct find *f = arg;
	char conf[PATH_MAX], *text;
	size_t len;
	int ret;

	if (rundir_read(name, RUNDIR_INSTANCE, &text, &len) < 0)
		return 0;
	ret = parse_instance(text, conf, sizeof(conf), f->in) == 0 && !strcmp(conf, f->want);
	free(text);
	return ret;
}

int rundir_find_instance(const char *config_path, struct instance *in)
{
	struct find f = { .in = in };

	abspath(config_path, f.want, sizeof(f.want));
	return each_instance(find_one, &f) ? 0 : -ENOENT;
}

bool rundir_has_instance(const char *name)
{
	char path[PATH_MAX];

	return rundir_path(path, sizeof(path), name, RUNDIR_INSTANCE, false) == 0 &&
	       access(path, F_OK) == 0;
}

struct other {
	const char *self;
	char *out;
	size_t len;
};

static int other_one(const char *name, void *arg)
{
	struct other *o = arg;

	if (!strcmp(name, o->self) || strlen(name) >= o->len)
		return 0;
	snprintf(o->out, o->len, "%s", name);
	return 1;
}

void rundir_other_instance(const char *self, char *out, size_t len)
{
	struct other o = { .self = self, .out = out, .len = len };

	out[0] = '\0';
	each_instance(other_one, &o);
}

void rundir_forget_instance(const char *name)
{
	char path[PATH_MAX];

	if (rundir_path(path, sizeof(path), name, RUNDIR_INSTANCE, false) == 0)
		unlink(path);
}
