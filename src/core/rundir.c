// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "config/parse.h"
#include "lib/array.h"
#include "lib/warn.h"
#include "rundir.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71	/* Linux 5.14; older headers lack it */
#endif

#ifndef WGB_RUNSTATEDIR
#define WGB_RUNSTATEDIR "/run"	/* the Makefile says where */
#endif
#define RUNDIR_DEFAULT	WGB_RUNSTATEDIR "/wgbastion"
/* longer than any interface name: no instance's lock */
#define RECORDS_LOCK	"sysctl-records-lock"
#define INSTANCE_SUFFIX	".instance"
/* open() of a record that is not a regular file (Linux has no EFTYPE) */
#define EFTYPE_RECORD	EMEDIUMTYPE

const char *rundir_override;

static const char *const suffix[] = {
	[RUNDIR_LOCK] = ".lock",
	[RUNDIR_INSTANCE] = INSTANCE_SUFFIX,
	[RUNDIR_SYSCTL] = ".sysctl",
	[RUNDIR_CONFIRM] = ".confirm",
	[RUNDIR_PENDING] = ".pending",
	[RUNDIR_NFTGEN] = ".nftgen",
	[RUNDIR_INPUT] = ".input",
	[RUNDIR_NFTTABLE] = ".nfttable",
};

/* --- where ------------------------------------------------------------------ */

/* "" in the network namespace of PID 1 (the plain directory, as before
 * namespaces were keyed), else "ns-COOKIE" (the namespace's cookie, never
 * reused while the host is up) or, on a kernel without SO_NETNS_COOKIE,
 * "ns-DEV-INO" of /proc/self/ns/net. Computed once: we never setns(). */
static int ns_key(char *key, size_t len)
{
	static char cached[64];
	static int done;
	struct stat self, init;
	uint64_t cookie = 0;
	socklen_t cl = sizeof(cookie);
	int fd;

	if (!done) {
		if (stat("/proc/self/ns/net", &self) < 0) {
			cached[0] = '\0';	/* no /proc: one namespace is all we know */
		} else if (stat("/proc/1/ns/net", &init) == 0 && init.st_dev == self.st_dev &&
			   init.st_ino == self.st_ino) {
			cached[0] = '\0';
		} else {
			fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &cl) == 0 &&
			    cl == sizeof(cookie))
				snprintf(cached, sizeof(cached), "ns-%llu", (unsigned long long)cookie);
			else
				snprintf(cached, sizeof(cached), "ns-%llu-%llu",
					 (unsigned long long)self.st_dev, (unsigned long long)self.st_ino);
			if (fd >= 0)
				close(fd);
		}
		done = 1;
	}
	return (size_t)snprintf(key, len, "%s", cached) >= len ? -ENAMETOOLONG : 0;
}

/* A directory of ours: a real directory (not a link to one), owned by us,
 * writable by no one else. */
static int check_dir(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return -EPERM;
	return 0;
}

static int make_dir(const char *path, bool create)
{
	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return check_dir(path);
}

int rundir_dir(char *buf, size_t len, bool create)
{
	char key[64];
	size_t n;
	int ret;

	if (rundir_override)	/* a test's own directory, as it is */
		return (size_t)snprintf(buf, len, "%s", rundir_override) >= len ? -ENAMETOOLONG :
		       create && mkdir(buf, 0700) < 0 && errno != EEXIST ? -errno : 0;
	if ((size_t)snprintf(buf, len, "%s", RUNDIR_DEFAULT) >= len)
		return -ENAMETOOLONG;
	if ((ret = ns_key(key, sizeof(key))) < 0)
		return ret;
	if (!key[0])
		return make_dir(buf, create);
	if ((ret = make_dir(buf, create)) < 0 && (create || ret != -ENOENT))
		return ret;
	n = strlen(buf);
	if ((size_t)snprintf(buf + n, len - n, "/%s", key) >= len - n)
		return -ENAMETOOLONG;
	return ret < 0 ? ret : make_dir(buf, create);
}

/* An instance's name (interface-name rules) or the records lock's. */
static bool valid_name(const char *name)
{
	char why[PARSE_WHY];

	return !strcmp(name, RECORDS_LOCK) || parse_ifname(name, why) == 0;
}

