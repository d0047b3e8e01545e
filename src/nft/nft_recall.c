// SPDX-License-Identifier: GPL-2.0-only
/*
 * The table the generation record vouches for, kept beside it as
 * NAME.nfttable (SPEC §5, "fast at any size"). The record proves that the
 * kernel still holds exactly the built state S it names by digest; with S
 * itself at hand, a changed config is compared with S instead of reading
 * the table back (at 10,000 forwards, half of a one-change apply: the
 * kernel restarts its walk of a set at each 32 KB of dump).
 *
 * The file is a cache of this build's own structures, for this boot, in
 * this build's layout; no library format holds them, hence this encoder
 * and its reader. Host byte order, for the same reason:
 *
 *	"wgbastion nft table 1\n"   MAGIC
 *	u32 n, n bytes              the build id (lib/buildid.h)
 *	32 bytes                    S's digest (nft_state_digest)
 *	u32 n, 32 bytes, n bytes    the table, its chains and their rules:
 *	                            the messages of the batch that creates
 *	                            them, as nft_read parses a dump, after
 *	                            their BLAKE2b (libnftnl's parsers trust
 *	                            what they are given: the kernel's)
 *	u32 n; n x (u32 type, u32 len, name)        the counters
 *	u32 n; n x (set definition, u64 elements, u64 stride, u64 pool)
 *	then each set's elements and pool, in that order
 *
 * Trust: the file is a record of the run directory (regular, ours, not a
 * link: rundir_read_bin), every length is checked against what is left,
 * and what is read is used only when its digest is the one the record
 * holds: a torn, stale or foreign file means reading the table, never a
 * wrong comparison.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <limits.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "core/rundir.h"
#include "lib/array.h"
#include "lib/buildid.h"
#include "lib/warn.h"
#include "nft_int.h"

#define MAGIC		"wgbastion nft table 1\n"
#define MAGIC_LEN	(sizeof(MAGIC) - 1)
#define DIGEST_LEN	32
#define BUILD_ID_MAX	64
#define TABLE_FILE_MAX	((size_t)1 << 30)
#define NAME_MAX_LEN	256
#define KEY_MAX_LEN	64

/* ---- writing ---- */

struct wbuf {
	uint8_t *p;
	size_t n, cap;
	int err;
};

static void put(struct wbuf *w, const void *p, size_t n)
{
	if (w->err || !n)
		return;
	if (array_reserve_hot(w->p, &w->cap, w->n + n) < 0) {
		w->err = -ENOMEM;
		return;
	}
	memcpy(w->p + w->n, p, n);
	w->n += n;
}

static void put_u32(struct wbuf *w, uint32_t v)
{
	put(w, &v, sizeof(v));
}

static void put_u64(struct wbuf *w, uint64_t v)
{
	put(w, &v, sizeof(v));
}

static void put_str(struct wbuf *w, const char *s)
{
	put_u32(w, (uint32_t)strlen(s));
	put(w, s, strlen(s));
}

/* The header: magic, build id, digest; false without a build id. */
static bool put_head(struct wbuf *w, const uint8_t digest[DIGEST_LEN])
{
	size_t idlen;
	const uint8_t *id = build_id(&idlen);

	if (!id || idlen > BUILD_ID_MAX)
		return false;
	put(w, MAGIC, MAGIC_LEN);
	put_u32(w, (uint32_t)idlen);
	put(w, id, idlen);
	put(w, digest, DIGEST_LEN);
	return true;
}

static int msg_put(const struct nlmsghdr *nlh, void *data)
{
	static const uint8_t pad[NLMSG_ALIGNTO];
	struct wbuf *w = data;

	if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN || nlh->nlmsg_type == NFNL_MSG_BATCH_END)
		return 0;
	put(w, nlh, nlh->nlmsg_len);
	put(w, pad, NLMSG_ALIGN(nlh->nlmsg_len) - nlh->nlmsg_len);
	return w->err;
}

/* The table and its chains and rules as messages: the batch that makes
 * them from nothing, with the counters and sets left out (they follow,
 * in their own layout, which is most of the file). */
