// SPDX-License-Identifier: GPL-2.0-only
/*
 * The INI reader: sections and keys into the model (model.h), one value
 * parser per key (parse.c, key.c). Everything that needs more than one key
 * or section lives in config_validate.c.
 *
 * The grammar is SPEC §3: "[Kind]" or "[Kind NAME]" headers, "Key = Value"
 * lines, '#' or ';' start a comment anywhere, kinds and keys are
 * case-insensitive, lists are comma-separated. [Interface] and [Peer] take
 * wg-quick's keys so that a wg-quick config can be pasted in; the wg-quick
 * keys we cannot honour are refused by name, saying why.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_int.h"
#include "key.h"
#include "parse.h"

enum section {
	S_NONE, S_INTERFACE, S_PEER, S_FORWARD, S_EGRESS, S_BASTION,
};

static const char *const section_names[] = {
	[S_INTERFACE] = "Interface", [S_PEER] = "Peer", [S_FORWARD] = "Forward",
	[S_EGRESS] = "Egress", [S_BASTION] = "Bastion",
};

static const struct key_def {
	enum section section;
	enum cfg_key id;
	const char *name;	/* canonical spelling, used in messages */
	bool repeatable;	/* wg-quick lets these repeat, appending */
	bool secret;		/* never echo the value */
} key_defs[] = {
	{ S_INTERFACE, K_NAME, "Name", false, false },
	{ S_INTERFACE, K_PRIVATE_KEY, "PrivateKey", false, true },
	{ S_INTERFACE, K_PRIVATE_KEY_FILE, "PrivateKeyFile", false, false },
	{ S_INTERFACE, K_LISTEN_PORT, "ListenPort", false, false },
	{ S_INTERFACE, K_ADDRESS, "Address", true, false },
	{ S_INTERFACE, K_MTU, "MTU", false, false },
	{ S_INTERFACE, K_FWMARK, "FwMark", false, false },
	{ S_PEER, K_PUBLIC_KEY, "PublicKey", false, false },
	{ S_PEER, K_PRESHARED_KEY, "PresharedKey", false, true },
	{ S_PEER, K_PRESHARED_KEY_FILE, "PresharedKeyFile", false, false },
	{ S_PEER, K_ALLOWED_IPS, "AllowedIPs", true, false },
	{ S_PEER, K_ENDPOINT, "Endpoint", false, false },
	{ S_PEER, K_KEEPALIVE, "PersistentKeepalive", false, false },
	{ S_FORWARD, K_PROTOCOL, "Protocol", false, false },
	{ S_FORWARD, K_PORT, "Port", false, false },
	{ S_FORWARD, K_DESTINATION, "Destination", false, false },
	{ S_FORWARD, K_ALLOW, "Allow", false, false },
	{ S_FORWARD, K_MASQUERADE, "Masquerade", false, false },
	{ S_FORWARD, K_SHADOW, "Shadow", false, false },
	{ S_EGRESS, K_SOURCE, "Source", false, false },
	{ S_EGRESS, K_DESTINATION, "Destination", false, false },
	{ S_EGRESS, K_DENY, "Deny", false, false },
	{ S_EGRESS, K_INTERFACE, "Interface", false, false },
	{ S_EGRESS, K_MASQUERADE, "Masquerade", false, false },
	{ S_BASTION, K_TABLE, "Table", false, false },
	{ S_BASTION, K_MARK, "Mark", false, false },
	{ S_BASTION, K_PRIORITY, "Priority", false, false },
	{ S_BASTION, K_CT_INGRESS, "IngressConnMark", false, false },
	{ S_BASTION, K_CT_EGRESS, "EgressConnMark", false, false },
};

/* wg-quick keys that would silently do nothing here: refused, with why. */
static const struct {
	enum section section;	/* S_NONE: in any section */
	const char *name;
	const char *why;
} wg_quick_keys[] = {
	{ S_NONE, "PreUp", "wgbastion runs no commands" },
	{ S_NONE, "PostUp", "wgbastion runs no commands" },
	{ S_NONE, "PreDown", "wgbastion runs no commands" },
	{ S_NONE, "PostDown", "wgbastion runs no commands" },
	{ S_NONE, "SaveConfig", "wgbastion never writes its config" },
	{ S_NONE, "DNS", "wgbastion does not touch the resolver" },
	{ S_INTERFACE, "Table", "routing is wgbastion's own: see [Bastion] Table" },
};

