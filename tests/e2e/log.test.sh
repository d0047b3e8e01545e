#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Log: each new connection of a logged forward is logged once, with the
# client's real address and the prefix "wgbastion NAME: ", through a real
# tunnel (tests/e2e/topo.sh; the bastion runs tests/e2e/log.conf).
#
# The kernel log of a network namespace other than the host's is silent
# unless the host-wide net.netfilter.nf_log_all_netns=1, which a test must
# not flip on a shared host; so the packets are proved with Log = nflog:7
# (a listener, bench/probe nflog, reads group 7 in the bastion's
# namespace); Log = yes is the same rule with `level info` instead of
# `group 7` (checked in the table), and its kernel log line is proved in
# the kernel lane, whose VM is the test's own to flip the switch in.
# Logging sits after the limits.
#
#  client 198.51.100.10 ── wan ── bastion wg0 ══ home ── backend 192.168.50.10
#                                                         (8101-8103)
. "$(dirname "$0")/../lib.sh"
. "$WGB_TOP/tests/e2e/topo.sh"

B=${WGB_BUILD:-build}
case $B in /*) ;; *) B=$WGB_TOP/$B ;; esac
P=$B/bench/probe
[ -x "$P" ] || { echo "SKIP: $P is missing (make bench-tools)"; exit 77; }
PY=$WGB_TOP/tests/integration/nftlab_net.py
CONF=$TMP/log.conf

keypair bastion
keypair home
render "$WGB_TOP/tests/e2e/log.conf" "$CONF"
topo_up || { fail "topology"; finish; }
far_side_up 51820 || { fail "far side"; finish; }
ns_bg backend "$E2E_PY" -S "$PY" serve 8101 8102 8103 >"$TMP/serve.out" 2>&1
for _ in $(seq 200); do grep -q listening "$TMP/serve.out" && break; sleep 0.05; done

say "apply"
assert_rc "apply" 0 wgb bastion -c "$CONF" apply
assert_rc "the tunnel is up" 0 tunnel_wait
assert_eq "a second apply is in sync" "in sync" "$(wgb bastion -c "$CONF" apply 2>&1)"
table=$(ns bastion nft list table inet wgbastion-wg0)
assert_match "Log = yes: the kernel log, level info" \
	'log prefix "wgbastion mail: " level info comment "Log = yes"' "$table"
assert_match "Log = nflog:7: group 7" 'log prefix "wgbastion web: " group 7 comment "Log = nflog"' "$table"

say "one new connection, one log line"
ns_bg bastion "$P" nflog 7 30 >"$TMP/nflog.out" 2>&1
for _ in $(seq 200); do grep -q listening "$TMP/nflog.out" && break; sleep 0.05; done
assert_match "a connection to web" "^n=5 peer=$CLIENT4\$" \
	"$(ns client "$E2E_PY" -S "$PY" send "$CLIENT4" "$BASTION4" 8101 5 3)"
assert_match "a connection to quiet (not logged)" "^n=5 peer=$CLIENT4\$" \
	"$(ns client "$E2E_PY" -S "$PY" send "$CLIENT4" "$BASTION4" 8103 5 3)"
for _ in $(seq 40); do grep -q "prefix=" "$TMP/nflog.out" && break; sleep 0.05; done
sleep 0.3	# anything more would have come by now
assert_eq "exactly one line: the forward's prefix, the real client address" \
	"nflog prefix=\"wgbastion web: \" src=$CLIENT4" "$(grep 'prefix=' "$TMP/nflog.out")"

say "Log = yes: the kernel log"
if [ -n "${WGB_KERNEL_LANE:-}" ]; then
	# the lane's VM is the test's own: the host-wide switch may be flipped
	sysctl -qw net.netfilter.nf_log_all_netns=1
	assert_match "a connection to mail" "^n=5 peer=$CLIENT4\$" \
		"$(ns client "$E2E_PY" -S "$PY" send "$CLIENT4" "$BASTION4" 8102 5 3)"
	sleep 0.5
	sysctl -qw net.netfilter.nf_log_all_netns=0
	assert_eq "exactly one kernel log line for it" 1 "$(dmesg | grep -c 'wgbastion mail: ')"
	assert_match "the iptables LOG format, the real client in SRC=, after DNAT" \
		"wgbastion mail: IN=eth0 OUT=wg0 .*SRC=$CLIENT4 DST=192\.168\.50\.10 .*PROTO=TCP .*DPT=8102 " \
		"$(dmesg | grep 'wgbastion mail: ')"
else
	echo "note: the kernel log half runs in the kernel lane only (nf_log_all_netns is a host-wide switch)"
fi

say "Log = no again: the chain goes, incrementally"
sed -i 's|^Log = nflog:7|Log = no|' "$CONF"
out=$(wgb bastion -c "$CONF" apply 2>&1)
assert_match "the plan names the forward" '^~ forward web' "$out"
assert_nomatch "no log rule for web" 'wgbastion web: ' "$(ns bastion nft list table inet wgbastion-wg0)"
assert_eq "in sync" "in sync" "$(wgb bastion -c "$CONF" apply 2>&1)"

finish
