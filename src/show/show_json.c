// SPDX-License-Identifier: GPL-2.0-only
/* show --json: the view of show.h as one document; schema in docs/json.md. */
#include <errno.h>
#include <string.h>

#include "lib/json.h"
#include "show_view.h"

#define SHOW_JSON_VERSION 1

/* "a, b, c" (as the view keeps lists for the screen) to ["a","b","c"]. */
static void list(struct json *j, const char *key, const char *s)
{
	const char *p = s, *comma;

	json_key(j, key);
	json_arr_begin(j);
	while (p && *p) {
		comma = strstr(p, ", ");
		json_strn(j, p, comma ? (size_t)(comma - p) : strlen(p));
		p = comma ? comma + 2 : NULL;
	}
	json_arr_end(j);
}

static void counter(struct json *j, const char *key, const struct show_counter *c)
{
	json_key(j, key);
	if (!c->present) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	json_kv_u64(j, "packets", c->packets);
	json_kv_u64(j, "bytes", c->bytes);
	json_obj_end(j);
}

static void kv_nonempty(struct json *j, const char *key, const char *s)
{
	json_kv_str(j, key, s && *s ? s : NULL);
}

static void iface(struct json *j, const struct show_view *v)
{
	const struct show_iface *i = &v->iface;

	json_key(j, "interface");
	json_obj_begin(j);
	json_kv_str(j, "name", v->in.name);
	json_kv_bool(j, "present", i->exists);
	if (i->exists) {
		json_kv_str(j, "backend", i->backend);
		kv_nonempty(j, "userspace_program", i->userspace_prog);
		json_key(j, "userspace_pid");
		if (i->userspace_pid > 0)
			json_i64(j, i->userspace_pid);
		else
			json_null(j);
		json_kv_str(j, "public_key", i->has_public_key ? i->public_key : NULL);
		json_kv_u64(j, "listen_port", i->listen_port);
		json_kv_u64(j, "fwmark", i->fwmark);
		json_kv_u64(j, "mtu", i->mtu);
		json_kv_bool(j, "up", i->up);
		list(j, "addresses", i->addresses);
	}
	json_obj_end(j);
}

