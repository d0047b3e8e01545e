#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# show --prometheus against live state with real traffic; every document is
# read by prom_check.py, a strict reader of the text format 0.0.4:
#
#   [client] c0 192.0.2.2 ---- b0 192.0.2.1 [bastion] b1 198.51.100.1 ---- f0 198.51.100.2 [far]
#                                          wgp0 10.100.0.1   ==tunnel==   wgf 10.100.0.2
#                                                                        lo 192.168.50.10:80 (socat)
#   forward web: tcp 8080 -> 192.168.50.10:80, through which the client
#   talks to the far side; forward dark: tcp 8082 -> 192.168.50.10:82,
#   whose replies the far side drops (the no-reply gauge, issue 14).
. "$(dirname "$0")/../lib.sh"

CHECK=$WGB_TOP/tests/integration/prom_check.py
netns_add client bastion far
veth client c0 bastion b0
veth bastion b1 far f0
ns client ip addr add 192.0.2.2/24 dev c0
ns bastion ip addr add 192.0.2.1/24 dev b0
ns bastion ip addr add 198.51.100.1/24 dev b1
ns far ip addr add 198.51.100.2/24 dev f0
ns far ip addr add 192.168.50.10/32 dev lo
keypair bastion
keypair far
IF=wgp0

cat >"$TMP/wgb.conf" <<EOC
[Interface]
Name = $IF
PrivateKeyFile = $TMP/bastion.key
ListenPort = 51820
Address = 10.100.0.1/24

[Peer]
PublicKey = $(cat "$TMP/far.pub")
AllowedIPs = 10.100.0.2/32, 192.168.50.0/24

[Forward web]
Port = 8080
Destination = 192.168.50.10:80

[Forward dark]
Port = 8082
Destination = 192.168.50.10:82
EOC

# prom NAME [wgbastion args]: show --prometheus into $TMP/NAME.prom, its exit
# status in $rc, the checker's reading (or its complaint) in $TMP/NAME.txt
prom() {
	local name=$1
	shift
	wgb bastion "$@" show --prometheus >"$TMP/$name.prom" 2>"$TMP/$name.err"
	rc=$?
	if python3 "$CHECK" "$TMP/$name.prom" >"$TMP/$name.txt" 2>&1; then
		pass "$name: the document parses ($(grep -c . "$TMP/$name.txt") samples)"
	else
		fail "$name: the document does not parse: $(cat "$TMP/$name.txt")"
		sed 's/^/      /' "$TMP/$name.prom" | head -40
	fi
}
# val NAME SERIES: the value of one series in a document read by prom
val() { grep -F "$2 " "$TMP/$1.txt" | awk '{ print $NF }'; }
S_IN="instance=\"$IF\""
S_WEB="forward=\"web\",$S_IN"

say "the checker refuses what it must"
out=$(python3 "$CHECK" --self-test); rc=$?
printf '%s\n' "$out" | sed 's/^/   /'
assert_eq "prom_check.py --self-test" 0 "$rc"
assert_match "it refuses interleaved families" "^ok: refused interleaved" "$out"

say "usage: --json and --prometheus are exclusive"
assert_rc "show --json --prometheus" 2 wgb bastion -c "$TMP/wgb.conf" show --json --prometheus
assert_rc "show --prometheus extra" 2 wgb bastion -c "$TMP/wgb.conf" show --prometheus extra

say "not applied yet: still a valid document, and show's exit status"
wgb bastion -c "$TMP/wgb.conf" show >/dev/null 2>&1; want=$?
prom before -c "$TMP/wgb.conf"
assert_eq "exit status as show's" "$want" "$rc"
assert_eq "up 0" 0 "$(val before "wgbastion_up{$S_IN}")"
assert_eq "in_sync 0" 0 "$(val before "wgbastion_in_sync{$S_IN}")"
assert_eq "config_valid 1" 1 "$(val before "wgbastion_config_valid{$S_IN}")"
assert_match "differences to make" "^[1-9][0-9]*$" "$(val before "wgbastion_differences{$S_IN}")"

# the far side: a home gateway as in SPEC's appendix
wg_dev_add far wgf || exit 1
ns far wg set wgf private-key "$TMP/far.key" peer "$(cat "$TMP/bastion.pub")" \
	endpoint 198.51.100.1:51820 allowed-ips 0.0.0.0/0 persistent-keepalive 1
ns far ip addr add 10.100.0.2/24 dev wgf
ns far ip link set wgf up
ns far ip route add default dev wgf
ns_bg far socat TCP4-LISTEN:80,bind=192.168.50.10,reuseaddr,fork SYSTEM:'echo hello-from-far'
ns_bg far socat TCP4-LISTEN:82,bind=192.168.50.10,reuseaddr,fork SYSTEM:'echo unheard'

assert_rc "apply" 0 wgb bastion -c "$TMP/wgb.conf" apply
for i in $(seq 50); do
	ns bastion wg show $IF latest-handshakes 2>/dev/null | awk '{ exit !($2 > 0) }' && break
	sleep 0.2
done

say "applied: up, in sync, the peer by its public key"
prom applied -c "$TMP/wgb.conf"
assert_eq "exit 0" 0 "$rc"
assert_eq "up 1" 1 "$(val applied "wgbastion_up{$S_IN}")"
assert_eq "in_sync 1" 1 "$(val applied "wgbastion_in_sync{$S_IN}")"
assert_eq "differences 0" 0 "$(val applied "wgbastion_differences{$S_IN}")"
assert_eq "peers 1" 1 "$(val applied "wgbastion_peers{$S_IN}")"
S_PEER="$S_IN,peer=\"$(cat "$TMP/far.pub")\""
hs=$(val applied "wgbastion_peer_latest_handshake_timestamp_seconds{$S_PEER}")
now=$(date +%s)
assert_match "handshake timestamp within the last minute ($hs, now $now)" "^[0-9]+$" "$hs"
[ "${hs:-0}" -gt $((now - 60)) ] && [ "${hs:-0}" -le $((now + 1)) ] && pass "handshake recent" ||
	fail "handshake timestamp $hs not within a minute of $now"
