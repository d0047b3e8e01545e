/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmnl plumbing shared by every netlink user (nft, sock_diag,
 * conntrack, generic netlink): one socket recipe, one request-and-answers
 * loop, one reading of the kernel's error message.
 */
#ifndef WGB_NL_H
#define WGB_NL_H

#include <stddef.h>
#include <libmnl/libmnl.h>

/* A bound socket on 'bus' that asks for the kernel's extended-ack text
 * and closes on exec (we start wireguard-go). NULL with errno set. */
struct mnl_socket *nl_open(int bus);

/* Sends req and hands every data message answering it (its seq, our
 * portid) to cb, which may be NULL, until NLMSG_DONE or the ack.
 * cb returns MNL_CB_OK to go on, MNL_CB_STOP to end early, or a negative
 * -errno; MNL_CB_ERROR comes back as -EIO, so a callback that knows the
 * cause keeps it in its data. Returns 0, that error, the kernel's -errno
 * (its text in extack when extack_len), -EINTR after reading a whole dump
 * the kernel flagged inconsistent (the caller starts again), or -errno
 * of the socket. The receive buffer is wiped: a WireGuard dump carries
 * keys. */
int nl_request(struct mnl_socket *nl, const struct nlmsghdr *req,
	       mnl_cb_t cb, void *data, char *extack, size_t extack_len);

/* An NLMSG_ERROR message: returns its -errno (0 for an ack) and copies the
 * extended-ack text, if any, into extack (always NUL-terminated when len). */
int nl_error_parse(const struct nlmsghdr *nlh, char *extack, size_t len);

#endif
