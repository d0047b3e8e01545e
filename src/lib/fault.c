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
	const char *at = getenv("WGBASTION_FAIL_AT");

	if (!fired && at && !strcmp(at, point)) {
		fired = true;
		return -EIO;
	}
#else
	(void)point;
#endif
	return 0;
}
