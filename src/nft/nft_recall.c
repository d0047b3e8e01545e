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
 *	"wgbastion nft table 2\n"   MAGIC
 *	u32 n, n bytes              the build id (lib/buildid.h)
 *	32 bytes                    S's digest (nft_state_digest)
 *	u64 front                   where the elements begin: all above is
 *	                            read whole, what follows as needed
 *	u32 n, 32 bytes, n bytes    the table, its chains and their rules:
 *	                            the messages of the batch that creates
 *	                            them, as nft_read parses a dump, after
 *	                            their BLAKE2b (libnftnl's parsers trust
 *	                            what they are given: the kernel's)
 *	u32 n, 16 bytes, u64 len,   the counters: their sum (nft_objs_sum),
 *	len bytes                   then n x (u32 type, u32 len, name)
 *	u32 n; n x (set definition, u64 elements, u64 stride, u64 pool,
 *	            32 bytes: the elements' and pool's sums, nft_set_sums)
 *	then each set's elements and pool, in that order, the elements
 *	at a multiple of ELEMS_ALIGN from the file's start (zeros before)
 *
 * A changed config mostly leaves the counters and all but a set or two
 * as they were: what the sums show to be the built state's is taken from
 * it, not read (at 10,000 forwards, a change of one destination reads one
 * set of the three large ones, and no counter). The rest is read with
 * pread straight into the arrays the state keeps.
 *
 * Trust: the file is a record of the run directory (regular, not a link:
 * rundir_open_bin), every length is checked against what is left and the
 * file's size, and what is recalled is used only when its digest is the
 * one the record holds. The digest takes the counters and each set's bulk
 * by their sums: those of what was read are computed from it, those of
 * what was taken from the built state are the built state's own. A torn,
 * stale or foreign file means reading the table, never a wrong
 * comparison.
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

#define MAGIC		"wgbastion nft table 2\n"
#define MAGIC_LEN	(sizeof(MAGIC) - 1)
#define DIGEST_LEN	32
#define BUILD_ID_MAX	64
#define TABLE_FILE_MAX	((size_t)1 << 30)
#define NAME_MAX_LEN	256
#define KEY_MAX_LEN	64
#define ELEMS_ALIGN	8	/* at least struct nft_elem's */

/* bytes from offset at to the next multiple of ELEMS_ALIGN */
static size_t elems_pad(size_t at)
{
	return (ELEMS_ALIGN - at % ELEMS_ALIGN) % ELEMS_ALIGN;
}

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
	static const uint8_t zeros[ELEMS_ALIGN];
	struct wbuf w = { 0 };
	struct iovec *iov = NULL;
	size_t i, at, n_iov = 0;
	int ret;

	uint8_t sum[NFT_BULK_SUM];
	size_t front_at, objs_at;
	uint64_t len;

	if (kept_already(in, digest))
		return 0;
	if (!put_head(&w, digest))
		return -ENOTSUP;
	front_at = w.n;
	put_u64(&w, 0);			/* the front's length, once known */
	ret = put_chains(&w, st);
	if (ret < 0)
		goto out;
	/* the rest of the front at once: grown by doubling, its 250 KB at
	 * 10,000 forwards were moved and touched anew at every step */
	len = w.n + 4 + NFT_OBJS_SUM + 8 + 4;	/* the two counts, sum, length */
	for (i = 0; i < st->n_objs; ++i)
		len += 4 + 4 + strlen(st->objs[i].name);
	for (i = 0; i < st->n_sets; ++i)	/* name, ten u32, timeout, ... */
		len += 4 + strlen(st->sets[i].name) + 10 * 4 + 8 +
		       sizeof(st->sets[i].field_len) + st->sets[i].udata_len + 3 * 8 +
		       NFT_BULK_SUM;
	if (array_reserve_hot(w.p, &w.cap, len) < 0) {
		ret = -ENOMEM;
		goto out;
	}
	put_u32(&w, (uint32_t)st->n_objs);
	nft_objs_sum(st, sum);
	put(&w, sum, NFT_OBJS_SUM);
	objs_at = w.n;
	put_u64(&w, 0);			/* their length, once known */
	for (i = 0; i < st->n_objs; ++i) {
		if (st->objs[i].raw) {
			ret = -ENOTSUP;		/* never in a built state */
			goto out;
		}
		put_u32(&w, st->objs[i].type);
		put_str(&w, st->objs[i].name);
	}
	len = w.n - objs_at - sizeof(len);
	if (!w.err)
		memcpy(w.p + objs_at, &len, sizeof(len));
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
		nft_set_sums(st, s, sum);
		put(&w, sum, NFT_BULK_SUM);
	}
	ret = w.err;
	if (ret < 0)
		goto out;
	len = w.n;
	memcpy(w.p + front_at, &len, sizeof(len));
	/* the elements and pools are written from where they are */
	iov = calloc(1 + 3 * st->n_sets, sizeof(*iov));
	if (!iov) {
		ret = -ENOMEM;
		goto out;
	}
	iov[n_iov++] = (struct iovec){ w.p, w.n };
	at = w.n;
	for (i = 0; i < st->n_sets; ++i) {
		const struct nft_set *s = &st->sets[i];

		iov[n_iov++] = (struct iovec){ (void *)zeros, elems_pad(at) };
		at += elems_pad(at);
		iov[n_iov++] = (struct iovec){ s->elems, s->n_elems * s->stride };
		iov[n_iov++] = (struct iovec){ s->pool, s->pool_len };
		at += s->n_elems * s->stride + s->pool_len;
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

/* The counters: the built state's when their sum is its (not read). */
static int take_objs(struct rbuf *r, struct nft_state *st, const struct nft_state *want)
{
	char name[NAME_MAX_LEN + 1];
	uint8_t have[NFT_OBJS_SUM];
	uint32_t i, n = take_u32(r), type;
	const uint8_t *sum = take(r, NFT_OBJS_SUM);
	uint64_t len = take_u64(r);
	size_t end;

	if (r->bad || len > r->left)
		return -EBADMSG;
	if (want && want->n_objs == n) {
		nft_objs_sum(want, have);
		if (!memcmp(have, sum, NFT_OBJS_SUM)) {
			take(r, len);
			st->objs = want->objs;
			st->n_objs = st->cap_objs = n;
			st->objs_borrowed = true;
			memcpy(st->objs_sum, have, NFT_OBJS_SUM);
			st->has_objs_sum = true;
			return 0;
		}
	}
	end = r->left - len;
	/* each at least 9 bytes: no promise of more than is there */
	if (n > len / 9 || nft_state_reserve_objs(st, n) < 0)
		return -EBADMSG;
	for (i = 0; i < n; ++i) {
		type = take_u32(r);
		if (!take_name(r, name) || type != NFT_OBJECT_COUNTER)
			return -EBADMSG;
		if (!nft_state_add_obj(st, name, type))
			return -ENOMEM;
	}
	return r->left == end ? 0 : -EBADMSG;
}

/* What the front says of a set whose elements follow it. */
struct set_bulk {
	uint64_t n_elems, stride, pool_len;
	const uint8_t *sum;	/* NFT_BULK_SUM bytes, in the front */
};

/* A set's definition; its elements and pool come later (b). */
static int take_set(struct rbuf *r, struct nft_state *st, struct set_bulk *b)
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
	b->n_elems = take_u64(r);
	b->stride = take_u64(r);
	b->pool_len = take_u64(r);
	b->sum = take(r, NFT_BULK_SUM);
	/* a set that never had an element has no layout yet */
	nft_set_layout(s);
	if (!b->n_elems && !b->stride)
		s->stride = 0;
	if (r->bad || b->stride != s->stride || b->pool_len > UINT32_MAX)
		return -EBADMSG;
	return 0;
}

