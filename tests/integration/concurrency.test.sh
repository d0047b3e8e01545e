#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Serialised: invocations on one instance wait on its lock
# (NAME.lock in the namespace's run directory). Two concurrent applies both succeed, one of
# them finding everything done; apply and flush racing leave one of the two
# whole states, never a mix; two instances applied at once both end up
# complete, and flushed at once give the host back its own sysctls.
#
#     [b] eth0 ---- eth0 [b-out]
#         wg0, wg1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apply_common.sh"

command -v flock >/dev/null || { echo "SKIP: flock(1) (util-linux) is missing"; exit 77; }

bastion_ns b
write_config "$TMP/wg0.conf" wg0 v6
write_config "$TMP/wg1.conf" wg1 v6 "Table = 51822" "Mark = 0x4000000/0x4000000" \
	"Priority = 5211" "IngressConnMark = 0x1000000" "EgressConnMark = 0x2000000"
C0=(-c "$TMP/wg0.conf")
C1=(-c "$TMP/wg1.conf")
snapshot_norm b >"$TMP/empty"
assert_rc "reference apply" 0 wgb b "${C0[@]}" apply
snapshot_norm b >"$TMP/applied"
assert_rc "reference flush" 0 wgb b "${C0[@]}" flush

# bg NAME ARGS...: one wgbastion run in the background, output in $TMP/NAME
bg() {
	local name=$1
	shift
	# 9>&-: not the lock test's descriptor, or the child would hold the lock
	( wgb b "$@" >"$TMP/$name.out" 2>&1 9>&-; echo $? >"$TMP/$name.rc" ) 9>&- &
	BG+=($!)
}

say "the lock makes apply wait"
R=$(wgb_rundir b)
mkdir -p "$R"
exec 9>"$R/wg0.lock"
flock 9
BG=()
bg held "${C0[@]}" apply
sleep 1
assert_eq "apply waits while the lock is held" "" "$(cat "$TMP/held.rc" 2>/dev/null)"
assert_eq "and has changed nothing yet" "" "$(ours_rules b -4 51821)"
exec 9>&-
wait "${BG[@]}"
assert_eq "apply goes on once the lock is free" "0" "$(cat "$TMP/held.rc")"
assert_rc "flush" 0 wgb b "${C0[@]}" flush

for i in 1 2 3; do
	say "round $i: two applies at once"
	BG=()
	bg a1 "${C0[@]}" apply
	bg a2 "${C0[@]}" apply
	wait "${BG[@]}"
	assert_eq "round $i: both exit 0" "0 0" "$(cat "$TMP/a1.rc") $(cat "$TMP/a2.rc")"
	assert_eq "round $i: exactly one found it done" 1 "$(cat "$TMP/a1.out" "$TMP/a2.out" | grep -cx 'in sync')"
	snapshot_norm b >"$TMP/now"
	assert_same "round $i: the state of one apply" "$TMP/applied" "$TMP/now"

	say "round $i: apply and flush at once"
	BG=()
	bg f1 "${C0[@]}" flush
	bg a3 "${C0[@]}" apply
	wait "${BG[@]}"
	assert_eq "round $i: both exit 0" "0 0" "$(cat "$TMP/f1.rc") $(cat "$TMP/a3.rc")"
	snapshot_norm b >"$TMP/now"
	if cmp -s "$TMP/now" "$TMP/applied" || cmp -s "$TMP/now" "$TMP/empty"; then
		pass "round $i: one whole state, applied or flushed"
	else
		fail "round $i: a mixed state"
		diff -u "$TMP/applied" "$TMP/now" | sed 's/^/    /' | head -40
	fi
	assert_rc "round $i: flush" 0 wgb b "${C0[@]}" flush
done

say "two instances at once"
BG=()
bg i0 "${C0[@]}" apply
bg i1 "${C1[@]}" apply
wait "${BG[@]}"
assert_eq "both exit 0" "0 0" "$(cat "$TMP/i0.rc") $(cat "$TMP/i1.rc")"
cat "$TMP/i0.out" "$TMP/i1.out" | grep -v '^[-+~] ' | sed 's/^/    /'
assert_eq "wg0's rules" "5210:	from all fwmark 0x8000000/0x8000000 lookup 51821 proto 87" "$(ours_rules b -6 51821)"
assert_eq "wg1's rules" "5211:	from all fwmark 0x4000000/0x4000000 lookup 51822 proto 87" "$(ours_rules b -6 51822)"
assert_eq "wg0 in sync" "in sync" "$(wgb b "${C0[@]}" apply 2>/dev/null)"
assert_eq "wg1 in sync" "in sync" "$(wgb b "${C1[@]}" apply 2>/dev/null)"
assert_eq "both nft tables" "table inet wgbastion-wg0
table inet wgbastion-wg1" "$(ns b nft list tables | sort)"

# Both leave at once: each hands the host-wide originals to the other,
# the last one out restores them.
for i in 1 2 3; do
	say "round $i: two instances flushed at once"
	BG=()
	bg j0 "${C0[@]}" flush
	bg j1 "${C1[@]}" flush
	wait "${BG[@]}"
	assert_eq "round $i: both exit 0" "0 0" "$(cat "$TMP/j0.rc") $(cat "$TMP/j1.rc")"
	snapshot_norm b >"$TMP/now"
	assert_same "round $i: the host as before any apply" "$TMP/empty" "$TMP/now"
	BG=()
	bg i0 "${C0[@]}" apply
	bg i1 "${C1[@]}" apply
	wait "${BG[@]}"
	assert_eq "round $i: both applied again" "0 0" "$(cat "$TMP/i0.rc") $(cat "$TMP/i1.rc")"
done

finish
