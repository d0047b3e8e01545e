// SPDX-License-Identifier: GPL-2.0-only
/*
 * The INI reader: lines, comments, [Section] headers and the files. The
 * keys of each section are config_keys.c's; everything that needs more than
 * one key or section lives in config_validate.c.
 *
 * The grammar is SPEC §3: "[Kind]" or "[Kind NAME]" headers, "Key = Value"
 * lines, '#' or ';' start a comment anywhere, kinds and keys are
 * case-insensitive, lists are comma-separated. [Interface] and [Peer] take
 * wg-quick's keys so that a wg-quick config can be pasted in; the wg-quick
 * keys we cannot honour are refused by name, saying why.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_int.h"
#include "lib/array.h"
#include "lib/secbuf.h"
#include "lib/warn.h"
#include "parse.h"

/* Grows a model array (at arrayp) and its parallel line array (at
 * linesp, of lines_size elements) by one zeroed element. They grow alike:
 * one capacity serves. */
static int grow(void *arrayp, void *linesp, size_t *n, size_t *cap, size_t size,
		size_t lines_size)
{
	size_t lines_cap = *cap;
	char *a, *l;

	if (*n >= *cap &&	/* else both have room (reserve_forwards) */
	    (array_reserve_(linesp, &lines_cap, *n + 1, lines_size) < 0 ||
	     array_reserve_(arrayp, cap, *n + 1, size) < 0))
		return -ENOMEM;
	memcpy(&a, arrayp, sizeof(a));
	memcpy(&l, linesp, sizeof(l));
	memset(a + *n * size, 0, size);
	memset(l + *n * lines_size, 0, lines_size);
	++*n;
	return 0;
}

static size_t section_len[S_EXIT + 1];	/* of section_names, once */

