// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the run directory's record readers (core/rundir.c,
 * sysctl/sysctl_file.c, the config index of config/config_input.c): any
 * bytes as a .sysctl or .instance record, and as an index, in a
 * run directory of the harness's own under /tmp, removed at exit. The
 * checks are in records_check.h (the unit test test_records replays the
 * corpus through them).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/err.h"
#include "records_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char run[] = "/tmp/wgb-fuzz-records.XXXXXX";

static void cleanup(void)
{
	rmdir(run);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rundir_override) {
		if (!mkdtemp(run))
			abort();
		atexit(cleanup);
		rundir_override = run;
		wgb_verbosity = -1;	/* warnings would drown the fuzzer's output */
	}
	return records_check_one(run, data, size);
}
