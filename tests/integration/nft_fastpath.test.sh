#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Not reading back what is known unchanged (SPEC §5; src/nft/nft_record.c):
# after an apply, the next one finds the ruleset's generation where the
# last left it and does not read the table; anything that moved the
# generation or doubts the record sends it back to reading, and drift is
# still repaired:
#   - an element added by hand, a rule deleted by hand
#   - another table changed (any other nftables writer)
#   - no record (a reboot empties /run), a corrupt one, one from another boot
#   - a changed config: compared with the table kept beside the record
#     (nft_recall.c), read back when that is broken, stale, a link, gone,
#     or the generation moved
#   - a dry run; a concurrent writer before our commit
#   - the config's forwards not parsed, nor its files read, when they
#     settled and are as the index the last apply kept stamped them; read
#     whole (once) when any of it changed, was touched or is too new, when
#     the index is broken, when a forward is broken, when the config warns;
#     a config read whole whose table is the one left still not read
#   - flush removes the record
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
NOT_READ='generation [0-9]+ unchanged since wgbastion left the table as the config has it: not read'
RECALLED='generation [0-9]+ unchanged since wgbastion left the table: compared with the table kept then, not read back'

assert_rc "apply" 0 wgb b "${C[@]}" apply
RUN=$(wgb_rundir b)
REC=$RUN/wg0.nftgen
[ -f "$REC" ] && pass "a generation record" || fail "no $REC"
# (one line of "KEY=VALUE;": grep -E takes a pattern's lines as alternatives)
assert_match "it says boot, generation and digest" '^boot=[0-9a-f-]{36};gen=[0-9]+;digest=[0-9a-f]{64};ipv6=[01];stamp=([0-9a-f]{64}|-);$' \
	"$(tr '\n' ';' <"$REC")"

# fast WHAT: apply -v is in sync without reading the table
fast() {
	local out
	out=$(wgb b -v "${C[@]}" apply 2>&1)
	assert_match "$1: not read" "$NOT_READ" "$out"
	assert_match "$1: in sync" '^in sync$' "$out"
}
# full WHAT WHY-REGEX PLAN-REGEX: apply -v reads the table, says why, and
# prints what it repaired (or in sync)
full() {
	local out
	out=$(wgb b -v "${C[@]}" apply 2>&1)
	assert_match "$1: read, because" "$2" "$out"
	assert_nomatch "$1: not the fast path" "$NOT_READ" "$out"
	assert_match "$1: $3" "$3" "$out"
}

say "unchanged: not read"
fast "second apply"
fast "third apply"
# -v says what each step took (exec.c, apply.c): a no-op's nft stage is
# built and found in sync by its record, never read nor recalled
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "-v: the config's read timed" '^wgbastion: config: read (whole )?in [0-9]+\.[0-9]{2} ms' "$out"
assert_match "-v: nft built, and in sync by its record" \
	'^wgbastion: nft: built in [0-9]+\.[0-9]{2} ms, held against its record in [0-9]+\.[0-9]{2} ms: in sync$' "$out"
assert_nomatch "-v: nft neither read nor recalled" '^wgbastion: nft: (read|recalled) in' "$out"
assert_nomatch "-v: nothing synced" '^wgbastion: [a-z]+: synced in' "$out"
ns b nft list table $T >"$TMP/table.ok"

say "an element added by hand"
ns b nft add element $T open4_tcp '{ 9999 }'
assert_rc "dry run sees it (exit 3)" 3 wgb b "${C[@]}" apply --dry-run
full "repair" 'ruleset is at generation [0-9]+, not [0-9]+ as left' 'nft set open4_tcp: [0-9]+ elements? not from the config, removed'
assert_eq "the table as the config has it" "$(cat "$TMP/table.ok")" "$(ns b nft list table $T)"
fast "after the repair"

say "a rule deleted by hand"
h=$(ns b nft -a list chain $T forward | sed -n 's/.*comment "ingress" # handle \([0-9]*\)$/\1/p')
ns b nft delete rule $T forward handle "$h"
full "repair" 'not [0-9]+ as left' 'nft chain forward: rules differ from the config, refilled'
assert_eq "the table as the config has it" "$(cat "$TMP/table.ok")" "$(ns b nft list table $T)"

say "another writer's table"
wgb b "${C[@]}" apply >/dev/null
ns b nft add table inet somebody-else
full "another table" 'not [0-9]+ as left' '^in sync$'
fast "then"
ns b nft delete table inet somebody-else