/* text: len bytes between '[' and ']', NUL-terminated */
static int section_begin(struct reader *r, char *text, size_t len)
{
	struct wgb_config *cfg = r->c.cfg;
	char *end = text + len, *kind, *name, why[PARSE_WHY];
	enum section s = S_NONE;
	bool named;
	size_t k, kind_len;
	int ret;

	/* "[ Kind  NAME ]": trimmed by its bounds, split at the first blank */
	while (text < end && cfg_blank((unsigned char)*text))
		++text;
	while (end > text && cfg_blank((unsigned char)end[-1]))
		*--end = '\0';
	kind = name = text;
	while (name < end && !cfg_blank((unsigned char)*name))
		++name;
	kind_len = (size_t)(name - kind);
	if (name < end) {
		*name++ = '\0';
		while (name < end && cfg_blank((unsigned char)*name))
			++name;
	}
	if (!section_len[S_INTERFACE])
		for (k = S_INTERFACE; k <= S_EXIT; ++k)
			section_len[k] = strlen(section_names[k]);
	for (k = S_INTERFACE; k <= S_EXIT && s == S_NONE; ++k)
		if (cfg_word_is(kind, kind_len, section_names[k], section_len[k]))
			s = (enum section)k;
	if (s == S_NONE)
		return cfg_bad(&r->c, r->line, "unknown section [%s]", kind);
	named = s == S_FORWARD || s == S_EGRESS || s == S_RETURN || s == S_EXIT;
	if (named && !*name)
		return cfg_bad(&r->c, r->line, "[%s] needs a name: [%s NAME]",
			       section_names[s], section_names[s]);
	if (!named && *name)
		return cfg_bad(&r->c, r->line, "[%s] takes no name", section_names[s]);
	if (*name && parse_name(name, why) < 0)
		return cfg_bad_value(&r->c, r->line, section_names[s], name, why);

	r->sec = s;
	r->skipping = false;
	switch (s) {
	case S_INTERFACE:
		if (r->c.has_iface)
			return cfg_bad(&r->c, r->line,
				       "a second [Interface] (the first is at line %u): there is exactly one",
				       r->c.iface.section);
		r->c.has_iface = true;
		r->c.iface.section = r->line;
		cfg->iface.line = r->line;
		break;
	case S_BASTION:
		if (r->c.has_bastion)
			return cfg_bad(&r->c, r->line,
				       "a second [Bastion] (the first is at line %u)",
				       r->c.bastion.section);
		r->c.has_bastion = true;
		r->c.bastion.section = r->line;
		break;
	case S_PEER:
		ret = grow(&cfg->peers, &r->c.peer, &cfg->n_peers,
			   &r->cap_peer, sizeof(*cfg->peers), sizeof(*r->c.peer));
		if (ret < 0)
			return err_set(r->c.e, ret, "out of memory");
		r->idx = cfg->n_peers - 1;
		cfg->peers[r->idx].line = r->line;
		r->c.peer[r->idx].section = r->line;
		break;
	case S_FORWARD:
		if (r->elide) {	/* see config_read */
			r->skipping = true;
			break;
		}
		ret = grow(&cfg->forwards, &r->c.fwd, &cfg->n_forwards,
			   &r->cap_fwd, sizeof(*cfg->forwards), sizeof(*r->c.fwd));
		if (ret < 0)
			return err_set(r->c.e, ret, "out of memory");
		r->idx = cfg->n_forwards - 1;
		strcpy(cfg->forwards[r->idx].name, name);
		cfg->forwards[r->idx].line = r->line;
		cfg->forwards[r->idx].protocols = PROTO_TCP;
		r->c.fwd[r->idx].section = r->line;
		break;
	case S_EGRESS:
		ret = grow(&cfg->egresses, &r->c.egr, &cfg->n_egresses,
			   &r->cap_egr, sizeof(*cfg->egresses), sizeof(*r->c.egr));
		if (ret < 0)
			return err_set(r->c.e, ret, "out of memory");
		r->idx = cfg->n_egresses - 1;
		strcpy(cfg->egresses[r->idx].name, name);
		cfg->egresses[r->idx].line = r->line;
		cfg->egresses[r->idx].masquerade = true;
		r->c.egr[r->idx].section = r->line;
		break;
	case S_RETURN:
		ret = grow(&cfg->returns, &r->c.ret, &cfg->n_returns,
			   &r->cap_ret, sizeof(*cfg->returns), sizeof(*r->c.ret));
		if (ret < 0)
			return err_set(r->c.e, ret, "out of memory");
		r->idx = cfg->n_returns - 1;
		strcpy(cfg->returns[r->idx].name, name);
		cfg->returns[r->idx].line = r->line;
		r->c.ret[r->idx].section = r->line;
		break;
	case S_EXIT:
		ret = grow(&cfg->exits, &r->c.ext, &cfg->n_exits,
			   &r->cap_ext, sizeof(*cfg->exits), sizeof(*r->c.ext));
		if (ret < 0)
			return err_set(r->c.e, ret, "out of memory");
		r->idx = cfg->n_exits - 1;
		strcpy(cfg->exits[r->idx].name, name);
		cfg->exits[r->idx].line = r->line;
		r->c.ext[r->idx].section = r->line;
		break;
	default:
		break;
	}
	cfg_section_keys(r);
	return 0;
}

/* The line buffer, to at least need bytes: a new one, the old one wiped
 * and freed (realloc would leave its bytes behind); on failure untouched. */
static int grow_line(char **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 128;
	char *nb;

	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	nb = malloc(ncap);
	if (!nb)
		return -ENOMEM;
	if (*buf) {
		sodium_memzero(*buf, *cap);
		free(*buf);
	}
	*buf = nb;
	*cap = ncap;
	return 0;
}

/* The first c in [p, end), or end. */
static const char *next_of(const char *p, const char *end, char c)
{
	const char *q = memchr(p, c, (size_t)(end - p));

	return q ? q : end;
}

/* Lines of the text from line on: all of it, or one range of it that
 * begins a line (the index, config_input.c). */
