// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: any bytes into config_parse. Beyond "no crash, no leak,
 * no undefined behaviour" (the sanitizers), it checks what the model
 * promises its users: a failure leaves no config and one message naming the
 * file; a success has non-empty allow lists of the destination's family and
 * lists without prefixes contained in one another.
 *
 * config_parse reads key files named in the input (read-only, non-blocking)
 * and never writes one, so the harness leaves nothing behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "lib/err.h"
#include "config/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_disjoint(const struct prefix_list *l)
{
	size_t i, j;

	for (i = 0; i < l->n; ++i)
		for (j = 0; j < l->n; ++j)
			if (i != j && prefix_contains(&l->v[i], &l->v[j]))
				abort();
}

static void check_config(const struct wgb_config *cfg)
{
	const struct wgb_forward *f;
	const struct wgb_egress *g;
	const struct wgb_peer *p;
	size_t i;

	if (!cfg->n_peers || strcmp(cfg->path, "fuzz.conf"))
		abort();
	for_each_peer(cfg, p)
		if (!p->allowed_ips.n)
			abort();
	for_each_forward(cfg, f) {
		/* AllowFile alone may leave Allow empty, not both */
		if ((!f->allow.n && !f->allow_file_list.n && !f->allow_file_unread) || f->port_lo > f->port_hi || !f->port_lo || !f->protocols)
			abort();
		for (i = 0; i < f->allow.n; ++i)
			if (f->allow.v[i].family != f->family)
				abort();
		check_disjoint(&f->allow);
	}
	for_each_egress(cfg, g) {
		if (!g->source.n)
			abort();
		check_disjoint(&g->source);
		check_disjoint(&g->destination);
		check_disjoint(&g->deny);
	}
	if (!cfg->bastion.mark_mask || (cfg->bastion.mark & ~cfg->bastion.mark_mask) ||
	    cfg->bastion.ct_ingress == cfg->bastion.ct_egress)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgb_config *cfg = (struct wgb_config *)1;
	struct wgb_err e = { 0 };

	wgb_verbosity = -1;	/* warnings would drown the fuzzer's output */
	if (config_parse("fuzz.conf", (const char *)data, size, &cfg, &e) < 0) {
		if (cfg || !e.code || strncmp(e.msg, "fuzz.conf", 9))
			abort();
		return 0;
	}
	check_config(cfg);
	config_free(cfg);
	return 0;
}
