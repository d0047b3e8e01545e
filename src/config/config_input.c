// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a config is made of, for a run to tell the config the last apply
 * used without reading or parsing its forwards (config_load_known,
 * nft_record.c): the stamp, of this program's build (a new wgbastion may
 * build another table from the same text), the config's path, and of the
 * config and each AllowFile its path and identity: device, inode, size,
 * mtime, ctime. Taking it reads no file, which at ten thousand forwards is
 * most of what a run that changes nothing costs.
 *
 * A stamp stands for contents only when each file was last changed well
 * before it was taken (git's "racily clean" problem): ctime is set from a
 * coarse clock, truncated to the filesystem's granularity (up to 2 s), so a
 * change made in the same tick as the read could leave every field as it
 * was. A file changed less than config_settle_ns (3 s) ago gives no stamp
 * (its config is read whole until it has settled). Any later
 * change to a settled file moves its ctime, which no one can set back
 * (only a clock stepped back to within a tick of the old ctime could).
 *
 * The scan is the reader's grammar cut to what both need: section
 * headers, and in a [Forward] the keys AllowFile (whose file goes in) and
 * Destination (an IPv6 one makes the config use IPv6, which the stages
 * other than nft build from); and where the text is not [Forward]s, for
 * the index below. Whatever it gets wrong only costs the fast path: a
 * stamp is only ever compared with one taken of the same text by this
 * same scan.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "config_int.h"
#include "lib/array.h"
#include "lib/buildid.h"

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
 * any case; the '=' if so. */
static const char *key_is(const char *s, const char *nl, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(nl - s) <= n || !cfg_word_is(s, n, word, n))
		return NULL;
	for (s += n; s < nl && cfg_blank((unsigned char)*s); ++s)
		;
	return s < nl && *s == '=' ? s : NULL;
}

/* one line of a [Forward]'s body, s its first non-blank byte, nl its end */
static void forward_line(struct input_scan *sc, const char *s, const char *nl)
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

/* a range from off (line) on, when none is open */
static void range_open(struct input_scan *sc, size_t off, unsigned line)
{
	if (sc->n_ranges && sc->ranges[sc->n_ranges - 1].len == SIZE_MAX)
		return;
	if (array_reserve(sc->ranges, &sc->cap_ranges, sc->n_ranges + 1) < 0) {
		sc->err = -ENOMEM;
		return;
	}
	sc->ranges[sc->n_ranges++] = (struct input_range){ off, SIZE_MAX, line };
}

static void range_close(struct input_scan *sc, size_t off)
{
	struct input_range *r = sc->n_ranges ? &sc->ranges[sc->n_ranges - 1] : NULL;

	if (r && r->len == SIZE_MAX)
		r->len = off - r->off;
}

void input_scan_lines(struct input_scan *sc, const char *text, size_t len, size_t off)
{
	const char *p = text, *end = text + len, *nl, *s;

	if (!sc->line) {
		sc->line = 1;
		range_open(sc, 0, 1);
		/* a UTF-8 byte order mark, as the reader takes it: else a
		 * first line "[Forward NAME]" would go unseen, and its
		 * AllowFile with it */
		if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
			p += 3;
	}
	for (; p < end; p = nl + 1, ++sc->line) {
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
			sc->in_forward = (size_t)(nl - s) > 7 && !strncasecmp(s, "forward", 7) &&
					 (cfg_blank((unsigned char)s[7]) || s[7] == ']');
			if (sc->in_forward) {
				++sc->n_forwards;
				range_close(sc, off + (size_t)(p - text));
				/* after a byte order mark on the first line:
				 * the range closed is the mark alone, which
				 * ends no line as a range must (read_ranges
				 * would refuse every index of this text) and
				 * which the reader has no use for; the first
				 * range is at 0, even an empty one */
				if (sc->line == 1 && p != text)
					sc->ranges[sc->n_ranges - 1].len = 0;
			} else {
				range_open(sc, off + (size_t)(p - text), sc->line);
			}
		} else if (sc->in_forward) {
			forward_line(sc, s, nl);
		}
	}
}

int input_scan_end(struct input_scan *sc, size_t len)
{
	if (!sc->line)
		input_scan_lines(sc, "", 0, 0);
	range_close(sc, len);
	return sc->err;
}

int input_scan_text(struct input_scan *sc, const char *text, size_t len)
{
	input_scan_lines(sc, text, len, 0);
	return input_scan_end(sc, len);
}

void input_scan_free(struct input_scan *sc)
{
	size_t i;

	for (i = 0; i < sc->n_files; ++i)
		free(sc->files[i]);
	free(sc->files);
	free(sc->ranges);
	memset(sc, 0, sizeof(*sc));
}

