// SPDX-License-Identifier: GPL-2.0-only
/*
 * The nft stage without a kernel: the table built from sample configs,
 * serialised into the batch sync would send and parsed back by the reader's
 * own parser (equal, object by object); diffs between tables (equal: no
 * line; one element changed: the right line, attributed to its forward)
 * and the batches they make (a handful of messages for one forward).
 */
#include <netinet/in.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "config/config.h"
#include "core/rundir.h"
#include "nft/nft_int.h"
#include "../fuzz/kept_check.h"
#include "nft_print.h"
#include "unit.h"

#define PRIV "+L64UIpGdAT7RcGpp9kKAFTdi90v0HmXWGxe8i4XBFE="
#define PUB1 "PeIixQzVg/dRNmj2q10wvWkfY/Z4O0s/gSCdwte2k0M="

#define HEAD "[Interface]\nPrivateKey = " PRIV "\nAddress = 10.100.0.1/24\n" \
	"[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = 10.100.0.0/24, 192.168.1.0/24, fd00:1::/64\n"

#define WEB "[Forward web]\nPort = 443\nDestination = 192.168.1.10:8443\n"
#define GAMES "[Forward games]\nProtocol = tcp,udp\nPort = 27015-27030\nDestination = 192.168.1.11\n"
#define DNS6 "[Forward dns6]\nProtocol = udp\nPort = 53\nDestination = [fd00:1::53]\n"
#define SSH "[Forward ssh]\nPort = 2222\nDestination = 192.168.1.10:22\n" \
	"Allow = 198.51.100.0/24, 203.0.113.17\nMasquerade = yes\n"
#define HOME "[Egress home]\nSource = 10.100.0.0/24, 192.168.1.0/24\n"

static struct nft_state *build_text(const char *text)
{
	struct wgb_err e = { 0 };
	struct nft_state *st = kept_try_build(text, &e);

	if (!st)
		ck_abort_msg("config refused or table not built: %s", e.msg);
	return st;
}

static struct nft_state *empty_state(void)
{
	struct instance in = { .name = "wg0" };
	struct wgb_err e = { 0 };
	void *st = NULL;

	ck_assert_int_eq(nft_build(&in, NULL, &st, &e), 0);
	return st;
}

static char *print(const struct nft_state *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	nft_state_print(st, f);
	fclose(f);
	return buf;
}

/* ---- batches, looked at and parsed back ---- */

struct msgs {
	unsigned n, types[64];
	struct nft_state *parsed;
	unsigned elems_added, elems_deleted;
};

static int count_elems(const struct nlmsghdr *nlh)
{
	const struct nlattr *a, *list = NULL;
	int n = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_ELEMENTS)
			list = a;
	if (list)
		mnl_attr_for_each_nested(a, list)
			n++;
	return n;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct msgs *m = data;
	uint16_t type = nlh->nlmsg_type;

	if (type == NFNL_MSG_BATCH_BEGIN || type == NFNL_MSG_BATCH_END)
		return 0;
	if (m->n < 64)
		m->types[m->n] = NFNL_MSG_TYPE(type);
	m->n++;
	if (NFNL_MSG_TYPE(type) == NFT_MSG_NEWSETELEM)
		m->elems_added += (unsigned)count_elems(nlh);
	if (NFNL_MSG_TYPE(type) == NFT_MSG_DELSETELEM)
		m->elems_deleted += (unsigned)count_elems(nlh);
	if (m->parsed)
		ck_assert_int_eq(nft_state_parse_msg(m->parsed, nlh), 0);
	return 0;
}

static struct msgs batch_of(const struct nft_state *from, const struct nft_state *to)
{
	struct msgs m = { 0 };

	ck_assert_int_eq(nft_batch_for_each(from, to, msg_cb, &m), 0);
	return m;
}

/* What the kernel would hold after the batch creating st, as read back. */
static struct nft_state *round_trip(const struct nft_state *st)
{
	struct nft_state *empty = empty_state();
	struct msgs m = { 0 };

	m.parsed = nft_state_new(st->table);
	ck_assert_ptr_nonnull(m.parsed);
	ck_assert_int_eq(nft_batch_for_each(empty, st, msg_cb, &m), 0);
	nft_state_finish(m.parsed);
	nft_state_free(empty);
	return m.parsed;
}

/* The first line where two texts differ, for a readable failure. */
static void assert_same_text(const char *a, const char *b, const char *what)
{
	size_t line = 1;

	while (*a && *a == *b) {
		line += *a == '\n';
		a++;
		b++;
	}
	if (!*a && !*b)
		return;
	while (line > 1 && a[-1] != '\n') {
		a--;
		b--;
	}
	ck_abort_msg("%s: line %zu differs:\n%.300s\n---\n%.300s", what, line, a, b);
}

static char *diff_text(const struct nft_state *a, const struct nft_state *b, int *n)
{
	struct plan p = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	*n = nft_diff(a, b, &p);
	ck_assert_int_ge(*n, 0);
	f = open_memstream(&buf, &len);
	if (p.n)
		plan_print(&p, f);
	fclose(f);
	plan_free(&p);
	return buf;
}

static void assert_diff(const struct nft_state *a, const struct nft_state *b, const char *want)
{
	int n;
	char *got = diff_text(a, b, &n);

	ck_assert_msg(!strcmp(got, want), "plan:\n%s\nwanted:\n%s", got, want);
	free(got);
}

/* ---- elements ---- */

static const struct nft_elem *elem_at(const struct nft_set *s, const void *key, bool end)
{
	ssize_t i;

	ck_assert_ptr_nonnull(s);
	i = nft_set_find(s, key, end);
	return i < 0 ? NULL : nft_set_elem(s, (size_t)i);
}

static void set_drop_elem(struct nft_set *s, const void *key, bool end)
{
	ssize_t i = nft_set_find(s, key, end);

	ck_assert_int_ge(i, 0);
	memmove(s->elems + (size_t)i * s->stride, s->elems + ((size_t)i + 1) * s->stride,
		(s->n_elems - (size_t)i - 1) * s->stride);
	s->n_elems--;
}

/* ---- tests ---- */

START_TEST(empty_is_no_table)
{
	struct nft_state *a = empty_state(), *b = empty_state();
	struct msgs m;
	int n;
	char *t;

	ck_assert(!a->table_exists);
	ck_assert_str_eq(a->table, "wgbastion-wg0");
	t = diff_text(a, b, &n);
	ck_assert_int_eq(n, 0);
	free(t);
	m = batch_of(a, b);
	ck_assert_uint_eq(m.n, 0);
	nft_state_free(a);
	nft_state_free(b);
}
END_TEST