static int config_read(struct reader *r, const char *text, size_t len, unsigned line)
{
	const char *p = text, *end = text + len, *nl, *e;
	const char *nul, *hash, *semi;
	char *buf = NULL;
	size_t n, cap = 0;
	int ret = 0;

	/* a UTF-8 byte order mark, as some editors write */
	if (line == 1 && len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	nul = next_of(p, end, '\0');
	hash = next_of(p, end, '#');
	semi = next_of(p, end, ';');
	for (r->line = line; p < end && !ret; ++r->line, p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (r->skipping) {
			/* a [Forward] of an elided config (section_begin): the
			 * ranges read leave them out, so this is only for one
			 * that is there all the same; only its end is looked for */
			const char *q = p;

			while (q < nl && cfg_blank((unsigned char)*q))
				++q;
			if (q == nl || *q != '[')
				continue;
		}
		/* the first NUL, '#' and ';' at or after p (end: none), each
		 * looked for again only once the lines have passed it: one
		 * memchr over the text for each, not three scans of every line */
		if (nul < p)
			nul = next_of(p, end, '\0');
		if (hash < p)
			hash = next_of(p, end, '#');
		if (semi < p)
			semi = next_of(p, end, ';');
		if (nul < nl) {
			ret = cfg_bad(&r->c, r->line, "a NUL byte: not a text file");
			break;
		}
		/* the line without its comment, trimmed */
		e = nl;
		if (hash < e)
			e = hash;
		if (semi < e)
			e = semi;
		while (p < e && cfg_blank((unsigned char)*p))
			++p;
		while (e > p && cfg_blank((unsigned char)e[-1]))
			--e;
		if (p == e)
			continue;
		n = (size_t)(e - p);
		/* one buffer for every line, as long as the longest: lines may
		 * hold keys, so it is wiped at the end, and when it moves */
		if (n + 1 > cap && grow_line(&buf, &cap, n + 1) < 0) {
			ret = err_set(r->c.e, -ENOMEM, "out of memory");
			break;
		}
		memcpy(buf, p, n);
		buf[n] = '\0';
		if (*buf == '[') {
			if (buf[n - 1] != ']') {
				ret = cfg_bad(&r->c, r->line,
					      "a section header without its closing ]");
				break;
			}
			buf[n - 1] = '\0';
			ret = section_begin(r, buf + 1, n - 2);
		} else {
			ret = cfg_key_line(r, buf, n);
		}
	}
	if (buf)
		sodium_memzero(buf, cap);
	free(buf);
	return ret;
}

/* How many "[Fo" the len bytes at p have: a header's, not an IPv6
 * Destination's "[fd00::" (a header may be spelt otherwise, "[ Forward":
 * this is only a count to reserve by). */
static size_t count_forward_headers(const char *p, size_t len)
{
	const char *end = p + len;
	size_t n = 0;

	for (; (p = memchr(p, '[', (size_t)(end - p))) != NULL; ++p)
		n += end - p > 2 && (p[1] | 0x20) == 'f' && (p[2] | 0x20) == 'o';
	return n;
}

/*
 * Room for the n forwards a text of len bytes has headers for (no more
 * than one each 11 bytes, "[Forward a]\n"), faulted in: ten thousand
 * forwards then grow no array by copying it. Only a hint: what cannot be
 * had here is grown into as before.
 */
static void reserve_forwards(struct reader *r, size_t n, size_t len)
{
	struct wgb_config *cfg = r->c.cfg;
	size_t lines_cap = 0;

	if (n > len / 11 + 1)
		n = len / 11 + 1;
	/* the lines first: the forwards' capacity is the one both go by */
	if (n > 4 && array_reserve(r->c.fwd, &lines_cap, n) == 0) {
		array_prefault(r->c.fwd, n * sizeof(*r->c.fwd));
		if (array_reserve(cfg->forwards, &r->cap_fwd, n) == 0)
			array_prefault(cfg->forwards, n * sizeof(*cfg->forwards));
	}
}

/* A reader at the first line of a config of defaults: 0, or -ENOMEM
 * with nothing to free. */
static int reader_begin(struct reader *r, const char *name, const char *dir,
			bool shared_readable, bool elide, struct wgb_err *e)
{
	struct wgb_config *cfg;

	*r = (struct reader){ .dir = dir, .shared_readable = shared_readable, .elide = elide };
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return err_set(e, -ENOMEM, "out of memory");
	cfg->path = strdup(name);
	if (!cfg->path) {
		free(cfg);
		return err_set(e, -ENOMEM, "out of memory");
	}
	snprintf(cfg->iface.name, sizeof(cfg->iface.name), "%s", WGB_DEFAULT_IFNAME);
	cfg->iface.listen_port = WGB_DEFAULT_PORT;
	cfg->iface.mtu = WGB_DEFAULT_MTU;
	cfg->bastion = (struct wgb_bastion){
		.table = WGB_DEFAULT_TABLE,
		.mark = WGB_DEFAULT_MARK,
		.mark_mask = WGB_DEFAULT_MARK_MASK,
		.priority = WGB_DEFAULT_PRIORITY,
		.ct_ingress = WGB_DEFAULT_CT_INGRESS,
		.ct_egress = WGB_DEFAULT_CT_EGRESS,
		.ct_return = WGB_DEFAULT_CT_RETURN,
		.ct_exit = WGB_DEFAULT_CT_EXIT,
	};
	r->c.name = name;
	r->c.cfg = cfg;
	r->c.e = e;
	return 0;
}

/* The reader's config validated into *out once every line is read
 * (ret 0), or freed (ret < 0); ret, or the validation's. */
static int reader_end(struct reader *r, int ret, struct wgb_config **out)
{
	if (!ret)
		ret = config_validate(&r->c);
	free(r->c.peer);
	free(r->c.fwd);
	free(r->c.egr);
	free(r->c.ret);
	free(r->c.ext);
	if (ret < 0) {
		config_free(r->c.cfg);
		return ret;
	}
	*out = r->c.cfg;
	return 0;
}

/* The text, or the ranges of it an index names (each with its own bytes
 * at p), is read and the config validated. */
static int parse_common(const char *name, const char *dir, bool shared_readable,
			bool elide, const struct input_range *ranges, size_t n_ranges,
			const char *text, struct wgb_config **out, struct wgb_err *e)
{
	struct reader r;
	size_t i, n = 0, len = 0;
	int ret;

	*out = NULL;
	ret = reader_begin(&r, name, dir, shared_readable, elide, e);
	if (ret < 0)
		return ret;
	if (!elide) {
		for (i = 0; i < n_ranges; ++i) {
			n += count_forward_headers(text + ranges[i].off, ranges[i].len);
			len += ranges[i].len;
		}
		reserve_forwards(&r, n, len);
	}
	for (i = 0; i < n_ranges && !ret; ++i)
		ret = config_read(&r, text + ranges[i].off, ranges[i].len, ranges[i].line);
	return reader_end(&r, ret, out);
}

int config_parse(const char *name, const char *text, size_t len,
		 struct wgb_config **out, struct wgb_err *e)
{
	const struct input_range all = { 0, len, 1 };

	return parse_common(name, NULL, false, false, &all, 1, text, out, e);
}

/* Configs are small; this only stops a wrong path (a disk image) early. */
#define CONFIG_MAX	(64u << 20)

enum load_mode { LOAD_PLAIN, LOAD_INPUT, LOAD_KNOWN };

/* All of fd into text. */
static int read_text(int fd, const char *path, const struct stat *st,
		     struct secbuf *text, struct wgb_err *e)
{
	ssize_t n;

	/* the whole file in one block when its size is known: no copies
	 * to wipe as it grows */
	if (S_ISREG(st->st_mode) && st->st_size > 0 && (size_t)st->st_size < CONFIG_MAX) {
		if (secbuf_reserve(text, (size_t)st->st_size + 4096) < 0)
			return err_set(e, -ENOMEM, "out of memory");
		array_prefault(text->p, text->cap);
	}
	for (;;) {
		if (text->len + 4096 > text->cap) {
			if (text->cap >= CONFIG_MAX)
				return err_set(e, -EFBIG, "%s: larger than %u MiB: not a config",
					       path, CONFIG_MAX >> 20);
			if (secbuf_reserve(text, text->len + 4096) < 0)
				return err_set(e, -ENOMEM, "out of memory");
		}
		/* secbuf_reserve keeps a byte for the NUL */
		n = read(fd, text->p + text->len, text->cap - 1 - text->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, -errno, "%s: cannot read the config: %s", path,
				       strerror(errno));
		}
		if (n == 0)
			return 0;
		text->len += (size_t)n;
	}
}

