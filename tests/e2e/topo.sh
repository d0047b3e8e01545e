# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The end-to-end topology, sourced after tests/lib.sh (whose netns_add, ns,
# ns_bg, veth, wg_dev_add and keypair it uses; lib.sh removes everything on
# exit). Only the bastion is left for the caller to configure.
#
#  client  198.51.100.10/25  2001:db8:c1::10 ─┐
#  client2 198.51.100.130/25 2001:db8:c2::20 ─┤            ┌─ wan ─┐ "the internet": routes
#  server  203.0.113.80      2001:db8:5e::80 ─┼── to-* ────┤       │ between its links, serves
#                                             │            └───────┘ metadata 169.254.169.254
#                         bastion eth0 192.0.2.10  2001:db8:b::10 ──┤ on the bastion's link
#   vpc 172.16.0.20 ── eth1 [bastion] wg0 10.100.0.1 fd10:100::1    │
#                               ║ WireGuard, dialled from home      │
#                [home] wg-home 10.100.0.2 fd10:100::2              │
#                      eth0 100.64.0.2  fd64::2 ────────────────────┘ behind carrier-grade
#                      │                         NAT: masqueraded, nothing dials in
#                      ├─ eth1 192.168.50.1 fd50::1 ── backend 192.168.50.10 fd50::10
#                      └─ eth2 192.168.60.1 fd60::1 ── lab     192.168.60.10 fd60::10
#
# home is configured with plain wg and ip as SPEC.md's appendix shows: its
# LAN 192.168.50.0/24 (fd50::/64) replies and leaves through the tunnel; the
# lab LAN does not (the destination of a Masquerade = yes forward).
# Its tunnel is not called wg0: a userspace WireGuard's control socket is
# /run/wireguard/NAME.sock, and all namespaces of a test share one /run.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Debian's interpreter (tools/deps.sh installs it), started without site
# packages: a probe runs dozens of times per test, and a version manager's
# shim in PATH can cost a second per start (much more under qemu).
E2E_PY=${WGB_PYTHON:-/usr/bin/python3}
[ -x "$E2E_PY" ] || E2E_PY=$(command -v python3)
E2E_NS=(wan client client2 server bastion vpc home backend lab)

# Addresses the tests and the configs use.
CLIENT4=198.51.100.10 CLIENT6=2001:db8:c1::10
CLIENT2_4=198.51.100.130 CLIENT2_6=2001:db8:c2::20
SERVER4=203.0.113.80 SERVER6=2001:db8:5e::80
BASTION4=192.0.2.10 BASTION6=2001:db8:b::10
BASTION_WG4=10.100.0.1
HOME_WG4=10.100.0.2 HOME_WG6=fd10:100::2
HOME_UP4=100.64.0.2
BACKEND4=192.168.50.10 BACKEND6=fd50::10
LAB4=192.168.60.10 LAB6=fd60::10
VPC4=172.16.0.20 VPC6=fd00:16::20
METADATA4=169.254.169.254
WAN_B4=192.0.2.1 WAN_B6=2001:db8:b::1

# ipb NS: an ip -batch in a namespace, commands on stdin. Under qemu (the
# kernel lane) every process start counts, so the topology is a handful of
# batches rather than a hundred ip commands. Families follow the addresses.
ipb() { ns "$1" ip -batch -; }

# addrs DEV ADDR/LEN...: batch lines for addresses; IPv6 without duplicate
# address detection, so that they are usable at once
addrs() {
	local d=$1 a; shift
	for a in "$@"; do
		case $a in
		*:*) echo "addr add $a dev $d nodad" ;;
		*) echo "addr add $a dev $d" ;;
		esac
	done
}

sysctls() { local n=$1; shift; ns "$n" sysctl -q -w "$@" >/dev/null; }

