#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# docs/far-side.md works as written: its wg-quick configs (and nftables
# file) are taken out of the page, keys and addresses filled in, and brought
# up with the real wg-quick in network namespaces; real connections then
# show who saw which address. The bastion here is a stand-in built from
# SPEC.md's appendix ruleset (the data path wgbastion must build), so this
# tests the far side's recipes, not wgbastion itself (tests/e2e does that).
#
#  client 203.0.113.7 ──┐                 ┌── bastion eth0 198.51.100.1, bst0 10.100.0.1
#  (also "the internet",│                 │     (SPEC appendix ruleset)
#   echo service :8080) ├── inet (router) ┤
#                       │                 ├── gateway wan 100.64.0.2 (masquerades its LAN: the
#  pod net0 100.65.0.2 ─┘                 │     home connection), wg0 10.100.0.2
#  (sidecar wg0 10.100.0.2/32)            │     lan0 192.168.1.1 ── backend 192.168.1.10
#
# Every echo service answers with the address the connection came from.
. "$(dirname "$0")/../lib.sh"

for t in wg-quick wireguard-go socat nft python3; do
	command -v $t >/dev/null || { echo "SKIP: $t not installed (make deps)"; exit 77; }
done
DOC=$WGB_TOP/docs/far-side.md

# doc_block HEADING LANG N: the N-th (from 1) fenced block whose info string
# is LANG ("" for none) in the section whose "## " heading starts with HEADING
doc_block() {
	python3 - "$DOC" "$1" "$2" "$3" <<'PY'
import sys
path, heading, lang, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sect, fence, info, buf, found = False, False, None, [], 0
for line in open(path, encoding="utf-8"):
    if not fence and line.startswith("## "):
        sect = line[3:].startswith(heading)
        continue
    if line.startswith("```"):
        if not fence:
            fence, info, buf = True, line[3:].strip(), []
        else:
            fence = False
            if sect and info == lang:
                found += 1
                if found == n:
                    sys.stdout.write("".join(buf))
                    sys.exit(0)
        continue
    if fence:
        buf.append(line)
sys.exit("no block %d (%r) under %r" % (n, lang, heading))
PY
}

# ---- the network --------------------------------------------------------
netns_add inet client bastion gateway backend pod
link() { # ns if addr/len gw  (the other end is inet's "to-NS", .254)
	veth "$1" "$2" inet "to-$1" || exit 1
	ns "$1" ip addr add "$3" dev "$2"
	ns inet ip addr add "${3%.*}.254/${3#*/}" dev "to-$1"
	ns "$1" ip route add default via "${3%.*}.254"
}
ns inet sysctl -qw net.ipv4.ip_forward=1
link client c0 203.0.113.7/24
link bastion eth0 198.51.100.1/24
link gateway wan 100.64.0.2/24
link pod net0 100.65.0.2/24
veth gateway lan0 backend eth0 || exit 1
ns gateway ip addr add 192.168.1.1/24 dev lan0
ns backend ip addr add 192.168.1.10/24 dev eth0
ns backend ip route add default via 192.168.1.1
# the home router's NAT for the LAN's own internet traffic
ns gateway nft -f - <<'EOF'
table ip homenat {
	chain post { type nat hook postrouting priority srcnat; policy accept; oifname "wan" masquerade; }
}
EOF
# strict reverse-path filtering everywhere, so that the docs' claims about it
# are tested (the kernel uses the larger of "all" and the interface's value)
for n in bastion gateway pod; do ns $n sysctl -qw net.ipv4.conf.all.rp_filter=1; done

# echo services: each answers with the peer address it saw
echo_service() { # ns addr port
	ns_bg "$1" socat TCP-LISTEN:"$3",bind="$2",fork,reuseaddr SYSTEM:'echo $SOCAT_PEERADDR'
}
echo_service client 203.0.113.7 8080
echo_service backend 192.168.1.10 8443
echo_service gateway 192.168.1.1 8444
echo_service pod 0.0.0.0 443
# who NS HOST PORT: the address the service at HOST:PORT saw (empty: no answer)
who() {
	ns "$1" timeout 8 socat -t 5 -T 5 - TCP:"$2":"$3",connect-timeout=4 </dev/null 2>/dev/null | tr -d '\r'
}
sleep 0.5

keypair bastion
keypair gateway
keypair pod