/*
 * A regular file's text, a block of whole lines at a time, through one
 * buffer of STREAM_BLOCK bytes (more only for a longer line). Read into
 * one block of its size, a config of ten thousand forwards was the first
 * large thing a run touched: on the machines the bench runs on, each page
 * touched for the first time costs about 5 us, the kernel's copy into it
 * and the scan's first look alike, where a block that is reused is warm
 * (reading and scanning 785 KB: about 2.5 ms whole, 0.5 ms through 64 KiB).
 */
#define STREAM_BLOCK	(64u << 10)

struct stream {
	int fd;
	const char *path;
	struct secbuf *buf;	/* the text may hold keys: wiped as it grows */
	size_t base;		/* the text's offset of buf->p[0] */
	size_t used;		/* bytes at buf->p handed out last */
	size_t total;		/* read so far */
	bool eof;
};

static void stream_rewind(struct stream *s)
{
	s->buf->len = s->used = s->base = s->total = 0;
	s->eof = false;
}

/* The next block of whole lines at *p (the text's last line may have no
 * newline), of *len bytes at offset *off of the text: 1; 0 at the end;
 * < 0 with e set. */
static int stream_next(struct stream *s, const char **p, size_t *len, size_t *off,
		       struct wgb_err *e)
{
	struct secbuf *b = s->buf;
	const char *nl;
	ssize_t n;