say "no record: a reboot, a new namespace"
wgb b "${C[@]}" apply >/dev/null
rm -f "$REC"
full "no record" '' '^in sync$'
[ -f "$REC" ] && pass "recorded again" || fail "not recorded again"
fast "then"

say "records not trusted blindly"
printf 'gen=1\n' >"$REC"
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "an incomplete one is named and refused" "wg0.nftgen: incomplete; ignored, the table is read" "$out"
assert_match "and the table read: in sync" '^in sync$' "$out"
printf 'boot=%s\ngen=%s\ndigest=%s\n' 00000000-0000-0000-0000-000000000000 \
	"$(sed -n 's/^gen=//p' "$REC")" "$(sed -n 's/^digest=//p' "$REC")" >"$REC.new"
mv "$REC.new" "$REC"
full "another boot's" 'from another boot' '^in sync$'
printf 'boot=x\ngen=zz\n\x01\n' >"$REC"
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "garbage is named by line and refused" "wg0.nftgen:1: not a generation record" "$out"
fast "then"
sed -i "s/^ipv6=/input=$(printf '%064d' 7)\nipv6=/" "$REC"
assert_match "(such a record)" '^input=0{63}7$' "$(cat "$REC")"
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_nomatch "an earlier build's input= line is not refused" "wg0.nftgen" "$out"
assert_match "and the record used" "$NOT_READ" "$out"

# list_ok WHAT: forward extra in the table when the config has it
list_ok() {
	if [ "${C[1]}" = "$TMP/wg1.conf" ]; then
		assert_match "$1: forward extra in the table" 8081 "$(ns b nft list table $T)"
	else
		assert_nomatch "$1: forward extra not in the table" '8081' "$(ns b nft list table $T)"
	fi
}

say "a changed config"
nft_config "$TMP/wg1.conf" "[Forward extra]" "Port = 8081" "Destination = 192.168.50.12"
C=(-c "$TMP/wg1.conf")
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "the record's table is not the config's" "the config's table is not the one left" "$out"
assert_match "compared with the table kept beside the record" "$RECALLED" "$out"
assert_match "and the change made" '^\+ forward extra' "$out"
assert_match "-v: recalled, compared, one change" \
	'^wgbastion: nft: recalled in [0-9]+\.[0-9]{2} ms, compared in [0-9]+\.[0-9]{2} ms: 1 change$' "$out"
assert_match "-v: synced" '^wgbastion: nft: synced in [0-9]+\.[0-9]{2} ms$' "$out"
assert_match "-v: its records kept" '^wgbastion: nft: records kept in [0-9]+\.[0-9]{2} ms$' "$out"
list_ok "the change"
fast "after the change"

