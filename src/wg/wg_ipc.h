/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the WireGuard stage: the secrets, the change set a backend
 * applies, and the two backends (the ipc_get_device / ipc_set_device pair
 * of wireguard-tools). Not for use outside src/wg/ and its unit tests.
 */
#ifndef WGB_WG_IPC_H
#define WGB_WG_IPC_H

#include <stdio.h>

#include <linux/netlink.h>

#include "core/stage.h"
#include "lib/err.h"
#include "wg_state.h"

struct wg_secret {
	uint8_t key[WG_KEY_LEN];
};

/* Allocate (a copy of key, or zeros) / wipe and free; NULL-tolerant
 * (wg_state.c). */
struct wg_secret *wg_secret_new(const uint8_t *key);
void wg_secret_free(struct wg_secret *s);

/*
 * What one `set` carries, as `wg set` would: only flagged fields are sent,
 * so an unchanged peer is not in the list at all and keeps its session.
 */
enum {
	WG_SET_PRIVATE_KEY	= 1 << 0,	/* zero key: remove it */
	WG_SET_LISTEN_PORT	= 1 << 1,
	WG_SET_FWMARK		= 1 << 2,
};

enum {
	WG_PEER_REMOVE		= 1 << 0,
	WG_PEER_REPLACE_ALLOWEDIPS = 1 << 1,	/* then add allowed_ips */
	WG_PEER_PRESHARED_KEY	= 1 << 2,	/* zero key: remove it */
	WG_PEER_ENDPOINT	= 1 << 3,
	WG_PEER_KEEPALIVE	= 1 << 4,
};

struct wg_peer_set {
	uint8_t public_key[WG_KEY_LEN];
	unsigned flags;
	uint8_t preshared_key[WG_KEY_LEN];
	union wg_endpoint endpoint;
	uint16_t persistent_keepalive;
	const struct prefix *allowed_ips;	/* borrowed */
	size_t n_allowed_ips;
};

struct wg_set {
	unsigned flags;
	uint8_t private_key[WG_KEY_LEN];
	uint16_t listen_port;
	uint32_t fwmark;
	struct wg_peer_set *peers;
	size_t n_peers;
};

/* Wipes the keys in s and frees its peer array (wg_diff.c). */
void wg_set_free(struct wg_set *s);

/*
 * A backend fills the WireGuard part of a state (keys, port, fwmark,
 * peers) and applies a change set. The link part (ifindex, MTU, up,
 * addresses) is rtnetlink's, in link.c.
 */
struct wg_backend_ops {
	int (*get)(const char *name, struct wg_state *st, struct wgb_err *e);
	int (*set)(const char *name, const struct wg_set *s, struct wgb_err *e);
};
extern const struct wg_backend_ops wg_kernel_ops, wg_uapi_ops;

/* --- the stage's own parts ------------------------------------------ */

/* wg_build.c: the desired device; a missing PrivateKeyFile gets a new key
 * in memory, written by wg_key_file_create at sync time only. */
int wg_build(const struct instance *in, const struct wgb_config *cfg,
	     void **out, struct wgb_err *e);
int wg_key_file_create(const char *path, const struct wg_secret *key,
		       struct wgb_err *e);
/* "host:port" or "[v6]:port" to an address (getaddrinfo); on failure
 * returns -errno and says why in 'why'. */
int wg_endpoint_resolve(const char *text, union wg_endpoint *ep,
			char *why, size_t len);

/* wg_diff.c: what differs between two states, as plan lines (wg_diff) and
 * as the operations sync performs (wg_delta_*): one comparison for both. */
struct wg_peer_change {
	const struct wg_peer_state *from, *to;	/* from NULL: new; to NULL: removed */
	unsigned what;		/* WG_PEER_* that differ */
};

struct wg_delta {
	bool create, destroy;
	unsigned dev;		/* WG_SET_* that differ */
	struct wg_peer_change *peers;
	size_t n_peers;
	const struct prefix **addr_del, **addr_add;
	size_t n_addr_del, n_addr_add;
	bool mtu, up;
};

int wg_delta_compute(const struct wg_state *from, const struct wg_state *to,
		     struct wg_delta *d);
/* The change set that takes the device from 'from' to 'to' (borrows
 * allowed IPs from 'to'). */
int wg_delta_set(const struct wg_delta *d, const struct wg_state *to,
		 struct wg_set *s);
void wg_delta_free(struct wg_delta *d);
int wg_diff(const void *from, const void *to, struct plan *p);

/* --- kernel backend: messages in wg_kernel_msg.c (kernel-free tests),
 * sent by wg_kernel.c ---------------------------------------------------- */

/* A generic-netlink request header in buf. */
struct nlmsghdr *wg_genl_msg_start(void *buf, uint16_t type, uint16_t flags,
				   uint32_t seq, uint8_t cmd, uint8_t version);

/* Serialises s into WG_CMD_SET_DEVICE messages of at most buflen bytes
 * each, split the way the kernel accepts (a peer that does not fit is
 * continued in the next message without its flags), calling emit on each.
 * Returns 0, -EMSGSIZE if one item cannot fit any message, or emit's error. */
int wg_kernel_set_build(uint16_t family, uint32_t seq, const char *ifname,
			const struct wg_set *s, void *buf, size_t buflen,
			int (*emit)(const struct nlmsghdr *nlh, void *arg),
			void *arg);
/* Parses one message of a WG_CMD_GET_DEVICE dump into st; a peer that the
 * previous message began is continued. Returns 0 or -EINVAL. */
int wg_kernel_get_parse(const struct nlmsghdr *nlh, struct wg_state *st);

/* --- UAPI backend (wg_uapi.c) ---------------------------------------- */

/* The text of a `set=1` request for s, ending with the blank line. */
int wg_uapi_set_write(FILE *f, const struct wg_set *s);
/* Parses a `get=1` reply up to its blank line into st. Returns 0, the
 * daemon's -errno, or -EPROTO/-EINVAL on a malformed reply. */
int wg_uapi_get_parse(FILE *f, struct wg_state *st);
/* Reads and parses the reply on fd (a `set=1` reply when st is NULL),
 * then closes fd. Returns what wg_uapi_get_parse() does, or -errno. */
int wg_uapi_read_reply(int fd, struct wg_state *st);
/* Connects to /var/run/wireguard/NAME.sock if a daemon in this network
 * namespace serves it: returns the fd, or -errno (-ENOENT: no socket,
 * -ECONNREFUSED: stale, -EXDEV: served from another network namespace).
 * pid non-NULL: finds the daemon (a /proc scan) and its comm. */
int wg_uapi_connect(const char *name, pid_t *pid, char *comm, size_t commlen);
int wg_uapi_path(char *buf, size_t len, const char *name);

/* --- userspace implementation (wg_userspace.c) ----------------------- */

/* $WG_QUICK_USERSPACE_IMPLEMENTATION, or "wireguard-go". */
const char *wg_userspace_prog(void);
/* Runs it for NAME as wg-quick does and waits until its UAPI socket
 * answers and the link exists. */
int wg_userspace_start(const char *name, struct wgb_err *e);
/* After the link was deleted: waits for the daemon to leave its socket. */
int wg_userspace_wait_gone(const char *name, struct wgb_err *e);

#endif
