// SPDX-License-Identifier: GPL-2.0-only
/*
 * apply --confirm N and `wgbastion confirm`: a change stays only if someone
 * says so in time (netplan try, Junos "commit confirmed").
 *
 * The deadline must not share the fate of the process that waits at the
 * terminal (kill -9, an OOM kill, a lost session): once apply has changed
 * the kernel, a detached watchdog (double fork, its own session, stdio on
 * /dev/null, SIGHUP/SIGINT/SIGQUIT ignored) takes over the run. It holds
 * the previous state of every stage in its memory (keys included, wiped
 * when it ends, never written anywhere) and the instance's lock (inherited:
 * no other apply or flush runs meanwhile), and writes the record
 * NAME.pending (0600): its pid and start time, and the deadline on
 * CLOCK_BOOTTIME. At the deadline it rolls back unless confirmed; SIGTERM
 * (a shutdown) rolls back at once. The apply that waits at the terminal
 * only talks to it: "yes" sends it a confirmation, "no" or Ctrl-C a
 * rollback, and it reports the outcome back through a pipe. If the
 * watchdog dies, the waiting apply rolls back itself (it still has the
 * previous state); if both die, the next apply, flush, show or confirm
 * finds the record of a dead watchdog and says that the unconfirmed change
 * was neither confirmed nor rolled back.
 *
 * `wgbastion confirm` reads the record, checks that its watchdog is that
 * very process (pid and start time) and queues it SIGUSR2 with a magic
 * value; the watchdog acknowledges with a queued SIGUSR1 to the sender, so
 * `confirm` only says "confirmed" when the watchdog really took it (not
 * when the deadline won the race). The FIFO NAME.confirm of earlier
 * versions is removed wherever it is seen.
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
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "config/config.h"
#include "confirm.h"
#include "core/rundir.h"
#include "exec/stages.h"
#include "lib/proc.h"
#include "lib/warn.h"

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

#define CONFIRM_MAGIC	0x77676279	/* "wgby": SIGUSR2 to the watchdog: keep */
#define ROLLBACK_MAGIC	0x7767626e	/* "wgbn": SIGUSR2 to the watchdog: roll back now */

/* What the watchdog reports to the waiting apply. */
struct outcome {
	char code;		/* 'K' kept, 'R' rolled back, 'F' the rollback failed */
	char msg[256];		/* 'F': why */
};

/* The record NAME.pending. */
struct pending {
	pid_t pid;			/* the watchdog */
	unsigned long long start;	/* its start time (proc_starttime) */
	long long deadline;		/* CLOCK_BOOTTIME, ms */
};

static long long now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* 0 and *p, -ENOENT (none), or another -errno (said with rundir_warn_bad). */
static int pending_read(const char *name, struct pending *p)
{
	char *text, *line, *save = NULL;
	bool have_pid = false, have_deadline = false;
	unsigned n = 0;
	size_t len;
	int ret;

	ret = rundir_read(name, RUNDIR_PENDING, &text, &len);
	if (ret < 0) {
		if (rundir_refusal(ret))
			rundir_warn_bad(name, RUNDIR_PENDING, 0, "%s", rundir_refusal(ret));
		return ret;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long b;
		long long a;
		char extra;

		++n;
		if (sscanf(line, "watchdog %lld %llu %c", &a, &b, &extra) == 2 &&
		    a > 1 && a <= INT_MAX) {
			p->pid = (pid_t)a;
			p->start = b;
			have_pid = true;
		} else if (sscanf(line, "deadline %lld %c", &a, &extra) == 1 && a >= 0) {
			p->deadline = a;
			have_deadline = true;
		} else {
			rundir_warn_bad(name, RUNDIR_PENDING, n,
					"not \"watchdog PID START\" nor \"deadline MS\": ignored");
		}
	}
	free(text);
	if (!have_pid || !have_deadline) {
		rundir_warn_bad(name, RUNDIR_PENDING, 0, "no watchdog or no deadline: ignored");
		return -EINVAL;
	}
	return 0;
}

/* The record's watchdog is that very process, still running. */
static bool pending_alive(const struct pending *p)
{
	unsigned long long start;

	return proc_starttime(p->pid, &start) == 0 && start == p->start;
}

/* Removes the record if it names watchdog pid (0: whatever it names). */
static void pending_remove(const char *name, pid_t pid)
{
	struct pending p;

	if (pid && (pending_read(name, &p) < 0 || p.pid != pid))
		return;
	rundir_replace(name, RUNDIR_PENDING, "", 0);
}

/* The FIFO an older apply --confirm waited on, if one was left behind. */
static void fifo_remove_stale(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (rundir_path(path, sizeof(path), name, RUNDIR_CONFIRM, false) == 0 &&
	    lstat(path, &st) == 0 && S_ISFIFO(st.st_mode))
		unlink(path);
}

