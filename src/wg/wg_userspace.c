// SPDX-License-Identifier: GPL-2.0-only
/*
 * Starting a userspace WireGuard implementation, as wg-quick does when the
 * kernel cannot create a wireguard link: run
 * `$WG_QUICK_USERSPACE_IMPLEMENTATION NAME` (default wireguard-go), which
 * creates a tun device and a UAPI socket and daemonises. This is the only
 * program wgbastion ever starts.
 *
 * The child gets a session of its own (an ssh session that hangs up must
 * not take the tunnel with it), no descriptor of ours (the instance lock
 * and netlink sockets stay ours), and its output goes to an anonymous file
 * that we print only when it fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "link.h"
#include "wg_ipc.h"

#define START_TIMEOUT_MS	10000
#define GONE_TIMEOUT_MS		5000
#define POLL_MS			20

const char *wg_userspace_prog(void)
{
	const char *p = getenv("WG_QUICK_USERSPACE_IMPLEMENTATION");

	return p && *p ? p : "wireguard-go";
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Up to ms for the child behind pidfd to exit, or ms asleep without one
 * (a kernel before 5.3). wireguard-go's parent exits once its device and
 * UAPI socket are there: waking on that, not at the next poll, is up to
 * POLL_MS off every start.
 */
static void wait_exit_ms(int pidfd, long ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd < 0 || poll(&p, 1, (int)ms) < 0)
		sleep_ms(ms);
}

static void child(const char *prog, const char *name, int out)
{
	sigset_t all;
	int fd, sig;

	setsid();
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (sig = 1; sig < NSIG; ++sig)
		signal(sig, SIG_DFL);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, 0);
	dup2(out, 1);
	dup2(out, 2);
	close_range(3, ~0U, 0);
	/* the implementation must daemonise, whatever the caller's env */
	unsetenv("WG_PROCESS_FOREGROUND");
	execlp(prog, prog, name, (char *)NULL);
	dprintf(2, "cannot run %s: %s\n", prog, strerror(errno));
	_exit(127);
}

/* The last lines the implementation printed, on one line. */
static void child_output(int out, char *buf, size_t len)
{
	char raw[2048], *p;
	ssize_t n;
	off_t size;

	buf[0] = '\0';
	size = lseek(out, 0, SEEK_END);
	if (size <= 0)
		return;
	lseek(out, size > (off_t)sizeof(raw) - 1 ? size - (off_t)sizeof(raw) + 1 : 0, SEEK_SET);
	n = read(out, raw, sizeof(raw) - 1);
	if (n <= 0)
		return;
	raw[n] = '\0';
	while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == ' '))
		raw[--n] = '\0';
	for (p = raw; *p; ++p)
		if (*p == '\n')
			*p = ' ';
	/* the end says why: keep it when the text is long */
	p = raw + (n > (ssize_t)len - 3 ? n - (ssize_t)len + 3 : 0);
	snprintf(buf, len, ": %.*s", (int)(len - 3), p);
}

static bool device_ready(const char *name)
{
	struct link_info li;
	int fd = wg_uapi_connect(name, NULL, NULL, 0);

	if (fd < 0)
		return false;
	close(fd);
	return link_get(name, &li, NULL) == 0;
}

int wg_userspace_start(const char *name, struct wgb_err *e)
{
	const char *prog = wg_userspace_prog();
	char said[1100];
	int out, status, waited = 0, step = 1, ret, pidfd;
	bool exited = false;
	pid_t pid;

	out = memfd_create("wgbastion-userspace-wg", MFD_CLOEXEC);
	if (out < 0)
		return err_kernel(e, -errno, NULL, "start %s", prog);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(out);
		return err_kernel(e, ret, NULL, "start %s", prog);
	}
	if (pid == 0)
		child(prog, name, out);
	/* glibc 2.36 has a wrapper, older ones not: the system call */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	for (;;) {
		if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				child_output(out, said, sizeof(said));
				ret = err_set(e, -ECHILD, "no kernel WireGuard, and %s %s failed (%s %d)%s",
					      prog, name,
					      WIFEXITED(status) ? "exit status" : "signal",
					      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
					      said);
				break;
			}
		}
		/* wireguard-go's parent exits once the device is there; an
		 * implementation that stays in the foreground is the daemon */
		if (device_ready(name)) {
			ret = 0;
			/* reap wireguard-go's parent, which exits right after */
			for (waited = 0; !exited && waited < 1000; waited += POLL_MS) {
				if (waitpid(pid, &status, WNOHANG) == pid)
					break;
				wait_exit_ms(pidfd, POLL_MS);
			}
			break;
		}
		if (waited >= START_TIMEOUT_MS) {
			child_output(out, said, sizeof(said));
			ret = err_set(e, -ETIMEDOUT, "%s %s: no UAPI socket after %d seconds%s",
				      prog, name, START_TIMEOUT_MS / 1000, said);
			if (!exited) {
				kill(pid, SIGTERM);	/* ours, and useless */
				waitpid(pid, &status, 0);
			}
			break;
		}
		/* the socket usually appears within a few ms: look again
		 * after 1, 2, 4, ... ms, never more than POLL_MS apart, or as
		 * soon as the child exits */
		wait_exit_ms(exited ? -1 : pidfd, step);
		waited += step;
		if (step < POLL_MS)
			step = step * 2 > POLL_MS ? POLL_MS : step * 2;
	}
	if (pidfd >= 0)
		close(pidfd);
	close(out);
	return ret;
}

int wg_userspace_wait_gone(const char *name, struct wgb_err *e)
{
	int waited, fd;

	for (waited = 0; waited < GONE_TIMEOUT_MS; waited += POLL_MS) {
		fd = wg_uapi_connect(name, NULL, NULL, 0);
		if (fd < 0)
			return 0;	/* no socket, a stale one, or not ours */
		close(fd);
		sleep_ms(POLL_MS);
	}
	return err_set(e, -ETIMEDOUT,
		       "%s: the userspace WireGuard daemon still answers %d seconds after its link was deleted",
		       name, GONE_TIMEOUT_MS / 1000);
}
