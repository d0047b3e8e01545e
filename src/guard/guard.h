/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Things that save an operator an evening:
 *  - the lockout guard: apply refuses a forward whose public port a local
 *    process listens on (sshd on 22), unless the forward says Shadow = yes;
 *  - warnings about what would silently eat the traffic we set up: another
 *    firewall's forward chain that drops, strict reverse-path filtering on
 *    the uplink, a peer that has not shaken hands for minutes.
 */
#ifndef WGB_GUARD_H
#define WGB_GUARD_H

#include <stddef.h>

#include "config/model.h"
#include "exec/exec.h"
#include "lib/err.h"

/*
 * 0 when no forward without Shadow = yes would take a port that a local
 * process listens on (for an address other than the tunnel's or loopback);
 * otherwise -EADDRINUSE with e naming the forward (file:line), the port, and
 * the process (comm and pid). When listeners cannot be listed at all it
 * warns and returns 0: a missing diag module must not block every apply.
 */
int guard_check(const struct wgb_config *cfg, struct wgb_err *e);

/*
 * Says (lib/warn.h) everything worth a warning about this instance:
 * foreign forward-hook chains that drop, strict rp_filter where it bites,
 * stale handshakes (from the live WireGuard state in r when r is non-NULL
 * and read it). cfg may be NULL (show with a broken config): then only
 * what needs no config.
 */
void guard_warnings(const struct wgb_config *cfg, const struct instance *in,
		    const struct run *r);

/* Peers of a live WireGuard state without a handshake for over 3 minutes
 * (guard_peers.c); guard_warnings calls it with the run's live state. */
struct wg_state;
void guard_warn_peers(const struct wg_state *w);

#endif
