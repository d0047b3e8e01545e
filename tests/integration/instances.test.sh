#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Ownership per instance (SPEC §5, issue 12 #1 and #2):
# - a second instance that would share Table, Mark bits or Priority with a
#   live one is refused before anything is touched (exit 2, naming the
#   other instance and the key); before, it took over the first's route;
# - two instances that differ in Table, Mark and Priority live side by
#   side, and flushing one leaves the other's rule, route and ip_forward;
# - a config whose Name changed removes its old instance in the same run
#   (link, table, rule, route, records): nothing of it keeps forwarding.
#
#     [b-out] eth0 198.51.100.2 ---- eth0 198.51.100.1 [b] wg0, wg1, wg2
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apply_common.sh"

bastion_ns b
ns b sysctl -qw net.ipv4.ip_forward=0
write_config "$TMP/a.conf" wg0
write_config "$TMP/b.conf" wg1
A=(-c "$TMP/a.conf")
B=(-c "$TMP/b.conf")
routes() { ns b ip -4 route show table all | grep 'proto 87' | sed 's/ linkdown//' | sort; }
rules() { ns b ip -4 rule | grep 'proto 87'; }

say "the first instance"
assert_rc "apply wg0" 0 wgb b "${A[@]}" apply
before=$(snapshot b)

say "a second one with the same [Bastion] values is refused"
assert_rc "apply wg1 (default Table, Mark, Priority): exit 2" 2 wgb b "${B[@]}" apply
assert_match "names the other instance and the key" "Table = 51821 is already used by instance wg0 .*another Table" "$(cat "$TMP/out")"
assert_eq "nothing touched" "$before" "$(snapshot b)"
write_config "$TMP/b.conf" wg1 "" "Table = 51822"
assert_rc "Table differs, Mark the same: exit 2" 2 wgb b "${B[@]}" apply
assert_match "Mark named" "Mark = 0x8000000/0x8000000 .* is already used by instance wg0" "$(cat "$TMP/out")"
write_config "$TMP/b.conf" wg1 "" "Table = 51822" "Mark = 0x4000000/0x4000000"
assert_rc "Priority the same: exit 2" 2 wgb b "${B[@]}" apply
assert_match "Priority named" "Priority = 5210 is already used by instance wg0" "$(cat "$TMP/out")"
assert_eq "still nothing touched" "$before" "$(snapshot b)"

say "side by side when all three differ"
write_config "$TMP/b.conf" wg1 "" "Table = 51822" "Mark = 0x4000000/0x4000000" "Priority = 5220"
assert_rc "apply wg1" 0 wgb b "${B[@]}" apply
assert_match "wg0's route kept" "default dev wg0 table 51821" "$(routes)"
assert_match "wg1's route" "default dev wg1 table 51822" "$(routes)"
assert_eq "two rules" 2 "$(rules | wc -l)"
# conntrack marks: the role bit tagged with each instance's own Mark bit
assert_match "wg0 tags its connections 0x18000000" 'ct mark & 0x18000000 == 0x18000000 meta mark set meta mark \| 0x08000000' \
	"$(ns b nft list chain inet wgbastion-wg0 pre_mark)"
assert_match "wg1 tags its connections 0x14000000" 'ct mark & 0x14000000 == 0x14000000 meta mark set meta mark \| 0x04000000' \
	"$(ns b nft list chain inet wgbastion-wg1 pre_mark)"
assert_nomatch "wg1 never tests wg0's tag" '0x18000000|0x28000000' "$(ns b nft list table inet wgbastion-wg1)"
assert_rc "wg0 in sync" 0 wgb b "${A[@]}" apply
assert_eq "wg0: nothing to do" "in sync" "$(cat "$TMP/out")"
assert_rc "wg1 in sync" 0 wgb b "${B[@]}" apply
assert_eq "wg1: nothing to do" "in sync" "$(cat "$TMP/out")"
assert_rc "flush wg1" 0 wgb b "${B[@]}" flush
assert_eq "wg0 exactly as before wg1 came" "$before" "$(snapshot b)"

say "a rename removes the old instance in the same run"
sed -i 's/^Name = wg0$/Name = wg2/; s/^ListenPort = .*/ListenPort = 51830/' "$TMP/a.conf"
sed -i '/^\[Forward web\]$/,/^$/d' "$TMP/a.conf"
assert_rc "apply, Name now wg2" 0 wgb b "${A[@]}" apply
assert_match "the plan says so" "^- instance wg0 \(this config now names wg2\)$" "$(cat "$TMP/out")"
assert_rc "wg0's link is gone" 1 ns b ip link show wg0
assert_rc "wg0's table is gone" 1 ns b nft list table inet wgbastion-wg0
assert_match "wg2 has the route" "default dev wg2 table 51821" "$(routes)"
assert_eq "one rule" 1 "$(rules | wc -l)"
[ ! -e "$(wgb_rundir b)/wg0.instance" ] && pass "wg0's record is gone" || fail "wg0.instance left"
assert_rc "again: in sync" 0 wgb b "${A[@]}" apply
assert_eq "in sync" "in sync" "$(cat "$TMP/out")"
assert_rc "flush" 0 wgb b "${A[@]}" flush
assert_eq "ip_forward back to 0" 0 "$(ns b sysctl -n net.ipv4.ip_forward)"
assert_eq "no rule left" "" "$(rules)"
assert_eq "no route left" "" "$(routes)"
assert_eq "no table left" "" "$(ns b nft list tables)"
finish
