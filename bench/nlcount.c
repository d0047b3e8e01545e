// SPDX-License-Identifier: GPL-2.0-only
/*
 * nlcount.so: an LD_PRELOAD shim that counts what a process (and, through
 * the environment, every program it starts) asks the kernel to do, for the
 * benchmarks' "messages sent" and "kernel writes" columns.
 *
 * Why a shim and not only strace: strace prints one line per syscall, but an
 * nftables batch is one sendmsg holding thousands of netlink messages, and a
 * traced run is too slow to time. The shim walks every buffer sent on a
 * netlink socket message by message (nlmsg_len), at no measurable cost, and
 * classifies each message as a read (GET, dump, generation id), framing
 * (nfnetlink batch begin/end, NLMSG_*) or a write (everything else: NEW, DEL,
 * SET). bench/run.sh cross-checks its syscall and byte totals against
 * `strace -f -e trace=sendmsg,sendto` once per run.
 *
 * Also counted, because they are kernel or device writes that are not
 * netlink: opening a /proc/sys file for writing (sysctl), and connections
 * and "set=1" requests on a userspace WireGuard UAPI socket.
 *
 * Limits, stated in docs/performance.md: only calls through the libc
 * symbols are seen (not raw syscalls: wireguard-go is Go, and libc's own
 * internal netlink use such as getaddrinfo), and stdio writes on a UAPI
 * socket (wg(8) uses fprintf) count as a connection but not as a "set".
 *
 * At exit, a process that sent anything appends one line to $NLCOUNT_OUT:
 *   comm=nft pid=12 calls=2 bytes=1234 msgs=56 writes=50 rt=0 nf=56 genl=0
 *   other=0 sysctl_w=0 uapi=0 uapi_set=0
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define MAXFD 4096
#define KIND_NETLINK_BASE 1	/* fd_kind = netlink protocol + this */
#define KIND_UAPI (-1)

static int fd_kind[MAXFD];

static struct {
	unsigned long calls, bytes, msgs, writes;
	unsigned long rt, nf, genl, other;
	unsigned long sysctl_w, uapi, uapi_set;
} c;

