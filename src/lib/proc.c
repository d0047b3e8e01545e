// SPDX-License-Identifier: GPL-2.0-only
/*
 * Naming the process behind a socket, for messages that must say who is
 * in the way (the lockout guard's listener, the wireguard-go already
 * serving a device). The kernel only tells us a socket's inode; the owner
 * is whoever has an fd linking to it, found by walking /proc/PID/fd as
 * ss -p does. Processes we may not look into are skipped, not errors.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

/* pid from a /proc entry name, 0 for the entries that are not processes */
static pid_t pid_of(const char *name)
{
	unsigned long v;
	char *end;

	if (name[0] < '1' || name[0] > '9')
		return 0;
	errno = 0;
	v = strtoul(name, &end, 10);
	if (errno || *end || v > 0x7fffffffUL)
		return 0;
	return (pid_t)v;
}

static int holds_socket(pid_t pid, const char *want)
{
	char path[64], link[64];
	struct dirent *fd;
	int found = 0;
	DIR *fds;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	fds = opendir(path);
	if (!fds)
		return 0;	/* gone, or not ours to see */
	while (!found && (fd = readdir(fds))) {
		ssize_t n;

		if (snprintf(path, sizeof(path), "/proc/%d/fd/%.20s", (int)pid,
			     fd->d_name) >= (int)sizeof(path))
			continue;
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		found = !strcmp(link, want);
	}
	closedir(fds);
	return found;
}

pid_t proc_socket_owner(unsigned long inode)
{
	char want[32];
	struct dirent *p;
	pid_t pid = 0;
	DIR *proc;

	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	proc = opendir("/proc");
	if (!proc)
		return 0;
	while (!pid && (p = readdir(proc))) {
		pid_t cand = pid_of(p->d_name);

		if (cand && holds_socket(cand, want))
			pid = cand;
	}
	closedir(proc);
	return pid;
}

int proc_comm(pid_t pid, char *comm, size_t len)
{
	char path[64], buf[64];
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (len)
			snprintf(comm, len, "%s", buf);
	} else {
		ret = -EIO;
	}
	fclose(f);
	return ret;
}

int proc_starttime(pid_t pid, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	unsigned long long v;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* the command name, field 2, may hold spaces and parentheses */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	if (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
		return -ESRCH;	/* ended, not yet reaped */
	for (field = 2; field < 22; ++field) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EIO;
	}
	errno = 0;
	v = strtoull(p + 1, NULL, 10);
	if (errno)
		return -EIO;
	*start = v;
	return 0;
}
