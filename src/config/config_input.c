// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a config is made of, as one digest: this program's build (a new
 * wgbastion may build another table from the same text), the text, and
 * the contents of every AllowFile it names, in the order named. Two runs
 * that find the same digest would parse, validate and build the same
 * forwards, so a run that finds the digest the last apply recorded need
 * not parse them (config_load_known, nft_record.c).
 *
 * The scan is the reader's grammar cut to what the digest needs: section
 * headers, and in a [Forward] the keys AllowFile (whose file goes in) and
 * Destination (an IPv6 one makes the config use IPv6, which the stages
 * other than nft build from). Whatever it gets wrong only costs the fast
 * path: the digest is compared with one a full parse of the same text
 * took with this same scan.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"
#include "lib/buildid.h"

#define INPUT_FILE_MAX (256 << 20)	/* as allow_file.c */

static void h_len(crypto_generichash_state *h, size_t n)
{
	uint64_t v = n;

	crypto_generichash_update(h, (const unsigned char *)&v, sizeof(v));
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
	h_len(h, strlen(path));
	crypto_generichash_update(h, (const unsigned char *)path, strlen(path));
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

static bool span_is(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - s) == n && !strncasecmp(s, word, n);
}

int config_input_digest(const char *text, size_t len, const char *dir,
			uint8_t out[CONFIG_INPUT_LEN], bool *forward_v6)
{
	const char *p = text, *end = text + len, *nl, *s, *e, *eq;
	crypto_generichash_state h;
	const uint8_t *id;
	bool in_forward = false;
	size_t idlen;
	char *path;
	int ret;

	*forward_v6 = false;
	id = build_id(&idlen);
	if (!id)
		return -ENOENT;
	crypto_generichash_init(&h, NULL, 0, CONFIG_INPUT_LEN);
	h_len(&h, idlen);
	crypto_generichash_update(&h, id, idlen);
	h_len(&h, len);
	crypto_generichash_update(&h, (const unsigned char *)text, len);
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		for (s = p; s < nl && cfg_blank((unsigned char)*s); ++s)
			;
		/* most lines matter to no one here: only a header, and in a
		 * [Forward] Destination and AllowFile, are looked at */
		if (s == nl || (*s != '[' && (!in_forward || !strchr("aAdD", *s))))
			continue;
		if (*s == '[') {
			/* "[ Forward NAME ]", as the reader takes it; its
			 * comment, if any, is past the name */
			for (++s; s < nl && cfg_blank((unsigned char)*s); ++s)
				;
			in_forward = (size_t)(nl - s) > 7 && !strncasecmp(s, "forward", 7) &&
				     (cfg_blank((unsigned char)s[7]) || s[7] == ']');
			continue;
		}
		/* the key, up to the first '=': a comment before it leaves no
		 * key the reader would take as one of these two */
		if (!(eq = memchr(s, '=', (size_t)(nl - s))))
			continue;
		for (e = eq; e > s && cfg_blank((unsigned char)e[-1]); --e)
			;
		if (span_is(s, e, "Destination")) {
			const char *colon;

			s = eq + 1;
			e = nl;
			span_trim(&s, &e);
			colon = memchr(s, ':', (size_t)(e - s));
			/* "[IPv6]:port", or a bare IPv6 address: two colons */
			if (s < e && (*s == '[' || (colon && memchr(colon + 1, ':', (size_t)(e - colon - 1)))))
				*forward_v6 = true;
		} else if (span_is(s, e, "AllowFile")) {
			s = eq + 1;
			e = nl;
			span_trim(&s, &e);
			if (*s != '/' && dir)
				ret = asprintf(&path, "%s/%.*s", dir, (int)(e - s), s);
			else
				ret = asprintf(&path, "%.*s", (int)(e - s), s);
			if (ret < 0)
				return -ENOMEM;
			ret = h_file(&h, path);
			free(path);
			if (ret < 0)
				return ret;
		}
	}
	crypto_generichash_final(&h, out, CONFIG_INPUT_LEN);
	return 0;
}
