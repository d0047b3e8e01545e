#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# apply on an empty namespace gives exactly the rules, routes and sysctls
# of expected/; a second apply says "in sync" and writes nothing (ip monitor
# and nft monitor stay silent); a rule, a route or a sysctl put back by
# hand is repaired, and only that.
#
#     [b] eth0 ---- eth0 [b-out]        b: the bastion, IPv4 + IPv6 config
#         wg0
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apply_common.sh"

bastion_ns b
write_config "$TMP/wg0.conf" wg0 v6
C=(-c "$TMP/wg0.conf")

say "first apply, empty namespace"
out=$(wgb b "${C[@]}" apply 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
assert_eq "apply exits 0" 0 "$rc"
assert_eq "route plan lines" \
"+ rule fwmark 0x8000000/0x8000000 lookup 51821 priority 5210 (ipv4)
+ route default dev wg0 table 51821 (ipv4)
+ rule fwmark 0x8000000/0x8000000 lookup 51821 priority 5210 (ipv6)
+ route default dev wg0 table 51821 (ipv6)" "$(plan_lines "$out" 'rule|route')"
assert_match "plan turns IPv4 forwarding on" '^~ sysctl net\.ipv4\.ip_forward 0 -> 1$' "$out"
assert_match "plan keeps RAs on the uplink" '^~ sysctl net\.ipv6\.conf\.eth0\.accept_ra 1 -> 2$' "$out"
assert_match "plan turns IPv6 forwarding on" '^~ sysctl net\.ipv6\.conf\.all\.forwarding 0 -> 1$' "$out"
assert_expected "ip -4 rule" apply-rule4.txt "$(ns b ip -4 rule)"
assert_expected "ip -6 rule" apply-rule6.txt "$(ns b ip -6 rule)"
assert_expected "ip -4 route show table 51821" apply-route4.txt "$(ours_routes b -4 51821)"
assert_expected "ip -6 route show table 51821" apply-route6.txt "$(ours_routes b -6 51821)"
assert_expected "sysctls" apply-sysctl.txt "$(sysctl_dump b wg0)"
assert_eq "nft: one table, ours" "table inet wgbastion-wg0" "$(ns b nft list tables)"
assert_match "nft: the routing mark is the rule's" 'meta mark set .*0x08000000' "$(ns b nft list table inet wgbastion-wg0)"
snapshot b >"$TMP/applied"

say "second apply: in sync, and no kernel write at all"
# every object apply writes (neighbour discovery would only add noise)
ns_bg b ip monitor link address route rule netconf >"$TMP/ipmon" 2>&1
ipmon=${WGB_PIDS[-1]}
ns_bg b nft monitor >"$TMP/nftmon" 2>&1
nftmon=${WGB_PIDS[-1]}
sleep 0.5
out=$(wgb b "${C[@]}" apply 2>&1); rc=$?
assert_eq "second apply exits 0" 0 "$rc"
assert_eq "second apply prints only 'in sync'" "in sync" "$out"
sleep 0.3
# Proof that the monitors were listening: one change of each kind, after.
ns b ip rule add priority 7777 fwmark 0x77 lookup 77
ns b ip rule del priority 7777
ns b nft add table inet wgb-probe
ns b nft delete table inet wgb-probe
sleep 0.5
kill "$ipmon" "$nftmon" 2>/dev/null
wait "$ipmon" "$nftmon" 2>/dev/null
assert_match "ip monitor was listening" '7777' "$(cat "$TMP/ipmon")"
assert_match "nft monitor was listening" 'wgb-probe' "$(cat "$TMP/nftmon")"
assert_eq "ip monitor saw nothing from apply" "" "$(grep -v 7777 "$TMP/ipmon")"
# the probe's own generation lines say "(nft)"
assert_eq "nft monitor saw nothing from apply" "" "$(grep -v -e wgb-probe -e '(nft)$' "$TMP/nftmon")"

# drift WHAT EXPECTED-LINE CMD...: break one thing by hand, see apply
# --dry-run report it (exit 3), apply repair exactly that, and the whole
# state be what the first apply left.
drift() {
	local what=$1 line=$2 out rc
	shift 2
	say "drift: $what"
	ns b "$@"
	out=$(wgb b "${C[@]}" apply --dry-run 2>&1); rc=$?
	assert_eq "$what: --dry-run exits 3" 3 "$rc"
	assert_eq "$what: --dry-run names it" "$line" "$out"
	out=$(wgb b "${C[@]}" apply 2>&1); rc=$?
	assert_eq "$what: apply exits 0" 0 "$rc"
	assert_eq "$what: apply repairs exactly that" "$line" "$out"
	snapshot b >"$TMP/now"
	assert_same "$what: state as after the first apply" "$TMP/applied" "$TMP/now"
}
drift "ipv4 rule deleted" "+ rule fwmark 0x8000000/0x8000000 lookup 51821 priority 5210 (ipv4)" \
	ip -4 rule del priority 5210
drift "ipv6 route deleted" "+ route default dev wg0 table 51821 (ipv6)" \
	ip -6 route del default table 51821
drift "ipv4 route deleted" "+ route default dev wg0 table 51821 (ipv4)" \
	ip -4 route del default table 51821
drift "ip_forward reset" "~ sysctl net.ipv4.ip_forward 0 -> 1" \
	sysctl -qw net.ipv4.ip_forward=0
drift "accept_ra reset" "~ sysctl net.ipv6.conf.eth0.accept_ra 1 -> 2" \
	sysctl -qw net.ipv6.conf.eth0.accept_ra=1
drift "rule re-added with another mark" \
	"~ rule fwmark 0x100/0x100 lookup 51821 priority 5210 -> fwmark 0x8000000/0x8000000 lookup 51821 priority 5210 (ipv6)" \
	sh -c 'ip -6 rule del priority 5210 && ip -6 rule add fwmark 0x100/0x100 lookup 51821 priority 5210 proto 87'

finish
