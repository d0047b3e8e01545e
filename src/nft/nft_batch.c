// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sync: one atomic batch that takes the kernel from one table to another.
 *
 * The batch-begin carries the generation the 'from' state was read at
 * (NFNL_BATCH_GENID, as nftables' src/mnl.c does): if anyone changed the
 * ruleset since, the kernel refuses the whole batch with ERESTART, and we
 * read again, diff again and retry, so a concurrent change is never
 * overwritten. Every message asks for an ack and every ack is read; the
 * first failure is reported with the kernel's extended-ack text.
 *
 * Order inside the batch (what refers to something goes before it when
 * deleting, after it when creating):
 *   flush changed chains, delete elements, sets, chains, counters;
 *   create counters, chains, sets (with their elements), elements, rules.
 */
#include <netinet/in.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "lib/fault.h"
#include "lib/nl.h"
#include "nft_int.h"

#define SYNC_TRIES	5
#define ACK_BUF		(64 * 1024)

struct nft_sync_stats nft_last_sync;

/* Sequence numbers of a batch: a fresh block of 2^20 (far more messages
 * than any batch has), below 2^31, so that they never wrap inside one. */
static uint32_t seq_base(void)
{
	static uint32_t s;

	if (!s)
		s = (uint32_t)time(NULL) & 0x3ff00000u;
	s += 1u << 20;
	if (s >= 0x7ff00000u)
		s = 1u << 20;
	return s;
}

/* ---- the batch ---- */

/*
 * Objects and sets are sorted by name in a state, but the kernel lists
 * them in the order they were made: what is made again (rollback, a table
 * rebuilt) is made in the order it was read, so that `nft list` shows it
 * as before.
 */
static const struct nft_state *seq_st;

static int obj_seq_cmp(const void *a, const void *b)
{
	uint32_t x = seq_st->objs[*(const size_t *)a].seq, y = seq_st->objs[*(const size_t *)b].seq;

	return x < y ? -1 : x > y;
}

static int set_seq_cmp(const void *a, const void *b)
{
	uint32_t x = seq_st->sets[*(const size_t *)a].seq, y = seq_st->sets[*(const size_t *)b].seq;

	return x < y ? -1 : x > y;
}

/* idx (or all of them when NULL): indexes into st's objects or sets, in
 * the order they were read; free() the result. */
static size_t *in_seq(const struct nft_state *st, const struct nft_idx *idx, bool sets,
		      size_t *n)
{
	size_t i, *v;

	*n = idx ? idx->n : sets ? st->n_sets : st->n_objs;
	v = malloc((*n ? *n : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < *n; ++i)
		v[i] = idx ? idx->v[i] : i;
	seq_st = st;
	nft_qsort(v, *n, sizeof(*v), sets ? set_seq_cmp : obj_seq_cmp);
	seq_st = NULL;
	return v;
}

static void create_all(struct nft_bat *t, const struct nft_state *to, const struct nft_state *keep)
{
	size_t i;

	size_t *v, n;

	bat_table_add(t, to);
	v = in_seq(to, NULL, false, &n);
	for (i = 0; v && i < n; ++i)
		bat_obj_add(t, &to->objs[v[i]], keep);
	free(v);
	for (i = 0; i < to->n_chains; ++i)
		bat_chain(t, NFT_MSG_NEWCHAIN, &to->chains[i]);
	v = in_seq(to, NULL, true, &n);
	for (i = 0; v && i < n; ++i)
		if (!(to->sets[v[i]].flags & NFT_SET_ANONYMOUS))
			bat_set_add(t, &to->sets[v[i]]);
	if (!v)
		t->err = -ENOMEM;
	free(v);
	for (i = 0; i < to->n_chains; ++i)
		bat_chain_fill(t, to, &to->chains[i]);
}

static void batch_fill(struct nft_bat *t, const struct nft_state *from, const struct nft_state *to,
		       const struct nft_delta *d)
{
	size_t i, *v, n;

	if (d->destroy || d->rebuild)
		bat_table_del(t);
	if (d->create || d->rebuild) {
		create_all(t, to, d->rebuild ? from : NULL);
		return;
	}
	if (d->destroy)
		return;
	for (i = 0; i < d->chain_fill_from.n; ++i)
		bat_chain_flush(t, &from->chains[d->chain_fill_from.v[i]]);
	for (i = 0; i < d->chain_del.n; ++i)
		bat_chain_flush(t, &from->chains[d->chain_del.v[i]]);
	for (i = 0; i < d->n_sets; ++i)
		if (d->sets[i].del.n)
			bat_elems(t, &from->sets[d->sets[i].from], &d->sets[i].del, false);
	/* sets before chains: a verdict map's jumps hold their chains */
	for (i = 0; i < d->set_del.n; ++i)
		bat_set_del(t, &from->sets[d->set_del.v[i]]);
	for (i = 0; i < d->chain_del.n; ++i)
		bat_chain(t, NFT_MSG_DELCHAIN, &from->chains[d->chain_del.v[i]]);
	for (i = 0; i < d->obj_del.n; ++i)
		bat_obj_del(t, &from->objs[d->obj_del.v[i]]);
	v = in_seq(to, &d->obj_add, false, &n);
	for (i = 0; v && i < n; ++i)
		bat_obj_add(t, &to->objs[v[i]], NULL);
	free(v);
	/* chains before sets: a verdict map's jumps need their chains */
	for (i = 0; i < d->chain_add.n; ++i)
		bat_chain(t, NFT_MSG_NEWCHAIN, &to->chains[d->chain_add.v[i]]);
	v = v ? in_seq(to, &d->set_add, true, &n) : NULL;
	for (i = 0; v && i < n; ++i)
		bat_set_add(t, &to->sets[v[i]]);
	if (!v)
		t->err = -ENOMEM;
	free(v);
	for (i = 0; i < d->n_sets; ++i)
		if (d->sets[i].add.n)
			bat_elems(t, &to->sets[d->sets[i].to], &d->sets[i].add, true);
	for (i = 0; i < d->chain_add.n; ++i)
		bat_chain_fill(t, to, &to->chains[d->chain_add.v[i]]);
	for (i = 0; i < d->chain_fill.n; ++i)
		bat_chain_fill(t, to, &to->chains[d->chain_fill.v[i]]);
}

static int batch_build(struct nft_bat *t, const struct nft_state *from, const struct nft_state *to,
		       const struct nft_delta *d, uint32_t genid)
{
	struct nlmsghdr *nlh;

	t->b = nftnl_batch_alloc(BATCH_PAGE, BATCH_OVERRUN);
	if (!t->b)
		return -ENOMEM;
	t->seq = seq_base();
	bat_zero(t, 4096);
	nlh = nftnl_batch_begin(nftnl_batch_buffer(t->b), t->seq++);
	/* the generation our 'from' was read at: stale -> ERESTART */
	mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
	bat_msg_end(t);
	t->first = t->seq;
	batch_fill(t, from, to, d);
	/* one ack, for the last message: 10,000 acks cost 10,000 recvs, and
	 * a failing message is reported with or without one. Pages of the
	 * batch stay where they are, so the header is still ours to edit. */
	if (!t->err && t->last)
		t->last->nlmsg_flags |= NLM_F_ACK;
	/* test builds: a message type the kernel does not know, in the first
	 * message of several, so that its refusal (and nothing else) must
	 * come back although that message asked for no ack */
	if (!t->err && t->head && t->head != t->last && fault_inject("nft:refuse") < 0)
		t->head->nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | 0xfe);
	if (!t->err) {
		bat_zero(t, 4096);
		nftnl_batch_end(nftnl_batch_buffer(t->b), t->seq++);
		bat_msg_end(t);
	}
	return t->err;
}

static const char *note_of(const struct nft_bat *t, uint32_t seq, char *buf, size_t len)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {	/* notes are in sequence order */
		size_t mid = lo + (hi - lo) / 2;

		if (t->notes[mid].seq == seq && t->notes[mid].name) {
			snprintf(buf, len, "%s%s", t->pool + t->notes[mid].what,
				 t->notes[mid].name);
			return buf;
		}
		if (t->notes[mid].seq == seq)
			return t->pool + t->notes[mid].what;
		if (t->notes[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return "starting the batch";
}

static void sock_bufs(struct mnl_socket *nl, size_t snd, size_t rcv)
{
	int fd = mnl_socket_get_fd(nl);
	int s = snd > INT32_MAX ? INT32_MAX : (int)snd;
	int r = rcv > INT32_MAX ? INT32_MAX : (int)rcv;

	/* FORCE needs CAP_NET_ADMIN, which we have if we can change nft */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &s, sizeof(s)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &s, sizeof(s));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &r, sizeof(r)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &r, sizeof(r));
}

/*
 * Sends the batch and reads its answers: an error for each message that
 * failed, and the ack of the last message. The kernel handles a batch
 * inside our sendmsg(), so all answers are queued when it returns: read
 * until none is left. Returns 0 or the first failure (-errno, e set).
 */
static int batch_send(struct mnl_socket *nl, struct nft_bat *t, struct wgb_err *e)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int n_iov = nftnl_batch_iovec_len(t->b);
	struct iovec *iov = calloc((size_t)n_iov, sizeof(*iov));
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa) };
	uint32_t last = t->seq - 1, portid = mnl_socket_get_portid(nl);
	uint32_t acked_seq = t->n ? t->notes[t->n - 1].seq : 0;
	size_t total = 0, answers = 0;
	bool acked = t->n == 0;	/* an empty batch asks for nothing */
	char *buf = NULL;
	int i, ret = 0;

	if (!iov)
		return err_set(e, -ENOMEM, "nft: out of memory");
	nftnl_batch_iovec(t->b, iov, (uint32_t)n_iov);
	for (i = 0; i < n_iov; ++i)
		total += iov[i].iov_len;
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)n_iov;
	sock_bufs(nl, total + 4096, t->n * 1024 + 65536);
	nft_last_sync.batches++;
	nft_last_sync.messages = (unsigned)t->n;
	nft_last_sync.bytes = total;

	if (sendmsg(mnl_socket_get_fd(nl), &mh, 0) < 0) {
		ret = err_kernel(e, -errno, NULL, "nft: cannot send the batch");
		goto out;
	}
	buf = malloc(ACK_BUF);
	if (!buf) {
		ret = err_set(e, -ENOMEM, "nft: out of memory");
		goto out;
	}
	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t len = recv(mnl_socket_get_fd(nl), buf, ACK_BUF, MSG_DONTWAIT);
		int left;

		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (!ret && !acked)
					ret = err_set(e, -EPROTO,
						      "nft: the kernel did not acknowledge the batch (%zu answers to %zu messages)",
						      answers, t->n);
			} else if (!ret) {
				ret = err_kernel(e, -errno, NULL, "nft: lost the batch's acks");
			}
			break;
		}
		left = (int)len;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_pid != portid || nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_seq < t->first - 1 || nlh->nlmsg_seq > last)
				continue;
			answers++;
			if (nlh->nlmsg_seq == acked_seq)
				acked = true;
			if (err->error && !ret) {
				char extack[256], note[NOTE_MAX];

				nl_error_parse(nlh, extack, sizeof(extack));
				ret = err_kernel(e, err->error, extack, "nft: %s",
						 note_of(t, nlh->nlmsg_seq, note, sizeof(note)));
			}
		}
	}
