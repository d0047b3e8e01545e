// SPDX-License-Identifier: GPL-2.0-only
/*
 * probe: what each piece of a no-op apply's fast path costs on this
 * machine, measured in one process so that process start is not in the
 * figures (except where process start is the figure).
 *
 *   probe exit                   do nothing; linked with every library
 *                                wgbastion links (the Makefile's PKGS,
 *                                --no-as-needed), so `probe spawn N probe
 *                                exit` is the start of such a binary
 *   probe spawn N PROG [ARG...]  start PROG N times (posix_spawn + wait)
 *   probe getgen N               NFT_MSG_GETGEN on one open socket
 *   probe getgen-open N          socket + bind + GETGEN + close
 *   probe uapi DEV N             a userspace WireGuard's UAPI "get=1"
 *                                (connect, ask, read the whole answer)
 *   probe wggenl DEV N           kernel WireGuard: WG_CMD_GET_DEVICE dump
 *                                (generic netlink; family resolved once)
 *   probe routes N               RTM_GETROUTE dump, every table, both
 *                                families
 *   probe rules N                RTM_GETRULE dump, both families
 *   probe sysctl N FILE...       read each /proc/sys FILE
 *   probe file N FILE            open, read (up to 64 KiB), close FILE
 *   probe nflog GROUP SECONDS    listen on NFLOG group GROUP (nfnetlink_log)
 *                                for SECONDS; one line per packet:
 *                                "nflog prefix=\"...\" src=ADDR"
 *
 * Each timed mode prints "NAME median_ns=M mean_ns=A n=N [items=K]": the
 * median and mean of N runs (after one untimed warm-up), K what one run
 * returned (messages, bytes).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <arpa/inet.h>
#include <poll.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>
#include <linux/wireguard.h>
#include <net/if.h>

extern char **environ;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void fail(const char *what)
{
	fprintf(stderr, "probe: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* runs f(arg) n times after a warm-up, prints median and mean */
static void timed(const char *name, long n, long (*f)(void *), void *arg)
{
	double *v = calloc((size_t)n, sizeof(*v)), sum = 0;
	long i, items = f(arg);

	if (!v)
		fail("calloc");
	for (i = 0; i < n; ++i) {
		double t = now_ns();

		f(arg);
		v[i] = now_ns() - t;
		sum += v[i];
	}
	qsort(v, (size_t)n, sizeof(*v), dcmp);
	printf("%s median_ns=%.0f mean_ns=%.0f n=%ld items=%ld\n", name, v[n / 2], sum / n, n, items);
	free(v);
}

/* ---- process start ---- */

static long spawn(void *arg)
{
	char **av = arg;
	pid_t pid;
	int st;

	static posix_spawn_file_actions_t fa;
	static int init;

	if (!init++) {
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	}
	if (posix_spawn(&pid, av[0], &fa, NULL, av, environ))
		fail("posix_spawn");
	if (waitpid(pid, &st, 0) < 0)
		fail("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- netlink dumps ---- */

struct nl {
	struct mnl_socket *s;
	unsigned seq;
	uint16_t type, flags;
	uint8_t family;		/* rtgenmsg / nfgenmsg family */
	size_t hdr;		/* family header size */
};

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(*(long *)data)++;
	return MNL_CB_OK;
}

static long talk(struct nl *c, struct nlmsghdr *nlh)
{
	static char buf[1 << 16];
	long items = 0;
	ssize_t n;
	int r;

	if (mnl_socket_sendto(c->s, nlh, nlh->nlmsg_len) < 0)
		fail("sendto");
	do {
		n = mnl_socket_recvfrom(c->s, buf, sizeof(buf));
		if (n < 0)
			fail("recvfrom");
		r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, mnl_socket_get_portid(c->s), count_cb, &items);
	} while (r > 0 && (nlh->nlmsg_flags & NLM_F_DUMP));	/* else one answer */
	if (r < 0)
		fail("netlink answer");
	return items;
}

