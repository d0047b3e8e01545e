#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kernel lane's own smoke test: kernel WireGuard works on this kernel.
# Loads the module, builds a tunnel between two namespaces with ip and wg
# only (no wgbastion), and sends ICMP (IPv4 and IPv6) and a TCP payload
# through it. Run inside the VM by tests/kernel/run.sh; on a host whose
# kernel lacks WireGuard it skips.
#
#   [wgbk-a]                                    [wgbk-b]
#   va 10.200.0.1/24  --------- veth ---------  vb 10.200.0.2/24
#   wg0 10.201.0.1/24, fd00:201::1/64           wg0 10.201.0.2/24, fd00:201::2/64
#       listen 51820  <==== WireGuard (UDP) ====>   listen 51821
. "$(dirname "$0")/../lib.sh"

if ! modprobe wireguard 2>"$TMP/modprobe.err"; then
	# In the lane this kernel must have it; elsewhere it is just absent.
	[ -n "${WGB_KERNEL_LANE:-}" ] && { cat "$TMP/modprobe.err"; fail "modprobe wireguard"; finish; }
	echo "SKIP: no WireGuard module for $(uname -r)"
	exit 77
fi
pass "modprobe wireguard"
# This test is about the kernel device, whatever the caller's default.
export WGB_WG_BACKEND=kernel

netns_add wgbk-a wgbk-b
veth wgbk-a va wgbk-b vb
ns wgbk-a ip addr add 10.200.0.1/24 dev va
ns wgbk-b ip addr add 10.200.0.2/24 dev vb

wg_dev_add wgbk-a wg0 || fail "create a kernel wireguard link in wgbk-a"
wg_dev_add wgbk-b wg0 || fail "create a kernel wireguard link in wgbk-b"
assert_match "wg0 in wgbk-a is a kernel wireguard link" '^ +wireguard' \
	"$(ns wgbk-a ip -d link show wg0)"
assert_match "wg0 in wgbk-b is a kernel wireguard link" '^ +wireguard' \
	"$(ns wgbk-b ip -d link show wg0)"
assert_eq "no userspace UAPI socket" "" "$(ls /run/wireguard/)"

keypair a
keypair b
ns wgbk-a wg set wg0 private-key "$TMP/a.key" listen-port 51820 \
	peer "$(cat "$TMP/b.pub")" allowed-ips 10.201.0.2/32,fd00:201::2/128 \
	endpoint 10.200.0.2:51821
ns wgbk-b wg set wg0 private-key "$TMP/b.key" listen-port 51821 \
	peer "$(cat "$TMP/a.pub")" allowed-ips 10.201.0.1/32,fd00:201::1/128 \
	endpoint 10.200.0.1:51820
for i in 1 2; do
	[ $i = 1 ] && n=wgbk-a || n=wgbk-b
	ns "$n" ip addr add "10.201.0.$i/24" dev wg0
	ns "$n" ip addr add "fd00:201::$i/64" dev wg0 nodad
	ns "$n" ip link set wg0 up
done
assert_eq "wgbk-a's key is on the kernel device" "$(cat "$TMP/a.pub")" \
	"$(ns wgbk-a wg show wg0 public-key)"

# the host's ping (iputils-ping: tools/deps.sh)
assert_rc "IPv4 ping through the tunnel" 0 ns wgbk-a ping -c 3 -W 5 10.201.0.2
assert_rc "IPv6 ping through the tunnel" 0 ns wgbk-b ping -c 3 -W 5 fd00:201::1

# TCP: a known payload crosses the tunnel intact.
head -c 65536 /dev/urandom >"$TMP/payload"
ns_bg wgbk-b socat -u TCP-LISTEN:7000,bind=10.201.0.2,reuseaddr OPEN:"$TMP/received",creat,trunc
for i in $(seq 50); do
	ns wgbk-b ss -Hltn 'sport = :7000' | grep -q . && break
	sleep 0.1
done
assert_rc "TCP send through the tunnel" 0 \
	ns wgbk-a timeout 30 socat -u OPEN:"$TMP/payload" TCP:10.201.0.2:7000
wait "${WGB_PIDS[-1]}" 2>/dev/null
assert_eq "TCP payload arrived intact" "$(sha256sum <"$TMP/payload")" \
	"$(sha256sum <"$TMP/received")"

hs=$(ns wgbk-a wg show wg0 latest-handshakes | awk '{print $2}')
assert_match "a handshake happened" '^[1-9][0-9]*$' "$hs"
rx=$(ns wgbk-b wg show wg0 transfer | awk '{print $2}')
assert_eq "wgbk-b received the payload's 64 KiB through WireGuard" yes \
	"$(awk -v rx="$rx" 'BEGIN { print (rx > 65536) ? "yes" : "no: " rx }')"
finish
