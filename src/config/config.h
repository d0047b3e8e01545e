/* SPDX-License-Identifier: GPL-2.0-only */
/* INI text to the desired-state model (model.h), with every check of SPEC §3. */
#ifndef WGB_CONFIG_H
#define WGB_CONFIG_H

#include <stddef.h>

#include "lib/err.h"
#include "model.h"

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
/* The same from a buffer; 'name' is what messages call the file. */
int config_parse(const char *name, const char *text, size_t len,
		 struct wgb_config **out, struct wgb_err *e);

#endif
