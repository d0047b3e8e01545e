// SPDX-License-Identifier: GPL-2.0-only
/*
 * wgbastion far-side [--peer N|PUBKEY] [--endpoint HOST[:PORT]]
 *                    [--format wgbastion|wg-quick]
 *
 * Prints the far side's config for one peer of this bastion (SPEC §2, §6).
 * Reads the config only: no kernel, no DNS. The one thing it asks of the
 * host is which source address its default route would use, when no
 * --endpoint is given (a connect() on a UDP socket: no packet is sent).
 * It never prints a private or preshared key of the bastion's, and never
 * invents the far side's: a placeholder says where it goes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd.h"
#include "config/config.h"
#include "far_side.h"
#include "lib/err.h"
#include "lib/hostport.h"
#include "lib/key.h"
#include "lib/warn.h"

static const char usage_text[] =
	"Usage: %s [-c FILE] far-side [--peer N|PUBKEY] [--endpoint HOST[:PORT]]\n"
	"                             [--format wgbastion|wg-quick]\n";

bool far_side_returns(const struct far_side *f, const struct wgb_forward *fw)
{
	size_t i;

	for (i = 0; i < f->peer->allowed_ips.n; ++i)
		if (prefix_has_addr(&f->peer->allowed_ips.v[i], fw->family, fw->dst.bytes))
			return true;
	return false;
}

static bool inside_list(const struct prefix_list *l, const struct prefix *p)
{
	size_t i;

	for (i = 0; i < l->n; ++i)
		if (prefix_contains(&l->v[i], p))
			return true;
	return false;
}

static bool is_private(uint8_t family, const uint8_t *a)
{
	if (family == AF_INET)
		return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		       (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xc0) == 64);
	return (a[0] & 0xfe) == 0xfc;	/* fc00::/7 */
}

/* The source address this host's route to the internet would use: a UDP
 * connect() makes the kernel choose it, and sends nothing. */
static int route_source(int family, uint8_t *addr)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);
	int fd, ret = -1;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (family == AF_INET) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(53) };

		inet_pton(AF_INET, "8.8.8.8", &to.sin_addr);
		ret = connect(fd, (struct sockaddr *)&to, sizeof(to));
	} else {
		struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(53) };

		inet_pton(AF_INET6, "2001:4860:4860::8888", &to.sin6_addr);
		ret = connect(fd, (struct sockaddr *)&to, sizeof(to));
	}
	if (ret == 0)
		ret = getsockname(fd, (struct sockaddr *)&ss, &len);
	close(fd);
	if (ret < 0)
		return -1;
	if (family == AF_INET)
		memcpy(addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	return 0;
}

static int endpoint_given(struct far_side *f, const char *s, struct wgb_err *e)
{
	struct in6_addr a6;
	struct hostport hp;
	unsigned long port = f->cfg->iface.listen_port;
	char *end;
	const char *c;

	for (c = s; *c; ++c)
		if (*c <= ' ' || *c == 0x7f || *c == '#' || *c == ';' || *c == '\'' || *c == '"')
			return err_set(e, -EINVAL, "--endpoint: \"%s\" is not HOST[:PORT]", s);
	if (inet_pton(AF_INET6, s, &a6) == 1) {	/* a bare IPv6 address */
		snprintf(f->endpoint, sizeof(f->endpoint), "[%s]:%lu", s, port);
		return 0;
	}
	if (hostport_split(s, &hp) || !hp.host[0] || (!hp.bracketed && strchr(hp.host, ':')))
		return err_set(e, -EINVAL,
			       "--endpoint: \"%s\" is not HOST[:PORT] (an IPv6 address with a port goes in brackets)", s);
	if (hp.port) {
		errno = 0;
		port = strtoul(hp.port, &end, 10);
		if (errno || end == hp.port || *end || port < 1 || port > 65535)
			return err_set(e, -EINVAL, "--endpoint: \"%s\" has a bad port (1-65535)", s);
	}
	snprintf(f->endpoint, sizeof(f->endpoint), hp.bracketed ? "[%s]:%lu" : "%s:%lu",
		 hp.host, port);
	return 0;
}

