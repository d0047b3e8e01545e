// SPDX-License-Identifier: GPL-2.0-only
/*
 * What differs between two WireGuard states, computed once (wg_delta) and
 * used twice: as plan lines, and as the change set sync sends. So the plan
 * says exactly what is written, and equal states write nothing.
 *
 * The rules are those of `wg syncconf`, made minimal: a peer is in the
 * change set only when one of its settings differs, and then with only
 * that setting (its AllowedIPs replaced only when they differ), so every
 * other peer keeps its session. An endpoint is compared only when the
 * desired state names one: a peer that dials in roams, and its learned
 * address is not drift. IPv6 link-local addresses the kernel put on the
 * link are its own (read keeps them apart, in link_local).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "wg_ipc.h"

static int prefix_qcmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

/* Set equality; both lists are duplicate-free (the kernel's are, and
 * build drops duplicates). */
static int prefixes_equal(const struct prefix_list *a, const struct prefix_list *b)
{
	struct prefix *x = NULL, *y = NULL;
	size_t i;
	int eq;

	if (a->n != b->n)
		return 0;
	if (!a->n)
		return 1;
	x = malloc(a->n * sizeof(*x));
	y = malloc(b->n * sizeof(*y));
	if (!x || !y) {
		free(x);
		free(y);
		return -ENOMEM;
	}
	memcpy(x, a->v, a->n * sizeof(*x));
	memcpy(y, b->v, b->n * sizeof(*y));
	qsort(x, a->n, sizeof(*x), prefix_qcmp);
	qsort(y, b->n, sizeof(*y), prefix_qcmp);
	eq = 1;
	for (i = 0; i < a->n && eq; ++i)
		eq = !prefix_cmp(&x[i], &y[i]);
	free(x);
	free(y);
	return eq;
}

static bool endpoint_equal(const union wg_endpoint *a, const union wg_endpoint *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	switch (a->sa.sa_family) {
	case AF_INET:
		return a->in4.sin_port == b->in4.sin_port &&
		       a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
	case AF_INET6:
		return a->in6.sin6_port == b->in6.sin6_port &&
		       !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, 16) &&
		       a->in6.sin6_scope_id == b->in6.sin6_scope_id;
	default:
		return true;
	}
}

static bool secrets_equal(const struct wg_secret *a, const struct wg_secret *b)
{
	if (!a || !b)
		return !a && !b;
	return !sodium_memcmp(a->key, b->key, WG_KEY_LEN);
}

static int peer_what(const struct wg_peer_state *f, const struct wg_peer_state *t,
		     unsigned *what)
{
	int eq;

	*what = 0;
	if (!secrets_equal(f->psk, t->psk))
		*what |= WG_PEER_PRESHARED_KEY;
	if (t->endpoint.sa.sa_family != AF_UNSPEC &&
	    !endpoint_equal(&f->endpoint, &t->endpoint))
		*what |= WG_PEER_ENDPOINT;
	if (f->persistent_keepalive != t->persistent_keepalive)
		*what |= WG_PEER_KEEPALIVE;
	eq = prefixes_equal(&f->allowed_ips, &t->allowed_ips);
	if (eq < 0)
		return eq;
	if (!eq)
		*what |= WG_PEER_REPLACE_ALLOWEDIPS;
	return 0;
}

static int add_change(struct wg_delta *d, const struct wg_peer_state *f,
		      const struct wg_peer_state *t, unsigned what)
{
	struct wg_peer_change *c = array_push(d->peers, d->n_peers, NULL);

	if (!c)
		return -ENOMEM;
	*c = (struct wg_peer_change){ .from = f, .to = t, .what = what };
	return 0;
}

static int add_addr(const struct prefix ***v, size_t *n, const struct prefix *p)
{
	const struct prefix **slot = array_push(*v, *n, NULL);

	if (!slot)
		return -ENOMEM;
	*slot = p;
	return 0;
}

int wg_delta_compute(const struct wg_state *from, const struct wg_state *to,
		     struct wg_delta *d)
{
	static const struct wg_state none;
	const struct wg_peer_state *fp;
	unsigned what;
	size_t i;
	int ret;

	memset(d, 0, sizeof(*d));
	if (!to->exists) {
		d->destroy = from->exists;
		return 0;
	}
	if (!from->exists) {
		d->create = true;
		from = &none;	/* a new device is compared with an empty one */
	}

	if (!secrets_equal(from->private_key, to->private_key))
		d->dev |= WG_SET_PRIVATE_KEY;
	/* port 0: "any" (a state read before the device ever listened) */
	if (to->listen_port && to->listen_port != from->listen_port)
		d->dev |= WG_SET_LISTEN_PORT;
	if (to->fwmark != from->fwmark)
		d->dev |= WG_SET_FWMARK;

