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

#include "state.h"

int state_path(char *buf, size_t len, const char *name, const char *suffix)
{
	if (mkdir(WGB_RUNDIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	if ((size_t)snprintf(buf, len, WGB_RUNDIR "/%s%s", name, suffix) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int state_lock(const char *name, struct wgb_err *e)
{
	char path[PATH_MAX];
	int fd, ret;

	ret = state_path(path, sizeof(path), name, ".lock");
	if (ret < 0)
		return err_kernel(e, ret, NULL, "%s", WGB_RUNDIR);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_kernel(e, -errno, NULL, "%s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		ret = -errno;
		close(fd);
		return err_kernel(e, ret, NULL, "lock %s", path);
	}
	return fd;
}

void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock */
}

static void abspath(const char *path, char *out, size_t len)
{
	char *r = realpath(path, NULL);

	snprintf(out, len, "%s", r ? r : path);
	free(r);
}

int state_save_instance(const struct instance *in, const char *config_path,
			struct wgb_err *e)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], conf[PATH_MAX];
	FILE *f;
	int ret;

	ret = state_path(path, sizeof(path), in->name, ".instance");
	if (ret < 0)
		return err_kernel(e, ret, NULL, "%s", WGB_RUNDIR);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	abspath(config_path, conf, sizeof(conf));
	f = fopen(tmp, "we");
	if (!f)
		return err_kernel(e, -errno, NULL, "%s", tmp);
	fprintf(f, "config=%s\nname=%s\ntable=%u\nmark=0x%x\nmask=0x%x\npriority=%u\n",
		conf, in->name, in->table, in->mark, in->mark_mask, in->priority);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		ret = -errno;
		unlink(tmp);
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

static int read_instance(const char *file, char *conf, size_t conflen,
			 struct instance *in)
{
	char line[PATH_MAX + 16];
	int have = 0;
	FILE *f;

	f = fopen(file, "re");
	if (!f)
		return -errno;
	memset(in, 0, sizeof(*in));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
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
	fclose(f);
	return have == 7 ? 0 : -EINVAL;
}

int state_find_instance(const char *config_path, struct instance *in)
{
	char want[PATH_MAX], conf[PATH_MAX], file[PATH_MAX + 300];
	struct dirent *d;
	size_t l;
	DIR *dir;
	int ret = -ENOENT;

	abspath(config_path, want, sizeof(want));
	dir = opendir(WGB_RUNDIR);
	if (!dir)
		return -ENOENT;
	while ((d = readdir(dir))) {
		l = strlen(d->d_name);
		if (l < 10 || strcmp(d->d_name + l - 9, ".instance"))
			continue;
		snprintf(file, sizeof(file), WGB_RUNDIR "/%s", d->d_name);
		if (read_instance(file, conf, sizeof(conf), in) == 0 &&
		    !strcmp(conf, want)) {
			ret = 0;
			break;
		}
	}
	closedir(dir);
	return ret;
}

void state_forget_instance(const char *name)
{
	char path[PATH_MAX];

	if (state_path(path, sizeof(path), name, ".instance") == 0)
		unlink(path);
}
