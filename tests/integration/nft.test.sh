#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The table apply builds: `nft list table inet wgbastion-wg0` is exactly
# expected/nft-table.nft (docs/ruleset.md made concrete), nft can read its
# own listing back, and a second apply says "in sync" and sends nothing
# (nft monitor sees no event). Flush removes the table, and only it.
#
#     [b] eth0 ---- eth0 [b-out]       b: the bastion; wg0 its tunnel
#         wg0
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apply_common.sh"
. "$(dirname "$0")/nft_common.sh"

bastion_ns b
nft_config "$TMP/wg0.conf"
C=(-c "$TMP/wg0.conf")

say "first apply"
out=$(wgb b "${C[@]}" apply 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
assert_eq "apply exits 0" 0 "$rc"
assert_eq "nft plan lines" \
"+ nft table inet wgbastion-wg0
+ forward dns6: udp 53 -> [fd00:50::53]:53
+ forward games: tcp,udp 27015-27030 -> 192.168.50.11 (ports kept)
+ forward ssh: tcp 2222 -> 192.168.50.10:22, allow 198.51.100.0/24, 203.0.113.17, masquerade
+ forward web: tcp 443 -> 192.168.50.10:8443
+ egress lan: 192.168.50.0/24, fd00:50::/64 -> 0.0.0.0/0, ::/0 except 100.100.100.200, 169.254.0.0/16, fd00:ec2::254, fe80::/10, via eth0, masquerade" \
	"$(plan_lines "$out" 'nft|forward|egress')"
assert_eq "the table (expected/nft-table.nft)" "$(cat "$EXPECTED/nft-table.nft")" "$(nft_table b)"
assert_eq "one table, ours" "table inet wgbastion-wg0" "$(ns b nft list tables)"

say "nft reads its own listing back"
ns b nft list table inet wgbastion-wg0 >"$TMP/listing"
assert_rc "nft -c -f on the listing" 0 ns b nft -c -f "$TMP/listing"

say "second apply: in sync, nothing sent"
nft_watch b
out=$(wgb b "${C[@]}" apply 2>&1); rc=$?
assert_eq "second apply exits 0" 0 "$rc"
assert_eq "second apply prints only 'in sync'" "in sync" "$out"
assert_eq "nft monitor saw nothing" "" "$(nft_watched)"
assert_rc "dry run: nothing to do" 0 wgb b "${C[@]}" apply --dry-run

say "a config change is a dry-run finding"
nft_config "$TMP/wg1.conf" "" "[Forward extra]" "Port = 8080" "Destination = 192.168.50.12"
out=$(wgb b -c "$TMP/wg1.conf" apply --dry-run 2>&1); rc=$?
assert_eq "dry run exits 3" 3 "$rc"
assert_eq "dry run plan" "+ forward extra: tcp 8080 -> 192.168.50.12:8080" "$(plan_lines "$out" 'nft|forward|egress')"
assert_eq "dry run changed nothing" "$(cat "$EXPECTED/nft-table.nft")" "$(nft_table b)"

say "flush"
ns b nft add table ip foreign
ns b nft add chain ip foreign input '{ type filter hook input priority 0; policy accept; }'
ns b nft add rule ip foreign input tcp dport 22 counter accept
ns b nft list table ip foreign >"$TMP/foreign.before"
out=$(wgb b "${C[@]}" flush 2>&1); rc=$?
assert_eq "flush exits 0" 0 "$rc"
assert_match "flush says the table goes" '^- nft table inet wgbastion-wg0$' "$out"
assert_eq "only the foreign table is left" "table ip foreign" "$(ns b nft list tables)"
assert_eq "the foreign table is untouched" "$(cat "$TMP/foreign.before")" "$(ns b nft list table ip foreign)"
out=$(wgb b "${C[@]}" flush 2>&1); rc=$?
assert_eq "second flush exits 0" 0 "$rc"
assert_nomatch "second flush has no nft line" 'nft table' "$out"
finish
