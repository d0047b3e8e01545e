/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rtnetlink through libnl-route-3, keeping what libnl drops. libnl folds
 * the kernel's errors into its own NLE_* codes and (3.7) has no switch for
 * extended acks, so a socket opened here asks for them itself and an
 * error callback keeps the kernel's -errno and its sentence: a failure
 * reads "add address 10.0.0.1/24 dev wg0: <the kernel's own words>".
 * Used by the link (wg/link.c) and the route stage.
 */
#ifndef WGB_NLROUTE_H
#define WGB_NLROUTE_H

#include <stdbool.h>

#include "err.h"

struct nl_sock;
struct nl_cb;
struct nl_msg;

struct nlroute {
	struct nl_sock *sk;
	struct nl_cb *cb;	/* the socket's callbacks: clone to add yours */
	int error;		/* the kernel's -errno for the last request */
	char extack[256];	/* and its extended-ack text, "" if none */
};

/*
 * strict: NETLINK_GET_STRICT_CHK (Linux 4.20), so the kernel filters a
 * dump by what the request names. Only for requests built for it: libnl's
 * own cache dumps send short headers that strict checking refuses.
 */
int nlroute_open(struct nlroute *c, bool strict, struct wgb_err *e);
void nlroute_close(struct nlroute *c);
/* Forgets the last request's error: call before each request. */
void nlroute_reset(struct nlroute *c);
/* A libnl result as 0 or -errno: the kernel's own when it sent one,
 * else libnl's code mapped. */
int nlroute_errno(const struct nlroute *c, int nlerr);
/* Sends one request and waits for its ack: 0 or -errno (c says why). */
int nlroute_talk(struct nlroute *c, struct nl_msg *msg);

#endif
