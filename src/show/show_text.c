// SPDX-License-Identifier: GPL-2.0-only
/*
 * show: the view as text for the operator at 2 a.m. (show_json.c has the
 * same view as one JSON document).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/human.h"
#include "show_view.h"

/* Terminal colours as wg(8) uses them; off when not a tty or NO_COLOR. */
struct pen {
	const char *bold, *green, *yellow, *red, *cyan, *dim, *off;
};

static const struct pen plain = { "", "", "", "", "", "", "" };
static const struct pen colour = {
	"\033[1m", "\033[1;32m", "\033[1;33m", "\033[1;31m", "\033[36m", "\033[2m", "\033[0m",
};

static void counter_text(char *buf, size_t len, const struct show_counter *c,
			 int64_t conns)
{
	char b[32];
	int n = 0;

	if (!c->present) {
		snprintf(buf, len, "no counter");
		return;
	}
	human_bytes(b, sizeof(b), c->bytes);
	if (conns >= 0)
		n = snprintf(buf, len, "%lld conn%s / ", (long long)conns, conns == 1 ? "" : "s");
	snprintf(buf + n, len - n, "%llu packets, %s", (unsigned long long)c->packets, b);
}

static void print_iface(const struct show_view *v, FILE *f, const struct pen *p)
{
	const struct show_iface *i = &v->iface;
	char b[160];
	size_t k;

	if (!i->exists) {
		fprintf(f, "%sinterface%s: %s%s%s  %snot present%s\n", p->green, p->off,
			p->green, v->in.name, p->off, p->red, p->off);
		return;
	}
	fprintf(f, "%sinterface%s: %s%s%s (%s", p->green, p->off, p->green, i->name,
		p->off, i->backend);
	if (i->userspace_prog[0])
		fprintf(f, ": %s, pid %d", i->userspace_prog, (int)i->userspace_pid);
	fprintf(f, ")%s\n", i->up ? "" : "  down");
	if (i->has_public_key)
		fprintf(f, "  %spublic key%s: %s\n", p->bold, p->off, i->public_key);
	fprintf(f, "  %slistening port%s: %u\n", p->bold, p->off, i->listen_port);
	if (i->fwmark)
		fprintf(f, "  %sfwmark%s: 0x%x\n", p->bold, p->off, i->fwmark);
	fprintf(f, "  %smtu%s: %u\n", p->bold, p->off, i->mtu);
	if (i->addresses[0])
		fprintf(f, "  %saddresses%s: %s\n", p->bold, p->off, i->addresses);

	for (k = 0; k < i->n_peers; ++k) {
		const struct show_peer *pe = &i->peers[k];

		fprintf(f, "\n%speer%s: %s%s%s\n", p->yellow, p->off, p->yellow, pe->public_key, p->off);
		if (pe->has_preshared_key)
			fprintf(f, "  %spreshared key%s: (hidden)\n", p->bold, p->off);
		if (pe->endpoint[0])
			fprintf(f, "  %sendpoint%s: %s\n", p->bold, p->off, pe->endpoint);
		fprintf(f, "  %sallowed ips%s: %s\n", p->bold, p->off,
			pe->allowed_ips[0] ? pe->allowed_ips : "(none)");
		if (pe->last_handshake) {
			human_duration(b, sizeof(b), v->now - pe->last_handshake);
			fprintf(f, "  %slatest handshake%s: %s ago\n", p->bold, p->off, b);
		} else {
			fprintf(f, "  %slatest handshake%s: %snever%s\n", p->bold, p->off,
				p->red, p->off);
		}
		if (pe->rx_bytes || pe->tx_bytes) {
			char rx[32], tx[32];

			human_bytes(rx, sizeof(rx), pe->rx_bytes);
			human_bytes(tx, sizeof(tx), pe->tx_bytes);
			fprintf(f, "  %stransfer%s: %s received, %s sent\n", p->bold, p->off, rx, tx);
		}
		if (pe->keepalive)
			fprintf(f, "  %spersistent keepalive%s: every %u seconds\n", p->bold, p->off,
				pe->keepalive);
	}
}

static void print_items(FILE *f, const struct pen *p, const char *title,
			const struct show_item *it, size_t n)
{
	char c[160];
	size_t k;
	int w = 0;

	if (!n)
		return;
	for (k = 0; k < n; ++k)
		if ((int)strlen(it[k].name) > w)
			w = strlen(it[k].name);
	fprintf(f, "\n%s%s%s:\n", p->green, title, p->off);
	for (k = 0; k < n; ++k) {
		counter_text(c, sizeof(c), &it[k].counter, it[k].connections);
		if (it[k].limit_dropped.present)
			snprintf(c + strlen(c), sizeof(c) - strlen(c), ", limited %llu packets",
				 (unsigned long long)it[k].limit_dropped.packets);
		fprintf(f, "  %s%-*s%s  %s  %s%s%s\n", p->bold, w, it[k].name, p->off, it[k].rule,
			it[k].counter.present ? p->cyan : p->red, c, p->off);
	}
}