int cfg_bad_value(struct cfg_ctx *c, unsigned line, const char *key,
		  const char *value, const char *why)
{
	return err_set(c->e, -EINVAL, "%s:%u: %s: \"%s\" %s", c->name, line, key,
		       value, why);
}

int cfg_bad(struct cfg_ctx *c, unsigned line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!line)
		return err_set(c->e, -EINVAL, "%s: %s", c->name, msg);
	return err_set(c->e, -EINVAL, "%s:%u: %s", c->name, line, msg);
}

/* The reader's state on top of what validation shares. */
struct reader {
	struct cfg_ctx c;
	const char *dir;	/* relative key file paths are relative to this */
	bool world_readable;	/* the config file: no secrets inside then */
	enum section sec;
	size_t idx;		/* of the current peer / forward / egress */
	size_t cap_peer, cap_fwd, cap_egr;
	unsigned line;
};

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		++s;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static struct cfg_lines *cur_lines(struct reader *r)
{
	switch (r->sec) {
	case S_INTERFACE: return &r->c.iface;
	case S_BASTION: return &r->c.bastion;
	case S_PEER: return &r->c.peer[r->idx];
	case S_FORWARD: return &r->c.fwd[r->idx];
	case S_EGRESS: return &r->c.egr[r->idx];
	default: return NULL;
	}
}

/* Grows a model array and its parallel line array by one zeroed element. */
static int grow(void **arr, void **lines, size_t *n, size_t *cap, size_t size)
{
	void *a, *l;
	size_t ncap;

	if (*n == *cap) {
		ncap = *cap ? *cap * 2 : 4;
		a = reallocarray(*arr, ncap, size);
		if (!a)
			return -ENOMEM;
		*arr = a;
		l = reallocarray(*lines, ncap, sizeof(struct cfg_lines));
		if (!l)
			return -ENOMEM;
		*lines = l;
		*cap = ncap;
	}
	memset((char *)*arr + *n * size, 0, size);
	memset((struct cfg_lines *)*lines + *n, 0, sizeof(struct cfg_lines));
	++*n;
	return 0;
}

static int section_begin(struct reader *r, char *text)
{
	struct wgb_config *cfg = r->c.cfg;
	char *kind = trim(text), *name, why[PARSE_WHY];
	enum section s = S_NONE;
	size_t k;
	int ret;

	name = kind;
	while (*name && !isspace((unsigned char)*name))
		++name;
	if (*name)
		*name++ = '\0';
	name = trim(name);
	for (k = 1; k < sizeof(section_names) / sizeof(section_names[0]); ++k)
		if (!strcasecmp(kind, section_names[k]))
			s = (enum section)k;
	if (s == S_NONE)
		return cfg_bad(&r->c, r->line, "unknown section [%s]", kind);
	if ((s == S_FORWARD || s == S_EGRESS) && !*name)
		return cfg_bad(&r->c, r->line, "[%s] needs a name: [%s NAME]",
			       section_names[s], section_names[s]);
	if (s != S_FORWARD && s != S_EGRESS && *name)
		return cfg_bad(&r->c, r->line, "[%s] takes no name", section_names[s]);
	if (*name && parse_name(name, why) < 0)
		return cfg_bad_value(&r->c, r->line, section_names[s], name, why);

	r->sec = s;
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
		ret = grow((void **)&cfg->peers, (void **)&r->c.peer, &cfg->n_peers,
			   &r->cap_peer, sizeof(*cfg->peers));
		if (ret < 0)
			return err_set(r->c.e, ret, "out of memory");
		r->idx = cfg->n_peers - 1;
		cfg->peers[r->idx].line = r->line;
		r->c.peer[r->idx].section = r->line;
		break;
	case S_FORWARD:
		ret = grow((void **)&cfg->forwards, (void **)&r->c.fwd, &cfg->n_forwards,
			   &r->cap_fwd, sizeof(*cfg->forwards));
		if (ret < 0)
			return err_set(r->c.e, ret, "out of memory");
		r->idx = cfg->n_forwards - 1;
		strcpy(cfg->forwards[r->idx].name, name);
		cfg->forwards[r->idx].line = r->line;
		cfg->forwards[r->idx].protocols = PROTO_TCP;
		r->c.fwd[r->idx].section = r->line;
		break;
	case S_EGRESS:
		ret = grow((void **)&cfg->egresses, (void **)&r->c.egr, &cfg->n_egresses,
			   &r->cap_egr, sizeof(*cfg->egresses));
		if (ret < 0)
			return err_set(r->c.e, ret, "out of memory");
		r->idx = cfg->n_egresses - 1;
		strcpy(cfg->egresses[r->idx].name, name);
		cfg->egresses[r->idx].line = r->line;
		cfg->egresses[r->idx].masquerade = true;
		r->c.egr[r->idx].section = r->line;
		break;
	default:
		break;
	}
	return 0;
}

