#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs the test suites and ends with one line: "N passed, N failed, N skipped".
#   tests/run.sh                 every suite
#   tests/run.sh unit examples   just those
#   tests/run.sh tests/e2e/x.test.sh   one test script (as root)
# Suites: unit (plain and sanitized Check binaries), memcheck (the plain
# ones under valgrind), examples (each example passes `check`), docs (man
# page, completions, units, install; no root), pkg (root; the Debian
# package installed in a throw-away root), integration (root; each test in
# its own namespaces), e2e (root; real tunnels), kernel (kernel WireGuard
# under qemu).
# A test script exits 0 pass, 77 skip (and says why), anything else fail.
# WGB_NO_SKIP=1 (CI sets it: .ci/run) makes every skip a failure, the kernel
# lane's included: a fresh machine after `make deps` must run everything.
set -u
cd "$(dirname "$0")/.."
# shellcheck source=tests/env.sh
. tests/env.sh
pass=0 fail=0 skip=0
failed_names=()
B=${WGB_BUILD:-build}
# Kernel tests run the sanitized build (it has the WGBASTION_FAIL_AT hook
# too): a leak or undefined behaviour aborts it, which the tests' exit-status
# assertions catch. Falls back to the plain test build where it is missing.
if [ -z "${WGB_BIN:-}" ]; then
	WGB_BIN=$PWD/$B/wgbastion-test
	[ -x "$PWD/$B/wgbastion-asan" ] && WGB_BIN=$PWD/$B/wgbastion-asan
fi
export WGB_BIN
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

ok()   { pass=$((pass + 1)); printf 'PASS  %s\n' "$1"; }
bad()  { fail=$((fail + 1)); failed_names+=("$1"); printf 'FAIL  %s\n' "$1"; }
skp() {
	if [ -n "${WGB_NO_SKIP:-}" ]; then
		bad "$1 (skipped, and WGB_NO_SKIP is set: $2)"
		return
	fi
	skip=$((skip + 1))
	printf 'SKIP  %s: %s\n' "$1" "$2"
}

# A Check binary's output $1, its summary line printed as from $2: the
# caller's n, f, e set to its tests, failures and errors ("100%: Checks:
# 12, Failures: 0, Errors: 0"); n empty when there is no summary.
check_counts() {
	printf '%s\n' "$1" | grep -E '^[0-9]+%: Checks' | sed "s|^|      $2: |"
	n=$(printf '%s\n' "$1" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p' | tail -1)
	f=$(printf '%s\n' "$1" | sed -n 's/.*Failures: \([0-9]*\).*/\1/p' | tail -1)
	e=$(printf '%s\n' "$1" | sed -n 's/.*Errors: \([0-9]*\).*/\1/p' | tail -1)
}

run_unit() {
	local b out n f e
	for b in "$B"/obj/test_* "$B"/asan/test_*; do
		[ -x "$b" ] || continue
		# Check's default 4 s per test is a hang guard, not a speed
		# target: under ASan on a loaded machine a busy test took longer
		out=$(CK_FORK=yes CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-60} "$b" 2>&1)
		check_counts "$out" "$b"
		if [ -z "$n" ]; then
			printf '%s\n' "$out" | tail -20
			bad "$b (no Check summary: crashed?)"
			continue
		fi
		pass=$((pass + n - f - e))
		if [ $((f + e)) -gt 0 ]; then
			printf '%s\n' "$out" | grep -vE '^[0-9]+%: Checks|^Running suite' | head -40
			for ((i = 0; i < f + e; i++)); do bad "$b"; done
		fi
	done
}