static void peers(struct json *j, const struct show_view *v)
{
	size_t k;

	json_key(j, "peers");
	json_arr_begin(j);
	for (k = 0; k < v->iface.n_peers; ++k) {
		const struct show_peer *p = &v->iface.peers[k];

		json_obj_begin(j);
		json_kv_str(j, "public_key", p->public_key);
		json_kv_bool(j, "has_preshared_key", p->has_preshared_key);
		kv_nonempty(j, "endpoint", p->endpoint);
		list(j, "allowed_ips", p->allowed_ips);
		json_kv_u64(j, "persistent_keepalive", p->keepalive);
		json_kv_i64(j, "latest_handshake", p->last_handshake);
		json_key(j, "latest_handshake_age");
		if (p->last_handshake)
			json_i64(j, v->now - p->last_handshake);
		else
			json_null(j);
		json_kv_u64(j, "rx_bytes", p->rx_bytes);
		json_kv_u64(j, "tx_bytes", p->tx_bytes);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void items(struct json *j, const char *key, const struct show_item *it,
		  size_t n, bool forward)
{
	size_t k;

	json_key(j, key);
	json_arr_begin(j);
	for (k = 0; k < n; ++k) {
		json_obj_begin(j);
		json_kv_str(j, "name", it[k].name);
		json_kv_str(j, "rule", it[k].rule);
		if (forward && it[k].protocols) {
			json_key(j, "protocols");
			json_arr_begin(j);
			if (it[k].protocols & PROTO_TCP)
				json_str(j, "tcp");
			if (it[k].protocols & PROTO_UDP)
				json_str(j, "udp");
			json_arr_end(j);
			json_kv_u64(j, "port", it[k].port_lo);
			json_kv_u64(j, "port_end", it[k].port_hi);
			kv_nonempty(j, "destination", it[k].destination);
		}
		counter(j, "counter", &it[k].counter);
		if (forward)
			counter(j, "limit_dropped", &it[k].limit_dropped);
		json_key(j, "connections");
		if (it[k].connections >= 0)
			json_i64(j, it[k].connections);
		else
			json_null(j);
		if (forward) {
			json_key(j, "unanswered");
			if (it[k].unanswered >= 0)
				json_i64(j, it[k].unanswered);
			else
				json_null(j);
			json_key(j, "diagnosis");
			if (it[k].unanswered > 0)
				json_str(j, show_unanswered_meaning);
			else
				json_null(j);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void entries(struct json *j, const char *key, const struct show_entry *e, size_t n)
{
	size_t k;

	json_key(j, key);
	json_arr_begin(j);
	for (k = 0; k < n; ++k) {
		json_obj_begin(j);
		json_kv_str(j, "family", e[k].family == AF_INET6 ? "ipv6" : "ipv4");
		json_kv_str(j, "text", e[k].text);
		json_kv_bool(j, "ours", e[k].ours);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void sysctls(struct json *j, const struct show_view *v)
{
	size_t k;

	json_key(j, "sysctls");
	json_arr_begin(j);
	for (k = 0; k < v->n_sysctls; ++k) {
		const struct show_sysctl *s = &v->sysctls[k];

		json_obj_begin(j);
		json_kv_str(j, "name", s->name);
		json_key(j, "value");
		if (s->present)
			json_i64(j, s->value);
		else
			json_null(j);
		json_key(j, "original");
		if (s->has_orig)
			json_i64(j, s->orig);
		else
			json_null(j);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void verdict(struct json *j, const struct show_view *v)
{
	char op[2] = { 0 };
	size_t k;

	json_key(j, "verdict");
	json_obj_begin(j);
	json_kv_bool(j, "known", v->verdict_known);
	json_key(j, "in_sync");
	if (v->verdict_known)
		json_bool(j, v->plan.n == 0);
	else
		json_null(j);
	json_key(j, "changes");
	json_arr_begin(j);
	for (k = 0; v->verdict_known && k < v->plan.n; ++k) {
		json_obj_begin(j);
		op[0] = v->plan.v[k].op;
		json_kv_str(j, "op", op);
		json_kv_str(j, "text", v->plan.v[k].text);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

int show_json(const struct show_view *v, FILE *f)
{
	struct json j;
	char hex[16];
	size_t k;

	json_init(&j, f, true);
	json_obj_begin(&j);
	json_kv_u64(&j, "version", SHOW_JSON_VERSION);
	json_kv_i64(&j, "time", v->now);

	json_key(&j, "config");
	json_obj_begin(&j);
	json_kv_str(&j, "path", v->config_path);
	json_kv_bool(&j, "valid", !v->config_error);
	json_kv_str(&j, "error", v->config_error);
	json_kv_str(&j, "instance_from", v->config_error ?
		    (v->instance_from_record ? "record" : "defaults") : "config");
	json_obj_end(&j);

	json_key(&j, "instance");
	json_obj_begin(&j);
	json_kv_str(&j, "name", v->in.name);
	json_kv_u64(&j, "table", v->in.table);
	snprintf(hex, sizeof(hex), "0x%x", v->in.mark);
	json_kv_str(&j, "mark", hex);
	snprintf(hex, sizeof(hex), "0x%x", v->in.mark_mask);
	json_kv_str(&j, "mark_mask", hex);
	json_kv_u64(&j, "priority", v->in.priority);
	json_obj_end(&j);

	iface(&j, v);
	peers(&j, v);
	json_key(&j, "nftables");
	json_obj_begin(&j);
	json_kv_bool(&j, "table_present", v->nft_table);
	counter(&j, "dropped", &v->dropped);
	json_obj_end(&j);
	items(&j, "forwards", v->forwards, v->n_forwards, true);
	items(&j, "egresses", v->egresses, v->n_egresses, false);
	items(&j, "returns", v->returns, v->n_returns, false);
	items(&j, "exits", v->exits, v->n_exits, false);
	entries(&j, "rules", v->rules, v->n_rules);
	entries(&j, "routes", v->routes, v->n_routes);
	sysctls(&j, v);
	verdict(&j, v);
	json_kv_str(&j, "read_error", v->read_error);

	json_key(&j, "warnings");
	json_arr_begin(&j);
	for (k = 0; k < v->warnings.n; ++k)
		json_str(&j, v->warnings.v[k]);
	json_arr_end(&j);
	json_obj_end(&j);
	return json_finish(&j);
}
