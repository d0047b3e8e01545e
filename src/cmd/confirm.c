// SPDX-License-Identifier: GPL-2.0-only
/*
 * apply --confirm N and `wgbastion confirm`: a change stays only if someone
 * says so in time (netplan try, Junos "commit confirmed").
 *
 * The waiting apply owns a FIFO in the run directory (NAME.confirm), opened for
 * reading *and* writing so that it never sees end-of-file and never spins on
 * POLLHUP. `wgbastion confirm` opens it write-only and non-blocking: the
 * kernel answers ENXIO when nobody holds it for reading, so a file left
 * behind by a crashed apply can never be mistaken for a pending one. The
 * confirming process writes "yes PID"; the waiter acknowledges with a queued
 * SIGUSR1 to that PID, so `confirm` only says "confirmed" when the apply
 * really took it (and not when the timeout won the race).
 *
 * The wait must outlive the ssh session that started it: SIGHUP and SIGPIPE
 * are ignored from here on (also during the rollback that follows, which is
 * why they are not restored), a terminal that hangs up (read returns 0 or
 * EIO) is simply no longer read, and the deadline is on CLOCK_BOOTTIME so a
 * suspended VM does not stretch it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "config/config.h"
#include "confirm.h"
#include "core/rundir.h"

#define ACK_MAGIC	0x77676221	/* "wgb!": the value of the SIGUSR1 ack */
#define ACK_WAIT_MS	5000

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	interrupted = sig;
}

/* The prompt goes to stderr; once the terminal is gone we stop writing. */
struct term {
	bool in;		/* reading keys from stdin (a tty, foreground) */
	bool out;		/* stderr still writable */
	bool redraw;		/* stderr is a tty: the countdown can be redrawn */
	bool raw;		/* termios changed, restore at the end */
	struct termios saved;
	char line[16];
	size_t len;
};

static void say(struct term *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct term *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	size_t off = 0;
	ssize_t n;
	int len;

	if (!t->out)
		return;
	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(buf))
		len = sizeof(buf) - 1;
	while (off < (size_t)len) {
		n = write(STDERR_FILENO, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {	/* EIO (tty hung up), EPIPE (ssh gone) */
			t->out = false;
			return;
		}
		off += n;
	}
}

static void prompt(struct term *t, unsigned left)
{
	if (!t->in || !t->redraw)
		return;
	say(t, "\r\033[KKeep these changes? Type yes (rolling back in %u s): %.*s",
	    left, (int)t->len, t->line);
}

static void term_open(struct term *t)
{
	struct termios raw;

	memset(t, 0, sizeof(*t));
	t->out = true;
	t->redraw = isatty(STDERR_FILENO);
	/* Reading the tty from a background job would stop us (SIGTTIN). */
	if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgrp())
		return;
	t->in = true;
	/* Without a terminal to redraw on, the kernel's line editing and
	 * echo serve better than ours. */
	if (!t->redraw || tcgetattr(STDIN_FILENO, &t->saved) < 0)
		return;
	/* Our own line editing, so the countdown can be redrawn without
	 * losing what was typed; ISIG stays on: Ctrl-C means "no". */
	raw = t->saved;
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
		t->raw = true;
}

static void term_close(struct term *t)
{
	if (t->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);	/* EIO if gone */
	if (t->in && t->redraw)
		say(t, "\n");
}

static bool word_is(const char *s, size_t n, const char *w)
{
	size_t i, l = strlen(w);

	while (n && isspace((unsigned char)*s))
		++s, --n;
	while (n && isspace((unsigned char)s[n - 1]))
		--n;
	if (n != l)
		return false;
	for (i = 0; i < n; ++i)
		if (tolower((unsigned char)s[i]) != w[i])
			return false;
	return true;
}

/* Keys typed on the terminal: 1 yes, 0 no / end of input, -1 keep waiting. */
static int term_keys(struct term *t, const char *buf, size_t n)
{
	cc_t veof = t->raw ? t->saved.c_cc[VEOF] : 4;
	size_t i;

	for (i = 0; i < n; ++i) {
		char c = buf[i];

		if (c == '\n' || c == '\r') {
			bool yes = word_is(t->line, t->len, "yes");
			bool no = word_is(t->line, t->len, "no") || word_is(t->line, t->len, "n");
			bool empty = word_is(t->line, t->len, "");

			t->len = 0;
			if (yes)
				return 1;
			if (no)
				return 0;
			if (!empty && t->redraw)
				say(t, "\r\033[K(type yes to keep the changes, no to roll back now)\n");
		} else if ((cc_t)c == veof && t->raw) {
			if (!t->len)
				return 0;
		} else if (c == 0x7f || c == '\b') {
			if (t->len)
				t->len--;
		} else if (c == 0x15) {	/* ^U */
			t->len = 0;
		} else if (isprint((unsigned char)c) && t->len < sizeof(t->line)) {
			t->line[t->len++] = c;
		}
	}
	return -1;
}

