/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The WireGuard stage's state type: one type serves as live state (read),
 * desired state (build) and what show prints. Secrets (the private key,
 * preshared keys) live behind opaque pointers that only the stage itself
 * dereferences, so that nothing outside it can print them by accident;
 * the public key is derived and kept in the clear.
 */
#ifndef WGB_WG_STATE_H
#define WGB_WG_STATE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "config/model.h"

enum wg_backend {
	WG_BACKEND_NONE = 0,	/* no device (or, desired: whatever works) */
	WG_BACKEND_KERNEL,
	WG_BACKEND_USERSPACE,
};

/* An endpoint: sa.sa_family is AF_UNSPEC when there is none. */
union wg_endpoint {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

struct wg_secret;	/* 32 key bytes; private to the stage */

struct wg_peer_state {
	uint8_t public_key[WG_KEY_LEN];
	bool has_preshared_key;
	union wg_endpoint endpoint;
	struct prefix_list allowed_ips;
	uint16_t persistent_keepalive;	/* seconds, 0 = off */
	struct timespec last_handshake;	/* 0 = never (live state only) */
	uint64_t rx_bytes, tx_bytes;	/* live state only */
	struct wg_secret *psk;		/* NULL when none; never print */
};

struct wg_state {
	bool exists;			/* false: no link (flush, or not yet) */
	enum wg_backend backend;
	char name[IFNAMSIZ];
	int ifindex;			/* live state only */
	bool has_public_key;		/* a private key is set */
	uint8_t public_key[WG_KEY_LEN];
	uint16_t listen_port;
	uint32_t fwmark;		/* 0 = off */
	uint32_t mtu;
	bool up;
	struct prefix_list addresses;	/* as configured: host bits kept */
	/* live only: IPv6 link-local addresses, which the kernel puts on a
	 * link by itself; never removed, never restored, and a configured
	 * one found here counts as present */
	struct prefix_list link_local;
	struct wg_peer_state *peers;
	size_t n_peers;
	/* userspace: the program (the one apply would start; show replaces
	 * it with the comm of the process serving the socket) and that
	 * process's pid (show only: wg_userspace_owner) */
	char userspace_prog[64];
	pid_t userspace_pid;
	/* desired only: PrivateKeyFile to create at sync (a new key) */
	char *new_key_file;
	struct wg_secret *private_key;	/* NULL when none; never print */
};

/* Building blocks shared by read, build and the backends. */
struct wg_peer_state *wg_state_add_peer(struct wg_state *st);	/* zeroed; NULL: ENOMEM */
void wg_state_clear(struct wg_state *st);	/* frees contents, keeps name */
void wg_state_free(struct wg_state *st);
/* Sets st->private_key (and the public key derived from it). */
int wg_state_set_private_key(struct wg_state *st, const uint8_t key[WG_KEY_LEN]);

const char *wg_backend_name(enum wg_backend b);	/* "kernel", "userspace" */
/* The process serving a userspace device's socket, for show: a walk of
 * /proc (hundreds of readlinks) that apply never pays. 0 with *pid and
 * comm (its name) set, or -errno. */
int wg_userspace_owner(const char *name, pid_t *pid, char *comm, size_t len);
/* "192.0.2.1:51820", "[2001:db8::1]:51820" or "(none)". */
void wg_endpoint_str(char *buf, size_t len, const union wg_endpoint *ep);
const struct wg_peer_state *wg_peer_find(const struct wg_state *st,
					 const uint8_t key[WG_KEY_LEN]);

#endif
