/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The WireGuard device stage (core/stage.h): the link NAME, its
 * private key, listen port, fwmark, peers, addresses, MTU and up state.
 *
 * Its state type is wg_state.h's; the parts inside the stage (backends,
 * change sets) are wg_ipc.h's.
 *
 * Two backends sit behind one get/set interface, picked at run time as
 * wireguard-tools does: the kernel's `wireguard` generic-netlink family, or
 * a userspace implementation (wireguard-go) through its UAPI socket.
 */
#ifndef WGB_WG_H
#define WGB_WG_H

#include "core/stage.h"

extern const struct stage stage_wg;

#endif