# ---- the bastion stand-in (SPEC.md appendix) ----------------------------
# bastion_up PEERPUB ALLOWEDIPS EGRESS_SOURCES "proto port dest" ...
bastion_up() {
	local pub=$1 allowed=$2 egress=$3 f proto port dst; shift 3
	ns bastion ip link del bst0 2>/dev/null
	ns bastion nft delete table inet ref 2>/dev/null
	wg_dev_add bastion bst0 || exit 1
	ns bastion wg set bst0 private-key "$TMP/bastion.key" listen-port 51820 \
		peer "$pub" allowed-ips "$allowed"
	ns bastion ip addr add 10.100.0.1/24 dev bst0
	ns bastion ip link set bst0 mtu 1420 up
	{
		echo 'table inet ref {'
		echo ' chain pre_nat { type nat hook prerouting priority dstnat; policy accept;'
		echo '  iifname "bst0" return'
		for f in "$@"; do
			read -r proto port dst <<<"$f"
			echo "  meta nfproto ipv4 $proto dport $port ct mark set ct mark | 0x1 dnat ip to $dst"
		done
		echo ' }'
		echo ' chain pre_mark { type filter hook prerouting priority dstnat + 10; policy accept;'
		[ -n "$egress" ] && echo "  iifname \"bst0\" ct state new ip saddr { $egress } ct mark set ct mark | 0x2"
		echo '  ct direction original ct mark & 0x1 == 0x1 meta mark set meta mark | 0x100'
		echo '  ct direction reply ct mark & 0x2 == 0x2 meta mark set meta mark | 0x100'
		echo ' }'
		echo ' chain forward { type filter hook forward priority filter; policy accept;'
		echo '  oifname "bst0" tcp flags syn tcp option maxseg size set rt mtu'
		echo '  iifname "bst0" tcp flags syn tcp option maxseg size set rt mtu'
		echo ' }'
		echo ' chain post_nat { type nat hook postrouting priority srcnat; policy accept;'
		echo '  oifname "eth0" ct mark & 0x2 == 0x2 masquerade'
		echo ' }'
		echo '}'
	} | ns bastion nft -f - || exit 1
	ns bastion ip rule show priority 5210 | grep -q . ||
		ns bastion ip rule add fwmark 0x100/0x100 lookup 51821 priority 5210
	ns bastion ip route replace default dev bst0 table 51821
	ns bastion sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.bst0.rp_filter=2
}

