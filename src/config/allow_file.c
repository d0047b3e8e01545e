// SPDX-License-Identifier: GPL-2.0-only
/*
 * AllowFile: client prefixes, one a line, from a file (a country block
 * list: 100,000 lines and more). Blank lines and "#" comments (whole line
 * or after the prefix) are skipped; any other line must be a prefix as
 * Allow takes it, else "FILE:LINE: AllowFile: "text" why". Read with stdio
 * getline: a line format this plain needs no library.
 */

#define ALLOW_FILE_MAX (256 << 20)	/* bytes: 100,000 prefixes take 2 MB */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "config_int.h"
#include "lib/array.h"
#include "lib/warn.h"
#include "parse.h"

int allow_file_load(struct reader *r, const char *key, const char *path,
		    struct prefix_list *out, bool *unread)
{
	char why[PARSE_WHY], *buf = NULL, *s, *hash;
	size_t cap = 0;
	unsigned line = 0;
	struct stat st;
	ssize_t len;
	FILE *f;
	int fd;
	int ret = 0;

	/* never a FIFO to block on or a device to read for ever */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0 && fstat(fd, &st) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && (!S_ISREG(st.st_mode) || st.st_size > ALLOW_FILE_MAX)) {
		close(fd);
		return err_set(r->c.e, -EINVAL, "%s:%u: %s: \"%s\" %s", r->c.name, r->line, key, path,
			       S_ISREG(st.st_mode) ? "is larger than 256 MiB" : "is not a regular file");
	}
	f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (fd >= 0 && !f)
		close(fd);
	if (!f && errno == EACCES && geteuid() != 0) {
		/* check needs no privileges (SPEC §2), as for key files: a
		 * root-only list is unchecked, not an error; apply runs as root */
		warning("%s:%u: %s: \"%s\" cannot be read by this user: not checked",
			r->c.name, r->line, key, path);
		*unread = true;
		return 0;
	}
	if (!f)
		return err_set(r->c.e, -errno, "%s:%u: %s: \"%s\" cannot be read: %s",
			       r->c.name, r->line, key, path, strerror(errno));
	while ((len = getline(&buf, &cap, f)) >= 0) {
		struct prefix *p;

		++line;
		if (memchr(buf, '\0', (size_t)len)) {
			ret = err_set(r->c.e, -EINVAL, "%s:%u: %s: a NUL byte: not a text file (%s of %s:%u)",
				      path, line, key, key, r->c.name, r->line);
			break;
		}
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		s = cfg_trim(buf);
		if (!*s)
			continue;
		p = array_push(out->v, out->n, &out->cap);
		if (!p) {
			ret = err_set(r->c.e, -ENOMEM, "out of memory");
			break;
		}
		if (parse_prefix(s, PREFIX_NETWORK, p, why) < 0) {
			--out->n;
			ret = err_set(r->c.e, -EINVAL, "%s:%u: %s: \"%s\" %s (%s of %s:%u)", path,
				      line, key, s, why, key, r->c.name, r->line);
			break;
		}
	}
	if (!ret && ferror(f))
		ret = err_set(r->c.e, -EIO, "%s:%u: %s: \"%s\" cannot be read: %s",
			      r->c.name, r->line, key, path, strerror(errno));
	free(buf);
	fclose(f);
	return ret;
}
