/* SPDX-License-Identifier: GPL-2.0-only */
/* What /proc says about other processes, as ss -p and ps read it. */
#ifndef WGB_PROC_H
#define WGB_PROC_H

#include <stddef.h>
#include <sys/types.h>

/* The process holding the socket with this inode (one of its fds links to
 * "socket:[inode]"); 0 when no process we may look into holds it. */
pid_t proc_socket_owner(unsigned long inode);

/* The command name of pid (/proc/PID/comm) into comm, NUL-terminated.
 * 0, or -errno with comm untouched. */
int proc_comm(pid_t pid, char *comm, size_t len);

/* When pid started (field 22 of /proc/PID/stat, clock ticks since boot):
 * with the pid it names one process, never a later one given the same
 * pid. 0, or -errno (-ENOENT: no such process, -ESRCH: a zombie). */
int proc_starttime(pid_t pid, unsigned long long *start);

#endif
