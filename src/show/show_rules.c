// SPDX-License-Identifier: GPL-2.0-only
/*
 * show: the config's forwards and egresses as one-line text, as show
 * prints their rules.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hostport.h"
#include "show_live.h"

void show_forward_destination(char *buf, size_t len, const struct wgb_forward *f)
{
	hostport_fmt(buf, len, f->family, f->dst.bytes, f->dst_port);
}

char *show_forward_rule(const struct wgb_forward *f)
{
	char dst[PREFIX_STRLEN + 8], port[16], limits[64], *allow, *s = NULL;
	const char *proto = f->protocols == (PROTO_TCP | PROTO_UDP) ? "tcp,udp" :
			    f->protocols & PROTO_UDP ? "udp" : "tcp";

	allow = prefix_list_fmt(&f->allow);
	if (!allow)
		return NULL;
	show_forward_destination(dst, sizeof(dst), f);
	if (f->port_lo == f->port_hi)
		snprintf(port, sizeof(port), "%u", f->port_lo);
	else
		snprintf(port, sizeof(port), "%u-%u", f->port_lo, f->port_hi);
	limits[0] = '\0';
	if (f->rate)
		snprintf(limits, sizeof(limits), "  ratelimit %u/%s", f->rate,
			 f->rate_unit == 60 ? "minute" : "second");
	if (f->conn_limit)
		snprintf(limits + strlen(limits), sizeof(limits) - strlen(limits),
			 "  connlimit %u", f->conn_limit);
	if (f->log == WGB_LOG_KERNEL)
		snprintf(limits + strlen(limits), sizeof(limits) - strlen(limits), "  log");
	else if (f->log == WGB_LOG_NFLOG)
		snprintf(limits + strlen(limits), sizeof(limits) - strlen(limits),
			 "  log nflog:%u", f->log_group);
	if (f->allow_file) {
		char *a;

		/* the file alone says who: no "allow" part */
		if (asprintf(&a, "%s%sallowfile %s (%zu prefix%s)", f->allow.n ? allow : "",
			     f->allow.n ? "  " : "", f->allow_file, f->allow_file_list.n,
			     f->allow_file_list.n == 1 ? "" : "es") < 0) {
			free(allow);
			return NULL;
		}
		free(allow);
		allow = a;
	}
	if (asprintf(&s, "%s %s -> %s%s  %s%s%s%s%s", proto, port, dst,
		     !f->dst_port && f->port_lo != f->port_hi ? " (ports kept)" : "",
		     f->allow.n || !f->allow_file ? "allow " : "",
		     allow, f->masquerade ? "  masquerade" : "",
		     f->shadow ? "  shadow" : "", limits) < 0)
		s = NULL;
	free(allow);
	return s;
}

char *show_egress_rule(const struct wgb_egress *e)
{
	char *src = prefix_list_fmt(&e->source), *dst = prefix_list_fmt(&e->destination);
	char *deny = prefix_list_fmt(&e->deny), *s = NULL;

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

char *show_return_rule(const struct wgb_return *r)
{
	char *dst = prefix_list_fmt(&r->destination), *s = NULL;

	if (dst && asprintf(&s, "from the tunnel to %s: answered through it", dst) < 0)
		s = NULL;
	free(dst);
	return s;
}

char *show_exit_rule(const struct wgb_exit *x)
{
	char *src = prefix_list_fmt(&x->source), *dst = prefix_list_fmt(&x->destination);
	char *s = NULL;

	if (src && dst && asprintf(&s, "%s -> %s through the tunnel", src, dst) < 0)
		s = NULL;
	free(src);
	free(dst);
	return s;
}
