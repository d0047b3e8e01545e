#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# One home behind two bastions (SPEC §5, §6): two wgbastion instances on
# the home gateway, one tunnel to each bastion, configs from each
# bastion's `far-side` that differ only in Name, ListenPort and [Bastion]
# Table/Mark/Priority. Each connection is answered through the tunnel it
# came in by, even though the first instance also has an [Exit] for the
# LAN; a third instance that would share a Table is refused; flushing one
# instance leaves the other forwarding. Topology: topo.sh, plus bastion2.
. "$(dirname "$0")/../lib.sh"
. "$WGB_TOP/tests/e2e/topo.sh"

saw() { local r; r=$(probe "$@" 2>&1) || { echo "(failed: $r)"; return 1; }; echo "${r%% *}"; }

# bastion_conf FILE NAME TUNNEL-PREFIX(10.100.0) V6-PREFIX(fd10:100) KEY HOMEPUB [EGRESS]
# (each tunnel its own name: all namespaces share /run/wireguard)
bastion_conf() {
	local f=$1 name=$2; shift 2
	set -- "$f" "$@"
	cat >"$1" <<EOF2
[Interface]
Name = $name
PrivateKeyFile = $TMP/$4.key
Address = $2.1/24, $3::1/64
[Peer]
PublicKey = $(cat "$TMP/$5.pub")
AllowedIPs = $2.2/32, $3::2/128, 192.168.50.0/24, fd50::/64
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
EOF2
	[ -n "${6:-}" ] && printf '[Egress home]\nSource = 192.168.50.0/24, fd50::/64\nInterface = eth0\n' >>"$1"
	chmod 600 "$1"
}

keypair bastion
keypair bastion2
keypair home-a
keypair home-b
bastion_conf "$TMP/a.conf" wg0 10.100.0 fd10:100 bastion home-a egress
bastion_conf "$TMP/b.conf" wg-b2 10.101.0 fd10:101 bastion2 home-b

say "topology"
topo_up || { fail "topology"; finish; }
bastion2_up || { fail "the second bastion"; finish; }
services_up || { fail "services"; finish; }
svc home tcp:8090 || { fail "the gateway's own service"; finish; }
sysctls home net.ipv4.conf.all.rp_filter=1
assert_rc "bastion: apply" 0 wgb bastion -c "$TMP/a.conf" apply
assert_rc "bastion2: apply" 0 wgb bastion2 -c "$TMP/b.conf" apply

say "home's two instances, from each bastion's far-side"
assert_rc "far-side of bastion" 0 wgb bastion -c "$TMP/a.conf" far-side --endpoint "$BASTION4"
sed -e "s|^PrivateKeyFile = .*|PrivateKeyFile = $TMP/home-a.key|" -e "s|^Name = .*|Name = wg-a|" \
	"$TMP/out" >"$TMP/home-a.conf"
assert_rc "far-side of bastion2" 0 wgb bastion2 -c "$TMP/b.conf" far-side --endpoint "$BASTION2_4"
sed -e "s|^PrivateKeyFile = .*|PrivateKeyFile = $TMP/home-b.key|" -e "s|^Name = .*|Name = wg-b|" \
	-e "s|^ListenPort = .*|ListenPort = 51821|" "$TMP/out" >"$TMP/home-b.conf"
printf '\n[Bastion]\nTable = 51822\nMark = 0x4000000\nPriority = 5220\n' >>"$TMP/home-b.conf"
chmod 600 "$TMP/home-a.conf" "$TMP/home-b.conf"
assert_match "only the first has an exit" '^\[Exit home\]$' "$(cat "$TMP/home-a.conf")"
assert_nomatch "the second has none" '^\[Exit' "$(cat "$TMP/home-b.conf")"
assert_rc "home: apply wg-a" 0 wgb home -c "$TMP/home-a.conf" apply
assert_rc "home: apply wg-b" 0 wgb home -c "$TMP/home-b.conf" apply
tunnel_wait wg-a "$BASTION_WG4" && pass "tunnel a: handshake" || fail "tunnel a: no handshake"
tunnel_wait wg-b "$BASTION2_WG4" && pass "tunnel b: handshake" || fail "tunnel b: no handshake"

