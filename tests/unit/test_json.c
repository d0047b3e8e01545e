// SPDX-License-Identifier: GPL-2.0-only
/* The JSON writer: exact output, escaping, misuse detected. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "unit.h"

struct buf {
	char *p;
	size_t n;
	FILE *f;
};

static struct json *start(struct buf *b, bool pretty)
{
	static struct json j;

	b->p = NULL;
	b->n = 0;
	b->f = open_memstream(&b->p, &b->n);
	ck_assert_ptr_nonnull(b->f);
	json_init(&j, b->f, pretty);
	return &j;
}

/* Closes the stream and returns what was written (free it). */
static char *done(struct buf *b)
{
	fclose(b->f);
	return b->p;
}

START_TEST(compact_document)
{
	struct buf b;
	struct json *j = start(&b, false);
	char *out;

	json_obj_begin(j);
	json_kv_str(j, "name", "wg0");
	json_kv_u64(j, "port", 51820);
	json_kv_i64(j, "neg", -3);
	json_kv_bool(j, "ok", true);
	json_key(j, "peers");
	json_arr_begin(j);
	json_obj_begin(j);
	json_kv_str(j, "endpoint", NULL);
	json_obj_end(j);
	json_u64(j, 18446744073709551615ULL);
	json_arr_end(j);
	json_key(j, "empty");
	json_arr_begin(j);
	json_arr_end(j);
	json_key(j, "o");
	json_obj_begin(j);
	json_obj_end(j);
	json_obj_end(j);
	ck_assert_int_eq(json_finish(j), 0);
	out = done(&b);
	ck_assert_str_eq(out, "{\"name\":\"wg0\",\"port\":51820,\"neg\":-3,\"ok\":true,"
			 "\"peers\":[{\"endpoint\":null},18446744073709551615],"
			 "\"empty\":[],\"o\":{}}");
	free(out);
}
END_TEST

START_TEST(pretty_document)
{
	struct buf b;
	struct json *j = start(&b, true);
	char *out;

	json_obj_begin(j);
	json_kv_str(j, "a", "x");
	json_key(j, "l");
	json_arr_begin(j);
	json_u64(j, 1);
	json_u64(j, 2);
	json_arr_end(j);
	json_key(j, "e");
	json_arr_begin(j);
	json_arr_end(j);
	json_obj_end(j);
	ck_assert_int_eq(json_finish(j), 0);
	out = done(&b);
	ck_assert_str_eq(out, "{\n  \"a\": \"x\",\n  \"l\": [\n    1,\n    2\n  ],\n  \"e\": []\n}\n");
	free(out);
}
END_TEST

START_TEST(escapes)
{
	struct buf b;
	struct json *j = start(&b, false);
	char *out;

	json_arr_begin(j);
	json_str(j, "q\" b\\ n\n r\r t\t \x01\x1f\x7f /");
	json_str(j, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91");	/* valid UTF-8 kept */
	json_str(j, "bad \xff \xc3 \xc0\xaf \xed\xa0\x80 end");	/* invalid: U+FFFD */
	json_strn(j, "nul\0x", 5);
	json_arr_end(j);
	ck_assert_int_eq(json_finish(j), 0);
	out = done(&b);
	ck_assert_str_eq(out, "[\"q\\\" b\\\\ n\\n r\\r t\\t \\u0001\\u001f\\u007f /\","
			 "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\","
			 "\"bad \\ufffd \\ufffd \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd end\","
			 "\"nul\\u0000x\"]");
	free(out);
}
END_TEST

START_TEST(misuse_is_reported)
{
	struct buf b;
	struct json *j;
	int i;

	j = start(&b, false);		/* unclosed */
	json_obj_begin(j);
	ck_assert_int_eq(json_finish(j), -EINVAL);
	free(done(&b));

	j = start(&b, false);		/* key without value */
	json_obj_begin(j);
	json_key(j, "k");
	json_obj_end(j);
	ck_assert_int_eq(json_finish(j), -EINVAL);
	free(done(&b));

	j = start(&b, false);		/* key outside an object */
	json_key(j, "k");
	ck_assert_int_eq(json_finish(j), -EINVAL);
	free(done(&b));

	j = start(&b, false);		/* two documents */
	json_u64(j, 1);
	json_u64(j, 2);
	ck_assert_int_eq(json_finish(j), -EINVAL);
	free(done(&b));

	j = start(&b, false);		/* too deep */
	for (i = 0; i <= JSON_MAX_DEPTH; ++i)
		json_arr_begin(j);
	ck_assert_int_eq(json_finish(j), -EINVAL);
	free(done(&b));

	j = start(&b, false);		/* nothing at all */
	ck_assert_int_eq(json_finish(j), -EINVAL);
	free(done(&b));
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("writer");

	tcase_add_test(tc, compact_document);
	tcase_add_test(tc, pretty_document);
	tcase_add_test(tc, escapes);
	tcase_add_test(tc, misuse_is_reported);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(json_suite)
