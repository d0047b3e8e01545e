#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Nothing half-applied: a failure just before the batch leaves the ruleset
# byte for byte as it was; a failure after it (or in a later stage) rolls
# the table back, including a table deleted by flush, made again with its
# counters' values. A stale generation (someone else changed the ruleset
# since we read it) makes the kernel refuse the batch with ERESTART, and
# apply reads again and retries.
#
#     [b-out] eth0 198.51.100.2 ---- eth0 198.51.100.1 [b] wg0 -> 192.168.50.0/24
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apply_common.sh"
. "$(dirname "$0")/nft_common.sh"

bastion_ns b
ns b-out ip addr add 198.51.100.2/24 dev eth0
ns b sysctl -qw net.ipv4.ip_forward=1
ns b ip route add 192.168.50.0/24 dev wg0
ns b nft add table ip foreign
ns b nft add chain ip foreign c '{ type filter hook input priority 0; policy accept; }'
nft_config "$TMP/a.conf"
nft_config "$TMP/b.conf" "[Forward extra]" "Port = 8080" "Destination = 192.168.50.12"
sed -i 's/192.168.50.10:8443/192.168.50.20:8443/' "$TMP/b.conf"
A=(-c "$TMP/a.conf")
B=(-c "$TMP/b.conf")
ruleset() { ns b nft list ruleset; }

say "failure before the first batch"
ruleset >"$TMP/before"
out=$(WGBASTION_FAIL_AT=nft:batch wgb b "${A[@]}" apply 2>&1); rc=$?
assert_eq "apply exits 1" 1 "$rc"
assert_match "it says why" 'injected failure before sending the batch' "$out"
ruleset >"$TMP/after"
assert_same "the ruleset is byte-identical" "$TMP/before" "$TMP/after"

say "failure after the first batch: rolled back"
out=$(WGBASTION_FAIL_AT=nft wgb b "${A[@]}" apply 2>&1); rc=$?
assert_eq "apply exits 1" 1 "$rc"
ruleset >"$TMP/after"
assert_same "no table left, the ruleset as before" "$TMP/before" "$TMP/after"

say "applied, with traffic counted"
assert_rc "apply" 0 wgb b "${A[@]}" apply
ns b-out timeout 2 bash -c 'exec 3<>/dev/tcp/198.51.100.1/443' 2>/dev/null
assert_match "forward_web counted" 'packets [1-9]' "$(ns b nft list counter inet wgbastion-wg0 forward_web)"
ruleset >"$TMP/before"

say "failure before a batch that edits"
out=$(WGBASTION_FAIL_AT=nft:batch wgb b "${B[@]}" apply 2>&1); rc=$?
assert_eq "apply exits 1" 1 "$rc"
ruleset >"$TMP/after"
assert_same "the ruleset is byte-identical" "$TMP/before" "$TMP/after"

say "the kernel refuses a message that asked for no ack"
# only the batch's last message asks for an ack; a refusal of any other
# must still be reported, named, and leave everything as it was
out=$(WGBASTION_FAIL_AT=nft:refuse wgb b "${B[@]}" apply 2>&1); rc=$?
assert_eq "apply exits 1" 1 "$rc"
assert_match "the kernel's refusal of the first message, named" '^wgbastion: nft: [a-z].*: (Invalid argument|Operation not supported)' "$out"
printf "    %s\n" "$out"
ruleset >"$TMP/after"
assert_same "the ruleset is as before, counters included" "$TMP/before" "$TMP/after"

say "failure after a batch that edits: rolled back"
out=$(WGBASTION_FAIL_AT=nft wgb b "${B[@]}" apply 2>&1); rc=$?
assert_eq "apply exits 1" 1 "$rc"
ruleset >"$TMP/after"
assert_same "the ruleset is as before, counters included" "$TMP/before" "$TMP/after"
# a new mark changes both the nft table and the ip rules
cp "$TMP/b.conf" "$TMP/m.conf"
printf '[Bastion]\nMark = 0x4000000/0x4000000\n' >>"$TMP/m.conf"
out=$(WGBASTION_FAIL_AT=route wgb b -c "$TMP/m.conf" apply 2>&1); rc=$?
assert_eq "a later stage fails: apply exits 1" 1 "$rc"
ruleset >"$TMP/after"
assert_same "... and the table is rolled back" "$TMP/before" "$TMP/after"

say "flush that fails after the batch: the table made again"
out=$(WGBASTION_FAIL_AT=nft wgb b "${A[@]}" flush 2>&1); rc=$?
assert_eq "flush exits 1" 1 "$rc"
ruleset >"$TMP/after"
assert_same "the table is back, counters with their values" "$TMP/before" "$TMP/after"

say "a rollback puts back what someone else had added to our table"
T="inet wgbastion-wg0"
ns b nft -f - <<EOF2
add chain $T mychain
add rule $T mychain counter accept
add map $T myvmap { type inet_service : verdict; elements = { 22 : jump mychain, 23 : drop } }
add rule $T forward tcp dport vmap @myvmap
add rule $T pre_mark tcp dport { 22, 80 } counter comment "someone's"
add quota $T myquota 25 mbytes
add set $T myset { type ipv4_addr; flags interval; elements = { 10.9.0.0/16 comment "mine" } }
EOF2
ruleset >"$TMP/before"
out=$(WGBASTION_FAIL_AT=nft wgb b "${A[@]}" apply 2>&1); rc=$?
assert_match "apply would remove them" '^- nft set myset$' "$out"
assert_eq "apply exits 1" 1 "$rc"
ruleset >"$TMP/after"
assert_same "all of it is back, byte for byte" "$TMP/before" "$TMP/after"
out=$(wgb b "${A[@]}" apply 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
assert_eq "then apply removes them" 0 "$rc"
ns b nft list table $T >"$TMP/t"
assert_nomatch "... all of them" 'mychain|myvmap|myquota|myset|someone' "$(cat "$TMP/t")"
ruleset >"$TMP/before"

say "a stale generation: ERESTART, read again, retry"
out=$(WGBASTION_FAIL_AT=nft:stale wgb b -v "${B[@]}" apply 2>&1); rc=$?
printf '%s\n' "$out" | grep -v '^[-+~]' | sed 's/^/    /'
assert_eq "apply exits 0" 0 "$rc"
assert_match "it read again" 'ruleset changed since it was read \(ERESTART\)' "$out"
assert_eq "in sync after" "in sync" "$(wgb b "${B[@]}" apply 2>&1)"
assert_match "counter kept through the edit" 'packets [1-9]' "$(ns b nft list counter inet wgbastion-wg0 forward_web)"
finish
