// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a config is made of, two ways, for a run to tell the config the
 * last apply used without parsing its forwards (config_load_known,
 * nft_record.c):
 *
 *  - the input digest: this program's build (a new wgbastion may build
 *    another table from the same text), the text, and the contents of
 *    every AllowFile it names, in the order named;
 *  - the stamp: this build, the config's path, and of the config and each
 *    AllowFile its path and identity: device, inode, size, mtime, ctime.
 *    Taking it reads no file, which at ten thousand forwards is most of
 *    what a run that changes nothing costs.
 *
 * A stamp stands for contents only when each file was last changed well
 * before it was taken (git's "racily clean" problem): ctime is set from a
 * coarse clock, truncated to the filesystem's granularity (up to 2 s), so a
 * change made in the same tick as the read could leave every field as it
 * was. A file changed less than CONFIG_SETTLE ago gives no stamp: its
 * digest is taken instead, and the stamp once it has settled. Any later
 * change to a settled file moves its ctime, which no one can set back
 * (only a clock stepped back to within a tick of the old ctime could).
 *
 * The scan is the reader's grammar cut to what both need: section
 * headers, and in a [Forward] the keys AllowFile (whose file goes in) and
 * Destination (an IPv6 one makes the config use IPv6, which the stages
 * other than nft build from). The reader skipping forwards
 * (config_load_known) feeds it the same lines. Whatever it gets wrong only
 * costs the fast path: a digest or stamp is only ever compared with one
 * taken of the same text by this same scan.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config_int.h"
#include "lib/array.h"
#include "lib/buildid.h"

#define INPUT_FILE_MAX (256 << 20)	/* as allow_file.c */

long long config_settle_ns = 3000000000LL;

static void h_len(crypto_generichash_state *h, size_t n)
{
	uint64_t v = n;

	crypto_generichash_update(h, (const unsigned char *)&v, sizeof(v));
}

static void h_str(crypto_generichash_state *h, const char *s)
{
	h_len(h, strlen(s));
	crypto_generichash_update(h, (const unsigned char *)s, strlen(s));
}

static int h_build(crypto_generichash_state *h)
{
	const uint8_t *id;
	size_t idlen;

	id = build_id(&idlen);
	if (!id)
		return -ENOENT;
	crypto_generichash_init(h, NULL, 0, CONFIG_INPUT_LEN);
	h_len(h, idlen);
	crypto_generichash_update(h, id, idlen);
	return 0;
}

static int h_file(crypto_generichash_state *h, const char *path)
{
	unsigned char buf[65536];
	struct stat st;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > INPUT_FILE_MAX) {
		close(fd);
		return -EINVAL;
	}
	h_str(h, path);
	h_len(h, (size_t)st.st_size);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		crypto_generichash_update(h, buf, (size_t)n);
	}
	close(fd);
	return ret;
}

/* s..e without blanks around it, and without a comment */
static void span_trim(const char **s, const char **e)
{
	const char *c = *s;

	while (c < *e && *c != '#' && *c != ';')
		++c;
	*e = c;
	while (*s < *e && cfg_blank((unsigned char)**s))
		++*s;
	while (*e > *s && cfg_blank((unsigned char)(*e)[-1]))
		--*e;
}

/* s..nl is "KEY =..." (blanks allowed before the '='), KEY being word in
 * any case (word: 8 or more lower-case letters, which c | 0x20 folds to
 * exactly); the '=' if so. strncasecmp's call per line showed at ten
 * thousand forwards: the first eight letters are compared as one word. */
static const char *key_is(const char *s, const char *nl, const char *word)
{
	size_t n = strlen(word), i;
	uint64_t a, b;

	if ((size_t)(nl - s) <= n)
		return NULL;
	memcpy(&a, s, 8);
	memcpy(&b, word, 8);
	if ((a | 0x2020202020202020ULL) != b)
		return NULL;
	for (i = 8; i < n; ++i)
		if ((s[i] | 0x20) != word[i])
			return NULL;
	for (s += n; s < nl && cfg_blank((unsigned char)*s); ++s)
		;
	return s < nl && *s == '=' ? s : NULL;
}

