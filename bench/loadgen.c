// SPDX-License-Identifier: GPL-2.0-only
/*
 * loadgen: the data-plane load generator of the benchmarks.
 *
 *   loadgen tcp-server ADDR PORT MAXSEC      accept, answer 1 byte, close
 *   loadgen tcp-crr ADDR PORT SEC CONC       new connections per second
 *   loadgen udp-sink ADDR PORT MAXSEC        count datagrams
 *   loadgen udp-flood ADDR PORT SEC FLOWS    send datagrams, FLOWS source ports
 *
 * Why our own: what is measured is the cost of the ruleset on *new*
 * connections (the NAT chains only see a connection's first packet) and on
 * packets, so we need connect/request/response/close in a tight loop with
 * many in flight (netperf's TCP_CRR, which Debian ships only in non-free)
 * and a plain datagram flood with a known number of flows (iperf3 measures
 * bandwidth over one long-lived connection, wrk needs an HTTP server).
 *
 * tcp-crr keeps CONC connections in flight: connect, send one byte, read
 * the one-byte answer, close with an RST (SO_LINGER 0) so that no TIME_WAIT
 * exhausts the client's ports and the bastion's conntrack entry closes at
 * once; it prints "conns=N seconds=S rate=R". udp-flood sends 64-byte
 * datagrams round-robin from FLOWS sockets for SEC seconds, prints
 * "sent=N"; udp-sink prints "received=N span=S rate=R" where span runs from
 * the first to the last datagram, once no datagram came for 0.5 s or MAXSEC
 * passed. Every mode stops by itself: loops are bounded in time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXCONC 1024
#define UDP_BATCH 32
#define UDP_SIZE 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int num(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < lo || v > hi) {
		fprintf(stderr, "loadgen: \"%s\" is not a number in %lu-%lu\n", s, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int addr_of(const char *a, const char *p, struct sockaddr_in *sin)
{
	unsigned long port;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, a, &sin->sin_addr) != 1) {
		fprintf(stderr, "loadgen: \"%s\" is not an IPv4 address\n", a);
		return -EINVAL;
	}
	if (num(p, 1, 65535, &port) < 0)
		return -EINVAL;
	sin->sin_port = htons(port);
	return 0;
}

/* --- TCP ------------------------------------------------------------------ */

static int tcp_server(const struct sockaddr_in *sin, double maxsec)
{
	struct epoll_event ev, evs[256];
	double end = now() + maxsec;
	unsigned long served = 0;
	int ls, ep, one = 1, i, n;

	ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ls < 0 || ep < 0)
		return perror("loadgen: socket"), 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (const void *)sin, sizeof(*sin)) < 0 || listen(ls, 4096) < 0)
		return perror("loadgen: bind/listen"), 1;
	ev.events = EPOLLIN;
	ev.data.fd = ls;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	printf("listening\n");
	fflush(stdout);
	while (now() < end) {
		n = epoll_wait(ep, evs, 256, 200);
		for (i = 0; i < n; ++i) {
			int fd = evs[i].data.fd;
			char b[64];

			if (fd == ls) {
				int c;

				while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					ev.events = EPOLLIN | EPOLLRDHUP;
					ev.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			/* a request byte gets its answer; EOF or RST closes */
			ssize_t r = read(fd, b, sizeof(b));

			if (r > 0) {
				if (write(fd, "y", 1) == 1)
					served++;
				if (!(evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
					continue;
			} else if (r < 0 && errno == EAGAIN) {
				continue;
			}
			close(fd);	/* also removes it from the epoll set */
		}
	}
	printf("served=%lu\n", served);
	return 0;
}

struct conn {
	int fd;
	int state;	/* 0 connecting, 1 waiting for the answer */
};

static int crr_open(int ep, const struct sockaddr_in *sin, struct conn *c)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct epoll_event ev;
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (const void *)sin, sizeof(*sin)) < 0 && errno != EINPROGRESS) {
		int ret = -errno;

		close(c->fd);
		return ret;
	}
	c->state = 0;
	ev.events = EPOLLOUT;
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	return 0;
}