START_TEST(build_forwards_and_egress)
{
	struct nft_state *st = build_text(HEAD WEB GAMES DNS6 SSH HOME);
	const uint8_t p443[2] = { 0x01, 0xbb }, p444[2] = { 0x01, 0xbc };
	const uint8_t p27015[2] = { 0x69, 0x87 }, p27031[2] = { 0x69, 0x97 };
	const uint8_t p53[2] = { 0, 53 };
	const uint8_t web_dst[8] = { 192, 168, 1, 10, 0x20, 0xfb, 0, 0 };
	const struct nft_set *s;
	const struct nft_elem *el;
	uint64_t pk = 1, by = 1;

	ck_assert(st->table_exists);
	ck_assert_int_eq(nft_state_forward_counter(st, "web", &pk, &by), 0);
	ck_assert_uint_eq(pk, 0);
	ck_assert_uint_eq(by, 0);
	ck_assert_int_eq(nft_state_counter(st, "forward_games", NULL, NULL), 0);
	ck_assert_int_eq(nft_state_egress_counter(st, "home", NULL, NULL), 0);
	ck_assert_int_eq(nft_state_counter(st, NFT_DROPPED, NULL, NULL), 0);
	ck_assert_int_eq(nft_state_counter(st, "forward_nope", NULL, NULL), -ENOENT);

	/* web: 443 -> 192.168.1.10:8443, a range [443, 444) */
	s = nft_state_set(st, "dnat4_tcp");
	el = elem_at(s, p443, false);
	ck_assert_ptr_nonnull(el);
	ck_assert(el->has & NFT_ELEM_DATA);
	ck_assert_mem_eq(nft_elem_data(s, el), web_dst, 8);
	ck_assert_ptr_nonnull(elem_at(s, p444, true));
	ck_assert_ptr_nonnull(elem_at(nft_state_set(st, "open4_tcp"), p443, false));

	/* games keeps its ports, both protocols, one counter */
	s = nft_state_set(st, "dnat4_udp_keep");
	el = elem_at(s, p27015, false);
	ck_assert_ptr_nonnull(el);
	ck_assert_mem_eq(nft_elem_data(s, el), ((uint8_t[]){ 192, 168, 1, 11 }), 4);
	ck_assert_ptr_nonnull(elem_at(s, p27031, true));
	s = nft_state_set(st, "count4_tcp");
	el = elem_at(s, p27015, false);
	ck_assert_ptr_nonnull(el);
	ck_assert_str_eq(nft_elem_str(s, el), "forward_games");

	/* dns6: the IPv6 udp map, same port */
	s = nft_state_set(st, "dnat6_udp");
	el = elem_at(s, p53, false);
	ck_assert_ptr_nonnull(el);
	ck_assert_uint_eq(nft_elem_data(s, el)[0], 0xfd);
	ck_assert_uint_eq(nft_elem_data(s, el)[17], 53);

	/* ssh: only its clients (address . port ranges), masqueraded */
	s = nft_state_set(st, "allow4_tcp");
	ck_assert_uint_eq(s->n_elems, 2);
	ck_assert(nft_set_elem(s, 0)->has & NFT_ELEM_KEY_END);
	ck_assert_uint_eq(nft_state_set(st, "open4_tcp")->n_elems, 4);	/* web, games */
	ck_assert_uint_eq(nft_state_set(st, "masq4_tcp")->n_elems, 2);

	/* home: two adjacent /24 are one range */
	s = nft_state_set(st, "egress_home_src4");
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->n_elems, 4);	/* 10.100.0.0/24, 192.168.1.0/24 */
	ck_assert_uint_eq(nft_state_set(st, "egress_home_src6")->n_elems, 0);
	ck_assert_uint_eq(nft_state_set(st, "egress_home_dst4")->n_elems, 1);	/* 0/0: no end */

	ck_assert_uint_eq(st->n_chains, 4);
	ck_assert_uint_eq(nft_state_chain(st, "pre_nat")->n_rules, 23);	/* with the hairpin and AllowFile rules */
	ck_assert_uint_eq(nft_state_chain(st, "pre_mark")->n_rules, 2);
	ck_assert_uint_eq(nft_state_chain(st, "forward")->n_rules, 24);	/* 12: the limits' and Log's maps; 3 MSS clamps */
	ck_assert_uint_eq(nft_state_chain(st, "post_nat")->n_rules, 6);	/* with the hairpin masquerade */
	nft_state_free(st);
}
END_TEST

START_TEST(limits_one_chain_per_distinct_limit)
{
	struct nft_state *st = build_text(HEAD
		"[Forward a]\nPort = 80\nDestination = 192.168.1.1\nRateLimit = 20/second\n"
		"[Forward b]\nPort = 81\nDestination = 192.168.1.1\nRateLimit = 20/second\n"
		"ConnLimit = 4\n"
		"[Forward c]\nPort = 82\nDestination = 192.168.1.1\nRateLimit = 3/minute\n"
		"[Forward d]\nPort = 83\nDestination = 192.168.1.1\n");
	const struct nft_set *s;
	const struct nft_elem *el;

	/* two rates and one ConnLimit: three chains, six meters */
	ck_assert_uint_eq(st->n_chains, 7);
	ck_assert_ptr_nonnull(nft_state_chain(st, "rate_20_second"));
	ck_assert_ptr_nonnull(nft_state_chain(st, "rate_3_minute"));
	ck_assert_uint_eq(nft_state_chain(st, "conn_4")->n_rules, 4);
	s = nft_state_set(st, "rate_3_minute4");
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->flags, NFT_SET_EVAL | NFT_SET_TIMEOUT);
	ck_assert_uint_eq(s->timeout, 60000);
	ck_assert_uint_eq(s->key_len, 12);
	s = nft_state_set(st, "conn_4_6");
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->flags, NFT_SET_EVAL);	/* connlimit may not time out */
	ck_assert_uint_eq(s->key_len, 24);

	/* a, b, c jump to their rate; only b to conn_4; d nowhere */
	s = nft_state_set(st, "rate4_tcp");
	ck_assert_uint_eq(s->n_elems, 6);	/* three start and end elements */
	el = nft_set_elem(s, 0);
	ck_assert(el->has & NFT_ELEM_VERDICT);
	ck_assert_int_eq(nft_elem_verdict(s, el), NFT_JUMP);
	ck_assert_str_eq(nft_elem_str(s, el), "rate_20_second");
	ck_assert_str_eq(nft_elem_str(s, nft_set_elem(s, 4)), "rate_3_minute");
	ck_assert_uint_eq(nft_state_set(st, "conn4_tcp")->n_elems, 2);
	ck_assert_uint_eq(nft_state_set(st, "limitdrop4_tcp")->n_elems, 6);
	ck_assert_ptr_nonnull(nft_state_obj(st, "limitdrop_a"));
	ck_assert_ptr_null(nft_state_obj(st, "limitdrop_d"));
	nft_state_free(st);
}
END_TEST