/* Lines from `wgbastion confirm`: "yes PID". Acknowledges the first. */
static bool fifo_says_yes(int fd)
{
	char buf[PIPE_BUF + 1], *line, *save = NULL;
	unsigned long pid;
	ssize_t n;

	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *end;

		if (strncmp(line, "yes", 3))
			continue;
		errno = 0;
		pid = strtoul(line + 3, &end, 10);
		if (!errno && end != line + 3 && !*end && pid > 1 && pid <= INT_MAX) {
			union sigval v = { .sival_int = ACK_MAGIC };

			sigqueue((pid_t)pid, SIGUSR1, v);
		}
		return true;
	}
	return false;
}

static long long now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Creates the FIFO afresh (whatever a crashed run left there goes). */
static int fifo_create(const char *name, char *path, size_t len, struct stat *st)
{
	int fd, ret;

	ret = rundir_path(path, len, name, RUNDIR_CONFIRM, true);
	if (ret < 0)
		return ret;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	if (mkfifo(path, 0600) < 0)
		return -errno;
	/* O_RDWR on a FIFO (Linux): we are our own writer, so no EOF/POLLHUP. */
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0 || !S_ISFIFO(st->st_mode)) {
		close(fd);
		return -EEXIST;
	}
	return fd;
}

/* Removes the FIFO only if it is still the one we made. */
static void fifo_remove(const char *path, const struct stat *ours)
{
	struct stat st;

	if (stat(path, &st) == 0 && st.st_dev == ours->st_dev && st.st_ino == ours->st_ino)
		unlink(path);
}

int confirm_wait(const struct instance *in, unsigned seconds)
{
	struct sigaction sa = { .sa_handler = on_interrupt }, ign = { .sa_handler = SIG_IGN };
	sigset_t block, old, during;
	char path[PATH_MAX], buf[64], *conf;
	long long deadline, left;
	struct stat ours;
	struct term t;
	int fd, ret = 0;

	path[0] = '\0';
	sigaction(SIGHUP, &ign, NULL);
	sigaction(SIGPIPE, &ign, NULL);
	sigemptyset(&sa.sa_mask);	/* no SA_RESTART: ppoll must see EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Blocked except inside ppoll, so a signal cannot slip in between
	 * the check of 'interrupted' and the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	during = old;
	sigdelset(&during, SIGINT);
	sigdelset(&during, SIGTERM);

	fd = fifo_create(in->name, path, sizeof(path), &ours);
	term_open(&t);
	if (fd < 0) {
		/* Still honour the terminal and the timeout: the rollback must
		 * come either way. */
		say(&t, "%s: cannot create %s (%s): only the terminal can confirm\n",
		    wgb_prog, path, strerror(-fd));
	}
	/* the other shell may be elsewhere: name the config absolutely */
	conf = realpath(wgb_config_path, NULL);
	if (wgb_verbosity >= 0 || t.in)
		say(&t, "%s: keeping these changes only if confirmed within %u s: %s`%s%s%s confirm`\n",
		    wgb_prog, seconds, t.in ? "type yes here, or run " : "run ", wgb_prog,
		    conf && !strcmp(conf, WGB_DEFAULT_CONFIG) ? "" : " -c ",
		    conf && !strcmp(conf, WGB_DEFAULT_CONFIG) ? "" : conf ? conf : wgb_config_path);
	free(conf);
	if (t.in && !t.redraw)
		say(&t, "Keep these changes? Type yes: ");

	deadline = now_ms() + seconds * 1000LL;
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = t.in ? STDIN_FILENO : -1, .events = POLLIN },
		};
		struct timespec ts;
		long long step;
		ssize_t n;
		int k;

		if (interrupted) {
			ret = 0;
			if (t.redraw && t.in)
				say(&t, "\r\033[Kinterrupted: rolling back");
			break;
		}
		left = deadline - now_ms();
		if (left <= 0) {
			ret = 0;
			if (t.redraw && t.in)
				say(&t, "\r\033[Knot confirmed in time: rolling back");
			break;
		}
		prompt(&t, (unsigned)((left + 999) / 1000));
		step = left % 1000 ? left % 1000 : 1000;	/* wake on each second */
		ts.tv_sec = step / 1000;
		ts.tv_nsec = (step % 1000) * 1000000L;
		k = ppoll(pfd, 2, &ts, &during);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (fd >= 0 && (pfd[0].revents & POLLIN) && fifo_says_yes(fd)) {
			ret = 1;
			if (t.redraw && t.in)
				say(&t, "\r\033[Kconfirmed from another shell");
			break;
		}
		if (!t.in || !pfd[1].revents)
			continue;
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			/* The terminal hung up (ssh died): keep waiting for
			 * `wgbastion confirm` or the deadline. (Writing to it
			 * stops by itself, at the first EIO.) */
			t.in = false;
			continue;
		}
		k = term_keys(&t, buf, n);
		if (k >= 0) {
			ret = k;
			if (t.redraw)
				say(&t, k ? "\r\033[Kconfirmed" : "\r\033[Knot confirmed: rolling back");
			break;
		}
		/* echo what was typed right away, not at the next second */
		prompt(&t, (unsigned)((deadline - now_ms() + 999) / 1000));
	}

	term_close(&t);
	if (fd >= 0) {
		fifo_remove(path, &ours);
		close(fd);
	}
	/* SIGINT/SIGTERM stay caught (and SIGHUP/SIGPIPE ignored) so that a
	 * second Ctrl-C cannot cut the rollback that follows in half. */
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* Which instance does the config name? Works when the config is broken. */
static int confirm_instance(char *name, size_t len)
{
	struct wgb_config *cfg = NULL;
	struct wgb_err e = { 0 };
	struct instance in;

	if (config_load(wgb_config_path, &cfg, &e) == 0) {
		snprintf(name, len, "%s", cfg->iface.name);
		config_free(cfg);
		return 0;
	}
	if (rundir_find_instance(wgb_config_path, &in) == 0) {
		snprintf(name, len, "%s", in.name);
		return 0;
	}
	fprintf(stderr, "%s: %s\n", wgb_prog, e.msg);
	return -ENOENT;
}