/*
 * The index: what a scan found, kept in the run directory by apply
 * (NAME.input) so that the next run, finding every file as stamped, reads
 * only the ranges of the text that are not [Forward]s:
 *
 *	stamp=<hex>
 *	forwards=<how many [Forward]s>
 *	ipv6=<0 or 1>
 *	file=<an AllowFile's path>		one per AllowFile, in order
 *	range=<offset> <length> <first line>	one per range, in order
 *
 * A record of our own in five kinds of lines: read by hand, each line
 * checked, anything else refused whole.
 */
#define INDEX_MAX	60000	/* under what core/rundir.c reads */

char *config_index_text(const struct input_scan *sc, const uint8_t stamp[CONFIG_INPUT_LEN])
{
	char hex[2 * CONFIG_INPUT_LEN + 1];
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;
	bool ok;

	if (sc->err)
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	sodium_bin2hex(hex, sizeof(hex), stamp, CONFIG_INPUT_LEN);
	ok = fprintf(f, "stamp=%s\nforwards=%zu\nipv6=%d\n", hex, sc->n_forwards, sc->v6) > 0;
	for (i = 0; ok && i < sc->n_files; ++i)
		ok = !strchr(sc->files[i], '\n') && fprintf(f, "file=%s\n", sc->files[i]) > 0;
	for (i = 0; ok && i < sc->n_ranges; ++i)
		ok = fprintf(f, "range=%zu %zu %u\n", sc->ranges[i].off, sc->ranges[i].len,
			     sc->ranges[i].line) > 0;
	if (fclose(f) || !ok || len > INDEX_MAX) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* "N" in full, a decimal with no sign, into v */
static bool index_num(const char *s, char **end, unsigned long long *v)
{
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, end, 10);
	return !errno;
}

static bool index_range(struct input_scan *sc, const char *v)
{
	unsigned long long off, len, line;
	struct input_range *last = sc->n_ranges ? &sc->ranges[sc->n_ranges - 1] : NULL;
	char *e;

	if (!index_num(v, &e, &off) || *e != ' ' || !index_num(e + 1, &e, &len) ||
	    *e != ' ' || !index_num(e + 1, &e, &line) || *e || line == 0 || line > UINT_MAX ||
	    off > SIZE_MAX / 2 || len > SIZE_MAX / 2 || (!last && off) ||
	    (last && off <= last->off + last->len) ||
	    array_reserve(sc->ranges, &sc->cap_ranges, sc->n_ranges + 1) < 0)
		return false;
	sc->ranges[sc->n_ranges++] = (struct input_range){ off, len, (unsigned)line };
	return true;
}

int config_index_parse(const char *text, struct config_index **out, unsigned *bad_line)
{
	struct config_index *ix = calloc(1, sizeof(*ix));
	const char *line = text, *next;
	unsigned lineno = 0, have = 0;
	unsigned long long n;
	char buf[PATH_MAX + 16], *e;
	size_t dl, len;

	*out = NULL;
	*bad_line = 0;
	if (!ix)
		return -ENOMEM;
	for (; *line; line = next) {
		next = strchr(line, '\n');
		len = next ? (size_t)(next - line) : strlen(line);
		next = next ? next + 1 : line + len;
		++lineno;
		if (len >= sizeof(buf))
			goto bad;
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (!strncmp(buf, "stamp=", 6) && !(have & 1)) {
			if (strlen(buf + 6) != 2 * CONFIG_INPUT_LEN ||
			    sodium_hex2bin(ix->stamp, CONFIG_INPUT_LEN, buf + 6, 2 * CONFIG_INPUT_LEN,
					   NULL, &dl, NULL) || dl != CONFIG_INPUT_LEN)
				goto bad;
			have |= 1;
		} else if (!strncmp(buf, "forwards=", 9) && !(have & 2)) {
			if (!index_num(buf + 9, &e, &n) || *e || n > SIZE_MAX / 2)
				goto bad;
			ix->sc.n_forwards = (size_t)n;
			have |= 2;
		} else if (!strncmp(buf, "ipv6=", 5) && !(have & 4)) {
			if (strcmp(buf + 5, "0") && strcmp(buf + 5, "1"))
				goto bad;
			ix->sc.v6 = buf[5] == '1';
			have |= 4;
		} else if (!strncmp(buf, "file=", 5) && have == 7 && !ix->sc.n_ranges) {
			if (!buf[5] ||
			    array_reserve(ix->sc.files, &ix->sc.cap, ix->sc.n_files + 1) < 0 ||
			    !(ix->sc.files[ix->sc.n_files] = strdup(buf + 5)))
				goto bad;
			++ix->sc.n_files;
		} else if (!strncmp(buf, "range=", 6) && have == 7) {
			if (!index_range(&ix->sc, buf + 6))
				goto bad;
		} else {
			goto bad;
		}
	}
	if (have != 7 || !ix->sc.n_ranges) {
		lineno = 0;
		goto bad;
	}
	*out = ix;
	return 0;
bad:
	*bad_line = lineno;
	config_index_free(ix);
	return -EINVAL;
}

void config_index_free(struct config_index *ix)
{
	if (!ix)
		return;
	input_scan_free(&ix->sc);
	free(ix);
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
