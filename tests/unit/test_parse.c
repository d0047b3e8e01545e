// SPDX-License-Identifier: GPL-2.0-only
/* The value parsers, one token at a time: what passes and why others fail. */
#include <arpa/inet.h>
#include <string.h>

#include "config/parse.h"
#include "unit.h"

static char why[PARSE_WHY];

START_TEST(u32_decimal_and_hex)
{
	uint32_t v;

	ck_assert_int_eq(parse_u32("0", 0, 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(parse_u32("4294967295", 0, UINT32_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(parse_u32("0x8000000", 0, UINT32_MAX, &v), 0);
	ck_assert_uint_eq(v, 0x8000000);
	ck_assert_int_eq(parse_u32("0XfF", 0, UINT32_MAX, &v), 0);
	ck_assert_uint_eq(v, 255);
	/* leading zeros are decimal, never octal */
	ck_assert_int_eq(parse_u32("010", 0, 100, &v), 0);
	ck_assert_uint_eq(v, 10);
}
END_TEST

START_TEST(u32_refused)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "1a", "0x", "0xg", "4294967296",
		"99999999999999999999999", "1.5", "0x100000000",
	};
	uint32_t v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i)
		ck_assert_msg(parse_u32(bad[i], 0, UINT32_MAX, &v) < 0, "%s passed", bad[i]);
	ck_assert_int_lt(parse_u32("11", 0, 10, &v), 0);
	ck_assert_int_lt(parse_u32("4", 5, 10, &v), 0);
}
END_TEST

START_TEST(ports)
{
	uint16_t lo, hi;

	ck_assert_int_eq(parse_port("1", &lo, why), 0);
	ck_assert_int_eq(parse_port("65535", &lo, why), 0);
	ck_assert_uint_eq(lo, 65535);
	ck_assert_int_lt(parse_port("0", &lo, why), 0);
	ck_assert_str_eq(why, "is not a port (1-65535)");
	ck_assert_int_lt(parse_port("65536", &lo, why), 0);
	ck_assert_int_lt(parse_port("http", &lo, why), 0);

	ck_assert_int_eq(parse_port_range("443", &lo, &hi, why), 0);
	ck_assert_uint_eq(lo, 443);
	ck_assert_uint_eq(hi, 443);
	ck_assert_int_eq(parse_port_range("27015-27030", &lo, &hi, why), 0);
	ck_assert_uint_eq(lo, 27015);
	ck_assert_uint_eq(hi, 27030);
	ck_assert_int_eq(parse_port_range("5-5", &lo, &hi, why), 0);
	ck_assert_int_lt(parse_port_range("30-20", &lo, &hi, why), 0);
	ck_assert_str_eq(why, "is not a port range: 30 is above 20");
	ck_assert_int_lt(parse_port_range("-20", &lo, &hi, why), 0);
	ck_assert_int_lt(parse_port_range("20-", &lo, &hi, why), 0);
	ck_assert_int_lt(parse_port_range("1-2-3", &lo, &hi, why), 0);
	ck_assert_int_lt(parse_port_range("0-10", &lo, &hi, why), 0);
	ck_assert_str_eq(why, "is not a port or port range (1-65535, or low-high)");
}
END_TEST

START_TEST(booleans)
{
	static const char *const yes[] = { "yes", "YES", "true", "On", "1" };
	static const char *const no[] = { "no", "False", "off", "0" };
	bool b;
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); ++i) {
		b = false;
		ck_assert_int_eq(parse_bool(yes[i], &b, why), 0);
		ck_assert(b);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); ++i) {
		b = true;
		ck_assert_int_eq(parse_bool(no[i], &b, why), 0);
		ck_assert(!b);
	}
	ck_assert_int_lt(parse_bool("y", &b, why), 0);
	ck_assert_str_eq(why, "is not yes or no");
	ck_assert_int_lt(parse_bool("2", &b, why), 0);
}
END_TEST

