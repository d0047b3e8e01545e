#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Foreign state survives every apply and flush: another nft table, other
# ip rules (one even with our protocol number and table, but not our
# shape), other routes (one inside our table), and a second wgbastion
# instance with its own Name, Table, Mark, Priority and ConnMarks. When
# both instances change a host-wide sysctl, the host's original value comes
# back when the last one is flushed, in either order.
#
#     [b] eth0 ---- eth0 [b-out]
#         wg0   wgbastion instance under test
#         wg1   a second instance (table 51822, mark 0x4000000, prio 5211)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apply_common.sh"

bastion_ns b
write_config "$TMP/wg0.conf" wg0 v6
write_config "$TMP/wg1.conf" wg1 v6 "Table = 51822" "Mark = 0x4000000/0x4000000" \
	"Priority = 5211" "IngressConnMark = 0x1000000" "EgressConnMark = 0x2000000"
C0=(-c "$TMP/wg0.conf")
C1=(-c "$TMP/wg1.conf")
snapshot b >"$TMP/host"

say "foreign state"
ns b nft -f - <<'EOF'
table inet foreign {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 22 counter accept
	}
}
EOF
ns b ip -4 rule add fwmark 0x1/0x1 lookup 100 priority 100
ns b ip -6 rule add from fd00::/8 lookup 100 priority 101
ns b ip -4 rule add from 10.1.0.0/16 lookup 51821 priority 6000 proto 87
ns b ip -4 route add default via 198.51.100.254 table 100
ns b ip -4 route add 10.2.0.0/16 via 198.51.100.254 table 51821
assert_rc "second instance applied" 0 wgb b "${C1[@]}" apply
snapshot b >"$TMP/base"
foreign_nft() {
	ns b nft list table inet foreign
	ns b nft list table inet wgbastion-wg1
}
foreign_nft >"$TMP/base-nft"

# Every line of the base dumps that does not name wg0 is still there, and
# the foreign nft tables are unchanged.
check_foreign() {
	local missing
	snapshot b >"$TMP/now"
	missing=$(grep -v wg0 "$TMP/base" | grep -vxFf "$TMP/now")
	assert_eq "$1: no foreign line lost" "" "$missing"
	foreign_nft >"$TMP/now-nft"
	assert_same "$1: foreign nft tables unchanged" "$TMP/base-nft" "$TMP/now-nft"
}

say "apply next to them"
out=$(wgb b "${C0[@]}" apply 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
assert_eq "apply exits 0" 0 "$rc"
assert_match "the foreign route in our table is reported" 'route 10\.2\.0\.0/16 via 198\.51\.100\.254 dev eth0 table 51821 .*was not added by wgbastion' "$out"
assert_eq "our rules" "5210:	from all fwmark 0x8000000/0x8000000 lookup 51821 proto 87" "$(ours_rules b -4 51821)"
assert_eq "our table: ours, and the foreign route" \
"default dev wg0 proto 87 scope link
10.2.0.0/16 via 198.51.100.254 dev eth0" "$(ours_routes b -4 51821)"
check_foreign "apply"
assert_eq "apply again: in sync" "in sync" "$(wgb b "${C0[@]}" apply 2>/dev/null)"
check_foreign "second apply"

say "flush next to them"
assert_rc "flush" 0 wgb b "${C0[@]}" flush
check_foreign "flush"
snapshot b >"$TMP/now"
assert_same "flush: exactly the state before our apply" "$TMP/base" "$TMP/now"
assert_rc "flush again" 0 wgb b "${C0[@]}" flush
check_foreign "second flush"

say "host-wide sysctls: the last instance out restores the host's value"
assert_rc "apply wg0" 0 wgb b "${C0[@]}" apply
assert_rc "flush wg1 first" 0 wgb b "${C1[@]}" flush
assert_eq "ip_forward stays on for wg0" "1" "$(ns b sysctl -n net.ipv4.ip_forward)"
assert_eq "IPv6 forwarding stays on for wg0" "1" "$(ns b sysctl -n net.ipv6.conf.all.forwarding)"
assert_eq "wg0's rules intact" "5210:	from all fwmark 0x8000000/0x8000000 lookup 51821 proto 87" "$(ours_rules b -4 51821)"
assert_eq "wg0 in sync" "in sync" "$(wgb b "${C0[@]}" apply 2>/dev/null)"
assert_rc "flush wg0" 0 wgb b "${C0[@]}" flush
# what is left of the foreign state is removed by hand: then it is the host
ns b nft delete table inet foreign
ns b ip -4 rule del priority 100
ns b ip -6 rule del priority 101
ns b ip -4 rule del priority 6000
ns b ip -4 route del default table 100
ns b ip -4 route del 10.2.0.0/16 table 51821
snapshot b >"$TMP/now"
assert_same "both flushed: the host as it was, sysctls included" "$TMP/host" "$TMP/now"

finish
