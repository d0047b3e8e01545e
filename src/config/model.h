/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The desired-state model: plain data shared by the parser, the planner,
 * the backends and show. No behaviour lives here besides the free helpers.
 *
 * Conventions (as wireguard-tools' containers.h): fixed-size fields where a
 * bound exists, counted arrays for lists, a line number on everything that
 * came from the config so that later checks can still say "file:line:".
 */
#ifndef WGB_MODEL_H
#define WGB_MODEL_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/key.h"
#include "lib/prefix.h"

#define WGB_NAME_MAX		32	/* Forward / Egress names */
#define WGB_LIMIT_MAX		1000000	/* RateLimit and ConnLimit: N */

enum { WGB_LOG_NONE, WGB_LOG_KERNEL, WGB_LOG_NFLOG };	/* struct wgb_forward .log */

#define WGB_DEFAULT_IFNAME	"wg0"
#define WGB_DEFAULT_PORT	51820
#define WGB_DEFAULT_MTU		1420
#define WGB_DEFAULT_TABLE	51821
#define WGB_DEFAULT_MARK	0x8000000u
#define WGB_DEFAULT_MARK_MASK	0x8000000u
#define WGB_DEFAULT_PRIORITY	5210
/* conntrack mark bits (extension keys IngressConnMark / EgressConnMark) */
#define WGB_DEFAULT_CT_INGRESS	0x10000000u
#define WGB_DEFAULT_CT_EGRESS	0x20000000u
/* the far side's (SPEC §6): [Return] and [Exit] connections */
#define WGB_DEFAULT_CT_RETURN	0x40000000u
#define WGB_DEFAULT_CT_EXIT	0x80000000u
/* [Exit]'s routing mark: the first of these bits outside Mark's mask */
#define WGB_DEFAULT_EXIT_MARK	0x1000000u
/* our route protocol number (rtnetlink RTPROT_*), see /etc/iproute2/rt_protos */
#define WGB_RTPROT		0x57	/* 87, unassigned upstream */

enum {
	PROTO_TCP = 1 << 0,
	PROTO_UDP = 1 << 1,
};

struct wgb_interface {
	char name[IFNAMSIZ];
	uint8_t private_key[WG_KEY_LEN];
	bool has_private_key;
	/* PrivateKeyFile as given. When the file does not exist yet, check
	 * says so and apply creates it (0600) with a new key; has_private_key
	 * is false until then. */
	char *private_key_file;
	uint16_t listen_port;
	struct prefix_list addresses;
	uint32_t mtu;
	uint32_t fwmark;	/* 0 = off */
	unsigned line;		/* of the [Interface] header */
};

struct wgb_peer {
	uint8_t public_key[WG_KEY_LEN];
	uint8_t preshared_key[WG_KEY_LEN];
	bool has_preshared_key;
	struct prefix_list allowed_ips;
	/* Endpoint kept as text: host names are resolved at apply time, never
	 * at check time (check touches nothing, not even DNS). */
	char *endpoint;		/* "host:port" or "[v6]:port", NULL if none */
	uint16_t persistent_keepalive;	/* 0 = off */
	unsigned line;
};

struct wgb_forward {
	char name[WGB_NAME_MAX + 1];
	unsigned protocols;	/* PROTO_TCP | PROTO_UDP */
	uint16_t port_lo, port_hi;	/* public port range, lo == hi for one */
	uint8_t family;		/* of the destination */
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
		uint8_t bytes[16];
	} dst;
	/* 0: keep the public port (a range maps port to port); otherwise a
	 * range collapses onto this one port. */
	uint16_t dst_port;
	/* never empty after parsing, unless AllowFile is given without Allow */
	struct prefix_list allow;
	/* AllowFile: the path as given (NULL: none) and its prefixes of this
	 * forward's family (the other family's lines are skipped) */
	char *allow_file;
	struct prefix_list allow_file_list;
	bool allow_file_unread;	/* not readable by an unprivileged check */
	/* Allow not given: allow.v is the config's allow_everyone, shared by
	 * every such forward (read only), not a block of its own */
	bool allow_shared;
	bool masquerade;
	bool shadow;
	/* RateLimit: new connections per client address and unit (0: none);
	 * ConnLimit: concurrent connections per client address (0: none) */
	uint32_t rate;
	uint32_t rate_unit;	/* seconds: 1 or 60 */
	uint32_t conn_limit;
	/* Log: each new connection logged, prefix "wgbastion NAME: ", to the
	 * kernel log (WGB_LOG_KERNEL) or to NFLOG group log_group */
	uint8_t log;
	uint16_t log_group;
	unsigned line;
};

