/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * WireGuard keys: base64 (44 characters, the ORIGINAL alphabet with one '='
 * of padding, as wg(8) prints them) <-> 32 bytes, public from private, and
 * key files with the permission check. Decoding and comparing are libsodium's
 * constant-time routines: key material never steers a branch.
 */
#ifndef WGB_KEY_H
#define WGB_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define WG_KEY_LEN		32
#define WG_KEY_B64_LEN		44	/* without the terminating NUL */

/* 0, or -EINVAL unless s is exactly one canonical base64 key. */
int key_from_base64(uint8_t key[WG_KEY_LEN], const char *s);
/* out holds WG_KEY_B64_LEN + 1 bytes. */
void key_to_base64(char out[WG_KEY_B64_LEN + 1], const uint8_t key[WG_KEY_LEN]);
int key_public_from_private(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN]);
bool key_is_zero(const uint8_t key[WG_KEY_LEN]);
bool key_equal(const uint8_t a[WG_KEY_LEN], const uint8_t b[WG_KEY_LEN]);

/*
 * Reads a key file: one base64 key, optional trailing newline. Returns 0;
 * -ENOENT when it does not exist; -EPERM when group or others may read it
 * (why names the mode and says to chmod 600); -EINVAL when it does not hold
 * one key; another -errno (-EACCES: this user may not open it) when it
 * cannot be read. why (PARSE_WHY bytes) is
 * worded to follow the quoted path.
 */
int key_file_read(const char *path, uint8_t key[WG_KEY_LEN], char *why);
/* A new private key, as `wg genkey` makes it: random, clamped for
 * Curve25519. 0, or -EIO when libsodium cannot start. */
int key_generate(uint8_t key[WG_KEY_LEN]);
/*
 * Creates path (and its missing directories, 0700) holding key, mode 0600
 * whatever the umask. Written aside and linked into place: never a
 * half-written key, and never over a file that is there (-EEXIST). For
 * apply, when PrivateKeyFile does not exist yet.
 */
int key_file_create(const char *path, const uint8_t key[WG_KEY_LEN], struct wgb_err *e);

#endif