static int take_sets(struct rbuf *r, struct nft_state *st, struct set_bulk **bulk)
{
	uint32_t i, n = take_u32(r);
	int ret = 0;

	*bulk = NULL;
	if (r->bad || n > r->left / 64)
		return -EBADMSG;
	*bulk = calloc(n ? n : 1, sizeof(**bulk));
	if (!*bulk)
		return -ENOMEM;
	for (i = 0; i < n && !ret; ++i)
		ret = take_set(r, st, &(*bulk)[i]);
	return ret;
}

/* Exactly n bytes at off: -EAGAIN when the file is shorter than it was. */
static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	ssize_t k;

	while (got < n) {
		k = pread(fd, (uint8_t *)buf + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (!k)
			return -EAGAIN;
		got += (size_t)k;
	}
	return 0;
}

/* n bytes at off into an array of their own (NULL for none, and on
 * failure, *err set). */
static void *read_array(int fd, uint64_t off, size_t n, int *err)
{
	void *p;

	if (!n || *err)
		return NULL;
	p = malloc(n);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	array_prefault(p, n);
	*err = pread_all(fd, p, n, off);
	if (*err < 0) {
		free(p);
		p = NULL;
	}
	return p;
}

/*
 * A set's elements and pool, which begin at *at (before its padding) in a
 * file of size bytes: the built state's same-named set's when their sums
 * are its, else read into arrays of the set's own.
 */
