// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel WireGuard messages (<linux/wireguard.h>), built and parsed without
 * a kernel, so that unit tests cover them; wg_kernel.c sends them.
 *
 * GET is a dump: device attributes come in the first message, peers in as
 * many messages as they need, and a peer whose AllowedIPs did not fit is
 * continued in the next message under the same public key. SET has no
 * dump: a change too large for one message is split the same way, the
 * continuation of a peer carrying only its public key and more AllowedIPs
 * (never its flags, which would replace what the previous message added).
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <string.h>

#include "wg_ipc.h"

struct nlmsghdr *wg_genl_msg_start(void *buf, uint16_t type, uint16_t flags,
				   uint32_t seq, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static bool put_allowedip(struct nlmsghdr *nlh, size_t buflen, const struct prefix *p)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, buflen, 0);

	if (!n)
		return false;
	if (!mnl_attr_put_u16_check(nlh, buflen, WGALLOWEDIP_A_FAMILY, p->family) ||
	    !mnl_attr_put_check(nlh, buflen, WGALLOWEDIP_A_IPADDR,
				p->family == AF_INET6 ? 16 : 4, p->addr.bytes) ||
	    !mnl_attr_put_u8_check(nlh, buflen, WGALLOWEDIP_A_CIDR_MASK, p->len)) {
		mnl_attr_nest_cancel(nlh, n);
		return false;
	}
	mnl_attr_nest_end(nlh, n);
	return true;
}

/* Everything of a peer but its public key and AllowedIPs: sent once. */
static bool put_peer_head(struct nlmsghdr *nlh, size_t buflen, const struct wg_peer_set *ps)
{
	uint32_t flags = 0;

	if (ps->flags & WG_PEER_REMOVE)
		flags |= WGPEER_F_REMOVE_ME;
	if (ps->flags & WG_PEER_REPLACE_ALLOWEDIPS)
		flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
	if (flags && !mnl_attr_put_u32_check(nlh, buflen, WGPEER_A_FLAGS, flags))
		return false;
	if (ps->flags & WG_PEER_REMOVE)
		return true;
	if ((ps->flags & WG_PEER_PRESHARED_KEY) &&
	    !mnl_attr_put_check(nlh, buflen, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, ps->preshared_key))
		return false;
	if ((ps->flags & WG_PEER_ENDPOINT) && ps->endpoint.sa.sa_family == AF_INET &&
	    !mnl_attr_put_check(nlh, buflen, WGPEER_A_ENDPOINT, sizeof(ps->endpoint.in4), &ps->endpoint.in4))
		return false;
	if ((ps->flags & WG_PEER_ENDPOINT) && ps->endpoint.sa.sa_family == AF_INET6 &&
	    !mnl_attr_put_check(nlh, buflen, WGPEER_A_ENDPOINT, sizeof(ps->endpoint.in6), &ps->endpoint.in6))
		return false;
	if ((ps->flags & WG_PEER_KEEPALIVE) &&
	    !mnl_attr_put_u16_check(nlh, buflen, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
				    ps->persistent_keepalive))
		return false;
	return true;
}

static bool put_device(struct nlmsghdr *nlh, size_t buflen, const struct wg_set *s)
{
	if ((s->flags & WG_SET_PRIVATE_KEY) &&
	    !mnl_attr_put_check(nlh, buflen, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, s->private_key))
		return false;
	if ((s->flags & WG_SET_LISTEN_PORT) &&
	    !mnl_attr_put_u16_check(nlh, buflen, WGDEVICE_A_LISTEN_PORT, s->listen_port))
		return false;
	if ((s->flags & WG_SET_FWMARK) &&
	    !mnl_attr_put_u32_check(nlh, buflen, WGDEVICE_A_FWMARK, s->fwmark))
		return false;
	return true;
}