void confirm_check_stale(const char *name, bool remove)
{
	struct pending p;

	if (remove)
		fifo_remove_stale(name);
	if (pending_read(name, &p) < 0 || pending_alive(&p))
		return;
	warning("%s: an apply --confirm was neither confirmed nor rolled back (its processes were killed%s): its changes are still in place",
		name, p.deadline <= now_ms() ? ", the deadline has passed" : "");
	if (remove)
		pending_remove(name, p.pid);
}

static void writeall(int fd, const void *buf, size_t len)
{
	const char *b = buf;
	ssize_t n;

	while (len) {
		n = write(fd, b, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		b += n;
		len -= n;
	}
}

/* The detached watchdog: keeps r until confirmed, or rolls it back. */
static void watchdog(struct run *r, const struct instance *in, long long deadline,
		     bool first, int out)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct outcome res = { .code = 'R' };
	struct wgb_err e = { 0 };
	unsigned long long start = 0;
	pid_t me = getpid(), ack = 0;
	char rec[128];
	sigset_t wait;
	siginfo_t si;
	int n;

	sigemptyset(&ign.sa_mask);
	sigaction(SIGHUP, &ign, NULL);
	sigaction(SIGINT, &ign, NULL);
	sigaction(SIGQUIT, &ign, NULL);
	sigaction(SIGPIPE, &ign, NULL);
	sigemptyset(&wait);
	sigaddset(&wait, SIGUSR2);
	sigaddset(&wait, SIGTERM);
	sigprocmask(SIG_BLOCK, &wait, NULL);	/* taken by sigtimedwait only */

	proc_starttime(me, &start);
	n = snprintf(rec, sizeof(rec), "watchdog %d %llu\ndeadline %lld\n", (int)me, start, deadline);
	rundir_replace(in->name, RUNDIR_PENDING, rec, n);
	writeall(out, &me, sizeof(me));

	for (;;) {
		long long left = deadline - now_ms();
		struct timespec ts;
		int sig;

		if (left <= 0)
			break;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000L;
		sig = sigtimedwait(&wait, &si, &ts);
		if (sig == SIGTERM)
			break;
		if (sig != SIGUSR2 || si.si_code != SI_QUEUE)
			continue;
		if (si.si_value.sival_int == CONFIRM_MAGIC) {
			res.code = 'K';
			ack = si.si_pid;
			break;
		}
		if (si.si_value.sival_int == ROLLBACK_MAGIC)
			break;
	}
	if (res.code == 'R') {
		if (run_rollback(r, &e) < 0) {
			res.code = 'F';
			size_t l = strnlen(e.msg, sizeof(res.msg) - 1);

			memcpy(res.msg, e.msg, l);
			res.msg[l] = '\0';
		} else if (first && run_undone(r)) {
			run_forget(&wgb_stages, in);
		}
	}
	pending_remove(in->name, me);
	if (ack > 1) {
		union sigval v = { .sival_int = ACK_MAGIC };

		sigqueue(ack, SIGUSR1, v);
	}
	writeall(out, &res, sizeof(res));
}

/* Starts the watchdog: its pid, or 0 when there is none (then the caller
 * keeps the deadline itself). */
static pid_t watchdog_start(struct run *r, const struct instance *in, long long deadline,
			    bool first, int *from)
{
	pid_t c1, c2, wd = 0;
	int p[2], null, status;
	ssize_t n;

	*from = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return 0;
	fflush(NULL);
	c1 = fork();
	if (c1 == 0) {
		close(p[0]);
		setsid();
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			if (null > STDERR_FILENO)
				close(null);
		}
		c2 = fork();
		if (c2 != 0)
			_exit(c2 < 0);
		watchdog(r, in, deadline, first, p[1]);
		_exit(0);
	}
	close(p[1]);
	if (c1 < 0) {
		close(p[0]);
		return 0;
	}
	while (waitpid(c1, &status, 0) < 0 && errno == EINTR)
		;
	do
		n = read(p[0], &wd, sizeof(wd));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(wd) || wd <= 1) {
		close(p[0]);
		return 0;
	}
	*from = p[0];
	return wd;
}

static void tell(pid_t wd, int what)
{
	union sigval v = { .sival_int = what };

	if (wd > 1)
		sigqueue(wd, SIGUSR2, v);
}

int confirm_wait(struct run *r, const struct instance *in, unsigned seconds, bool first,
		 struct wgb_err *e)
{
	struct sigaction sa = { .sa_handler = on_interrupt }, ign = { .sa_handler = SIG_IGN };
	sigset_t block, old, during;
	char buf[64], *conf;
	long long deadline, left = 1;
	struct outcome res = { 0 };
	struct wgb_err re = { 0 };
	bool asked = false, want_keep = false;
	struct term t;
	int from, ret = 0;
	pid_t wd;

