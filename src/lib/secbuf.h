/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Text that may hold keys, in memory we own and wipe (issue 12 #10).
 *
 * libc's growing buffers leave copies behind: realloc may move a block
 * and hand the old one back as it was, open_memstream and getline grow by
 * realloc, and a stdio stream frees its own buffer at fclose unwiped. A
 * secbuf grows by allocating the new block, copying, and wiping the old
 * one before it is freed; its write stream (fopencookie) and the read
 * streams we make use stdio buffers we own and wipe after fclose.
 *
 *	struct secbuf b = { 0 };
 *	struct secstream s;
 *	if (secstream_open(&s, &b) == 0) { fprintf(s.f, ...);
 *		ret = secstream_close(&s); }	0 or -ENOMEM; the text in b.p
 *	secbuf_free(&b);			wiped, freed
 */
#ifndef WGB_SECBUF_H
#define WGB_SECBUF_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct secbuf {
	char *p;		/* len bytes and a NUL; NULL until something is added */
	size_t len, cap;
};

/* Room for need bytes (and the NUL): 0, or -ENOMEM with b untouched. */
int secbuf_reserve(struct secbuf *b, size_t need);
int secbuf_add(struct secbuf *b, const void *data, size_t n);
/* Wipes the whole capacity and frees it; b is empty again. */
void secbuf_free(struct secbuf *b);
/* Reads one line of f into b (replacing what b held), '\n' included when
 * there is one: its length, or -1 at the end of f or on an error (see
 * ferror). A NUL byte in the line is kept, as getline keeps it. */
ssize_t secbuf_getline(struct secbuf *b, FILE *f);

/* The stdio buffer of a stream we make for secret text. */
#define SECSTREAM_IO	4096

struct secstream {
	FILE *f;
	struct secbuf *b;
	int err;		/* a write that did not fit: -ENOMEM */
	char io[SECSTREAM_IO];	/* f's buffer: ours, wiped at close */
};

/* A write stream appending to b. 0, or -ENOMEM. */
int secstream_open(struct secstream *s, struct secbuf *b);
/* Flushes into b and closes; the stream's buffer is wiped. 0 or -ENOMEM. */
int secstream_close(struct secstream *s);

/* fdopen(fd, "r") with io (SECSTREAM_IO bytes, the caller's, to wipe after
 * fclose) as its buffer. The stream owns fd: on failure (NULL, errno set)
 * fd is closed. */
FILE *secbuf_fdopen(int fd, char io[SECSTREAM_IO]);

#endif