say "the kept table not trusted blindly"
KEPT=$RUN/wg0.nfttable
[ -f "$KEPT" ] && pass "the table kept beside the record" || fail "no $KEPT"
# flip WHAT REGEX: a change (wg0 <-> wg1) whose apply reads the table
# for the reason REGEX, and still makes the change
flip() {
	local out
	if [ "${C[1]}" = "$TMP/wg1.conf" ]; then C=(-c "$TMP/wg0.conf"); else C=(-c "$TMP/wg1.conf"); fi
	out=$(wgb b -v "${C[@]}" apply 2>&1)
	assert_match "$1: read, because" "$2" "$out"
	assert_nomatch "$1: not compared with it" "$RECALLED" "$out"
	assert_match "$1: the change made" '^[-+] forward extra' "$out"
	list_ok "$1"
}
head -c 100 "$KEPT" >"$KEPT.new" && mv "$KEPT.new" "$KEPT"
flip "truncated" 'kept table does not parse'
cp "$KEPT" "$TMP/kept.was"
# the last counter name in a set's pool: forward extra's change reads
# the count set (the change is to it)
at=$(grep -oba 'fwd_' "$KEPT" | tail -1 | cut -d: -f1)
printf 'x' | dd of="$KEPT" bs=1 seek=$((at + 1)) conv=notrunc status=none
flip "one byte changed in a set read" 'kept table is not the one the record names'
# the file's last bytes: a set the change leaves as it was, which is
# taken from the table built (its sums are the same), not read
printf 'x' | dd of="$KEPT" bs=1 seek=$(( $(stat -c %s "$KEPT") - 3 )) conv=notrunc status=none
flip_back=("${C[@]}")
if [ "${C[1]}" = "$TMP/wg1.conf" ]; then C=(-c "$TMP/wg0.conf"); else C=(-c "$TMP/wg1.conf"); fi
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "one byte changed in a set not read: compared with the kept table" "$RECALLED" "$out"
assert_match "and the change made" '^[-+] forward extra' "$out"
list_ok "one byte changed in a set not read"
C=("${flip_back[@]}")
assert_rc "and back" 0 wgb b "${C[@]}" apply
cp "$TMP/kept.was" "$KEPT"
flip "the one kept for the config before" 'kept table is not the one the record names'
rm -f "$KEPT"
ln -s "$TMP/kept.was" "$KEPT"
flip "a link in its place" 'wg0.nfttable: is a symbolic link, not a record; the table is read'
rm -f "$KEPT"
mkfifo "$KEPT"
flip "a FIFO in its place (not waited on)" 'wg0.nfttable: is not a regular file; the table is read'
[ -f "$KEPT" ] && pass "replaced by a kept table" || fail "not replaced: $(ls -l "$KEPT")"
rm -f "$KEPT"
flip "none" ''
[ -f "$KEPT" ] && pass "kept again" || fail "not kept again"
ns b nft add element $T open4_tcp '{ 9999 }'
flip "drift by hand, then a change" 'ruleset is at generation [0-9]+, not [0-9]+ as left'
assert_nomatch "the drift repaired" 9999 "$(ns b nft list table $T)"
if [ "${C[1]}" = "$TMP/wg1.conf" ]; then C=(-c "$TMP/wg0.conf"); else C=(-c "$TMP/wg1.conf"); fi
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "then compared with the kept table again" "$RECALLED" "$out"
list_ok "then"
C=(-c "$TMP/wg1.conf")
assert_rc "back to the config with forward extra" 0 wgb b "${C[@]}" apply

say "a concurrent writer between our read and our commit"
C=(-c "$TMP/wg0.conf")
out=$(WGBASTION_FAIL_AT=nft:stale wgb b -v "${C[@]}" apply 2>&1)
assert_match "ERESTART, read again" 'ruleset changed since it was read' "$out"
assert_match "and the change made" '^- forward extra' "$out"
fast "after the retry"

say "the config itself not parsed when it is the input applied"
ELIDED="not read \(nor the config's forwards: the same input as then"
STAMPED="$ELIDED, its files untouched\)"
NOT_INDEXED='config: .* not as indexed \(a file changed or was touched since\): read whole'
# settled: the apply after that (read whole, or already as indexed)
# leaves the stamps and the index, by which the next skips the forwards
sleep 3
wgb b "${C[@]}" apply >/dev/null
assert_match "the record knows the settled files by their stamp" '^stamp=[0-9a-f]{64}$' "$(sed -n 5p "$REC")"
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "same build, text and files: forwards skipped" "$STAMPED" "$out"
assert_match "and in sync" '^in sync$' "$out"

say "a comment added: the config read whole, the table still not"
{ cat "$TMP/wg0.conf"; echo "# a comment"; } >"$TMP/wg0c.conf"
C=(-c "$TMP/wg0c.conf")
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "the same table: not read" "$NOT_READ" "$out"
assert_nomatch "not skipped" "$ELIDED" "$out"
assert_match "in sync" '^in sync$' "$out"
assert_match "too new for a stamp: the record knows it by its table" '^stamp=-$' "$(sed -n 5p "$REC")"
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "then, too new for an index: read whole, the table not" "$NOT_READ" "$out"
assert_nomatch "read once each run" "reading it whole" "$out"

say "an AllowFile's contents changed: the text is the same"
echo 198.51.100.0/24 >"$TMP/allow.txt"
nft_config "$TMP/wg2.conf" "[Forward af]" "Port = 8082" "Destination = 192.168.50.13" "AllowFile = allow.txt"
C=(-c "$TMP/wg2.conf")
assert_rc "apply with an AllowFile" 0 wgb b "${C[@]}" apply
assert_match "then not read" "$NOT_READ" "$(wgb b -v "${C[@]}" apply 2>&1)"
echo 203.0.113.0/24 >>"$TMP/allow.txt"
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "compared with the table kept" "$RECALLED" "$out"
assert_nomatch "not in sync" '^in sync$' "$out"
assert_match "the new prefix is in the table" '203\.0\.113\.0/24' "$(ns b nft list table $T)"
assert_match "then not read" "$NOT_READ" "$(wgb b -v "${C[@]}" apply 2>&1)"