static int put_chains(struct wbuf *w, const struct nft_state *st)
{
	static const uint8_t zero[DIGEST_LEN];
	struct nft_state none = { .table = st->table };
	struct nft_state bare = *st;
	size_t at;
	uint32_t len;
	int ret;

	bare.n_objs = 0;
	bare.n_sets = 0;
	/* aligned, for the reader's netlink walk */
	while (w->n % 4)
		put(w, "", 1);
	put_u32(w, 0);
	put(w, zero, DIGEST_LEN);		/* room for the hash */
	at = w->n;
	ret = nft_batch_for_each(&none, &bare, msg_put, w);
	if (ret < 0 || w->err)
		return ret < 0 ? ret : w->err;
	len = (uint32_t)(w->n - at);
	memcpy(w->p + at - DIGEST_LEN - sizeof(len), &len, sizeof(len));
	crypto_generichash(w->p + at - DIGEST_LEN, DIGEST_LEN, w->p + at, len, NULL, 0);
	return 0;
}

/* The file holds S already (a run that changed nothing in the table). */
static bool kept_already(const struct instance *in, const uint8_t digest[DIGEST_LEN])
{
	struct wbuf want = { 0 };
	char path[PATH_MAX];
	uint8_t got[MAGIC_LEN + 4 + BUILD_ID_MAX + DIGEST_LEN];
	bool same = false;
	ssize_t n;
	int fd;

	if (!put_head(&want, digest) || want.err ||
	    rundir_path(path, sizeof(path), in->name, RUNDIR_NFTTABLE, false) < 0)
		goto out;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		goto out;
	n = pread(fd, got, want.n, 0);
	close(fd);
	same = n == (ssize_t)want.n && !memcmp(got, want.p, want.n);
out:
	free(want.p);
	return same;
}

int nft_table_keep(const struct instance *in, const struct nft_state *st,
		   const uint8_t digest[DIGEST_LEN])
{
	struct wbuf w = { 0 };
	struct iovec *iov = NULL;
	size_t i, n_iov = 0;
	int ret;

	if (kept_already(in, digest))
		return 0;
	if (!put_head(&w, digest))
		return -ENOTSUP;
	ret = put_chains(&w, st);
	if (ret < 0)
		goto out;
	put_u32(&w, (uint32_t)st->n_objs);
	for (i = 0; i < st->n_objs; ++i) {
		if (st->objs[i].raw) {
			ret = -ENOTSUP;		/* never in a built state */
			goto out;
		}
		put_u32(&w, st->objs[i].type);
		put_str(&w, st->objs[i].name);
	}
	put_u32(&w, (uint32_t)st->n_sets);
	for (i = 0; i < st->n_sets; ++i) {
		const struct nft_set *s = &st->sets[i];

		put_str(&w, s->name);
		put_u32(&w, s->flags);
		put_u32(&w, s->key_type);
		put_u32(&w, s->key_len);
		put_u32(&w, s->data_type);
		put_u32(&w, s->data_len);
		put_u32(&w, s->obj_type);
		put_u32(&w, s->policy);
		put_u32(&w, s->desc_size);
		put_u64(&w, s->timeout);
		put_u32(&w, s->field_count);
		put(&w, s->field_len, sizeof(s->field_len));
		put_u32(&w, s->udata_len);
		put(&w, s->udata, s->udata_len);
		put_u64(&w, s->n_elems);
		put_u64(&w, s->stride);
		put_u64(&w, s->pool_len);
	}
	ret = w.err;
	if (ret < 0)
		goto out;
	/* the elements and pools are written from where they are */
	iov = calloc(1 + 2 * st->n_sets, sizeof(*iov));
	if (!iov) {
		ret = -ENOMEM;
		goto out;
	}
	iov[n_iov++] = (struct iovec){ w.p, w.n };
	for (i = 0; i < st->n_sets; ++i) {
		const struct nft_set *s = &st->sets[i];

		iov[n_iov++] = (struct iovec){ s->elems, s->n_elems * s->stride };
		iov[n_iov++] = (struct iovec){ s->pool, s->pool_len };
	}
	ret = rundir_replace_iov(in->name, RUNDIR_NFTTABLE, iov, (int)n_iov);
out:
	free(iov);
	free(w.p);
	return ret;
}

/* ---- reading ---- */

struct rbuf {
	const uint8_t *base, *p;
	size_t left;
	bool bad;
};