START_TEST(marks)
{
	uint32_t v, m;

	ck_assert_int_eq(parse_mark("0x8000000/0x8000000", &v, &m, why), 0);
	ck_assert_uint_eq(v, 0x8000000);
	ck_assert_uint_eq(m, 0x8000000);
	ck_assert_int_eq(parse_mark("0x100", &v, &m, why), 0);
	ck_assert_uint_eq(v, 0x100);
	ck_assert_uint_eq(m, 0x100);
	ck_assert_int_eq(parse_mark("1/0xff", &v, &m, why), 0);
	ck_assert_uint_eq(m, 0xff);
	ck_assert_int_lt(parse_mark("0x100/0xff", &v, &m, why), 0);
	ck_assert_str_eq(why, "sets bits outside its mask");
	ck_assert_int_lt(parse_mark("0/0", &v, &m, why), 0);
	ck_assert_str_eq(why, "has an empty mask: no bit could carry the mark");
	ck_assert_int_lt(parse_mark("0/0xff", &v, &m, why), 0);
	ck_assert_int_lt(parse_mark("/1", &v, &m, why), 0);
	ck_assert_int_lt(parse_mark("1/", &v, &m, why), 0);
	ck_assert_int_lt(parse_mark("x", &v, &m, why), 0);
	ck_assert_str_eq(why, "is not a mark (value/mask or value, decimal or 0x hex)");
}
END_TEST

START_TEST(prefixes)
{
	struct prefix p;
	char buf[PREFIX_STRLEN];

	ck_assert_int_eq(parse_prefix("10.0.0.0/24", PREFIX_NETWORK, &p, why), 0);
	ck_assert_uint_eq(p.family, AF_INET);
	ck_assert_uint_eq(p.len, 24);
	ck_assert_str_eq(prefix_fmt(&p, buf), "10.0.0.0/24");
	ck_assert_int_eq(parse_prefix("10.0.0.7", PREFIX_NETWORK, &p, why), 0);
	ck_assert_uint_eq(p.len, 32);
	ck_assert_int_eq(parse_prefix("fd00::1", PREFIX_NETWORK, &p, why), 0);
	ck_assert_uint_eq(p.family, AF_INET6);
	ck_assert_uint_eq(p.len, 128);
	ck_assert_int_eq(parse_prefix("::/0", PREFIX_NETWORK, &p, why), 0);
	ck_assert_uint_eq(p.len, 0);
	/* host bits: refused in networks, kept on interface addresses */
	ck_assert_int_lt(parse_prefix("10.0.0.1/24", PREFIX_NETWORK, &p, why), 0);
	ck_assert_str_eq(why, "has host bits set: did you mean 10.0.0.0/24?");
	ck_assert_int_lt(parse_prefix("fd10:100::1/64", PREFIX_NETWORK, &p, why), 0);
	ck_assert_str_eq(why, "has host bits set: did you mean fd10:100::/64?");
	ck_assert_int_eq(parse_prefix("10.100.0.1/24", PREFIX_HOST, &p, why), 0);
	ck_assert_str_eq(prefix_fmt(&p, buf), "10.100.0.1/24");
	ck_assert_int_lt(parse_prefix("10.0.0.0/33", PREFIX_NETWORK, &p, why), 0);
	ck_assert_str_eq(why, "has a bad prefix length (0-32)");
	ck_assert_int_lt(parse_prefix("::/129", PREFIX_NETWORK, &p, why), 0);
	ck_assert_str_eq(why, "has a bad prefix length (0-128)");
}
END_TEST

START_TEST(prefixes_refused)
{
	static const char *const bad[] = {
		"10.0.0", "10.0.0.256", "010.0.0.1", "10.0.0.0/", "10.0.0.0/-1",
		"10.0.0.0/ 8", "fe80::1%eth0", "[::1]/128", "example.com", "1.2.3.4/8/8",
		"10.0.0.0/0x8",
	};
	struct prefix p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i)
		ck_assert_msg(parse_prefix(bad[i], PREFIX_HOST, &p, why) < 0, "%s passed", bad[i]);
}
END_TEST

