// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace WireGuard (wireguard-go and friends) through the cross-platform
 * UAPI: a text protocol of key=value lines on /var/run/wireguard/NAME.sock.
 * `get=1` answers with the device, `set=1` takes a change in the same
 * vocabulary; both end with `errno=N` and a blank line.
 *
 * The socket path does not depend on the network namespace, but the link
 * does: a socket is only ours if the daemon behind it lives in our network
 * namespace (a test's far side, or another netns on the host, may serve a
 * device of the same name).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/hostport.h"
#include "lib/proc.h"
#include "lib/secbuf.h"
#include "wg_ipc.h"

#define WG_UAPI_DIR "/var/run/wireguard"
#define UAPI_TIMEOUT_S 10

int wg_uapi_path(char *buf, size_t len, const char *name)
{
	if ((size_t)snprintf(buf, len, WG_UAPI_DIR "/%s.sock", name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * The inode of the socket listening on .../wireguard/NAME.sock in this
 * network namespace: /proc/self/net/unix lists only our namespace's unix
 * sockets. 0 when there is none; -errno when the list cannot be read.
 */
static long listener_inode(const char *name)
{
	char want[IFNAMSIZ + 32], line[512], path[256];
	unsigned long ino, flags;
	long found = 0;
	size_t wl;
	FILE *f;

	snprintf(want, sizeof(want), "/wireguard/%s.sock", name);
	wl = strlen(want);
	f = fopen("/proc/self/net/unix", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t pl;

		/* Num RefCount Protocol Flags Type St Inode Path */
		if (sscanf(line, "%*s %*s %*s %lx %*s %*s %lu %255s", &flags, &ino, path) != 3)
			continue;
		pl = strlen(path);
		if (pl >= wl && !strcmp(path + pl - wl, want) && (flags & 0x10000 /* listening */)) {
			found = ino;
			break;
		}
	}
	fclose(f);
	return found;
}

int wg_uapi_connect(const char *name, pid_t *pid, char *comm, size_t commlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat sb;
	long ino;
	int fd, ret;

	if (wg_uapi_path(sun.sun_path, sizeof(sun.sun_path), name) < 0)
		return -ENAMETOOLONG;
	if (stat(sun.sun_path, &sb) < 0)
		return -errno;
	if (!S_ISSOCK(sb.st_mode))
		return -ENOTSOCK;
	/* the path is shared by every network namespace; the listener is not */
	ino = listener_inode(name);
	if (ino == 0)
		return -EXDEV;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (pid && ino > 0) {
		*pid = proc_socket_owner((unsigned long)ino);
		if (*pid && comm && commlen)
			proc_comm(*pid, comm, commlen);
	}
	return fd;
}

/* --- the text protocol (kernel-free, unit-tested) ----------------------- */

static void put_hex_key(FILE *f, const char *k, const uint8_t key[WG_KEY_LEN])
{
	char hex[2 * WG_KEY_LEN + 1];

	sodium_bin2hex(hex, sizeof(hex), key, WG_KEY_LEN);
	fprintf(f, "%s=%s\n", k, hex);
	sodium_memzero(hex, sizeof(hex));
}

int wg_uapi_set_write(FILE *f, const struct wg_set *s)
{
	char text[INET6_ADDRSTRLEN + 16];
	size_t i, j;

	fputs("set=1\n", f);
	if (s->flags & WG_SET_PRIVATE_KEY)
		put_hex_key(f, "private_key", s->private_key);
	if (s->flags & WG_SET_LISTEN_PORT)
		fprintf(f, "listen_port=%u\n", s->listen_port);
	if (s->flags & WG_SET_FWMARK)
		fprintf(f, "fwmark=%u\n", s->fwmark);
	for (i = 0; i < s->n_peers; ++i) {
		const struct wg_peer_set *ps = &s->peers[i];

		put_hex_key(f, "public_key", ps->public_key);
		if (ps->flags & WG_PEER_REMOVE) {
			fputs("remove=true\n", f);
			continue;
		}
		if (ps->flags & WG_PEER_PRESHARED_KEY)
			put_hex_key(f, "preshared_key", ps->preshared_key);
		if ((ps->flags & WG_PEER_ENDPOINT) && ps->endpoint.sa.sa_family != AF_UNSPEC) {
			wg_endpoint_str(text, sizeof(text), &ps->endpoint);
			fprintf(f, "endpoint=%s\n", text);
		}
		if (ps->flags & WG_PEER_KEEPALIVE)
			fprintf(f, "persistent_keepalive_interval=%u\n", ps->persistent_keepalive);
		if (ps->flags & WG_PEER_REPLACE_ALLOWEDIPS)
			fputs("replace_allowed_ips=true\n", f);
		for (j = 0; j < ps->n_allowed_ips; ++j) {
			char a[PREFIX_STRLEN];

			fprintf(f, "allowed_ip=%s\n", prefix_fmt(&ps->allowed_ips[j], a));
		}
	}
	fputs("\n", f);
	return ferror(f) ? -EIO : 0;
}

static int parse_ulong(const char *v, unsigned long max, unsigned long *out)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || *v == '-' || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

static int parse_hex_key(const char *v, uint8_t key[WG_KEY_LEN])
{
	size_t n = 0;

	if (strlen(v) != 2 * WG_KEY_LEN ||
	    sodium_hex2bin(key, WG_KEY_LEN, v, 2 * WG_KEY_LEN, NULL, &n, NULL) != 0 ||
	    n != WG_KEY_LEN)
		return -EINVAL;
	return 0;
}

static int parse_endpoint(const char *v, union wg_endpoint *ep)
{
	struct hostport hp;
	unsigned long port;
	char *host = hp.host;

	memset(ep, 0, sizeof(*ep));
	if (hostport_split(v, &hp) || !hp.port || !host[0] ||
	    strlen(host) >= INET6_ADDRSTRLEN || parse_ulong(hp.port, 65535, &port) < 0)
		return -EINVAL;
	host[strcspn(host, "%")] = '\0';	/* a scope we do not keep */
	if (inet_pton(AF_INET, host, &ep->in4.sin_addr) == 1) {
		ep->in4.sin_family = AF_INET;
		ep->in4.sin_port = htons(port);
	} else if (inet_pton(AF_INET6, host, &ep->in6.sin6_addr) == 1) {
		ep->in6.sin6_family = AF_INET6;
		ep->in6.sin6_port = htons(port);
	} else {
		return -EINVAL;
	}
	return 0;
}

static int parse_cidr(const char *v, struct prefix *p)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(v, '/');
	unsigned long len;
	size_t hlen;

	memset(p, 0, sizeof(*p));
	if (!slash || (hlen = slash - v) == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, p->addr.bytes) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, host, p->addr.bytes) == 1)
		p->family = AF_INET6;
	else
		return -EINVAL;
	if (parse_ulong(slash + 1, p->family == AF_INET ? 32 : 128, &len) < 0)
		return -EINVAL;
	p->len = len;
	return 0;
}