int confirm_main(int argc, char **argv)
{
	char name[IFNAMSIZ], path[PATH_MAX], msg[32];
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct timespec ts;
	sigset_t usr1, old;
	siginfo_t si;
	struct stat st;
	int fd = -1, len, status = EXIT_RUNTIME;
	long long until;

	if (argc > 1) {
		fprintf(stderr, "Usage: %s [-c FILE] confirm\n", wgb_prog);
		return EXIT_USAGE;
	}
	if (confirm_instance(name, sizeof(name)) < 0)
		return EXIT_USAGE;
	if (rundir_path(path, sizeof(path), name, RUNDIR_CONFIRM, false) < 0)
		return EXIT_USAGE;

	sigaction(SIGPIPE, &ign, NULL);
	/* Blocked before writing, so the ack cannot arrive unseen. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);

	/* ENXIO: a FIFO nobody reads, i.e. left behind, not pending. */
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		if (fd < 0 && errno != ENOENT && errno != ENXIO)
			fprintf(stderr, "%s: %s: %s\n", wgb_prog, path, strerror(errno));
		else
			fprintf(stderr, "%s: no apply --confirm is pending for %s (config %s)\n",
				wgb_prog, name, wgb_config_path);
		status = EXIT_USAGE;
		goto out;
	}
	len = snprintf(msg, sizeof(msg), "yes %d\n", (int)getpid());
	if (write(fd, msg, len) != len) {
		fprintf(stderr, "%s: no apply --confirm is pending for %s (it just ended)\n",
			wgb_prog, name);
		status = EXIT_USAGE;
		goto out;
	}

	until = now_ms() + ACK_WAIT_MS;
	for (;;) {
		long long left = until - now_ms();
		int sig;

		if (left <= 0)
			break;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000L;
		sig = sigtimedwait(&usr1, &si, &ts);
		if (sig == SIGUSR1 && si.si_code == SI_QUEUE &&
		    si.si_value.sival_int == ACK_MAGIC) {
			printf("confirmed: %s keeps its changes\n", name);
			status = EXIT_OK;
			break;
		}
		if (sig < 0 && errno != EINTR && errno != EAGAIN)
			break;
	}
	if (status != EXIT_OK)
		fprintf(stderr, "%s: the pending apply of %s did not acknowledge; it may have timed out and rolled back\n",
			wgb_prog, name);
out:
	if (fd >= 0)
		close(fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
