// SPDX-License-Identifier: GPL-2.0-only
/* show --prometheus on hand-made views: the exact document, label escaping,
 * HELP and TYPE before a family's samples, each family in one block, and
 * a valid document for an instance that is not applied. */
#include <string.h>

#include "show/show_view.h"
#include "unit.h"

static char *render(const struct show_view *v)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(show_prom(v, f), 0);
	fclose(f);
	return p;
}

#define PEER1 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define PEER2 "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="

struct sample_view {
	struct show_view v;
	struct show_peer peers[2];
	struct show_item fw[2], eg[1];
};

/* Two peers (one never shook hands), forwards web (limited) and dark (no
 * reply, no counter), one egress, two differences. */
static void sample(struct sample_view *s, const char *name)
{
	struct show_view *v = &s->v;

	memset(s, 0, sizeof(*s));
	v->now = 1700000063;
	snprintf(v->in.name, sizeof(v->in.name), "%s", name);
	v->iface.exists = true;
	v->nft_table = true;
	snprintf(s->peers[0].public_key, sizeof(s->peers[0].public_key), PEER1);
	s->peers[0].last_handshake = 1700000000;
	s->peers[0].rx_bytes = 5872025;
	s->peers[0].tx_bytes = 1023;
	snprintf(s->peers[1].public_key, sizeof(s->peers[1].public_key), PEER2);
	v->iface.peers = s->peers;
	v->iface.n_peers = 2;

	snprintf(s->fw[0].name, sizeof(s->fw[0].name), "web");
	s->fw[0].counter = (struct show_counter){ .present = true, .packets = 1234, .bytes = 5872025 };
	s->fw[0].limit_dropped = (struct show_counter){ .present = true, .packets = 7, .bytes = 420 };
	s->fw[0].connections = 12;
	s->fw[0].unanswered = 0;
	snprintf(s->fw[1].name, sizeof(s->fw[1].name), "dark");
	s->fw[1].connections = 1;
	s->fw[1].unanswered = 1;
	v->forwards = s->fw;
	v->n_forwards = 2;
	snprintf(s->eg[0].name, sizeof(s->eg[0].name), "out");
	s->eg[0].counter = (struct show_counter){ .present = true, .packets = 18446744073709551615ULL,
						  .bytes = 0 };
	s->eg[0].connections = -1;
	s->eg[0].unanswered = -1;
	v->egresses = s->eg;
	v->n_egresses = 1;
	v->dropped = (struct show_counter){ .present = true, .packets = 3, .bytes = 180 };
	v->verdict_known = true;
}

