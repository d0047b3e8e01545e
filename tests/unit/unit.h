/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the Check unit tests: each test_*.c is one binary. */
#ifndef WGB_UNIT_H
#define WGB_UNIT_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Defines main() running the suite built by fn; exit status = failures. */
#define UNIT_MAIN(fn)							\
	int main(void)							\
	{								\
		SRunner *sr = srunner_create(fn());			\
		int failed;						\
		srunner_run_all(sr, CK_NORMAL);				\
		failed = srunner_ntests_failed(sr);			\
		srunner_free(sr);					\
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;		\
	}

/*
 * A scratch directory per test, for key and config files: add
 * unit_tmpdir_setup/unit_tmpdir_teardown as a checked fixture, then
 * unit_write_file() puts files in it. The last four paths stay valid.
 */
static char unit_dir[64];

static inline void unit_tmpdir_setup(void)
{
	snprintf(unit_dir, sizeof(unit_dir), "/tmp/wgb-unit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(unit_dir));
}

static inline void unit_tmpdir_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", unit_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Writes text to unit_dir/name with mode; returns the path. */
static inline const char *unit_write_file(const char *name, const char *text,
					  mode_t mode)
{
	static char path[4][128];
	static int n;
	char *p = path[n++ % 4];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", unit_dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(p, mode), 0);
	return p;
}

#endif