out:
	free(buf);
	free(iov);
	return ret;
}

static void bat_free(struct nft_bat *t)
{
	if (t->b)
		nftnl_batch_free(t->b);
	free(t->notes);
	free(t->pool);
	memset(t, 0, sizeof(*t));
}

int nft_batch_for_each(const struct nft_state *from, const struct nft_state *to,
		       int (*cb)(const struct nlmsghdr *nlh, void *data), void *data)
{
	struct nft_bat t = { .table = to->table };
	struct nft_delta d;
	struct iovec *iov = NULL;
	int ret, n_iov, i;

	ret = nft_delta_compute(from, to, &d);
	if (ret < 0)
		return ret;
	if (nft_delta_empty(&d))
		goto out;
	ret = batch_build(&t, from, to, &d, from->genid);
	if (ret < 0)
		goto out;
	n_iov = nftnl_batch_iovec_len(t.b);
	iov = calloc((size_t)n_iov, sizeof(*iov));
	if (!iov) {
		ret = -ENOMEM;
		goto out;
	}
	nftnl_batch_iovec(t.b, iov, (uint32_t)n_iov);
	for (i = 0; i < n_iov && !ret; ++i) {
		const struct nlmsghdr *nlh = iov[i].iov_base;
		int left = (int)iov[i].iov_len;

		for (; !ret && mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
			ret = cb(nlh, data);
	}
out:
	free(iov);
	bat_free(&t);
	nft_delta_free(&d);
	return ret;
}

/* The table read (again) into *live, and *d made from it to to: 0 or
 * -errno with e set. */
static int read_again(struct mnl_socket *nl, const struct nft_state *to,
		      struct nft_state **live, struct nft_delta *d, struct wgb_err *e)
{
	int ret;

	nft_delta_free(d);
	nft_state_free(*live);
	*live = NULL;
	ret = nft_read_state(nl, to->table, live, e);
	if (ret < 0)
		return ret;
	ret = nft_delta_compute(*live, to, d);
	return ret < 0 ? err_set(e, ret, "nft: cannot compare tables") : 0;
}

/* A batch of more than this many elements and counters, or one that makes
 * the table: memory is given back before it is built (nft_sync). */
#define BATCH_LARGE	1024

static bool delta_large(const struct nft_delta *d)
{
	size_t i, n = d->obj_add.n + d->obj_del.n;

	for (i = 0; i < d->n_sets; ++i)
		n += d->sets[i].add.n + d->sets[i].del.n;
	return d->create || d->rebuild || n > BATCH_LARGE;
}

int nft_sync(const struct instance *in, const void *from_, const void *to_,
	     struct wgb_err *e)
{
	const struct nft_state *from = from_, *to = to_;
	struct nft_state *live = NULL;
	struct mnl_socket *nl = NULL;
	struct nft_delta d;
	int ret, tries;

	memset(&nft_last_sync, 0, sizeof(nft_last_sync));
	ret = nft_delta_compute(from, to, &d);
	if (ret < 0)
		return err_set(e, ret, "nft: cannot compare tables");
	if (nft_delta_empty(&d))
		goto out;	/* nothing to write, and nothing written */
	nl = nft_socket_open(e);
	if (!nl) {
		ret = e && e->code ? e->code : -EIO;
		goto out;
	}
	if ((d.rebuild || d.destroy) && from->recalled) {
		/* the counters made again keep the counts: read them */
		debugx("nft: the table is made anew: reading it, for its counters");
		ret = read_again(nl, to, &live, &d, e);
		if (ret < 0 || nft_delta_empty(&d))
			goto out;
		from = live;
	}
	/* what the last run left no longer holds (nft_record.c) */
	nft_record_invalidate(in);
	/* A large batch (10,000 forwards made: 2.2 MB) is built in memory
	 * given back first: the plan's, freed in malloc's heap (main.c),
	 * would otherwise stay resident under it, 1.6 MB at that size. */
	if (delta_large(&d))
		malloc_trim(0);
	for (tries = 0;; ++tries) {
		struct wgb_err be = { 0 };
		struct nft_bat t = { .table = to->table };
		uint32_t genid = from->genid;

		/* test builds: pretend the ruleset changed since we read it,
		 * so that the kernel's ERESTART and our retry are exercised */
		if (!tries && fault_inject("nft:stale") < 0)
			genid--;
		ret = batch_build(&t, from, to, &d, genid);
		if (ret < 0) {
			err_set(e, ret, "nft: cannot build the batch: %s", strerror(-ret));
			bat_free(&t);
			break;
		}
		ret = fault_inject("nft:batch");
		if (ret < 0) {
			err_set(e, ret, "nft: injected failure before sending the batch (WGBASTION_FAIL_AT)");
			bat_free(&t);
			break;
		}
		ret = batch_send(nl, &t, &be);
		bat_free(&t);
		if (!ret)
			nft_record_committed(genid, to);
		if (ret != -ERESTART || tries + 1 >= SYNC_TRIES) {
			if (ret < 0)
				err_set(e, ret, "%s", be.msg);
			break;
		}
		/* someone changed the ruleset since we read it: read again,
		 * and make exactly what is needed from what is there now */
		debugx("nft: the ruleset changed since it was read (ERESTART): reading it again");
		ret = read_again(nl, to, &live, &d, e);
		if (ret < 0 || nft_delta_empty(&d))
			break;
		from = live;
	}
out:
	nft_delta_free(&d);
	nft_state_free(live);
	if (nl)
		mnl_socket_close(nl);
	return ret;
}

const struct stage stage_nft = {
	.name = "nft",
	.read = nft_read,
	.build = nft_build,
	.diff = nft_diff,
	.sync = nft_sync,
	.free = nft_state_free,
	.forget = nft_record_forget,
	.unchanged = nft_unchanged,
	.recall = nft_recall,
	.settled = nft_settled,
};
