/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Errors inside are 0 / -errno; the first failure also leaves a sentence in
 * a struct wgb_err (the kernel's extended-ack text when it gave one), which
 * the command prints once, at the top.
 */
#ifndef WGB_ERR_H
#define WGB_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* Why a value was refused, worded to follow the quoted value:
 * Port: "70000" <why> (config/parse.h, key files). */
#define PARSE_WHY	192

struct wgb_err {
	int code;		/* -errno, 0 when unset */
	char msg[1024];
};

/* Sets e (if non-NULL and still unset) and returns code, so that
 *	return err_set(e, -EINVAL, "Port: \"%s\" is not a port", v);
 * reads naturally. Later calls do not overwrite the first cause. */
int err_set(struct wgb_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like err_set, but appends ": <extack or strerror(-code)>". */
int err_kernel(struct wgb_err *e, int code, const char *extack,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void err_clear(struct wgb_err *e);
/* Copies in to out (size bytes, NUL-terminated, cut short if needed) with
 * control characters written as \t, \n, \r or \xNN; the length written.
 * 4 * strlen(in) + 1 bytes always suffice. Every message err_set,
 * err_kernel and warning() keep is escaped: values come from files and
 * the kernel, and "443\x1b[2J" must not clear the operator's terminal. */
size_t err_escape(const char *in, char *out, size_t size);
/* The bytes err_escape rewrites, for strpbrk(). */
#define CTL_CHARS "\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f" \
	"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f"

/* Diagnostics to stderr with the program name (warnings: lib/warn.h). */
extern int wgb_verbosity;	/* -1 quiet, 0 normal, 1 verbose */
void infox(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void debugx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