/* Appends the comma-separated prefixes in v to l. */
static int prefix_list_parse(struct reader *r, const char *key, char *v,
			     enum prefix_mode mode, struct prefix_list *l)
{
	char why[PARSE_WHY], *item, *next;
	struct prefix *nv;
	size_t count = 1;
	const char *s;

	for (s = v; *s; ++s)
		count += *s == ',';
	nv = reallocarray(l->v, l->n + count, sizeof(*l->v));
	if (!nv)
		return err_set(r->c.e, -ENOMEM, "out of memory");
	l->v = nv;
	for (item = v; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		item = trim(item);
		if (!*item)
			return cfg_bad(&r->c, r->line, "%s: empty element in the list", key);
		if (parse_prefix(item, mode, &l->v[l->n], why) < 0)
			return cfg_bad_value(&r->c, r->line, key, item, why);
		++l->n;
	}
	return 0;
}

static int protocol_parse(struct reader *r, const char *key, char *v, unsigned *out)
{
	char *item, *next;
	unsigned bit;

	*out = 0;
	for (item = v; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		item = trim(item);
		if (!strcasecmp(item, "tcp"))
			bit = PROTO_TCP;
		else if (!strcasecmp(item, "udp"))
			bit = PROTO_UDP;
		else
			return cfg_bad_value(&r->c, r->line, key, item,
					     "is not a protocol (tcp, udp or tcp,udp)");
		if (*out & bit)
			return cfg_bad_value(&r->c, r->line, key, item, "is given twice");
		*out |= bit;
	}
	return 0;
}

/* Key file paths: relative ones are relative to the config file's directory,
 * so that a config and its keys can move together. */
static char *key_path(struct reader *r, const char *v)
{
	char *p;

	if (v[0] == '/' || !r->dir)
		return strdup(v);
	if (asprintf(&p, "%s/%s", r->dir, v) < 0)
		return NULL;
	return p;
}

static int key_file_load(struct reader *r, const char *key, const char *v,
			 uint8_t out[WG_KEY_LEN], bool missing_ok, bool *present,
			 char **path_out)
{
	char why[PARSE_WHY];
	char *path = key_path(r, v);
	int ret;

	*present = false;
	if (!path)
		return err_set(r->c.e, -ENOMEM, "out of memory");
	ret = key_file_read(path, out, why);
	if (ret == -ENOENT && missing_ok)
		ret = 0;
	else if (ret < 0)	/* keep the cause: -EACCES, -ENOENT, ... */
		err_set(r->c.e, ret, "%s:%u: %s: \"%s\" %s", r->c.name, r->line,
			key, path, why);
	else
		*present = true;
	if (ret == 0 && path_out)
		*path_out = path;
	else
		free(path);
	return ret;
}

static int secret_refuse_readable(struct reader *r, const char *key)
{
	if (!r->world_readable)
		return 0;
	return cfg_bad(&r->c, r->line,
		       "%s: the config file holds a secret and is readable by others: chmod 600 %s, or use %sFile",
		       key, r->c.name, key);
}

static int set_u32(struct reader *r, const char *key, const char *v,
		   uint32_t min, uint32_t max, uint32_t *out, const char *range)
{
	char why[PARSE_WHY];

	if (parse_u32(v, min, max, out) < 0) {
		snprintf(why, sizeof(why), "is not a number in %s", range);
		return cfg_bad_value(&r->c, r->line, key, v, why);
	}
	return 0;
}

