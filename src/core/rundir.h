/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The run directory, RUNSTATEDIR/wgbastion (/run/wgbastion): what
 * wgbastion keeps outside the kernel between runs, gone at reboot like
 * the kernel state it describes. This file alone knows its layout:
 *
 *   NAME.lock       flock()ed for the length of every apply and flush
 *   NAME.instance   which config made the instance, and its identity, so
 *                   that flush, show and confirm find it when that config
 *                   no longer parses
 *   NAME.sysctl     original values of the sysctls apply changed (what
 *                   the lines say is the sysctl stage's business)
 *   NAME.confirm    the FIFO of a pending apply --confirm
 *   sysctl-records-lock.lock
 *                   held briefly around every change to the records that
 *                   concern more than one instance (the name is longer
 *                   than any interface name, so it is no instance's)
 *
 * A new kind of record is a new RUNDIR_* and, for its text, rundir_read
 * and rundir_replace; where the directory lives (one per network
 * namespace, say) is rundir_dir's alone to decide.
 */
#ifndef WGB_RUNDIR_H
#define WGB_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "instance.h"
#include "lib/err.h"

enum rundir_file {
	RUNDIR_LOCK,
	RUNDIR_INSTANCE,
	RUNDIR_SYSCTL,
	RUNDIR_CONFIRM,
};

/* Tests put the run directory elsewhere; NULL: the real one. */
extern const char *rundir_override;

/* The directory, created (0700) when create. 0 or -errno. */
int rundir_dir(char *buf, size_t len, bool create);
/* One file of instance 'name'; create: the directory is made first. */
int rundir_path(char *buf, size_t len, const char *name, enum rundir_file f,
		bool create);

/* Blocks until the instance's lock is ours: an fd to give back to
 * rundir_unlock, or -errno (e says why; e NULL: nothing said). */
int rundir_lock(const char *name, struct wgb_err *e);
void rundir_unlock(int fd);
/* The lock over every instance's records: an fd, or -errno. Held briefly,
 * never while waiting for anything else. */
int rundir_records_lock(void);

/* A record's text, whole and NUL-terminated (free it): 0, -ENOENT when
 * there is none, or -errno. */
int rundir_read(const char *name, enum rundir_file f, char **text, size_t *len);
/* Replaces a record atomically; empty text removes it. 0 or -errno. */
int rundir_replace(const char *name, enum rundir_file f, const char *text, size_t len);

/* The instance record: which config (made absolute) applied it, and its
 * identity. */
int rundir_save_instance(const struct instance *in, const char *config_path,
			 struct wgb_err *e);
/* The instance last applied from config_path; -ENOENT if none. */
int rundir_find_instance(const char *config_path, struct instance *in);
bool rundir_has_instance(const char *name);
/* An instance recorded other than self, into out ("" if none). */
void rundir_other_instance(const char *self, char *out, size_t len);
void rundir_forget_instance(const char *name);

#endif