static const void *take(struct rbuf *r, size_t n)
{
	const void *p = r->p;

	if (r->bad || n > r->left) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

/* n bytes copied to v; v left as it was when they are not there */
static void take_to(struct rbuf *r, void *v, size_t n)
{
	const void *p = take(r, n);

	if (p)
		memcpy(v, p, n);
}

static uint32_t take_u32(struct rbuf *r)
{
	uint32_t v = 0;

	take_to(r, &v, sizeof(v));
	return v;
}

static uint64_t take_u64(struct rbuf *r)
{
	uint64_t v = 0;

	take_to(r, &v, sizeof(v));
	return v;
}

/* A name: short, no NUL inside, into buf. */
static bool take_name(struct rbuf *r, char buf[NAME_MAX_LEN + 1])
{
	uint32_t len = take_u32(r);
	const char *p = len <= NAME_MAX_LEN ? take(r, len) : NULL;

	if (!p || memchr(p, '\0', len)) {
		r->bad = true;
		return false;
	}
	memcpy(buf, p, len);
	buf[len] = '\0';
	return true;
}

static int take_chains(struct rbuf *r, struct nft_state *st)
{
	const struct nlmsghdr *nlh;
	const uint8_t *hash;
	uint8_t h[DIGEST_LEN];
	uint32_t len;
	int left, ret;

	/* the writer aligned the messages to 4 from the file's start; the
	 * buffer is malloc's, aligned more than that */
	take(r, (4 - (size_t)(r->p - r->base) % 4) % 4);
	len = take_u32(r);
	hash = take(r, DIGEST_LEN);
	nlh = take(r, len);
	if (!nlh || len > INT_MAX)
		return -EBADMSG;
	/* libnftnl trusts what it parses (the kernel's messages): these
	 * reach it only whole, as written */
	crypto_generichash(h, DIGEST_LEN, (const uint8_t *)nlh, len, NULL, 0);
	if (sodium_memcmp(h, hash, DIGEST_LEN))
		return -EBADMSG;
	for (left = (int)len; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		ret = nft_state_parse_msg(st, nlh);
		if (ret < 0)
			return ret;
	}
	return left ? -EBADMSG : 0;
}

static int take_objs(struct rbuf *r, struct nft_state *st)
{
	char name[NAME_MAX_LEN + 1];
	uint32_t i, n = take_u32(r), type;

	/* each at least 9 bytes: no promise of more than is there */
	if (r->bad || n > r->left / 9 || nft_state_reserve_objs(st, n) < 0)
		return -EBADMSG;
	for (i = 0; i < n; ++i) {
		type = take_u32(r);
		if (!take_name(r, name) || type != NFT_OBJECT_COUNTER)
			return -EBADMSG;
		if (!nft_state_add_obj(st, name, type))
			return -ENOMEM;
	}
	return 0;
}

/* A set's definition; its elements and pool come later (sizes kept). */
static int take_set(struct rbuf *r, struct nft_state *st, uint64_t sizes[3])
{
	char name[NAME_MAX_LEN + 1];
	struct nft_set *s;
	const void *p;
	uint32_t ulen;

	if (!take_name(r, name))
		return -EBADMSG;
	s = nft_state_add_set(st, name);
	if (!s)
		return -ENOMEM;
	s->flags = take_u32(r);
	s->key_type = take_u32(r);
	s->key_len = take_u32(r);
	s->data_type = take_u32(r);
	s->data_len = take_u32(r);
	s->obj_type = take_u32(r);
	s->policy = take_u32(r);
	s->desc_size = take_u32(r);
	s->timeout = take_u64(r);
	s->field_count = take_u32(r);
	take_to(r, s->field_len, sizeof(s->field_len));
	ulen = take_u32(r);
	p = take(r, ulen);
	if (r->bad || s->key_len > KEY_MAX_LEN || s->data_len > KEY_MAX_LEN ||
	    s->field_count > sizeof(s->field_len))
		return -EBADMSG;
	if (nft_state_set_udata(&s->udata, &s->udata_len, p, ulen) < 0)
		return -ENOMEM;
	sizes[0] = take_u64(r);
	sizes[1] = take_u64(r);
	sizes[2] = take_u64(r);
	/* a set that never had an element has no layout yet */
	nft_set_layout(s);
	if (!sizes[0] && !sizes[1])
		s->stride = 0;
	if (r->bad || sizes[1] != s->stride || sizes[2] > UINT32_MAX)
		return -EBADMSG;
	return 0;
}

/* A set's elements and pool, copied into arrays of its own. */
static int take_elems(struct rbuf *r, struct nft_set *s, const uint64_t sizes[3])
{
	const void *e, *pool;

	if (sizes[0] && sizes[0] > r->left / s->stride)
		return -EBADMSG;
	e = take(r, sizes[0] * s->stride);
	pool = take(r, sizes[2]);
	if (r->bad)
		return -EBADMSG;
	if (sizes[0]) {
		s->elems = malloc(sizes[0] * s->stride);
		if (!s->elems)
			return -ENOMEM;
		array_prefault(s->elems, sizes[0] * s->stride);
		memcpy(s->elems, e, sizes[0] * s->stride);
		s->n_elems = s->cap_elems = sizes[0];
	}
	if (sizes[2]) {
		s->pool = malloc(sizes[2]);
		if (!s->pool)
			return -ENOMEM;
		array_prefault(s->pool, sizes[2]);
		memcpy(s->pool, pool, sizes[2]);
		s->pool_len = s->pool_cap = sizes[2];
	}
	return 0;
}

static int take_sets(struct rbuf *r, struct nft_state *st)
{
	uint64_t (*sizes)[3] = NULL;
	uint32_t i, n = take_u32(r);
	int ret = 0;

	if (r->bad || n > r->left / 64)
		return -EBADMSG;
	sizes = calloc(n ? n : 1, sizeof(*sizes));
	if (!sizes)
		return -ENOMEM;
	for (i = 0; i < n && !ret; ++i)
		ret = take_set(r, st, sizes[i]);
	for (i = 0; i < n && !ret; ++i)
		ret = take_elems(r, &st->sets[i], sizes[i]);
	free(sizes);
	if (!ret && r->left)
		ret = -EBADMSG;
	return ret;
}

struct nft_state *nft_table_recall(const struct instance *in, const uint8_t digest[DIGEST_LEN])
{
	struct wbuf head = { 0 };
	struct nft_state *st = NULL;
	uint8_t *buf = NULL, d[DIGEST_LEN];
	struct rbuf r;
	char table[64];
	size_t len;
	int ret;

	ret = rundir_read_bin(in->name, RUNDIR_NFTTABLE, TABLE_FILE_MAX, &buf, &len);
	if (ret < 0) {
		if (rundir_refusal(ret) && ret != -EFBIG)
			rundir_warn_bad(in->name, RUNDIR_NFTTABLE, 0, "%s; the table is read",
					rundir_refusal(ret));
		else if (ret != -ENOENT)
			debugx("nft: the kept table cannot be read (%s): reading the table",
			       strerror(-ret));
		return NULL;
	}
	r = (struct rbuf){ .base = buf, .p = buf, .left = len };
	if (!put_head(&head, digest) || head.err || head.n > len ||
	    memcmp(take(&r, head.n), head.p, head.n)) {
		debugx("nft: the kept table is not the one the record names: reading the table");
		goto fail;
	}
	snprintf(table, sizeof(table), NFT_TABLE_PREFIX "%s", in->name);
	st = nft_state_new(table);
	ret = st ? take_chains(&r, st) : -ENOMEM;
	if (!ret)
		ret = take_objs(&r, st);
	if (!ret)
		ret = take_sets(&r, st);
	if (ret < 0) {
		debugx("nft: the kept table does not parse (%s): reading the table", strerror(-ret));
		goto fail;
	}
	nft_state_finish(st);
	nft_state_digest(st, d);
	if (sodium_memcmp(d, digest, DIGEST_LEN)) {
		debugx("nft: the kept table is not the one the record names: reading the table");
		goto fail;
	}
	free(head.p);
	free(buf);
	return st;
fail:
	/* gone, so that the next keep of this same state writes it anew
	 * rather than trust its header */
	nft_table_forget(in);
	nft_state_free(st);
	free(head.p);
	free(buf);
	return NULL;
}

int nft_table_forget(const struct instance *in)
{
	int ret = rundir_replace(in->name, RUNDIR_NFTTABLE, NULL, 0);

	return ret == -ENOENT ? 0 : ret;
}
