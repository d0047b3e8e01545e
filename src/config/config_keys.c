// SPDX-License-Identifier: GPL-2.0-only
/*
 * The keys of each section: their canonical spelling, the wg-quick keys we
 * refuse by name, and one value handler per key (the value parsers are in
 * parse.c and key.c). A key handler sees one value; what needs more than
 * that waits for config_validate.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "lib/array.h"
#include "lib/warn.h"
#include "lib/key.h"
#include "parse.h"

const char *const section_names[] = {
	[S_INTERFACE] = "Interface", [S_PEER] = "Peer", [S_FORWARD] = "Forward",
	[S_EGRESS] = "Egress", [S_BASTION] = "Bastion", [S_RETURN] = "Return",
	[S_EXIT] = "Exit",
};

static const struct key_def {
	enum section section;
	enum cfg_key id;
	const char *name;	/* canonical spelling, used in messages;
				 * letters only (cfg_word_is) */
} key_defs[] = {
	{ S_INTERFACE, K_NAME, "Name" },
	{ S_INTERFACE, K_PRIVATE_KEY, "PrivateKey" },
	{ S_INTERFACE, K_PRIVATE_KEY_FILE, "PrivateKeyFile" },
	{ S_INTERFACE, K_LISTEN_PORT, "ListenPort" },
	{ S_INTERFACE, K_ADDRESS, "Address" },
	{ S_INTERFACE, K_MTU, "MTU" },
	{ S_INTERFACE, K_FWMARK, "FwMark" },
	{ S_PEER, K_PUBLIC_KEY, "PublicKey" },
	{ S_PEER, K_PRESHARED_KEY, "PresharedKey" },
	{ S_PEER, K_PRESHARED_KEY_FILE, "PresharedKeyFile" },
	{ S_PEER, K_ALLOWED_IPS, "AllowedIPs" },
	{ S_PEER, K_ENDPOINT, "Endpoint" },
	{ S_PEER, K_KEEPALIVE, "PersistentKeepalive" },
	{ S_FORWARD, K_PROTOCOL, "Protocol" },
	{ S_FORWARD, K_PORT, "Port" },
	{ S_FORWARD, K_DESTINATION, "Destination" },
	{ S_FORWARD, K_ALLOW, "Allow" },
	{ S_FORWARD, K_MASQUERADE, "Masquerade" },
	{ S_FORWARD, K_SHADOW, "Shadow" },
	{ S_FORWARD, K_RATE_LIMIT, "RateLimit" },
	{ S_FORWARD, K_CONN_LIMIT, "ConnLimit" },
	{ S_FORWARD, K_LOG, "Log" },
	{ S_FORWARD, K_ALLOW_FILE, "AllowFile" },
	{ S_EGRESS, K_SOURCE, "Source" },
	{ S_EGRESS, K_DESTINATION, "Destination" },
	{ S_EGRESS, K_DENY, "Deny" },
	{ S_EGRESS, K_INTERFACE, "Interface" },
	{ S_EGRESS, K_MASQUERADE, "Masquerade" },
	{ S_BASTION, K_TABLE, "Table" },
	{ S_BASTION, K_MARK, "Mark" },
	{ S_BASTION, K_PRIORITY, "Priority" },
	{ S_BASTION, K_CT_INGRESS, "IngressConnMark" },
	{ S_BASTION, K_CT_EGRESS, "EgressConnMark" },
	{ S_BASTION, K_EXIT_MARK, "ExitMark" },
	{ S_RETURN, K_DESTINATION, "Destination" },
	{ S_EXIT, K_SOURCE, "Source" },
	{ S_EXIT, K_DESTINATION, "Destination" },
};

#define N_KEY_DEFS (sizeof(key_defs) / sizeof(key_defs[0]))

static size_t key_len[N_KEY_DEFS];	/* each name's strlen, by sec_range() */

/* key_defs[*first, *end) are sec's keys: the table lists each section's
 * together, so a line is compared with its own section's keys only
 * (were they mixed, the range would only be longer). */
static void sec_range(enum section sec, size_t *first, size_t *end)
{
	static size_t lo[S_EXIT + 1], hi[S_EXIT + 1];
	static bool done;
	size_t i;

	if (!done) {
		for (i = 0; i < N_KEY_DEFS; ++i)
			key_len[i] = strlen(key_defs[i].name);
		for (i = N_KEY_DEFS; i-- > 0;)
			lo[key_defs[i].section] = i;
		for (i = 0; i < N_KEY_DEFS; ++i)
			hi[key_defs[i].section] = i + 1;
		done = true;
	}
	*first = sec <= S_EXIT ? lo[sec] : 0;
	*end = sec <= S_EXIT ? hi[sec] : 0;
}

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

