// SPDX-License-Identifier: GPL-2.0-only
/* Freeing the model; key material is wiped first. */
#include <sodium.h>
#include <stdlib.h>

#include "model.h"

void config_drop_forwards(struct wgb_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_forwards; ++i) {
		struct wgb_forward *f = &cfg->forwards[i];

		/* ten thousand forwards have mostly nothing of their own:
		 * no call for what is not there */
		if (f->allow.v && !f->allow_shared)
			prefix_list_free(&f->allow);
		if (f->allow_file_list.v)
			prefix_list_free(&f->allow_file_list);
		free(f->allow_file);
	}
	free(cfg->forwards);
	cfg->forwards = NULL;
	cfg->n_dropped += cfg->n_forwards;
	cfg->n_forwards = 0;
}

void config_free(struct wgb_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->index);
	free(cfg->iface.private_key_file);
	prefix_list_free(&cfg->iface.addresses);
	for (i = 0; i < cfg->n_peers; ++i) {
		prefix_list_free(&cfg->peers[i].allowed_ips);
		free(cfg->peers[i].endpoint);
	}
	if (cfg->peers)
		sodium_memzero(cfg->peers, cfg->n_peers * sizeof(*cfg->peers));
	free(cfg->peers);
	config_drop_forwards(cfg);
	for (i = 0; i < cfg->n_egresses; ++i) {
		prefix_list_free(&cfg->egresses[i].source);
		prefix_list_free(&cfg->egresses[i].destination);
		prefix_list_free(&cfg->egresses[i].deny);
	}
	free(cfg->egresses);
	for (i = 0; i < cfg->n_returns; ++i)
		prefix_list_free(&cfg->returns[i].destination);
	free(cfg->returns);
	for (i = 0; i < cfg->n_exits; ++i) {
		prefix_list_free(&cfg->exits[i].source);
		prefix_list_free(&cfg->exits[i].destination);
	}
	free(cfg->exits);
	/* the whole struct: private key included */
	sodium_memzero(cfg, sizeof(*cfg));
	free(cfg);
}
