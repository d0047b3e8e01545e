#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# All or nothing: a failure injected at every step (WGBASTION_FAIL_AT)
# makes apply exit 1 and leaves the namespace byte for byte as it was:
# rules, every routing table, links, addresses, the nft ruleset, the
# sysctls and the record of their original values.
#
# Two starting points: an empty namespace, and one where an earlier config
# was applied and the new one changes every stage (IPv6 added, another
# Table, Mark and Priority, one forward more).
#
#     [a] eth0 ---- eth0 [a-out]     fresh, wg0
#     [b] eth0 ---- eth0 [b-out]     over an earlier apply, wg2
# (two names: wireguard-go's UAPI sockets share this test's /run)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apply_common.sh"

POINTS=(wg nft route sysctl route:rule route:route sysctl:write nft:batch)

# inject NS CONFIG: every point in turn, each checked against one snapshot
inject() {
	local n=$1 conf=$2 p out rc
	snapshot "$n" >"$TMP/before-$n"
	for p in "${POINTS[@]}"; do
		out=$(ns "$n" env WGBASTION_FAIL_AT="$p" "$WGB" -c "$conf" apply 2>&1); rc=$?
		assert_eq "$n: fail at $p: exit 1" 1 "$rc"
		assert_match "$n: fail at $p: the error says so" 'injected failure' "$out"
		snapshot "$n" >"$TMP/after-$n"
		assert_same "$n: fail at $p: namespace unchanged" "$TMP/before-$n" "$TMP/after-$n"
	done
}

say "fresh namespace"
bastion_ns a
write_config "$TMP/a.conf" wg0 v6
inject a "$TMP/a.conf"
assert_rc "a: apply without a fault still works" 0 wgb a -c "$TMP/a.conf" apply

say "over an earlier apply"
bastion_ns b
write_config "$TMP/b1.conf" wg2 ""
assert_rc "b: first config applied" 0 wgb b -c "$TMP/b1.conf" apply
write_config "$TMP/b2.conf" wg2 v6 "Table = 51830" "Mark = 0x4000000/0x4000000" "Priority = 5300"
out=$(wgb b -c "$TMP/b2.conf" apply --dry-run 2>&1)
assert_match "b: the new config changes the rule" '^~ rule fwmark 0x8000000/0x8000000 lookup 51821 priority 5210 -> fwmark 0x4000000/0x4000000 lookup 51830 priority 5300 \(ipv4\)$' "$out"
assert_match "b: and moves the route to the new table" '^~ route default dev wg2 table 51821 -> default dev wg2 table 51830 \(ipv4\)$' "$out"
inject b "$TMP/b2.conf"

say "refusals by the kernel, rolled back the same way"
# IPv6 off on the tunnel: the IPv6 route is refused with an extended ack.
# (No IPv6 address in this config, so that the route stage is the first
# to meet it.)
sed 's|, fd10:2::1/64||' "$TMP/b2.conf" >"$TMP/b2-noaddr.conf"
ns b sysctl -qw net.ipv6.conf.wg2.disable_ipv6=1
snapshot b >"$TMP/before-b"
out=$(wgb b -c "$TMP/b2-noaddr.conf" apply 2>&1); rc=$?
assert_eq "IPv6 disabled on wg2: exit 1" 1 "$rc"
assert_match "the kernel's extended ack is printed" \
	'^wgbastion: cannot add route default dev wg2 table 51830 \(ipv6\): IPv6 is disabled on nexthop device$' "$out"
snapshot b >"$TMP/after-b"
assert_same "IPv6 disabled on wg2: namespace unchanged" "$TMP/before-b" "$TMP/after-b"
ns b sysctl -qw net.ipv6.conf.wg2.disable_ipv6=0
# Someone else's default route already in the new table: ours is refused
# (NLM_F_EXCL), theirs is left alone.
ns b ip -4 route add default via 198.51.100.254 table 51830
snapshot b >"$TMP/before-b"
out=$(wgb b -c "$TMP/b2.conf" apply 2>&1); rc=$?
assert_eq "foreign default route in the table: exit 1" 1 "$rc"
assert_match "the refusal names our route" '^wgbastion: cannot add route default dev wg2 table 51830 \(ipv4\): File exists$' "$out"
snapshot b >"$TMP/after-b"
assert_same "foreign default route in the table: namespace unchanged" "$TMP/before-b" "$TMP/after-b"
ns b ip -4 route del default via 198.51.100.254 table 51830

say "the change itself, without a fault"
assert_rc "b: second config applied" 0 wgb b -c "$TMP/b2.conf" apply
assert_eq "b: nothing left in the old table" "" "$(ns b ip route show table 51821 2>/dev/null)"
assert_nomatch "b: no rule to the old table" 'lookup 51821' "$(ns b ip rule; ns b ip -6 rule)"
assert_eq "b: the new rules" \
"5300:	from all fwmark 0x4000000/0x4000000 lookup 51830 proto 87
5300:	from all fwmark 0x4000000/0x4000000 lookup 51830 proto 87" "$(ours_rules b -4 51830; ours_rules b -6 51830)"
assert_eq "b: in sync afterwards" "in sync" "$(wgb b -c "$TMP/b2.conf" apply 2>&1)"

finish
