#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# wg syncconf semantics on a live tunnel: changing one peer's keepalive or
# AllowedIPs changes only that; adding and removing a second peer leaves
# the first one's session alone (same handshake, traffic keeps flowing).
# Topology: see wg_common.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/wg_common.sh"

wg_topology
write_conf
assert_rc "apply" 0 wgb bastion -c "$CONF" apply
wait_handshake && pass "tunnel up" || fail "no handshake"
hs=$(handshake_of "$FARPUB")
[ "${hs:-0}" -gt 0 ] && pass "handshake at $hs" || fail "no handshake recorded"
sleep 1.2
before=$(wg_conf_dump)

say "keepalive of the peer: only that"
created=$(daemon_log_count 'UAPI: Created')
removed_aips=$(daemon_log_count 'Removing all allowedips')
write_conf "PersistentKeepalive = 25"
assert_rc "apply keepalive" 0 wgb bastion -c "$CONF" apply
assert_eq "one plan line" "~ peer $FARPUB persistent-keepalive 0 -> 25" "$(cat "$TMP/out")"
assert_eq "keepalive set" "$FARPUB	25" "$(ns bastion wg show wg0 persistent-keepalive)"
assert_eq "nothing else changed" "$(printf '%s\n' "$before" | sed "2,\$ s/ off$/ 25/")" "$(wg_conf_dump)"
if wg_userspace; then
	assert_eq "AllowedIPs not touched" "$removed_aips" "$(daemon_log_count 'Removing all allowedips')"
	assert_eq "no peer re-created" "$created" "$(daemon_log_count 'UAPI: Created')"
fi
assert_rc "in sync afterwards" 0 wgb bastion -c "$CONF" apply --dry-run

say "AllowedIPs of the peer: replaced, nothing else"
FAR_ALLOWED="10.100.0.2/32, 192.168.50.0/24, 192.168.60.0/24"
write_conf "PersistentKeepalive = 25"
assert_rc "apply AllowedIPs" 0 wgb bastion -c "$CONF" apply
assert_eq "one plan line" \
	"~ peer $FARPUB allowed-ips 10.100.0.2/32, 192.168.50.0/24 -> 10.100.0.2/32, 192.168.50.0/24, 192.168.60.0/24" \
	"$(cat "$TMP/out")"
assert_eq "AllowedIPs" "$FARPUB	10.100.0.2/32 192.168.50.0/24 192.168.60.0/24" \
	"$(ns bastion wg show wg0 allowed-ips)"
assert_eq "keepalive kept" "$FARPUB	25" "$(ns bastion wg show wg0 persistent-keepalive)"
if wg_userspace; then
	assert_eq "AllowedIPs replaced once" "$((removed_aips + 1))" "$(daemon_log_count 'Removing all allowedips')"
	assert_eq "no peer re-created" "$created" "$(daemon_log_count 'UAPI: Created')"
fi

say "a second peer comes and goes; the first keeps its session"
keypair second
SECOND=$(cat "$TMP/second.pub")
write_conf "PersistentKeepalive = 25" "
[Peer]
PublicKey = $SECOND
AllowedIPs = 10.100.0.3/32"
assert_rc "apply with a second peer" 0 wgb bastion -c "$CONF" apply
assert_eq "one plan line" "+ peer $SECOND allowed-ips 10.100.0.3/32" "$(cat "$TMP/out")"
assert_match "second peer there" "^$(re "$SECOND")	10.100.0.3/32$" "$(ns bastion wg show wg0 allowed-ips)"
assert_rc "first peer still reachable" 0 nsping bastion -c1 -W2 10.100.0.2
write_conf "PersistentKeepalive = 25"
assert_rc "apply without it" 0 wgb bastion -c "$CONF" apply
assert_eq "one plan line" "- peer $SECOND allowed-ips 10.100.0.3/32" "$(cat "$TMP/out")"
assert_nomatch "second peer gone" "$(re "$SECOND")" "$(ns bastion wg show wg0 peers)"
assert_rc "first peer still reachable" 0 nsping bastion -c1 -W2 10.100.0.2
assert_eq "first peer: same handshake" "$hs" "$(handshake_of "$FARPUB")"
if wg_userspace; then
	assert_eq "one peer created, the second" "$((created + 1))" "$(daemon_log_count 'UAPI: Created')"
	assert_eq "one peer removed" 1 "$(daemon_log_count 'UAPI: Removing$')"
fi
assert_rc "in sync at the end" 0 wgb bastion -c "$CONF" apply --dry-run

finish
