/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * wgbastion show: what is live, and whether it matches the config.
 *
 * show_collect.c reads every stage (and the config, when it loads) into one
 * plain "view"; show_text.c prints it for people, show_json.c as one JSON
 * document (docs/json.md), show_prom.c as Prometheus metrics
 * (docs/prometheus.md). Keeping the view separate means the outputs always
 * say the same thing, and none knows the stages' state types.
 *
 * The view holds no secret: only public keys, and whether a preshared key
 * is set.
 */
#ifndef WGB_SHOW_VIEW_H
#define WGB_SHOW_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "config/model.h"
#include "core/instance.h"
#include "core/plan.h"
#include "lib/warn.h"

struct show_counter {
	bool present;		/* the named counter exists in the live table */
	uint64_t packets, bytes;
};

struct show_peer {
	char public_key[WG_KEY_B64_LEN + 1];
	char endpoint[64];		/* "" when none */
	char *allowed_ips;		/* "10.0.0.0/24, ::/0", never NULL */
	uint16_t keepalive;		/* 0 = off */
	int64_t last_handshake;		/* unix seconds, 0 = never */
	uint64_t rx_bytes, tx_bytes;
	bool has_preshared_key;		/* only whether: never the key */
};

struct show_iface {
	bool exists;
	char name[IFNAMSIZ];
	const char *backend;		/* "kernel", "userspace" */
	char userspace_prog[64];	/* userspace: the serving program */
	pid_t userspace_pid;
	bool has_public_key;
	char public_key[WG_KEY_B64_LEN + 1];
	uint16_t listen_port;
	uint32_t fwmark, mtu;
	bool up;
	char *addresses;		/* "10.100.0.1/24, fd10::1/64" */
	struct show_peer *peers;
	size_t n_peers;
};

/* A forward or an egress: its rule in one line and its own counter. */
struct show_item {
	char name[WGB_NAME_MAX + 1];
	char *rule;		/* "tcp 443 -> 192.168.1.10:8443  allow 0.0.0.0/0" */
	struct show_counter counter;
	struct show_counter limit_dropped;	/* forward: RateLimit/ConnLimit drops */
	int64_t connections;	/* tracked connections now, -1 unknown */
	int64_t unanswered;	/* forward: of those, never saw a reply, -1 unknown */
	/* forward only, for JSON consumers */
	unsigned protocols;
	uint16_t port_lo, port_hi;
	char destination[64];	/* "192.168.1.10:8443", "[fd00::1]" */
};

struct show_entry {		/* an ip rule or route */
	char *text;		/* as route_*_format prints it */
	bool ours;		/* tagged with our route protocol */
	uint8_t family;
};

struct show_sysctl {
	char name[96];		/* dotted, as sysctl(8) names it */
	bool present;
	int value;
	bool has_orig;		/* apply changed it; flush restores orig */
	int orig;
};

struct show_view {
	/* the config */
	char *config_path;
	char *config_error;	/* NULL when it loaded */
	bool instance_from_record;	/* identity from the run directory */
	bool instance_guessed;		/* neither config nor record: defaults */
	struct instance in;

	struct show_iface iface;
	bool nft_table;			/* inet wgbastion-NAME exists */
	struct show_item *forwards;
	size_t n_forwards;
	struct show_item *egresses;
	size_t n_egresses;
	/* the far side's (SPEC §6), from the config; their counters count
	 * the packets that opened a connection */
	struct show_item *returns, *exits;
	size_t n_returns, n_exits;
	struct show_counter dropped;
	struct show_entry *rules, *routes;
	size_t n_rules, n_routes;
	struct show_sysctl *sysctls;
	size_t n_sysctls;

	/* the verdict: valid only when the config loaded */
	bool verdict_known;
	struct plan plan;
	char *read_error;		/* a stage could not be read */
	struct warnings warnings;	/* every warning said while collecting */
	int64_t now;			/* unix seconds at collection */
};

/* What a forward's unanswered connections usually mean (text and JSON). */
extern const char show_unanswered_meaning[];

int show_collect(struct show_view *v, const char *config_path);
void show_view_free(struct show_view *v);

void show_text(const struct show_view *v, FILE *f, bool colour);
int show_json(const struct show_view *v, FILE *f);
int show_prom(const struct show_view *v, FILE *f);

#endif
