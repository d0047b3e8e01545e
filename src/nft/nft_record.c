// SPDX-License-Identifier: GPL-2.0-only
/*
 * Not reading back what is known to be unchanged (SPEC §5, "fast at any
 * size"). The ruleset's generation id is the kernel's compare-and-swap:
 * every commit, by anyone, moves it on by one, and a batch carrying a
 * stale one is refused (ERESTART). So after a run that left our table
 * holding exactly the built state S at generation G, a later run that
 * finds the generation still at G knows the table still holds S: when its
 * own desired state is S again, nothing is to be done and nothing need be
 * read. The record, NAME.nftgen in the namespace's run directory:
 *
 *	boot=<the kernel's boot_id>
 *	gen=<G>
 *	digest=<BLAKE2b-256 of S (its bulk through SipHash, h_bulk), hex>
 *	ipv6=<0 or 1: the config uses IPv6>
 *	stamp=<the config's stamp (config/config_input.c), hex, or ->
 *
 * stamp= lets a run skip even the config's forwards: a config whose files
 * (this build, and the identity of each, taken only once each had
 * settled) are the ones that built S builds S again, and is read without
 * its [Forward]s (config_load_known, through the index apply keeps). A
 * config read whole is told by the table it builds (digest=). The stages
 * other than nft still read the kernel and build from the rest of the
 * config, IPv6 use included, which is why the record says it and an
 * elided config must agree. (An input= line, the digest of the config's
 * contents that earlier builds kept, is read and ignored.)
 *
 * Pitfalls, and how they are met:
 *  - a new network namespace starts at a low generation again: the run
 *    directory is per namespace (core/rundir.h), keyed by a cookie never
 *    reused while the host is up, and boot= ties the record to this boot;
 *  - G is the generation our batch left (the one it carried, plus one),
 *    never a GETGEN after the commit, where another writer could have
 *    slipped in; a no-op run records the generation it read the table at,
 *    read consistently (nft_read_state);
 *  - the record goes before any batch is sent and is written last, whole
 *    (a new file renamed over the old): a crash leaves no record or an old
 *    one whose generation has passed, i.e. a full read, never a wrong skip;
 *  - any other writer (Docker, iptables-nft, a hand edit) moves the
 *    generation: the next run reads the table and repairs what it must;
 *  - counters are not in the digest (show reads them live, always), and
 *    only built states are recorded: after a rollback there is no record;
 *  - a record that is not exactly this shape is refused with a warning,
 *    and the table read.
 *
 * S itself is kept beside the record (nft_recall.c), written before it:
 * a changed config is then compared with S (recall) instead of the table
 * read back, while the generation still holds. A recalled S has no
 * counter values; the rare sync that makes the table anew reads it first
 * (nft_sync), and a rollback after a forward was removed puts its counter
 * back at zero.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>

#include "core/rundir.h"
#include "lib/warn.h"
#include "nft_int.h"

#define DIGEST_LEN	32
#define BOOT_ID_LEN	36	/* a UUID as text */

/* ---- the digest ---- */

static void h_bytes(crypto_generichash_state *h, const void *p, size_t n)
{
	uint64_t len = n;

	/* each field with its length: no two states hash alike by shifting
	 * bytes from one field to the next */
	crypto_generichash_update(h, (const unsigned char *)&len, sizeof(len));
	if (n)
		crypto_generichash_update(h, p, n);
}

static void h_str(crypto_generichash_state *h, const char *s)
{
	h_bytes(h, s ? s : "", s ? strlen(s) : 0);
}

static void h_u64(crypto_generichash_state *h, uint64_t v)
{
	crypto_generichash_update(h, (const unsigned char *)&v, sizeof(v));
}