START_TEST(log_chain_per_logged_forward)
{
	struct nft_state *st = build_text(HEAD
		"[Forward a]\nPort = 80\nDestination = 192.168.1.1\nLog = yes\n"
		"[Forward b]\nPort = 81\nDestination = 192.168.1.1\nLog = nflog:3\n"
		"[Forward c]\nPort = 82\nDestination = 192.168.1.1\n");
	const struct nft_chain *c;
	const struct nft_set *s;

	ck_assert_uint_eq(st->n_chains, 6);
	c = nft_state_chain(st, "log_a");
	ck_assert_uint_eq(c->n_rules, 1);
	ck_assert_ptr_nonnull(strstr(c->rules[0].sig, "prefix wgbastion a: "));
	ck_assert_ptr_nonnull(strstr(c->rules[0].sig, "level 6"));
	c = nft_state_chain(st, "log_b");
	ck_assert_ptr_nonnull(strstr(c->rules[0].sig, "group 3"));
	ck_assert_ptr_null(nft_state_chain(st, "log_c"));
	s = nft_state_set(st, "log4_tcp");
	ck_assert_uint_eq(s->n_elems, 4);
	ck_assert_str_eq(nft_elem_str(s, nft_set_elem(s, 0)), "log_a");
	ck_assert_str_eq(nft_elem_str(s, nft_set_elem(s, 2)), "log_b");
	nft_state_free(st);
}
END_TEST

START_TEST(adjacent_and_overlapping_prefixes_merge)
{
	struct nft_state *st = build_text(HEAD "[Egress e]\n"
		"Source = 192.168.1.0/25, 192.168.1.128/25, 10.100.0.0/24\n"
		"Deny = 169.254.0.0/16, 169.254.169.254/32\n");
	const struct nft_set *s = nft_state_set(st, "egress_e_src4");

	ck_assert_uint_eq(s->n_elems, 4);
	ck_assert_uint_eq(nft_state_set(st, "egress_e_deny4")->n_elems, 2);
	nft_state_free(st);
}
END_TEST

START_TEST(round_trip_equal)
{
	const char *confs[] = {
		HEAD WEB,
		HEAD WEB GAMES DNS6 SSH HOME,
		HEAD "[Bastion]\nMark = 0x100/0xff00\n" GAMES "[Egress up]\nSource = 192.168.1.0/24\n"
		"Interface = eth0\nMasquerade = no\n",
		HEAD WEB "RateLimit = 20/second\nConnLimit = 3\nLog = yes\n" GAMES "RateLimit = 5/minute\n"
		"Log = nflog:2\n",
	};
	size_t i;

	for (i = 0; i < sizeof(confs) / sizeof(confs[0]); ++i) {
		struct nft_state *st = build_text(confs[i]), *back = round_trip(st);
		char *a = print(st), *b = print(back), *t;
		struct msgs m;
		int n;

		assert_same_text(a, b, "built vs parsed back");
		t = diff_text(back, st, &n);
		ck_assert_msg(n == 0, "config %zu: %s", i, t);
		m = batch_of(back, st);
		ck_assert_uint_eq(m.n, 0);
		free(t);
		free(a);
		free(b);
		nft_state_free(st);
		nft_state_free(back);
	}
}
END_TEST

/* The kept table orig (size bytes) written to path with one byte changed,
 * every byte of the first 512 and one in step after: recalled with each
 * of wants (NULL: none), it is refused or it is the state of digest d. */
static void flips_refused_or_same(const char *path, uint8_t *orig, size_t size, size_t step,
				  const struct nft_state *const *wants, size_t n_wants,
				  const uint8_t d[32])
{
	struct instance in = { .name = "wg0" };
	struct nft_state *back;
	uint8_t d2[32];
	size_t at, k;
	FILE *f;

	for (at = 0; at < size; at += at < 512 ? 1 : step) {
		orig[at] ^= 0x5a;
		f = fopen(path, "wb");
		fwrite(orig, 1, size, f);
		fclose(f);
		for (k = 0; k < n_wants; ++k) {
			back = nft_table_recall(&in, d, wants[k]);
			if (back) {
				nft_state_digest(back, d2);
				ck_assert_msg(!memcmp(d, d2, 32), "byte %zu changed: another state", at);
				nft_state_free(back);
			}
		}
		orig[at] ^= 0x5a;
	}
}

/* The table kept beside the generation record (nft_recall.c): what is
 * recalled is the state kept, digest for digest and with no difference;
 * a file cut short anywhere or with a byte changed anywhere is refused
 * or, where the byte is one nothing depends on, gives the same state. */