# The plain unit binaries again, under valgrind's memcheck, each in one
# process (CK_FORK=no: memcheck then reports once, for all its tests): a
# binary passes when its tests pass and memcheck counts no error and no
# block definitely lost. It sees what ASan does not: a branch on bytes
# never written, bytes never written handed to the kernel.
run_memcheck() {
	local b name out n f e
	if ! command -v valgrind >/dev/null; then
		skp memcheck "valgrind is not installed (make deps installs it)"
		return
	fi
	for b in "$B"/obj/test_*; do
		[ -x "$b" ] || continue
		name=${b##*/}
		# test_wipe interposes free and realloc to look at what is
		# handed back; under memcheck, whose allocator takes them,
		# it sees nothing
		[ "$name" = test_wipe ] && continue
		out=$(CK_FORK=no "${MEMCHECK[@]}" --child-silent-after-fork=yes \
			--log-file="$B/memcheck-$name.log" "$b" 2>&1)
		check_counts "$out" "$b (memcheck)"
		if [ -z "$n" ]; then
			printf '%s\n' "$out" | tail -20
			bad "$b under memcheck (no Check summary: crashed?)"
		elif [ $((f + e)) -gt 0 ]; then
			printf '%s\n' "$out" | grep -vE '^[0-9]+%: Checks|^Running suite' | head -40
			bad "$b under memcheck ($((f + e)) of $n tests failed)"
		elif ! grep -q 'ERROR SUMMARY: 0 errors' "$B/memcheck-$name.log"; then
			grep -v '^==[0-9]*== *$' "$B/memcheck-$name.log" | head -60
			bad "$b under memcheck (errors: $B/memcheck-$name.log)"
		else
			ok "$b under memcheck ($n tests)"
			rm -f "$B/memcheck-$name.log"
		fi
	done
}

run_examples() {
	local f
	for f in examples/*.conf examples/*/*.conf; do
		[ -f "$f" ] || continue
		if out=$(./wgbastion -c "$f" check 2>&1); then
			ok "example $f"
		else
			printf '%s\n' "$out"
			bad "example $f"
		fi
	done
}

# Scripts in a directory; each is its own test.
run_scripts() {
	local dir=$1 t
	if [ "${2:-}" != noroot ] && [ "$(id -u)" != 0 ]; then
		skp "$dir" "needs root (network namespaces)"
		return
	fi
	for t in "$dir"/*.test.sh; do
		[ -f "$t" ] && run_script "$t"
	done
}

# A failing script's last 60 lines are printed, and its whole log kept in
# $B/test-logs: a test of many rounds may show its first sign of trouble long
# before its last lines.
run_script() {
	local t=$1 rc log kept
	log=$(mktemp)
	timeout --kill-after=10 "${WGB_TEST_TIMEOUT:-300}" bash "$t" >"$log" 2>&1
	rc=$?
	case $rc in
	0) ok "$t" ;;
	77) skp "$t" "$(grep -m1 '^SKIP' "$log" || echo 'said skip')" ;;
	*)
		sed 's/^/      /' "$log" | tail -60
		kept=$B/test-logs/$(basename "$t" .test.sh).log
		if mkdir -p "$B/test-logs" && cp "$log" "$kept"; then
			echo "      (the whole log, $(wc -l <"$log") lines: $kept)"
		fi
		bad "$t (exit $rc)"
		;;
	esac
	[ -n "${WGB_TEST_VERBOSE:-}" ] && cat "$log"
	rm -f "$log"
}

run_kernel() {
	local rc
	./tests/kernel/run.sh
	rc=$?
	case $rc in
	0) ok "kernel lane" ;;
	77) skp "kernel lane" "see SKIP above" ;;
	*) bad "kernel lane (exit $rc)" ;;
	esac
}

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit memcheck examples docs pkg integration e2e kernel)
for s in "${suites[@]}"; do
	echo "== $s"
	case $s in
	unit) run_unit ;;
	memcheck) run_memcheck ;;
	examples) run_examples ;;
	docs) run_scripts tests/docs noroot ;;
	pkg) run_scripts tests/pkg ;;
	integration) run_scripts tests/integration ;;
	e2e) run_scripts tests/e2e ;;
	kernel) [ -x tests/kernel/run.sh ] && run_kernel || skp kernel "tests/kernel/run.sh not present" ;;
	# one test script (the kernel lane runs its share of tests this way)
	*.test.sh) [ -f "$s" ] && run_script "$s" || bad "$s (no such test)" ;;
	*) echo "unknown suite $s" >&2; exit 2 ;;
	esac
done

echo
[ $fail -gt 0 ] && printf 'failed: %s\n' "${failed_names[@]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
