// SPDX-License-Identifier: GPL-2.0-only
/*
 * The desired WireGuard device, from [Interface] and [Peer].
 *
 * Two things happen here and not at check time: endpoint host names are
 * resolved (check touches nothing, not even DNS), and a PrivateKeyFile that
 * does not exist yet gets a new key, held in memory so that the plan can
 * show its public key; the file itself is written by sync, never by a dry
 * run.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib/hostport.h"
#include "wg_ipc.h"

int wg_endpoint_resolve(const char *text, union wg_endpoint *ep,
			char *why, size_t len)
{
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_protocol = IPPROTO_UDP,
		.ai_flags = AI_NUMERICSERV,
	};
	struct addrinfo *res = NULL;
	const char *host;
	struct hostport hp;
	char port[8];
	unsigned long v;
	char *end;
	int r, tries;

	memset(ep, 0, sizeof(*ep));
	r = hostport_split(text, &hp);
	host = hp.host;
	if (!hp.bracketed && strchr(host, ':')) {
		snprintf(why, len, "an IPv6 endpoint needs brackets: [address]:port");
		return -EINVAL;
	}
	if (r || !hp.port || !host[0]) {
		snprintf(why, len, "not host:port");
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(hp.port, &end, 10);
	if (errno || end == hp.port || *end || hp.port[0] == '-' || v < 1 || v > 65535) {
		snprintf(why, len, "\"%s\" is not a port (1-65535)", hp.port);
		return -EINVAL;
	}
	snprintf(port, sizeof(port), "%lu", v);

	/* as wg(8) does: a resolver that is not up yet gets a few tries */
	for (tries = 0; tries < 3; ++tries) {
		r = getaddrinfo(host, port, &hints, &res);
		if (r != EAI_AGAIN)
			break;
		sleep(1);
	}
	if (r) {
		snprintf(why, len, "cannot resolve \"%s\": %s", host,
			 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return -EHOSTUNREACH;
	}
	if (res->ai_family == AF_INET && res->ai_addrlen == sizeof(ep->in4))
		memcpy(&ep->in4, res->ai_addr, sizeof(ep->in4));
	else if (res->ai_family == AF_INET6 && res->ai_addrlen == sizeof(ep->in6))
		memcpy(&ep->in6, res->ai_addr, sizeof(ep->in6));
	freeaddrinfo(res);
	if (ep->sa.sa_family == AF_UNSPEC) {
		snprintf(why, len, "\"%s\" has no IPv4 or IPv6 address", host);
		return -EHOSTUNREACH;
	}
	return 0;
}

int wg_key_file_create(const char *path, const struct wg_secret *key,
		       struct wgb_err *e)
{
	struct wgb_err ke = { 0 };
	int ret;

	if (!key)
		return err_set(e, -EINVAL, "PrivateKeyFile %s: no key to write", path);
	ret = key_file_create(path, key->key, &ke);
	/* the config was read without it: someone made it meanwhile */
	if (ret == -EEXIST)
		return err_set(e, ret, "PrivateKeyFile %s appeared while apply ran: run apply again", path);
	if (ret < 0)
		return err_set(e, ret, "%s", ke.msg);
	return 0;
}

/* Whether creating a wireguard link will likely work: the module is in, or
 * can be loaded. Only for the plan line; sync tries the kernel anyway. */
static bool kernel_wireguard_likely(void)
{
	char path[PATH_MAX], line[512];
	struct utsname u;
	bool found = false;
	const char *files[] = { "modules.builtin", "modules.dep" };
	size_t i;
	FILE *f;

	if (access("/sys/module/wireguard", F_OK) == 0)
		return true;
	if (uname(&u) < 0)
		return false;
	for (i = 0; i < 2 && !found; ++i) {
		snprintf(path, sizeof(path), "/lib/modules/%s/%s", u.release, files[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f))
			found = strstr(line, "/wireguard.ko") != NULL;
		fclose(f);
	}
	return found;
}

static int copy_prefixes(struct prefix_list *dst, const struct prefix_list *src)
{
	size_t i;
	int ret;

	for (i = 0; i < src->n; ++i) {
		/* the kernel keeps one of each: so do we, or we would see a
		 * difference on every run */
		if (prefix_list_has(dst, &src->v[i]))
			continue;
		ret = prefix_list_add(dst, &src->v[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int build_peer(struct wg_state *st, const struct wgb_config *cfg,
		      const struct wgb_peer *cp, struct wgb_err *e)
{
	struct wg_peer_state *p = wg_state_add_peer(st);
	char why[256];
	int ret;

	if (!p)
		return err_set(e, -ENOMEM, "wg: out of memory");
	memcpy(p->public_key, cp->public_key, WG_KEY_LEN);
	if (cp->has_preshared_key && !key_is_zero(cp->preshared_key)) {
		p->psk = wg_secret_new(cp->preshared_key);
		if (!p->psk)
			return err_set(e, -ENOMEM, "wg: out of memory");
		p->has_preshared_key = true;
	}
	p->persistent_keepalive = cp->persistent_keepalive;
	ret = copy_prefixes(&p->allowed_ips, &cp->allowed_ips);
	if (ret < 0)
		return err_set(e, ret, "wg: out of memory");
	if (cp->endpoint) {
		ret = wg_endpoint_resolve(cp->endpoint, &p->endpoint, why, sizeof(why));
		if (ret < 0)
			return err_set(e, ret, "%s:%u: Endpoint: \"%s\": %s",
				       cfg->path ? cfg->path : "config", cp->line,
				       cp->endpoint, why);
	}
	return 0;
}

int wg_build(const struct instance *in, const struct wgb_config *cfg,
	     void **out, struct wgb_err *e)
{
	const struct wgb_interface *ifc;
	struct wg_state *st;
	uint8_t key[WG_KEY_LEN];
	const char *prog;
	size_t i;
	int ret = 0;

	*out = NULL;
	if (sodium_init() < 0)
		return err_set(e, -EIO, "libsodium failed to initialise");
	st = calloc(1, sizeof(*st));
	if (!st)
		return err_set(e, -ENOMEM, "wg: out of memory");
	snprintf(st->name, sizeof(st->name), "%s", in->name);
	if (!cfg)	/* flush: no device at all */
		goto done;

	ifc = &cfg->iface;
	st->exists = true;
	st->backend = kernel_wireguard_likely() ? WG_BACKEND_KERNEL : WG_BACKEND_USERSPACE;
	prog = wg_userspace_prog();
	snprintf(st->userspace_prog, sizeof(st->userspace_prog), "%s", prog);
	if (ifc->has_private_key) {
		ret = wg_state_set_private_key(st, ifc->private_key);
	} else if (ifc->private_key_file) {
		ret = key_generate(key) ?: wg_state_set_private_key(st, key);
		sodium_memzero(key, sizeof(key));
		if (!ret && !(st->new_key_file = strdup(ifc->private_key_file)))
			ret = -ENOMEM;
	}
	if (ret < 0) {
		err_set(e, ret, "wg: private key: %s", strerror(-ret));
		goto done;
	}
	st->listen_port = ifc->listen_port;
	st->fwmark = ifc->fwmark;
	st->mtu = ifc->mtu;
	st->up = true;
	ret = copy_prefixes(&st->addresses, &ifc->addresses);
	if (ret < 0) {
		err_set(e, ret, "wg: out of memory");
		goto done;
	}
	for (i = 0; i < cfg->n_peers && !ret; ++i)
		ret = build_peer(st, cfg, &cfg->peers[i], e);
done:
	if (ret < 0) {
		wg_state_free(st);
		return ret;
	}
	*out = st;
	return 0;
}
