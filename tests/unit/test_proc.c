// SPDX-License-Identifier: GPL-2.0-only
/* proc.c: the owner of a socket we hold ourselves, read from /proc (read
 * only; no kernel state is changed). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/proc.h"
#include "unit.h"

START_TEST(own_socket_found)
{
	char comm[64] = "", want[64];
	struct stat sb;
	int fds[2];
	FILE *f;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	ck_assert_int_eq(fstat(fds[0], &sb), 0);
	ck_assert_int_eq(proc_socket_owner((unsigned long)sb.st_ino), getpid());
	ck_assert_int_eq(proc_comm(getpid(), comm, sizeof(comm)), 0);
	f = fopen("/proc/self/comm", "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(want, sizeof(want), f));
	fclose(f);
	want[strcspn(want, "\n")] = '\0';
	ck_assert_str_eq(comm, want);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(nobody_and_no_process)
{
	char comm[16] = "kept";

	/* inode 0 is never a socket's */
	ck_assert_int_eq(proc_socket_owner(0), 0);
	/* above pid_max: no such process, comm left alone */
	ck_assert_int_lt(proc_comm(0x7ffffffe, comm, sizeof(comm)), 0);
	ck_assert_str_eq(comm, "kept");
	/* a short buffer gets a cut, terminated name */
	ck_assert_int_eq(proc_comm(getpid(), comm, 3), 0);
	ck_assert_uint_eq(strlen(comm), 2);
}
END_TEST

static Suite *proc_suite(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("proc");

	tcase_add_test(tc, own_socket_found);
	tcase_add_test(tc, nobody_and_no_process);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(proc_suite)
