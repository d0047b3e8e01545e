// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the table kept beside the generation record
 * (nft/nft_recall.c's reader): the checks are kept_check.h's, which the
 * unit test test_nft replays on the seeds and regressions-kept/. The
 * seeds are this build's own kept tables, written at start into the
 * folder WGB_FUZZ_SEEDS names (tests/fuzz/run.sh sets it): the file's
 * layout is this build's, so no seed is checked in. A run directory of
 * the harness's own under /tmp, removed at exit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kept_check.h"
#include "lib/err.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char run[] = "/tmp/wgb-fuzz-kept.XXXXXX";
static struct kept_fixture fx;

static void cleanup(void)
{
	kept_fixture_free(&fx);
	rmdir(run);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("WGB_FUZZ_SEEDS");
	char path[PATH_MAX];
	uint8_t *seed;
	size_t len;
	FILE *f;
	int k;

	(void)argc;
	(void)argv;
	if (!mkdtemp(run))
		abort();
	atexit(cleanup);
	wgb_verbosity = -1;	/* warnings would drown the fuzzer's output */
	kept_fixture_init(&fx, run);
	for (k = 0; seeds && k < 2; ++k) {
		seed = kept_seed(&fx, k, &len);
		snprintf(path, sizeof(path), "%s/seed-%d", seeds, k);
		f = fopen(path, "wb");
		if (!f || fwrite(seed, 1, len, f) != len || fclose(f))
			abort();
		free(seed);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kept_check_one(&fx, data, size);
	return 0;
}
