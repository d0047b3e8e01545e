// SPDX-License-Identifier: GPL-2.0-only
/*
 * show: gather the view. With a config that loads, the same run_plan as
 * `apply --dry-run` gives both the live state of every stage and the
 * differences (so show and apply never disagree about drift). Without one,
 * each stage is only read, for the instance named by the record apply left
 * in /run/wgbastion, or else the default identity; the operator still sees
 * what is live.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "exec/exec.h"
#include "show.h"
#include "show_live.h"
#include "core/state.h"

static void instance_defaults(struct instance *in)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->name, sizeof(in->name), "%s", WGB_DEFAULT_IFNAME);
	in->table = WGB_DEFAULT_TABLE;
	in->mark = WGB_DEFAULT_MARK;
	in->mark_mask = WGB_DEFAULT_MARK_MASK;
	in->priority = WGB_DEFAULT_PRIORITY;
}

/* Live state only, into a run that run_free can release. */
static int read_only(struct run *r, const struct instance *in, struct wgb_err *e)
{
	const struct stage *const order[N_STAGES] = {
		&stage_wg, &stage_nft, &stage_route, &stage_sysctl,
	};
	size_t i;
	int ret, first = 0;

	memset(r, 0, sizeof(*r));
	r->in = *in;
	for (i = 0; i < N_STAGES; ++i) {
		struct stage_run *s;

		if (!order[i]->read)
			continue;
		s = &r->s[r->n++];
		s->st = order[i];
		/* one unreadable stage must not hide the others */
		ret = s->st->read(&r->in, &s->old, e);
		if (ret < 0 && !first)
			first = ret;
	}
	return first;
}

int show_collect(struct show_view *v, const char *config_path)
{
	struct wgb_config *cfg = NULL;
	struct wgb_err ce = { 0 }, e = { 0 };
	struct run run;
	int ret;

	memset(v, 0, sizeof(*v));
	memset(&run, 0, sizeof(run));
	v->now = time(NULL);
	v->config_path = strdup(config_path);
	if (!v->config_path)
		return -ENOMEM;

	if (config_load(config_path, &cfg, &ce) == 0) {
		instance_from_config(&v->in, cfg);
	} else {
		v->config_error = strdup(ce.msg[0] ? ce.msg : "cannot load the config");
		if (state_find_instance(config_path, &v->in) == 0) {
			v->instance_from_record = true;
		} else {
			instance_defaults(&v->in);
			v->instance_guessed = true;
		}
	}

	if (cfg) {
		ret = run_plan(&run, &v->in, cfg, &v->plan, &e);
		v->verdict_known = ret == 0;
		if (ret < 0) {
			/* a build may have failed after every read worked:
			 * show the live part anyway */
			plan_free(&v->plan);
		}
	} else {
		ret = read_only(&run, &v->in, &e);
	}
	if (ret < 0)
		v->read_error = strdup(e.msg[0] ? e.msg : strerror(-ret));

	ret = show_live(v, cfg, &run);
	if (ret == 0) {
		show_connections(v, cfg);
		guard_warnings(cfg, &v->in, &run, &v->warnings);
	}
	run_free(&run);
	config_free(cfg);
	return ret;
}

void show_view_free(struct show_view *v)
{
	size_t i;

	if (!v)
		return;
	free(v->config_path);
	free(v->config_error);
	free(v->read_error);
	free(v->iface.addresses);
	for (i = 0; i < v->iface.n_peers; ++i)
		free(v->iface.peers[i].allowed_ips);
	free(v->iface.peers);
	for (i = 0; i < v->n_forwards; ++i)
		free(v->forwards[i].rule);
	free(v->forwards);
	for (i = 0; i < v->n_egresses; ++i)
		free(v->egresses[i].rule);
	free(v->egresses);
	for (i = 0; i < v->n_rules; ++i)
		free(v->rules[i].text);
	free(v->rules);
	for (i = 0; i < v->n_routes; ++i)
		free(v->routes[i].text);
	free(v->routes);
	free(v->sysctls);
	plan_free(&v->plan);
	warnings_free(&v->warnings);
	memset(v, 0, sizeof(*v));
}