static int key_set(struct reader *r, const struct key_def *d, char *v)
{
	struct wgb_config *cfg = r->c.cfg;
	struct wgb_interface *in = &cfg->iface;
	struct wgb_peer *pe = r->sec == S_PEER ? &cfg->peers[r->idx] : NULL;
	struct wgb_forward *f = r->sec == S_FORWARD ? &cfg->forwards[r->idx] : NULL;
	struct wgb_egress *eg = r->sec == S_EGRESS ? &cfg->egresses[r->idx] : NULL;
	struct wgb_bastion *b = &cfg->bastion;
	const char *k = d->name;
	char why[PARSE_WHY];
	uint32_t u;
	uint16_t port;
	bool present;
	int ret;

	switch (d->id) {
	case K_NAME:
		if (parse_ifname(v, why) < 0)
			return cfg_bad_value(&r->c, r->line, k, v, why);
		snprintf(in->name, sizeof(in->name), "%s", v);
		return 0;
	case K_PRIVATE_KEY:
		if ((ret = secret_refuse_readable(r, k)) < 0)
			return ret;
		if (r->c.iface.key[K_PRIVATE_KEY_FILE])
			return cfg_bad(&r->c, r->line,
				       "PrivateKey: give PrivateKey or PrivateKeyFile, not both (PrivateKeyFile is at line %u)",
				       r->c.iface.key[K_PRIVATE_KEY_FILE]);
		if (key_from_base64(in->private_key, v) < 0)
			return cfg_bad(&r->c, r->line,
				       "PrivateKey: is not a base64 WireGuard key (44 characters, as wg genkey prints)");
		in->has_private_key = true;
		return 0;
	case K_PRIVATE_KEY_FILE:
		if (r->c.iface.key[K_PRIVATE_KEY])
			return cfg_bad(&r->c, r->line,
				       "PrivateKeyFile: give PrivateKey or PrivateKeyFile, not both (PrivateKey is at line %u)",
				       r->c.iface.key[K_PRIVATE_KEY]);
		ret = key_file_load(r, k, v, in->private_key, true, &present,
				    &in->private_key_file);
		in->has_private_key = present;
		return ret;
	case K_LISTEN_PORT:
		if (parse_port(v, &in->listen_port, why) < 0)
			return cfg_bad_value(&r->c, r->line, k, v, why);
		return 0;
	case K_ADDRESS:
		return prefix_list_parse(r, k, v, PREFIX_HOST, &in->addresses);
	case K_MTU:
		if (parse_u32(v, 576, 9000, &in->mtu) < 0)
			return cfg_bad_value(&r->c, r->line, k, v, "is not an MTU (576-9000)");
		return 0;
	case K_FWMARK:
		if (!strcasecmp(v, "off")) {
			in->fwmark = 0;
			return 0;
		}
		if (parse_u32(v, 0, UINT32_MAX, &in->fwmark) < 0)
			return cfg_bad_value(&r->c, r->line, k, v,
					     "is not a mark (off, or a number, decimal or 0x hex)");
		return 0;

	case K_PUBLIC_KEY:
		if (key_from_base64(pe->public_key, v) < 0)
			return cfg_bad_value(&r->c, r->line, k, v,
					     "is not a base64 WireGuard key (44 characters, as wg pubkey prints)");
		return 0;
	case K_PRESHARED_KEY:
		if ((ret = secret_refuse_readable(r, k)) < 0)
			return ret;
		if (r->c.peer[r->idx].key[K_PRESHARED_KEY_FILE])
			return cfg_bad(&r->c, r->line,
				       "PresharedKey: give PresharedKey or PresharedKeyFile, not both (PresharedKeyFile is at line %u)",
				       r->c.peer[r->idx].key[K_PRESHARED_KEY_FILE]);
		if (key_from_base64(pe->preshared_key, v) < 0)
			return cfg_bad(&r->c, r->line,
				       "PresharedKey: is not a base64 WireGuard key (44 characters, as wg genpsk prints)");
		pe->has_preshared_key = true;
		return 0;
	case K_PRESHARED_KEY_FILE:
		if (r->c.peer[r->idx].key[K_PRESHARED_KEY])
			return cfg_bad(&r->c, r->line,
				       "PresharedKeyFile: give PresharedKey or PresharedKeyFile, not both (PresharedKey is at line %u)",
				       r->c.peer[r->idx].key[K_PRESHARED_KEY]);
		ret = key_file_load(r, k, v, pe->preshared_key, false, &present, NULL);
		pe->has_preshared_key = present;
		return ret;
	case K_ALLOWED_IPS:
		return prefix_list_parse(r, k, v, PREFIX_NETWORK, &pe->allowed_ips);
	case K_ENDPOINT:
		if (parse_endpoint(v, why) < 0)
			return cfg_bad_value(&r->c, r->line, k, v, why);
		pe->endpoint = strdup(v);
		return pe->endpoint ? 0 : err_set(r->c.e, -ENOMEM, "out of memory");
	case K_KEEPALIVE:
		if (!strcasecmp(v, "off")) {
			pe->persistent_keepalive = 0;
			return 0;
		}
		if (parse_u32(v, 0, 65535, &u) < 0)
			return cfg_bad_value(&r->c, r->line, k, v,
					     "is not an interval (off, or 0-65535 seconds)");
		pe->persistent_keepalive = (uint16_t)u;
		return 0;

	case K_PROTOCOL:
		return protocol_parse(r, k, v, &f->protocols);
	case K_PORT:
		if (parse_port_range(v, &f->port_lo, &f->port_hi, why) < 0)
			return cfg_bad_value(&r->c, r->line, k, v, why);
		return 0;
	case K_DESTINATION:
		if (f) {
			if (parse_destination(v, &f->family, f->dst.bytes, &port, why) < 0)
				return cfg_bad_value(&r->c, r->line, k, v, why);
			f->dst_port = port;
			return 0;
		}
		return prefix_list_parse(r, k, v, PREFIX_NETWORK, &eg->destination);
	case K_ALLOW:
		return prefix_list_parse(r, k, v, PREFIX_NETWORK, &f->allow);
	case K_MASQUERADE:
		if (parse_bool(v, f ? &f->masquerade : &eg->masquerade, why) < 0)
			return cfg_bad_value(&r->c, r->line, k, v, why);
		return 0;
	case K_SHADOW:
		if (parse_bool(v, &f->shadow, why) < 0)
			return cfg_bad_value(&r->c, r->line, k, v, why);
		return 0;

	case K_SOURCE:
		return prefix_list_parse(r, k, v, PREFIX_NETWORK, &eg->source);
	case K_DENY:
		if (!strcasecmp(v, "none"))
			return 0;	/* given, and empty: validation keeps it so */
		return prefix_list_parse(r, k, v, PREFIX_NETWORK, &eg->deny);
	case K_INTERFACE:
		if (parse_ifname(v, why) < 0)
			return cfg_bad_value(&r->c, r->line, k, v, why);
		snprintf(eg->interface, sizeof(eg->interface), "%s", v);
		return 0;

	case K_TABLE:
		if (parse_u32(v, 1, UINT32_MAX, &b->table) < 0)
			return cfg_bad_value(&r->c, r->line, k, v,
					     "is not a routing table (1-4294967295)");
		if (b->table >= 253 && b->table <= 255)
			return cfg_bad_value(&r->c, r->line, k, v,
					     "is a reserved table (253 default, 254 main, 255 local)");
		return 0;
	case K_MARK:
		if (parse_mark(v, &b->mark, &b->mark_mask, why) < 0)
			return cfg_bad_value(&r->c, r->line, k, v, why);
		return 0;
	case K_PRIORITY:
		return set_u32(r, k, v, 1, 32765, &b->priority, "1-32765");
	case K_CT_INGRESS:
	case K_CT_EGRESS:
		if (parse_u32(v, 1, UINT32_MAX, &u) < 0 || (u & (u - 1)))
			return cfg_bad_value(&r->c, r->line, k, v,
					     "is not a single-bit mark (such as 0x10000000)");
		*(d->id == K_CT_INGRESS ? &b->ct_ingress : &b->ct_egress) = u;
		return 0;
	default:
		break;
	}
	return 0;
}

