// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secbuf.h"

int secbuf_reserve(struct secbuf *b, size_t need)
{
	size_t ncap;
	char *np;

	if (need < SIZE_MAX)
		++need;	/* the NUL */
	if (need <= b->cap)
		return 0;
	ncap = b->cap < 64 ? 64 : b->cap > SIZE_MAX / 2 ? SIZE_MAX : b->cap * 2;
	if (ncap < need)
		ncap = need;
	/* never realloc: a moved block would go back to the allocator
	 * holding the text. A new block, a copy, the old one wiped. */
	np = malloc(ncap);
	if (!np)
		return -ENOMEM;
	if (b->p) {
		memcpy(np, b->p, b->len + 1);
		sodium_memzero(b->p, b->cap);
		free(b->p);
	} else {
		np[0] = '\0';
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

int secbuf_add(struct secbuf *b, const void *data, size_t n)
{
	if (n > SIZE_MAX - 1 - b->len || secbuf_reserve(b, b->len + n) < 0)
		return -ENOMEM;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

void secbuf_free(struct secbuf *b)
{
	if (b->p) {
		sodium_memzero(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
}

ssize_t secbuf_getline(struct secbuf *b, FILE *f)
{
	int c;

	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
	while ((c = getc(f)) != EOF) {
		char ch = (char)c;

		if (secbuf_add(b, &ch, 1) < 0) {
			errno = ENOMEM;
			return -1;
		}
		if (ch == '\n')
			break;
	}
	if (!b->len || b->len > SSIZE_MAX)
		return -1;
	return (ssize_t)b->len;
}

static ssize_t secstream_write(void *cookie, const char *buf, size_t n)
{
	struct secstream *s = cookie;

	if (secbuf_add(s->b, buf, n) < 0) {
		s->err = -ENOMEM;
		return 0;	/* fopencookie: 0 is the error */
	}
	return (ssize_t)n;
}

int secstream_open(struct secstream *s, struct secbuf *b)
{
	static const cookie_io_functions_t io = { .write = secstream_write };

	s->b = b;
	s->err = 0;
	s->f = fopencookie(s, "w", io);
	if (!s->f)
		return -ENOMEM;
	/* the stream's buffer is ours: stdio would free its own unwiped */
	if (setvbuf(s->f, s->io, _IOFBF, sizeof(s->io)) != 0) {
		fclose(s->f);
		s->f = NULL;
		return -ENOMEM;
	}
	return 0;
}

int secstream_close(struct secstream *s)
{
	int ret = 0;

	if (s->f && fclose(s->f) != 0)
		ret = -ENOMEM;
	s->f = NULL;
	sodium_memzero(s->io, sizeof(s->io));
	return s->err ? s->err : ret;
}

FILE *secbuf_fdopen(int fd, char io[SECSTREAM_IO])
{
	FILE *f = fdopen(fd, "r");

	if (!f) {
		int err = errno;

		close(fd);
		errno = err;
		return NULL;
	}
	/* before the first read: stdio would malloc a buffer of its own and
	 * free it at fclose with what the reads left in it */
	if (setvbuf(f, io, _IOFBF, SECSTREAM_IO) != 0) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	return f;
}