int wg_kernel_set_build(uint16_t family, uint32_t seq, const char *ifname,
			const struct wg_set *s, void *buf, size_t buflen,
			int (*emit)(const struct nlmsghdr *nlh, void *arg),
			void *arg)
{
	size_t pi = 0, ai = 0;	/* next peer, and next AllowedIP of it */
	bool first = true, head_sent = false;
	int ret;

	while (first || pi < s->n_peers) {
		struct nlmsghdr *nlh;
		struct nlattr *peers;
		bool progress = first;

		nlh = wg_genl_msg_start(buf, family, NLM_F_REQUEST | NLM_F_ACK, seq++,
				WG_CMD_SET_DEVICE, WG_GENL_VERSION);
		if (!mnl_attr_put_strz_check(nlh, buflen, WGDEVICE_A_IFNAME, ifname) ||
		    (first && !put_device(nlh, buflen, s)))
			return -EMSGSIZE;
		peers = pi < s->n_peers ? mnl_attr_nest_start_check(nlh, buflen, WGDEVICE_A_PEERS) : NULL;
		while (peers && pi < s->n_peers) {
			const struct wg_peer_set *ps = &s->peers[pi];
			struct nlattr *pn, *an;
			bool useful = false;
			size_t added = 0;

			pn = mnl_attr_nest_start_check(nlh, buflen, 0);
			if (!pn)
				break;
			if (!mnl_attr_put_check(nlh, buflen, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, ps->public_key))
				goto full;
			if (!head_sent) {
				if (!put_peer_head(nlh, buflen, ps))
					goto full;
				useful = true;
			}
			if (ai < ps->n_allowed_ips &&
			    (an = mnl_attr_nest_start_check(nlh, buflen, WGPEER_A_ALLOWEDIPS))) {
				while (ai < ps->n_allowed_ips &&
				       put_allowedip(nlh, buflen, &ps->allowed_ips[ai])) {
					++ai;
					++added;
				}
				if (added)
					mnl_attr_nest_end(nlh, an);
				else
					mnl_attr_nest_cancel(nlh, an);
			}
			if (!useful && !added)
				goto full;
			mnl_attr_nest_end(nlh, pn);
			progress = true;
			if (ai < ps->n_allowed_ips) {	/* continued next message */
				head_sent = true;
				break;
			}
			++pi;
			ai = 0;
			head_sent = false;
			continue;
full:
			mnl_attr_nest_cancel(nlh, pn);
			break;
		}
		if (peers) {
			/* empty when the tail is still just past its header:
			 * a nest's length is only written by its end, so
			 * reading it here read the buffer's old bytes */
			if ((char *)mnl_nlmsg_get_payload_tail(nlh) ==
			    (char *)peers + MNL_ATTR_HDRLEN)
				mnl_attr_nest_cancel(nlh, peers);
			else
				mnl_attr_nest_end(nlh, peers);
		}
		if (!progress)
			return -EMSGSIZE;	/* one peer alone does not fit */
		ret = emit(nlh, arg);
		if (ret < 0)
			return ret;
		first = false;
	}
	return 0;
}

static int parse_allowedip(const struct nlattr *a, struct prefix_list *l)
{
	const struct nlattr *x;
	struct prefix p = { 0 };
	bool have_family = false, have_addr = false, have_len = false;
	const void *addr = NULL;
	uint16_t alen = 0;

	mnl_attr_for_each_nested(x, a) {
		switch (mnl_attr_get_type(x)) {
		case WGALLOWEDIP_A_FAMILY:
			if (mnl_attr_validate(x, MNL_TYPE_U16) < 0)
				return -EINVAL;
			p.family = mnl_attr_get_u16(x);
			have_family = true;
			break;
		case WGALLOWEDIP_A_IPADDR:
			addr = mnl_attr_get_payload(x);
			alen = mnl_attr_get_payload_len(x);
			have_addr = true;
			break;
		case WGALLOWEDIP_A_CIDR_MASK:
			if (mnl_attr_validate(x, MNL_TYPE_U8) < 0)
				return -EINVAL;
			p.len = mnl_attr_get_u8(x);
			have_len = true;
			break;
		}
	}
	if (!have_family || !have_addr || !have_len ||
	    !((p.family == AF_INET && alen == 4 && p.len <= 32) ||
	      (p.family == AF_INET6 && alen == 16 && p.len <= 128)))
		return -EINVAL;
	memcpy(p.addr.bytes, addr, alen);
	return prefix_list_add(l, &p);
}

