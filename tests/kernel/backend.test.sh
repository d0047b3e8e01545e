#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# wgbastion uses kernel WireGuard when the kernel has it: a minimal config
# applied in a fresh namespace gives a link of kind wireguard, configured
# (key, port, peer) through generic netlink, and no userspace UAPI socket.
# Flush removes it. In the kernel lane (WGB_KERNEL_LANE=1) this proves the
# lane really exercised the kernel backend; elsewhere it needs a kernel with
# WireGuard and skips otherwise.
#
#   [wgbk-bastion]  wg0 10.202.0.1/24, listen 51820, one peer 10.202.0.2/32
. "$(dirname "$0")/../lib.sh"

if ! modprobe wireguard 2>"$TMP/modprobe.err"; then
	[ -n "${WGB_KERNEL_LANE:-}" ] && { cat "$TMP/modprobe.err"; fail "modprobe wireguard"; finish; }
	echo "SKIP: no WireGuard module for $(uname -r)"
	exit 77
fi

keypair bastion
keypair peer
cat >"$TMP/wgb.conf" <<EOF
[Interface]
Name = wg0
PrivateKeyFile = $TMP/bastion.key
ListenPort = 51820
Address = 10.202.0.1/24

[Peer]
PublicKey = $(cat "$TMP/peer.pub")
AllowedIPs = 10.202.0.2/32
EOF
chmod 0600 "$TMP/wgb.conf"

assert_rc "the minimal config passes check" 0 "$WGB" -c "$TMP/wgb.conf" check

netns_add wgbk-bastion
assert_rc "apply" 0 wgb wgbk-bastion -c "$TMP/wgb.conf" apply

link=$(ns wgbk-bastion ip -d link show wg0 2>&1)
assert_match "wg0 is a kernel wireguard link" '^ +wireguard' "$link"
assert_eq "no userspace UAPI socket" no \
	"$([ -e /run/wireguard/wg0.sock ] && echo yes || echo no)"
assert_eq "private key set through the kernel" "$(cat "$TMP/bastion.pub")" \
	"$(ns wgbk-bastion wg show wg0 public-key 2>&1)"
assert_eq "listen port" 51820 "$(ns wgbk-bastion wg show wg0 listen-port 2>&1)"
assert_eq "the peer and its allowed IPs" "$(cat "$TMP/peer.pub")	10.202.0.2/32" \
	"$(ns wgbk-bastion wg show wg0 allowed-ips 2>&1)"
assert_match "address on wg0" 'inet 10\.202\.0\.1/24' \
	"$(ns wgbk-bastion ip -4 addr show dev wg0 2>&1)"

assert_rc "a second apply" 0 wgb wgbk-bastion -c "$TMP/wgb.conf" apply
assert_match "the second apply is in sync" '^in sync$' "$(cat "$TMP/out")"

assert_rc "flush" 0 wgb wgbk-bastion -c "$TMP/wgb.conf" flush
assert_eq "flush removed wg0" gone \
	"$(ns wgbk-bastion ip link show wg0 >/dev/null 2>&1 && echo present || echo gone)"
finish