START_TEST(exact_document)
{
	struct sample_view s;
	char *out;

	sample(&s, "wg0");
	ck_assert_int_eq(plan_add(&s.v.plan, '+', "rule x"), 0);
	ck_assert_int_eq(plan_add(&s.v.plan, '-', "route y"), 0);
	out = render(&s.v);
	ck_assert_str_eq(out,
"# HELP wgbastion_up 1 when the instance is applied: its WireGuard interface and nftables table exist.\n"
"# TYPE wgbastion_up gauge\n"
"wgbastion_up{instance=\"wg0\"} 1\n"
"# HELP wgbastion_config_valid 1 when the config file loaded.\n"
"# TYPE wgbastion_config_valid gauge\n"
"wgbastion_config_valid{instance=\"wg0\"} 1\n"
"# HELP wgbastion_read_ok 1 when every part of the live state could be read.\n"
"# TYPE wgbastion_read_ok gauge\n"
"wgbastion_read_ok{instance=\"wg0\"} 1\n"
"# HELP wgbastion_verdict_known 1 when the live state could be compared with the config.\n"
"# TYPE wgbastion_verdict_known gauge\n"
"wgbastion_verdict_known{instance=\"wg0\"} 1\n"
"# HELP wgbastion_in_sync 1 when the live state matches the config (0 when unknown).\n"
"# TYPE wgbastion_in_sync gauge\n"
"wgbastion_in_sync{instance=\"wg0\"} 0\n"
"# HELP wgbastion_differences Changes apply would make (only when the verdict is known).\n"
"# TYPE wgbastion_differences gauge\n"
"wgbastion_differences{instance=\"wg0\"} 2\n"
"# HELP wgbastion_warnings Warnings said while reading the state.\n"
"# TYPE wgbastion_warnings gauge\n"
"wgbastion_warnings{instance=\"wg0\"} 0\n"
"# HELP wgbastion_peers Peers configured on the WireGuard interface.\n"
"# TYPE wgbastion_peers gauge\n"
"wgbastion_peers{instance=\"wg0\"} 2\n"
"# HELP wgbastion_dropped_packets_total Packets into or out of the tunnel that nothing allowed.\n"
"# TYPE wgbastion_dropped_packets_total counter\n"
"wgbastion_dropped_packets_total{instance=\"wg0\"} 3\n"
"# HELP wgbastion_dropped_bytes_total Bytes into or out of the tunnel that nothing allowed.\n"
"# TYPE wgbastion_dropped_bytes_total counter\n"
"wgbastion_dropped_bytes_total{instance=\"wg0\"} 180\n"
"# HELP wgbastion_peer_latest_handshake_timestamp_seconds Unix time of the peer's latest handshake, 0 when never.\n"
"# TYPE wgbastion_peer_latest_handshake_timestamp_seconds gauge\n"
"wgbastion_peer_latest_handshake_timestamp_seconds{instance=\"wg0\",peer=\"" PEER1 "\"} 1700000000\n"
"wgbastion_peer_latest_handshake_timestamp_seconds{instance=\"wg0\",peer=\"" PEER2 "\"} 0\n"
"# HELP wgbastion_peer_receive_bytes_total Bytes received from the peer.\n"
"# TYPE wgbastion_peer_receive_bytes_total counter\n"
"wgbastion_peer_receive_bytes_total{instance=\"wg0\",peer=\"" PEER1 "\"} 5872025\n"
"wgbastion_peer_receive_bytes_total{instance=\"wg0\",peer=\"" PEER2 "\"} 0\n"
"# HELP wgbastion_peer_transmit_bytes_total Bytes sent to the peer.\n"
"# TYPE wgbastion_peer_transmit_bytes_total counter\n"
"wgbastion_peer_transmit_bytes_total{instance=\"wg0\",peer=\"" PEER1 "\"} 1023\n"
"wgbastion_peer_transmit_bytes_total{instance=\"wg0\",peer=\"" PEER2 "\"} 0\n"
"# HELP wgbastion_forward_packets_total Packets counted by the forward's rule.\n"
"# TYPE wgbastion_forward_packets_total counter\n"
"wgbastion_forward_packets_total{instance=\"wg0\",forward=\"web\"} 1234\n"
"# HELP wgbastion_forward_bytes_total Bytes counted by the forward's rule.\n"
"# TYPE wgbastion_forward_bytes_total counter\n"
"wgbastion_forward_bytes_total{instance=\"wg0\",forward=\"web\"} 5872025\n"
"# HELP wgbastion_forward_limit_dropped_packets_total Packets the forward's RateLimit or ConnLimit dropped.\n"
"# TYPE wgbastion_forward_limit_dropped_packets_total counter\n"
"wgbastion_forward_limit_dropped_packets_total{instance=\"wg0\",forward=\"web\"} 7\n"
"# HELP wgbastion_forward_limit_dropped_bytes_total Bytes the forward's RateLimit or ConnLimit dropped.\n"
"# TYPE wgbastion_forward_limit_dropped_bytes_total counter\n"
"wgbastion_forward_limit_dropped_bytes_total{instance=\"wg0\",forward=\"web\"} 420\n"
"# HELP wgbastion_forward_connections Connections of the forward tracked now.\n"
"# TYPE wgbastion_forward_connections gauge\n"
"wgbastion_forward_connections{instance=\"wg0\",forward=\"web\"} 12\n"
"wgbastion_forward_connections{instance=\"wg0\",forward=\"dark\"} 1\n"
"# HELP wgbastion_forward_unanswered_connections Tracked connections of the forward that never saw a reply.\n"
"# TYPE wgbastion_forward_unanswered_connections gauge\n"
"wgbastion_forward_unanswered_connections{instance=\"wg0\",forward=\"web\"} 0\n"
"wgbastion_forward_unanswered_connections{instance=\"wg0\",forward=\"dark\"} 1\n"
"# HELP wgbastion_forward_no_reply 1 when a tracked connection of the forward never saw a reply (see docs/far-side.md).\n"
"# TYPE wgbastion_forward_no_reply gauge\n"
"wgbastion_forward_no_reply{instance=\"wg0\",forward=\"web\"} 0\n"
"wgbastion_forward_no_reply{instance=\"wg0\",forward=\"dark\"} 1\n"
"# HELP wgbastion_egress_packets_total Packets counted by the egress's rule.\n"
"# TYPE wgbastion_egress_packets_total counter\n"
"wgbastion_egress_packets_total{instance=\"wg0\",egress=\"out\"} 18446744073709551615\n"
"# HELP wgbastion_egress_bytes_total Bytes counted by the egress's rule.\n"
"# TYPE wgbastion_egress_bytes_total counter\n"
"wgbastion_egress_bytes_total{instance=\"wg0\",egress=\"out\"} 0\n");
	free(out);
	plan_free(&s.v.plan);
}
END_TEST

/*
 * The rules of the format this printer must keep, checked line by line:
 * every sample's family has had its HELP then TYPE, a family's samples are
 * one block that never comes back, no series twice.
 */