int rundir_path(char *buf, size_t len, const char *name, enum rundir_file f,
		bool create)
{
	size_t n;
	int ret;

	if (!valid_name(name))
		return -EINVAL;	/* never a path outside the directory */
	ret = rundir_dir(buf, len, create);
	if (ret < 0)
		return ret;
	n = strlen(buf);
	if ((size_t)snprintf(buf + n, len - n, "/%s%s", name, suffix[f]) >= len - n)
		return -ENAMETOOLONG;
	return 0;
}

/* --- locks --------------------------------------------------------------- */

static int lock_path(const char *path)
{
	int fd, ret;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int rundir_lock(const char *name, struct wgb_err *e)
{
	char path[PATH_MAX];
	int ret;

	ret = rundir_path(path, sizeof(path), name, RUNDIR_LOCK, true);
	if (ret < 0) {
		rundir_dir(path, sizeof(path), false);
		return err_kernel(e, ret, NULL, "%s", path);
	}
	ret = lock_path(path);
	if (ret < 0)
		return err_kernel(e, ret, NULL, "lock %s", path);
	return ret;
}

void rundir_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock */
}

int rundir_records_lock(void)
{
	char path[PATH_MAX];
	int ret;

	ret = rundir_path(path, sizeof(path), RECORDS_LOCK, RUNDIR_LOCK, true);
	return ret < 0 ? ret : lock_path(path);
}

/* --- records ------------------------------------------------------------- */

/* A record is a regular file (not a link, FIFO or device) of at most
 * RUNDIR_RECORD_MAX bytes of text: no NUL byte. */
/* A record opened for reading: a regular file, not a link, of at most
 * max bytes: an fd (its size in *size), or -errno. */
static int open_record(const char *path, size_t max, size_t *size)
{
	struct stat st;
	int fd, ret;

	/* O_NONBLOCK: a FIFO in a record's place must not hang us */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -ELOOP : -errno;
	if (fstat(fd, &st) < 0)
		ret = -errno;
	else if (!S_ISREG(st.st_mode))
		ret = -EFTYPE_RECORD;
	else if ((uint64_t)st.st_size > max)
		ret = -EFBIG;
	else {
		*size = (size_t)st.st_size;
		return fd;
	}
	close(fd);
	return ret;
}

