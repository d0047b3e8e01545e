// SPDX-License-Identifier: GPL-2.0-only
/*
 * Value parsers. Numbers go through strtoul with an end check and a range
 * check; addresses through inet_pton, which refuses leading zeros, missing
 * octets and zone indexes rather than reading them some way or other.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

#define WHY(...) (snprintf(why, PARSE_WHY, __VA_ARGS__), -EINVAL)

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long v;
	char *end;
	int base = 10;

	/* strtoul alone would take "+1", " 1", "-1" (as ULONG_MAX) and, with
	 * base 0, "010" as octal: only plain digits or 0x<hex> pass here. */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		if (!isxdigit((unsigned char)s[2]))
			return -EINVAL;
	} else if (!isdigit((unsigned char)s[0])) {
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int parse_port(const char *s, uint16_t *out, char *why)
{
	uint32_t v;

	if (parse_u32(s, 1, 65535, &v) < 0)
		return WHY("is not a port (1-65535)");
	*out = (uint16_t)v;
	return 0;
}

int parse_port_range(const char *s, uint16_t *lo, uint16_t *hi, char *why)
{
	const char *dash = strchr(s, '-');
	char first[16];
	size_t n;

	if (!dash)
		return parse_port(s, lo, why) ?: (*hi = *lo, 0);
	n = (size_t)(dash - s);
	if (n == 0 || n >= sizeof(first))
		return WHY("is not a port or port range (1-65535, or low-high)");
	memcpy(first, s, n);
	first[n] = '\0';
	if (parse_port(first, lo, why) < 0 || parse_port(dash + 1, hi, why) < 0)
		return WHY("is not a port or port range (1-65535, or low-high)");
	if (*lo > *hi)
		return WHY("is not a port range: %u is above %u", *lo, *hi);
	return 0;
}

int parse_bool(const char *s, bool *out, char *why)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); ++i) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return WHY("is not yes or no");
}

int parse_mark(const char *s, uint32_t *value, uint32_t *mask, char *why)
{
	const char *slash = strchr(s, '/');
	char first[24];
	size_t n;

	if (!slash) {
		if (parse_u32(s, 0, UINT32_MAX, value) < 0)
			goto bad;
		*mask = *value;
	} else {
		n = (size_t)(slash - s);
		if (n == 0 || n >= sizeof(first))
			goto bad;
		memcpy(first, s, n);
		first[n] = '\0';
		if (parse_u32(first, 0, UINT32_MAX, value) < 0 ||
		    parse_u32(slash + 1, 0, UINT32_MAX, mask) < 0)
			goto bad;
	}
	if (!*mask)
		return WHY("has an empty mask: no bit could carry the mark");
	if (*value & ~*mask)
		return WHY("sets bits outside its mask");
	if (!*value)
		return WHY("is zero: a zero mark cannot be matched");
	return 0;
bad:
	return WHY("is not a mark (value/mask or value, decimal or 0x hex)");
}

int parse_addr(const char *s, uint8_t *family, void *addr)
{
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static unsigned family_bits(uint8_t family)
{
	return family == AF_INET ? 32 : 128;
}

static size_t family_bytes(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

void prefix_mask(struct prefix *p)
{
	size_t nbytes = family_bytes(p->family);
	unsigned i;

	for (i = 0; i < nbytes; ++i) {
		unsigned bit = i * 8;

		if (bit >= p->len)
			p->addr.bytes[i] = 0;
		else if (p->len - bit < 8)
			p->addr.bytes[i] &= (uint8_t)(0xff00 >> (p->len - bit));
	}
}

int parse_prefix(const char *s, enum prefix_mode mode, struct prefix *p, char *why)
{
	char buf[64], a[PREFIX_STRLEN];
	const char *slash = strchr(s, '/');
	struct prefix masked;
	uint32_t len;
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	memset(p, 0, sizeof(*p));
	if (n >= sizeof(buf))
		goto bad;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_addr(buf, &p->family, p->addr.bytes) < 0)
		goto bad;
	if (!slash) {
		p->len = (uint8_t)family_bits(p->family);
		return 0;
	}
	/* a length is decimal: "/0x8" is a typo, not 8 */
	if (strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
	    parse_u32(slash + 1, 0, family_bits(p->family), &len) < 0)
		return WHY("has a bad prefix length (0-%u)", family_bits(p->family));
	p->len = (uint8_t)len;
	if (mode == PREFIX_NETWORK) {
		masked = *p;
		prefix_mask(&masked);
		if (memcmp(&masked, p, sizeof(masked)))
			return WHY("has host bits set: did you mean %s?",
				   prefix_fmt(&masked, a));
	}
	return 0;
bad:
	return WHY("is not an IP address or prefix (address/length)");
}

/* The port after "host:" or "]:". */
static int port_suffix(const char *s, uint16_t *port, char *why)
{
	if (parse_port(s, port, why) < 0)
		return WHY("has a bad port (1-65535)");
	return 0;
}

/* DNAT needs one host to send to: not "any", not a group. */
static int unicast_check(uint8_t family, const void *addr, char *why)
{
	const struct in6_addr *a6 = addr;
	const uint8_t *b = addr;

	if (family == AF_INET ? (!b[0] || b[0] >= 224) :
	    (IN6_IS_ADDR_UNSPECIFIED(a6) || IN6_IS_ADDR_MULTICAST(a6)))
		return WHY("is not a unicast address");
	return 0;
}

/* "[v6]" or "[v6]:port" */
static int destination_bracketed(const char *s, void *addr, uint16_t *port, char *why)
{
	const char *close = strchr(s, ']');
	char buf[64];
	size_t n;

	if (!close)
		return WHY("has no closing ]");
	n = (size_t)(close - s - 1);
	if (n >= sizeof(buf))
		return WHY("is not an IPv6 address in brackets");
	memcpy(buf, s + 1, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, addr) != 1)
		return WHY("is not an IPv6 address in brackets");
	if (close[1] == '\0')
		return 0;
	if (close[1] != ':')
		return WHY("is not an address (IPv4[:port] or [IPv6][:port])");
	return port_suffix(close + 2, port, why);
}

