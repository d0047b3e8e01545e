/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One input of the run-directory record fuzzer (fuzz_records.c), also
 * replayed by tests/unit/test_records.c: byte 0 picks the record (even:
 * wg0.sysctl, odd: wg0.instance), the rest is its text, written as the
 * record's file into the run directory 'run' (core/rundir.h's override).
 * What a reader accepts must be what it promises: a .sysctl record yields
 * only wgbastion's own sysctls (under net/, no "." or ".." component, for wg0's link or
 * another link's accept_ra) with values 0..2; an .instance record yields
 * wg0 itself. The same text is also read as a config index (wg0.input,
 * config/config_input.c): one accepted has ranges in order, not
 * overlapping, the first at 0, and files with names. Anything else aborts.
 */
#ifndef WGB_RECORDS_CHECK_H
#define WGB_RECORDS_CHECK_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_int.h"
#include "core/rundir.h"
#include "sysctl/sysctl.h"

/* a path component that is "." or "..": "..fault" is an interface's
 * name as good as any, and not a way out of /proc/sys */
static bool records_dot_component(const char *p)
{
	const char *c, *e;

	for (c = p; *c; c = *e ? e + 1 : e) {
		e = strchrnul(c, '/');
		if ((e - c == 1 && c[0] == '.') || (e - c == 2 && c[0] == '.' && c[1] == '.'))
			return true;
	}
	return false;
}

static void records_check_sysctl(const struct sysctl_state *rec)
{
	const char *p;
	size_t i;

	for (i = 0; i < rec->n; ++i) {
		p = rec->v[i].path;
		if (strncmp(p, "net/", 4) || records_dot_component(p) || strstr(p, "//") ||
		    rec->v[i].orig < 0 || rec->v[i].orig > 2 || rec->v[i].rec != SYSCTL_REC_SET)
			abort();
		if (strcmp(p, "net/ipv4/ip_forward") && strcmp(p, "net/ipv6/conf/all/forwarding") &&
		    strcmp(p, "net/ipv4/conf/wg0/rp_filter") &&
		    (strncmp(p, "net/ipv6/conf/", 14) || strlen(p) < 25 ||
		     strcmp(p + strlen(p) - 10, "/accept_ra") || strchr(p + 14, '/') != p + strlen(p) - 10))
			abort();
	}
}

static void records_check_index(const uint8_t *data, size_t size)
{
	struct config_index *ix;
	const struct input_scan *sc;
	unsigned line;
	char *text;
	size_t i;
	int ret;

	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	ret = config_index_parse(text, &ix, &line);
	free(text);
	if (ret == -EINVAL && !ix)
		return;
	if (ret || !ix)
		abort();
	sc = &ix->sc;
	if (!sc->n_ranges || sc->ranges[0].off)
		abort();
	for (i = 0; i < sc->n_ranges; ++i)
		if (sc->ranges[i].line == 0 ||
		    (i && sc->ranges[i].off <= sc->ranges[i - 1].off + sc->ranges[i - 1].len))
			abort();
	for (i = 0; i < sc->n_files; ++i)
		if (!sc->files[i][0] || strchr(sc->files[i], '\n'))
			abort();
	config_index_free(ix);
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
	records_check_index(data + 1, size - 1);
	return 0;
}

#endif
