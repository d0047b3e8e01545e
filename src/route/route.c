// SPDX-License-Identifier: GPL-2.0-only
/*
 * The route stage (core/stage.h): read, build, diff and sync the fwmark
 * rules and the tunnel's default routes. The netlink work is in route_nl.c,
 * the state type in route_state.c.
 *
 * Sync order: removals first, the rule before its route (a rule pointing
 * at an emptied table would send marked packets on through the main
 * table); then additions, the route before the rule, for the same reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fault.h"
#include "lib/warn.h"
#include "route.h"
#include "route_nl.h"

/* --- the stage --------------------------------------------------------------- */

static int route_read(const struct instance *in, void **state, struct wgb_err *e)
{
	struct nlroute c;
	struct route_state *s;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(e, -ENOMEM, "route: out of memory");
	ret = nlroute_open(&c, true, e);
	if (!ret) {
		ret = route_nl_read(&c, in, s, e);
		nlroute_close(&c);
	}
	if (ret < 0) {
		route_state_free(s);
		return ret;
	}
	*state = s;
	return 0;
}

static int route_build(const struct instance *in, const struct wgb_config *cfg,
		       void **state, struct wgb_err *e)
{
	struct route_state *s = NULL;
	int ret;

	ret = route_state_build(in, cfg, &s);
	if (ret < 0)
		return err_set(e, ret, "route: out of memory");
	*state = s;
	return 0;
}

/*
 * '-' for each of ours in 'from' not in 'to', '+' for the reverse. When one
 * rule (or route) of a family goes and one comes, that reads better as a
 * change: "~ rule <old> -> <new>". Foreign routes are never changes; they
 * are reported, since they share the table the tunnel's traffic uses.
 */
static int diff_rules(const struct route_state *f, const struct route_state *t,
		      uint8_t family, struct plan *p)
{
	const struct route_rule *gone = NULL, *come = NULL;
	int n_gone = 0, n_come = 0, ret = 0;
	char a[128], b[128];
	size_t i;

	for (i = 0; i < f->n_rules; ++i)
		if (f->rules[i].family == family && !route_state_find_rule(t, &f->rules[i]))
			gone = &f->rules[i], n_gone++;
	for (i = 0; i < t->n_rules; ++i)
		if (t->rules[i].family == family && !route_state_find_rule(f, &t->rules[i]))
			come = &t->rules[i], n_come++;
	if (n_gone == 1 && n_come == 1) {
		route_rule_format(gone, a, sizeof(a));
		route_rule_format(come, b, sizeof(b));
		*strrchr(a, '(') = '\0';	/* one "(ipv4)" at the end is enough */
		return plan_add(p, '~', "rule %s-> %s", a, b) < 0 ? -ENOMEM : 1;
	}
	for (i = 0; !ret && i < f->n_rules; ++i) {
		if (f->rules[i].family != family || route_state_find_rule(t, &f->rules[i]))
			continue;
		route_rule_format(&f->rules[i], a, sizeof(a));
		ret = plan_add(p, '-', "rule %s", a);
	}
	for (i = 0; !ret && i < t->n_rules; ++i) {
		if (t->rules[i].family != family || route_state_find_rule(f, &t->rules[i]))
			continue;
		route_rule_format(&t->rules[i], a, sizeof(a));
		ret = plan_add(p, '+', "rule %s", a);
	}
	return ret < 0 ? -ENOMEM : n_gone + n_come;
}

static bool ours_gone(const struct route_state *f, const struct route_state *t, size_t i)
{
	return route_is_ours(&f->routes[i]) && !route_state_find_route(t, &f->routes[i]);
}