static int recall_bulk(int fd, uint64_t *at, uint64_t size, struct nft_set *s,
		       const struct set_bulk *b, const struct nft_state *want)
{
	const struct nft_set *ws = want ? nft_state_set(want, s->name) : NULL;
	uint8_t have[NFT_BULK_SUM];
	uint64_t off, elen;
	int ret;

	off = *at + elems_pad(*at);
	if (off > size || (b->stride && b->n_elems > (size - off) / b->stride))
		return -EBADMSG;
	elen = b->n_elems * b->stride;
	if (b->pool_len > size - off - elen)
		return -EBADMSG;
	*at = off + elen + b->pool_len;
	if (ws && ws->n_elems == b->n_elems && ws->stride == b->stride &&
	    ws->pool_len == b->pool_len) {
		nft_set_sums(want, ws, have);
		if (!memcmp(have, b->sum, NFT_BULK_SUM)) {
			s->elems = ws->elems;
			s->pool = ws->pool;
			s->n_elems = s->cap_elems = ws->n_elems;
			s->pool_len = s->pool_cap = ws->pool_len;
			s->borrowed = s->sorted = true;
			memcpy(s->sum, have, NFT_BULK_SUM);
			s->has_sum = true;
			return 0;
		}
	}
	ret = 0;
	s->elems = read_array(fd, off, (size_t)elen, &ret);
	s->pool = read_array(fd, off + elen, (size_t)b->pool_len, &ret);
	if (ret < 0)
		return ret;
	s->n_elems = s->cap_elems = b->n_elems;
	s->pool_len = s->pool_cap = b->pool_len;
	return 0;
}

/* The front: everything before the elements, read whole. */
static int read_front(int fd, size_t size, const struct wbuf *head, uint8_t **out,
		      size_t *len)
{
	uint64_t front = 0;
	uint8_t *buf;
	int ret;

	*out = NULL;
	if (head->n + sizeof(front) > size)
		return -EBADMSG;
	buf = malloc(head->n + sizeof(front));
	if (!buf)
		return -ENOMEM;
	ret = pread_all(fd, buf, head->n + sizeof(front), 0);
	if (!ret && memcmp(buf, head->p, head->n))
		ret = -ESTALE;	/* another build's, or another state's */
	if (!ret) {
		memcpy(&front, buf + head->n, sizeof(front));
		if (front < head->n + sizeof(front) || front > size)
			ret = -EBADMSG;
	}
	free(buf);
	if (ret < 0)
		return ret;
	buf = malloc(front);
	if (!buf)
		return -ENOMEM;
	array_prefault(buf, front);
	ret = pread_all(fd, buf, front, 0);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	*out = buf;
	*len = front;
	return 0;
}

struct nft_state *nft_table_recall(const struct instance *in, const uint8_t digest[DIGEST_LEN],
				   const struct nft_state *want)
{
	struct wbuf head = { 0 };
	struct nft_state *st = NULL;
	struct set_bulk *bulk = NULL;
	uint8_t *buf = NULL, d[DIGEST_LEN];
	struct rbuf r;
	char table[64];
	uint64_t at;
	size_t size, len, i;
	int fd, ret;

	fd = rundir_open_bin(in->name, RUNDIR_NFTTABLE, TABLE_FILE_MAX, &size);
	if (fd < 0) {
		if (rundir_refusal(fd) && fd != -EFBIG)
			rundir_warn_bad(in->name, RUNDIR_NFTTABLE, 0, "%s; the table is read",
					rundir_refusal(fd));
		else if (fd != -ENOENT)
			debugx("nft: the kept table cannot be read (%s): reading the table",
			       strerror(-fd));
		return NULL;
	}
	ret = !put_head(&head, digest) || head.err ? -ENOTSUP :
	      read_front(fd, size, &head, &buf, &len);
	if (ret == -ESTALE) {
		debugx("nft: the kept table is not the one the record names: reading the table");
		goto fail;
	} else if (ret == -EBADMSG) {
		debugx("nft: the kept table does not parse (%s): reading the table", strerror(-ret));
		goto fail;
	} else if (ret < 0) {
		debugx("nft: the kept table cannot be read (%s): reading the table",
		       strerror(-ret));
		goto fail;
	}
	r = (struct rbuf){ .base = buf, .p = buf, .left = len };
	take(&r, head.n + sizeof(uint64_t));	/* checked by read_front */
	snprintf(table, sizeof(table), NFT_TABLE_PREFIX "%s", in->name);
	st = nft_state_new(table);
	ret = st ? take_chains(&r, st) : -ENOMEM;
	if (!ret)
		ret = take_objs(&r, st, want);
	if (!ret)
		ret = take_sets(&r, st, &bulk);
	if (!ret && r.left)
		ret = -EBADMSG;
	for (i = 0, at = len; !ret && i < st->n_sets; ++i)
		ret = recall_bulk(fd, &at, size, &st->sets[i], &bulk[i], want);
	if (!ret && at != size)
		ret = -EBADMSG;
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
	close(fd);
	free(bulk);
	free(head.p);
	free(buf);
	return st;
fail:
	/* gone, so that the next keep of this same state writes it anew
	 * rather than trust its header */
	close(fd);
	nft_table_forget(in);
	nft_state_free(st);
	free(bulk);
	free(head.p);
	free(buf);
	return NULL;
}

int nft_table_forget(const struct instance *in)
{
	int ret = rundir_replace(in->name, RUNDIR_NFTTABLE, NULL, 0);

	return ret == -ENOENT ? 0 : ret;
}
