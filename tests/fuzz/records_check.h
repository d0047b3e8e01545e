/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One input of the run-directory record fuzzer (fuzz_records.c), also
 * replayed by tests/unit/test_records.c: byte 0 picks the record (even:
 * wg0.sysctl, odd: wg0.instance), the rest is its text, written as the
 * record's file into the run directory 'run' (core/rundir.h's override).
 * What a reader accepts must be what it promises: a .sysctl record yields
 * only wgbastion's own sysctls (under net/, no "..", for wg0's link or
 * another link's accept_ra) with values 0..2; an .instance record yields
 * wg0 itself. Anything else aborts.
 */
#ifndef WGB_RECORDS_CHECK_H
#define WGB_RECORDS_CHECK_H

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rundir.h"
#include "sysctl/sysctl.h"

static void records_check_sysctl(const struct sysctl_state *rec)
{
	const char *p;
	size_t i;

	for (i = 0; i < rec->n; ++i) {
		p = rec->v[i].path;
		if (strncmp(p, "net/", 4) || strstr(p, "..") || strstr(p, "//") ||
		    rec->v[i].orig < 0 || rec->v[i].orig > 2 || rec->v[i].rec != SYSCTL_REC_SET)
			abort();
		if (strcmp(p, "net/ipv4/ip_forward") && strcmp(p, "net/ipv6/conf/all/forwarding") &&
		    strcmp(p, "net/ipv4/conf/wg0/rp_filter") &&
		    (strncmp(p, "net/ipv6/conf/", 14) || strlen(p) < 25 ||
		     strcmp(p + strlen(p) - 10, "/accept_ra") || strchr(p + 14, '/') != p + strlen(p) - 10))
			abort();
	}
}

static int records_check_one(const char *run, const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	struct sysctl_state rec;
	struct instance in;
	bool sysctl;
	int fd, ret;

	if (!size)
		return 0;
	sysctl = !(data[0] & 1);
	snprintf(path, sizeof(path), "%s/wg0.%s", run, sysctl ? "sysctl" : "instance");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	close(fd);
	if (sysctl) {
		ret = sysctl_record_load("wg0", &rec);
		if (ret < 0)
			abort();	/* a bad record is ignored, never an error */
		records_check_sysctl(&rec);
		free(rec.v);
	} else if (rundir_find_instance("/f.conf", &in) == 0 && strcmp(in.name, "wg0")) {
		abort();
	}
	unlink(path);
	return 0;
}

#endif
