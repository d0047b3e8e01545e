/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the Check unit tests: each test_*.c is one binary. */
#ifndef WGB_UNIT_H
#define WGB_UNIT_H

#include <check.h>
#include <stdlib.h>

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

#endif
