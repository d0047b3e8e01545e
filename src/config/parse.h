/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Value parsers for the config: one token in, one value out. Each returns 0,
 * or -EINVAL with the reason in 'why' (PARSE_WHY bytes, lib/err.h), worded to follow the
 * quoted value: Port: "70000" <why>. They never guess: a value either means
 * exactly one thing or it is refused.
 */
#ifndef WGB_PARSE_H
#define WGB_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "model.h"


/* Decimal, or hexadecimal with 0x; no sign, no spaces, within [min, max]. */
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
int parse_port(const char *s, uint16_t *out, char *why);
/* "443" or "27015-27030" (lo <= hi). */
int parse_port_range(const char *s, uint16_t *lo, uint16_t *hi, char *why);
/* RateLimit: "N/second" or "N/minute" (N in 1-WGB_LIMIT_MAX); unit in
 * seconds. */
int parse_rate(const char *s, uint32_t *n, uint32_t *unit, char *why);
/* Log: yes/no (the kernel log), or "nflog:N" (NFLOG group N, 0-65535). */
int parse_log(const char *s, uint8_t *log, uint16_t *group, char *why);
/* yes/no, true/false, on/off, 1/0, any case. */
int parse_bool(const char *s, bool *out, char *why);
/* "value/mask", or "value" meaning mask = value. Mask non-zero, value within. */
int parse_mark(const char *s, uint32_t *value, uint32_t *mask, char *why);
/* A plain IPv4 or IPv6 address (no brackets, no prefix length). */
int parse_addr(const char *s, uint8_t *family, void *addr);

enum prefix_mode {
	PREFIX_NETWORK,		/* host bits must be zero (AllowedIPs, Allow, ...) */
	PREFIX_HOST,		/* host bits kept (Interface Address) */
};
/* "addr/len" or a plain address (/32, /128). */
int parse_prefix(const char *s, enum prefix_mode mode, struct prefix *p, char *why);
/* Forward Destination: IPv4[:port], [IPv6][:port], or a bare IPv6. */
int parse_destination(const char *s, uint8_t *family, void *addr,
		      uint16_t *port, char *why);
/* Endpoint: host:port or [IPv6]:port; checked, not resolved. */
int parse_endpoint(const char *s, char *why);
/* Interface names: 1-15 of [A-Za-z0-9_.-], not "." or "..". */
int parse_ifname(const char *s, char *why);
/* Forward / Egress names: 1-32 of [A-Za-z0-9_.-]. */
int parse_name(const char *s, char *why);

#endif
