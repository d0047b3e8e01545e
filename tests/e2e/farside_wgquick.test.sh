#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `wgbastion far-side --format wg-quick` end to end: the bastion runs
# wgbastion; home runs exactly the file far-side printed (its private key
# filled in) with `wg-quick up`, nothing else. Then real TCP and UDP, IPv4
# and IPv6: ingress to a LAN host and to a service on the gateway itself
# keeps the client's address; the LAN's internet traffic leaves by the
# bastion ([Exit] from the bastion's [Egress]); home's own traffic and
# LAN-to-gateway traffic stay direct; the LAN reaches its own services by
# the bastion's public address (hairpin); `wg-quick down` leaves home
# exactly as it was. Topology: topo.sh (home's tunnel is wg-home).
. "$(dirname "$0")/../lib.sh"
. "$WGB_TOP/tests/e2e/topo.sh"
command -v wg-quick >/dev/null || { echo "SKIP: wg-quick (wireguard-tools) not installed"; exit 77; }

CONF=$TMP/bastion.conf
WGQ=$TMP/wg-home.conf
saw() { local r; r=$(probe "$@" 2>&1) || { echo "(failed: $r)"; return 1; }; echo "${r%% *}"; }

home_state() {
	{
		echo "# rules"; ns home ip rule; ns home ip -6 rule
		echo "# routes"; ns home ip route show table all | grep -v 'table local'
		ns home ip -6 route show table all | grep -v 'table local'
		echo "# nft"; ns home nft list ruleset
		echo "# links"; ns home ip -br link | sed 's/@[^ ]*//'
	} 2>&1
}

keypair bastion
keypair home
cat >"$CONF" <<EOF
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
[Egress home]
Source = 192.168.50.0/24, fd50::/64
Interface = eth0
EOF
chmod 600 "$CONF"

say "topology"
topo_up || { fail "topology"; finish; }
services_up || { fail "services"; finish; }
svc home tcp:8090 || { fail "the gateway's own service"; finish; }
sysctls bastion net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.eth0.rp_filter=1
sysctls home net.ipv4.conf.all.rp_filter=1
assert_rc "bastion: apply" 0 wgb bastion -c "$CONF" apply

say "far-side prints the wg-quick file"
assert_rc "far-side --format wg-quick" 0 wgb bastion -c "$CONF" far-side --format wg-quick --endpoint "$BASTION4"
cp "$TMP/out" "$WGQ.raw"
grep -qF -- "$(cat "$TMP/bastion.key")" "$WGQ.raw" && fail "the bastion's private key printed" || pass "never the bastion's private key"
assert_match "the bastion's public key" "^PublicKey = $(printf '%s' "$(cat "$TMP/bastion.pub")" | sed 's/[+/]/\\&/g')$" "$(cat "$WGQ.raw")"
assert_match "a placeholder for the far side's key" "^PrivateKey = <the far side's private key>$" "$(cat "$WGQ.raw")"
assert_match "endpoint as given" "^Endpoint = $BASTION4:51820$" "$(cat "$WGQ.raw")"
assert_match "keepalive 25" "^PersistentKeepalive = 25$" "$(cat "$WGQ.raw")"
assert_match "Table = off" "^Table = off$" "$(cat "$WGQ.raw")"
sed "s|^PrivateKey = .*|PrivateKey = $(cat "$TMP/home.key")|" "$WGQ.raw" >"$WGQ"
chmod 600 "$WGQ"

pristine=$(home_state)
say "wg-quick up, the file as printed"
assert_rc "wg-quick up" 0 ns home env WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go wg-quick up "$WGQ"
tunnel_wait && pass "tunnel: handshake" || fail "tunnel: no handshake"

say "ingress keeps the client's address"
assert_eq "tcp to the LAN host (IPv4)" "$CLIENT4" "$(saw client tcp "$BASTION4" 8080)"
assert_eq "tcp to the LAN host (IPv6)" "$CLIENT6" "$(saw client tcp "$BASTION6" 8080)"
assert_eq "udp to the LAN host" "$CLIENT4" "$(saw client udp "$BASTION4" 5353)"
assert_eq "tcp to the gateway's own service" "$CLIENT4" "$(saw client tcp "$BASTION4" 8090)"
assert_eq "a second client too" "$CLIENT2_4" "$(saw client2 tcp "$BASTION4" 8080)"

say "exit and what stays local"
assert_eq "the LAN's internet traffic leaves by the bastion" "$BASTION4" "$(saw backend tcp "$SERVER4" 80)"
home_seen=$(saw home tcp "$SERVER4" 80)
[ "$home_seen" != "$BASTION4" ] && [ "${home_seen#(failed}" = "$home_seen" ] &&
	pass "the gateway's own traffic stays local (server saw $home_seen)" ||
	fail "the gateway's own traffic: server saw $home_seen"
assert_eq "LAN to gateway stays direct" "$BACKEND4" "$(saw backend tcp 192.168.50.1 8090)"

say "hairpin: the LAN reaches its own services by the bastion's public address"
# through the tunnel (the LAN exits by the bastion), DNATed back into it and
# masqueraded to the bastion's tunnel address, so the answer returns the
# same way (SPEC §4)
assert_eq "to a LAN host (IPv4)" "$BASTION_WG4" "$(saw backend tcp "$BASTION4" 8080)"
assert_eq "to a LAN host (IPv6)" "fd10:100::1" "$(saw backend tcp "$BASTION6" 8080)"
assert_eq "udp to a LAN host" "$BASTION_WG4" "$(saw backend udp "$BASTION4" 5353)"
assert_eq "to the gateway's own service" "$BASTION_WG4" "$(saw backend tcp "$BASTION4" 8090)"
assert_eq "a client from outside still keeps its address" "$CLIENT4" "$(saw client tcp "$BASTION4" 8080)"

say "wg-quick down removes exactly what up added"
assert_rc "wg-quick down" 0 ns home env WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go wg-quick down "$WGQ"
assert_eq "home as before" "$pristine" "$(home_state)"

say "--format wgbastion (the default)"
assert_rc "far-side" 0 wgb bastion -c "$CONF" far-side --endpoint bastion.example.net:51820
wgbf=$(cat "$TMP/out")
assert_match "a [Return] per forward behind the peer" "^\[Return web6\]$" "$wgbf"
assert_match "its destination" "^Destination = 192\.168\.50\.1$" "$wgbf"
assert_match "an [Exit] for the egress" "^\[Exit home\]$" "$wgbf"
assert_match "the exit's sources" "^Source = 192\.168\.50\.0/24, fd50::/64$" "$wgbf"
assert_match "the far side's tunnel address" "^Address = $HOME_WG4/24, $HOME_WG6/64$" "$wgbf"
assert_match "the endpoint by name" "^Endpoint = bastion\.example\.net:51820$" "$wgbf"
assert_match "AllowedIPs for both client families" "^AllowedIPs = 0\.0\.0\.0/0, ::/0$" "$wgbf"
grep -qF -- "$(cat "$TMP/bastion.key")" <<<"$wgbf" && fail "the bastion's private key printed" || pass "no key of the bastion's"

say "bad requests"
assert_rc "--format unknown: exit 2" 2 wgb bastion -c "$CONF" far-side --format ini
assert_rc "--peer 2 of 1: exit 2" 2 wgb bastion -c "$CONF" far-side --peer 2
assert_rc "--peer by public key" 0 wgb bastion -c "$CONF" far-side --peer "$(cat "$TMP/home.pub")"
assert_rc "--endpoint with a bad port: exit 2" 2 wgb bastion -c "$CONF" far-side --endpoint 192.0.2.10:99999
finish
