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
 *   NAME.confirm    the FIFO older versions waited on; removed when seen
 *   NAME.pending    an apply --confirm not yet confirmed: its deadline and
 *                   the detached watchdog that keeps the previous state and
 *                   rolls back to it (cmd/confirm.c); no secrets in it
 *   NAME.nftgen     the nft stage's generation record (nft_record.c)
 *   NAME.nfttable   the table the generation record vouches for, as the
 *                   nft stage built it (binary, nft_recall.c)
 *   NAME.input      the index of the config last applied: which parts of
 *                   its text are not [Forward]s, and the stamp of its
 *                   files (config/config_input.c); forgotten with the
 *                   instance
 *   sysctl-records-lock.lock
 *                   held briefly around every change to the records that
 *                   concern more than one instance (the name is longer
 *                   than any interface name, so it is no instance's)
 *
 * A new kind of record is a new RUNDIR_* and, for its text, rundir_read
 * and rundir_replace; where the directory lives is rundir_dir's alone to
 * decide:
 *
 *   One directory per network namespace, so that instances in different
 *   namespaces never see each other's records or locks (SPEC §5). The
 *   namespace of PID 1 (the host's, or a container's own) keeps the plain
 *   directory, RUNSTATEDIR/wgbastion, as before namespaces were keyed: an
 *   upgrade finds its records. Any other namespace gets a subdirectory,
 *   RUNSTATEDIR/wgbastion/ns-COOKIE, COOKIE being the namespace's cookie
 *   (SO_NETNS_COOKIE, Linux 5.14: unlike an inode number it is never
 *   reused while the host is up, so a new namespace never inherits a dead
 *   one's records); on an older kernel ns-DEV-INO of /proc/self/ns/net.
 *   Every directory is made 0700 and must be a real directory of ours
 *   (not a link, not writable by others), or nothing in it is used.
 *   rundir_override (the unit tests) is used as it is.
 *
 * Records are not trusted blindly (SPEC §5): a name is an interface name
 * or nothing is opened; a record is read only if it is a regular file (a
 * symbolic link is never followed, O_NOFOLLOW), at most 64 KiB, with no
 * NUL byte; each reader checks every line it uses, and a record it
 * refuses is reported with rundir_warn_bad ("FILE:LINE: reason"), never
 * followed. A record is written to a new file, then renamed over the old
 * one (never written through a link found there).
 */
#ifndef WGB_RUNDIR_H
#define WGB_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "instance.h"
#include "lib/err.h"

enum rundir_file {
	RUNDIR_LOCK,
	RUNDIR_INSTANCE,
	RUNDIR_SYSCTL,
	RUNDIR_CONFIRM,
	RUNDIR_PENDING,
	RUNDIR_NFTGEN,
	RUNDIR_INPUT,
	RUNDIR_NFTTABLE,
};

/* The largest record read, in bytes. */
#define RUNDIR_RECORD_MAX	65536
#define RUNDIR_RECORD_MAX_TEXT	"64 KiB"

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
 * there is none, or -errno; a record refused as it stands (a link, not
 * a regular file, too large, a NUL byte) is an -errno rundir_refusal
 * words. -EINVAL: name is no instance's. */
int rundir_read(const char *name, enum rundir_file f, char **text, size_t *len);
/* Why rundir_read refused a record ("is a symbolic link, not a record"),
 * or NULL when err is not such a refusal. */
const char *rundir_refusal(int err);
/* A warning about record f of instance name: "PATH:LINE: reason" (line 0:
 * "PATH: reason"), said once per run however often the record is read. */
void rundir_warn_bad(const char *name, enum rundir_file f, unsigned line,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Replaces a record atomically; empty text removes it. 0 or -errno. */
int rundir_replace(const char *name, enum rundir_file f, const char *text, size_t len);
/* The same from pieces, written in order (a large binary record). */
struct iovec;
int rundir_replace_iov(const char *name, enum rundir_file f, const struct iovec *iov, int n_iov);
/* A binary record, opened for the caller to read (pread): an fd (close
 * it) and the size it had when opened; refused as rundir_read refuses a
 * text one but for its NULs, and when larger than max (-EFBIG). */
int rundir_open_bin(const char *name, enum rundir_file f, size_t max, size_t *size);

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
/*
 * Before apply touches anything (SPEC §5): another live instance (its
 * record valid, its link present) using this one's Table, Mark bits or
 * Priority is a collision: -EEXIST, e naming the other instance and the
 * key to change. An instance recorded from this same config under another
 * name is a rename: copied into renamed (renamed->name "" when none).
 */
int rundir_check_neighbours(const struct instance *in, const char *config_path,
			    struct instance *renamed, struct wgb_err *e);
/* Calls fn for every instance with a valid record (the config it was
 * applied from, absolute) until fn returns non-zero; returns that, or 0. */
int rundir_each_instance(int (*fn)(const struct instance *in, const char *config, void *arg),
			 void *arg);

#endif