/* Reads until end of file or cap bytes: how many, or -errno. */
static ssize_t read_upto(int fd, void *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap) {
		n = read(fd, (char *)buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/*
 * A text record whole into a new buffer: at most max bytes read, one more
 * to catch a file that grew, no NUL byte, and a NUL added.
 */
static int read_record(const char *path, size_t max, char **out, size_t *len)
{
	char *buf;
	ssize_t n;
	size_t size = 0, cap;
	int fd, ret = 0;

	*out = NULL;
	*len = 0;
	fd = open_record(path, max, &size);
	if (fd < 0)
		return fd;
	cap = max + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read_upto(fd, buf, cap);
	close(fd);
	if (n < 0)
		ret = (int)n;
	else if ((size_t)n > max)
		ret = -EFBIG;
	else if (memchr(buf, '\0', (size_t)n))
		ret = -EBADMSG;
	if (ret < 0) {
		free(buf);
		return ret;
	}
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	return 0;
}

const char *rundir_refusal(int err)
{
	switch (err) {
	case -ELOOP:
		return "is a symbolic link, not a record";
	case -EFTYPE_RECORD:
		return "is not a regular file";
	case -EFBIG:
		return "is larger than " RUNDIR_RECORD_MAX_TEXT;
	case -EBADMSG:
		return "holds a NUL byte";
	default:
		return NULL;
	}
}

/* Said once per run: a record is read by the plan and again by the sync. */
static bool said_before(const char *msg)
{
	static char **said;
	static size_t n;
	char **slot;
	size_t i;

	for (i = 0; i < n; ++i)
		if (!strcmp(said[i], msg))
			return true;
	slot = array_push(said, n, NULL);
	if (slot && !(*slot = strdup(msg)))
		n--;
	return false;
}

void rundir_warn_bad(const char *name, enum rundir_file f, unsigned line,
		     const char *fmt, ...)
{
	char path[PATH_MAX], where[PATH_MAX + 16], why[512];
	char *msg = NULL;
	va_list ap;

	if (rundir_path(path, sizeof(path), name, f, false) < 0)
		snprintf(path, sizeof(path), "%s%s", name, suffix[f]);
	if (line)
		snprintf(where, sizeof(where), "%s:%u", path, line);
	else
		snprintf(where, sizeof(where), "%s", path);
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (asprintf(&msg, "%s: %s", where, why) < 0)
		return;
	if (!said_before(msg))
		warning("%s", msg);
	free(msg);
}

int rundir_read(const char *name, enum rundir_file f, char **text, size_t *len)
{
	char path[PATH_MAX];
	int ret;

	*text = NULL;
	*len = 0;
	ret = rundir_path(path, sizeof(path), name, f, false);
	return ret < 0 ? ret : read_record(path, RUNDIR_RECORD_MAX, text, len);
}

/* A binary record (nft's table, beside its generation record), opened for
 * the caller to read in parts: a regular file, not a link, of at most max
 * bytes; its size as opened. */
int rundir_open_bin(const char *name, enum rundir_file f, size_t max, size_t *size)
{
	char path[PATH_MAX];
	int ret;

	*size = 0;
	ret = rundir_path(path, sizeof(path), name, f, false);
	return ret < 0 ? ret : open_record(path, max, size);
}

int rundir_replace(const char *name, enum rundir_file f, const char *text, size_t len)
{
	struct iovec iov = { .iov_base = (void *)text, .iov_len = len };

	return rundir_replace_iov(name, f, &iov, len ? 1 : 0);
}

int rundir_replace_iov(const char *name, enum rundir_file f, const struct iovec *iov, int n_iov)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	struct iovec *v = NULL;
	size_t len = 0;
	ssize_t n;
	int i, fd, ret = 0;

	for (i = 0; i < n_iov; ++i)
		len += iov[i].iov_len;
	ret = rundir_path(path, sizeof(path), name, f, len > 0);
	if (ret < 0)
		return ret;
	if (!len)	/* a link in the record's place goes, its target stays */
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/* a new file of ours, never one (or a link) found there */
	if (unlink(tmp) < 0 && errno != ENOENT)
		return -errno;
	/* writev() may write less: what is left is walked in a copy */
	v = malloc((size_t)n_iov * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v, iov, (size_t)n_iov * sizeof(*v));
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(v);
		return -errno;
	}
	/* no fsync: /run does not outlive a reboot */
	for (i = 0; i < n_iov;) {
		if (!v[i].iov_len) {
			i++;
			continue;
		}
		n = writev(fd, v + i, n_iov - i > IOV_MAX ? IOV_MAX : n_iov - i);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		while (n > 0 && i < n_iov) {
			size_t take = (size_t)n < v[i].iov_len ? (size_t)n : v[i].iov_len;

			/* an empty one may have no base: NULL + 0 is undefined */
			if (take) {
				v[i].iov_base = (char *)v[i].iov_base + take;
				v[i].iov_len -= take;
				n -= (ssize_t)take;
			}
			if (!v[i].iov_len)
				i++;
		}
	}
	free(v);
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)	/* replaces a link, not its target */
		ret = -errno;
	if (ret < 0)
		unlink(tmp);
	return ret;
}

/* --- instances ----------------------------------------------------------- */

static void abspath(const char *path, char *out, size_t len)
{
	char *r = realpath(path, NULL);

	snprintf(out, len, "%s", r ? r : path);
	free(r);
}

int rundir_save_instance(const struct instance *in, const char *config_path,
			 struct wgb_err *e)
{
	char conf[PATH_MAX], path[PATH_MAX], *text = NULL;
	int ret, n;

	abspath(config_path, conf, sizeof(conf));
	n = asprintf(&text, "config=%s\nname=%s\ntable=%u\nmark=0x%x\nmask=0x%x\npriority=%u\nexitmark=0x%x\n",
		     conf, in->name, in->table, in->mark, in->mark_mask, in->priority, in->exit_mark);
	if (n < 0)
		return err_set(e, -ENOMEM, "out of memory");
	ret = rundir_replace(in->name, RUNDIR_INSTANCE, text, (size_t)n);
	free(text);
	if (ret < 0) {
		rundir_path(path, sizeof(path), in->name, RUNDIR_INSTANCE, false);
		return err_kernel(e, ret, NULL, "%s", path);
	}
	return 0;
}

/* A number of a record: decimal or 0x hex, nothing else, fits 32 bits. */
static int rec_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!((*s >= '0' && *s <= '9')))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/*
 * The record of instance 'file' (its file's name): every known key once,
 * each value valid, the name the file's own; a key we do not know is
 * someone newer's and is skipped. A bad record is refused whole, with a
 * warning naming its file and line: it is not followed, and the instance
 * counts as not recorded (its config, or its name, still finds it).
 */