static void check_grouping(const char *doc)
{
	char fam[128] = "", seen[4096] = "|", series[16384] = "\n";
	const char *l = doc, *nl;
	bool help = false;

	while (*l) {
		char line[512], name[128], key[640];

		nl = strchr(l, '\n');
		ck_assert_msg(nl, "the last line ends with a newline");
		ck_assert_uint_lt((size_t)(nl - l), sizeof(line));
		memcpy(line, l, nl - l);
		line[nl - l] = 0;
		l = nl + 1;
		if (sscanf(line, "# HELP %127s", name) == 1) {
			snprintf(key, sizeof(key), "|%s|", name);
			ck_assert_msg(!strstr(seen, key), "family %s comes back", name);
			ck_assert_uint_lt(strlen(seen) + strlen(name) + 2, sizeof(seen));
			strcat(seen, name);
			strcat(seen, "|");
			snprintf(fam, sizeof(fam), "%s", name);
			help = true;
			continue;
		}
		if (sscanf(line, "# TYPE %127s", name) == 1) {
			ck_assert_msg(help && !strcmp(name, fam), "TYPE %s right after its HELP", name);
			ck_assert_msg(strstr(line, " counter") || strstr(line, " gauge"), "%s", line);
			ck_assert_msg(!strstr(line, " counter") ||
				      (strlen(name) > 6 && !strcmp(name + strlen(name) - 6, "_total")),
				      "counter %s ends in _total", name);
			help = false;
			continue;
		}
		ck_assert_msg(line[0] != '#', "a comment other than HELP/TYPE: %s", line);
		ck_assert_msg(fam[0] && !help, "sample before its TYPE: %s", line);
		ck_assert_msg(!strncmp(line, fam, strlen(fam)) && line[strlen(fam)] == '{',
			      "sample %s outside its family %s", line, fam);
		snprintf(key, sizeof(key), "\n%.*s\n", (int)(strrchr(line, ' ') - line), line);
		ck_assert_msg(!strstr(series, key), "series twice: %s", line);
		ck_assert_uint_lt(strlen(series) + strlen(key), sizeof(series));
		strcat(series, key + 1);
	}
}

START_TEST(grouping_and_order)
{
	struct sample_view s;
	char *out;

	sample(&s, "wg0");
	out = render(&s.v);
	check_grouping(out);
	/* the no-reply gauge of dark and the in-sync verdict */
	ck_assert_ptr_nonnull(strstr(out, "\nwgbastion_forward_no_reply{instance=\"wg0\",forward=\"dark\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nwgbastion_in_sync{instance=\"wg0\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nwgbastion_differences{instance=\"wg0\"} 0\n"));
	/* no counter in the table, no sample: dark has no packets_total */
	ck_assert_ptr_null(strstr(out, "_packets_total{instance=\"wg0\",forward=\"dark\"}"));
	/* egress has no per-forward families */
	ck_assert_ptr_null(strstr(out, "wgbastion_egress_no_reply"));
	ck_assert_ptr_null(strstr(out, "wgbastion_egress_connections"));
	free(out);
}
END_TEST

START_TEST(label_escaping)
{
	struct sample_view s;
	char *out;

	/* an interface name may hold a quote or a backslash; a newline is
	 * escaped all the same */
	sample(&s, "a\"b\\c\nd");
	out = render(&s.v);
	check_grouping(out);
	ck_assert_ptr_nonnull(strstr(out, "\nwgbastion_up{instance=\"a\\\"b\\\\c\\nd\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nwgbastion_forward_packets_total"
					  "{instance=\"a\\\"b\\\\c\\nd\",forward=\"web\"} 1234\n"));
	ck_assert_ptr_null(strstr(out, "c\nd"));
	free(out);
}
END_TEST

/* Not applied, config broken: still every instance gauge, up 0, in_sync 0,
 * and no family without a sample. */
START_TEST(not_applied)
{
	struct show_view v;
	char *out;

	memset(&v, 0, sizeof(v));
	snprintf(v.in.name, sizeof(v.in.name), "wg0");
	v.config_error = "wgb.conf:3: Bogus: unknown key";
	v.instance_guessed = true;
	out = render(&v);
	check_grouping(out);
	ck_assert_ptr_nonnull(strstr(out, "\nwgbastion_up{instance=\"wg0\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nwgbastion_config_valid{instance=\"wg0\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nwgbastion_verdict_known{instance=\"wg0\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nwgbastion_in_sync{instance=\"wg0\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nwgbastion_peers{instance=\"wg0\"} 0\n"));
	ck_assert_ptr_null(strstr(out, "wgbastion_differences"));
	ck_assert_ptr_null(strstr(out, "wgbastion_dropped"));
	ck_assert_ptr_null(strstr(out, "wgbastion_peer_"));
	ck_assert_ptr_null(strstr(out, "wgbastion_forward_"));
	free(out);

	/* applied but a stage could not be read */
	v.iface.exists = v.nft_table = true;
	v.read_error = "cannot read the nftables table";
	out = render(&v);
	ck_assert_ptr_nonnull(strstr(out, "\nwgbastion_up{instance=\"wg0\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nwgbastion_read_ok{instance=\"wg0\"} 0\n"));
	free(out);
}
END_TEST

static Suite *prom_suite(void)
{
	Suite *s = suite_create("show_prom");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, exact_document);
	tcase_add_test(tc, grouping_and_order);
	tcase_add_test(tc, label_escaping);
	tcase_add_test(tc, not_applied);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(prom_suite)