say "each bastion forwards, each connection answered by its own tunnel"
assert_eq "by bastion: tcp to the LAN host" "$CLIENT4" "$(saw client tcp "$BASTION4" 8080)"
assert_eq "by bastion2: tcp to the LAN host" "$CLIENT4" "$(saw client tcp "$BASTION2_4" 8080)"
assert_eq "by bastion2: IPv6" "$CLIENT6" "$(saw client tcp "$BASTION2_6" 8080)"
assert_eq "by bastion2: udp" "$CLIENT2_4" "$(saw client2 udp "$BASTION2_4" 5353)"
assert_eq "by bastion: the gateway's own service" "$CLIENT4" "$(saw client tcp "$BASTION4" 8090)"
assert_eq "by bastion2: the gateway's own service" "$CLIENT4" "$(saw client tcp "$BASTION2_4" 8090)"
assert_eq "the LAN's internet traffic leaves by the first bastion" "$BASTION4" "$(saw backend tcp "$SERVER4" 80)"
assert_eq "LAN to gateway stays direct" "$BACKEND4" "$(saw backend tcp 192.168.50.1 8090)"
cnt=$(ns home nft list counter inet wgbastion-wg-b return_web | tr -d '\n')
assert_match "wg-b's return counted its connection" 'packets [1-9]' "$cnt"

say "the instances keep to their own"
assert_eq "wg-a: in sync" "in sync" "$(wgb home -c "$TMP/home-a.conf" apply 2>&1)"
assert_eq "wg-b: in sync" "in sync" "$(wgb home -c "$TMP/home-b.conf" apply 2>&1)"
sed -e "s|^Name = .*|Name = wg-c|" -e "s|^ListenPort = .*|ListenPort = 51822|" \
	-e "s|^Mark = .*|Mark = 0x2000000|" -e "s|^Priority = .*|Priority = 5230|" "$TMP/home-b.conf" >"$TMP/home-c.conf"
chmod 600 "$TMP/home-c.conf"
assert_rc "a third instance on wg-b's Table: refused" 2 wgb home -c "$TMP/home-c.conf" apply
assert_match "naming the instance and the key" 'Table = 51822 is already used by instance wg-b' "$(cat "$TMP/out")"
assert_eq "and nothing of it was made" "" "$(ns home ip -br link show wg-c 2>/dev/null)"
sed -e "s|^Name = .*|Name = wg-c|" -e "s|^ListenPort = .*|ListenPort = 51822|" \
	-e "s|^Table = .*|Table = 51823|" -e "s|^Mark = .*|Mark = 0x2000000|" -e "s|^Priority = .*|Priority = 5230|" \
	"$TMP/home-a.conf" >"$TMP/home-c2.conf"
printf '\n[Bastion]\nTable = 51823\nMark = 0x2000000\nPriority = 5230\n' >>"$TMP/home-c2.conf"
chmod 600 "$TMP/home-c2.conf"
assert_rc "a third instance whose [Exit] would share wg-a's ExitMark: refused" 2 wgb home -c "$TMP/home-c2.conf" apply
assert_match "naming ExitMark" 'ExitMark = 0x1000000 .* is already used by instance wg-a' "$(cat "$TMP/out")"

say "flush one, the other keeps forwarding"
assert_rc "home: flush wg-b" 0 wgb home -c "$TMP/home-b.conf" flush
assert_eq "by bastion: still" "$CLIENT4" "$(saw client tcp "$BASTION4" 8080)"
assert_eq "by bastion: the gateway's service still" "$CLIENT4" "$(saw client tcp "$BASTION4" 8090)"
assert_eq "the exit still" "$BASTION4" "$(saw backend tcp "$SERVER4" 80)"
gone=$(saw client -t 1 tcp "$BASTION2_4" 8080)
[ "${gone#(failed}" != "$gone" ] && pass "by bastion2: no longer ($gone)" || fail "by bastion2 still answered: $gone"
assert_eq "wg-a: still in sync" "in sync" "$(wgb home -c "$TMP/home-a.conf" apply 2>&1)"
assert_eq "no rule of wg-b left" "" "$(ns home ip rule | grep -e 51822 -e 0x4000000)"
assert_rc "home: flush wg-a" 0 wgb home -c "$TMP/home-a.conf" flush
assert_eq "no rule of ours left" "" "$(ns home ip rule | grep 'proto 87')"
assert_eq "no table of ours left" "" "$(ns home nft list tables | grep wgbastion)"
finish