	if (s->used) {		/* what was handed out is done with */
		memmove(b->p, b->p + s->used, b->len - s->used);
		b->len -= s->used;
		s->base += s->used;
		s->used = 0;
	}
	for (;;) {
		nl = b->len ? memrchr(b->p, '\n', b->len) : NULL;
		if (nl || (s->eof && b->len)) {
			s->used = nl && !s->eof ? (size_t)(nl - b->p) + 1 : b->len;
			*p = b->p;
			*len = s->used;
			*off = s->base;
			return 1;
		}
		if (s->eof)
			return 0;
		/* a line longer than the block: a block twice as long */
		if (b->len + 1 >= b->cap &&
		    secbuf_reserve(b, b->cap < STREAM_BLOCK ? STREAM_BLOCK - 1 : b->cap * 2) < 0)
			return err_set(e, -ENOMEM, "out of memory");
		n = pread(s->fd, b->p + b->len, b->cap - 1 - b->len, (off_t)s->total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, -errno, "%s: cannot read the config: %s", s->path,
				       strerror(errno));
		}
		s->eof = n == 0;
		s->total += (size_t)n;
		b->len += (size_t)n;
		b->p[b->len] = '\0';
		if (s->total > CONFIG_MAX)
			return err_set(e, -EFBIG, "%s: larger than %u MiB: not a config",
				       s->path, CONFIG_MAX >> 20);
	}
}

/*
 * A regular file read whole and parsed, streamed: the text twice, a block
 * at a time. First for the forwards' count and, with sc, the scan, whose
 * stamp is taken before the parse reads any AllowFile (one changed after
 * the stamp is then found changed by the next run); then for the parse.
 * A file changed between the two is changed after st, which the stamp was
 * taken of: the next run reads it whole, as it would have.
 */