/* One key=value of a get reply. */
static int get_line(struct wg_state *st, struct wg_peer_state **peer,
		    const char *k, const char *v, int *remote)
{
	uint8_t key[WG_KEY_LEN];
	unsigned long n;
	struct prefix pfx;
	int ret = 0;

	if (!strcmp(k, "errno")) {
		/* wg(8)'s daemons write a positive errno, wireguard-go a
		 * negative one (errno=-98 for a port in use): the same error */
		if (parse_ulong(v + (*v == '-'), 4095, &n) < 0)
			return -EPROTO;
		*remote = -(int)n;
	} else if (!strcmp(k, "private_key")) {
		ret = parse_hex_key(v, key);
		if (!ret)
			ret = wg_state_set_private_key(st, key);
		sodium_memzero(key, sizeof(key));
	} else if (!strcmp(k, "listen_port")) {
		ret = parse_ulong(v, 65535, &n);
		st->listen_port = n;
	} else if (!strcmp(k, "fwmark")) {
		ret = parse_ulong(v, UINT32_MAX, &n);
		st->fwmark = n;
	} else if (!strcmp(k, "public_key")) {
		*peer = wg_state_add_peer(st);
		if (!*peer)
			return -ENOMEM;
		ret = parse_hex_key(v, (*peer)->public_key);
	} else if (!*peer) {
		return 0;	/* device keys we do not know: newer daemon */
	} else if (!strcmp(k, "preshared_key")) {
		ret = parse_hex_key(v, key);
		if (!ret && !key_is_zero(key)) {
			wg_secret_free((*peer)->psk);
			(*peer)->psk = wg_secret_new(key);
			(*peer)->has_preshared_key = true;
			ret = (*peer)->psk ? 0 : -ENOMEM;
		}
		sodium_memzero(key, sizeof(key));
	} else if (!strcmp(k, "endpoint")) {
		ret = parse_endpoint(v, &(*peer)->endpoint);
	} else if (!strcmp(k, "persistent_keepalive_interval")) {
		ret = parse_ulong(v, 65535, &n);
		(*peer)->persistent_keepalive = n;
	} else if (!strcmp(k, "last_handshake_time_sec")) {
		ret = parse_ulong(v, INT64_MAX, &n);
		(*peer)->last_handshake.tv_sec = n;
	} else if (!strcmp(k, "last_handshake_time_nsec")) {
		ret = parse_ulong(v, 999999999, &n);
		(*peer)->last_handshake.tv_nsec = n;
	} else if (!strcmp(k, "rx_bytes")) {
		ret = parse_ulong(v, UINT64_MAX, &n);
		(*peer)->rx_bytes = n;
	} else if (!strcmp(k, "tx_bytes")) {
		ret = parse_ulong(v, UINT64_MAX, &n);
		(*peer)->tx_bytes = n;
	} else if (!strcmp(k, "allowed_ip")) {
		ret = parse_cidr(v, &pfx);
		if (!ret)
			ret = prefix_list_add(&(*peer)->allowed_ips, &pfx);
	}
	/* protocol_version and keys of newer daemons: nothing to keep */
	return ret == -ENOMEM ? ret : ret < 0 ? -EPROTO : 0;
}

