#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The WireGuard stage end to end: wgbastion brings up the bastion's device
# from [Interface]/[Peer]; the far side is set up with wg and ip as a user
# would, and dials in. A handshake happens, ping crosses both ways; a
# second apply, and one with an unrelated change, write nothing and keep
# the session; flush removes the link and its daemon.
#
#   bastion                                   far
#   wg0 10.100.0.1/24  (wgbastion)            wgfar 10.100.0.2/24 (wg, ip)
#   eth0 192.0.2.1/24 ----------- veth ------ eth0 192.0.2.2/24
#                                             peer endpoint 192.0.2.1:51820
#
# Backend-agnostic: with WGB_WG_BACKEND=kernel the far side is a kernel
# device and wgbastion finds kernel WireGuard; otherwise both use
# wireguard-go. The far device is not called wg0: /run/wireguard/NAME.sock
# is shared by the namespaces of one test.
. "$(dirname "$0")/../lib.sh"

command -v wg >/dev/null || { echo "SKIP: wg (wireguard-tools) not installed"; exit 77; }
if [ "${WGB_WG_BACKEND:-userspace}" != kernel ]; then
	command -v wireguard-go >/dev/null || { echo "SKIP: wireguard-go not installed"; exit 77; }
	# wireguard-go with its log kept, so that we can see what it was told
	cat >"$TMP/wg-go-logged" <<-EOF
	#!/bin/sh
	LOG_LEVEL=verbose exec wireguard-go "\$@" >>"$TMP/bastion-wg.log" 2>&1
	EOF
	chmod +x "$TMP/wg-go-logged"
	export WG_QUICK_USERSPACE_IMPLEMENTATION=$TMP/wg-go-logged
fi

# ping from iputils, or busybox's (Debian's minimal images have neither by
# default; busybox-static is a test dependency)
nsping() { local n=$1; shift; if command -v ping >/dev/null; then ns "$n" ping "$@"; else ns "$n" busybox ping "$@"; fi; }
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }
netns_add bastion far
veth bastion eth0 far eth0
ns bastion ip addr add 192.0.2.1/24 dev eth0
ns far ip addr add 192.0.2.2/24 dev eth0

keypair bastion
keypair far
FARPUB_RE=$(re "$(cat "$TMP/far.pub")")
wg_dev_add far wgfar || exit 1
ns far wg set wgfar private-key "$TMP/far.key" \
	peer "$(cat "$TMP/bastion.pub")" endpoint 192.0.2.1:51820 \
	allowed-ips 10.100.0.1/32 persistent-keepalive 1
ns far ip addr add 10.100.0.2/24 dev wgfar
ns far ip link set wgfar up

CONF=$TMP/wgbastion.conf
write_conf() {
	cat >"$CONF" <<-EOF
	[Interface]
	Name = wg0
	PrivateKeyFile = $TMP/bastion.key
	ListenPort = 51820
	Address = 10.100.0.1/24
	MTU = 1420

	[Peer]
	PublicKey = $(cat "$TMP/far.pub")
	AllowedIPs = 10.100.0.2/32, 192.168.50.0/24
	$1
	EOF
	chmod 600 "$CONF"
}
write_conf ""

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
assert_eq "peer allowed ips" "$(cat "$TMP/far.pub")	10.100.0.2/32 192.168.50.0/24" \
	"$(ns bastion wg show wg0 allowed-ips)"
assert_match "address" 'inet 10.100.0.1/24' "$(ns bastion ip -4 addr show dev wg0)"
assert_match "link up, mtu 1420" 'mtu 1420 .*state (UP|UNKNOWN)' "$(ns bastion ip link show wg0)"
if [ "${WGB_WG_BACKEND:-userspace}" = kernel ]; then
	assert_match "kernel device" 'wireguard' "$(ns bastion ip -d link show wg0)"
else
	[ -S /run/wireguard/wg0.sock ] && pass "userspace socket" || fail "no /run/wireguard/wg0.sock"