static int load_stream(int fd, const char *path, const char *dir, const struct stat *st,
		       struct input_scan *sc, bool *has_stamp, uint8_t stamp[CONFIG_INPUT_LEN],
		       struct wgb_config **out, struct wgb_err *e)
{
	struct secbuf buf = { 0 };
	struct stream s = { .fd = fd, .path = path, .buf = &buf };
	struct reader r;
	size_t len, off, n_fwd = 0;
	const char *p;
	unsigned line = 1;
	int ret;

	while ((ret = stream_next(&s, &p, &len, &off, e)) > 0) {
		n_fwd += count_forward_headers(p, len);
		if (sc)
			input_scan_lines(sc, p, len, off);
	}
	if (ret < 0)
		goto out;
	if (sc && !input_scan_end(sc, s.total))
		*has_stamp = !config_input_stamp(path, st, sc, stamp);
	ret = reader_begin(&r, path, dir, (st->st_mode & (S_IRGRP | S_IROTH)) != 0, false, e);
	if (ret < 0)
		goto out;
	reserve_forwards(&r, n_fwd, s.total);
	stream_rewind(&s);
	while ((ret = stream_next(&s, &p, &len, &off, e)) > 0) {
		ret = config_read(&r, p, len, line);
		if (ret)
			break;
		line = r.line;
	}
	ret = reader_end(&r, ret, out);
out:
	secbuf_free(&buf);
	return ret;
}

/* Only the ranges an index names, one after another in text, each with
 * the byte before it: *out are the ranges as they lie in text. -ESTALE
 * when they do not fall where the index says (begin and end a line). */
static int read_ranges(int fd, const struct stat *st, const struct input_scan *ix,
		       struct secbuf *text, struct input_range **out)
{
	size_t i, need = 0, size = (size_t)st->st_size;
	struct input_range *r;
	const struct input_range *x;
	ssize_t n;

	for (i = 0; i < ix->n_ranges; ++i) {
		x = &ix->ranges[i];
		if (x->off > size || x->len > size - x->off)
			return -ESTALE;
		need += x->len + 1;
	}
	r = calloc(ix->n_ranges, sizeof(*r));
	if (!r || secbuf_reserve(text, need) < 0) {
		free(r);
		return -ENOMEM;
	}
	for (i = 0; i < ix->n_ranges; ++i) {
		x = &ix->ranges[i];
		n = pread(fd, text->p + text->len, x->len + !!x->off, (off_t)(x->off - !!x->off));
		if (n < 0 || (size_t)n != x->len + !!x->off ||
		    (x->off && text->p[text->len] != '\n') ||
		    (x->off + x->len < size && x->len && text->p[text->len + n - 1] != '\n')) {
			free(r);
			return -ESTALE;
		}
		r[i] = (struct input_range){ text->len + !!x->off, x->len, x->line };
		text->len += (size_t)n;
	}
	text->p[text->len] = '\0';
	*out = r;
	return 0;
}

