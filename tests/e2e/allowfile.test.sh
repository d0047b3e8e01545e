#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# AllowFile through a real tunnel (tests/e2e/topo.sh; the bastion runs
# tests/e2e/allowfile.conf): a file of 100,000 prefixes plus one client's
# /32 admits that client and refuses another; with Allow too, either
# admits; a changed file is applied as the changed ranges alone (the plan
# says how many), and a second apply is in sync; a bad line is refused
# with FILE:LINE and nothing touched.
#
#  client  198.51.100.10  ┐
#  client2 198.51.100.130 ┴─ wan ── bastion wg0 ══ home ── backend 192.168.50.10
#                                                           (8101, 8102)
. "$(dirname "$0")/../lib.sh"
. "$WGB_TOP/tests/e2e/topo.sh"

PY=$WGB_TOP/tests/integration/nftlab_net.py
CONF=$TMP/allowfile.conf
LIST=$TMP/allow.txt

# 100,000 disjoint /24s, every other one from 20.0.0.0 on (neither client
# is in them: a merged run would be one range), and the first client's
# address
python3 - "$LIST" <<'PYEOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("# a country list, as downloaded\n")
    for i in range(100000):
        n = (20 << 16) + 2 * i
        f.write("%d.%d.%d.0/24\n" % (n >> 16, (n >> 8) & 255, n & 255))
    f.write("2001:db8:ffff::/48  # IPv6 lines are for an IPv6 forward: skipped here\n")
PYEOF
echo "198.51.100.10/32" >>"$LIST"

keypair bastion
keypair home
render "$WGB_TOP/tests/e2e/allowfile.conf" "$CONF"
topo_up || { fail "topology"; finish; }
far_side_up 51820 || { fail "far side"; finish; }
ns_bg backend "$E2E_PY" -S "$PY" serve 8101 8102 >"$TMP/serve.out" 2>&1
for _ in $(seq 200); do grep -q listening "$TMP/serve.out" && break; sleep 0.05; done
send() { ns "$1" "$E2E_PY" -S "$PY" send "$2" "$BASTION4" "$3" 5 "${4:-3}"; }

say "check and apply: 100,001 prefixes"
assert_rc "check" 0 wgb bastion -c "$CONF" check
start=$(date +%s%N)
assert_rc "apply" 0 wgb bastion -c "$CONF" apply
echo "    cold apply with two 100,001-prefix AllowFiles: $((($(date +%s%N) - start) / 1000000)) ms"
assert_match "the plan names the file's ranges" '^\+ forward web: tcp 8101 -> 192\.168\.50\.10:8101, allowfile 100001 ranges$' "$(cat "$TMP/out")"
assert_rc "the tunnel is up" 0 tunnel_wait
assert_eq "a second apply is in sync" "in sync" "$(wgb bastion -c "$CONF" apply 2>&1)"
assert_eq "one interval set per forward, as listed" 100001 \
	"$(ns bastion nft -j list set inet wgbastion-wg0 allowfile_web | python3 -c 'import json,sys; print(sum(len(x["set"].get("elem", [])) for x in json.load(sys.stdin)["nftables"] if "set" in x))')"

say "who gets in"
assert_match "web: the listed client" "^n=5 peer=$CLIENT4\$" "$(send client "$CLIENT4" 8101)"
assert_eq "web: an unlisted one does not" "timeout" "$(send client2 "$CLIENT2_4" 8101 2)"
assert_match "both: the listed client" "^n=5 peer=$CLIENT4\$" "$(send client "$CLIENT4" 8102)"
assert_match "both: the one Allow lets in" "^n=5 peer=$CLIENT2_4\$" "$(send client2 "$CLIENT2_4" 8102)"

say "a changed file: only what changed"
sed -i "s|^198\.51\.100\.10/32$|$CLIENT2_4/32|; s|^20\.0\.6\.0/24$|# removed|" "$LIST"
echo "19.0.0.0/24" >>"$LIST"
nft_events() { ns bastion nft monitor 2>/dev/null >"$TMP/monitor" & WGB_PIDS+=($!); sleep 0.3; }
nft_events
out=$(wgb bastion -c "$CONF" apply 2>&1)
sleep 0.3
assert_match "the plan: 2 ranges added, 2 removed, per forward" '^~ forward web: allowfile 2 ranges added, 2 removed$' "$out"
assert_eq "the kernel saw element changes only (no set or rule rewritten)" "" \
	"$(grep -v '^\(add\|delete\) element inet wgbastion-wg0 allowfile_\(web\|both\) ' "$TMP/monitor" | grep -v '^# new generation')"
assert_match "web: now the second client" "^n=5 peer=$CLIENT2_4\$" "$(send client2 "$CLIENT2_4" 8101)"
assert_eq "web: no longer the first" "timeout" "$(send client "$CLIENT4" 8101 2)"
assert_eq "in sync" "in sync" "$(wgb bastion -c "$CONF" apply 2>&1)"

say "a bad line: FILE:LINE, exit 2, nothing touched"
table=$(ns bastion nft list table inet wgbastion-wg0 | md5sum)
sed -i '70000s|.*|20.1.17.1/24|' "$LIST"
assert_rc "apply refuses" 2 wgb bastion -c "$CONF" apply
assert_match "the file and line named" "allow\.txt:70000: AllowFile: \"20\.1\.17\.1/24\" has host bits set" "$(cat "$TMP/out")"
assert_eq "the table is as it was" "$table" "$(ns bastion nft list table inet wgbastion-wg0 | md5sum)"

finish
