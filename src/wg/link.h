/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rtnetlink for the WireGuard link (libnl-route-3): create, delete, MTU,
 * up/down, and its addresses. Every call opens its own socket; errors are
 * -errno with the kernel's extended-ack text in e.
 */
#ifndef WGB_LINK_H
#define WGB_LINK_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/prefix.h"

struct link_info {
	int ifindex;
	char kind[32];		/* IFLA_INFO_KIND: "wireguard", "tun", "" */
	uint32_t mtu;
	bool up;		/* IFF_UP */
};

/* -ENODEV when there is no such link (e untouched then). */
int link_get(const char *name, struct link_info *li, struct wgb_err *e);
/* A new link of this kind; mtu 0 leaves the kind's default. -EOPNOTSUPP
 * when the kernel does not know the kind (no module). */
int link_create(const char *name, const char *kind, uint32_t mtu,
		struct wgb_err *e);
int link_delete(const char *name, int ifindex, struct wgb_err *e);
int link_set_mtu(const char *name, int ifindex, uint32_t mtu, struct wgb_err *e);
int link_set_up(const char *name, int ifindex, bool up, struct wgb_err *e);

/* Every address on the link, with its prefix length (host bits kept). */
int link_addrs_read(int ifindex, struct prefix_list *out, struct wgb_err *e);
int link_addr_add(const char *name, int ifindex, const struct prefix *p,
		  struct wgb_err *e);
int link_addr_del(const char *name, int ifindex, const struct prefix *p,
		  struct wgb_err *e);

#endif