static int diff_routes(const struct route_state *f, const struct route_state *t,
		       uint8_t family, struct plan *p)
{
	const struct route_route *gone = NULL, *come = NULL;
	int n_gone = 0, n_come = 0, ret = 0;
	char a[192], b[192];
	size_t i;

	for (i = 0; i < f->n_routes; ++i)
		if (f->routes[i].family == family && ours_gone(f, t, i))
			gone = &f->routes[i], n_gone++;
	for (i = 0; i < t->n_routes; ++i)
		if (t->routes[i].family == family && !route_state_find_route(f, &t->routes[i]))
			come = &t->routes[i], n_come++;
	if (n_gone == 1 && n_come == 1) {
		route_route_format(gone, a, sizeof(a));
		route_route_format(come, b, sizeof(b));
		*strrchr(a, '(') = '\0';
		return plan_add(p, '~', "route %s-> %s", a, b) < 0 ? -ENOMEM : 1;
	}
	for (i = 0; !ret && i < f->n_routes; ++i) {
		if (f->routes[i].family != family || !ours_gone(f, t, i))
			continue;
		route_route_format(&f->routes[i], a, sizeof(a));
		ret = plan_add(p, '-', "route %s", a);
	}
	for (i = 0; !ret && i < t->n_routes; ++i) {
		if (t->routes[i].family != family || route_state_find_route(f, &t->routes[i]))
			continue;
		route_route_format(&t->routes[i], a, sizeof(a));
		ret = plan_add(p, '+', "route %s", a);
	}
	return ret < 0 ? -ENOMEM : n_gone + n_come;
}

static int route_diff(const void *from, const void *to, struct plan *p)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	const struct route_state *f = from, *t = to;
	char a[192];
	int ret, n = 0;
	size_t i;

	for (i = 0; i < f->n_routes; ++i) {
		if (route_is_ours(&f->routes[i]))
			continue;
		route_route_format(&f->routes[i], a, sizeof(a));
		warning("route %s was not added by wgbastion: left alone", a);
	}
	/* by family, in the order sync works: rules go, routes go, routes come, rules come */
	for (i = 0; i < 2; ++i) {
		if ((ret = diff_rules(f, t, families[i], p)) < 0)
			return ret;
		n += ret;
		if ((ret = diff_routes(f, t, families[i], p)) < 0)
			return ret;
		n += ret;
	}
	return n;
}

static int route_sync(const struct instance *in, const void *from, const void *to,
		      struct wgb_err *e)
{
	const struct route_state *f = from, *t = to;
	struct nlroute c;
	size_t i;
	int ret;

	ret = nlroute_open(&c, true, e);
	if (ret < 0)
		return ret;
	/* test builds fail any message here in turn (tests/integration/faults.test.sh) */
	for (i = 0; !ret && i < f->n_rules; ++i) {
		if (route_state_find_rule(t, &f->rules[i]))
			continue;
		if ((ret = fault_inject("route:rule")) < 0)
			err_set(e, ret, "route: injected failure before a rule (WGBASTION_FAIL_AT)");
		else
			ret = route_nl_rule(&c, false, &f->rules[i], e);
	}
	for (i = 0; !ret && i < f->n_routes; ++i) {
		if (!ours_gone(f, t, i))
			continue;
		if ((ret = fault_inject("route:route")) < 0)
			err_set(e, ret, "route: injected failure before a route (WGBASTION_FAIL_AT)");
		else
			ret = route_nl_route(&c, false, &f->routes[i], e);
	}
	for (i = 0; !ret && i < t->n_routes; ++i) {
		if (route_state_find_route(f, &t->routes[i]))
			continue;
		if ((ret = fault_inject("route:route")) < 0)
			err_set(e, ret, "route: injected failure before a route (WGBASTION_FAIL_AT)");
		else
			ret = route_nl_route(&c, true, &t->routes[i], e);
	}
	for (i = 0; !ret && i < t->n_rules; ++i) {
		if (route_state_find_rule(f, &t->rules[i]))
			continue;
		if ((ret = fault_inject("route:rule")) < 0)
			err_set(e, ret, "route: injected failure before a rule (WGBASTION_FAIL_AT)");
		else
			ret = route_nl_rule(&c, true, &t->rules[i], e);
	}
	/* On failure what was done stays: the executor re-reads this stage
	 * and syncs it back to the state it read before the run. */
	nlroute_close(&c);
	return ret;
}

static void route_free(void *state)
{
	route_state_free(state);
}

const struct stage stage_route = {
	.name = "route",
	.read = route_read,
	.build = route_build,
	.diff = route_diff,
	.sync = route_sync,
	.free = route_free,
};
