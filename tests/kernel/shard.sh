# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Sourced by tests/kernel/run.sh: which test scripts to run, and how to
# share them out between VMs.
#   tests_expand WORD...   suites and scripts -> TESTS (paths in the checkout)
#   tests_shard N          TESTS -> SHARDS[0..N-1], each a space separated list
#   durations_note NAME S  remember how long a test took (for next time)
#
# Under TCG a test takes minutes where it takes seconds natively, so the
# shares are balanced by each test's duration in the last run (a new test
# counts as 60 s), longest first onto the least loaded VM; within a VM the
# tests keep their order.

tests_expand() {
	local w t
	TESTS=()
	for w in "$@"; do
		case $w in
		kernel | integration | e2e)
			for t in "tests/$w"/*.test.sh; do
				[ -f "$t" ] && TESTS+=("$t")
			done
			;;
		*.test.sh)
			[ -f "$w" ] || die "no such test: $w"
			case $w in *[[:space:]]*) die "test paths with spaces are not supported: $w" ;; esac
			TESTS+=("$w")
			;;
		*) die "unknown suite $w (kernel, integration, e2e, or a .test.sh)" ;;
		esac
	done
}

tests_shard() {
	local n=$1 i t best
	local -A dur=() where=()
	local -a load=()
	if [ -f "$KDIR/durations" ]; then
		while read -r t i; do
			[[ $i =~ ^[0-9]+$ ]] && dur[$t]=$i
		done <"$KDIR/durations"
	fi
	for ((i = 0; i < n; i++)); do load[i]=0; done
	# longest first, each onto the VM with the least work so far
	while read -r _ t; do
		best=0
		for ((i = 1; i < n; i++)); do
			((load[i] < load[best])) && best=$i
		done
		load[best]=$((load[best] + ${dur[$t]:-60}))
		where[$t]=$best
	done < <(for t in "${TESTS[@]}"; do echo "${dur[$t]:-60} $t"; done | sort -s -rn -k1,1)
	SHARDS=()
	for ((i = 0; i < n; i++)); do SHARDS[i]=; done
	for t in "${TESTS[@]}"; do
		i=${where[$t]}
		SHARDS[i]+="${SHARDS[i]:+ }$t"
	done
}

durations_note() {
	printf '%s %s\n' "$1" "$2" >>"$KDIR/durations.new"
}

# Keep the newest duration of each test, and those of tests not run now.
durations_save() {
	[ -f "$KDIR/durations.new" ] || return 0
	cat "$KDIR/durations" "$KDIR/durations.new" 2>/dev/null |
		awk '{ d[$1] = $2 } END { for (t in d) print t, d[t] }' | sort >"$KDIR/durations.tmp" &&
		mv "$KDIR/durations.tmp" "$KDIR/durations"
	rm -f "$KDIR/durations.new"
}