/*
 * The bulk of a state, its sets' elements and pools (1.1 MB of a table
 * of ten thousand forwards, hashed twice by a changed apply), goes in as
 * its 128-bit SipHash-2-4 (libsodium's crypto_shorthash_siphashx24):
 * 0.47 ms for 1.5 MB where BLAKE2b takes 2.35 ms on the bench machine,
 * and as good at telling two states apart. The key is fixed: the digest
 * authenticates nothing, whoever writes the config or the run directory
 * is root already.
 */
static void bulk_sum(uint8_t out[NFT_BULK_SUM / 2], const void *p, size_t n)
{
	static const unsigned char key[crypto_shorthash_siphashx24_KEYBYTES];

	crypto_shorthash_siphashx24(out, n ? p : (const void *)key, n, key);
}

/* A set's sums: its elements' then its pool's. A built state's are kept
 * (its sets change no more); so are those nft_recall.c gives a set it
 * takes from a built one. */
void nft_set_sums(const struct nft_state *st, const struct nft_set *s, uint8_t out[NFT_BULK_SUM])
{
	if (s->has_sum) {
		memcpy(out, s->sum, NFT_BULK_SUM);
		return;
	}
	bulk_sum(out, s->elems, s->n_elems * s->stride);
	bulk_sum(out + NFT_BULK_SUM / 2, s->pool, s->pool_len);
	if (st->built) {
		struct nft_set *w = (struct nft_set *)s;	/* a cache, as below */

		memcpy(w->sum, out, NFT_BULK_SUM);
		w->has_sum = true;
	}
}

/* The counters' names and types, in order, as one sum: a recalled state
 * whose counters are the built state's (most changes) takes them from it
 * by this, unread. */
void nft_objs_sum(const struct nft_state *st, uint8_t out[NFT_OBJS_SUM])
{
	crypto_generichash_state h;
	size_t i;

	if (st->has_objs_sum) {
		memcpy(out, st->objs_sum, NFT_OBJS_SUM);
		return;
	}
	crypto_generichash_init(&h, NULL, 0, NFT_OBJS_SUM);
	for (i = 0; i < st->n_objs; ++i) {
		h_str(&h, st->objs[i].name);
		h_u64(&h, st->objs[i].type);
	}
	crypto_generichash_final(&h, out, NFT_OBJS_SUM);
	if (st->built) {
		struct nft_state *w = (struct nft_state *)st;

		memcpy(w->objs_sum, out, NFT_OBJS_SUM);
		w->has_objs_sum = true;
	}
}

void nft_state_digest(const struct nft_state *st, uint8_t out[DIGEST_LEN])
{
	crypto_generichash_state h;
	uint8_t sum[NFT_BULK_SUM];
	size_t i, j;

	if (st->has_digest) {
		memcpy(out, st->digest, DIGEST_LEN);
		return;
	}

	crypto_generichash_init(&h, NULL, 0, DIGEST_LEN);
	h_str(&h, st->table);
	h_u64(&h, st->table_exists);
	h_u64(&h, st->table_flags);
	h_bytes(&h, st->table_udata, st->table_udata_len);
	h_u64(&h, st->n_objs);
	nft_objs_sum(st, sum);
	h_bytes(&h, sum, NFT_OBJS_SUM);
	h_u64(&h, st->n_sets);
	for (i = 0; i < st->n_sets; ++i) {
		const struct nft_set *s = &st->sets[i];

		h_str(&h, s->name);
		h_u64(&h, s->flags);
		h_u64(&h, (uint64_t)s->key_type << 32 | s->key_len);
		h_u64(&h, (uint64_t)s->data_type << 32 | s->data_len);
		h_u64(&h, (uint64_t)s->obj_type << 32 | s->policy);
		h_u64(&h, s->desc_size);
		h_u64(&h, s->timeout);
		h_u64(&h, s->field_count);
		h_bytes(&h, s->field_len, sizeof(s->field_len));
		h_bytes(&h, s->udata, s->udata_len);
		h_u64(&h, s->stride);
		nft_set_sums(st, s, sum);
		h_bytes(&h, sum, NFT_BULK_SUM);
		h_u64(&h, s->n_elems * s->stride);
		h_u64(&h, s->pool_len);
	}
	h_u64(&h, st->n_chains);
	for (i = 0; i < st->n_chains; ++i) {
		const struct nft_chain *c = &st->chains[i];

		h_str(&h, c->name);
		h_str(&h, c->sig);
		h_u64(&h, c->n_rules);
		for (j = 0; j < c->n_rules; ++j)
			h_str(&h, c->rules[j].sig);
	}
	crypto_generichash_final(&h, out, DIGEST_LEN);
	if (st->built) {
		/* a cache, not a change of the state: the one place a
		 * const state is written */
		struct nft_state *w = (struct nft_state *)st;

		memcpy(w->digest, out, DIGEST_LEN);
		w->has_digest = true;
	}
}