	for (i = 0; i < to->n_peers; ++i) {
		const struct wg_peer_state *tp = &to->peers[i];

		fp = wg_peer_find(from, tp->public_key);
		if (!fp) {
			what = (tp->psk ? WG_PEER_PRESHARED_KEY : 0) |
			       (tp->endpoint.sa.sa_family != AF_UNSPEC ? WG_PEER_ENDPOINT : 0) |
			       (tp->persistent_keepalive ? WG_PEER_KEEPALIVE : 0);
			ret = add_change(d, NULL, tp, what);
		} else {
			ret = peer_what(fp, tp, &what);
			if (!ret && what)
				ret = add_change(d, fp, tp, what);
		}
		if (ret < 0)
			goto err;
	}
	for (i = 0; i < from->n_peers; ++i) {
		fp = &from->peers[i];
		if (!wg_peer_find(to, fp->public_key) &&
		    (ret = add_change(d, fp, NULL, WG_PEER_REMOVE)) < 0)
			goto err;
	}

	for (i = 0; i < from->addresses.n; ++i) {
		const struct prefix *p = &from->addresses.v[i];

		if (!prefix_list_has(&to->addresses, p) &&
		    (ret = add_addr(&d->addr_del, &d->n_addr_del, p)) < 0)
			goto err;
	}
	for (i = 0; i < to->addresses.n; ++i) {
		const struct prefix *p = &to->addresses.v[i];

		if (!prefix_list_has(&from->addresses, p) && !prefix_list_has(&from->link_local, p) &&
		    (ret = add_addr(&d->addr_add, &d->n_addr_add, p)) < 0)
			goto err;
	}
	d->mtu = to->mtu && to->mtu != from->mtu;
	d->up = to->up != from->up;
	return 0;
err:
	wg_delta_free(d);
	return ret;
}

void wg_delta_free(struct wg_delta *d)
{
	if (!d)
		return;
	free(d->peers);
	free(d->addr_del);
	free(d->addr_add);
	memset(d, 0, sizeof(*d));
}

int wg_delta_set(const struct wg_delta *d, const struct wg_state *to,
		 struct wg_set *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->flags = d->dev;
	if (to->private_key)
		memcpy(s->private_key, to->private_key->key, WG_KEY_LEN);
	s->listen_port = to->listen_port;
	s->fwmark = to->fwmark;
	if (!d->n_peers)
		return 0;
	s->peers = calloc(d->n_peers, sizeof(*s->peers));
	if (!s->peers)
		return -ENOMEM;
	for (i = 0; i < d->n_peers; ++i) {
		const struct wg_peer_change *c = &d->peers[i];
		struct wg_peer_set *ps = &s->peers[s->n_peers++];

		ps->flags = c->what;
		if (!c->to) {
			memcpy(ps->public_key, c->from->public_key, WG_KEY_LEN);
			continue;
		}
		memcpy(ps->public_key, c->to->public_key, WG_KEY_LEN);
		if (c->to->psk)
			memcpy(ps->preshared_key, c->to->psk->key, WG_KEY_LEN);
		ps->endpoint = c->to->endpoint;
		ps->persistent_keepalive = c->to->persistent_keepalive;
		/* a new peer gets its AllowedIPs added; a changed one has them
		 * replaced only when they differ */
		if (!c->from || (c->what & WG_PEER_REPLACE_ALLOWEDIPS)) {
			ps->allowed_ips = c->to->allowed_ips.v;
			ps->n_allowed_ips = c->to->allowed_ips.n;
		}
	}
	return 0;
}

/* --- plan lines --------------------------------------------------------- */

static char *prefixes_text(const struct prefix_list *l)
{
	return l->n ? prefix_list_fmt(l) : strdup("(none)");
}

static const char *backend_text(const struct wg_state *st, char *buf, size_t len)
{
	if (st->backend == WG_BACKEND_USERSPACE)
		snprintf(buf, len, "userspace: %s", st->userspace_prog[0] ? st->userspace_prog : "?");
	else
		snprintf(buf, len, "%s", wg_backend_name(st->backend));
	return buf;
}

static int fwmark_text(char *buf, size_t len, uint32_t m)
{
	return m ? snprintf(buf, len, "0x%x", m) : snprintf(buf, len, "off");
}

/* "+ peer KEY allowed-ips A, B endpoint E persistent-keepalive N preshared-key" */
static int peer_line_whole(struct plan *p, char op, const char *key,
			   const struct wg_peer_state *x)
{
	char ep[64], *ips, *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	ips = prefixes_text(&x->allowed_ips);
	f = ips ? open_memstream(&text, &len) : NULL;
	if (!f) {
		free(ips);
		return -ENOMEM;
	}
	fprintf(f, "peer %s allowed-ips %s", key, ips);
	if (x->endpoint.sa.sa_family != AF_UNSPEC) {
		wg_endpoint_str(ep, sizeof(ep), &x->endpoint);
		fprintf(f, " endpoint %s", ep);
	}
	if (x->persistent_keepalive)
		fprintf(f, " persistent-keepalive %u", x->persistent_keepalive);
	if (x->psk)
		fputs(" preshared-key", f);
	ret = fclose(f) ? -ENOMEM : plan_add_text(p, op, text);
	free(text);
	free(ips);
	return ret;
}

