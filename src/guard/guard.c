// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lockout guard. A forward DNATs *every* connection to its public port
 * on any local address, so a forward of tcp/22 silently replaces sshd: the
 * next ssh login goes through the tunnel to somewhere else. apply refuses
 * that unless the forward says Shadow = yes.
 *
 * Listeners come from NETLINK_SOCK_DIAG (what ss(8) uses): TCP sockets in
 * LISTEN, unconnected UDP sockets, of the forward's family, plus IPv6
 * sockets without IPV6_V6ONLY, which take IPv4 too. A socket bound to a
 * tunnel address, to the tunnel device or to loopback is not shadowed (no
 * client of the forward could reach it anyway). The owning process is found
 * by the socket inode in /proc/PID/fd, as ss -p does.
 */
/* first: its libc headers must come before the kernel uapi ones */
#include "guard.h"
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/array.h"
#include "lib/hostport.h"
#include "lib/nl.h"
#include "lib/proc.h"
#include "lib/warn.h"

/* One listening socket, as much as the guard needs. */
struct listener {
	uint8_t family;
	uint8_t proto;		/* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t port;
	uint8_t addr[16];
	uint32_t ifindex;	/* SO_BINDTODEVICE, 0 if none */
	uint32_t inode;
	bool v6only;
};

struct listeners {
	struct listener *v;
	size_t n, cap;
	uint8_t proto;		/* of the dump being read */
	int err;
};

static int diag_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, INET_DIAG_MAX) > 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static int diag_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[INET_DIAG_MAX + 1] = { 0 };
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct listeners *ls = data;
	struct listener *l;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_ERROR;
	/* a connected UDP socket only hears its one peer: not a listener */
	if (ls->proto == IPPROTO_UDP && m->id.idiag_dport)
		return MNL_CB_OK;
	l = array_push(ls->v, ls->n, &ls->cap);
	if (!l) {
		ls->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	mnl_attr_parse(nlh, sizeof(*m), diag_attr_cb, tb);
	l->family = m->idiag_family;
	l->proto = ls->proto;
	l->port = ntohs(m->id.idiag_sport);
	memcpy(l->addr, m->id.idiag_src, sizeof(l->addr));
	l->ifindex = m->id.idiag_if;
	l->inode = m->idiag_inode;
	l->v6only = tb[INET_DIAG_SKV6ONLY] && mnl_attr_get_u8(tb[INET_DIAG_SKV6ONLY]);
	return MNL_CB_OK;
}

/* Appends the listeners of one family and protocol. */
static int diag_dump(struct mnl_socket *nl, uint8_t family, uint8_t proto,
		     struct listeners *ls)
{
	char buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct inet_diag_req_v2))];
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = time(NULL);
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = proto;
	/* unconnected UDP sockets are in TCP_CLOSE, as the kernel counts */
	req->idiag_states = proto == IPPROTO_TCP ? 1u << TCP_LISTEN : 1u << TCP_CLOSE;
	ls->proto = proto;
	ret = nl_request(nl, nlh, diag_msg_cb, ls, NULL, 0);
	return ret < 0 && ls->err ? ls->err : ret;
}

static int listeners_read(struct listeners *ls)
{
	static const struct { uint8_t family, proto; } what[] = {
		{ AF_INET, IPPROTO_TCP }, { AF_INET6, IPPROTO_TCP },
		{ AF_INET, IPPROTO_UDP }, { AF_INET6, IPPROTO_UDP },
	};
	struct mnl_socket *nl;
	size_t i;
	int ret = 0;

	nl = nl_open(NETLINK_SOCK_DIAG);
	if (!nl)
		return -errno;
	for (i = 0; i < sizeof(what) / sizeof(what[0]); ++i) {
		/* a kernel without IPv6 has nothing to list there */
		ret = diag_dump(nl, what[i].family, what[i].proto, ls);
		if (ret == -ENOENT && what[i].family == AF_INET6)
			ret = 0;
		if (ret < 0)
			goto out;
	}
out:
	mnl_socket_close(nl);
	return ret;
}

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static bool is_zero(const uint8_t *a, size_t n)
{
	while (n--)
		if (*a++)
			return false;
	return true;
}