START_TEST(kept_table_recalled)
{
	static const char conf[] = HEAD WEB "RateLimit = 20/second\nConnLimit = 3\nLog = yes\n"
		GAMES DNS6 SSH HOME "[Forward empty]\nPort = 444\nDestination = 192.168.1.10\n"
		"Allow = 198.51.100.0/24\n";
	char dir[] = "/tmp/wgb-kept-XXXXXX", path[128];
	struct instance in = { .name = "wg0" };
	struct nft_state *st = build_text(conf), *back;
	uint8_t d[32], d2[32], other[32] = { 1 }, *orig;
	size_t size, at;
	FILE *f;
	int n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	rundir_override = dir;
	nft_state_digest(st, d);
	ck_assert_int_eq(nft_table_keep(&in, st, d), 0);
	back = nft_table_recall(&in, d, NULL);
	ck_assert_ptr_nonnull(back);
	nft_state_digest(back, d2);
	ck_assert_mem_eq(d, d2, sizeof(d));
	free(diff_text(back, st, &n));
	ck_assert_int_eq(n, 0);
	ck_assert_uint_eq(batch_of(back, st).n, 0);
	nft_state_free(back);
	snprintf(path, sizeof(path), "%s/wg0.nfttable", dir);
	orig = kept_slurp(path, &size);
	/* another state's digest: refused, and the file removed, so that
	 * keeping this state again writes it anew */
	ck_assert_ptr_null(nft_table_recall(&in, other, NULL));
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(nft_table_keep(&in, st, d), 0);
	ck_assert_int_eq(access(path, F_OK), 0);
	for (at = 0; at < size; at += at < 512 ? 1 : 97) {
		f = fopen(path, "wb");
		fwrite(orig, 1, at, f);
		fclose(f);
		ck_assert_msg(!nft_table_recall(&in, d, NULL), "cut at %zu: recalled", at);
	}
	flips_refused_or_same(path, orig, size, 89, (const struct nft_state *const[]){ NULL }, 1, d);
	free(orig);
	ck_assert_int_eq(nft_table_forget(&in), 0);
	ck_assert_int_eq(access(path, F_OK), -1);
	rmdir(dir);
	rundir_override = NULL;
	nft_state_free(st);
}
END_TEST

/* Recalled with a built state at hand, what the kept table's sums show to
 * be the built state's (the counters, a set) is taken from it, unread:
 * the state recalled is the one kept all the same, digest for digest and
 * difference for difference, and a file changed anywhere is refused or
 * gives that same state. */
START_TEST(kept_table_shared)
{
	static const char conf[] = HEAD WEB GAMES DNS6 SSH HOME;
	/* web's destination port moved: only the dnat4_tcp map differs */
	static const char moved[] = HEAD "[Forward web]\nPort = 443\nDestination = 192.168.1.10:8444\n"
		GAMES DNS6 SSH HOME;
	/* a forward renamed: the counters differ too */
	static const char renamed[] = HEAD "[Forward www]\nPort = 443\nDestination = 192.168.1.10:8443\n"
		GAMES DNS6 SSH HOME;
	char dir[] = "/tmp/wgb-shared-XXXXXX", path[128];
	struct instance in = { .name = "wg0" };
	struct nft_state *st = build_text(conf), *mv = build_text(moved), *rn = build_text(renamed);
	struct nft_state *full, *back;
	const struct nft_state *wants[] = { st, mv, rn };
	char *want_text, *got_text;
	uint8_t d[32], d2[32], *orig;
	size_t i, k, borrowed, size;
	int n, m;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	rundir_override = dir;
	nft_state_digest(st, d);
	ck_assert_int_eq(nft_table_keep(&in, st, d), 0);
	full = nft_table_recall(&in, d, NULL);
	ck_assert_ptr_nonnull(full);
	ck_assert(!full->objs_borrowed);
	for (k = 0; k < 3; ++k) {
		back = nft_table_recall(&in, d, wants[k]);
		ck_assert_ptr_nonnull(back);
		nft_state_digest(back, d2);
		ck_assert_mem_eq(d, d2, sizeof(d));
		/* the counters are the same but when renamed */
		ck_assert_int_eq(back->objs_borrowed, k != 2);
		for (i = 0, borrowed = 0; i < back->n_sets; ++i) {
			const struct nft_set *s = &back->sets[i];

			borrowed += s->borrowed;
			/* the moved destination's map is read, every other set taken */
			if (k == 1 && !strcmp(s->name, "dnat4_tcp"))
				ck_assert(!s->borrowed);
		}
		/* moved: dnat4_tcp differs; renamed: count4_tcp (its pool names
		 * the counter) */
		ck_assert_uint_eq(borrowed, back->n_sets - (k ? 1 : 0));
		/* the same differences as from the table recalled whole */
		want_text = diff_text(full, wants[k], &n);
		got_text = diff_text(back, wants[k], &m);
		ck_assert_int_eq(n, m);
		ck_assert_str_eq(got_text, want_text);
		ck_assert_uint_eq(batch_of(back, wants[k]).n, batch_of(full, wants[k]).n);
		free(want_text);
		free(got_text);
		nft_state_free(back);
	}
	ck_assert_int_gt(batch_of(full, mv).n, 0);
	/* a byte changed anywhere: refused, or the state kept */
	snprintf(path, sizeof(path), "%s/wg0.nfttable", dir);
	orig = kept_slurp(path, &size);
	flips_refused_or_same(path, orig, size, 61, wants, 3, d);
	free(orig);
	ck_assert_int_eq(nft_table_forget(&in), 0);
	rmdir(dir);
	rundir_override = NULL;
	nft_state_free(full);
	nft_state_free(rn);
	nft_state_free(mv);
	nft_state_free(st);
}
END_TEST

/* The kept-table fuzzer's seeds and regressions (tests/fuzz/), through
 * its own checks; run from the source tree's root, as tests/run.sh does.
 * Each seed is recalled, with or without a built state at hand; named by
 * another digest, it is refused. */
START_TEST(kept_fuzz_replays)
{
	char dir[] = "/tmp/wgb-keptfuzz-XXXXXX", file[512];
	struct kept_fixture fx;
	struct dirent *d;
	uint8_t *seed;
	size_t len;
	DIR *dp;
	int k;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	kept_fixture_init(&fx, dir);
	for (k = 0; k < 2; ++k) {
		seed = kept_seed(&fx, k, &len);
		ck_assert_int_eq(kept_check_one(&fx, seed, len), 3);
		seed[KEPT_DIGEST - 1] ^= 1;
		ck_assert_int_eq(kept_check_one(&fx, seed, len), 0);
		free(seed);
	}
	dp = opendir("tests/fuzz/regressions-kept");
	ck_assert_msg(dp != NULL, "tests/fuzz/regressions-kept: missing (run from the source tree's root)");
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "README"))
			continue;
		snprintf(file, sizeof(file), "tests/fuzz/regressions-kept/%s", d->d_name);
		seed = kept_slurp(file, &len);
		kept_check_one(&fx, seed, len);
		free(seed);
	}
	closedir(dp);
	kept_fixture_free(&fx);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* nft_qsort sorts whatever it is given as qsort does, on its own paths
 * (in order, reversed, two runs) and off them. */
