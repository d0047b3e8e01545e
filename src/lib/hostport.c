// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "hostport.h"
#include "prefix.h"

static int put_host(struct hostport *hp, const char *h, size_t n)
{
	if (n >= sizeof(hp->host))
		return HOSTPORT_TOO_LONG;
	memcpy(hp->host, h, n);
	hp->host[n] = '\0';
	return 0;
}

int hostport_split(const char *s, struct hostport *hp)
{
	const char *end;

	/* not a memset of host[]: it is read as a string, and ten thousand
	 * Destinations are split in a check */
	hp->host[0] = '\0';
	hp->port = NULL;
	hp->bracketed = false;
	if (s[0] == '[') {
		hp->bracketed = true;
		end = strchr(s, ']');
		if (!end)
			return HOSTPORT_UNCLOSED;
		if (end[1] == ':')
			hp->port = end + 2;
		return put_host(hp, s + 1, (size_t)(end - s - 1)) ?:
		       (end[1] && end[1] != ':' ? HOSTPORT_JUNK : 0);
	}
	end = strrchr(s, ':');
	if (end)
		hp->port = end + 1;
	return put_host(hp, s, end ? (size_t)(end - s) : strlen(s));
}

void hostport_fmt(char *buf, size_t len, uint8_t family, const void *addr, uint16_t port)
{
	char a[PREFIX_STRLEN];
	bool v6 = family == AF_INET6;

	addr_fmt(family, addr, a);
	if (port)
		snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", a, port);
	else
		snprintf(buf, len, v6 ? "[%s]" : "%s", a);
}
