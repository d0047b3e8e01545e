// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int wgb_verbosity;

size_t err_escape(const char *in, char *out, size_t size)
{
	size_t o = 0;
	unsigned char ch;

	for (; *in && o + 5 < size; ++in) {
		ch = (unsigned char)*in;
		if (ch == '\t' || ch == '\n' || ch == '\r') {
			out[o++] = '\\';
			out[o++] = ch == '\t' ? 't' : ch == '\n' ? 'n' : 'r';
		} else if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	if (size)
		out[o] = '\0';
	return o;
}

static void vset(struct wgb_err *e, int code, const char *suffix,
		 const char *fmt, va_list ap)
{
	size_t n;

	if (!e || e->code)
		return;
	e->code = code ? code : -EIO;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (suffix) {
		n = strlen(e->msg);
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", suffix);
	}
	/* values come from files and the kernel: never echo a control
	 * character to a terminal ("443\x1b[2J" would clear it) */
	if (strpbrk(e->msg, CTL_CHARS)) {
		char raw[sizeof(e->msg)];

		memcpy(raw, e->msg, sizeof(raw));
		err_escape(raw, e->msg, sizeof(e->msg));
	}
}

int err_set(struct wgb_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(e, code, NULL, fmt, ap);
	va_end(ap);
	return code;
}

int err_kernel(struct wgb_err *e, int code, const char *extack,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(e, code, extack && *extack ? extack : strerror(-code), fmt, ap);
	va_end(ap);
	return code;
}

void err_clear(struct wgb_err *e)
{
	if (e) {
		e->code = 0;
		e->msg[0] = '\0';
	}
}

static void vprint(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "wgbastion: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void infox(const char *fmt, ...)
{
	va_list ap;

	if (wgb_verbosity < 0)
		return;
	va_start(ap, fmt);
	vprint("", fmt, ap);
	va_end(ap);
}

void debugx(const char *fmt, ...)
{
	va_list ap;

	if (wgb_verbosity < 1)
		return;
	va_start(ap, fmt);
	vprint("", fmt, ap);
	va_end(ap);
}
