/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sysctl stage (SPEC §4): forwarding on, reverse-path filtering on the
 * tunnel loose where strict would drop tunnel traffic, and IPv6 forwarding
 * without losing router advertisements:
 *
 *	net.ipv4.ip_forward = 1
 *	net.ipv4.conf.NAME.rp_filter = 2     only if max(all, NAME) is 1
 *	net.ipv6.conf.IF.accept_ra = 2       for every IF at 1 (not NAME)  \ IPv6
 *	net.ipv6.conf.all.forwarding = 1     (after the accept_ra writes)  / only
 *
 * Values are read and written through /proc/sys; nothing is executed.
 * The value a sysctl had before apply first changed it is recorded in the
 * run directory (core/rundir.h; a later apply never overwrites it); flush
 * writes those values back and forgets them. The record is part of the
 * stage's state, so a rollback restores it along with the values.
 *
 * A sysctl that is wanted but not in a state any more (IPv6 no longer
 * used, rp_filter now loose) is left as it is until flush.
 */
#ifndef WGB_SYSCTL_H
#define WGB_SYSCTL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"
#include "config/model.h"
#include "core/stage.h"

#define SYSCTL_PATH_MAX 64

/* The sysctls the stage writes (and so the only ones a record of
 * original values may name), and the values their originals may have. */
#define IP_FORWARD	"net/ipv4/ip_forward"
#define V6_FORWARDING	"net/ipv6/conf/all/forwarding"
#define V6_CONF		"net/ipv6/conf"
#define SYSCTL_REC_MIN	0
#define SYSCTL_REC_MAX	2

enum sysctl_rec {
	SYSCTL_REC_NONE,	/* no original recorded (read), or forget it (flush) */
	SYSCTL_REC_SET,		/* 'orig' is recorded (read), or must be (rollback) */
	SYSCTL_REC_KEEP,	/* apply: record the value before the first change */
};

struct sysctl_entry {
	/* relative to /proc/sys: "net/ipv4/conf/wg0/rp_filter" (an interface
	 * name may hold dots, so this, not the dotted name, is the key) */
	char path[SYSCTL_PATH_MAX];
	bool present;		/* read: the sysctl exists; built: 'value' is wanted */
	int value;
	enum sysctl_rec rec;
	int orig;		/* with SYSCTL_REC_SET */
	/* flush only: a host-wide sysctl. If another instance is still
	 * there when sync runs, the value is left to it along with our
	 * recorded original, so that the last instance out restores it;
	 * 'handover' names the instance the plan expects ("" none). */
	bool shared;
	char handover[IFNAMSIZ];
};

struct sysctl_state {
	struct sysctl_entry *v;
	size_t n;
};

extern const struct stage stage_sysctl;

/* "net.ipv4.conf.eth0/100.rp_filter" for "net/ipv4/conf/eth0.100/rp_filter",
 * as sysctl(8) names it. */
void sysctl_name(const char *path, char *buf, size_t len);

const struct sysctl_entry *sysctl_state_find(const struct sysctl_state *s,
					     const char *path);
int sysctl_state_read(const struct instance *in, struct sysctl_state **out,
		      struct wgb_err *e);
/* cfg NULL: every recorded original value (what flush wants). */
int sysctl_state_build(const struct instance *in, const struct wgb_config *cfg,
		       struct sysctl_state **out, struct wgb_err *e);
void sysctl_state_free(struct sysctl_state *s);

/* Where the tests point the stage instead of /proc/sys (NULL: the real
 * one; the run directory has core/rundir.h's rundir_override). */
extern const char *sysctl_root;

/*
 * Files (sysctl_file.c), for sysctl.c and the tests.
 */
/* A value under /proc/sys: 0, -ENOENT when there is no such sysctl, or
 * another -errno. */
int sysctl_proc_read(const char *path, int *val);
int sysctl_proc_write(const char *path, int val);
/* The entry for path, appended (zeroed) when there is none; NULL: ENOMEM. */
struct sysctl_entry *sysctl_state_entry(struct sysctl_state *s, const char *path);
void sysctl_state_drop(struct sysctl_state *s, const char *path);
/* The record of instance 'name': "path=value" lines, as entries with rec
 * SYSCTL_REC_SET. No record is an empty one. */
int sysctl_record_load(const char *name, struct sysctl_state *rec);
/* Atomically replaces it; an empty record removes it. */
int sysctl_record_save(const char *name, const struct sysctl_state *rec);
/* Interfaces that may take router advertisements, from net/ipv6/conf,
 * sorted: not "all", not lo, not a wgbastion tunnel (self, or another
 * instance recorded in the run directory). Free with sysctl_names_free. */
int sysctl_v6_ifaces(const char *self, char ***out, size_t *n);
void sysctl_names_free(char **v, size_t n);
#endif
