/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * "host:port", "[IPv6]:port" and their port-less forms, split once for
 * every reader of them: the config's Endpoint and Destination, the
 * resolver, and a userspace WireGuard's UAPI replies. Only splits: what a
 * host or a port may be is the caller's rule, and so is the wording of a
 * refusal.
 */
#ifndef WGB_HOSTPORT_H
#define WGB_HOSTPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hostport {
	char host[256];		/* without the brackets; may be "" */
	const char *port;	/* into the text; NULL when there is no ':port' */
	bool bracketed;		/* the host was written "[...]" */
};

enum {
	HOSTPORT_UNCLOSED = 1,	/* '[' without its ']' */
	HOSTPORT_JUNK,		/* something other than ':' after ']' */
	HOSTPORT_TOO_LONG,	/* the host does not fit host[] */
};

/*
 * 0, or one of the HOSTPORT_* reasons (hp->bracketed is still set, and
 * after junk the host too, so that the caller may judge it first). Text
 * without brackets splits at its last ':', so a bare IPv6 address leaves
 * colons in hp->host: the caller refuses it or takes the text whole.
 */
int hostport_split(const char *s, struct hostport *hp);

/* And the other way: "192.0.2.1:51820", "[2001:db8::1]:51820"; port 0
 * gives the address alone ("192.0.2.1", "[2001:db8::1]"). */
void hostport_fmt(char *buf, size_t len, uint8_t family, const void *addr, uint16_t port);

#endif
