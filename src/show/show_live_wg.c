// SPDX-License-Identifier: GPL-2.0-only
/* show: the WireGuard device and its peers (wg_state.h) into the view. Only
 * public keys are copied; the state's secrets stay behind its opaque
 * pointers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "show_live.h"
#include "wg/wg_state.h"

int show_live_wg(struct show_view *v, const void *state)
{
	const struct wg_state *w = state;
	char comm[sizeof(v->iface.userspace_prog)];
	pid_t pid;
	struct show_iface *i = &v->iface;
	size_t k;

	if (!w || !w->exists) {
		i->addresses = strdup("");
		return i->addresses ? 0 : -ENOMEM;
	}
	i->exists = true;
	snprintf(i->name, sizeof(i->name), "%s", w->name);
	i->backend = wg_backend_name(w->backend);
	snprintf(i->userspace_prog, sizeof(i->userspace_prog), "%s", w->userspace_prog);
	i->userspace_pid = w->userspace_pid;
	if (w->backend == WG_BACKEND_USERSPACE && wg_userspace_owner(w->name, &pid, comm, sizeof(comm)) == 0) {
		i->userspace_pid = pid;
		if (comm[0])
			snprintf(i->userspace_prog, sizeof(i->userspace_prog), "%s", comm);
	}
	i->has_public_key = w->has_public_key;
	if (w->has_public_key)
		key_to_base64(i->public_key, w->public_key);
	i->listen_port = w->listen_port;
	i->fwmark = w->fwmark;
	i->mtu = w->mtu;
	i->up = w->up;
	i->addresses = prefix_list_fmt(&w->addresses);
	if (!i->addresses)
		return -ENOMEM;
	i->peers = calloc(w->n_peers ? w->n_peers : 1, sizeof(*i->peers));
	if (!i->peers)
		return -ENOMEM;
	for (k = 0; k < w->n_peers; ++k) {
		const struct wg_peer_state *p = &w->peers[k];
		struct show_peer *sp = &i->peers[i->n_peers];

		key_to_base64(sp->public_key, p->public_key);
		if (p->endpoint.sa.sa_family != AF_UNSPEC)
			wg_endpoint_str(sp->endpoint, sizeof(sp->endpoint), &p->endpoint);
		sp->allowed_ips = prefix_list_fmt(&p->allowed_ips);
		if (!sp->allowed_ips)
			return -ENOMEM;
		i->n_peers++;
		sp->keepalive = p->persistent_keepalive;
		sp->last_handshake = p->last_handshake.tv_sec;
		sp->rx_bytes = p->rx_bytes;
		sp->tx_bytes = p->tx_bytes;
		sp->has_preshared_key = p->has_preshared_key;
	}
	return 0;
}

