#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The far side run by wgbastion itself (SPEC §6): the bastion runs
# wgbastion; home runs wgbastion too, on the config `wgbastion far-side`
# printed (its key path and tunnel name filled in), nothing else. Then real
# TCP and UDP, IPv4 and IPv6: ingress to a LAN host and to a service on the
# gateway itself keeps the client's address; the LAN's internet traffic
# leaves by the bastion ([Exit]); home's own traffic and LAN-to-gateway
# traffic stay direct. Home's second apply writes nothing, drift is
# repaired, flush leaves home as it was, and then the bastion's show names
# the forwards whose far side no longer answers. Topology: topo.sh.
. "$(dirname "$0")/../lib.sh"
. "$WGB_TOP/tests/e2e/topo.sh"

CONF=$TMP/bastion.conf
FAR=$TMP/home.conf
saw() { local r; r=$(probe "$@" 2>&1) || { echo "(failed: $r)"; return 1; }; echo "${r%% *}"; }

home_state() {
	{
		echo "# rules"; ns home ip rule; ns home ip -6 rule
		echo "# routes"; ns home ip route show table all | grep -v 'table local'
		ns home ip -6 route show table all | grep -v 'table local'
		echo "# nft"; ns home nft list ruleset
		echo "# links"; ns home ip -br link | sed 's/@[^ ]*//'
		echo "# sysctls"; ns home sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding \
			net.ipv4.conf.all.rp_filter
	} 2>&1
}

keypair bastion
keypair home
cat >"$CONF" <<EOF2
[Interface]
Name = wg0
PrivateKeyFile = $TMP/bastion.key
Address = $BASTION_WG4/24, fd10:100::1/64
[Peer]
PublicKey = $(cat "$TMP/home.pub")
AllowedIPs = $HOME_WG4/32, $HOME_WG6/128, 192.168.50.0/24, fd50::/64
[Forward web]
Port = 8080
Destination = $BACKEND4:8080
[Forward web6]
Port = 8080
Destination = [$BACKEND6]:8080
[Forward dns]
Protocol = udp
Port = 5353
Destination = $BACKEND4
[Forward gateway]
Port = 8090
Destination = 192.168.50.1:8090
[Forward gateway6]
Port = 8090
Destination = [fd50::1]:8090
[Egress home]
Source = 192.168.50.0/24, fd50::/64
Interface = eth0
EOF2
chmod 600 "$CONF"

say "topology"
topo_up || { fail "topology"; finish; }
services_up || { fail "services"; finish; }
svc home tcp:8090 || { fail "the gateway's own service"; finish; }
sysctls bastion net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.eth0.rp_filter=1
# strict reverse-path filtering on home: the tunnel must be made loose
sysctls home net.ipv4.conf.all.rp_filter=1
assert_rc "bastion: apply" 0 wgb bastion -c "$CONF" apply

say "far-side prints home's wgbastion config"
assert_rc "far-side" 0 wgb bastion -c "$CONF" far-side --endpoint "$BASTION4"
# the placeholder key path becomes home's key; the tunnel gets a name of
# its own (all namespaces share /run/wireguard)
sed -e "s|^PrivateKeyFile = .*|PrivateKeyFile = $TMP/home.key|" -e "s|^Name = .*|Name = wg-home|" \
	"$TMP/out" >"$FAR"
chmod 600 "$FAR"
grep -qF -- "$(cat "$TMP/bastion.key")" "$FAR" && fail "the bastion's private key printed" || pass "never the bastion's private key"
assert_rc "home: check" 0 wgb home -c "$FAR" check

pristine=$(home_state)
say "home: apply"
assert_rc "home: apply" 0 wgb home -c "$FAR" apply
applied_plan=$(cat "$TMP/out")
assert_match "plan: a return per forward" '^\+ return web6$' "$applied_plan"
assert_match "plan: the exit" '^\+ exit home$' "$applied_plan"
assert_match "plan: the exit's rules, main table first" '^\+ rule fwmark 0x1000000/0x1000000 lookup main suppress_prefixlength 0 priority 5200 \(ipv4\)$' "$applied_plan"
assert_match "plan: loose rp_filter on the tunnel" '^\+ sysctl net.ipv4.conf.wg-home.rp_filter 2$' "$applied_plan"
tunnel_wait && pass "tunnel: handshake" || fail "tunnel: no handshake"

say "ingress keeps the client's address"
assert_eq "tcp to the LAN host (IPv4)" "$CLIENT4" "$(saw client tcp "$BASTION4" 8080)"
assert_eq "tcp to the LAN host (IPv6)" "$CLIENT6" "$(saw client tcp "$BASTION6" 8080)"
assert_eq "udp to the LAN host" "$CLIENT4" "$(saw client udp "$BASTION4" 5353)"
assert_eq "tcp to the gateway's own service" "$CLIENT4" "$(saw client tcp "$BASTION4" 8090)"
assert_eq "tcp to the gateway's own service (IPv6)" "$CLIENT6" "$(saw client tcp "$BASTION6" 8090)"
assert_eq "a second client too" "$CLIENT2_4" "$(saw client2 tcp "$BASTION4" 8080)"

say "exit, and what stays local"
assert_eq "the LAN's internet traffic leaves by the bastion (IPv4)" "$BASTION4" "$(saw backend tcp "$SERVER4" 80)"
assert_eq "the LAN's internet traffic leaves by the bastion (IPv6)" "$BASTION6" "$(saw backend tcp "$SERVER6" 80)"
assert_eq "udp too" "$BASTION4" "$(saw backend udp "$SERVER4" 53)"
home_seen=$(saw home tcp "$SERVER4" 80)
[ "$home_seen" != "$BASTION4" ] && [ "${home_seen#(failed}" = "$home_seen" ] &&
	pass "the gateway's own traffic stays local (server saw $home_seen)" ||
	fail "the gateway's own traffic: server saw $home_seen"
