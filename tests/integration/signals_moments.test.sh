#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# SIGHUP, SIGTERM and SIGINT at several moments of an apply and of a flush
# (issue 12 #4): whatever the moment, what is left is either the whole old
# state or the whole new state, compared by full dumps (nft table, ip
# rule, every routing table, wg show, link, sysctls), and the exit status
# says which: 0 or 128+SIG after completing (new state), 128+SIG when the
# signal came before anything was touched (old state), 1 after a rollback
# (old state). A second signal does not cut the run short. The userspace
# WireGuard is slowed down (its launcher stays 0.9 s after the device is
# up), so the moments fall before, inside and after the link's creation.
# Topology: see wg_common.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/wg_common.sh"

wg_userspace || { echo "SKIP: the slow-daemon window needs the userspace backend (kernel lane: not run)"; exit 77; }

wg_topology
write_conf "PersistentKeepalive = 5" "[Forward web]
Port = 443
Destination = 192.168.50.10

[Egress lan]
Source = 192.168.50.0/24"

cat >"$TMP/wg-go-slow" <<EOF
#!/bin/sh
"$TMP/wg-go-logged" "\$@"; rc=\$?
sleep 0.9
exit \$rc
EOF
chmod +x "$TMP/wg-go-slow"

dump() {
	{
		ns bastion wg show wg0 dump 2>&1 | awk -F'\t' 'NR == 1 {print $2, $3, $4; next} {print $1, $4, $8}'
		ns bastion ip -o link show wg0 2>&1 | grep -o 'state [A-Z]*\|UP' | head -1
		ns bastion ip -br addr show dev wg0 2>&1
		ns bastion nft list table inet wgbastion-wg0 2>&1 | sed 's/packets [0-9]* bytes [0-9]*//'
		ns bastion ip rule show; ns bastion ip -6 rule show
		ns bastion ip route show table all | grep -v 'table local'
		ns bastion ip -6 route show table all | grep -v 'table local'
		ns bastion sysctl -n net.ipv4.ip_forward net.ipv4.conf.all.rp_filter
	} 2>&1
}

slow_wgb() {	# exec all the way down: $! is wgbastion itself
	exec ip netns exec bastion env WG_QUICK_USERSPACE_IMPLEMENTATION="$TMP/wg-go-slow" "$WGB" -c "$CONF" "$@"
}

assert_rc "reference apply" 0 wgb bastion -c "$CONF" apply
new=$(dump)
assert_rc "reference flush" 0 wgb bastion -c "$CONF" flush
old=$(dump)
[ "$old" != "$new" ] && pass "old and new differ" || fail "old and new dumps are the same"

tried=0; passed=0
check() {	# check WHAT SIG RC OLD NEW: one outcome
	local what=$1 sig=$2 rc=$3 o=$4 nw=$5 n st
	case $sig in HUP) n=1 ;; INT) n=2 ;; TERM) n=15 ;; esac
	st=$(dump)
	tried=$((tried + 1))
	if [ "$st" = "$nw" ] && { [ "$rc" = 0 ] || [ "$rc" = $((128 + n)) ]; }; then
		passed=$((passed + 1)); pass "$what: new state, exit $rc"
	elif [ "$st" = "$o" ] && { [ "$rc" = 1 ] || [ "$rc" = $((128 + n)) ]; }; then
		passed=$((passed + 1)); pass "$what: old state, exit $rc"
	else
		fail "$what: exit $rc, and the state is neither the old nor the new one"
		diff <(echo "$nw") <(echo "$st") | head -20
	fi
}

for sig in HUP TERM INT; do
	for delay in 0.01 0.1 0.3 0.6 1.0 1.4; do
		(slow_wgb apply >"$TMP/sig.out" 2>&1) &
		pid=$!
		sleep "$delay"
		kill -s "$sig" "$pid" 2>/dev/null
		wait "$pid"; rc=$?
		check "apply, SIG$sig after ${delay}s" "$sig" "$rc" "$old" "$new"
		# back to the old state for the next moment
		wgb bastion -c "$CONF" flush >/dev/null 2>&1
		[ "$(dump)" = "$old" ] || fail "flush did not restore the old state"
	done
done

say "a second signal does not cut the run short"
(slow_wgb apply >"$TMP/sig.out" 2>&1) &
pid=$!
sleep 0.3; kill -TERM "$pid" 2>/dev/null; sleep 0.2; kill -INT "$pid" 2>/dev/null; kill -HUP "$pid" 2>/dev/null
wait "$pid"; rc=$?
check "apply, SIGTERM then SIGINT and SIGHUP" TERM "$rc" "$old" "$new"

say "flush at several moments"
for sig in HUP TERM INT; do
	for delay in 0.005 0.03 0.1; do
		assert_rc "apply before flush" 0 wgb bastion -c "$CONF" apply
		(slow_wgb flush >"$TMP/sig.out" 2>&1) &
		pid=$!
		sleep "$delay"
		kill -s "$sig" "$pid" 2>/dev/null
		wait "$pid"; rc=$?
		check "flush, SIG$sig after ${delay}s" "$sig" "$rc" "$new" "$old"
	done
done

echo "signal moments: $passed passed out of $tried tried"
wgb bastion -c "$CONF" flush >/dev/null 2>&1
finish
