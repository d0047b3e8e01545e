#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The bench's baselines commit wgbastion's own table (issue 13's targets
# compare with them): for gen.py's synthetic config of 10 forwards,
#   - bench/floor (-c named -D -P, as bench/run.sh runs it) lists exactly as
#     wgbastion's table does, comments and bytecode included;
#   - gen.py's map ruleset, loaded by nft -f, holds the same objects,
#     elements and rules (gen.py same-table: comments and order aside).
# When wgbastion's table changes, this fails until the baselines follow,
# rather than the bench quietly comparing unlike tables.
. "$(dirname "$0")/../lib.sh"

B=${WGB_BUILD:-build}
case $B in /*) ;; *) B=$WGB_TOP/$B ;; esac
F=$B/bench/floor
GEN=$WGB_TOP/bench/gen.py
[ -x "$F" ] || { echo "SKIP: $F is missing (make bench-tools)"; exit 77; }
for t in nft python3 wireguard-go; do
	command -v "$t" >/dev/null || { echo "SKIP: $t is missing (make deps)"; exit 77; }
done

T=wgbastion-wg0
netns_add b
keypair bastion
keypair peer
python3 "$GEN" config 10 "$TMP/c.conf" --key "$TMP/bastion.key" --peer "$(cat "$TMP/peer.pub")"
python3 "$GEN" nft-maps 10 "$TMP/maps.nft"

# listing NAME: the table as nft lists it, and its bytecode
listing() {
	ns b nft list table inet "$T" >"$TMP/$1.list"
	ns b nft --debug=netlink list table inet "$T" 2>&1 |
		sed -E 's/^(inet wgbastion-wg0 [a-z_]+) [0-9 ]+$/\1/' >"$TMP/$1.bytecode"
	ns b nft delete table inet "$T"
}

assert_rc "wgbastion applies the synthetic config" 0 wgb b -c "$TMP/c.conf" apply
listing own
assert_rc "... and lists its table" 0 test -s "$TMP/own.list"

say "bench/floor"
assert_rc "floor -c named -a last -D -P commits" 0 ns b "$F" -c named -a last -D -P 10
listing floor
assert_rc "its listing is wgbastion's, line for line" 0 diff "$TMP/own.list" "$TMP/floor.list"
assert_rc "... and so is its bytecode" 0 diff "$TMP/own.bytecode" "$TMP/floor.bytecode"
# the check can fail: without the protection pieces it is not the table
assert_rc "floor -D (no -P) commits" 0 ns b "$F" -c named -a last -D 10
listing short
assert_rc "... a table same-table tells apart" 1 python3 "$GEN" same-table "$TMP/own.list" "$TMP/short.list"
assert_rc "floor refuses -G with -P (their rate and limitdrop differ)" 2 ns b "$F" -G -P 10

say "gen.py nft-maps"
assert_rc "nft -f loads the map ruleset" 0 ns b nft -f "$TMP/maps.nft"
listing maps
out=$(python3 "$GEN" same-table "$TMP/own.list" "$TMP/maps.list")
assert_eq "it holds wgbastion's objects, elements and rules${out:+: $out}" 0 $?
finish