static int load(const char *path, enum load_mode mode, const struct config_index *ix,
		struct wgb_config **out, struct wgb_err *e)
{
	bool elide = mode == LOAD_KNOWN, has_stamp = false;
	uint8_t stamp[CONFIG_INPUT_LEN] = { 0 };
	struct input_scan sc = { 0 };
	/* the text may hold keys: a secbuf grows without leaving copies
	 * behind (realloc would hand the old block back unwiped) */
	struct secbuf text = { 0 };
	struct input_range all, *ranges = NULL;
	const struct input_scan *found = &sc;
	char *dir = NULL, *slash;
	size_t n_ranges = 1;
	struct stat st;
	size_t said;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_set(e, -errno, "%s: cannot open the config: %s", path,
			       strerror(errno));
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		ret = err_set(e, S_ISDIR(st.st_mode) ? -EISDIR : -errno,
			      "%s: cannot read the config: %s", path,
			      strerror(S_ISDIR(st.st_mode) ? EISDIR : errno));
		goto out;
	}
	dir = strdup(path);
	if (!dir) {
		ret = err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash)
		slash == dir ? (void)(slash[1] = '\0') : (void)(*slash = '\0');
	else
		strcpy(dir, ".");
	sc.dir = dir;

	/* the index of a config whose files are all as it stamped them: its
	 * text is the one the index was made of, and only the ranges that
	 * are not [Forward]s need be read */
	if (elide && ix && !config_input_stamp(path, &st, &ix->sc, stamp) &&
	    !sodium_memcmp(stamp, ix->stamp, CONFIG_INPUT_LEN)) {
		ret = read_ranges(fd, &st, &ix->sc, &text, &ranges);
		if (ret == -ENOMEM) {
			ret = err_set(e, ret, "out of memory");
			goto out;
		}
		if (!ret) {
			found = &ix->sc;
			n_ranges = ix->sc.n_ranges;
			has_stamp = true;
			debugx("config: %s as indexed: %zu [Forward] sections not read", path,
			       ix->sc.n_forwards);
		} else {
			secbuf_free(&text);	/* read all of it, below */
			debugx("config: %s: the index does not fit the text: read whole", path);
		}
	} else if (elide && ix) {
		debugx("config: %s: not as indexed (a file changed or was touched since): read whole",
		       path);
	}
	if (!ranges) {
		/* read whole, and so parsed whole: a text the records do not
		 * vouch for (a cold or changed config) is scanned whole
		 * anyway, and skipping its [Forward]s would save little */
		if (mode == LOAD_KNOWN)
			mode = LOAD_INPUT, elide = false;
		/* a regular file is streamed (load_stream); anything else,
		 * a FIFO say, can be read only once: into one block */
		if (!S_ISREG(st.st_mode)) {
			if ((ret = read_text(fd, path, &st, &text, e)) < 0)
				goto out;
			all = (struct input_range){ 0, text.len, 1 };
			ranges = &all;
			/* before the parse reads the AllowFiles: one changed
			 * after its stamp was taken is found changed by the
			 * next run */
			if (mode != LOAD_PLAIN && !input_scan_text(&sc, text.p ? text.p : "", text.len))
				has_stamp = !config_input_stamp(path, &st, &sc, stamp);
		}
	}

	said = warnings_count();
	if (ranges)
		ret = parse_common(path, dir, (st.st_mode & (S_IRGRP | S_IROTH)) != 0, elide,
				   ranges, n_ranges, text.p ? text.p : "", out, e);
	else
		ret = load_stream(fd, path, dir, &st, mode != LOAD_PLAIN ? &sc : NULL, &has_stamp,
				  stamp, out, e);
	if (ret || mode == LOAD_PLAIN)
		goto out;
	/* a config that warns is read whole every time: its warnings are
	 * said every time */
	if (warnings_count() != said)
		has_stamp = false;
	if (elide && !has_stamp) {
		config_free(*out);
		*out = NULL;
		ret = err_set(e, -ESTALE, "%s: cannot be taken as already applied", path);
		goto out;
	}
	(*out)->has_stamp = has_stamp;
	memcpy((*out)->stamp, stamp, sizeof(stamp));
	if (has_stamp)
		(*out)->index = config_index_text(found, stamp);
	if (elide) {
		(*out)->elided = true;
		(*out)->n_elided = found->n_forwards;
		(*out)->uses_ipv6 |= found->v6;
	}
out:
	if (ranges != &all && ranges != sc.ranges)
		free(ranges);
	input_scan_free(&sc);
	secbuf_free(&text);
	free(dir);
	close(fd);
	return ret;
}

int config_load(const char *path, struct wgb_config **out, struct wgb_err *e)
{
	return load(path, LOAD_PLAIN, NULL, out, e);
}

int config_load_input(const char *path, struct wgb_config **out, struct wgb_err *e)
{
	return load(path, LOAD_INPUT, NULL, out, e);
}

int config_load_known(const char *path, const struct config_index *ix,
		      struct wgb_config **out, struct wgb_err *e)
{
	return load(path, LOAD_KNOWN, ix, out, e);
}