/* SPEC §6: the forwards whose far side does not answer, and why it may be. */
static void print_unanswered(FILE *f, const struct pen *p, const struct show_item *it, size_t n)
{
	bool any = false;
	size_t k;

	for (k = 0; k < n; ++k) {
		if (it[k].unanswered <= 0)
			continue;
		if (!any)
			fprintf(f, "\n%sno reply%s (tracked now, i.e. in the last 2 minutes):\n",
				p->red, p->off);
		any = true;
		fprintf(f, "  %s%s%s: %lld connection%s to %s never saw a reply\n", p->bold,
			it[k].name, p->off, (long long)it[k].unanswered,
			it[k].unanswered == 1 ? "" : "s",
			it[k].destination[0] ? it[k].destination : "its destination");
	}
	if (any)
		fprintf(f, "  %s%s%s\n", p->dim, show_unanswered_meaning, p->off);
}

void show_text(const struct show_view *v, FILE *f, bool col)
{
	const struct pen *p = col ? &colour : &plain;
	char c[96];
	size_t k;

	print_iface(v, f, p);
	if (!v->nft_table)
		fprintf(f, "\n%stable inet wgbastion-%s%s: %snot present%s\n", p->green,
			v->in.name, p->off, p->red, p->off);
	print_items(f, p, "forwards", v->forwards, v->n_forwards);
	print_unanswered(f, p, v->forwards, v->n_forwards);
	print_items(f, p, "egress", v->egresses, v->n_egresses);
	print_items(f, p, "returns (counted: the packets that opened a connection)",
		    v->returns, v->n_returns);
	print_items(f, p, "exits (counted: the packets that opened a connection)",
		    v->exits, v->n_exits);
	if (v->dropped.present) {
		counter_text(c, sizeof(c), &v->dropped, -1);
		fprintf(f, "\n%sdropped%s (into or out of the tunnel, allowed by nothing): %s\n",
			p->green, p->off, c);
	}

	if (v->n_rules || v->n_routes) {
		fprintf(f, "\n%srouting%s:\n", p->green, p->off);
		for (k = 0; k < v->n_rules; ++k)
			fprintf(f, "  rule   %s%s\n", v->rules[k].text, v->rules[k].ours ? "" : "  (foreign)");
		for (k = 0; k < v->n_routes; ++k)
			fprintf(f, "  route  %s%s\n", v->routes[k].text, v->routes[k].ours ? "" : "  (foreign)");
	}
	if (v->n_sysctls) {
		fprintf(f, "\n%ssysctls%s:\n", p->green, p->off);
		for (k = 0; k < v->n_sysctls; ++k) {
			const struct show_sysctl *s = &v->sysctls[k];

			if (!s->present)
				fprintf(f, "  %s: not present\n", s->name);
			else if (s->has_orig && s->orig != s->value)
				fprintf(f, "  %s = %d %s(was %d; flush restores it)%s\n", s->name, s->value,
					p->dim, s->orig, p->off);
			else
				fprintf(f, "  %s = %d\n", s->name, s->value);
		}
	}

	fputc('\n', f);
	if (v->config_error) {
		fprintf(f, "%sconfig%s %s: %sINVALID%s: %s\n", p->bold, p->off, v->config_path,
			p->red, p->off, v->config_error);
		if (v->instance_from_record)
			fprintf(f, "  (instance %s as recorded by its last apply; no comparison possible)\n",
				v->in.name);
		else if (v->instance_guessed)
			fprintf(f, "  (no apply recorded for this config: showing the default instance %s)\n",
				v->in.name);
	} else if (v->read_error) {
		fprintf(f, "%sconfig%s %s: %sunknown%s: %s\n", p->bold, p->off, v->config_path,
			p->red, p->off, v->read_error);
	} else if (!v->plan.n) {
		fprintf(f, "%sconfig%s %s: %sin sync%s\n", p->bold, p->off, v->config_path,
			p->green, p->off);
	} else {
		fprintf(f, "%sconfig%s %s: %s%zu difference%s%s (apply would make these changes):\n",
			p->bold, p->off, v->config_path, p->red, v->plan.n,
			v->plan.n == 1 ? "" : "s", p->off);
		for (k = 0; k < v->plan.n; ++k)
			fprintf(f, "  %s%c %s%s\n", v->plan.v[k].op == '+' ? p->green :
				v->plan.v[k].op == '-' ? p->red : p->yellow,
				v->plan.v[k].op, v->plan.v[k].text, p->off);
	}
}
