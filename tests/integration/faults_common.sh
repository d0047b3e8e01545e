#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A failure at every kernel write (issue 12's campaign): each write point
# (the link, every address, the device set, every rule and route message,
# every sysctl write, the nft batch) is made to fail in turn at each of its
# occurrences (WGBASTION_FAIL_AT=point#N, N = 1, 2, ... until the run no
# longer reaches it). Each failure must exit 1 and leave the namespace byte
# for byte as it was (full dumps: rules, every routing table, links,
# addresses, the nft ruleset, sysctls, records). The count of failures
# injected per point is reported, and every point must have been reached.
#
# faults_common.sh SCENARIO, run by one test script per scenario (each fits
# the kernel lane's per-test time):
#   fresh    apply from nothing          [a] eth0 ---- eth0 [a-out], wg0
#   change   apply of a config that changes every stage, over an earlier
#            apply                       [b] eth0 ---- eth0 [b-out], wg2
#   flush    flush of that config        [b], wg2
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apply_common.sh"

POINTS=(wg:link wg:addr wg:set route:rule route:route sysctl:write nft:batch)
TOTAL=0

# snapshot, but the run directory's records compared line by line in any
# order: a rollback may write the sysctl record's lines in another order
dump() { snapshot "$1" | awk '/^## records/ { r = 1 } { if (r) print | "sort"; else print }'; }

# campaign NS WHAT START ARGS...: every point#N of `wgbastion ARGS` in NS,
# each run from the state the command START makes (run before each point:
# the run that no longer fails has changed the state), each failed run
# compared with a full dump taken just before it
campaign() {
	local n=$1 what=$2 start=$3 p k out rc
	shift 3
	for p in "${POINTS[@]}"; do
		eval "$start" || fail "$what: cannot set up the start for $p"
		for k in $(seq 1 200); do
			dump "$n" >"$TMP/before-$n"
			out=$(ns "$n" env WGBASTION_FAIL_AT="$p#$k" "$WGB" "$@" 2>&1); rc=$?
			if [ "$rc" = 0 ]; then
				break
			fi
			TOTAL=$((TOTAL + 1))
			[ "$rc" = 1 ] || fail "$what: fail at $p#$k: exit $rc, wanted 1"
			case $out in *"injected failure"*) ;; *) fail "$what: fail at $p#$k: the error does not say so: $out" ;; esac
			dump "$n" >"$TMP/after-$n"
			if ! cmp -s "$TMP/before-$n" "$TMP/after-$n"; then
				fail "$what: fail at $p#$k: the namespace changed"
				diff -u "$TMP/before-$n" "$TMP/after-$n" | sed 's/^/    /' | head -40
			fi
		done
		echo "    $what: $p failed at each of its $((k - 1)) occurrence(s), each rolled back"
		[ "$k" -gt 1 ] || fail "$what: $p was never reached"
	done
}

# the earlier config of [b], and one that changes every stage: a new
# address, MTU and peer, another Table, Mark and Priority, IPv6
configs_b() {
	write_config "$TMP/b1.conf" wg2 ""
	write_config "$TMP/b2.conf" wg2 v6 "Table = 51830" "Mark = 0x4000000/0x4000000" "Priority = 5300"
	sed -i 's/^\[Interface\]$/[Interface]\nMTU = 1380/' "$TMP/b2.conf"
	keypair extra
	printf '\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.102.0.3/32\n' "$(cat "$TMP/extra.pub")" >>"$TMP/b2.conf"
}

case ${1:-} in
fresh)
	say "apply, from nothing"
	bastion_ns a
	write_config "$TMP/a.conf" wg0 v6
	campaign a "apply from nothing" 'wgb a -c "$TMP/a.conf" flush >/dev/null' -c "$TMP/a.conf" apply ;;
change)
	say "apply, changing every stage"
	bastion_ns b
	configs_b
	campaign b "apply of a change" \
		'wgb b -c "$TMP/b2.conf" flush >/dev/null && wgb b -c "$TMP/b1.conf" apply >/dev/null' -c "$TMP/b2.conf" apply ;;
flush)
	say "flush"
	bastion_ns b
	configs_b
	POINTS=(wg:link route:rule route:route sysctl:write nft:batch)	# a flush sets no address nor peer
	campaign b "flush" \
		'wgb b -c "$TMP/b1.conf" flush >/dev/null && wgb b -c "$TMP/b2.conf" apply >/dev/null' -c "$TMP/b2.conf" flush ;;
*)
	echo "faults_common.sh: fresh, change or flush" >&2
	exit 2 ;;
esac

echo "    $TOTAL failures injected in all"
assert_rc "at least one failure per point ($TOTAL for ${#POINTS[@]} points)" 0 test "$TOTAL" -ge "${#POINTS[@]}"
finish
