# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Shared by the wg*.test.sh tests (sourced after tests/lib.sh): a bastion
# and a far side joined by veth, the far side's WireGuard device set up
# with wg and ip as a user would, and a config for the bastion side.
#
#   bastion                                   far
#   wg0 10.100.0.1/24  (wgbastion)            wgfar 10.100.0.2/24 (wg, ip)
#   eth0 192.0.2.1/24 ----------- veth ------ eth0 192.0.2.2/24
#                                             peer endpoint 192.0.2.1:51820
#
# Backend-agnostic: with WGB_WG_BACKEND=kernel the far side is a kernel
# device and wgbastion finds kernel WireGuard; otherwise both run
# wireguard-go, the bastion's through a wrapper that keeps its verbose log
# (so tests can see what the daemon was told). The far device is not called
# wg0: /run/wireguard/NAME.sock is shared by the namespaces of one test.

command -v wg >/dev/null || { echo "SKIP: wg (wireguard-tools) not installed"; exit 77; }

wg_userspace() { [ "${WGB_WG_BACKEND:-userspace}" != kernel ]; }

if wg_userspace; then
	command -v wireguard-go >/dev/null || { echo "SKIP: wireguard-go not installed"; exit 77; }
	cat >"$TMP/wg-go-logged" <<-EOF
	#!/bin/sh
	LOG_LEVEL=verbose exec wireguard-go "\$@" >>"$TMP/bastion-wg.log" 2>&1
	EOF
	chmod +x "$TMP/wg-go-logged"
	export WG_QUICK_USERSPACE_IMPLEMENTATION=$TMP/wg-go-logged
fi

# ping (iputils-ping, a test dependency: tools/deps.sh)
nsping() { local n=$1; shift; ns "$n" ping "$@"; }
# a string as an extended regex (keys hold + and /)
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }

# lines of the bastion daemon's log matching a pattern (userspace only)
daemon_log_count() { local n; n=$(grep -c -- "$1" "$TMP/bastion-wg.log" 2>/dev/null); echo "${n:-0}"; }

wg_topology() {
	netns_add bastion far
	veth bastion eth0 far eth0
	ns bastion ip addr add 192.0.2.1/24 dev eth0
	ns far ip addr add 192.0.2.2/24 dev eth0
	keypair bastion
	keypair far
	wg_dev_add far wgfar || exit 1
	ns far wg set wgfar private-key "$TMP/far.key" \
		peer "$(cat "$TMP/bastion.pub")" endpoint 192.0.2.1:51820 \
		allowed-ips 10.100.0.1/32 persistent-keepalive 1
	ns far ip addr add 10.100.0.2/24 dev wgfar
	ns far ip link set wgfar up
	FARPUB=$(cat "$TMP/far.pub")
	FARPUB_RE=$(re "$FARPUB")
	CONF=$TMP/wgbastion.conf
}

# write_conf [PEER_EXTRA_LINES [REST]]: the bastion's config
write_conf() {
	cat >"$CONF" <<-EOF
	[Interface]
	Name = wg0
	PrivateKeyFile = ${KEYFILE:-$TMP/bastion.key}
	ListenPort = ${PORT:-51820}
	Address = 10.100.0.1/24

	[Peer]
	PublicKey = $FARPUB
	AllowedIPs = ${FAR_ALLOWED:-10.100.0.2/32, 192.168.50.0/24}
	${1:-}
	${2:-}
	EOF
	chmod 600 "$CONF"
}

# until the far side's keepalives have made a handshake with the bastion
wait_handshake() {
	local i
	for i in $(seq 50); do
		nsping far -c1 -W1 10.100.0.1 >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

handshake_of() { ns bastion wg show wg0 latest-handshakes | awk -v k="$1" '$1 == k {print $2}'; }

# the device as wg shows it, without what changes on its own
wg_conf_dump() { ns bastion wg show wg0 dump | awk -F'\t' 'NR == 1 {print $2, $3, $4; next} {print $1, ($2 != "(none)"), $3, $4, $8}'; }

# the bastion device's addresses but the kernel's IPv6 link-local ones
addrs_of_wg0() { ns bastion ip -o addr show dev wg0 | awk '{print $4}' | grep -v '^fe80:' | sort | tr '\n' ' '; }
