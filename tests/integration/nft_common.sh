# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Shared by the nft*.test.sh suites: a bastion namespace (apply_common.sh's
# bastion_ns: uplink eth0, strict rp_filter) with its tunnel link, a config
# that has every shape of forward and egress, and views of our table.
# Source after tests/lib.sh and apply_common.sh.

command -v nft >/dev/null || { echo "SKIP: nft (the tool) is needed to observe"; exit 77; }

# nft_config FILE [extra lines...]: wg0 with a TCP forward, a port range
# kept over both protocols, an IPv6 UDP forward, a forward for a few
# clients only (masqueraded), and an egress limited to eth0.
nft_config() {
	local f=$1
	shift
	[ -f "$TMP/wg0.key" ] || keypair wg0
	[ -f "$TMP/peer.key" ] || keypair peer
	{
		cat <<-EOC
		[Interface]
		Name = wg0
		PrivateKeyFile = $TMP/wg0.key
		Address = 10.100.0.1/24, fd00:100::1/64

		[Peer]
		PublicKey = $(cat "$TMP/peer.pub")
		AllowedIPs = 10.100.0.2/32, 192.168.50.0/24, fd00:50::/64

		[Forward web]
		Port = 443
		Destination = 192.168.50.10:8443

		[Forward games]
		Protocol = tcp,udp
		Port = 27015-27030
		Destination = 192.168.50.11

		[Forward dns6]
		Protocol = udp
		Port = 53
		Destination = [fd00:50::53]

		[Forward ssh]
		Port = 2222
		Destination = 192.168.50.10:22
		Allow = 198.51.100.0/24, 203.0.113.17
		Masquerade = yes

		[Egress lan]
		Source = 192.168.50.0/24, fd00:50::/64
		Interface = eth0
		EOC
		printf '%s\n' "$@"
	} >"$f"
	chmod 600 "$f"
}

# Our table as nft prints it, counter values blanked (traffic is not the
# point of a dump comparison).
nft_table() {
	ns "$1" nft list table inet wgbastion-wg0 2>&1 | sed -E 's/packets [0-9]+ bytes [0-9]+/packets N bytes N/'
}

# nft_watch NS: starts `nft monitor` in NS and returns once it is seen to
# listen (a probe table made and deleted); nft_watched: what it saw since,
# after a second probe proving it still listened (probes filtered out).
nft_probe() {
	local i
	ns "$NFT_MON_NS" nft add table ip wgb-probe
	ns "$NFT_MON_NS" nft delete table ip wgb-probe
	for i in $(seq 100); do
		[ "$(grep -c 'delete table ip wgb-probe' "$TMP/nftmon")" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
nft_watch() {
	NFT_MON_NS=$1
	: >"$TMP/nftmon"
	ns_bg "$1" nft monitor >"$TMP/nftmon" 2>&1
	NFT_MON=${WGB_PIDS[-1]}
	sleep 0.2
	nft_probe 1 || nft_probe 1 || echo "(nft monitor is not listening)" >&2
}
nft_watched() {
	local n
	n=$(grep -c 'delete table ip wgb-probe' "$TMP/nftmon")
	nft_probe $((n + 1)) || echo "(nft monitor did not see the probe)"
	kill "$NFT_MON" 2>/dev/null
	wait "$NFT_MON" 2>/dev/null
	# the probes' lines, and the generation lines of nft's own processes
	grep -v -e 'table ip wgb-probe' -e '^# new generation [0-9]* by process [0-9]* (nft)$' "$TMP/nftmon"
}
