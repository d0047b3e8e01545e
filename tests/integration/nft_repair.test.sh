#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Drift repair: whatever is done by hand inside our table, the next apply
# puts back exactly what the config says, sends only what that takes, and
# says what it repaired; foreign tables are never touched.
#   - a rule deleted by hand           -> that chain refilled
#   - a map element deleted by hand    -> that element added back
#   - a rule added by hand             -> that chain refilled, without it
#   - a set, a counter added by hand   -> deleted
#   - the table deleted by hand        -> made again
#
#     [b] eth0 ---- eth0 [b-out]
#         wg0
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apply_common.sh"
. "$(dirname "$0")/nft_common.sh"

bastion_ns b
nft_config "$TMP/wg0.conf"
C=(-c "$TMP/wg0.conf")
T="inet wgbastion-wg0"

ns b nft -f - <<'EOF2'
table ip foreign {
	set s { type ipv4_addr; elements = { 192.0.2.1 } }
	chain input { type filter hook input priority 0; policy accept; ip saddr @s counter accept; }
}
EOF2
ns b nft list table ip foreign >"$TMP/foreign.before"

assert_rc "apply" 0 wgb b "${C[@]}" apply

# repair WHAT REGEX-OF-PLAN: apply repairs, prints only lines matching,
# the table is as expected again, a second apply is in sync.
repair() {
	local what=$1 want=$2 out rc
	nft_watch b
	out=$(wgb b "${C[@]}" apply 2>&1); rc=$?
	printf '%s\n' "$out" | sed 's/^/    /'
	assert_eq "$what: apply exits 0" 0 "$rc"
	assert_eq "$what: the plan" "$want" "$out"
	assert_eq "$what: the table is as expected again" "$(cat "$EXPECTED/nft-table.nft")" "$(nft_table b)"
	nft_watched >"$TMP/seen"
	assert_eq "$what: second apply in sync" "in sync" "$(wgb b "${C[@]}" apply 2>&1)"
}

say "a rule deleted by hand"
h=$(ns b nft -a list chain $T forward | sed -n 's/.*comment "egress lan" # handle \([0-9]*\)$/\1/p' | head -1)
assert_match "found the rule" '^[0-9]+$' "$h"
ns b nft delete rule $T forward handle "$h"
repair "deleted rule" "~ egress lan: nft elements or rules differ from the config, rewritten"
# the chain was flushed and refilled in one batch: the monitor saw
# the rules of that chain only
assert_nomatch "no other chain was touched" 'chain (pre_nat|pre_mark|post_nat)|element' "$(cat "$TMP/seen")"
assert_match "the forward chain was refilled" 'add rule inet wgbastion-wg0 forward' "$(cat "$TMP/seen")"

say "a map element deleted by hand"
ns b nft delete element $T dnat4_tcp '{ 443 }'
repair "deleted element" "~ forward web: destination nowhere -> 192.168.50.10:8443"
assert_eq "only that element was sent" "add element inet wgbastion-wg0 dnat4_tcp { 443 : 192.168.50.10 . 8443 }" \
	"$(grep -v '^# new generation' "$TMP/seen")"

say "a rule added by hand"
ns b nft add rule $T pre_mark meta mark set 0x1
repair "foreign rule" "~ nft chain pre_mark: rules differ from the config, refilled"
assert_nomatch "no element was touched" 'element' "$(cat "$TMP/seen")"

say "a set, a counter and a chain added by hand"
ns b nft add set $T mine '{ type ipv4_addr; }'
ns b nft add counter $T mycounter
ns b nft add chain $T mychain
ns b nft add rule $T mychain counter name mycounter
repair "foreign objects" "- nft set mine
- nft counter mycounter
- nft chain mychain"

say "the table deleted by hand"
ns b nft delete table $T
out=$(wgb b "${C[@]}" apply 2>&1)
assert_match "the table is made again" '^\+ nft table inet wgbastion-wg0$' "$out"
assert_eq "the table is as expected again" "$(cat "$EXPECTED/nft-table.nft")" "$(nft_table b)"

say "foreign tables"
assert_eq "the foreign table is untouched" "$(cat "$TMP/foreign.before")" "$(ns b nft list table ip foreign)"
assert_rc "flush" 0 wgb b "${C[@]}" flush
assert_eq "after flush, only the foreign table" "table ip foreign" "$(ns b nft list tables)"
assert_eq "... untouched" "$(cat "$TMP/foreign.before")" "$(ns b nft list table ip foreign)"
finish
