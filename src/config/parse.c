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

#include "lib/hostport.h"
#include "parse.h"

#define WHY(...) (snprintf(why, PARSE_WHY, __VA_ARGS__), -EINVAL)

/* isdigit(), and isalnum() below spelled out: the same in the C locale,
 * the only one (none is ever set), and no lookup through libc for each
 * byte of ten thousand Ports and names */
static inline bool is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

static inline bool is_alnum(char c)
{
	return (unsigned char)((c | 0x20) - 'a') < 26 || is_digit(c);
}

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
	} else if (!is_digit(s[0])) {
		return -EINVAL;
	}
	if (base == 10) {
		/* decimal, the common case (every Port of ten thousand
		 * forwards): the digits by hand, as strtoul would take them */
		uint64_t acc = 0;

		for (end = (char *)s; is_digit(*end); ++end)
			if ((acc = acc * 10 + (uint64_t)(*end - '0')) > UINT32_MAX)
				return -EINVAL;
		if (*end || acc < min || acc > max)
			return -EINVAL;
		*out = (uint32_t)acc;
		return 0;
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

int parse_rate(const char *s, uint32_t *n, uint32_t *unit, char *why)
{
	static const struct { const char *name; uint32_t secs; } units[] = {
		{ "second", 1 }, { "minute", 60 },
	};
	const char *slash = strchr(s, '/');
	char num[16];
	size_t i;

	if (!slash || (size_t)(slash - s) >= sizeof(num))
		return WHY("is not a rate (N/second or N/minute)");
	memcpy(num, s, (size_t)(slash - s));
	num[slash - s] = '\0';
	if (parse_u32(num, 1, WGB_LIMIT_MAX, n) < 0)
		return WHY("is not a rate (N/second or N/minute, N 1-1000000)");
	for (i = 0; i < sizeof(units) / sizeof(units[0]); ++i) {
		if (!strcasecmp(slash + 1, units[i].name)) {
			*unit = units[i].secs;
			return 0;
		}
	}
	return WHY("is not a rate (N/second or N/minute)");
}

int parse_log(const char *s, uint8_t *log, uint16_t *group, char *why)
{
	uint32_t g;
	bool on;

	if (!strncasecmp(s, "nflog:", 6)) {
		if (parse_u32(s + 6, 0, 65535, &g) < 0)
			return WHY("is not an NFLOG group (nflog:0 to nflog:65535)");
		*log = WGB_LOG_NFLOG;
		*group = (uint16_t)g;
		return 0;
	}
	if (parse_bool(s, &on, why) < 0)
		return WHY("is not yes, no or nflog:GROUP");
	*log = on ? WGB_LOG_KERNEL : WGB_LOG_NONE;
	*group = 0;
	return 0;
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

/*
 * inet_pton(AF_INET, s, addr) == 1, by hand: it is called for every
 * Destination and prefix, a tenth of check's instructions for a config of
 * ten thousand forwards, most of them glibc's byte loop behind a call.
 * The grammar is glibc's inet_pton4, no looser: exactly four parts of
 * decimal digits, each 0-255, no leading zero ("0" alone is one), nothing
 * else, not even a trailing dot.
 */
static bool ipv4_parse(const char *s, uint8_t addr[4])
{
	uint8_t out[4];
	unsigned part, v, digits;

	for (part = 0; part < 4; ++part) {
		if (part && *s++ != '.')
			return false;
		for (v = 0, digits = 0; is_digit(*s); ++s, ++digits) {
			if (digits && !v)
				return false;	/* a leading zero */
			v = v * 10 + (unsigned)(*s - '0');
			if (v > 255)
				return false;
		}
		if (!digits)
			return false;
		out[part] = (uint8_t)v;
	}
	if (*s)
		return false;
	memcpy(addr, out, sizeof(out));
	return true;
}

int parse_addr(const char *s, uint8_t *family, void *addr)
{
	if (ipv4_parse(s, addr)) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
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
		p->len = (uint8_t)prefix_family_bits(p->family);
		return 0;
	}
	/* a length is decimal: "/0x8" is a typo, not 8 */
	if (strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
	    parse_u32(slash + 1, 0, prefix_family_bits(p->family), &len) < 0)
		return WHY("has a bad prefix length (0-%u)", prefix_family_bits(p->family));
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

int parse_destination(const char *s, uint8_t *family, void *addr,
		      uint16_t *port, char *why)
{
	struct hostport hp;
	int split = hostport_split(s, &hp), ret;

	*port = 0;
	if (hp.bracketed) {
		*family = AF_INET6;
		if (split == HOSTPORT_UNCLOSED)
			return WHY("has no closing ]");
		if (split == HOSTPORT_TOO_LONG || strlen(hp.host) >= 64 ||
		    inet_pton(AF_INET6, hp.host, addr) != 1)
			return WHY("is not an IPv6 address in brackets");
		if (split == HOSTPORT_JUNK)
			return WHY("is not an address (IPv4[:port] or [IPv6][:port])");
		ret = hp.port ? port_suffix(hp.port, port, why) : 0;
	} else if (strchr(hp.host, ':')) {
		/* more than one colon: a bare IPv6 address, which has no port */
		*family = AF_INET6;
		ret = inet_pton(AF_INET6, s, addr) == 1 ? 0 :
		      WHY("is not an IPv6 address (with a port: [address]:port)");
	} else {
		*family = AF_INET;
		if (split || strlen(hp.host) >= 64 || !ipv4_parse(hp.host, addr))
			return WHY("is not an address (IPv4[:port] or [IPv6][:port])");
		ret = hp.port ? port_suffix(hp.port, port, why) : 0;
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
	struct hostport hp;
	int split = hostport_split(s, &hp);
	uint16_t port;

	if (hp.bracketed) {
		if (split || !hp.port || strlen(hp.host) >= 64)
			goto bad;
		if (inet_pton(AF_INET6, hp.host, &a6) != 1)
			return WHY("is not an IPv6 address in brackets");
		return port_suffix(hp.port, &port, why);
	}
	if (!hp.port)
		return WHY("has no port (host:port or [IPv6]:port)");
	if (memchr(s, ':', (size_t)(hp.port - 1 - s)))
		return WHY("looks like a bare IPv6 address: write [address]:port");
	if (split || !hostname_ok(hp.host, strlen(hp.host)))
		goto bad;
	return port_suffix(hp.port, &port, why);
bad:
	return WHY("is not an endpoint (host:port or [IPv6]:port)");
}

static bool name_chars_ok(const char *s)
{
	for (; *s; ++s)
		if (!is_alnum(*s) && *s != '_' && *s != '.' && *s != '-')
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
	/* /proc/sys/net/ipv4/conf/{all,default}: the kernel refuses them */
	if (!strcmp(s, "all") || !strcmp(s, "default"))
		return WHY("is reserved by the kernel (net.ipv4.conf.%s): not an interface name", s);
	return 0;
}

int parse_name(const char *s, char *why)
{
	size_t n = strlen(s);

	if (n < 1 || n > WGB_NAME_MAX || !name_chars_ok(s))
		return WHY("is not a name (1-%d of A-Z a-z 0-9 _ . -)", WGB_NAME_MAX);
	return 0;
}
