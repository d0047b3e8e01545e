// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "str.h"

size_t str_put(char *buf, size_t len, size_t at, const char *s)
{
	size_t n = strlen(s);

	if (n > len - 1 - at)
		n = len - 1 - at;
	memcpy(buf + at, s, n);
	buf[at + n] = '\0';
	return at + n;
}

void str_join(char *buf, size_t len, const char *a, const char *b)
{
	str_put(buf, len, str_put(buf, len, 0, a), b);
}
