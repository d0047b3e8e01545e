#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# SIGHUP, SIGTERM and SIGINT during apply or flush never leave a half
# applied state (SPEC §5): the run completes (or rolls back), then the
# process ends by the signal. A slow userspace WireGuard (its parent stays
# 0.9 s after the device is up) holds apply inside the window where the
# link exists with no key yet; the signal lands there. Before the fix,
# SIGHUP left the link down and keyless.
# Topology: see wg_common.sh.
# lane: host only: the slow-daemon window is a userspace WireGuard's
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/wg_common.sh"

wg_userspace || { echo "SKIP: the slow-daemon window needs the userspace backend (kernel lane: not run)"; exit 77; }

wg_topology
write_conf "" "[Forward web]
Port = 443
Destination = 192.168.50.10"

cat >"$TMP/wg-go-slow" <<EOF
#!/bin/sh
"$TMP/wg-go-logged" "\$@"; rc=\$?
sleep 0.9
exit \$rc
EOF
chmod +x "$TMP/wg-go-slow"

# the whole state this instance owns, as the tools show it
dump() {
	{
		ns bastion wg show wg0 dump 2>&1 | awk -F'\t' 'NR == 1 {print $2, $3, $4; next} {print $1, $4}'
		ns bastion ip -o link show wg0 2>&1 | grep -o 'state [A-Z]*\|UP' | head -1
		ns bastion nft list table inet wgbastion-wg0 2>&1 | grep -c .
		ns bastion ip rule show
		ns bastion ip route show table all | grep -v 'table local'
		ns bastion sysctl -n net.ipv4.ip_forward
	} 2>&1
}

assert_rc "reference apply" 0 wgb bastion -c "$CONF" apply
want=$(dump)
assert_rc "reference flush" 0 wgb bastion -c "$CONF" flush
empty=$(dump)

for sig in HUP TERM INT; do
	say "SIG$sig while the link is new"
	# exec all the way down: $! is wgbastion itself
	(exec ip netns exec bastion env WG_QUICK_USERSPACE_IMPLEMENTATION="$TMP/wg-go-slow" \
		"$WGB" -c "$CONF" apply >"$TMP/sig.out" 2>&1) &
	pid=$!
	for _ in $(seq 200); do
		ns bastion ip link show wg0 >/dev/null 2>&1 && break
		sleep 0.02
	done
	ns bastion ip link show wg0 >/dev/null 2>&1 && pass "link appeared" || fail "link never appeared"
	kill -s "$sig" "$pid"
	wait "$pid"; rc=$?
	case $sig in HUP) n=1 ;; INT) n=2 ;; TERM) n=15 ;; esac
	assert_eq "SIG$sig: ends by the signal, after the run" "$((128 + n))" "$rc"
	assert_match "SIG$sig: says it waited" "SIG$sig arrived during apply" "$(cat "$TMP/sig.out")"
	assert_eq "SIG$sig: the state is the whole new state" "$want" "$(dump)"
	assert_rc "SIG$sig: apply after it" 0 wgb bastion -c "$CONF" apply
	assert_eq "SIG$sig: in sync" "in sync" "$(cat "$TMP/out")"

	say "SIG$sig during flush"
	: >"$TMP/sig.out"
	(exec ip netns exec bastion "$WGB" -c "$CONF" flush >"$TMP/sig.out" 2>&1) &
	pid=$!
	# the plan is printed once flush holds the lock (and the signals):
	# the signal lands while it removes things
	for _ in $(seq 250); do
		grep -q '^- ' "$TMP/sig.out" && break
		sleep 0.02
	done
	kill -s "$sig" "$pid" 2>/dev/null
	wait "$pid"; rc=$?
	# a quick flush may be over before the signal arrives: either way
	# the signal is acted on only once the state is whole
	{ [ "$rc" = 0 ] || [ "$rc" = "$((128 + n))" ]; } && pass "SIG$sig: flush ended (exit $rc)" || fail "SIG$sig: flush exit $rc"
	assert_eq "SIG$sig: flush left nothing" "$empty" "$(dump)"
	assert_rc "SIG$sig: flush after it" 0 wgb bastion -c "$CONF" flush
	assert_eq "SIG$sig: nothing more to flush" "in sync" "$(cat "$TMP/out")"
done

finish