START_TEST(qsort_paths)
{
	enum { N = 600 };
	int v[N], w[N];
	unsigned seed = 7;
	size_t n, split, i, kind;

	for (kind = 0; kind < 6; ++kind)
		for (n = 0; n < N; n += n < 20 ? 1 : 37)
			for (split = 0; split <= n; split += split < 5 ? 1 : 11) {
				for (i = 0; i < n; ++i) {
					seed = seed * 1103515245 + 12345;
					v[i] = (int)(seed >> 16) % (kind == 5 ? 4 : 1000);
				}
				if (kind == 1 || kind == 2 || kind == 3) {
					qsort(v, split, sizeof(*v), int_cmp);
					qsort(v + split, n - split, sizeof(*v), int_cmp);
				}
				if (kind == 2)	/* two runs, the second all smaller */
					for (i = split; i < n; ++i)
						v[i] -= 2000;
				if (kind == 3)	/* descending */
					for (i = 0; i < n; ++i)
						v[i] = -(int)i;
				if (kind == 4)
					qsort(v, n, sizeof(*v), int_cmp);
				memcpy(w, v, n * sizeof(*v));
				nft_qsort(v, n, sizeof(*v), int_cmp);
				if (n)
					qsort(w, n, sizeof(*w), int_cmp);
				ck_assert_msg(!n || !memcmp(v, w, n * sizeof(*v)),
					      "kind %zu, n %zu, split %zu: not sorted as qsort sorts", kind, n, split);
			}
}
END_TEST

START_TEST(create_and_destroy)
{
	struct nft_state *e = empty_state(), *st = build_text(HEAD WEB HOME);
	struct msgs m;

	assert_diff(e, st, "+ nft table inet wgbastion-wg0\n"
		    "+ forward web: tcp 443 -> 192.168.1.10:8443\n"
		    "+ egress home: 10.100.0.0/24, 192.168.1.0/24 -> 0.0.0.0/0, ::/0 except "
		    "100.100.100.200, 169.254.0.0/16, fd00:ec2::254, fe80::/10, masquerade\n");
	assert_diff(st, e, "- nft table inet wgbastion-wg0\n- forward web\n- egress home\n");
	m = batch_of(st, e);
	ck_assert_uint_eq(m.n, 1);
	ck_assert_uint_eq(m.types[0], NFT_MSG_DELTABLE);
	m = batch_of(e, st);
	ck_assert_uint_eq(m.types[0], NFT_MSG_NEWTABLE);
	nft_state_free(e);
	nft_state_free(st);
}
END_TEST

START_TEST(one_forward_changed)
{
	struct nft_state *a = build_text(HEAD WEB GAMES SSH);
	struct nft_state *b = build_text(HEAD "[Forward web]\nPort = 443\nDestination = 192.168.1.12:8443\n"
					 GAMES SSH);
	struct msgs m;

	assert_diff(a, b, "~ forward web: destination 192.168.1.10:8443 -> 192.168.1.12:8443\n");
	m = batch_of(a, b);
	/* the old element out, the new one in: nothing else */
	ck_assert_uint_eq(m.n, 2);
	ck_assert_uint_eq(m.types[0], NFT_MSG_DELSETELEM);
	ck_assert_uint_eq(m.types[1], NFT_MSG_NEWSETELEM);
	ck_assert_uint_eq(m.elems_added, 1);
	nft_state_free(a);
	nft_state_free(b);
}
END_TEST

START_TEST(forwards_added_removed_and_edited)
{
	struct nft_state *a = build_text(HEAD WEB GAMES SSH);
	struct nft_state *b = build_text(HEAD WEB DNS6
		"[Forward ssh]\nPort = 2222\nDestination = 192.168.1.10:22\nAllow = 198.51.100.0/24\n");

	assert_diff(a, b, "+ forward dns6: udp 53 -> [fd00:1::53]:53\n"
		    "- forward games\n"
		    "~ forward ssh: allow 198.51.100.0/24, 203.0.113.17 -> 198.51.100.0/24; "
		    "masquerade yes -> no\n");
	nft_state_free(a);
	nft_state_free(b);
}
END_TEST

START_TEST(egress_added_says_so_once)
{
	struct nft_state *a = build_text(HEAD WEB), *b = build_text(HEAD WEB HOME);
	struct nft_state *c = build_text(HEAD WEB "[Egress home]\nSource = 10.100.0.0/24, 192.168.1.0/24\n"
					 "Interface = eth0\n");

	assert_diff(a, b, "+ egress home: 10.100.0.0/24, 192.168.1.0/24 -> 0.0.0.0/0, ::/0 except "
		    "100.100.100.200, 169.254.0.0/16, fd00:ec2::254, fe80::/10, masquerade\n");
	assert_diff(b, a, "- egress home\n");
	assert_diff(b, c, "~ egress home: interface any -> eth0\n");
	nft_state_free(a);
	nft_state_free(b);
	nft_state_free(c);
}
END_TEST

START_TEST(hand_deleted_element_is_put_back)
{
	struct nft_state *want = build_text(HEAD WEB GAMES), *live = round_trip(want);
	const uint8_t p443[2] = { 0x01, 0xbb }, p444[2] = { 0x01, 0xbc };
	struct nft_set *s = (struct nft_set *)nft_state_set(live, "dnat4_tcp");
	struct msgs m;

	set_drop_elem(s, p443, false);
	set_drop_elem(s, p444, true);
	assert_diff(live, want, "~ forward web: destination nowhere -> 192.168.1.10:8443\n");
	m = batch_of(live, want);
	ck_assert_uint_eq(m.n, 1);
	ck_assert_uint_eq(m.types[0], NFT_MSG_NEWSETELEM);
	ck_assert_uint_eq(m.elems_added, 2);
	nft_state_free(want);
	nft_state_free(live);
}
END_TEST

START_TEST(foreign_rule_is_removed)
{
	struct nft_state *want = build_text(HEAD WEB), *live = round_trip(want);
	struct nft_chain *c = (struct nft_chain *)nft_state_chain(live, "pre_mark");
	struct nft_rb rb;
	struct msgs m;

	rb_init(&rb);
	rb_verdict(&rb, NF_ACCEPT);
	ck_assert_int_eq(nft_chain_add_rule(live, c, rb_done(&rb), 7), 0);
	assert_diff(live, want, "~ nft chain pre_mark: rules differ from the config, refilled\n");
	m = batch_of(live, want);
	/* flush the chain, refill it with its two rules */
	ck_assert_uint_eq(m.n, 3);
	ck_assert_uint_eq(m.types[0], NFT_MSG_DELRULE);
	ck_assert_uint_eq(m.types[1], NFT_MSG_NEWRULE);
	nft_state_free(want);
	nft_state_free(live);
}
END_TEST