assert_eq "LAN to gateway stays direct" "$BACKEND4" "$(saw backend tcp 192.168.50.1 8090)"
# (the lab is not masqueraded by home, so the carrier's NAT drops it: all
# that matters here is that it does not leave by the bastion)
lab_seen=$(saw lab tcp "$SERVER4" 80)
[ "$lab_seen" != "$BASTION4" ] && pass "the lab LAN is in no exit: not by the bastion ($lab_seen)" ||
	fail "the lab LAN left by the bastion"

say "hairpin: the LAN reaches its own services by the bastion's public address"
# into the tunnel by the exit, DNATed back by the bastion and masqueraded to
# its tunnel address: a new connection from the tunnel for home's return
assert_eq "to a LAN host (IPv4)" "$BASTION_WG4" "$(saw backend tcp "$BASTION4" 8080)"
assert_eq "to a LAN host (IPv6)" "fd10:100::1" "$(saw backend tcp "$BASTION6" 8080)"
assert_eq "to the gateway's own service" "$BASTION_WG4" "$(saw backend tcp "$BASTION4" 8090)"

say "home's counters count"
nft_home=$(ns home nft list counters table inet wgbastion-wg-home)
assert_match "return web counted connections" 'counter return_web \{[^}]*packets [1-9]' "$(tr -d '\n' <<<"$nft_home" | sed 's/counter /\ncounter /g')"
assert_match "exit home counted connections" 'counter exit_home \{[^}]*packets [1-9]' "$(tr -d '\n' <<<"$nft_home" | sed 's/counter /\ncounter /g')"

say "home: a second apply writes nothing"
snapshot=$(home_state)
ns_bg home ip monitor link address route rule netconf >"$TMP/ipmon" 2>&1
ipmon=${WGB_PIDS[-1]}
ns_bg home nft monitor >"$TMP/nftmon" 2>&1
nftmon=${WGB_PIDS[-1]}
sleep 0.5
out=$(wgb home -c "$FAR" apply 2>&1)
assert_eq "in sync" "in sync" "$out"
sleep 0.3
ns home ip rule add priority 7777 fwmark 0x77 lookup 77
ns home ip rule del priority 7777
ns home nft add table inet wgb-probe
ns home nft delete table inet wgb-probe
sleep 0.5
bg_stop "$ipmon"
bg_stop "$nftmon"
assert_match "ip monitor was listening" '7777' "$(cat "$TMP/ipmon")"
assert_match "nft monitor was listening" 'wgb-probe' "$(cat "$TMP/nftmon")"
assert_eq "ip monitor saw nothing from apply" "" "$(grep -v 7777 "$TMP/ipmon")"
assert_eq "nft monitor saw nothing from apply" "" "$(grep -v -e wgb-probe -e '(nft)$' "$TMP/nftmon")"

say "drift on home is repaired"
ns home ip rule del priority 5200
ns home ip -6 rule del priority 5210
h=$(ns home nft -a list chain inet wgbastion-wg-home far_out | sed -n 's/.*comment "returns: replies of this host into the tunnel" # handle \([0-9]*\)$/\1/p')
ns home nft delete rule inet wgbastion-wg-home far_out handle "$h"
ns home nft add element inet wgbastion-wg-home exit_home_src4 '{ 10.99.0.0/16 }'
assert_rc "apply --dry-run sees it" 3 wgb home -c "$FAR" apply --dry-run
assert_rc "apply repairs it" 0 wgb home -c "$FAR" apply
repair=$(cat "$TMP/out")
assert_match "the exit's rule is back" '^\+ rule fwmark 0x1000000/0x1000000 lookup main suppress_prefixlength 0 priority 5200 \(ipv4\)$' "$repair"
assert_match "the return's IPv6 rule is back" '^\+ rule fwmark 0x8000000/0x8000000 lookup 51821 priority 5210 \(ipv6\)$' "$repair"
assert_match "the exit's sources are the config's again" '^~ exit home: source changed$' "$repair"
assert_match "the output chain is refilled" '^~ nft chain far_out' "$repair"
assert_eq "home as the first apply left it" "$snapshot" "$(home_state)"
assert_eq "the gateway's own service answers through the tunnel again" "$CLIENT4" "$(saw client tcp "$BASTION4" 8090)"
assert_eq "IPv6 ingress again" "$CLIENT6" "$(saw client tcp "$BASTION6" 8080)"

say "home: flush leaves it as it was"
assert_rc "home: flush" 0 wgb home -c "$FAR" flush
assert_eq "home as before" "$pristine" "$(home_state)"
assert_rc "home: flush again (idempotent)" 0 wgb home -c "$FAR" flush

say "the bastion names forwards whose far side does not answer"
probe client -t 1 tcp "$BASTION4" 8080 >/dev/null 2>&1
probe client -t 1 udp "$BASTION4" 5353 >/dev/null 2>&1
assert_rc "bastion: show" 0 wgb bastion -c "$CONF" show
assert_match "show: no reply for web" 'web.*no reply|no reply' "$(cat "$TMP/out")"
assert_rc "bastion: show --json" 0 wgb bastion -c "$CONF" show --json
assert_match "json: web unanswered" '"unanswered": *[1-9]' "$(cat "$TMP/out")"
finish
