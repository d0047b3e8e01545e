#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Two instances side by side on one bastion, and a renamed one, with real
# packets (issue 12; SPEC §5 "One config, one instance"): wg0 forwards 8101
# through home to the backend, wg1 (another Table, Mark and Priority, its
# own key and port) forwards 8102 through a second tunnel to a service on
# lab. Both keep the client's address at once; flushing wg1 leaves wg0's
# forward working; renaming wg1 to wg2 moves 8102 to wg2 in one run and
# leaves nothing of wg1.
#
#  client ── wan ── bastion wg0 ══ home ── backend 192.168.50.10:8080
#                           wg1 ══════════ lab (wg-lab 10.101.0.2:8080,
#                                          its UDP out through home)
. "$(dirname "$0")/../lib.sh"
. "$WGB_TOP/tests/e2e/topo.sh"

saw() { local r; r=$(probe "$@" 2>&1) || { echo "(failed: $r)"; return 1; }; echo "${r%% *}"; }

keypair bastion
keypair home
keypair bastion1
keypair lab
conf() {	# conf FILE NAME PORT KEY PEERPUB ADDRESS ALLOWED FORWARD... [-- BASTION...]
	local f=$1 name=$2 port=$3 key=$4 peer=$5 addr=$6 allowed=$7
	shift 7
	{
		printf '[Interface]\nName = %s\nPrivateKeyFile = %s\nListenPort = %s\nAddress = %s\n\n' \
			"$name" "$key" "$port" "$addr"
		printf '[Peer]\nPublicKey = %s\nAllowedIPs = %s\n\n' "$peer" "$allowed"
		printf '%s\n' "$@"
	} >"$f"
	chmod 600 "$f"
}
conf "$TMP/wg0.conf" wg0 51820 "$TMP/bastion.key" "$(cat "$TMP/home.pub")" 10.100.0.1/24 \
	"10.100.0.2/32, 192.168.50.0/24" "[Forward web]" "Port = 8101" "Destination = $BACKEND4:8080"
conf "$TMP/wg1.conf" wg1 51821 "$TMP/bastion1.key" "$(cat "$TMP/lab.pub")" 10.101.0.1/24 \
	"10.101.0.2/32" "[Forward labweb]" "Port = 8102" "Destination = 10.101.0.2:8080" \
	"" "[Bastion]" "Table = 51822" "Mark = 0x4000000/0x4000000" "Priority = 5211"

say "topology: home for wg0, lab for wg1"
topo_up || { fail "topology"; finish; }
far_side_up 51820 || { fail "far side home"; finish; }
services_up || { fail "services"; finish; }
# lab's tunnel: its UDP leaves through home's uplink (masqueraded there);
# replies from its tunnel address go back into its tunnel
ns home nft -f - <<'EOF'
table ip labnat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "eth0" ip saddr 192.168.60.0/24 masquerade
	}
}
EOF
wg_dev_add lab wg-lab || { fail "wg-lab"; finish; }
ns lab wg set wg-lab private-key "$TMP/lab.key" peer "$(cat "$TMP/bastion1.pub")" \
	allowed-ips 0.0.0.0/0 endpoint "$BASTION4:51821" persistent-keepalive 1
ipb lab <<'EOF'
address add 10.101.0.2/24 dev wg-lab
link set wg-lab mtu 1420 up
rule add from 10.101.0.2 lookup 102 priority 100
route add default dev wg-lab table 102
EOF

say "two instances side by side"
assert_rc "apply wg0" 0 wgb bastion -c "$TMP/wg0.conf" apply
assert_rc "apply wg1" 0 wgb bastion -c "$TMP/wg1.conf" apply
tunnel_wait || fail "home: no handshake"
for _ in $(seq 50); do
	[ "$(ns lab wg show wg-lab latest-handshakes | cut -f2)" != 0 ] && break
	sleep 0.1
done
assert_eq "wg0's forward keeps the client's address" "$CLIENT4" "$(saw client tcp "$BASTION4" 8101)"
assert_eq "wg1's forward too, through its own tunnel" "$CLIENT4" "$(saw client tcp "$BASTION4" 8102)"
assert_eq "wg0 is in sync" "in sync" "$(wgb bastion -c "$TMP/wg0.conf" apply 2>&1)"
assert_eq "wg1 is in sync" "in sync" "$(wgb bastion -c "$TMP/wg1.conf" apply 2>&1)"

say "flushing wg1 leaves wg0 forwarding"
assert_rc "flush wg1" 0 wgb bastion -c "$TMP/wg1.conf" flush
assert_eq "wg0's forward still works" "$CLIENT4" "$(saw client tcp "$BASTION4" 8101)"
assert_match "wg1's does not" '^\(failed' "$(saw client tcp "$BASTION4" 8102)"
assert_eq "wg0 is still in sync" "in sync" "$(wgb bastion -c "$TMP/wg0.conf" apply 2>&1)"

say "renamed: wg1 becomes wg2 in one run"
assert_rc "apply wg1 again" 0 wgb bastion -c "$TMP/wg1.conf" apply
sed -i 's/^Name = wg1$/Name = wg2/' "$TMP/wg1.conf"
out=$(wgb bastion -c "$TMP/wg1.conf" apply 2>&1)
assert_match "the plan removes the old instance" '^- instance wg1' "$out"
assert_nomatch "no wg1 link is left" 'wg1' "$(ns bastion ip -o link show)"
assert_nomatch "nor its table" 'wgbastion-wg1' "$(ns bastion nft list tables)"
# lab's session was with wg1: it notices the silence and handshakes
# again within about 15 s (keepalive and rekey timeouts); data from lab
# makes it try
for i in $(seq 300); do
	[ "$(ns bastion wg show wg2 latest-handshakes 2>/dev/null | cut -f2)" != 0 ] && break
	[ $((i % 10)) = 1 ] && probe lab -t 0.1 udp 10.101.0.1 9 >/dev/null 2>&1
	sleep 0.1
done
echo "    wg2's first handshake after $((i / 10)) s"
assert_eq "8102 now through wg2, the client's address kept" "$CLIENT4" "$(saw client tcp "$BASTION4" 8102)"
assert_eq "wg0's forward untouched" "$CLIENT4" "$(saw client tcp "$BASTION4" 8101)"

say "flush both"
assert_rc "flush wg2" 0 wgb bastion -c "$TMP/wg1.conf" flush
assert_rc "flush wg0" 0 wgb bastion -c "$TMP/wg0.conf" flush
assert_eq "no rule of either" "" "$(ns bastion ip rule | grep 'proto 87')"
assert_eq "no table of either" "" "$(ns bastion nft list tables | grep wgbastion)"

finish
