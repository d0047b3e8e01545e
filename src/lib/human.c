// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>

#include "human.h"

void human_duration(char *buf, size_t len, int64_t s)
{
	static const struct { const char *unit; int64_t secs; } units[] = {
		{ "year", 365 * 86400LL }, { "day", 86400 }, { "hour", 3600 },
		{ "minute", 60 }, { "second", 1 },
	};
	size_t i, off = 0;

	buf[0] = '\0';
	if (s <= 0) {
		snprintf(buf, len, "0 seconds");
		return;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]) && off < len; ++i) {
		int64_t n = s / units[i].secs;

		if (!n)
			continue;
		s -= n * units[i].secs;
		off += snprintf(buf + off, len - off, "%s%lld %s%s", off ? ", " : "",
				(long long)n, units[i].unit, n == 1 ? "" : "s");
	}
}

void human_bytes(char *buf, size_t len, uint64_t b)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = b;
	int i = -1;

	if (b < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)b);
		return;
	}
	while (v >= 1024 && i < 5)
		v /= 1024, ++i;
	snprintf(buf, len, "%.2f %s", v, units[i]);
}

void human_lap_start(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

double human_lap(struct timespec *t)
{
	struct timespec now;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (double)(now.tv_sec - t->tv_sec) * 1e3 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
	*t = now;
	return ms;
}
