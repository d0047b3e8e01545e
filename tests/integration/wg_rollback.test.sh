#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# All or nothing for the WireGuard device: a failure at any write
# (WGBASTION_FAIL_AT=wg:link, wg:set, wg:addr, or wg = after the stage)
# leaves the device exactly as it was: a run that created the link deletes
# it (and its daemon), a run that changed it restores key, port, peers and
# addresses, and a flush that failed after deleting the link re-creates it.
# Topology: see wg_common.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/wg_common.sh"

wg_topology
write_conf

no_device() {	# what
	assert_rc "$1: no link" 1 ns bastion ip link show wg0
	if wg_userspace; then
		[ ! -S /run/wireguard/wg0.sock ] && pass "$1: no socket" || fail "$1: /run/wireguard/wg0.sock left"
		local p left=
		for p in $(ip netns pids bastion); do
			[ "$(cat /proc/"$p"/comm 2>/dev/null)" = wireguard-go ] && left="$left $p"
		done
		assert_eq "$1: no wireguard-go left in the namespace" "" "$left"
	fi
}

say "a failed first apply leaves no device"
for point in wg:link wg:set wg:addr wg; do
	assert_rc "fail at $point: exit 1" 1 ns bastion env WGBASTION_FAIL_AT=$point "$WGB" -c "$CONF" apply
	assert_match "fail at $point: says so" 'injected failure' "$(cat "$TMP/out")"
	no_device "fail at $point"
done

say "a failed change restores the old device"
assert_rc "apply" 0 wgb bastion -c "$CONF" apply
wait_handshake && pass "tunnel up" || fail "no handshake"
before=$(wg_conf_dump)
addr_before=$(addrs_of_wg0)
keypair other
keypair second
for point in wg:set wg:addr wg:link wg; do
	KEYFILE=$TMP/other.key PORT=51821 write_conf "PersistentKeepalive = 25" "
[Peer]
PublicKey = $(cat "$TMP/second.pub")
AllowedIPs = 10.100.0.3/32"
	# a new MTU too, so that every kind of write is in the change
	sed -i 's/^Address = .*/Address = 10.100.0.1\/24, 10.100.9.1\/24\nMTU = 1380/' "$CONF"
	assert_rc "change failing at $point: exit 1" 1 ns bastion env WGBASTION_FAIL_AT=$point "$WGB" -c "$CONF" apply
	assert_eq "after $point: key, port, peers as before" "$before" "$(wg_conf_dump)"
	assert_eq "after $point: public key as before" "$(cat "$TMP/bastion.pub")" "$(ns bastion wg show wg0 public-key)"
	assert_eq "after $point: addresses as before" "$addr_before" "$(addrs_of_wg0)"
	assert_match "after $point: mtu as before" 'mtu 1420 ' "$(ns bastion ip link show wg0)"
done
write_conf
assert_rc "in sync with the old config" 0 wgb bastion -c "$CONF" apply
assert_eq "nothing to restore by hand" "in sync" "$(cat "$TMP/out")"
assert_rc "tunnel still carries traffic" 0 nsping bastion -c1 -W2 10.100.0.2

say "a failed flush re-creates the device it deleted"
assert_rc "flush failing after the wg stage: exit 1" 1 ns bastion env WGBASTION_FAIL_AT=wg "$WGB" -c "$CONF" flush
assert_eq "device back: key, port, peers" "$before" "$(wg_conf_dump)"
assert_eq "device back: public key" "$(cat "$TMP/bastion.pub")" "$(ns bastion wg show wg0 public-key)"
assert_eq "device back: addresses" "$addr_before" "$(addrs_of_wg0)"
assert_match "device back: up, mtu 1420" 'mtu 1420 .*state (UP|UNKNOWN)' "$(ns bastion ip link show wg0)"
wait_handshake && pass "tunnel up again" || fail "no handshake after the re-creation"
# (other stages restore their own state: only the device is this test's)
wgb bastion -c "$CONF" apply --dry-run >"$TMP/out" 2>&1
assert_nomatch "device in sync" '^[-+~] (link|key|peer|address|mtu|wg0) ' "$(cat "$TMP/out")"

say "flush"
assert_rc "flush" 0 wgb bastion -c "$CONF" flush
no_device "after flush"

finish
