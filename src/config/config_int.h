/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by config.c (the INI reader), config_keys.c (each key),
 * config_validate.c (defaults and the checks across sections) and
 * config_err.c (their messages): where each key was, so that a check made
 * after parsing can still point at the line that caused it.
 */
#ifndef WGB_CONFIG_INT_H
#define WGB_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/err.h"
#include "model.h"

enum cfg_key {
	/* [Forward]'s keys first: a forward's lines keep only these */
	K_PROTOCOL, K_PORT, K_DESTINATION, K_ALLOW, K_MASQUERADE, K_SHADOW,
	K_RATE_LIMIT, K_CONN_LIMIT, K_LOG, K_ALLOW_FILE,
	K__FORWARD,
	K_NAME = K__FORWARD, K_PRIVATE_KEY, K_PRIVATE_KEY_FILE, K_LISTEN_PORT,
	K_ADDRESS, K_MTU, K_FWMARK,
	K_PUBLIC_KEY, K_PRESHARED_KEY, K_PRESHARED_KEY_FILE, K_ALLOWED_IPS,
	K_ENDPOINT, K_KEEPALIVE,
	K_SOURCE, K_DENY, K_INTERFACE,
	K_TABLE, K_MARK, K_PRIORITY, K_CT_INGRESS, K_CT_EGRESS, K_EXIT_MARK,
	K__COUNT
};

/* Line of each key in one section (0: not given) and of its header. */
struct cfg_lines {
	unsigned section;
	unsigned key[K__COUNT];
};

/* The same for a [Forward], of its keys alone: ten thousand forwards
 * would otherwise fault in a megabyte of zeros for the other sections'
 * keys. */
struct fwd_lines {
	unsigned section;
	unsigned key[K__FORWARD];
};

struct cfg_ctx {
	const char *name;		/* the file, as messages call it */
	struct wgb_config *cfg;
	struct wgb_err *e;
	struct cfg_lines iface, bastion;
	struct cfg_lines *peer, *egr, *ret, *ext;	/* parallel to cfg's arrays */
	struct fwd_lines *fwd;
	bool has_iface, has_bastion;
};

/* "FILE:LINE: Key: \"value\" why" */
int cfg_bad_value(struct cfg_ctx *c, unsigned line, const char *key,
		  const char *value, const char *why);
