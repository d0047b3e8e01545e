#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# flush puts the namespace back exactly as it was before apply (nft
# ruleset empty, the three default ip rules, every sysctl original, no
# record left), is idempotent, and works when the config no longer parses
# (the instance is found through NAME.instance in the namespace's run
# directory).
#
#     [b] eth0 ---- eth0 [b-out]
#         wg0
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apply_common.sh"

bastion_ns b
write_config "$TMP/wg0.conf" wg0 v6
C=(-c "$TMP/wg0.conf")
snapshot b >"$TMP/before"

say "apply, then flush"
assert_rc "apply" 0 wgb b "${C[@]}" apply
out=$(wgb b "${C[@]}" flush 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
assert_eq "flush exits 0" 0 "$rc"
assert_eq "flush removes the rules first, then the routes" \
"- rule fwmark 0x8000000/0x8000000 lookup 51821 priority 5210 (ipv4)
- route default dev wg0 table 51821 (ipv4)
- rule fwmark 0x8000000/0x8000000 lookup 51821 priority 5210 (ipv6)
- route default dev wg0 table 51821 (ipv6)" "$(plan_lines "$out" 'rule|route')"
assert_match "flush puts ip_forward back" '^~ sysctl net\.ipv4\.ip_forward 1 -> 0$' "$out"
assert_expected "ip -4 rule: the three defaults" flush-rule4.txt "$(ns b ip -4 rule)"
assert_eq "nft ruleset empty" "" "$(ns b nft list ruleset)"
R=$(wgb_rundir b)
assert_eq "no sysctl record left" "" "$(ls "$R"/*.sysctl 2>/dev/null)"
assert_eq "no instance record left" "" "$(ls "$R"/*.instance 2>/dev/null)"
snapshot b >"$TMP/now"
assert_same "flush: the namespace as before apply" "$TMP/before" "$TMP/now"

say "flush again"
out=$(wgb b "${C[@]}" flush 2>&1); rc=$?
assert_eq "second flush exits 0" 0 "$rc"
assert_eq "second flush has nothing to do" "in sync" "$out"

say "originals survive drift and repair"
assert_rc "apply" 0 wgb b "${C[@]}" apply
ns b sysctl -qw net.ipv4.ip_forward=0
assert_rc "apply repairs ip_forward" 0 wgb b "${C[@]}" apply
assert_eq "ip_forward is 1" "1" "$(ns b sysctl -n net.ipv4.ip_forward)"
assert_rc "flush" 0 wgb b "${C[@]}" flush
snapshot b >"$TMP/now"
assert_same "flush restores the first original, not the drifted one" "$TMP/before" "$TMP/now"

say "a value already back by hand is forgotten, not restored later"
assert_rc "apply" 0 wgb b "${C[@]}" apply
ns b sysctl -qw net.ipv4.ip_forward=0
out=$(wgb b "${C[@]}" flush 2>&1)
assert_match "flush says it forgets the record" '^- sysctl net\.ipv4\.ip_forward: already back to 0' "$out"
ns b sysctl -qw net.ipv4.ip_forward=1	# the operator's own decision, later
assert_rc "flush again" 0 wgb b "${C[@]}" flush
assert_eq "a later flush leaves the operator's ip_forward = 1" "1" "$(ns b sysctl -n net.ipv4.ip_forward)"
ns b sysctl -qw net.ipv4.ip_forward=0

say "flush with a config that no longer parses"
assert_rc "apply" 0 wgb b "${C[@]}" apply
snapshot b >"$TMP/applied"
printf '[Forward broken]\nPort = 70000\n' >>"$TMP/wg0.conf"
assert_rc "apply with the broken config: exit 2" 2 wgb b "${C[@]}" apply
snapshot b >"$TMP/now"
assert_same "a refused config touches nothing" "$TMP/applied" "$TMP/now"
out=$(wgb b "${C[@]}" flush 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
assert_eq "flush exits 0" 0 "$rc"
assert_match "flush says which instance it found" 'flushing instance wg0 as recorded' "$out"
snapshot b >"$TMP/now"
assert_same "flush (broken config): the namespace as before apply" "$TMP/before" "$TMP/now"
assert_rc "flush again (broken config, nothing recorded)" 0 wgb b "${C[@]}" flush

finish