fi

say "handshake and ping both ways"
ok=
for _ in $(seq 50); do
	nsping far -c1 -W1 10.100.0.1 >/dev/null 2>&1 && { ok=1; break; }
	sleep 0.2
done
[ -n "$ok" ] && pass "far -> bastion ping" || fail "far -> bastion ping"
assert_rc "bastion -> far ping" 0 nsping bastion -c2 -W2 10.100.0.2
hs1=$(ns bastion wg show wg0 latest-handshakes | awk '{print $2}')
[ "${hs1:-0}" -gt 0 ] && pass "handshake recorded ($hs1)" || fail "no handshake on the bastion"

# what the daemon was told so far (userspace only)
uapi_lines() { grep -c 'UAPI: ' "$TMP/bastion-wg.log" 2>/dev/null || echo 0; }
initiations() { grep -c 'handshake initiation' "$TMP/bastion-wg.log" 2>/dev/null || echo 0; }
sleep 1.2	# a new handshake would now show a newer timestamp
u1=$(uapi_lines)
i1=$(initiations)

say "second apply writes nothing"
ns_bg bastion ip monitor link address >"$TMP/monitor" 2>&1
sleep 0.3
assert_rc "second apply" 0 wgb bastion -c "$CONF" apply
assert_eq "second apply output" "in sync" "$(cat "$TMP/out")"
assert_rc "dry run in sync" 0 wgb bastion -c "$CONF" apply --dry-run

say "unrelated change: a [Forward]"
write_conf "
[Forward web]
Port = 8080
Destination = 192.168.50.10:80"
assert_rc "apply with a forward" 0 wgb bastion -c "$CONF" apply
assert_nomatch "no wg line for a forward" '(link|peer|address|mtu|wg0) ' "$(cat "$TMP/out")"
sleep 0.3
kill "${WGB_PIDS[-1]}" 2>/dev/null
assert_eq "no link or address event during the no-op applies" "" "$(grep -v '^Deleted\|^$' "$TMP/monitor" | grep -E 'wg0|10\.100' || true)"
assert_rc "bastion -> far ping still" 0 nsping bastion -c1 -W2 10.100.0.2
hs2=$(ns bastion wg show wg0 latest-handshakes | awk '{print $2}')
assert_eq "latest handshake unchanged" "$hs1" "$hs2"
if [ "${WGB_WG_BACKEND:-userspace}" != kernel ]; then
	assert_eq "no UAPI set reached the daemon ($u1 UAPI lines logged before)" "$u1" "$(uapi_lines)"
	assert_eq "no handshake initiated by the bastion" "$i1" "$(initiations)"
fi

say "flush"
if [ "${WGB_WG_BACKEND:-userspace}" != kernel ]; then
	daemon=$(ip netns pids bastion | while read -r p; do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = wireguard-go ] && echo "$p"; done)
	[ -n "$daemon" ] && pass "wireguard-go runs in the bastion namespace (pid $daemon)" || fail "no wireguard-go in the bastion namespace"
fi
assert_rc "flush" 0 wgb bastion -c "$CONF" flush
assert_match "flush removes the link" '^- link wg0 ' "$(cat "$TMP/out")"
assert_rc "link gone" 1 ns bastion ip link show wg0
if [ "${WGB_WG_BACKEND:-userspace}" != kernel ]; then
	[ ! -e /run/wireguard/wg0.sock ] && pass "socket gone" || fail "/run/wireguard/wg0.sock still there"
	for p in $daemon; do
		[ -d /proc/"$p" ] && [ "$(cat /proc/"$p"/stat 2>/dev/null | awk '{print $3}')" != Z ] &&
			fail "wireguard-go $p still running" || pass "wireguard-go $p gone"
	done
fi
assert_rc "flush again is a no-op" 0 wgb bastion -c "$CONF" flush
assert_eq "nothing left to flush" "in sync" "$(cat "$TMP/out")"

finish