#define REAL(ret, name, ...)						\
	static ret (*real_##name)(__VA_ARGS__);				\
	static void load_##name(void)					\
	{								\
		if (!real_##name)					\
			real_##name = dlsym(RTLD_NEXT, #name);		\
	}

REAL(int, socket, int, int, int)
REAL(int, close, int)
REAL(int, connect, int, const struct sockaddr *, socklen_t)
REAL(ssize_t, send, int, const void *, size_t, int)
REAL(ssize_t, sendto, int, const void *, size_t, int, const struct sockaddr *, socklen_t)
REAL(ssize_t, sendmsg, int, const struct msghdr *, int)
REAL(ssize_t, write, int, const void *, size_t)
REAL(ssize_t, writev, int, const struct iovec *, int)
REAL(int, open, const char *, int, ...)
REAL(int, open64, const char *, int, ...)
REAL(int, openat, int, const char *, int, ...)
REAL(int, openat64, int, const char *, int, ...)
REAL(int, __open_2, const char *, int)
REAL(int, __open64_2, const char *, int)
REAL(int, __openat_2, int, const char *, int)
REAL(int, __openat64_2, int, const char *, int)
REAL(FILE *, fopen, const char *, const char *)
REAL(FILE *, fopen64, const char *, const char *)

static int kind(int fd)
{
	return fd >= 0 && fd < MAXFD ? fd_kind[fd] : 0;
}

/* A message the kernel only reads from: it changes nothing. */
static int nl_is_read(int proto, const struct nlmsghdr *h, size_t avail)
{
	unsigned type = h->nlmsg_type;

	if (type < NLMSG_MIN_TYPE)
		return 1;
	switch (proto) {
	case NETLINK_ROUTE:
		/* RTM_NEW*, DEL*, GET*, SET* come in fours from 16 */
		return (type - 16) % 4 == 2;
	case NETLINK_NETFILTER: {
		unsigned sub = NFNL_SUBSYS_ID(type), msg = type & 0xff;

		if (type == NFNL_MSG_BATCH_BEGIN || type == NFNL_MSG_BATCH_END)
			return 1;	/* framing */
		if (sub == NFNL_SUBSYS_NFTABLES)
			/* GETTABLE GETCHAIN GETRULE GETSET GETSETELEM GETGEN
			 * GETOBJ GETFLOWTABLE */
			return msg == 1 || msg == 4 || msg == 7 || msg == 10 ||
			       msg == 13 || msg == 16 || msg == 19 || msg == 23;
		if (sub == NFNL_SUBSYS_NFT_COMPAT || sub == NFNL_SUBSYS_HOOK)
			return 1;	/* revision and hook queries */
		if (sub == NFNL_SUBSYS_CTNETLINK)
			return msg != 0 && msg != 2;	/* all but NEW, DELETE */
		return 0;
	}
	case NETLINK_GENERIC:
		if (type == GENL_ID_CTRL)
			return 1;	/* family look-ups */
		/* gets are dumps (WG_CMD_GET_DEVICE); sets are not */
		(void)avail;
		return (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	case NETLINK_SOCK_DIAG:
		return 1;	/* socket queries (who listens on a port) */
	default:
		return 0;
	}
}

static void nl_account(int proto, const unsigned char *buf, size_t len)
{
	while (len >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *h = (const void *)buf;
		size_t step = NLMSG_ALIGN(h->nlmsg_len);

		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len)
			break;
		c.msgs++;
		switch (proto) {
		case NETLINK_ROUTE: c.rt++; break;
		case NETLINK_NETFILTER: c.nf++; break;
		case NETLINK_GENERIC: c.genl++; break;
		default: c.other++; break;
		}
		if (!nl_is_read(proto, h, len))
			c.writes++;
		if (step >= len)
			break;
		buf += step;
		len -= step;
	}
}

/* Count one send of 'sent' bytes spread over iov on fd. */
static void account(int fd, const struct iovec *iov, size_t n, ssize_t sent)
{
	int k = kind(fd);
	unsigned char *flat;
	size_t i, off = 0, want;

	if (!k || sent < 0)
		return;
	if (k == KIND_UAPI) {
		if (n && iov[0].iov_len >= 5 && !memcmp(iov[0].iov_base, "set=1", 5))
			c.uapi_set++;
		return;
	}
	c.calls++;
	c.bytes += sent;
	want = sent;
	if (n == 1) {
		nl_account(k - KIND_NETLINK_BASE, iov[0].iov_base, want);
		return;
	}
	/* a batch spread over several pages: walk it as the kernel sees it */
	flat = malloc(want ? want : 1);
	if (!flat)
		return;
	for (i = 0; i < n && off < want; ++i) {
		size_t l = iov[i].iov_len < want - off ? iov[i].iov_len : want - off;

		memcpy(flat + off, iov[i].iov_base, l);
		off += l;
	}
	nl_account(k - KIND_NETLINK_BASE, flat, off);
	free(flat);
}

static void sysctl_open(const char *path, int writing)
{
	if (writing && path && !strncmp(path, "/proc/sys/", 10))
		c.sysctl_w++;
}

int socket(int domain, int type, int protocol)
{
	int fd;

	load_socket();
	fd = real_socket(domain, type, protocol);
	if (fd >= 0 && fd < MAXFD)
		fd_kind[fd] = domain == AF_NETLINK ? protocol + KIND_NETLINK_BASE : 0;
	return fd;
}

int close(int fd)
{
	load_close();
	if (fd >= 0 && fd < MAXFD)
		fd_kind[fd] = 0;
	return real_close(fd);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	load_connect();
	if (addr && addr->sa_family == AF_UNIX && fd >= 0 && fd < MAXFD) {
		const struct sockaddr_un *sun = (const void *)addr;
		const char *p = sun->sun_path, *dot = strrchr(p, '.');

		if (strstr(p, "/wireguard/") && dot && !strcmp(dot, ".sock")) {
			fd_kind[fd] = KIND_UAPI;
			c.uapi++;
		}
	}
	return real_connect(fd, addr, len);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct iovec iov = { (void *)buf, len };
	ssize_t r;

	load_send();
	r = real_send(fd, buf, len, flags);
	account(fd, &iov, 1, r);
	return r;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	struct iovec iov = { (void *)buf, len };
	ssize_t r;

	load_sendto();
	r = real_sendto(fd, buf, len, flags, to, tolen);
	account(fd, &iov, 1, r);
	return r;
}

ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	ssize_t r;

	load_sendmsg();
	r = real_sendmsg(fd, m, flags);
	if (m)
		account(fd, m->msg_iov, m->msg_iovlen, r);
	return r;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	struct iovec iov = { (void *)buf, len };
	ssize_t r;

	load_write();
	r = real_write(fd, buf, len);
	account(fd, &iov, 1, r);
	return r;
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	ssize_t r;

	load_writev();
	r = real_writev(fd, iov, n);
	account(fd, iov, n, r);
	return r;
}

static int writes_to(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY;
}

/* The open family is variadic: the mode is there only with O_CREAT/O_TMPFILE. */
#define MODE_ARG(flags, ap, mode)					\
	do {								\
		if ((flags) & (O_CREAT | __O_TMPFILE)) {		\
			va_start(ap, flags);				\
			mode = va_arg(ap, mode_t);			\
			va_end(ap);					\
		}							\
	} while (0)

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	MODE_ARG(flags, ap, mode);
	load_open();
	sysctl_open(path, writes_to(flags));
	return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	MODE_ARG(flags, ap, mode);
	load_open64();
	sysctl_open(path, writes_to(flags));
	return real_open64(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	MODE_ARG(flags, ap, mode);
	load_openat();
	sysctl_open(path, writes_to(flags));
	return real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	MODE_ARG(flags, ap, mode);
	load_openat64();
	sysctl_open(path, writes_to(flags));
	return real_openat64(dirfd, path, flags, mode);
}

/* what _FORTIFY_SOURCE builds call instead (procps' sysctl does) */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

int __open_2(const char *path, int flags)
{
	load___open_2();
	sysctl_open(path, writes_to(flags));
	return real___open_2(path, flags);
}

int __open64_2(const char *path, int flags)
{
	load___open64_2();
	sysctl_open(path, writes_to(flags));
	return real___open64_2(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	load___openat_2();
	sysctl_open(path, writes_to(flags));
	return real___openat_2(dirfd, path, flags);
}

int __openat64_2(int dirfd, const char *path, int flags)
{
	load___openat64_2();
	sysctl_open(path, writes_to(flags));
	return real___openat64_2(dirfd, path, flags);
}

FILE *fopen(const char *path, const char *mode)
{
	load_fopen();
	sysctl_open(path, mode && (strchr(mode, 'w') || strchr(mode, 'a') || strchr(mode, '+')));
	return real_fopen(path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
	load_fopen64();
	sysctl_open(path, mode && (strchr(mode, 'w') || strchr(mode, 'a') || strchr(mode, '+')));
	return real_fopen64(path, mode);
}

/* A forked child starts from zero: only what it sends itself is its own. */
static void child_reset(void)
{
	memset(&c, 0, sizeof(c));
}

__attribute__((constructor)) static void nlcount_init(void)
{
	pthread_atfork(NULL, NULL, child_reset);
}

__attribute__((destructor)) static void nlcount_report(void)
{
	const char *out = getenv("NLCOUNT_OUT");
	char comm[32] = "?", line[512];
	int fd, n;

	if (!out || !(c.calls || c.sysctl_w || c.uapi))
		return;
	load_open();
	load_write();
	load_close();
	fd = real_open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, comm, sizeof(comm) - 1);
		comm[n > 0 ? n : 0] = 0;
		comm[strcspn(comm, "\n")] = 0;
		real_close(fd);
	}
	n = snprintf(line, sizeof(line),
		     "comm=%s pid=%d calls=%lu bytes=%lu msgs=%lu writes=%lu rt=%lu nf=%lu genl=%lu other=%lu sysctl_w=%lu uapi=%lu uapi_set=%lu\n",
		     comm, (int)getpid(), c.calls, c.bytes, c.msgs, c.writes,
		     c.rt, c.nf, c.genl, c.other, c.sysctl_w, c.uapi, c.uapi_set);
	fd = real_open(out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		/* one write with O_APPEND: lines of concurrent processes never mix */
		if (real_write(fd, line, n) < 0) {
			/* nothing useful to do from a destructor */
		}
		real_close(fd);
	}
}