/* ---- the record ---- */

static int boot_id(char out[BOOT_ID_LEN + 1])
{
	ssize_t n;
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, out, BOOT_ID_LEN);
	close(fd);
	if (n != BOOT_ID_LEN)
		return -EIO;
	out[BOOT_ID_LEN] = '\0';
	return 0;
}

struct record {
	char boot[BOOT_ID_LEN + 1];
	uint32_t gen;
	uint8_t digest[DIGEST_LEN];
	bool has_stamp, ipv6;
	uint8_t stamp[CONFIG_INPUT_LEN];
};

/* "-", or the hex of v */
static void hex_or_dash(char *out, size_t len, bool has, const uint8_t *v, size_t vlen)
{
	if (has)
		sodium_bin2hex(out, len, v, vlen);
	else
		strcpy(out, "-");
}

static void record_save(const struct instance *in, uint32_t gen, const struct nft_state *st)
{
	char boot[BOOT_ID_LEN + 1], hex[2 * DIGEST_LEN + 1];
	char shex[2 * CONFIG_INPUT_LEN + 1], text[256];
	uint8_t d[DIGEST_LEN];
	int n;

	if (!st->built || st->elided || !st->table_exists || boot_id(boot) < 0)
		return;
	nft_state_digest(st, d);
	sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
	hex_or_dash(shex, sizeof(shex), st->has_stamp, st->stamp, sizeof(st->stamp));
	/* the table first, the record that vouches for it last */
	if (nft_table_keep(in, st, d) < 0)
		debugx("nft: cannot keep the table beside the record: a changed config reads it back");
	n = snprintf(text, sizeof(text),
		     "boot=%s\ngen=%u\ndigest=%s\nipv6=%d\nstamp=%s\n",
		     boot, gen, hex, st->ipv6, shex);
	if (rundir_replace(in->name, RUNDIR_NFTGEN, text, (size_t)n) < 0)
		debugx("nft: cannot keep the generation record: the next apply reads the table");
	else
		debugx("nft: generation %u recorded: the next apply need not read the table", gen);
}

static bool hex_field(const char *s, uint8_t *out, size_t len)
{
	size_t dl;

	return strlen(s) == 2 * len &&
	       !sodium_hex2bin(out, len, s, strlen(s), NULL, &dl, NULL) && dl == len;
}

/* "-" (*has false), or a config's stamp in hex (*has true) */
static bool dash_or_hex(const char *s, uint8_t out[CONFIG_INPUT_LEN], bool *has)
{
	*has = strcmp(s, "-") != 0;
	return !*has || hex_field(s, out, CONFIG_INPUT_LEN);
}

/* The record's fields, each checked; false (and a warning when it is
 * there but not right) when it cannot be used. ipv6= and stamp= came
 * later: a record without them only never vouches for an elided config;
 * input= went (ignored). */