static int parse_instance(const char *file, char *text, char *conf, size_t conflen,
			  struct instance *in)
{
	static const char *const keys[] = { "config", "name", "table", "mark", "mask", "priority",
					    "exitmark" };
	char *line, *next, *eq;
	unsigned lineno = 0, have = 0, k;
	uint32_t *num;

	memset(in, 0, sizeof(*in));
	conf[0] = '\0';
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		++lineno;
		eq = strchr(line, '=');
		if (!eq) {
			rundir_warn_bad(file, RUNDIR_INSTANCE, lineno, "\"%.64s\": not KEY=VALUE; record ignored", line);
			return -EINVAL;
		}
		*eq = '\0';
		for (k = 0; k < sizeof(keys) / sizeof(*keys) && strcmp(line, keys[k]); ++k)
			;
		if (k == sizeof(keys) / sizeof(*keys))
			continue;	/* a newer wgbastion's */
		if (have & (1u << k)) {
			rundir_warn_bad(file, RUNDIR_INSTANCE, lineno, "%s: said twice; record ignored", line);
			return -EINVAL;
		}
		have |= 1u << k;
		switch (k) {
		case 0:
			if (eq[1] != '/' || strlen(eq + 1) >= conflen) {
				rundir_warn_bad(file, RUNDIR_INSTANCE, lineno,
						"config: \"%.64s\": not an absolute path; record ignored", eq + 1);
				return -EINVAL;
			}
			strcpy(conf, eq + 1);
			continue;
		case 1:
			if (strcmp(eq + 1, file)) {
				rundir_warn_bad(file, RUNDIR_INSTANCE, lineno,
						"name: \"%.64s\": not the record's own name; record ignored", eq + 1);
				return -EINVAL;
			}
			strcpy(in->name, file);	/* a valid name: rundir_path checked it */
			continue;
		case 2: num = &in->table; break;
		case 3: num = &in->mark; break;
		case 4: num = &in->mark_mask; break;
		case 5: num = &in->priority; break;
		default: num = &in->exit_mark; break;
		}
		if (rec_u32(eq + 1, num) < 0) {
			rundir_warn_bad(file, RUNDIR_INSTANCE, lineno,
					"%s: \"%.64s\": not a 32-bit number; record ignored", line, eq + 1);
			return -EINVAL;
		}
	}
	if ((have & 7) != 7) {
		rundir_warn_bad(file, RUNDIR_INSTANCE, 0, "%s missing; record ignored",
				!(have & 1) ? "config" : !(have & 2) ? "name" : "table");
		return -EINVAL;
	}
	return 0;
}

/* The record of instance 'name', read and checked (a warning says why
 * not): 0, -ENOENT, or another -errno. */
static int load_instance(const char *name, char *conf, size_t conflen, struct instance *in)
{
	const char *why;
	char *text;
	size_t len;
	int ret;

	ret = rundir_read(name, RUNDIR_INSTANCE, &text, &len);
	if (ret < 0) {
		if ((why = rundir_refusal(ret)))
			rundir_warn_bad(name, RUNDIR_INSTANCE, 0, "%s; record ignored", why);
		return ret;
	}
	ret = parse_instance(name, text, conf, conflen, in);
	free(text);
	return ret;
}

/* Calls fn on the name of every recorded instance until it returns
 * non-zero; returns that, or 0 (also without a run directory). */
static int each_instance(int (*fn)(const char *name, void *arg), void *arg)
{
	size_t sl = strlen(INSTANCE_SUFFIX), l;
	char dir[PATH_MAX], name[NAME_MAX + 1];
	struct dirent *d;
	DIR *dh;
	int ret = 0;

	if (rundir_dir(dir, sizeof(dir), false) < 0 || !(dh = opendir(dir)))
		return 0;
	while (!ret && (d = readdir(dh))) {
		l = strlen(d->d_name);
		if (l <= sl || strcmp(d->d_name + l - sl, INSTANCE_SUFFIX))
			continue;
		if (l - sl >= IFNAMSIZ)
			continue;
		memcpy(name, d->d_name, l - sl);
		name[l - sl] = '\0';
		if (valid_name(name) && strcmp(name, RECORDS_LOCK))
			ret = fn(name, arg);
	}
	closedir(dh);
	return ret;
}

struct find {
	char want[PATH_MAX];
	struct instance *in;
};

static int find_one(const char *name, void *arg)
{
	struct find *f = arg;
	char conf[PATH_MAX];

	return load_instance(name, conf, sizeof(conf), f->in) == 0 && !strcmp(conf, f->want);
}

