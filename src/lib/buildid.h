/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * This program's GNU build id (ld --build-id): a digest the linker takes of
 * the whole binary, so two builds that could behave differently never share
 * one. What a record keeps across runs (a digest of the config it applied)
 * is only valid for the build that made it.
 */
#ifndef WGB_BUILDID_H
#define WGB_BUILDID_H

#include <stddef.h>
#include <stdint.h>

/* The id's bytes (static, never freed) and length, or NULL when the binary
 * was linked without one: a caller then keeps nothing across runs. */
const uint8_t *build_id(size_t *len);

#endif