static bool record_load(const struct instance *in, struct record *rec)
{
	static const char *const keys[] = {
		"boot=", "gen=", "digest=", "input=", "ipv6=", "stamp=",
	};
	char *text = NULL, *line, *next, *end;
	uint8_t ignored[CONFIG_INPUT_LEN];
	bool has_ignored;
	unsigned have = 0, lineno = 0, k;
	unsigned long long g;
	size_t len;
	int ret;

	memset(rec, 0, sizeof(*rec));
	ret = rundir_read(in->name, RUNDIR_NFTGEN, &text, &len);
	if (ret < 0) {
		if (ret != -ENOENT)
			rundir_warn_bad(in->name, RUNDIR_NFTGEN, 0, "unreadable (%s); the table is read",
					strerror(-ret));
		return false;
	}
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		++lineno;
		for (k = 0; k < 6 && strncmp(line, keys[k], strlen(keys[k])); ++k)
			;
		if (k == 6 || (have & 1u << k))
			goto bad;
		have |= 1u << k;
		line += strlen(keys[k]);
		switch (k) {
		case 0:
			if (strlen(line) != BOOT_ID_LEN)
				goto bad;
			memcpy(rec->boot, line, BOOT_ID_LEN + 1);
			break;
		case 1:
			if (*line < '0' || *line > '9')
				goto bad;
			errno = 0;
			g = strtoull(line, &end, 10);
			if (errno || *end || g > UINT32_MAX)
				goto bad;
			rec->gen = (uint32_t)g;
			break;
		case 2:
			if (!hex_field(line, rec->digest, DIGEST_LEN))
				goto bad;
			break;
		case 3:		/* input=: an older record's, not used */
			if (!dash_or_hex(line, ignored, &has_ignored))
				goto bad;
			break;
		case 4:
			if (strcmp(line, "0") && strcmp(line, "1"))
				goto bad;
			rec->ipv6 = *line == '1';
			break;
		default:
			if (!dash_or_hex(line, rec->stamp, &rec->has_stamp))
				goto bad;
		}
	}
	free(text);
	/* boot=, gen=, digest=; ipv6= and stamp= together or neither */
	if ((have & 7) != 7 || (have & 48) == 16 || (have & 48) == 32) {
		rundir_warn_bad(in->name, RUNDIR_NFTGEN, 0, "incomplete; ignored, the table is read");
		return false;
	}
	return true;
bad:
	rundir_warn_bad(in->name, RUNDIR_NFTGEN, lineno, "not a generation record; ignored, the table is read");
	free(text);
	return false;
}

/* ---- the stage's part ---- */

/* want's config is the record's by its stamp */
static bool same_stamp(const struct nft_state *want, const struct record *rec)
{
	return want->has_stamp && rec->has_stamp &&
	       !sodium_memcmp(want->stamp, rec->stamp, CONFIG_INPUT_LEN);
}

/* want's stamp (or none) and IPv6 use are the record's */
static bool recorded(const struct nft_state *want, const struct record *rec)
{
	return want->ipv6 == rec->ipv6 && want->has_stamp == rec->has_stamp &&
	       (!want->has_stamp || same_stamp(want, rec));
}

/* The record is this boot's: generations start again at a boot. */
static bool this_boot(const struct record *rec)
{
	char now[BOOT_ID_LEN + 1];

	return boot_id(now) == 0 && !strcmp(now, rec->boot);
}

/* The ruleset's generation now: 0, or -errno. */
static int live_gen(uint32_t *gen)
{
	struct wgb_err e = { 0 };
	struct mnl_socket *nl = nft_socket_open(&e);
	int ret;

	if (!nl)
		return -EIO;
	ret = nft_getgen(nl, gen, &e);
	mnl_socket_close(nl);
	return ret;
}

/* What unchanged() found for a want whose table is not the one left
 * while the record still holds (the generation as left): recall() takes
 * the kept table by it, not reading the record or the generation again. */
static const struct nft_state *held_for;
static uint32_t held_gen;
static uint8_t held_digest[DIGEST_LEN];

/* A table unchanged() found in sync for a new input, at generation
 * vouched_gen: settled() records it. */
static const struct nft_state *vouched;
static uint32_t vouched_gen;

