/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What wgbastion keeps outside the kernel, under /run/wgbastion/ (gone at
 * reboot, like the kernel state it describes):
 *   NAME.lock      flock()ed for the length of every apply/flush
 *   NAME.instance  which config made this instance, and its identity, so
 *                  flush works when that config no longer parses
 *   NAME.sysctl    original values of the sysctls apply changed (sysctl.c)
 */
#ifndef WGB_STATE_H
#define WGB_STATE_H

#include "lib/err.h"
#include "plan.h"

#define WGB_RUNDIR "/run/wgbastion"

/* Path of a file in the run directory, created 0700 on demand. */
int state_path(char *buf, size_t len, const char *name, const char *suffix);
/* Blocks until this instance's lock is ours; returns an fd to close. */
int state_lock(const char *name, struct wgb_err *e);
void state_unlock(int fd);
int state_save_instance(const struct instance *in, const char *config_path,
			struct wgb_err *e);
/* Finds the instance last applied from config_path; -ENOENT if none. */
int state_find_instance(const char *config_path, struct instance *in);
void state_forget_instance(const char *name);

#endif