# far_conf HEADING N NAME: the N-th ini block of the section, filled in, as
# $TMP/NAME/wg0.conf (wg-quick names the interface after the file) -> $conf
far_conf() {
	local d=$TMP/$3
	mkdir -p "$d"
	doc_block "$1" ini "$2" >"$d/raw" || exit 1
	sed -e "s|<the gateway's private key>|$(cat "$TMP/gateway.key")|" \
	    -e "s|<the sidecar's private key>|$(cat "$TMP/pod.key")|" \
	    -e "s|<the bastion's public key>|$(cat "$TMP/bastion.pub")|" \
	    -e "s|bastion.example.org|198.51.100.1|" \
	    -e "s|/etc/wireguard/bastion-return.nft|$d/bastion-return.nft|" "$d/raw" >"$d/wg0.conf"
	chmod 0600 "$d/wg0.conf"
	if grep -n '<' "$d/wg0.conf"; then fail "$1: a placeholder is left in the config"; fi
	conf=$d/wg0.conf
}
# handshake NS DEV: wait until the tunnel has one
handshake() {
	local i
	ns bastion ping -c1 -W1 10.100.0.2 >/dev/null 2>&1
	for i in $(seq 30); do
		[ "$(ns "$1" wg show "$2" latest-handshakes | awk '{print $2}')" -gt 0 ] 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# ---- variant 1: the LAN leaves through the bastion -----------------------
say "variant 1: the LAN leaves through the bastion"
V1="Home gateway, variant 1"
far_conf "$V1" 1 v1
bastion_up "$(cat "$TMP/gateway.pub")" 10.100.0.0/24,192.168.1.0/24 192.168.1.0/24 "tcp 443 192.168.1.10:8443"
if ns gateway wg-quick up "$conf" >"$TMP/v1.log" 2>&1; then pass "wg-quick up (variant 1)"; else fail "wg-quick up"; cat "$TMP/v1.log"; fi
handshake gateway wg0 && pass "tunnel up" || fail "no handshake"
assert_eq "ingress: the backend sees the client's address" 203.0.113.7 "$(who client 198.51.100.1 443)"
assert_eq "egress: the internet sees the bastion" 198.51.100.1 "$(who backend 203.0.113.7 8080)"
assert_eq "the gateway's own traffic uses the home connection" 100.64.0.2 "$(who gateway 203.0.113.7 8080)"
assert_eq "with strict rp_filter on the gateway" 1 "$(ns gateway sysctl -n net.ipv4.conf.all.rp_filter)"
ns gateway wg-quick down "$conf" >>"$TMP/v1.log" 2>&1 || { fail "wg-quick down"; cat "$TMP/v1.log"; ns gateway ip link del wg0; }
assert_nomatch "PreDown removed the rules" "192.168.1.0/24" "$(ns gateway ip rule)"
assert_eq "without the tunnel, the LAN uses the home connection again" 100.64.0.2 "$(who backend 203.0.113.7 8080)"

# ---- variant 2: only replies go back through the tunnel ------------------
say "variant 2: only replies go back through the tunnel"
V2="Home gateway, variant 2"
far_conf "$V2" 1 v2
doc_block "$V2" "" 1 >"$TMP/v2/bastion-return.nft" || fail "no nftables block in $V2"
bastion_up "$(cat "$TMP/gateway.pub")" 10.100.0.0/24,192.168.1.0/24 "" \
	"tcp 443 192.168.1.10:8443" "tcp 444 192.168.1.1:8444"
if ns gateway wg-quick up "$conf" >"$TMP/v2.log" 2>&1; then pass "wg-quick up (variant 2)"; else fail "wg-quick up"; cat "$TMP/v2.log"; fi
handshake gateway wg0 && pass "tunnel up" || fail "no handshake"
assert_eq "ingress: the backend sees the client's address" 203.0.113.7 "$(who client 198.51.100.1 443)"
assert_eq "ingress to a service on the gateway itself (output route chain)" 203.0.113.7 "$(who client 198.51.100.1 444)"
assert_eq "the LAN's own traffic uses the home connection" 100.64.0.2 "$(who backend 203.0.113.7 8080)"
assert_eq "PostUp made rp_filter loose on wg0" 2 "$(ns gateway sysctl -n net.ipv4.conf.wg0.rp_filter)"
# and that line is needed: strict filtering drops the clients' packets
ns gateway sysctl -qw net.ipv4.conf.wg0.rp_filter=1
assert_eq "with strict rp_filter on wg0 ingress fails (why the doc sets 2)" "" "$(who client 198.51.100.1 443)"
ns gateway sysctl -qw net.ipv4.conf.wg0.rp_filter=2
ns gateway wg-quick down "$conf" >>"$TMP/v2.log" 2>&1 || { fail "wg-quick down"; cat "$TMP/v2.log"; ns gateway ip link del wg0; }
assert_nomatch "PreDown removed the rule" "fwmark 0x1/0x1" "$(ns gateway ip rule)"
assert_nomatch "PreDown removed the table" "bastion-return" "$(ns gateway nft list tables)"

# ---- Kubernetes: a sidecar in the pod ------------------------------------
say "Kubernetes sidecar"
KS="Kubernetes: a WireGuard sidecar"
far_conf "$KS" 2 pod
bastion_conf=$(doc_block "$KS" ini 1)
assert_match "the bastion forwards to the sidecar's tunnel address" "Destination = 10.100.0.2:443" "$bastion_conf"
bastion_up "$(cat "$TMP/pod.pub")" 10.100.0.2/32 "" "tcp 443 10.100.0.2:443"
if ns pod wg-quick up "$conf" >"$TMP/pod.log" 2>&1; then pass "wg-quick up (sidecar)"; else fail "wg-quick up"; cat "$TMP/pod.log"; fi
handshake pod wg0 && pass "tunnel up" || fail "no handshake"
assert_eq "ingress: the pod sees the client's address" 203.0.113.7 "$(who client 198.51.100.1 443)"
assert_eq "the pod's own traffic keeps its network" 100.65.0.2 "$(who pod 203.0.113.7 8080)"
ns pod wg-quick down "$conf" >>"$TMP/pod.log" 2>&1 || { fail "wg-quick down"; cat "$TMP/pod.log"; }

finish