web0=$(val applied "wgbastion_forward_packets_total{$S_WEB}")
assert_match "web's packet counter exists ($web0)" "^[0-9]+$" "$web0"
rx0=$(val applied "wgbastion_peer_receive_bytes_total{$S_PEER}")
assert_eq "no sample without a label set of ours" "" \
	"$(grep -v "instance=\"$IF\"" "$TMP/applied.txt")"
all="$(cat "$TMP/applied.prom" "$TMP/applied.err")"
assert_nomatch "no bastion private key" "$(cat "$TMP/bastion.key")" "$all"
assert_nomatch "no far private key" "$(cat "$TMP/far.key")" "$all"

say "traffic through forward web moves its counter"
got=$(ns client timeout 5 socat -T3 - TCP4:192.0.2.1:8080 </dev/null 2>&1)
assert_eq "connection through the forward" "hello-from-far" "$got"
prom traffic -c "$TMP/wgb.conf"
web1=$(val traffic "wgbastion_forward_packets_total{$S_WEB}")
rx1=$(val traffic "wgbastion_peer_receive_bytes_total{$S_PEER}")
nft_pk=$(ns bastion nft -j list counter inet wgbastion-$IF forward_web |
	python3 -c 'import json,sys; d=json.load(sys.stdin)["nftables"]; print([o["counter"]["packets"] for o in d if "counter" in o][0])')
[ "${web1:-0}" -gt "${web0:-0}" ] && pass "web packets $web0 -> $web1" ||
	fail "web packets did not move: $web0 -> $web1"
[ "${rx1:-0}" -gt "${rx0:-0}" ] && pass "peer rx bytes $rx0 -> $rx1" ||
	fail "peer rx bytes did not move: $rx0 -> $rx1"
[ "${web1:-0}" -le "$nft_pk" ] && pass "web packets $web1 <= nft's own now ($nft_pk)" ||
	fail "web packets $web1 > nft's counter $nft_pk"
assert_match "web's bytes counted" "^[1-9][0-9]*$" "$(val traffic "wgbastion_forward_bytes_total{$S_WEB}")"
assert_eq "web: no reply 0" 0 "$(val traffic "wgbastion_forward_no_reply{$S_WEB}")"

say "a far side that drops its replies: forward dark's no-reply gauge"
ns far nft add table inet wgbt_drop
ns far nft add chain inet wgbt_drop out '{ type filter hook output priority 0; policy accept; }'
ns far nft add rule inet wgbt_drop out tcp sport 82 counter drop
got=$(ns client timeout 3 socat -T2 - TCP4:192.0.2.1:8082 </dev/null 2>&1)
assert_nomatch "the client got no answer" "unheard" "$got"
prom dark -c "$TMP/wgb.conf"
S_DARK="forward=\"dark\",$S_IN"
assert_eq "dark: 1 unanswered" 1 "$(val dark "wgbastion_forward_unanswered_connections{$S_DARK}")"
assert_eq "dark: no reply 1" 1 "$(val dark "wgbastion_forward_no_reply{$S_DARK}")"
assert_eq "web: no reply still 0" 0 "$(val dark "wgbastion_forward_no_reply{$S_WEB}")"
ns far nft delete table inet wgbt_drop

say "drift: in_sync 0, differences as many as apply --dry-run's lines"
ns bastion ip rule del priority 5210
prom drift -c "$TMP/wgb.conf"
dry=$(wgb bastion -c "$TMP/wgb.conf" apply --dry-run 2>/dev/null | grep -c '^[-+~]')
assert_eq "exit 0 on drift" 0 "$rc"
assert_eq "in_sync 0" 0 "$(val drift "wgbastion_in_sync{$S_IN}")"
assert_eq "differences = dry-run lines" "$dry" "$(val drift "wgbastion_differences{$S_IN}")"
assert_rc "repair" 0 wgb bastion -c "$TMP/wgb.conf" apply

say "broken config: exit 2 like show, the live counters still there"
cp "$TMP/wgb.conf" "$TMP/good.conf"
echo "Bogus = 1" >>"$TMP/wgb.conf"
prom broken -c "$TMP/wgb.conf"
assert_eq "exit 2" 2 "$rc"
assert_eq "config_valid 0" 0 "$(val broken "wgbastion_config_valid{$S_IN}")"
assert_eq "verdict unknown" 0 "$(val broken "wgbastion_verdict_known{$S_IN}")"
assert_eq "in_sync 0" 0 "$(val broken "wgbastion_in_sync{$S_IN}")"
assert_eq "no differences sample" "" "$(val broken "wgbastion_differences{$S_IN}")"
assert_match "web's counter, from the live table" "^[1-9][0-9]*$" \
	"$(val broken "wgbastion_forward_packets_total{$S_WEB}")"

say "flushed: up 0"
assert_rc "flush" 0 wgb bastion -c "$TMP/good.conf" flush
prom flushed -c "$TMP/good.conf"
assert_eq "exit 0" 0 "$rc"
assert_eq "up 0" 0 "$(val flushed "wgbastion_up{$S_IN}")"
assert_eq "no forward samples" "" "$(grep '^wgbastion_forward_.*_total' "$TMP/flushed.txt")"
finish