# A leaf host on its own link to a router: leaf NS ROUTERNS ROUTERIF V4 GW4 V6 GW6 PLEN4
leaf() {
	local n=$1 r=$2 rif=$3 a4=$4 g4=$5 a6=$6 g6=$7 p4=${8:-24}
	ip link add eth0 netns "$n" type veth peer name "$rif" netns "$r" || return 1
	{ echo "link set eth0 up"; addrs eth0 "$a4/$p4" "$a6/64"
	  echo "route add default via $g4"; echo "route add default via $g6"; } | ipb "$n" &&
	{ echo "link set $rif up"; addrs "$rif" "$g4/$p4" "$g6/64"; } | ipb "$r"
}

topo_up() {
	local n
	netns_add "${E2E_NS[@]}" || return 1
	for n in "${E2E_NS[@]}"; do
		# the same starting point whatever the host's own defaults are
		sysctls "$n" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	done
	sysctls wan net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	sysctls home net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

	leaf client wan to-client "$CLIENT4" 198.51.100.1 "$CLIENT6" 2001:db8:c1::1 25 &&
	leaf client2 wan to-client2 "$CLIENT2_4" 198.51.100.129 "$CLIENT2_6" 2001:db8:c2::1 25 &&
	leaf server wan to-server "$SERVER4" 203.0.113.1 "$SERVER6" 2001:db8:5e::1 &&
	leaf bastion wan to-bastion "$BASTION4" "$WAN_B4" "$BASTION6" "$WAN_B6" &&
	leaf home wan to-home "$HOME_UP4" 100.64.0.1 fd64::2 fd64::1 &&
	leaf vpc bastion eth1 "$VPC4" 172.16.0.1 "$VPC6" fd00:16::1 &&
	leaf backend home eth1 "$BACKEND4" 192.168.50.1 "$BACKEND6" fd50::1 &&
	leaf lab home eth2 "$LAB4" 192.168.60.1 "$LAB6" fd60::1 || return 1
	# the cloud's metadata service, on the bastion's side of the internet
	addrs to-bastion "$METADATA4/32" | ipb wan

	# Carrier-grade NAT in front of home: its uplink is masqueraded, nothing
	# from the internet gets in, and nothing but its own uplink address gets
	# out (BCP 38), so a reply that bypasses the tunnel is lost, as it is on
	# a real connection.
	ns wan nft -f - <<-'EOF' || return 1
	table inet cgnat {
		chain forward {
			type filter hook forward priority filter; policy accept;
			iifname "to-home" ip saddr != 100.64.0.0/24 drop
			iifname "to-home" ip6 saddr != fd64::/64 drop
			oifname "to-home" ct state new drop
		}
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			ip saddr 100.64.0.0/24 oifname != "to-home" masquerade
			ip6 saddr fd64::/64 oifname != "to-home" masquerade
		}
	}
	EOF
}

# A second bastion on the internet, for a home behind two (SPEC §6):
#  bastion2 eth0 198.18.0.10  2001:db8:b2::10, its tunnel 10.101.0.1 fd10:101::1
BASTION2_4=198.18.0.10 BASTION2_6=2001:db8:b2::10 BASTION2_WG4=10.101.0.1
bastion2_up() {
	netns_add bastion2 || return 1
	sysctls bastion2 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	leaf bastion2 wan to-bastion2 "$BASTION2_4" 198.18.0.1 "$BASTION2_6" 2001:db8:b2::1
}

# The far side, as a user sets it up by hand (SPEC.md, appendix): the
# bastion is its one peer with AllowedIPs 0.0.0.0/0, ::/0 and no routes from
# that (wg-quick's Table = off); only the home LAN is policy-routed into the
# tunnel. Needs $TMP/home.key and $TMP/bastion.pub.
far_side_up() {
	local port=${1:-51820}
	wg_dev_add home wg-home || return 1
	ns home wg set wg-home private-key "$TMP/home.key" \
		peer "$(cat "$TMP/bastion.pub")" allowed-ips 0.0.0.0/0,::/0 \
		endpoint "$BASTION4:$port" persistent-keepalive 25 || return 1
	ipb home <<-EOF || return 1
	$(addrs wg-home "$HOME_WG4/24" "$HOME_WG6/64")
	link set wg-home mtu 1420 up
	rule add from 192.168.50.0/24 lookup main suppress_prefixlength 0 priority 100
	rule add from 192.168.50.0/24 lookup 100 priority 101
	route add default dev wg-home table 100
	EOF
	ns home ip -6 -batch - <<-EOF
	rule add from fd50::/64 lookup main suppress_prefixlength 0 priority 100
	rule add from fd50::/64 lookup 100 priority 101
	route add default dev wg-home table 100
	EOF
}

