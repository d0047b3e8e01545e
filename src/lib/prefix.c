// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "prefix.h"

unsigned prefix_family_bits(uint8_t family)
{
	return family == AF_INET ? 32 : 128;
}

size_t prefix_family_bytes(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

void prefix_mask(struct prefix *p)
{
	size_t nbytes = prefix_family_bytes(p->family);
	unsigned i;

	for (i = 0; i < nbytes; ++i) {
		unsigned bit = i * 8;

		if (bit >= p->len)
			p->addr.bytes[i] = 0;
		else if (p->len - bit < 8)
			p->addr.bytes[i] &= (uint8_t)(0xff00 >> (p->len - bit));
	}
}

bool prefix_has_addr(const struct prefix *p, uint8_t family, const void *addr)
{
	struct prefix host = { .family = family, .len = (uint8_t)prefix_family_bits(family) };

	memcpy(host.addr.bytes, addr, prefix_family_bytes(family));
	return prefix_contains(p, &host);
}

bool prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	const uint8_t *a = outer->addr.bytes, *b = inner->addr.bytes;
	unsigned full, rest, i;

	if (outer->family != inner->family || outer->len > inner->len)
		return false;
	full = outer->len / 8;
	rest = outer->len % 8;
	/* at most 16 bytes, mostly 4: a loop, where memcmp's call showed
	 * once per forward of ten thousand (is its Destination routed?) */
	for (i = 0; i < full; ++i)
		if (a[i] != b[i])
			return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff00 >> rest);

		if ((a[full] & m) != (b[full] & m))
			return false;
	}
	return true;
}

bool prefix_overlaps(const struct prefix *a, const struct prefix *b)
{
	return prefix_contains(a, b) || prefix_contains(b, a);
}

int prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr.bytes, b->addr.bytes, prefix_family_bytes(a->family));
	if (c)
		return c;
	return (int)a->len - (int)b->len;
}

size_t fmt_u32(char *buf, uint32_t v)
{
	char t[10];
	size_t n = 0, i;

	do
		t[n++] = (char)('0' + v % 10);
	while (v /= 10);
	for (i = 0; i < n; ++i)
		buf[i] = t[n - 1 - i];
	buf[n] = '\0';
	return n;
}

/*
 * IPv4 by hand: glibc's inet_ntop formats it through sprintf, about 1,800
 * instructions an address, and show and the plan format one or more per
 * forward (a cold apply of 10,000 forwards spent 6% of itself there).
 * Dotted decimal has one spelling; IPv6, with its zero compression and
 * embedded IPv4 forms, is left to inet_ntop.
 */
char *addr_fmt(uint8_t family, const void *addr, char *buf)
{
	if (family == AF_INET) {
		const uint8_t *a = addr;
		size_t n = 0, i;

		for (i = 0; i < 4; ++i) {
			n += fmt_u32(buf + n, a[i]);
			buf[n++] = '.';
		}
		buf[n - 1] = '\0';
		return buf;
	}
	if (!inet_ntop(family, addr, buf, PREFIX_STRLEN))
		snprintf(buf, PREFIX_STRLEN, "?");
	return buf;
}

char *prefix_fmt(const struct prefix *p, char *buf)
{
	size_t n;

	addr_fmt(p->family, p->addr.bytes, buf);
	n = strlen(buf);
	snprintf(buf + n, PREFIX_STRLEN - n, "/%u", p->len);
	return buf;
}

int prefix_list_add(struct prefix_list *l, const struct prefix *p)
{
	struct prefix *v = array_push(l->v, l->n, &l->cap);

	if (!v)
		return -ENOMEM;
	*v = *p;
	return 0;
}

bool prefix_list_has(const struct prefix_list *l, const struct prefix *p)
{
	size_t i;

	for (i = 0; i < l->n; ++i)
		if (!prefix_cmp(&l->v[i], p))
			return true;
	return false;
}

char *prefix_list_fmt(const struct prefix_list *l)
{
	size_t i, off = 0, cap = l->n * (PREFIX_STRLEN + 2) + 1;
	char *s = malloc(cap), one[PREFIX_STRLEN];

	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < l->n; ++i)
		off += snprintf(s + off, cap - off, "%s%s", i ? ", " : "",
				prefix_fmt(&l->v[i], one));
	return s;
}

void prefix_list_free(struct prefix_list *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

bool prefix_list_has_family(const struct prefix_list *l, int family)
{
	size_t i;

	for (i = 0; i < l->n; ++i)
		if (l->v[i].family == family)
			return true;
	return false;
}