START_TEST(mark_change_refills_ct_chains)
{
	struct nft_state *a = build_text(HEAD WEB);
	struct nft_state *b = build_text(HEAD "[Bastion]\nMark = 0x100/0x100\n" WEB);
	struct msgs m;

	/* the Mark is also the instance's tag in the conntrack marks: every
	 * chain that sets or tests them is refilled, nothing else */
	assert_diff(a, b, "~ nft chain pre_nat: rules differ from the config, refilled\n"
		    "~ nft chain pre_mark: rules differ from the config, refilled\n"
		    "~ nft chain forward: rules differ from the config, refilled\n"
		    "~ nft chain post_nat: rules differ from the config, refilled\n");
	m = batch_of(a, b);
	ck_assert_uint_eq(m.n, 56);	/* 4 chain flushes and their rules, no set */
	nft_state_free(a);
	nft_state_free(b);
}
END_TEST

/* A range split in two: the kernel refuses an element inside a live range,
 * so the old range goes whole (start and end) before the two new ones come
 * whole; never an end added inside it. */
START_TEST(range_split_is_whole_ranges)
{
	struct nft_state *a = build_text(HEAD "[Egress home]\nSource = 192.168.1.0/25, 192.168.1.128/25\n");
	struct nft_state *b = build_text(HEAD "[Egress home]\nSource = 192.168.1.0/26, 192.168.1.128/25\n");
	const struct nft_set *s = nft_state_set(a, "egress_home_src4");
	struct msgs m;

	/* one merged range [192.168.1.0, 192.168.2.0): a start and an end */
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->n_elems, 2);
	m = batch_of(a, b);
	ck_assert_uint_eq(m.elems_deleted, 2);
	ck_assert_uint_eq(m.elems_added, 4);
	ck_assert_uint_eq(m.types[0], NFT_MSG_DELSETELEM);
	nft_state_free(a);
	nft_state_free(b);
}
END_TEST

/* An AllowFile of these lines, dir/allow.txt in a new dir (a mkdtemp
 * template), its path in path. */
