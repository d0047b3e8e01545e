/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Addresses with a prefix length, and lists of them: comparing, testing
 * containment, and the text people read ("10.0.0.0/24", "a, b, c").
 * Parsing them from a config is config/parse.c's.
 */
#ifndef WGB_PREFIX_H
#define WGB_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* Longest text of a prefix: IPv6 + "/128" + NUL. */
#define PREFIX_STRLEN	(INET6_ADDRSTRLEN + 5)

/* An address with a prefix length. For CIDRs the host bits are zero after
 * parsing (we refuse "10.0.0.1/8" for AllowedIPs-like lists); for Interface
 * Address they are kept: "10.100.0.1/24" is an address on a /24. */
struct prefix {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t len;		/* 0..32 or 0..128 */
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
		uint8_t bytes[16];
	} addr;
};

struct prefix_list {
	struct prefix *v;
	size_t n;
	size_t cap;		/* lib/array.h; 0 is always safe */
};

unsigned prefix_family_bits(uint8_t family);	/* 32 or 128 */
size_t prefix_family_bytes(uint8_t family);	/* 4 or 16 */

bool prefix_contains(const struct prefix *outer, const struct prefix *inner);
bool prefix_overlaps(const struct prefix *a, const struct prefix *b);
bool prefix_has_addr(const struct prefix *p, uint8_t family, const void *addr);
/* Family, then address, then length: a container sorts before what it
 * contains. 0 exactly when the two are the same prefix. */
int prefix_cmp(const struct prefix *a, const struct prefix *b);
void prefix_mask(struct prefix *p);	/* zero the host bits */

/* "10.0.0.0/24"; buf of PREFIX_STRLEN. Returns buf. */
char *prefix_fmt(const struct prefix *p, char *buf);
/* Address without length; buf of PREFIX_STRLEN. Returns buf. */
char *addr_fmt(uint8_t family, const void *addr, char *buf);
/* v in decimal at buf (room for 11 bytes), NUL-terminated; its length. */
size_t fmt_u32(char *buf, uint32_t v);

/* Appends a copy of p: 0 or -ENOMEM. */
int prefix_list_add(struct prefix_list *l, const struct prefix *p);
bool prefix_list_has(const struct prefix_list *l, const struct prefix *p);
/* Whether l holds a prefix of this family (AF_INET, AF_INET6). */
bool prefix_list_has_family(const struct prefix_list *l, int family);
/* "10.0.0.0/24, fd00::/64" in a new string ("" for none); NULL: ENOMEM. */
char *prefix_list_fmt(const struct prefix_list *l);
void prefix_list_free(struct prefix_list *l);

#endif
