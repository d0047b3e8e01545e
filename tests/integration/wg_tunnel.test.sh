#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The WireGuard stage end to end: wgbastion brings up the bastion's device
# from [Interface]/[Peer]; the far side, set up with wg and ip, dials in.
# A handshake happens and ping crosses both ways; a second apply, and one
# with an unrelated change, write nothing and keep the session; flush
# removes the link and its daemon. Topology: see wg_common.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/wg_common.sh"

wg_topology
write_conf

say "dry run changes nothing"
assert_rc "dry run reports changes" 3 wgb bastion -c "$CONF" apply --dry-run
out=$(cat "$TMP/out")
assert_match "plan creates the link" '^\+ link wg0 \((kernel|userspace: .+)\)$' "$out"
assert_match "plan adds the peer" "^\+ peer $FARPUB_RE allowed-ips 10.100.0.2/32, 192.168.50.0/24$" "$out"
assert_match "plan adds the address" '^\+ address 10.100.0.1/24 dev wg0$' "$out"
assert_rc "no link after dry run" 1 ns bastion ip link show wg0

say "apply"
assert_rc "apply" 0 wgb bastion -c "$CONF" apply
ns bastion ip link show wg0 >/dev/null 2>&1 && pass "link exists" || fail "no link wg0"
assert_eq "public key" "$(cat "$TMP/bastion.pub")" "$(ns bastion wg show wg0 public-key)"
assert_eq "listen port" "51820" "$(ns bastion wg show wg0 listen-port)"
assert_eq "peer allowed ips" "$FARPUB	10.100.0.2/32 192.168.50.0/24" \
	"$(ns bastion wg show wg0 allowed-ips)"
assert_match "address" 'inet 10.100.0.1/24' "$(ns bastion ip -4 addr show dev wg0)"
assert_match "link up, mtu 1420" 'mtu 1420 .*state (UP|UNKNOWN)' "$(ns bastion ip link show wg0)"
if wg_userspace; then
	[ -S /run/wireguard/wg0.sock ] && pass "userspace socket" || fail "no /run/wireguard/wg0.sock"
	# apply no longer walks /proc for the daemon; show still names it
	assert_rc "show" 0 wgb bastion -c "$CONF" show
	pid=$(sed -n 's/.*userspace: wireguard-go, pid \([0-9]\+\).*/\1/p' "$TMP/out" | head -1)
	[ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = wireguard-go ] &&
		pass "show names the daemon and its pid ($pid)" || fail "show: no daemon pid in: $(grep -i userspace "$TMP/out")"
else
	assert_match "kernel device" 'wireguard' "$(ns bastion ip -d link show wg0)"
fi

say "handshake and ping both ways"
wait_handshake && pass "far -> bastion ping" || fail "far -> bastion ping"
assert_rc "bastion -> far ping" 0 nsping bastion -c2 -W2 10.100.0.2
hs1=$(handshake_of "$FARPUB")
[ "${hs1:-0}" -gt 0 ] && pass "handshake recorded ($hs1)" || fail "no handshake on the bastion"
sleep 1.2	# a new handshake would now show a newer timestamp
u1=$(daemon_log_count 'UAPI: ')
i1=$(daemon_log_count 'handshake initiation')

say "second apply writes nothing"
ns_bg bastion ip monitor link address >"$TMP/monitor" 2>&1
sleep 0.3
assert_rc "second apply" 0 wgb bastion -c "$CONF" apply
assert_eq "second apply output" "in sync" "$(cat "$TMP/out")"
assert_rc "dry run in sync" 0 wgb bastion -c "$CONF" apply --dry-run

say "unrelated change: a [Forward]"
write_conf "" "
[Forward web]
Port = 8080
Destination = 192.168.50.10:80"
assert_rc "apply with a forward" 0 wgb bastion -c "$CONF" apply
assert_nomatch "no wg line for a forward" '^[-+~] (link|key|peer|address|mtu|wg0) ' "$(cat "$TMP/out")"
sleep 0.3
kill "${WGB_PIDS[-1]}" 2>/dev/null
assert_eq "no link or address event during the no-op applies" "" "$(grep -E 'wg0|10\.100' "$TMP/monitor" || true)"
assert_rc "bastion -> far ping still" 0 nsping bastion -c1 -W2 10.100.0.2
assert_eq "latest handshake unchanged" "$hs1" "$(handshake_of "$FARPUB")"
if wg_userspace; then
	assert_eq "no UAPI set reached the daemon ($u1 UAPI lines logged before)" "$u1" "$(daemon_log_count 'UAPI: ')"
	assert_eq "no handshake initiated" "$i1" "$(daemon_log_count 'handshake initiation')"
fi

# The device's own plan lines: other stages (nft, route) have lines too.
wg_lines() { grep -E '^[-+~] (link|key|peer|address|mtu|wg0) ' "$TMP/out"; }

say "MTU, addresses, listen port: each its own line"
hs1=$(handshake_of "$FARPUB")
write_conf
sed -i 's/^Address = .*/Address = 10.100.0.1\/24, fd10:100::1\/64\nMTU = 1380/' "$CONF"
assert_rc "apply MTU and an address" 0 wgb bastion -c "$CONF" apply
assert_eq "two lines" "+ address fd10:100::1/64 dev wg0
~ mtu 1420 -> 1380" "$(wg_lines)"
assert_match "mtu 1380" 'mtu 1380 ' "$(ns bastion ip link show wg0)"
assert_eq "addresses" "10.100.0.1/24 fd10:100::1/64 " "$(addrs_of_wg0)"
assert_eq "session kept" "$hs1" "$(handshake_of "$FARPUB")"
assert_rc "bastion -> far ping" 0 nsping bastion -c1 -W2 10.100.0.2
PORT=51821 write_conf
assert_rc "apply a new port, the old MTU and addresses" 0 wgb bastion -c "$CONF" apply
assert_eq "three lines" "~ wg0 listen-port 51820 -> 51821
- address fd10:100::1/64 dev wg0
~ mtu 1380 -> 1420" "$(wg_lines)"
assert_eq "listen port" 51821 "$(ns bastion wg show wg0 listen-port)"
assert_eq "addresses" "10.100.0.1/24 " "$(addrs_of_wg0)"
assert_rc "in sync" 0 wgb bastion -c "$CONF" apply --dry-run

say "flush"
if wg_userspace; then
	daemon=$(ip netns pids bastion | while read -r p; do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = wireguard-go ] && echo "$p"; done)
	[ -n "$daemon" ] && pass "wireguard-go runs in the bastion namespace (pid $daemon)" || fail "no wireguard-go in the bastion namespace"
fi
assert_rc "flush" 0 wgb bastion -c "$CONF" flush
assert_match "flush removes the link" '^- link wg0 ' "$(cat "$TMP/out")"
assert_rc "link gone" 1 ns bastion ip link show wg0
if wg_userspace; then
	[ ! -e /run/wireguard/wg0.sock ] && pass "socket gone" || fail "/run/wireguard/wg0.sock still there"
	for p in $daemon; do
		if [ -d /proc/"$p" ] && [ "$(awk '{print $3}' /proc/"$p"/stat 2>/dev/null)" != Z ]; then
			fail "wireguard-go $p still running"
		else
			pass "wireguard-go $p gone"
		fi
	done
fi
assert_rc "flush again is a no-op" 0 wgb bastion -c "$CONF" flush
assert_eq "nothing left to flush" "in sync" "$(cat "$TMP/out")"

finish