START_TEST(prefix_relations)
{
	struct prefix a, b, c, d;
	struct in_addr ip;

	parse_prefix("10.0.0.0/8", PREFIX_NETWORK, &a, why);
	parse_prefix("10.1.0.0/16", PREFIX_NETWORK, &b, why);
	parse_prefix("11.0.0.0/8", PREFIX_NETWORK, &c, why);
	parse_prefix("::/0", PREFIX_NETWORK, &d, why);
	ck_assert(prefix_contains(&a, &b));
	ck_assert(!prefix_contains(&b, &a));
	ck_assert(prefix_contains(&a, &a));
	ck_assert(!prefix_overlaps(&a, &c));
	ck_assert(prefix_overlaps(&b, &a));
	ck_assert(!prefix_overlaps(&d, &a));	/* families never overlap */
	ck_assert_int_lt(prefix_cmp(&a, &b), 0);
	inet_pton(AF_INET, "10.1.2.3", &ip);
	ck_assert(prefix_has_addr(&b, AF_INET, &ip));
	ck_assert(!prefix_has_addr(&c, AF_INET, &ip));
	parse_prefix("10.1.0.0/15", PREFIX_HOST, &b, why);
	prefix_mask(&b);
	ck_assert_int_eq(memcmp(&b.addr.ip4, "\x0a\x00\x00\x00", 4), 0);
}
END_TEST

START_TEST(destinations)
{
	uint8_t fam, addr[16];
	uint16_t port;
	char buf[PREFIX_STRLEN];

	ck_assert_int_eq(parse_destination("192.168.1.10:8443", &fam, addr, &port, why), 0);
	ck_assert_uint_eq(fam, AF_INET);
	ck_assert_uint_eq(port, 8443);
	ck_assert_str_eq(addr_fmt(fam, addr, buf), "192.168.1.10");
	ck_assert_int_eq(parse_destination("192.168.1.10", &fam, addr, &port, why), 0);
	ck_assert_uint_eq(port, 0);
	ck_assert_int_eq(parse_destination("[fd00::10]:80", &fam, addr, &port, why), 0);
	ck_assert_uint_eq(fam, AF_INET6);
	ck_assert_uint_eq(port, 80);
	ck_assert_int_eq(parse_destination("[fd00::10]", &fam, addr, &port, why), 0);
	ck_assert_uint_eq(port, 0);
	ck_assert_int_eq(parse_destination("fd00::10", &fam, addr, &port, why), 0);
	ck_assert_str_eq(addr_fmt(fam, addr, buf), "fd00::10");
	ck_assert_uint_eq(port, 0);

	ck_assert_int_lt(parse_destination("192.168.1.10:0", &fam, addr, &port, why), 0);
	ck_assert_str_eq(why, "has a bad port (1-65535)");
	ck_assert_int_lt(parse_destination("fd00::10:80x", &fam, addr, &port, why), 0);
	ck_assert_str_eq(why, "is not an IPv6 address (with a port: [address]:port)");
	ck_assert_int_lt(parse_destination("[fd00::10", &fam, addr, &port, why), 0);
	ck_assert_str_eq(why, "has no closing ]");
	ck_assert_int_lt(parse_destination("[10.0.0.1]:80", &fam, addr, &port, why), 0);
	ck_assert_int_lt(parse_destination("host.lan:80", &fam, addr, &port, why), 0);
	ck_assert_str_eq(why, "is not an address (IPv4[:port] or [IPv6][:port])");
	ck_assert_int_lt(parse_destination("[fd00::1]80", &fam, addr, &port, why), 0);
	ck_assert_int_lt(parse_destination("0.0.0.0", &fam, addr, &port, why), 0);
	ck_assert_str_eq(why, "is not a unicast address");
	ck_assert_int_lt(parse_destination("239.1.1.1:80", &fam, addr, &port, why), 0);
	ck_assert_int_lt(parse_destination("[ff02::1]", &fam, addr, &port, why), 0);
	ck_assert_int_lt(parse_destination("10.0.0.1/32", &fam, addr, &port, why), 0);
}
END_TEST