int parse_destination(const char *s, uint8_t *family, void *addr,
		      uint16_t *port, char *why)
{
	const char *colon = strchr(s, ':');
	char buf[64];
	size_t n;
	int ret;

	*port = 0;
	if (s[0] == '[') {
		*family = AF_INET6;
		ret = destination_bracketed(s, addr, port, why);
	} else if (colon && strchr(colon + 1, ':')) {
		/* more than one colon: a bare IPv6 address, which has no port */
		*family = AF_INET6;
		ret = inet_pton(AF_INET6, s, addr) == 1 ? 0 :
		      WHY("is not an IPv6 address (with a port: [address]:port)");
	} else {
		*family = AF_INET;
		n = colon ? (size_t)(colon - s) : strlen(s);
		if (n >= sizeof(buf))
			return WHY("is not an address (IPv4[:port] or [IPv6][:port])");
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET, buf, addr) != 1)
			return WHY("is not an address (IPv4[:port] or [IPv6][:port])");
		ret = colon ? port_suffix(colon + 1, port, why) : 0;
	}
	return ret ?: unicast_check(*family, addr, why);
}

static bool hostname_ok(const char *h, size_t n)
{
	size_t i, label = 0;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; ++i) {
		unsigned char c = (unsigned char)h[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

int parse_endpoint(const char *s, char *why)
{
	struct in6_addr a6;
	char buf[64];
	const char *close, *colon;
	uint16_t port;
	size_t n;

	if (s[0] == '[') {
		close = strchr(s, ']');
		if (!close || close[1] != ':')
			goto bad;
		n = (size_t)(close - s - 1);
		if (n >= sizeof(buf))
			goto bad;
		memcpy(buf, s + 1, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return WHY("is not an IPv6 address in brackets");
		return port_suffix(close + 2, &port, why);
	}
	colon = strrchr(s, ':');
	if (!colon)
		return WHY("has no port (host:port or [IPv6]:port)");
	if (memchr(s, ':', (size_t)(colon - s)))
		return WHY("looks like a bare IPv6 address: write [address]:port");
	if (!hostname_ok(s, (size_t)(colon - s)))
		goto bad;
	return port_suffix(colon + 1, &port, why);
bad:
	return WHY("is not an endpoint (host:port or [IPv6]:port)");
}

static bool name_chars_ok(const char *s)
{
	for (; *s; ++s)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
			return false;
	return true;
}

int parse_ifname(const char *s, char *why)
{
	size_t n = strlen(s);

	if (n < 1 || n >= IFNAMSIZ || !name_chars_ok(s) ||
	    !strcmp(s, ".") || !strcmp(s, ".."))
		return WHY("is not an interface name (1-%d of A-Z a-z 0-9 _ . -)",
			   IFNAMSIZ - 1);
	return 0;
}

int parse_name(const char *s, char *why)
{
	size_t n = strlen(s);

	if (n < 1 || n > WGB_NAME_MAX || !name_chars_ok(s))
		return WHY("is not a name (1-%d of A-Z a-z 0-9 _ . -)", WGB_NAME_MAX);
	return 0;
}

bool prefix_has_addr(const struct prefix *p, uint8_t family, const void *addr)
{
	struct prefix host = { .family = family, .len = (uint8_t)family_bits(family) };

	memcpy(host.addr.bytes, addr, family_bytes(family));
	return prefix_contains(p, &host);
}

bool prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	const uint8_t *a = outer->addr.bytes, *b = inner->addr.bytes;
	unsigned full, rest;

	if (outer->family != inner->family || outer->len > inner->len)
		return false;
	full = outer->len / 8;
	rest = outer->len % 8;
	if (memcmp(a, b, full))
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

/* Family, then address, then length: a container sorts before what it
 * contains, which the list dedupe relies on. */
int prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr.bytes, b->addr.bytes, family_bytes(a->family));
	if (c)
		return c;
	return (int)a->len - (int)b->len;
}

char *addr_fmt(uint8_t family, const void *addr, char *buf)
{
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
