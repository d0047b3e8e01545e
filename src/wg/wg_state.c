// SPDX-License-Identifier: GPL-2.0-only
/* The WireGuard state type (wg_state.h): its parts, and its secrets. */
#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "lib/hostport.h"
#include "wg_ipc.h"

struct wg_secret *wg_secret_new(const uint8_t *key)
{
	struct wg_secret *s = calloc(1, sizeof(*s));

	if (s && key)
		memcpy(s->key, key, WG_KEY_LEN);
	return s;
}

void wg_secret_free(struct wg_secret *s)
{
	if (!s)
		return;
	sodium_memzero(s, sizeof(*s));
	free(s);
}

const char *wg_backend_name(enum wg_backend b)
{
	switch (b) {
	case WG_BACKEND_KERNEL:
		return "kernel";
	case WG_BACKEND_USERSPACE:
		return "userspace";
	default:
		return "none";
	}
}

void wg_endpoint_str(char *buf, size_t len, const union wg_endpoint *ep)
{
	switch (ep->sa.sa_family) {
	case AF_INET:
		hostport_fmt(buf, len, AF_INET, &ep->in4.sin_addr, ntohs(ep->in4.sin_port));
		break;
	case AF_INET6:
		hostport_fmt(buf, len, AF_INET6, &ep->in6.sin6_addr, ntohs(ep->in6.sin6_port));
		break;
	default:
		snprintf(buf, len, "(none)");
	}
}

const struct wg_peer_state *wg_peer_find(const struct wg_state *st,
					 const uint8_t key[WG_KEY_LEN])
{
	size_t i;

	for (i = 0; i < st->n_peers; ++i)
		if (!memcmp(st->peers[i].public_key, key, WG_KEY_LEN))
			return &st->peers[i];
	return NULL;
}

struct wg_peer_state *wg_state_add_peer(struct wg_state *st)
{
	return array_push(st->peers, st->n_peers, NULL);
}

int wg_state_set_private_key(struct wg_state *st, const uint8_t key[WG_KEY_LEN])
{
	wg_secret_free(st->private_key);
	st->private_key = NULL;
	st->has_public_key = false;
	if (key_is_zero(key))
		return 0;
	st->private_key = wg_secret_new(key);
	if (!st->private_key)
		return -ENOMEM;
	/* the kernel and wireguard-go keep the key clamped: so do we, or an
	 * unclamped PrivateKey would differ from the live one on every run */
	st->private_key->key[0] &= 248;
	st->private_key->key[31] = (st->private_key->key[31] & 127) | 64;
	if (crypto_scalarmult_curve25519_base(st->public_key, st->private_key->key) != 0)
		return -EINVAL;
	st->has_public_key = true;
	return 0;
}

void wg_state_clear(struct wg_state *st)
{
	char name[IFNAMSIZ];
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->n_peers; ++i) {
		prefix_list_free(&st->peers[i].allowed_ips);
		wg_secret_free(st->peers[i].psk);
	}
	free(st->peers);
	prefix_list_free(&st->addresses);
	prefix_list_free(&st->link_local);
	wg_secret_free(st->private_key);
	free(st->new_key_file);
	memcpy(name, st->name, sizeof(name));
	sodium_memzero(st, sizeof(*st));
	memcpy(st->name, name, sizeof(name));
}

void wg_state_free(struct wg_state *st)
{
	wg_state_clear(st);
	free(st);
}