/* The IPv4 address a listener takes IPv4 connections on, if it does. */
static bool listener_v4(const struct listener *l, uint8_t out[4])
{
	if (l->family == AF_INET) {
		memcpy(out, l->addr, 4);
		return true;
	}
	if (l->v6only)
		return false;
	if (is_zero(l->addr, 16)) {
		memset(out, 0, 4);
		return true;
	}
	if (!memcmp(l->addr, v4mapped, 12)) {
		memcpy(out, l->addr + 12, 4);
		return true;
	}
	return false;
}

/* Could a client of this forward have reached the listener before? */
static bool listener_reachable(const struct wgb_config *cfg, int family,
			       const uint8_t *addr, uint32_t ifindex,
			       unsigned tun_ifindex)
{
	static const uint8_t lo6[16] = { [15] = 1 };
	const struct prefix *p;
	size_t i, alen = family == AF_INET ? 4 : 16;

	if (ifindex && (ifindex == tun_ifindex || ifindex == 1))
		return false;	/* bound to the tunnel or to lo */
	if (is_zero(addr, alen))
		return true;	/* wildcard: every local address */
	if (family == AF_INET ? addr[0] == 127 : !memcmp(addr, lo6, 16))
		return false;
	for (i = 0; i < cfg->iface.addresses.n; ++i) {
		p = &cfg->iface.addresses.v[i];
		if (p->family == family && !memcmp(p->addr.bytes, addr, alen))
			return false;	/* a tunnel address */
	}
	return true;
}

static bool forward_shadows(const struct wgb_config *cfg, const struct wgb_forward *f,
			    const struct listener *l, unsigned tun_ifindex)
{
	uint8_t a4[4];

	if (l->port < f->port_lo || l->port > f->port_hi)
		return false;
	if (!(f->protocols & (l->proto == IPPROTO_TCP ? PROTO_TCP : PROTO_UDP)))
		return false;
	if (f->family == AF_INET)
		return listener_v4(l, a4) &&
		       listener_reachable(cfg, AF_INET, a4, l->ifindex, tun_ifindex);
	return l->family == AF_INET6 &&
	       listener_reachable(cfg, AF_INET6, l->addr, l->ifindex, tun_ifindex);
}

/* The process holding socket 'inode': pid and comm, like ss -p. */
static pid_t socket_owner(uint32_t inode, char *comm, size_t len)
{
	pid_t pid = proc_socket_owner(inode);

	snprintf(comm, len, "an unknown process");
	if (pid)
		proc_comm(pid, comm, len);
	return pid;
}

static void listener_addr(const struct listener *l, char *buf, size_t len)
{
	hostport_fmt(buf, len, l->family, l->addr, l->port);
}

/* A forward that may take a port over (Shadow = no): the guard's work. */
static bool any_guarded(const struct wgb_config *cfg)
{
	const struct wgb_forward *f;

	for_each_forward(cfg, f)
		if (!f->shadow)
			return true;
	return false;
}

int guard_check(const struct wgb_config *cfg, struct wgb_err *e)
{
	struct listeners ls = { 0 };
	const struct wgb_forward *f;
	unsigned tun = if_nametoindex(cfg->iface.name);
	size_t i;
	int ret;

	/* not by the loop's end: with no forward, that is NULL + 0 */
	if (!any_guarded(cfg))
		return 0;	/* nothing to guard */

	ret = listeners_read(&ls);
	if (ret < 0) {
		warning("cannot list local listeners (%s): the lockout guard is off for this run",
			strerror(-ret));
		ret = 0;
		goto out;
	}
	for_each_forward(cfg, f) {
		if (f->shadow)
			continue;
		for (i = 0; i < ls.n; ++i) {
			char comm[64], where[INET6_ADDRSTRLEN + 8], who[96];
			const struct listener *l = &ls.v[i];
			pid_t pid;

			if (!forward_shadows(cfg, f, l, tun))
				continue;
			pid = socket_owner(l->inode, comm, sizeof(comm));
			if (pid)
				snprintf(who, sizeof(who), "%s (pid %d)", comm, (int)pid);
			else
				snprintf(who, sizeof(who), "%s (socket inode %u)", comm, l->inode);
			listener_addr(l, where, sizeof(where));
			ret = err_set(e, -EADDRINUSE,
				      "%s:%u: Forward %s: %s port %u is where %s listens (%s); "
				      "the forward would take it over and could lock you out. "
				      "Set Shadow = yes in [Forward %s] to do it anyway",
				      cfg->path, f->line, f->name,
				      l->proto == IPPROTO_TCP ? "tcp" : "udp", l->port,
				      who, where, f->name);
			goto out;
		}
	}
out:
	free(ls.v);
	return ret;
}
