#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Valgrind-clean: wgbastion under memcheck says nothing (no error, no block
# definitely lost) and exits as it would without it. Every other suite runs
# the ASan/UBSan build; memcheck sees what they do not: bytes never written
# that go to the kernel in a netlink message or a file, and a use of memory
# ASan's quarantine has let go. Through:
#   - check of every example;
#   - apply cold, again (nothing to do), one forward changed (compared with
#     the table kept in the run directory), a rule deleted by hand (the
#     table read back and repaired), a dry run;
#   - show, show --json, show --prometheus, far-side, flush;
# of a config with every kind of forward (a range, both protocols, IPv6,
# Allow, AllowFile, RateLimit, ConnLimit, Log, Masquerade) and 300 more.
# lane: host only: memcheck under TCG is two slowdowns at once; the kernel backend's messages are memchecked by the memcheck suite (test_wg_kernel)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apply_common.sh"
. "$(dirname "$0")/nft_common.sh"

command -v valgrind >/dev/null ||
	{ echo "SKIP: valgrind is not installed (make deps installs it)"; exit 77; }
# the plain build: the sanitized one cannot run under valgrind
VGB=$WGB_TOP/${WGB_BUILD:-build}/wgbastion-test
[ -x "$VGB" ] || VGB=$WGB_TOP/wgbastion
VG=("${MEMCHECK[@]}" -q --error-exitcode=99)

# vg WHAT NS|- ARGS...: wgbastion ARGS under memcheck (in namespace NS):
# exit 0 (or $VG_RC) and not a word from memcheck
vg() {
	local what=$1 n=$2 want=${VG_RC:-0} rc
	shift 2
	if [ "$n" = - ]; then
		"${VG[@]}" "$VGB" "$@" >"$TMP/vg.out" 2>"$TMP/vg.err"
	else
		ns "$n" "${VG[@]}" "$VGB" "$@" >"$TMP/vg.out" 2>"$TMP/vg.err"
	fi
	rc=$?
	if [ "$rc" -eq "$want" ] && ! grep -q '^==[0-9]*==' "$TMP/vg.err"; then
		pass "$what: clean"
	else
		fail "$what: exit $rc"
		head -80 "$TMP/vg.err"
	fi
}

say "check of every example"
for f in "$WGB_TOP"/examples/*.conf "$WGB_TOP"/examples/*/*.conf; do
	vg "check ${f#"$WGB_TOP"/}" - -c "$f" check
done

say "apply, show, flush of every kind of forward and 300 more"
bastion_ns b
printf '198.51.100.0/24\n203.0.113.0/25\n' >"$TMP/allow.txt"
more() {	# [Forward]s m0..m299, the first one's destination $1
	local i
	for ((i = 0; i < 300; i++)); do
		printf '[Forward m%d]\nPort = %d\nDestination = 192.168.50.%d\n' \
			"$i" $((20000 + i)) $((i ? 20 + i % 200 : $1))
	done
}
extra=("[Forward rated]" "Port = 8101" "Destination = 192.168.50.12" "RateLimit = 3/minute"
	"[Forward capped]" "Port = 8102" "Destination = 192.168.50.12" "ConnLimit = 2"
	"[Forward logged]" "Port = 8103" "Destination = 192.168.50.12" "Log = yes"
	"[Forward listed]" "Port = 8104" "Destination = 192.168.50.12" "AllowFile = $TMP/allow.txt")
nft_config "$TMP/wg0.conf" "${extra[@]}" "$(more 10)"
nft_config "$TMP/wg0.b.conf" "${extra[@]}" "$(more 11)"
C=(-c "$TMP/wg0.conf")

vg "apply, cold" b "${C[@]}" apply
vg "apply, nothing to do" b "${C[@]}" apply
vg "apply, one forward changed" b -c "$TMP/wg0.b.conf" apply
vg "apply, back" b "${C[@]}" apply
T="inet wgbastion-wg0"
h=$(ns b nft -a list chain $T forward | sed -n 's/.*comment "ingress" # handle \([0-9]*\)$/\1/p')
if [ -n "$h" ] && ns b nft delete rule $T forward handle "$h"; then
	vg "apply, a rule deleted by hand" b "${C[@]}" apply
	assert_match "the rule is back" 'comment "ingress"' "$(ns b nft list chain $T forward)"
else
	fail "no ingress rule to delete"
fi
VG_RC=3 vg "apply --dry-run, a change to make (exit 3)" b -c "$TMP/wg0.b.conf" apply --dry-run
vg "show" b "${C[@]}" show
assert_match "show names a forward" "rated" "$(cat "$TMP/vg.out")"
vg "show --json" b "${C[@]}" show --json
vg "show --prometheus" b "${C[@]}" show --prometheus
vg "far-side" b "${C[@]}" far-side --endpoint 198.51.100.1
vg "flush" b "${C[@]}" flush
assert_eq "flush left no table" "" "$(ns b nft list tables)"

finish
