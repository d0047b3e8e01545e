/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One input of the kept-table fuzzer (fuzz_kept.c), also replayed by
 * tests/unit/test_nft.c: the table kept beside the generation record
 * (NAME.nfttable, nft/nft_recall.c) is the largest input wgbastion
 * decodes by hand, and a run directory is state a crash, a disk or a
 * hand can leave in any shape.
 *
 * An input is the 32 bytes of the digest a record would name, then the
 * file after its header. The check puts the header in front (the magic
 * and this build's id, taken from a file nft_table_keep wrote, then that
 * digest), so that every input reaches the reader's body instead of
 * dying on a build id a mutation cannot guess. The file is then recalled
 * with no built state at hand and with each of the fixture's (the
 * reader borrows from one what its sums show to be the same): each time
 * it is refused, or it is a state whose digest is the one named. A state
 * of any other digest would be compared with the config as if it were
 * the kernel's: anything else aborts.
 */
#ifndef WGB_KEPT_CHECK_H
#define WGB_KEPT_CHECK_H

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "core/instance.h"
#include "core/rundir.h"
#include "nft/nft_int.h"

#define KEPT_DIGEST	32

/* every kind of forward the table has sets for, an egress, IPv6 */
#define KEPT_HEAD "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n" \
	"Address = 10.100.0.1/24\n" \
	"[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n" \
	"AllowedIPs = 10.100.0.0/24, 192.168.1.0/24, fd00:1::/64\n" \
	"[Forward games]\nProtocol = tcp,udp\nPort = 27015-27030\nDestination = 192.168.1.11\n" \
	"[Forward dns6]\nProtocol = udp\nPort = 53\nDestination = [fd00:1::53]\n" \
	"[Forward ssh]\nPort = 2222\nDestination = 192.168.1.10:22\n" \
	"Allow = 198.51.100.0/24, 203.0.113.17\nMasquerade = yes\n" \
	"[Forward limited]\nPort = 8080\nDestination = 192.168.1.12\n" \
	"RateLimit = 20/second\nConnLimit = 3\nLog = yes\n" \
	"[Egress home]\nSource = 10.100.0.0/24, 192.168.1.0/24\n"
/* the table kept, and the same with one destination moved */
#define KEPT_CONF KEPT_HEAD "[Forward web]\nPort = 443\nDestination = 192.168.1.10:8443\n"
#define KEPT_MOVED KEPT_HEAD "[Forward web]\nPort = 443\nDestination = 192.168.1.10:8444\n"

struct kept_fixture {
	const char *run;		/* the run directory (rundir_override) */
	struct nft_state *wants[2];	/* built from KEPT_CONF, KEPT_MOVED */
	uint8_t *head;			/* the magic and the build id */
	size_t head_len;
};

/* The table built from config text, or NULL with e set: the harness
 * aborts on NULL (kept_build), test_nft.c says why (build_text). */
static struct nft_state *kept_try_build(const char *text, struct wgb_err *e)
{
	struct wgb_config *cfg = NULL;
	struct instance in;
	void *st = NULL;

	if (config_parse("kept.conf", text, strlen(text), &cfg, e) < 0)
		return NULL;
	instance_from_config(&in, cfg);
	if (nft_build(&in, cfg, &st, e) < 0)
		st = NULL;
	config_free(cfg);
	return st;
}

static struct nft_state *kept_build(const char *text)
{
	struct wgb_err e = { 0 };
	struct nft_state *st = kept_try_build(text, &e);

	if (!st)
		abort();
	return st;
}

/* The file at path, whole (free it), its size in len; aborts if it
 * cannot be read. */
static uint8_t *kept_slurp(const char *path, size_t *len)
{
	uint8_t *v = NULL;
	long n;
	FILE *f = fopen(path, "rb");

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0)
		abort();
	rewind(f);
	/* one byte more: an empty file is not malloc(0), which may be NULL */
	v = malloc((size_t)n + 1);
	if (!v || fread(v, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	*len = (size_t)n;
	return v;
}

/* st kept by nft_table_keep and read back whole (free it): its digest in
 * d, its size in n, where the digest is in it (the header's end) in off */
static uint8_t *kept_file(const char *run, const struct nft_state *st, uint8_t d[KEPT_DIGEST],
			  size_t *n, size_t *off)
{
	struct instance in = { .name = "wg0" };
	char path[PATH_MAX];
	uint8_t *file, *at;

	nft_state_digest(st, d);
	if (nft_table_keep(&in, st, d) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/wg0.nfttable", run);
	file = kept_slurp(path, n);
	unlink(path);
	at = memmem(file, *n, d, KEPT_DIGEST);
	if (!at)
		abort();
	*off = (size_t)(at - file);
	return file;
}

/* The kept table of want k as an input, the digest and the file after
 * its header: a seed for the fuzzer. Free it. */
static uint8_t *kept_seed(const struct kept_fixture *fx, int k, size_t *len)
{
	uint8_t d[KEPT_DIGEST], *file;
	size_t n, off;

	file = kept_file(fx->run, fx->wants[k], d, &n, &off);
	/* what follows the digest moves up by the header before it */
	*len = n - off;
	memmove(file, file + off, *len);
	return file;
}

static void kept_fixture_init(struct kept_fixture *fx, const char *run)
{
	uint8_t d[KEPT_DIGEST];
	size_t n;

	fx->run = run;
	rundir_override = run;
	fx->wants[0] = kept_build(KEPT_CONF);
	fx->wants[1] = kept_build(KEPT_MOVED);
	/* only the first head_len bytes are used */
	fx->head = kept_file(run, fx->wants[0], d, &n, &fx->head_len);
}

static void kept_fixture_free(struct kept_fixture *fx)
{
	nft_state_free(fx->wants[0]);
	nft_state_free(fx->wants[1]);
	free(fx->head);
	rundir_override = NULL;
}

/* The input as the kept table, recalled three ways: how many of them
 * gave a state (each one of the digest named, or this aborts). */
static int kept_check_one(const struct kept_fixture *fx, const uint8_t *data, size_t size)
{
	struct instance in = { .name = "wg0" };
	const struct nft_state *wants[3] = { NULL, fx->wants[0], fx->wants[1] };
	struct nft_state *back;
	char path[PATH_MAX];
	uint8_t got[KEPT_DIGEST];
	int fd, k, recalled = 0;

	if (size < KEPT_DIGEST)
		return 0;
	snprintf(path, sizeof(path), "%s/wg0.nfttable", fx->run);
	for (k = 0; k < 3; ++k) {
		/* written anew each time: a refusal removes the file */
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, fx->head, fx->head_len) != (ssize_t)fx->head_len ||
		    write(fd, data, size) != (ssize_t)size)
			abort();
		close(fd);
		back = nft_table_recall(&in, data, wants[k]);
		if (back) {
			nft_state_digest(back, got);
			if (memcmp(got, data, KEPT_DIGEST))
				abort();
			nft_state_free(back);
			++recalled;
		}
	}
	unlink(path);
	return recalled;
}

#endif