static int tcp_crr(const struct sockaddr_in *sin, double sec, unsigned conc)
{
	static struct conn conns[MAXCONC];
	struct epoll_event ev, evs[MAXCONC];
	unsigned long done = 0, errors = 0;
	double start = now(), end = start + sec, t;
	unsigned i;
	int ep, n, k;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return perror("loadgen: epoll"), 1;
	for (i = 0; i < conc; ++i)
		if (crr_open(ep, sin, &conns[i]) < 0)
			return perror("loadgen: connect"), 1;
	while ((t = now()) < end) {
		n = epoll_wait(ep, evs, MAXCONC, 100);
		for (k = 0; k < n; ++k) {
			struct conn *c = evs[k].data.ptr;
			char b;

			if (evs[k].events & (EPOLLERR | EPOLLHUP)) {
				errors++;
				goto again;
			}
			if (c->state == 0) {
				if (write(c->fd, "x", 1) != 1) {
					errors++;
					goto again;
				}
				c->state = 1;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				continue;
			}
			if (read(c->fd, &b, 1) == 1)
				done++;
			else if (errno == EAGAIN)
				continue;
			else
				errors++;
again:
			close(c->fd);
			if (crr_open(ep, sin, c) < 0) {
				/* out of ports or descriptors: stop, report */
				perror("loadgen: connect");
				end = 0;
				break;
			}
		}
	}
	t = now() - start;
	printf("conns=%lu errors=%lu seconds=%.3f rate=%.0f\n", done, errors, t, done / t);
	return errors > done / 100 ? 1 : 0;	/* more than 1% failed: not a valid run */
}

/* --- UDP ------------------------------------------------------------------ */

static int udp_sink(const struct sockaddr_in *sin, double maxsec)
{
	struct mmsghdr m[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	static char bufs[UDP_BATCH][2048];
	struct timespec to = { 0, 100 * 1000 * 1000 };
	double end = now() + maxsec, first = 0, last = 0, t;
	unsigned long got = 0;
	int fd, i, n, rcv = 4 << 20;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return perror("loadgen: socket"), 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(fd, (const void *)sin, sizeof(*sin)) < 0)
		return perror("loadgen: bind"), 1;
	struct timeval tv = { 0, 100 * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (i = 0; i < UDP_BATCH; ++i) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		memset(&m[i], 0, sizeof(m[i]));
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	printf("listening\n");
	fflush(stdout);
	while ((t = now()) < end) {
		if (got && t - last > 0.5)
			break;
		n = recvmmsg(fd, m, UDP_BATCH, MSG_WAITFORONE, &to);
		if (n <= 0)
			continue;
		t = now();
		if (!got)
			first = t;
		last = t;
		got += n;
	}
	t = last - first;
	printf("received=%lu span=%.3f rate=%.0f\n", got, t, t > 0 ? got / t : 0.0);
	return 0;
}

static int udp_flood(const struct sockaddr_in *sin, double sec, unsigned flows)
{
	static int fds[MAXCONC];
	struct mmsghdr m[UDP_BATCH];
	struct iovec iov;
	static char buf[UDP_SIZE];
	double end = now() + sec;
	unsigned long sent = 0;
	unsigned f = 0, i;
	int n;

	for (i = 0; i < flows; ++i) {
		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || connect(fds[i], (const void *)sin, sizeof(*sin)) < 0)
			return perror("loadgen: udp socket"), 1;
	}
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	for (i = 0; i < UDP_BATCH; ++i) {
		memset(&m[i], 0, sizeof(m[i]));
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	while (now() < end) {
		n = sendmmsg(fds[f], m, UDP_BATCH, 0);
		if (n > 0)
			sent += n;
		f = (f + 1) % flows;
	}
	printf("sent=%lu\n", sent);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;
	unsigned long a, b = 0;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 5 || addr_of(argv[2], argv[3], &sin) < 0 || num(argv[4], 1, 3600, &a) < 0)
		goto usage;
	if (!strcmp(argv[1], "tcp-server") && argc == 5)
		return tcp_server(&sin, a);
	if (!strcmp(argv[1], "udp-sink") && argc == 5)
		return udp_sink(&sin, a);
	if (argc == 6 && num(argv[5], 1, MAXCONC, &b) < 0)
		goto usage;
	if (!strcmp(argv[1], "tcp-crr") && argc == 6)
		return tcp_crr(&sin, a, b);
	if (!strcmp(argv[1], "udp-flood") && argc == 6)
		return udp_flood(&sin, a, b);
usage:
	fprintf(stderr,
		"usage: loadgen tcp-server|udp-sink ADDR PORT MAXSEC\n"
		"       loadgen tcp-crr ADDR PORT SEC CONCURRENCY\n"
		"       loadgen udp-flood ADDR PORT SEC FLOWS\n");
	return 2;
}