void input_scan_forward_line(struct input_scan *sc, const char *s, const char *nl)
{
	const char *e, *eq;
	char *path;
	int n;

	if (sc->err || s == nl)
		return;
	switch (*s) {
	case 'd': case 'D':
		/* "[IPv6]:port", or a bare IPv6 address: two colons. One is
		 * enough to tell, and most configs have none. */
		if (sc->v6 || !(eq = key_is(s, nl, "destination")))
			return;
		for (s = eq + 1; s < nl && cfg_blank((unsigned char)*s); ++s)
			;
		if (s < nl && *s == '[') {
			sc->v6 = true;
			return;
		}
		if (!(e = memchr(s, ':', (size_t)(nl - s))) ||
		    !(e = memchr(e + 1, ':', (size_t)(nl - e - 1))))
			return;
		/* two: unless a comment came first */
		while (s < e && *s != '#' && *s != ';')
			++s;
		sc->v6 = s == e;
		return;
	case 'a': case 'A':
		if (!(eq = key_is(s, nl, "allowfile")))
			return;
		break;
	default:
		return;	/* most lines matter to no one here */
	}
	s = eq + 1;
	e = nl;
	span_trim(&s, &e);
	if (*s != '/' && sc->dir)
		n = asprintf(&path, "%s/%.*s", sc->dir, (int)(e - s), s);
	else
		n = asprintf(&path, "%.*s", (int)(e - s), s);
	if (n < 0 || array_reserve(sc->files, &sc->cap, sc->n_files + 1) < 0) {
		if (n >= 0)
			free(path);
		sc->err = -ENOMEM;
		return;
	}
	sc->files[sc->n_files++] = path;
}

int input_scan_text(struct input_scan *sc, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl, *s;
	bool in_forward = false;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		for (s = p; s < nl && cfg_blank((unsigned char)*s); ++s)
			;
		if (s < nl && *s == '[') {
			/* "[ Forward NAME ]", as the reader takes it; its
			 * comment, if any, is past the name */
			for (++s; s < nl && cfg_blank((unsigned char)*s); ++s)
				;
			in_forward = (size_t)(nl - s) > 7 && !strncasecmp(s, "forward", 7) &&
				     (cfg_blank((unsigned char)s[7]) || s[7] == ']');
		} else if (in_forward) {
			input_scan_forward_line(sc, s, nl);
		}
	}
	return sc->err;
}

void input_scan_free(struct input_scan *sc)
{
	size_t i;

	for (i = 0; i < sc->n_files; ++i)
		free(sc->files[i]);
	free(sc->files);
	sc->files = NULL;
	sc->n_files = sc->cap = 0;
}

int config_input_digest(const char *text, size_t len, const struct input_scan *sc,
			uint8_t out[CONFIG_INPUT_LEN])
{
	crypto_generichash_state h;
	size_t i;
	int ret;

	if (sc->err)
		return sc->err;
	if ((ret = h_build(&h)) < 0)
		return ret;
	h_len(&h, len);
	crypto_generichash_update(&h, (const unsigned char *)text, len);
	for (i = 0; i < sc->n_files; ++i)
		if ((ret = h_file(&h, sc->files[i])) < 0)
			return ret;
	crypto_generichash_final(&h, out, CONFIG_INPUT_LEN);
	return 0;
}

static void h_stat(crypto_generichash_state *h, const char *path, const struct stat *st)
{
	const uint64_t v[] = {
		st->st_dev, st->st_ino, (uint64_t)st->st_size,
		(uint64_t)st->st_mtim.tv_sec, (uint64_t)st->st_mtim.tv_nsec,
		(uint64_t)st->st_ctim.tv_sec, (uint64_t)st->st_ctim.tv_nsec,
	};

	h_str(h, path);
	crypto_generichash_update(h, (const unsigned char *)v, sizeof(v));
}

/* changed less than config_settle_ns before now */
static bool unsettled(const struct stat *st, const struct timespec *now)
{
	long long age = ((long long)now->tv_sec - st->st_ctim.tv_sec) * 1000000000LL +
			(now->tv_nsec - st->st_ctim.tv_nsec);

	return age < config_settle_ns;
}

int config_input_stamp(const char *path, const struct stat *st,
		       const struct input_scan *sc, uint8_t out[CONFIG_INPUT_LEN])
{
	crypto_generichash_state h;
	struct timespec now;
	struct stat fst;
	bool young;
	size_t i;
	int ret;

	if (sc->err)
		return sc->err;
	if (!S_ISREG(st->st_mode))
		return -EINVAL;		/* a pipe, say: nothing to tell it by */
	if ((ret = h_build(&h)) < 0)
		return ret;
	clock_gettime(CLOCK_REALTIME, &now);
	young = unsettled(st, &now);
	h_stat(&h, path, st);
	for (i = 0; i < sc->n_files; ++i) {
		if (stat(sc->files[i], &fst) < 0)
			return -errno;
		if (!S_ISREG(fst.st_mode))
			return -EINVAL;
		young |= unsettled(&fst, &now);
		h_stat(&h, sc->files[i], &fst);
	}
	crypto_generichash_final(&h, out, CONFIG_INPUT_LEN);
	return young ? -EAGAIN : 0;
}