static int key_line(struct reader *r, char *text)
{
	char *eq = strchr(text, '='), *key, *v;
	const struct key_def *d = NULL;
	struct cfg_lines *lines;
	size_t i;

	if (!eq)
		return cfg_bad(&r->c, r->line,
			       "expected \"Key = Value\" or a [Section] header");
	*eq = '\0';
	key = trim(text);
	v = trim(eq + 1);
	if (!*key)
		return cfg_bad(&r->c, r->line, "a value without a key");
	if (r->sec == S_NONE)
		return cfg_bad(&r->c, r->line, "%s: a key outside any section", key);

	for (i = 0; i < sizeof(wg_quick_keys) / sizeof(wg_quick_keys[0]); ++i)
		if ((wg_quick_keys[i].section == S_NONE ||
		     wg_quick_keys[i].section == r->sec) &&
		    !strcasecmp(key, wg_quick_keys[i].name))
			return cfg_bad(&r->c, r->line,
				       "%s: a wg-quick key that wgbastion does not support: %s",
				       wg_quick_keys[i].name, wg_quick_keys[i].why);
	for (i = 0; i < sizeof(key_defs) / sizeof(key_defs[0]); ++i)
		if (key_defs[i].section == r->sec && !strcasecmp(key, key_defs[i].name))
			d = &key_defs[i];
	if (!d)
		return cfg_bad(&r->c, r->line, "unknown key \"%s\" in [%s]", key,
			       section_names[r->sec]);
	lines = cur_lines(r);
	if (lines->key[d->id] && !d->repeatable)
		return cfg_bad(&r->c, r->line, "%s: given twice in one section (first at line %u)",
			       d->name, lines->key[d->id]);
	if (!*v)
		return cfg_bad(&r->c, r->line, "%s: empty value", d->name);
	if (!lines->key[d->id])
		lines->key[d->id] = r->line;
	return key_set(r, d, v);
}