START_TEST(endpoints)
{
	ck_assert_int_eq(parse_endpoint("vpn.example.org:51820", why), 0);
	ck_assert_int_eq(parse_endpoint("203.0.113.5:51820", why), 0);
	ck_assert_int_eq(parse_endpoint("[2001:db8::5]:51820", why), 0);
	ck_assert_int_lt(parse_endpoint("vpn.example.org", why), 0);
	ck_assert_str_eq(why, "has no port (host:port or [IPv6]:port)");
	ck_assert_int_lt(parse_endpoint("2001:db8::5:51820", why), 0);
	ck_assert_str_eq(why, "looks like a bare IPv6 address: write [address]:port");
	ck_assert_int_lt(parse_endpoint("vpn..example:1", why), 0);
	ck_assert_int_lt(parse_endpoint(":51820", why), 0);
	ck_assert_int_lt(parse_endpoint("host:99999", why), 0);
	ck_assert_int_lt(parse_endpoint("[zz::1]:1", why), 0);
	ck_assert_int_lt(parse_endpoint("[::1]", why), 0);
	ck_assert_int_lt(parse_endpoint("a b:1", why), 0);
}
END_TEST

START_TEST(names)
{
	ck_assert_int_eq(parse_ifname("wg0", why), 0);
	ck_assert_int_eq(parse_ifname("wg-bastion_1.x", why), 0);
	ck_assert_int_eq(parse_ifname("abcdefghijklmno", why), 0);	/* 15 */
	ck_assert_int_lt(parse_ifname("abcdefghijklmnop", why), 0);	/* 16 */
	ck_assert_str_eq(why, "is not an interface name (1-15 of A-Z a-z 0-9 _ . -)");
	ck_assert_int_lt(parse_ifname("wg/0", why), 0);
	ck_assert_int_lt(parse_ifname("wg 0", why), 0);
	ck_assert_int_lt(parse_ifname("..", why), 0);
	ck_assert_int_lt(parse_ifname("", why), 0);

	ck_assert_int_eq(parse_name("web", why), 0);
	ck_assert_int_eq(parse_name("a2345678901234567890123456789012", why), 0);	/* 32 */
	ck_assert_int_lt(parse_name("a23456789012345678901234567890123", why), 0);
	ck_assert_str_eq(why, "is not a name (1-32 of A-Z a-z 0-9 _ . -)");
	ck_assert_int_lt(parse_name("web site", why), 0);
	ck_assert_int_lt(parse_name("web\"", why), 0);
}
END_TEST

/* IPv4 and decimal are formatted by hand (lib/prefix.c): the same text
 * as inet_ntop and printf, over the corners and a spread of the rest. */
START_TEST(formatted_by_hand)
{
	static const uint32_t corners[] = { 0, 1, 9, 10, 99, 100, 255, 256, 65535, 65536,
					    999999999, 1000000000, 4294967295u };
	char buf[PREFIX_STRLEN], want[PREFIX_STRLEN];
	uint32_t v, x = 2463534242u;
	uint8_t a[4];
	size_t i;

	for (i = 0; i < sizeof(corners) / sizeof(corners[0]); ++i) {
		snprintf(want, sizeof(want), "%u", corners[i]);
		ck_assert_uint_eq(fmt_u32(buf, corners[i]), strlen(want));
		ck_assert_str_eq(buf, want);
	}
	for (i = 0; i < 100000; ++i) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;	/* xorshift32 */
		v = i < 256 ? (uint32_t)i * 0x01010101u : x;
		memcpy(a, &v, sizeof(a));
		ck_assert_ptr_nonnull(inet_ntop(AF_INET, a, want, sizeof(want)));
		ck_assert_str_eq(addr_fmt(AF_INET, a, buf), want);
		snprintf(want, sizeof(want), "%u", v);
		fmt_u32(buf, v);
		ck_assert_str_eq(buf, want);
	}
}
END_TEST

static Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *t = tcase_create("values");

	tcase_add_test(t, u32_decimal_and_hex);
	tcase_add_test(t, u32_refused);
	tcase_add_test(t, ports);
	tcase_add_test(t, booleans);
	tcase_add_test(t, marks);
	tcase_add_test(t, prefixes);
	tcase_add_test(t, prefixes_refused);
	tcase_add_test(t, prefix_relations);
	tcase_add_test(t, destinations);
	tcase_add_test(t, endpoints);
	tcase_add_test(t, names);
	tcase_add_test(t, formatted_by_hand);
	suite_add_tcase(s, t);
	return s;
}

UNIT_MAIN(parse_suite)