int rundir_find_instance(const char *config_path, struct instance *in)
{
	struct find f = { .in = in };

	abspath(config_path, f.want, sizeof(f.want));
	return each_instance(find_one, &f) ? 0 : -ENOENT;
}

bool rundir_has_instance(const char *name)
{
	char path[PATH_MAX];

	return rundir_path(path, sizeof(path), name, RUNDIR_INSTANCE, false) == 0 &&
	       access(path, F_OK) == 0;
}

struct other {
	const char *self;
	char *out;
	size_t len;
};

static int other_one(const char *name, void *arg)
{
	struct other *o = arg;

	/* by its file's name alone: an instance whose record is refused may
	 * still be live, and must not lose ip_forward under its feet */
	if (!strcmp(name, o->self) || strlen(name) >= o->len)
		return 0;
	snprintf(o->out, o->len, "%s", name);
	return 1;
}

void rundir_other_instance(const char *self, char *out, size_t len)
{
	struct other o = { .self = self, .out = out, .len = len };

	out[0] = '\0';
	each_instance(other_one, &o);
}

void rundir_forget_instance(const char *name)
{
	char path[PATH_MAX];

	if (rundir_path(path, sizeof(path), name, RUNDIR_INSTANCE, false) == 0)
		unlink(path);
	if (rundir_path(path, sizeof(path), name, RUNDIR_INPUT, false) == 0)
		unlink(path);
}

struct each {
	int (*fn)(const struct instance *in, const char *config, void *arg);
	void *arg;
};

static int each_valid(const char *name, void *arg)
{
	struct each *w = arg;
	char conf[PATH_MAX];
	struct instance in;

	if (load_instance(name, conf, sizeof(conf), &in) < 0)
		return 0;
	return w->fn(&in, conf, w->arg);
}

int rundir_each_instance(int (*fn)(const struct instance *in, const char *config, void *arg),
			 void *arg)
{
	struct each w = { fn, arg };

	return each_instance(each_valid, &w);
}

struct neighbours {
	const struct instance *self;
	char conf[PATH_MAX];
	struct instance *renamed;
	struct wgb_err *e;
	int ret;
};

static int neighbour(const struct instance *o, const char *config, void *arg)
{
	struct neighbours *n = arg;
	const struct instance *in = n->self;
	const char *key = NULL;
	char value[128];

	if (!strcmp(o->name, in->name))
		return 0;
	if (!strcmp(config, n->conf)) {
		*n->renamed = *o;	/* this config's instance, under its old Name */
		return 0;
	}
	if (!if_nametoindex(o->name))
		return 0;	/* its link is gone: a leftover, not a neighbour */
	if (o->table == in->table) {
		key = "Table";
		snprintf(value, sizeof(value), "%u", in->table);
	} else if (o->mark_mask & in->mark_mask) {
		key = "Mark";
		snprintf(value, sizeof(value), "0x%x/0x%x (bits 0x%x in common)", in->mark,
			 in->mark_mask, o->mark_mask & in->mark_mask);
	} else if (in->exit_mark & (o->mark_mask | o->exit_mark)) {
		/* [Exit]'s rules are found by their mark: never another's */
		key = "ExitMark";
		snprintf(value, sizeof(value), "0x%x (bits 0x%x in common)", in->exit_mark,
			 in->exit_mark & (o->mark_mask | o->exit_mark));
	} else if (o->exit_mark & in->mark_mask) {
		key = "Mark";
		snprintf(value, sizeof(value), "0x%x/0x%x (bits 0x%x are instance %s's ExitMark)",
			 in->mark, in->mark_mask, o->exit_mark & in->mark_mask, o->name);
	} else if (o->priority == in->priority) {
		key = "Priority";
		snprintf(value, sizeof(value), "%u", in->priority);
	} else {
		return 0;
	}
	n->ret = err_set(n->e, -EEXIST,
			 "%s: [Bastion] %s = %s is already used by instance %s (applied from %s): give this config another %s",
			 n->conf, key, value, o->name, config, key);
	return 1;
}

int rundir_check_neighbours(const struct instance *in, const char *config_path,
			    struct instance *renamed, struct wgb_err *e)
{
	struct neighbours n = { .self = in, .renamed = renamed, .e = e };

	memset(renamed, 0, sizeof(*renamed));
	abspath(config_path, n.conf, sizeof(n.conf));
	rundir_each_instance(neighbour, &n);
	return n.ret;
}