static void endpoint_guess(struct far_side *f)
{
	uint8_t a[16];
	char text[PREFIX_STRLEN];
	int family;

	f->endpoint[0] = '\0';
	if (route_source(AF_INET, a) == 0)
		family = AF_INET;
	else if (route_source(AF_INET6, a) == 0)
		family = AF_INET6;
	else
		return;
	addr_fmt((uint8_t)family, a, text);
	snprintf(f->endpoint, sizeof(f->endpoint), family == AF_INET ? "%s:%u" : "[%s]:%u",
		 text, f->cfg->iface.listen_port);
	f->endpoint_guessed = true;
	f->endpoint_private = is_private((uint8_t)family, a);
}

/* The far side's tunnel address: a host route in its AllowedIPs inside
 * one of the bastion's own Address networks, with that network's length. */
static int tunnel_address(struct far_side *f)
{
	const struct prefix_list *own = &f->cfg->iface.addresses;
	size_t i, j;

	for (i = 0; i < own->n; ++i) {
		for (j = 0; j < f->peer->allowed_ips.n; ++j) {
			struct prefix p = f->peer->allowed_ips.v[j], net = own->v[i];

			if (p.family != net.family || p.len != prefix_family_bits(p.family))
				continue;
			prefix_mask(&net);
			if (!prefix_contains(&net, &p) ||
			    !memcmp(p.addr.bytes, own->v[i].addr.bytes, prefix_family_bytes(p.family)))
				continue;
			p.len = own->v[i].len;
			if (prefix_list_add(&f->address, &p) < 0)
				return -ENOMEM;
			break;
		}
	}
	return 0;
}

int far_side_derive(struct far_side *f, const struct wgb_config *cfg,
		    const struct wgb_peer *peer, size_t index, const char *endpoint,
		    struct wgb_err *e)
{
	const struct wgb_forward *fw;
	const struct wgb_egress *eg;
	uint8_t pub[WG_KEY_LEN];
	size_t k, i;
	int ret;

	memset(f, 0, sizeof(*f));
	f->cfg = cfg;
	f->peer = peer;
	f->peer_index = index;
	if (!cfg->iface.has_private_key)
		return err_set(e, -ENOENT,
			       "PrivateKeyFile \"%s\" does not exist yet: `wgbastion apply` creates it; the far side needs its public key",
			       cfg->iface.private_key_file ? cfg->iface.private_key_file : "");
	if (key_public_from_private(pub, cfg->iface.private_key) < 0)
		return err_set(e, -EIO, "cannot derive the bastion's public key");
	key_to_base64(f->bastion_pub, pub);

	if (endpoint) {
		if ((ret = endpoint_given(f, endpoint, e)) < 0)
			return ret;
	} else {
		endpoint_guess(f);
	}
	if (tunnel_address(f) < 0)
		return err_set(e, -ENOMEM, "out of memory");

	for_each_forward(cfg, fw) {
		if (!far_side_returns(f, fw))
			continue;
		if (fw->family == AF_INET)
			f->v4 = true;
		else
			f->v6 = true;
	}
	f->exit_src = calloc(cfg->n_egresses ? cfg->n_egresses : 1, sizeof(*f->exit_src));
	if (!f->exit_src)
		return err_set(e, -ENOMEM, "out of memory");
	k = 0;
	for_each_egress(cfg, eg) {
		struct prefix_list *l = &f->exit_src[k++];

		for (i = 0; i < eg->source.n; ++i) {
			const struct prefix *s = &eg->source.v[i];
			struct prefix net;
			size_t a;
			bool tunnel = false;

			/* the tunnel's own network is not the far side's LAN */
			for (a = 0; a < cfg->iface.addresses.n; ++a) {
				net = cfg->iface.addresses.v[a];
				prefix_mask(&net);
				tunnel |= net.family == s->family && prefix_contains(&net, s);
			}
			if (tunnel || !inside_list(&peer->allowed_ips, s))
				continue;
			if (prefix_list_add(l, s) < 0)
				return err_set(e, -ENOMEM, "out of memory");
		}
		if (!l->n)
			continue;
		for (i = 0; i < eg->destination.n; ++i) {
			if (eg->destination.v[i].family == AF_INET)
				f->v4 = true;
			else
				f->v6 = true;
		}
	}
	if (!f->v4 && !f->v6) {
		for (i = 0; i < cfg->iface.addresses.n; ++i) {
			if (cfg->iface.addresses.v[i].family == AF_INET)
				f->v4 = true;
			else
				f->v6 = true;
		}
	}
	if (!f->v4 && !f->v6)
		f->v4 = f->v6 = true;
	return 0;
}

