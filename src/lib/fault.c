// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

int fault_inject(const char *point)
{
#ifdef WGB_TESTING
	/* One failure per run: the rollback that follows must not trip on
	 * the same point, or it could not restore what it should. */
	static bool fired;
	static unsigned long hits;
	const char *at = getenv("WGBASTION_FAIL_AT");
	unsigned long want = 1;
	size_t n;

	if (fired || !at)
		return 0;
	/* "point" or "point#N": the Nth time the run reaches it */
	n = strcspn(at, "#");
	if (n != strlen(point) || strncmp(at, point, n))
		return 0;
	if (at[n] == '#')
		want = strtoul(at + n + 1, NULL, 10);
	if (++hits < want)
		return 0;
	fired = true;
	return -EIO;
#else
	(void)point;
	return 0;
#endif
}
