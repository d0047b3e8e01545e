#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/ab.sh A B [N] [ROUNDS] [cold|change|noop]: two builds of wgbastion
# side by side, on the same config of N forwards (bench/gen.py; default
# 10,000), ROUNDS rounds (default 12). Each build has a namespace and
# tunnel of its own, so that neither ever finds the other's records (a
# record or kept table left by another build is refused, and the table
# read back): what each is timed on is the path it takes by itself. The
# runs go A, B, B, A in every round (2 x ROUNDS runs a build), so a busy
# moment of this shared machine hits both alike.
#
#   change  (default) the config with one forward changed, then back:
#           each run is one change among N
#   noop    the same config again
#   cold    the table flushed and the run directory emptied before each
#
# Prints each build's median, first quartile and fastest (wall time of the
# whole process, as the bench takes it), then the median of the ratios
# B/A by round. Uses tests/lib.sh: a private mount namespace, and the
# namespaces and daemons it starts are gone on exit.
set -u
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/.." && pwd)
A=$(readlink -f "${1:?usage: bench/ab.sh A B [N] [ROUNDS] [cold|change|noop]}")
B=$(readlink -f "${2:?usage: bench/ab.sh A B [N] [ROUNDS] [cold|change|noop]}")
N=${3:-10000}
ROUNDS=${4:-12}
MODE=${5:-change}
case $MODE in cold | change | noop) ;; *) echo "ab.sh: mode cold, change or noop, not $MODE" >&2; exit 2 ;; esac
[ -x "$A" ] && [ -x "$B" ] || { echo "ab.sh: $1 or $2 is not an executable" >&2; exit 2; }
# shellcheck source=tests/lib.sh
. "$TOP/tests/lib.sh"

(umask 077; wg genkey >"$TMP/bastion.key")
wg genkey | wg pubkey >"$TMP/peer.pub"
for side in a b; do
	# the interface's name is the build's: wireguard-go's socket is by name
	for v in 0 1; do
		python3 "$TOP/bench/gen.py" config "$N" "$TMP/$side$v.conf" --key "$TMP/bastion.key" \
			--peer "$(cat "$TMP/peer.pub")" $([ $v = 1 ] && echo --change)
		sed -i "s/^Name = wg0\$/Name = ab$side/" "$TMP/$side$v.conf"
	done
	netns_add "ab$side"
	wg_dev_add "ab$side" "ab$side" || exit 1
	ns "ab$side" ip link set "ab$side" up
done
grep -q '^Name = aba$' "$TMP/a0.conf" || { echo "ab.sh: gen.py's config names no wg0" >&2; exit 1; }
# a config (or key) changed in the last 3 s has no stamp yet and is read
# whole by every run (config/config_input.c): let them settle, as the
# bench does, so that a no-op is timed as it runs on a settled machine
newest=$(stat -c %Z "$TMP"/*.conf "$TMP/bastion.key" | sort -n | tail -n 1)
age=$(($(date +%s) - newest))
[ "$age" -ge 4 ] || sleep $((4 - age))

# one SIDE BIN VARIANT: the wall time of one apply, in microseconds
one() {
	local t0 t1
	if [ "$MODE" = cold ]; then
		ns "ab$1" nft flush ruleset
		rm -rf "$(wgb_rundir "ab$1")"
	fi
	t0=$EPOCHREALTIME
	ns "ab$1" "$2" -c "$TMP/$1$3.conf" apply >/dev/null 2>"$TMP/err" || {
		echo "ab.sh: $2 failed:" >&2
		cat "$TMP/err" >&2
		exit 1
	}
	t1=$EPOCHREALTIME
	echo $((10#${t1/./} - 10#${t0/./}))
}
ns aba "$A" -c "$TMP/a0.conf" apply >/dev/null || exit 1
ns abb "$B" -c "$TMP/b0.conf" apply >/dev/null || exit 1
: >"$TMP/t.a"
: >"$TMP/t.b"
: >"$TMP/ratio"
pair() {	# TA TB
	echo "$1" >>"$TMP/t.a"
	echo "$2" >>"$TMP/t.b"
	echo "$2 $1" | awk '{ printf "%.4f\n", $1 / $2 }' >>"$TMP/ratio"
}
v1=0 v2=0
[ "$MODE" = change ] && v1=1
for ((r = 0; r < ROUNDS; r++)); do
	ta=$(one a "$A" $v1) || exit 1
	tb=$(one b "$B" $v1) || exit 1
	pair "$ta" "$tb"
	tb=$(one b "$B" $v2) || exit 1
	ta=$(one a "$A" $v2) || exit 1
	pair "$ta" "$tb"
done
stats() {	# file label
	sort -n "$1" | awk -v l="$2" '{ v[NR] = $1 } END {
		printf "%s: median %.1f ms, first quartile %.1f ms, fastest %.1f ms (%d runs)\n",
			l, v[int((NR + 1) / 2)] / 1000, v[int((NR + 3) / 4)] / 1000, v[1] / 1000, NR }'
}
rounds=rounds
[ "$ROUNDS" = 1 ] && rounds=round
echo "$MODE at $N forwards, $ROUNDS $rounds"
stats "$TMP/t.a" "A $A"
stats "$TMP/t.b" "B $B"
sort -n "$TMP/ratio" | awk '{ v[NR] = $1 } END { printf "B/A: median of the paired ratios %.3f (%d pairs)\n", v[int((NR + 1) / 2)], NR }'
