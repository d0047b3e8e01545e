// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel WireGuard through the `wireguard` generic-netlink family, with
 * libmnl: resolve the family, dump WG_CMD_GET_DEVICE (again if the kernel
 * flags it inconsistent), send WG_CMD_SET_DEVICE as the messages
 * wg_kernel_msg.c builds, reading every ack and its extended-ack text.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/nl.h"
#include "wg_ipc.h"

/* --- talking to the kernel --------------------------------------------- */

struct genl {
	struct mnl_socket *nl;
	uint32_t seq;
	uint16_t family;
	char extack[256];
};

static int genl_open(struct genl *g)
{
	memset(g, 0, sizeof(*g));
	g->nl = nl_open(NETLINK_GENERIC);
	if (!g->nl)
		return -errno;
	g->seq = time(NULL);
	return 0;
}

static void genl_close(struct genl *g)
{
	if (g->nl)
		mnl_socket_close(g->nl);
	g->nl = NULL;
}

static int family_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			*(uint16_t *)arg = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

/* -ENOENT: the kernel has no wireguard family (module not loaded). */
static int genl_resolve(struct genl *g)
{
	char buf[256];
	struct nlmsghdr *nlh;
	uint32_t seq = g->seq++;
	int ret;

	nlh = wg_genl_msg_start(buf, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, seq,
			CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	g->family = 0;
	ret = nl_request(g->nl, nlh, family_cb, &g->family, g->extack, sizeof(g->extack));
	if (!ret && !g->family)
		ret = -ENOENT;
	return ret;
}

static int get_cb(const struct nlmsghdr *nlh, void *arg)
{
	int ret = wg_kernel_get_parse(nlh, arg);

	return ret < 0 ? ret : MNL_CB_OK;
}

/* Clears what a GET fills, so that a retried dump starts afresh. */
static void wg_part_clear(struct wg_state *st)
{
	size_t i;

	for (i = 0; i < st->n_peers; ++i) {
		prefix_list_free(&st->peers[i].allowed_ips);
		wg_secret_free(st->peers[i].psk);
	}
	free(st->peers);
	st->peers = NULL;
	st->n_peers = 0;
	wg_state_set_private_key(st, (const uint8_t[WG_KEY_LEN]){ 0 });
	st->listen_port = 0;
	st->fwmark = 0;
}

static int kernel_get(const char *name, struct wg_state *st, struct wgb_err *e)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct genl g;
	int ret, tries;

	ret = genl_open(&g);
	if (ret < 0)
		return err_kernel(e, ret, NULL, "generic netlink socket");
	ret = genl_resolve(&g);
	if (ret < 0) {
		err_kernel(e, ret, g.extack, "%s: wireguard generic netlink family", name);
		goto out;
	}
	/* the kernel flags a dump the device changed under: read again */
	for (tries = 0; tries < 5; ++tries) {
		wg_part_clear(st);
		nlh = wg_genl_msg_start(buf, g.family, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
				g.seq++, WG_CMD_GET_DEVICE, WG_GENL_VERSION);
		mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, name);
		ret = nl_request(g.nl, nlh, get_cb, st, g.extack, sizeof(g.extack));
		if (ret != -EINTR)
			break;
	}
	if (ret < 0)
		err_kernel(e, ret, g.extack, "%s: read WireGuard device", name);
out:
	genl_close(&g);
	return ret;
}

static int set_emit(const struct nlmsghdr *nlh, void *arg)
{
	struct genl *g = arg;

	return nl_request(g->nl, nlh, NULL, NULL, g->extack, sizeof(g->extack));
}

static int kernel_set(const char *name, const struct wg_set *s, struct wgb_err *e)
{
	size_t buflen = MNL_SOCKET_BUFFER_SIZE;
	struct genl g;
	void *buf;
	int ret;

	buf = calloc(1, buflen);
	if (!buf)
		return err_set(e, -ENOMEM, "wg: out of memory");
	ret = genl_open(&g);
	if (ret < 0) {
		err_kernel(e, ret, NULL, "generic netlink socket");
		goto out;
	}
	ret = genl_resolve(&g);
	if (ret < 0) {
		err_kernel(e, ret, g.extack, "%s: wireguard generic netlink family", name);
		goto out;
	}
	ret = wg_kernel_set_build(g.family, g.seq, name, s, buf, buflen, set_emit, &g);
	if (ret < 0)
		err_kernel(e, ret, g.extack, "%s: configure WireGuard device", name);
out:
	genl_close(&g);
	/* the buffer held the private and preshared keys */
	sodium_memzero(buf, buflen);
	free(buf);
	return ret;
}

const struct wg_backend_ops wg_kernel_ops = {
	.get = kernel_get,
	.set = kernel_set,
};
