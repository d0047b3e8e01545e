#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# RateLimit and ConnLimit with real connections through a real tunnel
# (tests/e2e/topo.sh; the bastion runs tests/e2e/limits.conf): a burst
# above the rate from one client address is cut at the limit while another
# address of the same client host still gets in; the N+1st concurrent
# connection from one address fails while another address holds its own N;
# what is dropped is counted per forward in `show` and `show --json`; the
# no-op apply stays `in sync`.
#
#  client 198.51.100.10, .11 ── wan ── bastion wg0 ══ home ── backend 192.168.50.10
#                                                              (8101-8103)
. "$(dirname "$0")/../lib.sh"
. "$WGB_TOP/tests/e2e/topo.sh"

PY=$WGB_TOP/tests/integration/nftlab_net.py
CONF=$TMP/limits.conf
CLIENT4B=198.51.100.11

keypair bastion
keypair home
render "$WGB_TOP/tests/e2e/limits.conf" "$CONF"
topo_up || { fail "topology"; finish; }
far_side_up 51820 || { fail "far side"; finish; }
ns client ip addr add "$CLIENT4B/25" dev eth0 || { fail "second client address"; finish; }
ns_bg backend "$E2E_PY" -S "$PY" serve 8101 8102 8103 >"$TMP/serve.out" 2>&1
for _ in $(seq 200); do grep -q listening "$TMP/serve.out" && break; sleep 0.05; done

say "apply"
assert_rc "apply" 0 wgb bastion -c "$CONF" apply
assert_rc "the tunnel is up" 0 tunnel_wait
assert_eq "a second apply is in sync" "in sync" "$(wgb bastion -c "$CONF" apply 2>&1)"
assert_eq "an unlimited forward: a burst of 6 gets in" "ok=6" \
	"$(ns client "$E2E_PY" -S "$PY" burst "$CLIENT4" "$BASTION4" 8103 6 3)"

say "RateLimit = 3/minute"
assert_eq "a burst of 8 from one address: 3 get in" "ok=3" \
	"$(ns client "$E2E_PY" -S "$PY" burst "$CLIENT4" "$BASTION4" 8101 8 3)"
assert_eq "another address still gets in" "ok=1" \
	"$(ns client "$E2E_PY" -S "$PY" burst "$CLIENT4B" "$BASTION4" 8101 1 3)"

say "ConnLimit = 2"
out=$(ns client "$E2E_PY" -S "$PY" hold "$CLIENT4" "$BASTION4" 8102 2 2)
assert_eq "2 held, the 3rd refused" "held=2 extra=0" "$(head -n 1 <<<"$out")"
assert_eq "one closed: room for another" "after_close=1" "$(tail -n 1 <<<"$out")"
out=$(ns client "$E2E_PY" -S "$PY" hold "$CLIENT4B" "$BASTION4" 8102 2 2)
assert_eq "another address holds its own 2" "held=2 extra=0" "$(head -n 1 <<<"$out")"

say "the drops, per forward"
out=$(wgb bastion -c "$CONF" show 2>&1)
printf '%s\n' "$out" | grep -E 'limit' | sed 's/^/    /'
assert_match "show: rated's drops" 'rated .*ratelimit 3/minute.*limited [1-9][0-9]* packets' "$(grep -E '^ *rated ' <<<"$out" | tr '\n' ' ')"
assert_match "show: capped's drops" 'capped .*connlimit 2.*limited [1-9][0-9]* packets' "$(grep -E '^ *capped ' <<<"$out" | tr '\n' ' ')"
json=$(wgb bastion -c "$CONF" show --json 2>&1)
assert_eq "--json: rated dropped packets, open has no limit" "True None" "$(python3 -c '
import json, sys
d = {f["name"]: f for f in json.load(sys.stdin)["forwards"]}
print(d["rated"]["limit_dropped"]["packets"] > 0, d["open"].get("limit_dropped"))' <<<"$json" 2>&1)"
assert_eq "still in sync after traffic" "in sync" "$(wgb bastion -c "$CONF" apply 2>&1)"

say "a changed limit is an incremental change"
sed -i 's|^RateLimit = 3/minute|RateLimit = 100/second|' "$CONF"
out=$(wgb bastion -c "$CONF" apply 2>&1)
assert_match "the plan names the forward" '^~ forward rated' "$out"
assert_eq "now a burst of 8 gets in" "ok=8" \
	"$(ns client "$E2E_PY" -S "$PY" burst "$CLIENT4" "$BASTION4" 8101 8 3)"
assert_eq "in sync" "in sync" "$(wgb bastion -c "$CONF" apply 2>&1)"

finish
