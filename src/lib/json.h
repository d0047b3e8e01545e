/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small streaming JSON writer for `show --json`.
 *
 * Hand-rolled rather than json-c: show only ever *writes* one document in a
 * fixed order, which needs commas, indentation and correct string escaping
 * and nothing else (no DOM, no parser, no reference counting). About 150
 * lines here cost less than a new build and runtime dependency on every
 * bastion, and keep the key order stable for people diffing the output.
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 (an
 * interface or path name is just bytes to the kernel) become U+FFFD, so the
 * document always parses.
 */
#ifndef WGB_JSON_H
#define WGB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	bool pretty;
	int depth;
	bool has_items[JSON_MAX_DEPTH];	/* a comma is due before the next */
	bool after_key;			/* a value completes "key": */
	int err;			/* first misuse, -EINVAL; sticky */
};

void json_init(struct json *j, FILE *f, bool pretty);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);	/* NULL writes null */
void json_strn(struct json *j, const char *s, size_t n);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* "key": value shorthands */
void json_kv_str(struct json *j, const char *key, const char *s);
void json_kv_u64(struct json *j, const char *key, uint64_t v);
void json_kv_i64(struct json *j, const char *key, int64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);

/* Ends the document: 0 if it is complete and well nested, else -EINVAL. */
int json_finish(struct json *j);

#endif