# Start addrsvc.py in a namespace and wait until it listens.
# svc NS SPEC...
svc() {
	local n=$1 i; shift
	ns_bg "$n" "$E2E_PY" -S "$E2E_DIR/addrsvc.py" "$@" >"$TMP/svc-$n.out" 2>&1
	for i in $(seq 100); do
		grep -q '^ready' "$TMP/svc-$n.out" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "addrsvc in $n did not start:" >&2
	cat "$TMP/svc-$n.out" >&2
	return 1
}

services_up() {
	# backend: the forwards' destinations; lab: behind home, not routed
	# back into the tunnel; server: the internet; wan: the metadata service
	# (and the bastion provider's gateway); vpc: the bastion's private side
	svc backend tcp:8080 udp:5353 tcp:22 tcp:8000-8003 tcp:8443 tcp:7000 sha:9000 &&
	svc lab tcp:8080 &&
	svc server tcp:80 udp:53 &&
	svc wan tcp:80 &&
	svc vpc tcp:80
}

# probe NS [-t S] KIND HOST PORT [FILE]: the client side (probe.py); -t 2
# unless given. An answer fetched ahead by ask is used instead, until
# ask_forget (callers often run probe in a subshell, so it cannot forget).
declare -A E2E_ANSWER=()
probe() {
	local n=$1 key r; shift
	[ "${1:-}" = -t ] || set -- -t 2 "$@"
	key="$n ${*:3}"
	if [ -n "${E2E_ANSWER[$key]+set}" ]; then
		r=${E2E_ANSWER[$key]}
		case $r in
		"ok "*) echo "${r#ok }"; return 0 ;;
		*) echo "probe: ${r#err }" >&2; return 1 ;;
		esac
	fi
	ns "$n" "$E2E_PY" -S "$E2E_DIR/probe.py" "$@"
}

# ask NS 'KIND HOST PORT'...: make those requests from NS now, all at once
# (one process, one timeout for the lot), for the probes that follow.
ask_forget() { E2E_ANSWER=(); }
ask() {
	local n=$1 i=0 r out; shift
	mapfile -t out < <(ns "$n" "$E2E_PY" -S "$E2E_DIR/probe.py" -t 2 --many "$@")
	for r in "$@"; do
		E2E_ANSWER["$n $r"]=${out[i]:-err no result from probe.py}
		i=$((i + 1))
	done
}

# Stop a process this test started in the background, by PID, and forget it.
bg_stop() {
	local p=$1 i
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	for i in "${!WGB_PIDS[@]}"; do
		[ "${WGB_PIDS[$i]}" = "$p" ] && unset 'WGB_PIDS[i]'
	done
	WGB_PIDS=("${WGB_PIDS[@]}")
}

# Wait for home's handshake with the bastion. Home sends something into the
# tunnel now and then: a WireGuard peer with data to send handshakes at once
# (otherwise it would retry only every 5 s).
# tunnel_wait [DEV [BASTION-TUNNEL-ADDRESS]]: wg-home and 10.100.0.1 unless given
tunnel_wait() {
	local dev=${1:-wg-home} to=${2:-$BASTION_WG4} i hs
	for i in $(seq 60); do
		hs=$(ns home wg show "$dev" latest-handshakes | cut -f2)
		[ "${hs:-0}" != 0 ] && return 0
		[ $((i % 10)) = 1 ] && probe home -t 0.1 udp "$to" 9 >/dev/null 2>&1
		sleep 0.1
	done
	return 1
}

# The bastion's config: a template in tests/e2e/ with the keys of this run.
# render TEMPLATE OUT
render() {
	sed -e "s|@BASTION_KEY_FILE@|$TMP/bastion.key|" \
	    -e "s|@HOME_PUB@|$(cat "$TMP/home.pub")|" "$1" >"$2"
	chmod 600 "$2"
}
