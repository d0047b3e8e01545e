// SPDX-License-Identifier: GPL-2.0-only
/*
 * show --prometheus: the view of show_view.h in the Prometheus text
 * exposition format 0.0.4, for node_exporter's textfile collector
 * (docs/prometheus.md lists the metrics).
 *
 * Every series carries instance="<interface>"; a peer's adds its public
 * key, a forward's or egress's its section name. A family's HELP and TYPE
 * come right before its first sample and all its samples follow together;
 * a family with no sample (no forwards, a counter missing from the table)
 * is left out, as Prometheus expects of a series that does not exist.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "show_view.h"

struct prom {
	FILE *f;
	const char *instance;
	/* the family whose header is owed before its first sample */
	const char *name, *type, *help, *kind;
	char full[96];
};

/* Label values escape backslash, double quote and newline (0.0.4). */
static void label_value(FILE *f, const char *s)
{
	for (; *s; ++s) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* Start a family: "wgbastion_<kind>_<name>" (kind NULL: "wgbastion_<name>").
 * help may hold one %s, the kind. */
static void family(struct prom *p, const char *kind, const char *name,
		   const char *type, const char *help)
{
	if (kind)
		snprintf(p->full, sizeof(p->full), "wgbastion_%s_%s", kind, name);
	else
		snprintf(p->full, sizeof(p->full), "wgbastion_%s", name);
	p->name = p->full;
	p->type = type;
	p->help = help;
	p->kind = kind;
}

/* One sample of the current family; key NULL: the instance label only. */
static void sample(struct prom *p, const char *key, const char *val, uint64_t x)
{
	if (p->help) {
		const char *at = strstr(p->help, "%s");

		/* the help text names the kind where it says %s */
		fprintf(p->f, "# HELP %s %.*s%s%s\n# TYPE %s %s\n", p->name,
			at ? (int)(at - p->help) : (int)strlen(p->help), p->help,
			at && p->kind ? p->kind : "", at ? at + 2 : "", p->name, p->type);
		p->help = NULL;
	}
	fprintf(p->f, "%s{instance=\"", p->name);
	label_value(p->f, p->instance);
	if (key) {
		fprintf(p->f, "\",%s=\"", key);
		label_value(p->f, val);
	}
	fprintf(p->f, "\"} %" PRIu64 "\n", x);
}

static void instance_families(struct prom *p, const struct show_view *v)
{
	family(p, NULL, "up", "gauge",
	       "1 when the instance is applied: its WireGuard interface and nftables table exist.");
	sample(p, NULL, NULL, v->iface.exists && v->nft_table);
	family(p, NULL, "config_valid", "gauge", "1 when the config file loaded.");
	sample(p, NULL, NULL, !v->config_error);
	family(p, NULL, "read_ok", "gauge", "1 when every part of the live state could be read.");
	sample(p, NULL, NULL, !v->read_error);
	family(p, NULL, "verdict_known", "gauge",
	       "1 when the live state could be compared with the config.");
	sample(p, NULL, NULL, v->verdict_known);
	family(p, NULL, "in_sync", "gauge",
	       "1 when the live state matches the config (0 when unknown).");
	sample(p, NULL, NULL, v->verdict_known && v->plan.n == 0);
	family(p, NULL, "differences", "gauge",
	       "Changes apply would make (only when the verdict is known).");
	if (v->verdict_known)
		sample(p, NULL, NULL, v->plan.n);
	family(p, NULL, "warnings", "gauge", "Warnings said while reading the state.");
	sample(p, NULL, NULL, v->warnings.n);
	family(p, NULL, "peers", "gauge", "Peers configured on the WireGuard interface.");
	sample(p, NULL, NULL, v->iface.n_peers);
	family(p, NULL, "dropped_packets_total", "counter",
	       "Packets into or out of the tunnel that nothing allowed.");
	if (v->dropped.present)
		sample(p, NULL, NULL, v->dropped.packets);
	family(p, NULL, "dropped_bytes_total", "counter",
	       "Bytes into or out of the tunnel that nothing allowed.");
	if (v->dropped.present)
		sample(p, NULL, NULL, v->dropped.bytes);
}

enum peer_field { P_HANDSHAKE, P_RX, P_TX };

static void peer_family(struct prom *p, const struct show_view *v, enum peer_field fld)
{
	const struct show_peer *pe;
	uint64_t x;
	size_t k;

	for (k = 0; k < v->iface.n_peers; ++k) {
		pe = &v->iface.peers[k];
		x = fld == P_HANDSHAKE ? (uint64_t)(pe->last_handshake > 0 ? pe->last_handshake : 0) :
		    fld == P_RX ? pe->rx_bytes : pe->tx_bytes;
		sample(p, "peer", pe->public_key, x);
	}
}

static void peer_families(struct prom *p, const struct show_view *v)
{
	family(p, NULL, "peer_latest_handshake_timestamp_seconds", "gauge",
	       "Unix time of the peer's latest handshake, 0 when never.");
	peer_family(p, v, P_HANDSHAKE);
	family(p, NULL, "peer_receive_bytes_total", "counter", "Bytes received from the peer.");
	peer_family(p, v, P_RX);
	family(p, NULL, "peer_transmit_bytes_total", "counter", "Bytes sent to the peer.");
	peer_family(p, v, P_TX);
}

enum item_field {
	I_PACKETS, I_BYTES, I_LIMIT_PACKETS, I_LIMIT_BYTES, I_CONNS, I_UNANSWERED, I_NO_REPLY,
};

/* The value of one field of an item; false when it does not exist. */
static bool item_value(const struct show_item *it, enum item_field fld, uint64_t *x)
{
	switch (fld) {
	case I_PACKETS:
		*x = it->counter.packets;
		return it->counter.present;
	case I_BYTES:
		*x = it->counter.bytes;
		return it->counter.present;
	case I_LIMIT_PACKETS:
		*x = it->limit_dropped.packets;
		return it->limit_dropped.present;
	case I_LIMIT_BYTES:
		*x = it->limit_dropped.bytes;
		return it->limit_dropped.present;
	case I_CONNS:
		*x = (uint64_t)it->connections;
		return it->connections >= 0;
	case I_UNANSWERED:
		*x = (uint64_t)it->unanswered;
		return it->unanswered >= 0;
	case I_NO_REPLY:
		*x = it->unanswered > 0;
		return it->unanswered >= 0;
	}
	return false;
}

static const struct item_family {
	const char *name, *type;
	enum item_field fld;
	bool forward_only;
	const char *help;
} item_families[] = {
	{ "packets_total", "counter", I_PACKETS, false, "Packets counted by the %s's rule." },
	{ "bytes_total", "counter", I_BYTES, false, "Bytes counted by the %s's rule." },
	{ "limit_dropped_packets_total", "counter", I_LIMIT_PACKETS, true,
	  "Packets the %s's RateLimit or ConnLimit dropped." },
	{ "limit_dropped_bytes_total", "counter", I_LIMIT_BYTES, true,
	  "Bytes the %s's RateLimit or ConnLimit dropped." },
	{ "connections", "gauge", I_CONNS, false, "Connections of the %s tracked now." },
	{ "unanswered_connections", "gauge", I_UNANSWERED, true,
	  "Tracked connections of the %s that never saw a reply." },
	{ "no_reply", "gauge", I_NO_REPLY, true,
	  "1 when a tracked connection of the %s never saw a reply (see docs/far-side.md)." },
};

static void item_families_print(struct prom *p, const char *kind,
				const struct show_item *it, size_t n)
{
	bool forward = !strcmp(kind, "forward");
	size_t f, k;
	uint64_t x;

	for (f = 0; f < sizeof(item_families) / sizeof(item_families[0]); ++f) {
		const struct item_family *fam = &item_families[f];

		if (fam->forward_only && !forward)
			continue;
		family(p, kind, fam->name, fam->type, fam->help);
		for (k = 0; k < n; ++k)
			if (item_value(&it[k], fam->fld, &x))
				sample(p, kind, it[k].name, x);
	}
}

int show_prom(const struct show_view *v, FILE *f)
{
	struct prom p = { .f = f, .instance = v->in.name };

	instance_families(&p, v);
	peer_families(&p, v);
	item_families_print(&p, "forward", v->forwards, v->n_forwards);
	item_families_print(&p, "egress", v->egresses, v->n_egresses);
	item_families_print(&p, "return", v->returns, v->n_returns);
	item_families_print(&p, "exit", v->exits, v->n_exits);
	return ferror(f) ? -EIO : 0;
}
