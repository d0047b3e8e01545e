# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Sourced by every test that touches the kernel. It:
#  - sets the environment tests depend on (tests/env.sh);
#  - re-executes the test in a private mount namespace with a fresh tmpfs on
#    /run, so `ip netns` names, /run/wireguard/*.sock (wireguard-go's UAPI
#    sockets) and /run/wgbastion (our lock and state) are the test's own;
#    nothing it creates is visible to, or can collide with, the machine or
#    another test, and the namespaces vanish with the test;
#  - never touches the root network namespace: everything runs through
#    `ns NAME cmd` (ip netns exec);
#  - stops the daemons it started, by PID, on any exit.
#
# Use:   . "$(dirname "$0")/../lib.sh"
#        netns_add bastion; ns bastion ip link ...; assert_eq ...
set -u
# shellcheck source=tests/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [ -z "${WGB_PRIVATE_RUN:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
	export WGB_PRIVATE_RUN=1
	exec unshare --mount --propagation private bash "$0" "$@"
fi
mount -t tmpfs -o mode=0755 wgb-test-run /run
mkdir -p /run/netns /run/wireguard

WGB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WGB=${WGB_BIN:-$WGB_TOP/build/wgbastion-test}
[ -x "$WGB" ] || WGB=$WGB_TOP/wgbastion
TMP=$(mktemp -d /tmp/wgbtest.XXXXXX)
WGB_NETNS=()
WGB_PIDS=()
WGB_FAILS=0

wgb_cleanup() {
	local p n
	for p in "${WGB_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${WGB_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	# wireguard-go daemons started by wgbastion itself exit with their link
	for n in "${WGB_NETNS[@]}"; do
		ip netns pids "$n" 2>/dev/null | while read -r p; do kill "$p" 2>/dev/null; done
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap wgb_cleanup EXIT
trap 'exit 130' INT TERM

netns_add() {
	local n
	for n in "$@"; do
		ip netns add "$n" || exit 1
		WGB_NETNS+=("$n")
		ip -n "$n" link set lo up
	done
}

ns() { local n=$1; shift; ip netns exec "$n" "$@"; }

# Run a command in the background in a namespace, remember its PID.
ns_bg() { local n=$1; shift; ip netns exec "$n" "$@" & WGB_PIDS+=($!); }

# veth pair: veth NS1 IF1 NS2 IF2
veth() { ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" && ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up; }

# A WireGuard device in a namespace, for the far side of a tunnel (or a
# stage test). WGB_WG_BACKEND=kernel (the kernel lane sets it) makes a kernel
# device; otherwise a wireguard-go daemon, whose PID we remember.
wg_dev_add() {
	local n=$1 dev=$2 i
	if [ "${WGB_WG_BACKEND:-userspace}" = kernel ]; then
		ns "$n" ip link add "$dev" type wireguard
		return
	fi
	ns "$n" env WG_PROCESS_FOREGROUND=1 wireguard-go "$dev" >"$TMP/wg-go-$n-$dev.log" 2>&1 &
	WGB_PIDS+=($!)
	for i in $(seq 50); do
		[ -S "/run/wireguard/$dev.sock" ] && ns "$n" ip link show "$dev" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "wireguard-go $dev did not come up in $n" >&2
	cat "$TMP/wg-go-$n-$dev.log" >&2
	return 1
}

wgb() { local n=$1; shift; ns "$n" "$WGB" "$@"; }

# The run directory wgbastion keeps namespace N's records and locks in
# (core/rundir.h): /run/wgbastion/ns-COOKIE, the namespace's cookie
# (SO_NETNS_COOKIE, 71); tests never run it in PID 1's namespace, whose
# directory is the plain /run/wgbastion.
wgb_rundir() {
	local c
	c=$(ns "$1" python3 -c 'import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(int.from_bytes(s.getsockopt(socket.SOL_SOCKET, 71, 8), "little"))') || return 1
	echo "/run/wgbastion/ns-$c"
}

say() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; WGB_FAILS=$((WGB_FAILS + 1)); }
pass() { printf 'ok: %s\n' "$*"; }
assert_eq() {	# what expected actual
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1: expected [$2], got [$3]"; fi
}
assert_rc() {	# what expected-rc cmd...
	local what=$1 want=$2 rc; shift 2
	"$@" >"$TMP/out" 2>&1; rc=$?
	if [ "$rc" = "$want" ]; then pass "$what (exit $rc)"; else fail "$what: exit $rc, wanted $want"; sed 's/^/    /' "$TMP/out"; fi
}
assert_match() {	# what regex text
	if printf '%s\n' "$3" | grep -qE -- "$2"; then pass "$1"; else fail "$1: /$2/ not in:"; printf '%s\n' "$3" | sed 's/^/    /'; fi
}
assert_nomatch() {
	if printf '%s\n' "$3" | grep -qE -- "$2"; then fail "$1: /$2/ unexpectedly in:"; printf '%s\n' "$3" | sed 's/^/    /'; else pass "$1"; fi
}
# Call at the end of the test: exit status from the assertions.
finish() { [ "$WGB_FAILS" -eq 0 ] && { echo "all assertions passed"; exit 0; }; echo "$WGB_FAILS assertion(s) failed"; exit 1; }

# Make a key pair: keypair NAME -> $TMP/NAME.key (0600), $TMP/NAME.pub
keypair() { (umask 077; wg genkey >"$TMP/$1.key"); wg pubkey <"$TMP/$1.key" >"$TMP/$1.pub"; }