struct wgb_egress {
	char name[WGB_NAME_MAX + 1];
	struct prefix_list source;
	struct prefix_list destination;	/* default 0.0.0.0/0, ::/0 */
	struct prefix_list deny;	/* default 169.254.0.0/16, 100.100.100.200/32,
					 * fe80::/10, fd00:ec2::254/128 */
	char interface[IFNAMSIZ];	/* "" = any uplink */
	bool masquerade;		/* default yes */
	unsigned line;
};

/* The far side (SPEC §6). [Return NAME]: new connections that arrive
 * through the tunnel to destination are answered through it. */
struct wgb_return {
	char name[WGB_NAME_MAX + 1];
	struct prefix_list destination;	/* default 0.0.0.0/0, ::/0 */
	unsigned line;
};

/* [Exit NAME]: new connections from source to destination (not from the
 * tunnel) leave by the tunnel unless the main table has a more specific
 * route for them than its default. */
struct wgb_exit {
	char name[WGB_NAME_MAX + 1];
	struct prefix_list source;
	struct prefix_list destination;	/* default 0.0.0.0/0, ::/0 */
	unsigned line;
};

struct wgb_bastion {
	uint32_t table;
	uint32_t mark, mark_mask;	/* only mark_mask bits are written */
	uint32_t priority;
	uint32_t ct_ingress, ct_egress;	/* one bit each */
	uint32_t ct_return, ct_exit;	/* the far side's, tagged alike */
	/* [Exit]'s routing mark (one or more bits, outside mark_mask); its
	 * rules sit at priority - 10 (main, suppress_prefixlength 0) and
	 * priority - 9 (Table). 0 when the config has no [Exit]. */
	uint32_t exit_mark;
};

#define CONFIG_INPUT_LEN 32

struct wgb_config {
	char *path;		/* as given, for messages */
	struct wgb_interface iface;
	struct wgb_peer *peers;
	size_t n_peers;
	struct wgb_forward *forwards;
	size_t n_forwards;
	struct wgb_egress *egresses;
	size_t n_egresses;
	struct wgb_return *returns;
	size_t n_returns;
	struct wgb_exit *exits;
	size_t n_exits;
	struct wgb_bastion bastion;
	/* the default Allow of a forward without Allow or AllowFile: everyone
	 * of its destination's family, [0] IPv4 and [1] IPv6 (allow_shared) */
	struct prefix allow_everyone[2];
	bool uses_ipv6;		/* any IPv6 forward, egress source or peer route */
	/* config_load_input: the config told by its files' identities, not
	 * their contents (config_input.c): taken when each file changed long
	 * enough ago and reading the config said no warning */
	bool has_stamp;
	uint8_t stamp[CONFIG_INPUT_LEN];
	/* with a stamp: the index for the next run to read only what is not
	 * [Forward]s (config.h's config_index_parse), NULL without */
	char *index;
	/* config_load_known: the [Forward] sections were skipped, not read
	 * (forwards is empty; n_elided says how many there are). Only a
	 * stage's own record of the kernel may stand in for them (exec.c). */
	bool elided;
	size_t n_elided;
	/* config_drop_forwards: the forwards built and let go (forwards is
	 * empty; n_dropped says how many there were) */
	size_t n_dropped;
};

/* An empty list is a NULL array: NULL + 0 is undefined in C (UBSan says
 * so), hence the test before the end is computed. */
#define for_each_peer(cfg, p) \
	for ((p) = (cfg)->peers; (p) && (p) < (cfg)->peers + (cfg)->n_peers; ++(p))
#define for_each_forward(cfg, f) \
	for ((f) = (cfg)->forwards; (f) && (f) < (cfg)->forwards + (cfg)->n_forwards; ++(f))
#define for_each_egress(cfg, e) \
	for ((e) = (cfg)->egresses; (e) && (e) < (cfg)->egresses + (cfg)->n_egresses; ++(e))
#define for_each_return(cfg, r) \
	for ((r) = (cfg)->returns; (r) && (r) < (cfg)->returns + (cfg)->n_returns; ++(r))
#define for_each_exit(cfg, x) \
	for ((x) = (cfg)->exits; (x) && (x) < (cfg)->exits + (cfg)->n_exits; ++(x))

/* Frees everything and wipes key material. NULL-tolerant. */
void config_free(struct wgb_config *cfg);
/* Frees the forwards once the stages have built from them (apply: at
 * 10,000 forwards, 1.5 MB that the table's read and comparison reuse);
 * the rest of the config stays. */
void config_drop_forwards(struct wgb_config *cfg);

#endif