static long dump(void *arg)
{
	struct nl *c = arg;
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint8_t *fam;

	nlh->nlmsg_type = c->type;
	nlh->nlmsg_flags = NLM_F_REQUEST | c->flags;
	nlh->nlmsg_seq = ++c->seq;
	fam = mnl_nlmsg_put_extra_header(nlh, c->hdr);
	fam[0] = c->family;
	return talk(c, nlh);
}

static struct mnl_socket *nl_open(int proto)
{
	struct mnl_socket *s = mnl_socket_open(proto);

	if (!s || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
		fail("netlink socket");
	return s;
}

static long getgen_open(void *arg)
{
	struct nl c = { nl_open(NETLINK_NETFILTER), 0, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETGEN,
			0, AF_UNSPEC, sizeof(struct nfgenmsg) };
	long r = dump(&c);

	mnl_socket_close(c.s);
	return r;
}

/* ---- WireGuard ---- */

static long uapi(void *arg)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	static char buf[1 << 16];
	long total = 0;
	char last = 0;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "/run/wireguard/%s.sock", (const char *)arg);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		fail(a.sun_path);
	if (write(fd, "get=1\n\n", 7) != 7)
		fail("uapi write");
	/* the answer ends with an empty line ("errno=0\n\n") */
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		bool end = buf[n - 1] == '\n' && (n >= 2 ? buf[n - 2] == '\n' : last == '\n');

		total += n;
		last = buf[n - 1];
		if (end)
			break;
	}
	close(fd);
	return total;
}

struct wg {
	struct nl c;
	uint16_t family;
	const char *dev;
};

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static long wggenl(void *arg)
{
	struct wg *w = arg;
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = w->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++w->c.seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = WG_CMD_GET_DEVICE;
	g->version = WG_GENL_VERSION;
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, w->dev);
	return talk(&w->c, nlh);
}

static void wg_resolve(struct wg *w)
{
	static char buf[1 << 14];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	ssize_t n;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++w->c.seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	if (mnl_socket_sendto(w->c.s, nlh, nlh->nlmsg_len) < 0)
		fail("GETFAMILY");
	n = mnl_socket_recvfrom(w->c.s, buf, sizeof(buf));
	if (n < 0 || mnl_cb_run(buf, (size_t)n, 0, 0, family_cb, &w->family) < 0 || !w->family)
		fail("wireguard genetlink family");
}

/* ---- files ---- */

struct files {
	char **v;
	int n;
};

static long read_files(void *arg)
{
	struct files *f = arg;
	static char buf[1 << 16];
	long total = 0;
	int i;

	for (i = 0; i < f->n; ++i) {
		int fd = open(f->v[i], O_RDONLY | O_CLOEXEC);
		ssize_t r;

		if (fd < 0)
			fail(f->v[i]);
		r = read(fd, buf, sizeof(buf));
		close(fd);
		if (r < 0)
			fail(f->v[i]);
		total += r;
	}
	return total;
}

/* ---- NFLOG ---- */

static void nflog_cfg(struct mnl_socket *s, uint16_t group, uint8_t family, uint8_t cmd)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;
	struct nfulnl_msg_config_cmd c = { cmd };
	struct nfulnl_msg_config_mode m = { .copy_range = htonl(0xffff), .copy_mode = NFULNL_COPY_PACKET };
	ssize_t n;

	nlh->nlmsg_type = NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(group);
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(c), &c);
	if (cmd == NFULNL_CFG_CMD_BIND)
		mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(m), &m);
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0)
		fail("NFULNL_MSG_CONFIG");
	n = mnl_socket_recvfrom(s, buf, sizeof(buf));
	if (n < 0 || mnl_cb_run(buf, (size_t)n, 0, 0, NULL, NULL) < 0)
		fail("NFLOG bind");
}

