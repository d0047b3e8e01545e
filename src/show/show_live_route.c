// SPDX-License-Identifier: GPL-2.0-only
/* show: ip rules, routes (route_state.h) and sysctls (sysctl.h) into the
 * view. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "route/route_state.h"
#include "show_live.h"
#include "sysctl/sysctl.h"

static int live_route(struct show_view *v, const struct route_state *st)
{
	char buf[256];
	size_t k;

	if (!st)
		return 0;
	v->rules = calloc(st->n_rules + 1, sizeof(*v->rules));
	v->routes = calloc(st->n_routes + 1, sizeof(*v->routes));
	if (!v->rules || !v->routes)
		return -ENOMEM;
	for (k = 0; k < st->n_rules; ++k) {
		route_rule_format(&st->rules[k], buf, sizeof(buf));
		v->rules[k].text = strdup(buf);
		if (!v->rules[k].text)
			return -ENOMEM;
		v->n_rules++;
		v->rules[k].ours = st->rules[k].protocol == WGB_RTPROT;
		v->rules[k].family = st->rules[k].family;
	}
	for (k = 0; k < st->n_routes; ++k) {
		route_route_format(&st->routes[k], buf, sizeof(buf));
		v->routes[k].text = strdup(buf);
		if (!v->routes[k].text)
			return -ENOMEM;
		v->n_routes++;
		v->routes[k].ours = route_is_ours(&st->routes[k]);
		v->routes[k].family = st->routes[k].family;
	}
	return 0;
}

/*
 * The sysctl stage reads more than it may change (every uplink's accept_ra,
 * in case IPv6 is forwarded). Show what matters: what the config wants,
 * and whatever apply changed (flush restores those); without a config,
 * forwarding and the changed ones.
 */
static bool sysctl_shown(const struct sysctl_entry *s, const struct sysctl_state *want)
{
	const struct sysctl_entry *w;

	if (s->rec == SYSCTL_REC_SET)
		return true;
	if (!want)
		return !strcmp(s->path, "net/ipv4/ip_forward");
	w = sysctl_state_find(want, s->path);
	return w && w->present;
}

static int live_sysctl(struct show_view *v, const struct sysctl_state *st,
		       const struct sysctl_state *want)
{
	size_t k;

	if (!st)
		return 0;
	v->sysctls = calloc(st->n + 1, sizeof(*v->sysctls));
	if (!v->sysctls)
		return -ENOMEM;
	for (k = 0; k < st->n; ++k) {
		const struct sysctl_entry *s = &st->v[k];
		struct show_sysctl *o;

		if (!sysctl_shown(s, want))
			continue;
		o = &v->sysctls[v->n_sysctls++];
		sysctl_name(s->path, o->name, sizeof(o->name));
		o->present = s->present;
		o->value = s->value;
		o->has_orig = s->rec == SYSCTL_REC_SET;
		o->orig = s->orig;
	}
	return 0;
}

int show_live_route(struct show_view *v, const void *route, const void *sysctl,
		    const void *sysctl_want)
{
	int ret = live_route(v, route);

	return ret ? ret : live_sysctl(v, sysctl, sysctl_want);
}
