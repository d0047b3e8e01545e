# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Sourced by tests/kernel/run.sh: which test scripts to run, and handing
# them out to the VMs one at a time.
#   tests_expand WORD...   suites and scripts -> TESTS (paths in the checkout)
#   queue_init             TESTS -> the queue, longest first
#   queue_next VM          the next test for a VM -> NEXT="script:timeout",
#                          empty when the queue is
#   durations_note NAME S  remember how long a test took (for next time)
#   durations_save
#
# Under TCG a test takes minutes where it takes seconds natively, and how
# long varies twofold with the machine's load: so the VMs take tests from
# one queue as they finish the last, in order of what only the lane can
# prove (queue_class), longest first within that (by each test's duration
# in the previous run, a new test counting as 60 s), and all end within
# about one test of each other. A test that would not finish before the
# lane's budget runs out is not started: a SKIP that says so.

tests_expand() {
	local w t
	TESTS=()
	for w in "$@"; do
		case $w in
		kernel | integration | e2e)
			for t in "tests/$w"/*.test.sh; do
				# the e2e control with the shell reference bastion runs no
				# wgbastion code and proves the topology whatever WireGuard
				# carries it: the host's run has it, the lane spends its
				# time on wgbastion (named alone, it runs here too)
				[ "$t" = tests/e2e/reference.test.sh ] && continue
				# a test whose subject is the userspace backend itself says
				# so in a "# lane: host only: REASON" line: the host's run
				# proves it, the lane names it and does not count a skip
				if grep -q '^# lane: host only' "$t"; then
					echo "kernel lane: not run here: $t ($(sed -n 's/^# lane: host only: //p' "$t" | head -n 1))"
					continue
				fi
				[ -f "$t" ] && TESTS+=("$t")
			done
			;;
		*.test.sh)
			[ -f "$w" ] || die "no such test: $w"
			case $w in *[[:space:]]* | *:*) die "test paths with spaces or colons are not supported: $w" ;; esac
			TESTS+=("$w")
			;;
		*) die "unknown suite $w (kernel, integration, e2e, or a .test.sh)" ;;
		esac
	done
}

# What the lane alone can prove comes first, so that when the budget is
# short (a busy machine), what is left out is what the host's own run
# covers best:
#   0  the lane's own tests: the lane works, wgbastion used kernel WireGuard
#      (never left out for time)
#   1  end to end through kernel WireGuard tunnels
#   2  the WireGuard and nftables stages (genetlink; 6.1's nf_tables)
#   3  the other integration tests
#   4  the e2e control with the shell reference bastion (no wgbastion code)
queue_class() {
	case $1 in
	tests/kernel/*) echo 0 ;;
	tests/e2e/reference.test.sh) echo 4 ;;
	tests/e2e/*) echo 1 ;;
	tests/integration/wg_* | tests/integration/nft*) echo 2 ;;
	*) echo 3 ;;
	esac
}

# The queue file: "seconds script" lines, by class, then longest first.
queue_init() {
	local t s
	local -A dur=()
	if [ -f "$KDIR/durations" ]; then
		while read -r t s; do
			[[ $s =~ ^[0-9]+$ ]] && dur[$t]=$s
		done <"$KDIR/durations"
	fi
	for t in "${TESTS[@]}"; do
		echo "$(queue_class "$t") ${dur[$t]:-60} $t"
	done | sort -s -k1,1n -k2,2rn | cut -d' ' -f2- >"$KDIR/queue"
}

# Called by each VM's console reader (a subshell): the queue file is shared,
# so it is popped under a lock. DEADLINE is in the host's $SECONDS.
queue_next() {
	local vm=$1 est t left limit line
	NEXT=
	exec 8>"$KDIR/queue.lock"
	flock 8
	while line=$(head -n 1 "$KDIR/queue") && [ -n "$line" ]; do
		sed -i 1d "$KDIR/queue"
		read -r est t <<<"$line"
		left=$((DEADLINE - SECONDS))
		# durations vary by half from run to run: a test cut off by the
		# budget has run for nothing, and fails
		if [ "$left" -lt $((est * 3 / 2)) ] && [ "$(queue_class "$t")" != 0 ]; then
			[ "$left" -lt 0 ] && left=0
			# on the VM's record, as if it had said so
			echo "$P SKIP  $t: not started: it took ${est}s last time, ${left}s are left of the lane's budget (WGB_KERNEL_TIMEOUT); run it alone with tests/kernel/run.sh $t" |
				tee -a "$KDIR/console-$vm.log" | sed "s/^$P //"
			continue
		fi
		limit=${WGB_TEST_TIMEOUT:-300}
		if [ "$left" -lt "$limit" ]; then
			limit=$left
			[ "$limit" -lt 10 ] && limit=10
			echo "$t" >>"$KDIR/capped"	# its timeout is the budget's end
		fi
		# shellcheck disable=SC2034 # read by vm_run
		NEXT=$t:$limit
		break
	done
	exec 8>&-
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