int nft_unchanged(const struct instance *in, const void *want_)
{
	const struct nft_state *want = want_;
	uint8_t d[DIGEST_LEN];
	struct record rec;
	uint32_t live;

	held_for = NULL;
	if (!want->built || !want->table_exists || !record_load(in, &rec))
		return 0;
	if (!this_boot(&rec)) {
		debugx("nft: the generation record is from another boot: reading the table");
		return 0;
	}
	/* an elided config is vouched for by its stamp alone: the same
	 * build and files as the whole one the record was left by */
	if (want->elided && (want->ipv6 != rec.ipv6 || !same_stamp(want, &rec))) {
		debugx("nft: the config is not the one the table was left by: reading it whole");
		return 0;
	}
	if (live_gen(&live) < 0)
		return 0;
	if (live != rec.gen) {
		debugx("nft: the ruleset is at generation %u, not %u as left: reading the table",
		       live, rec.gen);
		return 0;
	}
	if (!want->elided) {
		nft_state_digest(want, d);
		if (sodium_memcmp(d, rec.digest, DIGEST_LEN)) {
			debugx("nft: generation %u unchanged, the config's table is not the one left",
			       live);
			held_for = want;
			held_gen = live;
			memcpy(held_digest, rec.digest, DIGEST_LEN);
			return 0;
		}
		/* another config built the same table (a comment added,
		 * say), or the same one has a new stamp (the file touched,
		 * or it has settled since): settled() records this one, for
		 * the next run to skip its forwards */
		if (!recorded(want, &rec)) {
			vouched = want;
			vouched_gen = live;
		}
	}
	debugx("nft: generation %u unchanged since wgbastion left the table as the config has it: not read%s",
	       live, want->elided ? " (nor the config's forwards: the same input as then, its files untouched)" : "");
	return 1;
}

/*
 * A changed config, while the ruleset is still at the generation our
 * last batch left: the kernel holds the state the record names, which
 * nft_recall.c kept beside it, so the new table is compared with that
 * instead of being read back. A difference that makes the table anew (a
 * set's or chain's definition changed) makes its counters again with the
 * counts read, which a kept table does not have: nft_sync reads the
 * table for that one.
 */
int nft_recall(const struct instance *in, const void *want_, void **live)
{
	const struct nft_state *want = want_;
	struct nft_state *st;

	*live = NULL;
	if (want != held_for)
		return 0;	/* unchanged() did not find the record holding */
	held_for = NULL;
	st = nft_table_recall(in, held_digest, want);
	if (!st)
		return 0;
	st->genid = held_gen;
	st->recalled = true;
	debugx("nft: generation %u unchanged since wgbastion left the table: compared with the table kept then, not read back",
	       held_gen);
	*live = st;
	return 1;
}

/* What the last successful sync left, for settled(). */
static uint32_t committed_gen;
static const struct nft_state *committed_to;

void nft_record_invalidate(const struct instance *in)
{
	committed_to = NULL;
	rundir_replace(in->name, RUNDIR_NFTGEN, NULL, 0);
}

void nft_record_committed(uint32_t genid, const struct nft_state *to)
{
	/* the kernel moves the generation on by one per commit (never to 0) */
	committed_gen = genid + 1 ? genid + 1 : 1;
	committed_to = to;
}

void nft_settled(const struct instance *in, const void *old_, const void *want_)
{
	const struct nft_state *old = old_, *want = want_;

	if (want == committed_to)
		record_save(in, committed_gen, want);	/* our batch made it so */
	else if (old)
		record_save(in, old->genid, want);	/* read, and found in sync */
	else if (want == vouched)
		record_save(in, vouched_gen, want);	/* not read; a new input for it */
	/* else: not read, the record still holds */
}

int nft_record_forget(const struct instance *in)
{
	int ret = rundir_replace(in->name, RUNDIR_NFTGEN, NULL, 0);
	int kept = nft_table_forget(in);

	if (ret == -ENOENT)
		ret = 0;
	return ret < 0 ? ret : kept;
}
