// SPDX-License-Identifier: GPL-2.0-only
/*
 * show: gather the view. With a config that loads, the same run_plan as
 * `apply --dry-run` gives both the live state of every stage and the
 * differences (so show and apply never disagree about drift). Without one,
 * each stage is only read (run_read), for the instance named by the record
 * apply left in the run directory, or else the default identity; the
 * operator still sees what is live.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "core/rundir.h"
#include "exec/stages.h"
#include "guard/guard.h"
#include "nft/nft.h"
#include "route/route.h"
#include "show_view.h"
#include "show_live.h"
#include "sysctl/sysctl.h"
#include "wg/wg.h"

/* The stages' live states into the view (each show_live_*.c knows one). */
static int show_live(struct show_view *v, const struct wgb_config *cfg, const struct run *r)
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
		if (rundir_find_instance(config_path, &v->in) == 0) {
			v->instance_from_record = true;
		} else {
			instance_defaults(&v->in);
			v->instance_guessed = true;
		}
	}

	if (cfg) {
		ret = run_plan(&run, &wgb_stages, &v->in, cfg, &v->plan, &e);
		v->verdict_known = ret == 0;
		if (ret < 0) {
			/* a build may have failed after every read worked:
			 * show the live part anyway */
			plan_free(&v->plan);
		}
	} else {
		ret = run_read(&run, &wgb_stages, &v->in, &e);
	}
	if (ret < 0)
		v->read_error = strdup(e.msg[0] ? e.msg : strerror(-ret));

	ret = show_live(v, cfg, &run);
	if (ret == 0) {
		show_connections(v, cfg);
		guard_warnings(cfg, &v->in, &run);
	}
	/* every warning of the run, the config's and the stages' included,
	 * for show --json (the terminal has them already) */
	if (ret == 0)
		ret = warnings_take(&v->warnings);
	run_free(&run);
	config_free(cfg);
	return ret;
}

const char show_unanswered_meaning[] =
	"connections to this forward's destination got no reply through the tunnel: "
	"usually the far side answers through its own uplink instead of the tunnel "
	"(it needs a [Return]; wgbastion far-side prints its config), or the destination "
	"is down or drops them silently, or the tunnel is down (see the peer's latest "
	"handshake); a UDP service that never answers looks the same. See docs/far-side.md";

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
	for (i = 0; i < v->n_returns; ++i)
		free(v->returns[i].rule);
	free(v->returns);
	for (i = 0; i < v->n_exits; ++i)
		free(v->exits[i].rule);
	free(v->exits);
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
