// SPDX-License-Identifier: GPL-2.0-only
/* show: forwards, egresses and their counters (nft.h) into the view:
 * from the config when it loaded, else from what the live table holds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft/nft.h"
#include "show_live.h"

static void counter_of(struct show_counter *c, int ret, uint64_t packets, uint64_t bytes)
{
	c->present = ret == 0;
	c->packets = ret == 0 ? packets : 0;
	c->bytes = ret == 0 ? bytes : 0;
}

/* The far side's [Return] and [Exit] sections and their counters. */
static int far_items(struct show_view *v, const struct wgb_config *cfg,
		     const struct nft_state *st)
{
	const struct wgb_return *r;
	const struct wgb_exit *x;
	char name[64];
	uint64_t p = 0, b = 0;
	int ret;

	v->returns = calloc(cfg->n_returns + 1, sizeof(*v->returns));
	v->exits = calloc(cfg->n_exits + 1, sizeof(*v->exits));
	if (!v->returns || !v->exits)
		return -ENOMEM;
	for_each_return(cfg, r) {
		struct show_item *it = &v->returns[v->n_returns];

		snprintf(it->name, sizeof(it->name), "%s", r->name);
		if (!(it->rule = show_return_rule(r)))
			return -ENOMEM;
		v->n_returns++;
		snprintf(name, sizeof(name), NFT_RET_PREFIX "%s", r->name);
		ret = st ? nft_state_counter(st, name, &p, &b) : -ENOENT;
		counter_of(&it->counter, ret, p, b);
		it->connections = it->unanswered = -1;
	}
	for_each_exit(cfg, x) {
		struct show_item *it = &v->exits[v->n_exits];

		snprintf(it->name, sizeof(it->name), "%s", x->name);
		if (!(it->rule = show_exit_rule(x)))
			return -ENOMEM;
		v->n_exits++;
		snprintf(name, sizeof(name), NFT_EXIT_PREFIX "%s", x->name);
		ret = st ? nft_state_counter(st, name, &p, &b) : -ENOENT;
		counter_of(&it->counter, ret, p, b);
		it->connections = it->unanswered = -1;
	}
	return 0;
}

static int items_from_config(struct show_view *v, const struct wgb_config *cfg,
			     const struct nft_state *st)
{
	const struct wgb_forward *f;
	const struct wgb_egress *e;
	uint64_t p = 0, b = 0;
	int ret;

	v->forwards = calloc(cfg->n_forwards + 1, sizeof(*v->forwards));
	v->egresses = calloc(cfg->n_egresses + 1, sizeof(*v->egresses));
	if (!v->forwards || !v->egresses)
		return -ENOMEM;
	for_each_forward(cfg, f) {
		struct show_item *it = &v->forwards[v->n_forwards];

		snprintf(it->name, sizeof(it->name), "%s", f->name);
		it->rule = show_forward_rule(f);
		if (!it->rule)
			return -ENOMEM;
		v->n_forwards++;
		ret = st ? nft_state_forward_counter(st, f->name, &p, &b) : -ENOENT;
		counter_of(&it->counter, ret, p, b);
		ret = st ? nft_state_limitdrop_counter(st, f->name, &p, &b) : -ENOENT;
		counter_of(&it->limit_dropped, ret, p, b);
		it->connections = it->unanswered = -1;
		it->protocols = f->protocols;
		it->port_lo = f->port_lo;
		it->port_hi = f->port_hi;
		show_forward_destination(it->destination, sizeof(it->destination), f);
	}
	for_each_egress(cfg, e) {
		struct show_item *it = &v->egresses[v->n_egresses];

		snprintf(it->name, sizeof(it->name), "%s", e->name);
		it->rule = show_egress_rule(e);
		if (!it->rule)
			return -ENOMEM;
		v->n_egresses++;
		ret = st ? nft_state_egress_counter(st, e->name, &p, &b) : -ENOENT;
		counter_of(&it->counter, ret, p, b);
		it->connections = it->unanswered = -1;
	}
	return far_items(v, cfg, st);
}

/* No config: what the live table says, one forward per counter. */
static int items_from_table(struct show_item **out, size_t *n_out,
			    const struct nft_state *st, const struct nft_views *nv,
			    bool forward)
{
	const char *const *names = NULL;
	struct nft_forward_view fw;
	struct nft_egress_view ew;
	char line[512];
	size_t n, k;
	uint64_t p = 0, b = 0;
	int ret;

	n = forward ? nft_views_forwards(nv, &names) : nft_views_egresses(nv, &names);
	*out = calloc(n + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (k = 0; k < n; ++k) {
		struct show_item *it = &(*out)[*n_out];
		bool ok = forward ? nft_view_forward(nv, names[k], &fw)
				  : nft_view_egress(nv, names[k], &ew);

		if (ok && forward)
			nft_view_forward_line(&fw, line, sizeof(line));
		else if (ok)
			nft_view_egress_line(&ew, line, sizeof(line));
		snprintf(it->name, sizeof(it->name), "%s", names[k]);
		it->rule = strdup(ok ? line : "(not readable from the live table)");
		if (!it->rule)
			return -ENOMEM;
		(*n_out)++;
		ret = forward ? nft_state_forward_counter(st, names[k], &p, &b)
			      : nft_state_egress_counter(st, names[k], &p, &b);
		counter_of(&it->counter, ret, p, b);
		ret = forward ? nft_state_limitdrop_counter(st, names[k], &p, &b) : -ENOENT;
		counter_of(&it->limit_dropped, ret, p, b);
		it->connections = it->unanswered = -1;
	}
	return 0;
}

int show_live_nft(struct show_view *v, const struct wgb_config *cfg, const void *state)
{
	const struct nft_state *st = state;
	struct nft_views *nv;
	uint64_t p = 0, b = 0;
	int ret;

	v->nft_table = nft_state_has_table(st);
	if (st) {
		ret = nft_state_counter(st, NFT_DROPPED, &p, &b);
		counter_of(&v->dropped, ret, p, b);
	}
	if (cfg)
		return items_from_config(v, cfg, st);
	if (!nft_state_has_table(st))
		return 0;
	nv = nft_views_new(st);
	if (!nv)
		return -ENOMEM;
	nft_views_index_names(nv);	/* every forward is looked at */
	ret = items_from_table(&v->forwards, &v->n_forwards, st, nv, true);
	if (!ret)
		ret = items_from_table(&v->egresses, &v->n_egresses, st, nv, false);
	nft_views_free(nv);
	return ret;
}