	sigemptyset(&ign.sa_mask);
	sigaction(SIGHUP, &ign, NULL);
	sigaction(SIGPIPE, &ign, NULL);
	sigaction(SIGUSR1, &ign, NULL);	/* the watchdog's ack to a "yes" typed here */
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

	fifo_remove_stale(in->name);
	deadline = now_ms() + seconds * 1000LL;
	wd = watchdog_start(r, in, deadline, first, &from);
	term_open(&t);
	if (!wd)
		say(&t, "%s: cannot start the watchdog (%s): only this process keeps the deadline\n",
		    wgb_prog, strerror(errno));
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

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = from, .events = POLLIN },
			{ .fd = t.in && !asked ? STDIN_FILENO : -1, .events = POLLIN },
		};
		struct timespec ts, *tsp = NULL;
		long long step;
		ssize_t n;
		int k;

		if (interrupted && !asked) {
			if (t.redraw && t.in)
				say(&t, "\r\033[Kinterrupted: rolling back");
			asked = true;
			tell(wd, ROLLBACK_MAGIC);
		}
		left = deadline - now_ms();
		if (!wd && (asked || left <= 0))
			break;	/* no watchdog: this process decides */
		if (!asked) {
			if (left <= 0) {
				/* the watchdog is rolling back: its word is awaited */
				if (t.redraw && t.in)
					say(&t, "\r\033[Knot confirmed in time: rolling back");
				asked = true;
				continue;
			}
			prompt(&t, (unsigned)((left + 999) / 1000));
			step = left % 1000 ? left % 1000 : 1000;	/* wake on each second */
			ts.tv_sec = step / 1000;
			ts.tv_nsec = (step % 1000) * 1000000L;
			tsp = &ts;
		}
		k = ppoll(pfd, 2, tsp, &during);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (from >= 0 && pfd[0].revents) {
			do
				n = read(from, &res, sizeof(res));
			while (n < 0 && errno == EINTR);
			if (n != sizeof(res)) {
				res.code = 0;	/* the watchdog died: this process decides */
				wd = 0;
				close(from);
				from = -1;
				if (want_keep)
					break;
				continue;
			}
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
			if (t.redraw)
				say(&t, k ? "\r\033[Kconfirmed" : "\r\033[Knot confirmed: rolling back");
			asked = true;
			want_keep = k;
			tell(wd, k ? CONFIRM_MAGIC : ROLLBACK_MAGIC);
			if (!wd)
				break;
			continue;
		}
		/* echo what was typed right away, not at the next second */
		prompt(&t, (unsigned)((deadline - now_ms() + 999) / 1000));
	}
	term_close(&t);
	if (from >= 0)
		close(from);

	if (!res.code) {
		/* No watchdog (any more): this process still has the previous
		 * state and the lock. */
		pending_remove(in->name, 0);
		if (want_keep) {
			ret = 1;
		} else if (run_rollback(r, &re) < 0) {
			ret = err_set(e, -EIO, "not confirmed, and the rollback failed: %s", re.msg);
		} else {
			res.code = 'R';
		}
	}
	if (res.code == 'K') {
		ret = 1;
	} else if (res.code == 'R') {
		if (left > 0)
			err_set(e, -ETIMEDOUT, "not confirmed: the previous state is restored");
		else
			err_set(e, -ETIMEDOUT, "not confirmed within %u seconds: the previous state is restored",
				seconds);
		ret = 0;
	} else if (res.code == 'F') {
		ret = err_set(e, -EIO, "not confirmed, and the rollback failed: %s", res.msg);
	}
	/* SIGINT/SIGTERM stay caught (and SIGHUP/SIGPIPE ignored) so that a
	 * second Ctrl-C cannot cut what follows in half. */
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
	char name[IFNAMSIZ];
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct pending p;
	struct timespec ts;
	sigset_t usr1, old;
	siginfo_t si;
	union sigval v = { .sival_int = CONFIRM_MAGIC };
	int status = EXIT_RUNTIME, ret;
	long long until;

	if (argc > 1) {
		fprintf(stderr, "Usage: %s [-c FILE] confirm\n", wgb_prog);
		return EXIT_USAGE;
	}
	if (confirm_instance(name, sizeof(name)) < 0)
		return EXIT_USAGE;

	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, NULL);
	/* Blocked before asking, so the ack cannot arrive unseen. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);

	fifo_remove_stale(name);
	ret = pending_read(name, &p);
	if (ret == 0 && !pending_alive(&p)) {
		/* said once, and the record goes: nothing is pending any more */
		confirm_check_stale(name, true);
		ret = -ESRCH;
	}
	if (ret < 0) {
		fprintf(stderr, "%s: no apply --confirm is pending for %s (config %s)\n",
			wgb_prog, name, wgb_config_path);
		status = EXIT_USAGE;
		goto out;
	}
	if (sigqueue(p.pid, SIGUSR2, v) < 0) {
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
		    si.si_value.sival_int == ACK_MAGIC && si.si_pid == p.pid) {
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
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
