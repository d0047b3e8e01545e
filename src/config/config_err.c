// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the config reader and its checks share (config_int.h): the
 * "FILE:LINE: Key: \"value\" reason" messages of SPEC §2, and trimming.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config_int.h"

int cfg_bad_value(struct cfg_ctx *c, unsigned line, const char *key,
		  const char *value, const char *why)
{
	return err_set(c->e, -EINVAL, "%s:%u: %s: \"%s\" %s", c->name, line, key,
		       value, why);
}

int cfg_bad(struct cfg_ctx *c, unsigned line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!line)
		return err_set(c->e, -EINVAL, "%s: %s", c->name, msg);
	return err_set(c->e, -EINVAL, "%s:%u: %s", c->name, line, msg);
}

char *cfg_trim(char *s)
{
	char *end;

	while (cfg_blank((unsigned char)*s))
		++s;
	end = s + strlen(s);
	while (end > s && cfg_blank((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}