/* Where the lines of the current section's keys go, by key. */
static unsigned *key_lines(struct reader *r)
{
	if (r->skipping)	/* a [Forward] not read: no lines of it */
		return NULL;
	switch (r->sec) {
	case S_INTERFACE: return r->c.iface.key;
	case S_BASTION: return r->c.bastion.key;
	case S_PEER: return r->c.peer[r->idx].key;
	/* a [Forward] has only keys below K__FORWARD (key_defs) */
	case S_FORWARD: return r->c.fwd[r->idx].key;
	case S_EGRESS: return r->c.egr[r->idx].key;
	case S_RETURN: return r->c.ret[r->idx].key;
	case S_EXIT: return r->c.ext[r->idx].key;
	default: return NULL;
	}
}

/* Once a section, not once a line: the arrays move only when a section
 * is added. */
void cfg_section_keys(struct reader *r)
{
	sec_range(r->sec, &r->key_first, &r->key_end);
	r->key_lines = key_lines(r);
}

/* Appends the comma-separated prefixes in v to l. */
static int prefix_list_parse(struct reader *r, const char *key, char *v,
			     enum prefix_mode mode, struct prefix_list *l)
{
	char why[PARSE_WHY], *item, *next;
	size_t count = 1;
	const char *s;

	for (s = v; *s; ++s)
		count += *s == ',';
	if (array_reserve(l->v, &l->cap, l->n + count) < 0)
		return err_set(r->c.e, -ENOMEM, "out of memory");
	for (item = v; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		item = cfg_trim(item);
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
	char *item, *next, *end;
	unsigned bit;

	*out = 0;
	for (item = v; item; item = next) {
		/* split and trimmed by hand: once per forward */
		for (end = item; *end && *end != ','; ++end)
			;
		next = *end ? end + 1 : NULL;
		*end = '\0';
		while (cfg_blank((unsigned char)*item))
			++item;
		while (end > item && cfg_blank((unsigned char)end[-1]))
			*--end = '\0';
		if (cfg_word_is(item, (size_t)(end - item), "tcp", 3))
			bit = PROTO_TCP;
		else if (cfg_word_is(item, (size_t)(end - item), "udp", 3))
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
char *cfg_path(struct reader *r, const char *v)
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
	char *path = cfg_path(r, v);
	int ret;

	*present = false;
	if (!path)
		return err_set(r->c.e, -ENOMEM, "out of memory");
	ret = key_file_read(path, out, why);
	if (ret == -ENOENT && missing_ok) {
		ret = 0;
	} else if (ret == -EACCES) {
		/* check needs no privileges (SPEC §2): a root-only key file is
		 * not an error for an unprivileged check, only unchecked */
		warning("%s:%u: %s: \"%s\" cannot be read by this user: not checked",
			r->c.name, r->line, key, path);
		ret = 0;
	} else if (ret < 0) {	/* keep the cause: -EPERM, -ENOENT, ... */
		err_set(r->c.e, ret, "%s:%u: %s: \"%s\" %s", r->c.name, r->line,
			key, path, why);
	} else {
		*present = true;
	}
	if (ret == 0 && path_out)
		*path_out = path;
	else
		free(path);
	return ret;
}

static int secret_refuse_readable(struct reader *r, const char *key)
{
	if (!r->shared_readable)
		return 0;
	return cfg_bad(&r->c, r->line,
		       "%s: the config file holds a secret and is readable by group or others: chmod 600 %s, or use %sFile",
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
	struct wgb_return *rt = r->sec == S_RETURN ? &cfg->returns[r->idx] : NULL;
	struct wgb_exit *ex = r->sec == S_EXIT ? &cfg->exits[r->idx] : NULL;
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
		return prefix_list_parse(r, k, v, PREFIX_NETWORK,
					 rt ? &rt->destination : ex ? &ex->destination : &eg->destination);
	case K_ALLOW:
		return prefix_list_parse(r, k, v, PREFIX_NETWORK, &f->allow);
	case K_ALLOW_FILE:
		free(f->allow_file);
		f->allow_file = cfg_path(r, v);
		if (!f->allow_file)
			return err_set(r->c.e, -ENOMEM, "out of memory");
		return allow_file_load(r, k, f->allow_file, &f->allow_file_list,
				       &f->allow_file_unread);
	case K_MASQUERADE:
		if (parse_bool(v, f ? &f->masquerade : &eg->masquerade, why) < 0)
			return cfg_bad_value(&r->c, r->line, k, v, why);
		return 0;
	case K_SHADOW:
		if (parse_bool(v, &f->shadow, why) < 0)
			return cfg_bad_value(&r->c, r->line, k, v, why);
		return 0;
	case K_RATE_LIMIT:
		if (parse_rate(v, &f->rate, &f->rate_unit, why) < 0)
			return cfg_bad_value(&r->c, r->line, k, v, why);
		return 0;
	case K_LOG:
		if (parse_log(v, &f->log, &f->log_group, why) < 0)
			return cfg_bad_value(&r->c, r->line, k, v, why);
		return 0;
	case K_CONN_LIMIT:
		if (parse_u32(v, 1, WGB_LIMIT_MAX, &f->conn_limit) < 0)
			return cfg_bad_value(&r->c, r->line, k, v,
					     "is not a number of connections (1-1000000)");
		return 0;

	case K_SOURCE:
		return prefix_list_parse(r, k, v, PREFIX_NETWORK, ex ? &ex->source : &eg->source);
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
	case K_EXIT_MARK:
		if (parse_u32(v, 1, UINT32_MAX, &b->exit_mark) < 0)
			return cfg_bad_value(&r->c, r->line, k, v,
					     "is not a mark (a number other than 0, decimal or 0x hex)");
		return 0;
	default:
		break;
	}
	return 0;
}

int cfg_key_line(struct reader *r, char *text, size_t len)
{
	char *eq = memchr(text, '=', len), *key, *v, *kend;
	const struct key_def *d = NULL;
	unsigned *line;
	size_t i, klen;

	if (!eq)
		return cfg_bad(&r->c, r->line,
			       "expected \"Key = Value\" or a [Section] header");
	/* the line is trimmed (config.c): only either side of '=' is left */
	for (kend = eq; kend > text && cfg_blank((unsigned char)kend[-1]); --kend)
		;
	*kend = '\0';
	key = text;
	klen = (size_t)(kend - text);
	for (v = eq + 1; cfg_blank((unsigned char)*v); ++v)
		;
	if (!klen)
		return cfg_bad(&r->c, r->line, "a value without a key");
	if (r->sec == S_NONE)
		return cfg_bad(&r->c, r->line, "%s: a key outside any section", key);

	/* Once per line of a config of ten thousand forwards: the length
	 * is compared before the letters (every name is letters only), so
	 * that a line costs about one comparison (comparing against every
	 * key was 44% of parsing such a config). No key of a section is also
	 * a wg-quick key refused in it, so those are looked at only on a
	 * miss. */
	for (i = r->key_first; i < r->key_end && !d; ++i)
		if (key_defs[i].section == r->sec &&	/* should the table mix */
		    cfg_word_is(key, klen, key_defs[i].name, key_len[i]))
			d = &key_defs[i];
	if (!d) {
		for (i = 0; i < sizeof(wg_quick_keys) / sizeof(wg_quick_keys[0]); ++i)
			if ((wg_quick_keys[i].section == S_NONE ||
			     wg_quick_keys[i].section == r->sec) &&
			    !strcasecmp(key, wg_quick_keys[i].name))
				return cfg_bad(&r->c, r->line,
					       "%s: a wg-quick key that wgbastion does not support: %s",
					       wg_quick_keys[i].name, wg_quick_keys[i].why);
		return cfg_bad(&r->c, r->line, "unknown key \"%s\" in [%s]", key,
			       section_names[r->sec]);
	}
	line = &r->key_lines[d->id];
	/* SPEC §3: duplicate keys are errors, even the ones wg-quick lets
	 * repeat (Address, AllowedIPs): give the list on one line. */
	if (*line)
		return cfg_bad(&r->c, r->line, "%s: given twice in one section (first at line %u)",
			       d->name, *line);
	if (!*v)
		return cfg_bad(&r->c, r->line, "%s: empty value", d->name);
	*line = r->line;
	return key_set(r, d, v);
}