static int parse_peer(const struct nlattr *nest, struct wg_state *st)
{
	const struct nlattr *a, *key = NULL;
	struct wg_peer_state *p;
	int ret;

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == WGPEER_A_PUBLIC_KEY &&
		    mnl_attr_get_payload_len(a) == WG_KEY_LEN)
			key = a;
	if (!key)
		return -EINVAL;
	/* the kernel continues a peer in the next message under its key */
	if (st->n_peers &&
	    !memcmp(st->peers[st->n_peers - 1].public_key, mnl_attr_get_payload(key), WG_KEY_LEN)) {
		p = &st->peers[st->n_peers - 1];
	} else {
		p = wg_state_add_peer(st);
		if (!p)
			return -ENOMEM;
		memcpy(p->public_key, mnl_attr_get_payload(key), WG_KEY_LEN);
	}

	mnl_attr_for_each_nested(a, nest) {
		const void *v = mnl_attr_get_payload(a);
		uint16_t len = mnl_attr_get_payload_len(a);

		switch (mnl_attr_get_type(a)) {
		case WGPEER_A_PRESHARED_KEY:
			if (len != WG_KEY_LEN)
				return -EINVAL;
			wg_secret_free(p->psk);
			p->psk = NULL;
			p->has_preshared_key = !key_is_zero(v);
			if (p->has_preshared_key && !(p->psk = wg_secret_new(v)))
				return -ENOMEM;
			break;
		case WGPEER_A_ENDPOINT:
			if (len == sizeof(p->endpoint.in4) &&
			    ((const struct sockaddr *)v)->sa_family == AF_INET)
				memcpy(&p->endpoint.in4, v, len);
			else if (len == sizeof(p->endpoint.in6) &&
				 ((const struct sockaddr *)v)->sa_family == AF_INET6)
				memcpy(&p->endpoint.in6, v, len);
			break;
		case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return -EINVAL;
			p->persistent_keepalive = mnl_attr_get_u16(a);
			break;
		case WGPEER_A_LAST_HANDSHAKE_TIME: {
			int64_t ts[2];	/* struct __kernel_timespec */

			if (len != sizeof(ts))
				return -EINVAL;
			memcpy(ts, v, sizeof(ts));
			p->last_handshake.tv_sec = ts[0];
			p->last_handshake.tv_nsec = ts[1];
			break;
		}
		case WGPEER_A_RX_BYTES:
			if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
				return -EINVAL;
			p->rx_bytes = mnl_attr_get_u64(a);
			break;
		case WGPEER_A_TX_BYTES:
			if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
				return -EINVAL;
			p->tx_bytes = mnl_attr_get_u64(a);
			break;
		case WGPEER_A_ALLOWEDIPS: {
			const struct nlattr *x;

			mnl_attr_for_each_nested(x, a)
				if ((ret = parse_allowedip(x, &p->allowed_ips)) < 0)
					return ret;
			break;
		}
		}
	}
	return 0;
}

int wg_kernel_get_parse(const struct nlmsghdr *nlh, struct wg_state *st)
{
	const struct nlattr *a, *x;
	int ret;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct genlmsghdr))
		return -EINVAL;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		const void *v = mnl_attr_get_payload(a);
		uint16_t len = mnl_attr_get_payload_len(a);

		switch (mnl_attr_get_type(a)) {
		case WGDEVICE_A_PRIVATE_KEY:
			if (len != WG_KEY_LEN)
				return -EINVAL;
			ret = wg_state_set_private_key(st, v);
			if (ret < 0)
				return ret;
			break;
		case WGDEVICE_A_LISTEN_PORT:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return -EINVAL;
			st->listen_port = mnl_attr_get_u16(a);
			break;
		case WGDEVICE_A_FWMARK:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EINVAL;
			st->fwmark = mnl_attr_get_u32(a);
			break;
		case WGDEVICE_A_IFINDEX:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EINVAL;
			if (!st->ifindex)
				st->ifindex = mnl_attr_get_u32(a);
			break;
		case WGDEVICE_A_PEERS:
			mnl_attr_for_each_nested(x, a)
				if ((ret = parse_peer(x, st)) < 0)
					return ret;
			break;
		}
	}
	return 0;
}
