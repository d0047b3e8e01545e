#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/ab.sh, the side-by-side timing of two builds: it runs each mode
# on namespaces of its own and prints both builds' figures and the paired
# ratio; a build that fails is said, and the run fails.
. "$(dirname "$0")/../lib.sh"

AB=$WGB_TOP/bench/ab.sh
# ab.sh makes its own mount namespace: not this test's
ab() { env -u WGB_PRIVATE_RUN "$AB" "$@"; }

for mode in change noop cold; do
	say "$mode"
	out=$(ab "$WGB" "$WGB" 10 1 "$mode" 2>&1)
	rc=$?
	assert_eq "$mode: exit" 0 "$rc"
	assert_match "$mode: says what it ran" "^$mode at 10 forwards, 1 round$" "$out"
	assert_match "$mode: A's figures" '^A .*: median [0-9.]+ ms, first quartile [0-9.]+ ms, fastest [0-9.]+ ms \(2 runs\)$' "$out"
	assert_match "$mode: B's figures" '^B .*: median [0-9.]+ ms, first quartile [0-9.]+ ms, fastest [0-9.]+ ms \(2 runs\)$' "$out"
	assert_match "$mode: the paired ratio" '^B/A: median of the paired ratios [0-9.]+ \(2 pairs\)$' "$out"
done

say "a build that fails"
printf '#!/bin/sh\necho "no such thing" >&2\nexit 1\n' >"$TMP/broken"
chmod +x "$TMP/broken"
out=$(ab "$WGB" "$TMP/broken" 10 1 change 2>&1)
rc=$?
assert_eq "exit 1" 1 "$rc"
assert_match "said, with its message" 'no such thing' "$out"
assert_nomatch "no figures" '^B/A' "$out"

say "bad arguments"
out=$(ab "$WGB" "$WGB" 10 1 sideways 2>&1)
assert_eq "an unknown mode: exit 2" 2 "$?"
assert_match "named" 'mode cold, change or noop, not sideways' "$out"
out=$(ab "$WGB" "$TMP/none" 2>&1)
assert_eq "no such build: exit 2" 2 "$?"
finish