static int config_read(struct reader *r, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	char *buf = NULL, *s, *c;
	size_t n;
	int ret = 0;

	/* a UTF-8 byte order mark, as some editors write */
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	for (r->line = 1; p < end && !ret; ++r->line, p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		n = (size_t)(nl - p);
		if (memchr(p, '\0', n)) {
			ret = cfg_bad(&r->c, r->line, "a NUL byte: not a text file");
			break;
		}
		free(buf);
		buf = strndup(p, n);
		if (!buf) {
			ret = err_set(r->c.e, -ENOMEM, "out of memory");
			break;
		}
		c = strpbrk(buf, "#;");
		if (c)
			*c = '\0';
		s = trim(buf);
		if (!*s)
			continue;
		if (*s == '[') {
			n = strlen(s);
			if (s[n - 1] != ']') {
				ret = cfg_bad(&r->c, r->line,
					      "a section header without its closing ]");
				break;
			}
			s[n - 1] = '\0';
			ret = section_begin(r, s + 1);
		} else {
			ret = key_line(r, s);
		}
	}
	if (buf)
		sodium_memzero(buf, strlen(buf));
	free(buf);
	return ret;
}

static int parse_common(const char *name, const char *dir, bool world_readable,
			const char *text, size_t len, struct wgb_config **out,
			struct wgb_err *e)
{
	struct reader r = { .dir = dir, .world_readable = world_readable };
	struct wgb_config *cfg;
	int ret;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return err_set(e, -ENOMEM, "out of memory");
	cfg->path = strdup(name);
	if (!cfg->path) {
		ret = err_set(e, -ENOMEM, "out of memory");
		goto out;
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
	};
	r.c.name = name;
	r.c.cfg = cfg;
	r.c.e = e;
	ret = config_read(&r, text, len);
	if (!ret)
		ret = config_validate(&r.c);
out:
	free(r.c.peer);
	free(r.c.fwd);
	free(r.c.egr);
	if (ret < 0) {
		config_free(cfg);
		return ret;
	}
	*out = cfg;
	return 0;
}

int config_parse(const char *name, const char *text, size_t len,
		 struct wgb_config **out, struct wgb_err *e)
{
	return parse_common(name, NULL, false, text, len, out, e);
}

/* Configs are small; this only stops a wrong path (a disk image) early. */
#define CONFIG_MAX	(64u << 20)

int config_load(const char *path, struct wgb_config **out, struct wgb_err *e)
{
	char *text = NULL, *dir = NULL, *slash;
	size_t len = 0, cap = 0;
	struct stat st;
	ssize_t n;
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
	for (;;) {
		if (len + 4096 > cap) {
			char *t;

			if (cap >= CONFIG_MAX) {
				ret = err_set(e, -EFBIG, "%s: larger than %u MiB: not a config",
					      path, CONFIG_MAX >> 20);
				goto out;
			}
			cap = cap ? cap * 2 : 16384;
			t = realloc(text, cap);
			if (!t) {
				ret = err_set(e, -ENOMEM, "out of memory");
				goto out;
			}
			text = t;
		}
		n = read(fd, text + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = err_set(e, -errno, "%s: cannot read the config: %s", path,
				      strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
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
	ret = parse_common(path, dir, (st.st_mode & S_IROTH) != 0,
			   text ? text : "", len, out, e);
out:
	if (text) {
		sodium_memzero(text, cap);
		free(text);
	}
	free(dir);
	close(fd);
	return ret;
}