int wg_uapi_get_parse(FILE *f, struct wg_state *st)
{
	struct wg_peer_state *peer = NULL;
	struct secbuf line = { 0 };	/* held the private key: wiped, even as it grows */
	char *eq;
	ssize_t n;
	int ret = 0, remote = 1;	/* 1: no errno line seen yet */
	bool timed_out = false;

	for (;;) {
		n = secbuf_getline(&line, f);
		if (n <= 0) {
			timed_out = n < 0 && ferror(f) && (errno == EAGAIN || errno == EWOULDBLOCK);
			break;
		}
		if (line.p[n - 1] == '\n')
			line.p[--n] = '\0';
		if (!n)
			break;	/* the blank line ends the reply */
		eq = strchr(line.p, '=');
		if (!eq) {
			ret = -EPROTO;
			break;
		}
		*eq = '\0';
		ret = get_line(st, &peer, line.p, eq + 1, &remote);
		if (ret < 0)
			break;
	}
	secbuf_free(&line);
	if (ret < 0)
		return ret;
	if (remote > 0)	/* cut short: no errno line */
		return timed_out ? -ETIMEDOUT : -EPROTO;
	return remote;
}

/* --- the backend --------------------------------------------------------- */

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += w;
		len -= w;
	}
	return 0;
}

int wg_uapi_read_reply(int fd, struct wg_state *st)
{
	struct wg_state dummy = { 0 };
	char io[SECSTREAM_IO];	/* the stream's buffer: a get reply's keys pass here */
	FILE *f;
	int ret;

	f = secbuf_fdopen(fd, io);
	if (!f)
		return -errno;
	/* a set reply is just errno=N */
	ret = wg_uapi_get_parse(f, st ? st : &dummy);
	wg_state_clear(&dummy);
	fclose(f);
	sodium_memzero(io, sizeof(io));
	return ret;
}

/* Sends a request and hands the reply stream to parse. */
static int uapi_talk(const char *name, const char *req, size_t len,
		     struct wg_state *st, struct wgb_err *e, const char *what)
{
	const struct timeval timeout = { .tv_sec = UAPI_TIMEOUT_S };
	int fd, ret;

	fd = wg_uapi_connect(name, NULL, NULL, 0);
	if (fd < 0)
		return err_kernel(e, fd, NULL, "%s: %s: userspace WireGuard socket", name, what);
	/* a daemon that hangs must not hold apply (and its lock) forever */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	ret = send_all(fd, req, len);
	if (ret < 0) {
		close(fd);
		return err_kernel(e, ret, NULL, "%s: %s", name, what);
	}
	ret = wg_uapi_read_reply(fd, st);
	if (ret == -EPROTO)
		return err_set(e, ret, "%s: %s: malformed reply from the userspace WireGuard daemon", name, what);
	if (ret == -ETIMEDOUT)
		return err_set(e, ret, "%s: %s: the userspace WireGuard daemon did not answer within %d seconds",
			       name, what, UAPI_TIMEOUT_S);
	if (ret < 0)
		return err_kernel(e, ret, NULL, "%s: %s", name, what);
	return 0;
}

static int uapi_get(const char *name, struct wg_state *st, struct wgb_err *e)
{
	static const char req[] = "get=1\n\n";

	return uapi_talk(name, req, sizeof(req) - 1, st, e, "read WireGuard device");
}

static int uapi_set(const char *name, const struct wg_set *s, struct wgb_err *e)
{
	/* the request holds keys in hex: built in a secbuf, not an
	 * open_memstream, whose growth by realloc would leave copies behind */
	struct secbuf buf = { 0 };
	struct secstream out;
	int ret;

	if (secstream_open(&out, &buf) < 0)
		return err_set(e, -ENOMEM, "wg: out of memory");
	ret = wg_uapi_set_write(out.f, s);
	if (secstream_close(&out) < 0 || ret < 0) {
		ret = err_set(e, -ENOMEM, "wg: out of memory");
		goto out;
	}
	ret = uapi_talk(name, buf.p, buf.len, NULL, e, "configure WireGuard device");
out:
	secbuf_free(&buf);
	return ret;
}

const struct wg_backend_ops wg_uapi_ops = {
	.get = uapi_get,
	.set = uapi_set,
};