/* "FILE:LINE: ..." (line 0: "FILE: ...") */
int cfg_bad(struct cfg_ctx *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Defaults that depend on other sections, list cleanup, and every check
 * across sections (SPEC §3). */
int config_validate(struct cfg_ctx *c);

/* What follows is the reader's, shared by config.c and config_keys.c. */
enum section {
	S_NONE, S_INTERFACE, S_PEER, S_FORWARD, S_EGRESS, S_BASTION, S_RETURN, S_EXIT,
};

extern const char *const section_names[];

/* The reader's state on top of what validation shares. */
struct reader {
	struct cfg_ctx c;
	const char *dir;	/* relative key file paths are relative to this */
	bool shared_readable;	/* by group or others: no secrets inside then */
	enum section sec;
	size_t idx;		/* of the current peer / forward / egress / ... */
	size_t cap_peer, cap_fwd, cap_egr, cap_ret, cap_ext;
	unsigned line;
	bool elide;		/* config_load_known: [Forward] bodies skipped */
	bool skipping;		/* in one now */
	/* the current section's: its keys in config_keys.c's table, and
	 * where their lines go (cfg_section_keys) */
	size_t key_first, key_end;
	unsigned *key_lines;
};

/* isspace() in the C locale, inline: the reader asks it of every byte of
 * a config of ten thousand sections, and a call per byte showed. */
static inline bool cfg_blank(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * !strcasecmp(s, name) for s of n bytes, name of name_len, where name is
 * letters only (a section's, a key's): a byte matches a letter, once both
 * have their 0x20 bit set, only when it is that letter or its capital, as
 * the C locale's tolower says (no locale is ever set). Inline: once per
 * line of a config of ten thousand sections.
 */
static inline bool cfg_word_is(const char *s, size_t n, const char *name, size_t name_len)
{
	const uint64_t case8 = 0x2020202020202020u;
	const uint32_t case4 = 0x20202020u;
	uint64_t a, b;
	uint32_t x, y;
	size_t i;

	if (n != name_len)
		return false;
	if (n >= 8) {	/* eight bytes a load, the last eight overlapping */
		for (i = 0; i + 8 < n; i += 8) {
			memcpy(&a, s + i, 8);
			memcpy(&b, name + i, 8);
			if ((a | case8) != (b | case8))
				return false;
		}
		memcpy(&a, s + n - 8, 8);
		memcpy(&b, name + n - 8, 8);
		return (a | case8) == (b | case8);
	}
	if (n >= 4) {	/* the first four and the last four */
		memcpy(&x, s, 4);
		memcpy(&y, name, 4);
		if ((x | case4) != (y | case4))
			return false;
		memcpy(&x, s + n - 4, 4);
		memcpy(&y, name + n - 4, 4);
		return (x | case4) == (y | case4);
	}
	for (i = 0; i < n; ++i)
		if (((unsigned char)s[i] | 0x20) != ((unsigned char)name[i] | 0x20))
			return false;
	return true;
}

char *cfg_trim(char *s);
/* A path of the config (key files, AllowFile): relative to its directory. */
char *cfg_path(struct reader *r, const char *v);
/* AllowFile: the prefixes of PATH appended to out (allow_file.c). */
int allow_file_load(struct reader *r, const char *key, const char *path,
		    struct prefix_list *out, bool *unread);
/* What config_input.c needs of a config's text: the AllowFiles its
 * [Forward]s name (made absolute against dir), and whether a Destination
 * looks IPv6. err: -ENOMEM, say, and nothing can be taken of it. */
struct input_range {
	size_t off, len;	/* in the text */
	unsigned line;		/* its first line's number */
};
struct input_scan {
	const char *dir;
	char **files;
	size_t n_files, cap;
	/* where the text is not [Forward]s: from the start, or from a header
	 * of another kind, to the next [Forward] header or the end */
	struct input_range *ranges;
	size_t n_ranges, cap_ranges;
	size_t n_forwards;
	bool v6;
	int err;
	/* between blocks: the next line's number (0: none scanned yet), and
	 * whether the lines before it were a [Forward]'s */
	unsigned line;
	bool in_forward;
};
/* The scan of a text in one block, or (input_scan_lines) a block of whole
 * lines at a time, off being the block's offset in the text, then
 * input_scan_end with the text's length. 0, or -ENOMEM. */
int input_scan_text(struct input_scan *sc, const char *text, size_t len);
void input_scan_lines(struct input_scan *sc, const char *text, size_t len, size_t off);
int input_scan_end(struct input_scan *sc, size_t len);
void input_scan_free(struct input_scan *sc);

/* config.h's config_index: a scan kept from a config read earlier, and
 * the stamp of the files it was made from. */
struct config_index {
	uint8_t stamp[CONFIG_INPUT_LEN];
	struct input_scan sc;
};
/* The index text of sc for stamp (malloc'd), or NULL when it cannot be
 * kept (a path with a newline in it, too long for a record). */
char *config_index_text(const struct input_scan *sc, const uint8_t stamp[CONFIG_INPUT_LEN]);
/* The stamp of config path (st: its fstat, taken before its text was
 * read) and of sc's files, reading none of them; -EAGAIN (out still
 * set) when one changed less than config_settle_ns ago: a stamp that
 * cannot stand for the contents. */
int config_input_stamp(const char *path, const struct stat *st,
		       const struct input_scan *sc, uint8_t out[CONFIG_INPUT_LEN]);
/* At a section header, once r->sec and r->idx are its: which keys it
 * has, and where their lines go. */
void cfg_section_keys(struct reader *r);
/* One "Key = Value" line of the current section: text, len bytes, trimmed
 * (its first and last bytes are not blank). */
int cfg_key_line(struct reader *r, char *text, size_t len);

#endif