static int peer_lines(struct plan *p, const struct wg_peer_change *c)
{
	const struct wg_peer_state *t = c->to, *f = c->from;
	char key[WG_KEY_B64_LEN + 1], a[64], b[64], *ips = NULL, *old = NULL;
	int ret = 0;

	key_to_base64(key, (t ? t : f)->public_key);
	if (!t || !f)
		return peer_line_whole(p, t ? '+' : '-', key, t ? t : f);

	if (c->what & WG_PEER_ENDPOINT) {
		wg_endpoint_str(a, sizeof(a), &f->endpoint);
		wg_endpoint_str(b, sizeof(b), &t->endpoint);
		ret = plan_add(p, '~', "peer %s endpoint %s -> %s", key, a, b);
	}
	if (!ret && (c->what & WG_PEER_KEEPALIVE))
		ret = plan_add(p, '~', "peer %s persistent-keepalive %u -> %u", key,
			       f->persistent_keepalive, t->persistent_keepalive);
	if (!ret && (c->what & WG_PEER_PRESHARED_KEY))
		ret = plan_add(p, '~', "peer %s preshared-key %s", key,
			       !f->psk ? "added" : !t->psk ? "removed" : "changed");
	if (!ret && (c->what & WG_PEER_REPLACE_ALLOWEDIPS)) {
		old = prefixes_text(&f->allowed_ips);
		ips = prefixes_text(&t->allowed_ips);
		ret = old && ips ? plan_add(p, '~', "peer %s allowed-ips %s -> %s", key, old, ips)
				 : -ENOMEM;
	}
	free(old);
	free(ips);
	return ret;
}

int wg_diff(const void *from_, const void *to_, struct plan *p)
{
	const struct wg_state *from = from_, *to = to_;
	char key[WG_KEY_B64_LEN + 1], okey[WG_KEY_B64_LEN + 1], a[96], b[96];
	size_t before = p->n, i;
	struct wg_delta d;
	int ret;

	ret = wg_delta_compute(from, to, &d);
	if (ret < 0)
		return ret;
	if (d.destroy) {
		ret = plan_add(p, '-', "link %s (%s)", from->name, backend_text(from, a, sizeof(a)));
		goto out;
	}
	if (d.create)
		ret = plan_add(p, '+', "link %s (%s)", to->name, backend_text(to, a, sizeof(a)));
	/* The key held now is a candidate: a dry run throws it away and the
	 * next apply draws another, so its public key is never printed here
	 * (pasted into the far side, it would make a dead tunnel). sync says
	 * it once the file holds it. */
	if (!ret && to->new_key_file)
		ret = plan_add(p, '+', "key %s (new; created by apply, which prints its public key)",
			       to->new_key_file);
	if (!ret && (d.dev & WG_SET_PRIVATE_KEY) && !to->new_key_file) {
		key_to_base64(key, to->public_key);
		key_to_base64(okey, from->public_key);
		if (!to->has_public_key)
			ret = plan_add(p, '-', "%s private-key (public key %s)", to->name, okey);
		else if (d.create || !from->has_public_key)
			ret = plan_add(p, '+', "%s private-key (public key %s)", to->name, key);
		else
			ret = plan_add(p, '~', "%s private-key (public key %s -> %s)", to->name, okey, key);
	}
	if (!ret && (d.dev & WG_SET_LISTEN_PORT))
		ret = d.create ? plan_add(p, '+', "%s listen-port %u", to->name, to->listen_port)
			       : plan_add(p, '~', "%s listen-port %u -> %u", to->name,
					  from->listen_port, to->listen_port);
	if (!ret && (d.dev & WG_SET_FWMARK)) {
		fwmark_text(a, sizeof(a), from->fwmark);
		fwmark_text(b, sizeof(b), to->fwmark);
		ret = d.create ? plan_add(p, '+', "%s fwmark %s", to->name, b)
			       : plan_add(p, '~', "%s fwmark %s -> %s", to->name, a, b);
	}
	for (i = 0; !ret && i < d.n_peers; ++i)
		ret = peer_lines(p, &d.peers[i]);
	for (i = 0; !ret && i < d.n_addr_del; ++i) {
		prefix_fmt(d.addr_del[i], a);
		ret = plan_add(p, '-', "address %s dev %s", a, to->name);
	}
	for (i = 0; !ret && i < d.n_addr_add; ++i) {
		prefix_fmt(d.addr_add[i], a);
		ret = plan_add(p, '+', "address %s dev %s", a, to->name);
	}
	if (!ret && d.mtu)
		ret = d.create ? plan_add(p, '+', "mtu %u dev %s", to->mtu, to->name)
			       : plan_add(p, '~', "mtu %u -> %u", from->mtu, to->mtu);
	/* a new link comes up as part of its creation: no line of its own */
	if (!ret && d.up && !d.create)
		ret = plan_add(p, '~', "link %s %s", to->name, to->up ? "up" : "down");
out:
	wg_delta_free(&d);
	return ret < 0 ? ret : (int)(p->n - before);
}

void wg_set_free(struct wg_set *s)
{
	if (!s)
		return;
	if (s->peers)
		sodium_memzero(s->peers, s->n_peers * sizeof(*s->peers));
	free(s->peers);
	sodium_memzero(s, sizeof(*s));
}
