/* SPDX-License-Identifier: GPL-2.0-only */
/* INI text to the desired-state model (model.h), with every check of SPEC §3. */
#ifndef WGB_CONFIG_H
#define WGB_CONFIG_H

#include <stddef.h>

#include "lib/err.h"
#include "model.h"

struct config_index;

/*
 * Parse and validate. On success *out is a new config (config_free it).
 * On failure returns -errno and e->msg is "FILE:LINE: Key: \"value\" reason"
 * as SPEC §2 shows it (or "FILE:LINE: reason" for a key or section as a whole,
 * "FILE: reason" where no line applies). Secrets are never quoted.
 * Warnings (an egress source outside every peer's AllowedIPs) are said
 * through lib/warn.h.
 * Reads key files (PrivateKeyFile, PresharedKeyFile) with the permission
 * check; touches no kernel state and resolves no host names.
 */
int config_load(const char *path, struct wgb_config **out, struct wgb_err *e);
/* The same, and cfg->stamp (config_input.c), kept by apply so that the
 * next run can tell the same config without reading it, when every file
 * changed long enough ago; not taken for a config that warns. */
int config_load_input(const char *path, struct wgb_config **out, struct wgb_err *e);
/*
 * The same, for a config that may be the one already applied, given the
 * index the last run kept of it (ix, or NULL). When every file is as the
 * index stamped it, only the text that is not [Forward]s is read: each
 * [Forward] is skipped, cfg->elided says so, and cfg->stamp tells the
 * config. Such a config is good only where a stage's
 * record proves the kernel holds what this very input built; anything
 * else is -ESTALE from the executor, and the caller reads the config
 * whole (config_load_input). Without such an index it is read whole at
 * once, as config_load_input reads it: a text read whole costs no more to
 * parse whole, and is never read twice. Fails (-ESTALE) on an elided
 * config that warns.
 */
int config_load_known(const char *path, const struct config_index *ix,
		      struct wgb_config **out, struct wgb_err *e);
/*
 * The index a run keeps of its config (cfg->index): where the text is not
 * [Forward]s, the AllowFiles, and the stamp of them all. Given to
 * config_load_known, it reads only those ranges of the text when every
 * file is as stamped; otherwise the text whole. Parsed from its text: 0,
 * or -EINVAL with *bad_line the line refused (0: the index as a whole).
 */
int config_index_parse(const char *text, struct config_index **out, unsigned *bad_line);
void config_index_free(struct config_index *ix);
/* How long ago a file must have changed for its stamp to stand for its
 * contents (config_input.c): 3 s. The unit tests set it. */
extern long long config_settle_ns;
/* The same from a buffer; 'name' is what messages call the file. */
int config_parse(const char *name, const char *text, size_t len,
		 struct wgb_config **out, struct wgb_err *e);

#endif
