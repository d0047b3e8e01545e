// SPDX-License-Identifier: GPL-2.0-only
/*
 * show: from the stages' state types to the view of show.h, one file per
 * backend (show_live_wg.c, show_live_nft.c, show_live_route.c); here what
 * they share: finding a stage's live state, and the config's forwards and
 * egresses as one-line text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show_live.h"

const void *run_live(const struct run *r, const struct stage *st)
{
	size_t i;

	for (i = 0; r && i < r->n; ++i)
		if (r->s[i].st == st)
			return r->s[i].old;
	return NULL;
}

const void *run_want(const struct run *r, const struct stage *st)
{
	size_t i;

	for (i = 0; r && i < r->n; ++i)
		if (r->s[i].st == st)
			return r->s[i].want;
	return NULL;
}

void show_prefix(char *buf, size_t len, const struct prefix *p)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr.bytes, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, p->len);
}

char *show_prefix_list(const struct prefix_list *l)
{
	size_t i, off = 0, cap = l->n * (INET6_ADDRSTRLEN + 6) + 1;
	char *s = malloc(cap), one[INET6_ADDRSTRLEN + 6];

	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < l->n; ++i) {
		show_prefix(one, sizeof(one), &l->v[i]);
		off += snprintf(s + off, cap - off, "%s%s", i ? ", " : "", one);
	}
	return s;
}

void show_forward_destination(char *buf, size_t len, const struct wgb_forward *f)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(f->family, f->dst.bytes, a, sizeof(a));
	if (f->dst_port)
		snprintf(buf, len, f->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, f->dst_port);
	else
		snprintf(buf, len, f->family == AF_INET6 ? "[%s]" : "%s", a);
}

char *show_forward_rule(const struct wgb_forward *f)
{
	char dst[INET6_ADDRSTRLEN + 8], port[16], *allow, *s = NULL;
	const char *proto = f->protocols == (PROTO_TCP | PROTO_UDP) ? "tcp,udp" :
			    f->protocols & PROTO_UDP ? "udp" : "tcp";

	allow = show_prefix_list(&f->allow);
	if (!allow)
		return NULL;
	show_forward_destination(dst, sizeof(dst), f);
	if (f->port_lo == f->port_hi)
		snprintf(port, sizeof(port), "%u", f->port_lo);
	else
		snprintf(port, sizeof(port), "%u-%u", f->port_lo, f->port_hi);
	if (asprintf(&s, "%s %s -> %s%s  allow %s%s%s", proto, port, dst,
		     !f->dst_port && f->port_lo != f->port_hi ? " (ports kept)" : "",
		     allow, f->masquerade ? "  masquerade" : "",
		     f->shadow ? "  shadow" : "") < 0)
		s = NULL;
	free(allow);
	return s;
}

char *show_egress_rule(const struct wgb_egress *e)
{
	char *src = show_prefix_list(&e->source), *dst = show_prefix_list(&e->destination);
	char *deny = show_prefix_list(&e->deny), *s = NULL;

	if (src && dst && deny &&
	    asprintf(&s, "%s -> %s%s%s%s%s%s", src, dst, e->deny.n ? " except " : "", deny,
		     e->interface[0] ? "  via " : "", e->interface,
		     e->masquerade ? "  masquerade" : "") < 0)
		s = NULL;
	free(src);
	free(dst);
	free(deny);
	return s;
}

int show_live(struct show_view *v, const struct wgb_config *cfg, const struct run *r)
{
	int ret;

	ret = show_live_wg(v, run_live(r, &stage_wg));
	if (!ret)
		ret = show_live_nft(v, cfg, run_live(r, &stage_nft));
	if (!ret)
		ret = show_live_route(v, run_live(r, &stage_route), run_live(r, &stage_sysctl),
				      run_want(r, &stage_sysctl));
	return ret;
}