say "a broken forward is never skipped"
sed -i 's/^Port = 8082$/Port = eighty/' "$TMP/wg2.conf"
out=$(wgb b "${C[@]}" apply 2>&1)
rc=$?
assert_eq "exit 2" 2 "$rc"
assert_match "named by file, line and key" 'wg2\.conf:[0-9]+: Port: "eighty"' "$out"
assert_match "the table as it was" '203\.0\.113\.0/24' "$(ns b nft list table $T)"

say "files changed long enough ago: told by their stamps, none of them read"
sed -i 's/^Port = eighty$/Port = 8082/' "$TMP/wg2.conf"
sleep 3	# config_settle_ns: a stamp stands for files older than 3 s
assert_rc "apply" 0 wgb b "${C[@]}" apply
assert_match "the record keeps the stamp" '
stamp=[0-9a-f]{64}$' "$(cat "$REC")"
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "skipped by the stamp" "$STAMPED" "$out"
assert_match "in sync" '^in sync$' "$out"
IDX=$RUN/wg0.input
assert_match "an index of the config is kept" '^stamp=[0-9a-f]{64};forwards=5;ipv6=[01];file=/.*/allow\.txt;range=0 [0-9]+ 1;(range=[0-9]+ [0-9]+ [0-9]+;)*$' \
	"$(tr '\n' ';' <"$IDX" 2>&1)"
assert_match "by which only the text that is not [Forward]s was read" \
	'config: .*wg2\.conf as indexed: 5 \[Forward\] sections not read' "$out"
printf 'stamp=%s\nforwards=2\nipv6=0\nrange=x\n' "$(sed -n 's/^stamp=//p' "$IDX")" >"$IDX"
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "a broken index is named by line and refused" 'wg0\.input:4: not an index of the config' "$out"
assert_nomatch "the config read whole" "$ELIDED" "$out"
assert_match "the table not read" "$NOT_READ" "$out"
assert_match "in sync" '^in sync$' "$out"
assert_match "and the index put right" '^range=0 ' "$(sed -n 5p "$IDX")"
touch "$TMP/allow.txt"
cp "$REC" "$TMP/rec.was"
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "the AllowFile touched: not as indexed" "$NOT_INDEXED" "$out"
assert_match "its contents the same: the table not read" "$NOT_READ" "$out"
assert_match "too new for a stamp: the record has none" '^stamp=-$' "$(sed -n 5p "$REC")"
[ -e "$IDX" ] && fail "an index without a stamp is kept" || pass "nor an index"
sleep 3
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "settled: the table not read" "$NOT_READ" "$out"
assert_match "in sync" '^in sync$' "$out"
assert_match "a stamp recorded" '^stamp=[0-9a-f]{64}$' "$(sed -n 5p "$REC")"
assert_nomatch "a new one" "$(sed -n 's/^stamp=//p' "$TMP/rec.was")" "$(sed -n 's/^stamp=//p' "$REC")"
assert_match "then skipped by the new stamp" "$STAMPED" "$(wgb b -v "${C[@]}" apply 2>&1)"
echo 192.0.2.0/24 >>"$TMP/allow.txt"
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "a settled AllowFile changed: not as indexed" "$NOT_INDEXED" "$out"
assert_match "its new prefix in the table" '192\.0\.2\.0/24' "$(ns b nft list table $T)"

say "a config that warns is read whole every time"
nft_config "$TMP/wg3.conf" "[Egress odd]" "Source = 172.31.0.0/24"
C=(-c "$TMP/wg3.conf")
wgb b "${C[@]}" apply >/dev/null 2>&1
out=$(wgb b -v "${C[@]}" apply 2>&1)
assert_match "the warning said again" 'warning: .*172\.31\.0\.0/24.*not inside any peer' "$out"
assert_nomatch "not skipped" "$ELIDED" "$out"
assert_match "the table not read" "$NOT_READ" "$out"

say "flush removes the record"
assert_rc "flush" 0 wgb b "${C[@]}" flush
[ -e "$REC" ] && fail "the record is left" || pass "no record left"
[ -e "$IDX" ] && fail "the index is left" || pass "no index left"
[ -e "$KEPT" ] && fail "the kept table is left" || pass "no kept table left"
finish