static int nflog_cb(const struct nlmsghdr *nlh, void *data)
{
	const char *prefix = "";
	const uint8_t *pkt = NULL;
	char addr[INET6_ADDRSTRLEN] = "?";
	struct nlattr *a;
	uint16_t len = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) == NFULA_PREFIX)
			prefix = mnl_attr_get_str(a);
		if (mnl_attr_get_type(a) == NFULA_PAYLOAD) {
			pkt = mnl_attr_get_payload(a);
			len = mnl_attr_get_payload_len(a);
		}
	}
	if (pkt && len >= 20 && pkt[0] >> 4 == 4)
		inet_ntop(AF_INET, pkt + 12, addr, sizeof(addr));
	else if (pkt && len >= 40 && pkt[0] >> 4 == 6)
		inet_ntop(AF_INET6, pkt + 8, addr, sizeof(addr));
	printf("nflog prefix=\"%s\" src=%s\n", prefix, addr);
	fflush(stdout);
	return MNL_CB_OK;
}

static void nflog(uint16_t group, double seconds)
{
	struct mnl_socket *s = nl_open(NETLINK_NETFILTER);
	static char buf[1 << 16];
	double end = now_ns() + seconds * 1e9;
	struct pollfd p = { mnl_socket_get_fd(s), POLLIN, 0 };

	nflog_cfg(s, group, AF_UNSPEC, NFULNL_CFG_CMD_BIND);
	printf("nflog listening group=%u\n", group);
	fflush(stdout);
	while (now_ns() < end) {
		ssize_t n;

		if (poll(&p, 1, (int)((end - now_ns()) / 1e6) + 1) <= 0)
			continue;
		n = mnl_socket_recvfrom(s, buf, sizeof(buf));
		if (n < 0)
			fail("NFLOG recv");
		mnl_cb_run(buf, (size_t)n, 0, 0, nflog_cb, NULL);
	}
	mnl_socket_close(s);
}

static void usage(void)
{
	fputs("usage: probe exit | spawn N PROG [ARG...] | getgen N | getgen-open N | uapi DEV N |\n"
	      "       wggenl DEV N | routes N | rules N | sysctl N FILE... | file N FILE |\n"
	      "       nflog GROUP SECONDS\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	long n = argc > 2 ? atol(argv[2]) : 0;

	if (!strcmp(m, "exit"))
		return 0;
	if (!strcmp(m, "spawn") && argc > 3 && n > 0) {
		char name[64];

		snprintf(name, sizeof(name), "spawn:%s", strrchr(argv[3], '/') ? strrchr(argv[3], '/') + 1 : argv[3]);
		timed(name, n, spawn, argv + 3);
		return 0;
	}
	if (!strcmp(m, "getgen") && n > 0) {
		struct nl c = { nl_open(NETLINK_NETFILTER), 0, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETGEN,
				0, AF_UNSPEC, sizeof(struct nfgenmsg) };

		timed("getgen", n, dump, &c);
		return 0;
	}
	if (!strcmp(m, "getgen-open") && n > 0) {
		timed("getgen-open", n, getgen_open, NULL);
		return 0;
	}
	if (!strcmp(m, "uapi") && argc == 4) {
		n = atol(argv[3]);
		if (n <= 0)
			usage();
		timed("uapi", n, uapi, argv[2]);
		return 0;
	}
	if (!strcmp(m, "wggenl") && argc == 4) {
		struct wg w = { { nl_open(NETLINK_GENERIC), 0, 0, 0, 0, 0 }, 0, argv[2] };

		n = atol(argv[3]);
		if (n <= 0)
			usage();
		wg_resolve(&w);
		timed("wggenl", n, wggenl, &w);
		return 0;
	}
	if ((!strcmp(m, "routes") || !strcmp(m, "rules")) && n > 0) {
		struct nl c = { nl_open(NETLINK_ROUTE), 0, m[1] == 'o' ? RTM_GETROUTE : RTM_GETRULE,
				NLM_F_DUMP, AF_UNSPEC, sizeof(struct rtmsg) };

		timed(m, n, dump, &c);
		return 0;
	}
	if ((!strcmp(m, "sysctl") || !strcmp(m, "file")) && argc > 3 && n > 0) {
		struct files f = { argv + 3, argc - 3 };

		timed(m, n, read_files, &f);
		return 0;
	}
	if (!strcmp(m, "nflog") && argc == 4) {
		nflog((uint16_t)atoi(argv[2]), atof(argv[3]));
		return 0;
	}
	usage();
	return 2;
}