static void allow_file(char *dir, char *path, size_t len, const char *lines)
{
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, len, "%s/allow.txt", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(lines, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* AllowFile: its own interval set, reached through the port's verdict map;
 * the forward is in no open or allow set. */
START_TEST(allowfile_set_and_map)
{
	char dir[] = "/tmp/wgb-nft-XXXXXX", path[64], text[1024];
	struct nft_state *st;
	const struct nft_set *s;

	allow_file(dir, path, sizeof(path),
		   "# list\n198.51.100.0/24\n203.0.113.0/25 # half\n2001:db8::/32\n\n");
	snprintf(text, sizeof(text), HEAD "[Forward web]\nPort = 443\nDestination = 192.168.1.10\nAllowFile = %s\n", path);
	st = build_text(text);
	s = nft_state_set(st, "allowfile_web");
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->n_elems, 4);	/* two ranges; the IPv6 line skipped */
	s = nft_state_set(st, "allowfile4_tcp");
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->n_elems, 2);	/* 443 -> jump allowfile_web */
	ck_assert_uint_eq(nft_state_set(st, "open4_tcp")->n_elems, 0);
	ck_assert_uint_eq(nft_state_set(st, "allow4_tcp")->n_elems, 0);
	ck_assert_ptr_nonnull(nft_state_chain(st, "allowfile_web"));
	nft_state_free(st);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* The forwards' elements are counted before they are added, so that each
 * set is reserved once: the count is exact for every kind of element. */
START_TEST(forward_sets_reserved_as_counted)
{
	char dir[] = "/tmp/wgb-nft-XXXXXX", path[64], text[2048];
	size_t before = nft_build_miscounted;
	struct nft_state *st;

	allow_file(dir, path, sizeof(path), "198.51.100.0/24\n");
	snprintf(text, sizeof(text), HEAD WEB GAMES DNS6 SSH HOME
		 "[Forward top]\nProtocol = tcp,udp\nPort = 60000-65534\nDestination = 192.168.1.12\n"
		 "Allow = 10.0.0.0/8, 10.1.0.0/16, 11.0.0.0/8\nRateLimit = 20/second\n"
		 "ConnLimit = 4\nLog = nflog:3\nMasquerade = yes\n"
		 "[Forward six]\nPort = 8080-8081\nDestination = [fd00:1::80]:80\nLog = yes\n"
		 "RateLimit = 3/minute\n"
		 "[Forward listed]\nPort = 65535\nDestination = 192.168.1.13\nAllowFile = %s\n",
		 path);
	st = build_text(text);
	ck_assert_uint_eq(nft_state_set(st, "allow4_udp")->n_elems, 1);	/* 10/8 to 11/8: one range */
	ck_assert_uint_eq(nft_state_set(st, "rate6_tcp")->n_elems, 2);
	ck_assert_uint_eq(nft_state_set(st, "allowfile4_tcp")->n_elems, 1);	/* to the end */
	ck_assert_uint_eq(nft_build_miscounted, before);
	nft_state_free(st);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* Elements that are the same bytes but point at other strings in the
 * pool (a forward renamed to a name as long) are not the same. */
START_TEST(same_bytes_other_pool_differ)
{
	struct nft_state *a = build_text(HEAD WEB);
	struct nft_state *b = build_text(HEAD "[Forward www]\nPort = 443\nDestination = 192.168.1.10:8443\n");
	struct msgs m;

	m = batch_of(a, b);
	ck_assert_uint_ge(m.elems_deleted, 1);
	ck_assert_uint_ge(m.elems_added, 1);
	nft_state_free(a);
	nft_state_free(b);
}
END_TEST

START_TEST(views_scanned_and_indexed_agree)
{
	struct nft_state *st = build_text(HEAD WEB GAMES DNS6 SSH);
	struct nft_views *scan = nft_views_new(st), *ix = nft_views_new(st);
	struct nft_forward_view a, b;
	const char *const *names;
	size_t n, i;

	ck_assert_ptr_nonnull(scan);
	ck_assert_ptr_nonnull(ix);
	nft_views_index_names(ix);
	n = nft_views_forwards(scan, &names);
	ck_assert_uint_eq(n, 4);
	for (i = 0; i < n; ++i) {
		ck_assert(nft_view_forward(scan, names[i], &a));
		ck_assert(nft_view_forward(ix, names[i], &b));
		ck_assert_str_eq(a.ports, b.ports);
		ck_assert_str_eq(a.destination, b.destination);
		ck_assert_str_eq(a.allow, b.allow);
		ck_assert_int_eq(a.everyone, b.everyone);
		ck_assert_int_eq(a.masquerade, b.masquerade);
		ck_assert_str_eq(a.allowfile, "");	/* no AllowFile here */
		ck_assert_str_eq(b.allowfile, "");
	}
	nft_view_forward(scan, "games", &a);
	ck_assert_str_eq(a.ports, "tcp,udp 27015-27030");
	ck_assert(!nft_view_forward(scan, "nosuch", &a));
	ck_assert(!nft_view_forward(ix, "nosuch", &b));
	nft_views_free(scan);
	nft_views_free(ix);
	nft_state_free(st);
}
END_TEST

/* An AllowFile's ranges are in its forward's view, and only in its. */
START_TEST(views_name_allowfile_ranges)
{
	char dir[] = "/tmp/wgb-nft-XXXXXX", path[64], text[1024];
	struct nft_forward_view a;
	struct nft_state *st;
	struct nft_views *v;

	allow_file(dir, path, sizeof(path), "198.51.100.0/24\n203.0.113.0/25\n");
	snprintf(text, sizeof(text), HEAD WEB "[Forward af]\nPort = 444\nDestination = 192.168.1.10\n"
		 "AllowFile = %s\n", path);
	st = build_text(text);
	v = nft_views_new(st);
	ck_assert_ptr_nonnull(v);
	nft_views_index_names(v);
	ck_assert(nft_view_forward(v, "af", &a));
	ck_assert_str_eq(a.allowfile, "2 ranges");
	ck_assert(nft_view_forward(v, "web", &a));
	ck_assert_str_eq(a.allowfile, "");
	nft_views_free(v);
	nft_state_free(st);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(thousand_forwards_one_changed)
{
	size_t cap = 1000 * 96 + 512, i;
	char *t1 = malloc(cap), *t2 = malloc(cap);
	size_t n1, n2;
	struct nft_state *a, *b, *e;
	struct msgs m;

	ck_assert_ptr_nonnull(t1);
	ck_assert_ptr_nonnull(t2);
	n1 = n2 = (size_t)snprintf(t1, cap, "%s", HEAD);
	memcpy(t2, t1, n1 + 1);
	for (i = 0; i < 1000; ++i) {
		n1 += (size_t)snprintf(t1 + n1, cap - n1, "[Forward f%zu]\nPort = %zu\n"
				       "Destination = 192.168.1.%zu:80\n", i, 10000 + i, 1 + i % 200);
		n2 += (size_t)snprintf(t2 + n2, cap - n2, "[Forward f%zu]\nPort = %zu\n"
				       "Destination = 192.168.1.%zu:80\n", i, 10000 + i,
				       i == 500 ? 250 : 1 + i % 200);
	}
	a = build_text(t1);
	b = build_text(t2);
	assert_diff(a, b, "~ forward f500: destination 192.168.1.101:80 -> 192.168.1.250:80\n");
	m = batch_of(a, b);
	ck_assert_uint_le(m.n, 4);
	ck_assert_uint_eq(m.elems_added, 1);
	e = empty_state();
	m = batch_of(e, a);
	ck_assert_uint_lt(m.n, 1000 + 200);	/* counters, plus elements by the page */
	nft_state_free(e);
	nft_state_free(a);
	nft_state_free(b);
	free(t1);
	free(t2);
}
END_TEST

START_TEST(rebuild_keeps_counter_values)
{
	struct nft_state *want = build_text(HEAD WEB), *live = round_trip(want);
	struct nft_obj *o = (struct nft_obj *)nft_state_obj(live, "forward_web");
	struct msgs m = { 0 };
	uint64_t pk, by;

	ck_assert_ptr_nonnull(o);
	o->packets = 42;
	o->bytes = 4200;
	/* a table with another comment cannot be edited in place */
	live->table_udata[2] = 'M';
	assert_diff(live, want, "~ nft table inet wgbastion-wg0: rebuilt, the table is defined differently\n");
	m.parsed = nft_state_new(want->table);
	ck_assert_int_eq(nft_batch_for_each(live, want, msg_cb, &m), 0);
	ck_assert_uint_eq(m.types[0], NFT_MSG_DELTABLE);
	ck_assert_uint_eq(m.types[1], NFT_MSG_NEWTABLE);
	nft_state_finish(m.parsed);
	ck_assert_int_eq(nft_state_forward_counter(m.parsed, "web", &pk, &by), 0);
	ck_assert_uint_eq(pk, 42);
	ck_assert_uint_eq(by, 4200);
	nft_state_free(m.parsed);
	nft_state_free(want);
	nft_state_free(live);
}
END_TEST

/* Set names are made and read back in one file: every name parses back
 * to what made it, and what is not ours does not parse. */
/* A far side (SPEC §6): the bastion as its peer, returns and an exit. */
#define FAR "[Interface]\nPrivateKey = " PRIV "\nAddress = 10.100.0.2/24\n" \
	"[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = 0.0.0.0/0, ::/0\n"
#define RET_WEB "[Return web]\nDestination = 192.168.50.10\n"
#define RET_ANY "[Return any]\n"
/* (not "lan": libnftnl 1.2.4 writes objref names without their NUL, and
 * the round trip here reads "exit_lan", 8 bytes, into the next attribute;
 * the kernel copes, see nft_expr.c) */
#define EXIT_LAN "[Exit home]\nSource = 192.168.50.0/24, fd50::/64\n"

START_TEST(far_side_chains_sets_and_lines)
{
	struct nft_state *e = empty_state(), *a = build_text(FAR RET_WEB EXIT_LAN);
	struct nft_state *b = build_text(FAR "[Return web]\nDestination = 192.168.50.11\n" RET_ANY EXIT_LAN);
	struct nft_state *c = build_text(FAR RET_WEB), *back;
	const struct nft_chain *ch;
	char *x, *y;
	struct msgs m;

	ch = nft_state_chain(a, "far_pre");
	ck_assert_ptr_nonnull(ch);
	/* web (IPv4 only), the replies, home (two families), its mark */
	ck_assert_uint_eq(ch->n_rules, 5);
	ch = nft_state_chain(a, "far_out");
	ck_assert_ptr_nonnull(ch);
	ck_assert_uint_eq(ch->n_rules, 1);
	ck_assert_ptr_nonnull(nft_state_chain(c, "far_pre"));
	ck_assert_ptr_nonnull(nft_state_chain(c, "far_out"));
	ck_assert_uint_eq(nft_state_set(a, "return_web_dst4")->n_elems, 2);
	ck_assert_uint_eq(nft_state_set(a, "return_web_dst6")->n_elems, 0);
	ck_assert_uint_eq(nft_state_set(a, "exit_home_src6")->n_elems, 2);

	/* what the reader parses back is what was built */
	back = round_trip(a);
	x = print(a);
	y = print(back);
	assert_same_text(x, y, "built vs parsed back");
	m = batch_of(back, a);
	ck_assert_uint_eq(m.n, 0);
	free(x);
	free(y);
	nft_state_free(back);

	assert_diff(e, a, "+ nft table inet wgbastion-wg0\n+ exit home\n+ return web\n");
	assert_diff(a, b, "~ return web: destination changed\n+ return any\n");
	/* the rules all exits share go with the last one */
	assert_diff(a, c, "- exit home\n~ nft chain forward: rules differ from the config, refilled\n"
		    "~ nft chain far_pre: rules differ from the config, refilled\n");
	assert_diff(c, a, "+ exit home\n~ nft chain forward: rules differ from the config, refilled\n"
		    "~ nft chain far_pre: rules differ from the config, refilled\n");
	/* one destination changed: its elements, nothing else */
	nft_state_free(b);
	b = build_text(FAR "[Return web]\nDestination = 192.168.50.11\n" EXIT_LAN);
	m = batch_of(a, b);
	ck_assert_uint_eq(m.n, 2);
	ck_assert_uint_eq(m.types[0], NFT_MSG_DELSETELEM);
	ck_assert_uint_eq(m.types[1], NFT_MSG_NEWSETELEM);
	nft_state_free(e);
	nft_state_free(a);
	nft_state_free(b);
	nft_state_free(c);
}
END_TEST

START_TEST(set_names_round_trip)
{
	static const char *const not_ours[] = {
		"dnat4_tcp_kept", "open5_tcp", "open4-tcp", "masq4_tcp_keep", "count4_sctp",
		"egress_lan_src", "egress__src4", "egress_lan_mask4", "open4_tcpx",
	};
	enum nft_fs_kind k;
	enum nft_es_kind ek;
	char name[64], eg[32];
	int fam, proto;
	size_t i, f, p;

	for (i = 0; i < NFT_FS_KINDS; ++i)
		for (f = 0; f < 2; ++f)
			for (p = 0; p < 2; ++p) {
				nft_fwd_set_name(name, sizeof(name), (enum nft_fs_kind)i, f, p);
				ck_assert_msg(nft_fwd_set_parse(name, &k, &fam, &proto), "%s", name);
				ck_assert_int_eq(k, i);
				ck_assert_int_eq(fam, f ? 6 : 4);
				ck_assert_int_eq(proto, p ? IPPROTO_UDP : IPPROTO_TCP);
				ck_assert(!nft_egr_set_parse(name, eg, sizeof(eg), &ek, &fam));
			}
	nft_fwd_set_name(name, sizeof(name), NFT_FS_KEEP, 1, 1);
	ck_assert_str_eq(name, "dnat6_udp_keep");
	for (i = 0; i < NFT_ES_KINDS; ++i)
		for (f = 0; f < 2; ++f) {
			nft_egr_set_name(name, sizeof(name), "my_lan.1", (enum nft_es_kind)i, f);
			ck_assert_msg(nft_egr_set_parse(name, eg, sizeof(eg), &ek, &fam), "%s", name);
			ck_assert_str_eq(eg, "my_lan.1");
			ck_assert_int_eq(ek, i);
			ck_assert_int_eq(fam, f ? 6 : 4);
			ck_assert(!nft_fwd_set_parse(name, &k, &fam, &proto));
		}
	nft_egr_set_name(name, sizeof(name), "home", NFT_ES_DENY, 0);
	ck_assert_str_eq(name, "egress_home_deny4");
	for (i = 0; i < sizeof(not_ours) / sizeof(not_ours[0]); ++i) {
		ck_assert_msg(!nft_fwd_set_parse(not_ours[i], &k, &fam, &proto), "%s", not_ours[i]);
		ck_assert_msg(!nft_egr_set_parse(not_ours[i], eg, sizeof(eg), &ek, &fam), "%s",
			      not_ours[i]);
	}
}
END_TEST

static Suite *nft_suite(void)
{
	Suite *s = suite_create("nft");
	TCase *tc = tcase_create("nft");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, empty_is_no_table);
	tcase_add_test(tc, build_forwards_and_egress);
	tcase_add_test(tc, forward_sets_reserved_as_counted);
	tcase_add_test(tc, adjacent_and_overlapping_prefixes_merge);
	tcase_add_test(tc, limits_one_chain_per_distinct_limit);
	tcase_add_test(tc, log_chain_per_logged_forward);
	tcase_add_test(tc, round_trip_equal);
	tcase_add_test(tc, create_and_destroy);
	tcase_add_test(tc, one_forward_changed);
	tcase_add_test(tc, forwards_added_removed_and_edited);
	tcase_add_test(tc, egress_added_says_so_once);
	tcase_add_test(tc, hand_deleted_element_is_put_back);
	tcase_add_test(tc, foreign_rule_is_removed);
	tcase_add_test(tc, mark_change_refills_ct_chains);
	tcase_add_test(tc, same_bytes_other_pool_differ);
	tcase_add_test(tc, views_scanned_and_indexed_agree);
	tcase_add_test(tc, views_name_allowfile_ranges);
	tcase_add_test(tc, thousand_forwards_one_changed);
	tcase_add_test(tc, range_split_is_whole_ranges);
	tcase_add_test(tc, allowfile_set_and_map);
	tcase_add_test(tc, rebuild_keeps_counter_values);
	tcase_add_test(tc, set_names_round_trip);
	tcase_add_test(tc, kept_table_recalled);
	tcase_add_test(tc, kept_table_shared);
	tcase_add_test(tc, kept_fuzz_replays);
	tcase_add_test(tc, qsort_paths);
	tcase_add_test(tc, far_side_chains_sets_and_lines);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(nft_suite)