void far_side_free(struct far_side *f)
{
	size_t i;

	prefix_list_free(&f->address);
	for (i = 0; f->exit_src && i < f->cfg->n_egresses; ++i)
		prefix_list_free(&f->exit_src[i]);
	free(f->exit_src);
}

static const struct wgb_peer *pick_peer(const struct wgb_config *cfg, const char *which,
					size_t *index, struct wgb_err *e)
{
	uint8_t key[WG_KEY_LEN];
	unsigned long n;
	char *end;
	size_t i;

	if (!cfg->n_peers) {
		err_set(e, -ENOENT, "%s: no [Peer]: there is no far side", cfg->path);
		return NULL;
	}
	if (!which) {
		*index = 1;
		return &cfg->peers[0];
	}
	if (key_from_base64(key, which) == 0) {
		for (i = 0; i < cfg->n_peers; ++i) {
			if (key_equal(cfg->peers[i].public_key, key)) {
				*index = i + 1;
				return &cfg->peers[i];
			}
		}
		err_set(e, -ENOENT, "--peer: no [Peer] of %s has the public key %s", cfg->path, which);
		return NULL;
	}
	errno = 0;
	n = strtoul(which, &end, 10);
	if (errno || end == which || *end || *which == '-' || n < 1 || n > cfg->n_peers) {
		err_set(e, -EINVAL, "--peer: \"%s\" is neither a peer number (1-%zu) nor a peer's public key",
			which, cfg->n_peers);
		return NULL;
	}
	*index = n;
	return &cfg->peers[n - 1];
}

int far_side_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "peer", required_argument, NULL, 'p' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	enum far_format fmt = FAR_WGBASTION;
	const char *which = NULL, *endpoint = NULL;
	const struct wgb_peer *peer;
	struct wgb_config *cfg = NULL;
	struct wgb_err e = { 0 };
	struct far_side f;
	size_t index = 0;
	int c, status;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			which = optarg;
			break;
		case 'e':
			endpoint = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "wgbastion")) {
				fmt = FAR_WGBASTION;
			} else if (!strcmp(optarg, "wg-quick")) {
				fmt = FAR_WGQUICK;
			} else {
				fprintf(stderr, "%s: far-side: --format: \"%s\" is not wgbastion or wg-quick\n",
					wgb_prog, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			printf(usage_text, wgb_prog);
			printf("Print the far side's config for one peer (default: the first).\n");
			return EXIT_OK;
		default:
			fprintf(stderr, usage_text, wgb_prog);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: far-side: unexpected argument '%s'\n", wgb_prog, argv[optind]);
		return EXIT_USAGE;
	}
	if (config_load(wgb_config_path, &cfg, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return EXIT_USAGE;
	}
	peer = pick_peer(cfg, which, &index, &e);
	if (!peer) {
		fprintf(stderr, "%s: far-side: %s\n", wgb_prog, e.msg);
		config_free(cfg);
		return EXIT_USAGE;
	}
	if (far_side_derive(&f, cfg, peer, index, endpoint, &e) < 0) {
		fprintf(stderr, "%s: far-side: %s\n", wgb_prog, e.msg);
		status = e.code == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	} else {
		if (!f.endpoint[0])
			warning("no --endpoint and no route to the internet here: fill in the Endpoint placeholder");
		else if (f.endpoint_private)
			warning("Endpoint %s is this host's own address, a private one: behind NAT, give the public one with --endpoint",
				f.endpoint);
		far_side_print(&f, fmt, stdout);
		status = fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_RUNTIME;
	}
	far_side_free(&f);
	config_free(cfg);
	return status;
}
