#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# show / show --json against live state with real traffic:
#
#   [client] c0 192.0.2.2 ---- b0 192.0.2.1 [bastion] b1 198.51.100.1 ---- f0 198.51.100.2 [far]
#                                          wgs0 10.100.0.1   ==tunnel==   wgf 10.100.0.2
#                                                                        lo 192.168.50.10:80 (socat)
#   forward web: tcp 8080 -> 192.168.50.10:80; the client connects to
#   192.0.2.1:8080 and talks to the far side through the tunnel.
#   forward dark: tcp 8082 -> 192.168.50.10:82, whose replies the far side
#   drops: show names it as not answered (SPEC §6, issue 14).
. "$(dirname "$0")/../lib.sh"

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
IF=wgs0
re() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|/]/\\&/g'; }	# a literal as an ERE

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

[Forward hold]
Port = 8081
Destination = 192.168.50.10:81

[Forward dark]
Port = 8082
Destination = 192.168.50.10:82
EOC

# the far side: a home gateway as in SPEC's appendix
wg_dev_add far wgf || exit 1
ns far wg set wgf private-key "$TMP/far.key" peer "$(cat "$TMP/bastion.pub")" \
	endpoint 198.51.100.1:51820 allowed-ips 0.0.0.0/0 persistent-keepalive 1
ns far ip addr add 10.100.0.2/24 dev wgf
ns far ip link set wgf up
ns far ip route add default dev wgf
ns_bg far socat TCP4-LISTEN:80,bind=192.168.50.10,reuseaddr,fork SYSTEM:'echo hello-from-far'
ns_bg far socat TCP4-LISTEN:81,bind=192.168.50.10,reuseaddr,fork SYSTEM:'sleep 60'
ns_bg far socat TCP4-LISTEN:82,bind=192.168.50.10,reuseaddr,fork SYSTEM:'echo unheard'

assert_rc "apply" 0 wgb bastion -c "$TMP/wgb.conf" apply

say "traffic: handshake, then a connection through the forward"
for i in $(seq 50); do
	ns bastion wg show $IF latest-handshakes 2>/dev/null | awk '{ exit !($2 > 0) }' && break
	sleep 0.2
done
got=$(ns client timeout 5 socat -T3 - TCP4:192.0.2.1:8080 </dev/null 2>&1)
assert_eq "connection through the forward" "hello-from-far" "$got"
# one connection that stays open, through forward hold
ns_bg client socat -u TCP4:192.0.2.1:8081 OPEN:/dev/null
hold_pid=${WGB_PIDS[-1]}
for i in $(seq 30); do
	ns far ss -Htn state established "( sport = :81 )" 2>/dev/null | grep -q . && break
	sleep 0.1
done
sleep 0.3

say "show (plain, not a terminal)"
out=$(wgb bastion -c "$TMP/wgb.conf" show 2>"$TMP/err"); rc=$?
assert_eq "show exits 0 when in sync" 0 "$rc"
assert_match "interface line" "^interface: $IF \((kernel|userspace)" "$out"
assert_match "bastion public key" "public key: $(re "$(cat "$TMP/bastion.pub")")" "$out"
assert_match "peer" "^peer: $(re "$(cat "$TMP/far.pub")")" "$out"
assert_match "endpoint" "endpoint: 198.51.100.2:[0-9]+" "$out"
assert_match "handshake age" "latest handshake: [0-9]+ seconds? ago" "$out"
assert_match "transfer" "transfer: .* received, .* sent" "$out"
assert_match "forward in one line with its counter" "web +tcp 8080 -> 192.168.50.10:80 +allow 0.0.0.0/0 +0 conns / [1-9][0-9]* packets, [0-9.]+ (B|KiB)" "$out"
assert_match "the open connection is counted" "hold +tcp 8081 -> 192.168.50.10:81 +allow 0.0.0.0/0 +1 conn / [1-9][0-9]* packets" "$out"
assert_match "routing rule" "rule +fwmark 0x8000000/0x8000000 lookup 51821" "$out"
assert_match "sysctl" "net.ipv4.ip_forward = 1" "$out"
assert_match "verdict" "in sync" "$out"
assert_nomatch "no escape codes off a terminal" $'\033' "$out"
all="$out$(cat "$TMP/err")"
assert_nomatch "no bastion private key" "$(cat "$TMP/bastion.key")" "$all"
assert_nomatch "no far private key" "$(cat "$TMP/far.key")" "$all"

say "show --json"
wgb bastion -c "$TMP/wgb.conf" show --json >"$TMP/show.json" 2>"$TMP/err"; rc=$?
assert_eq "show --json exits 0" 0 "$rc"
nft_pk=$(ns bastion nft -j list counter inet wgbastion-$IF forward_web | python3 -c 'import json,sys; d=json.load(sys.stdin)["nftables"]; print([o["counter"]["packets"] for o in d if "counter" in o][0])')
py=$(python3 - "$TMP/show.json" "$(cat "$TMP/bastion.pub")" "$(cat "$TMP/far.pub")" "$nft_pk" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bpub, fpub, nftp = sys.argv[2], sys.argv[3], int(sys.argv[4])
def check(what, ok):
    print(("ok" if ok else "BAD") + ": " + what)
check("version 1", d["version"] == 1)
check("config valid", d["config"]["valid"] is True and d["config"]["error"] is None)
check("interface public key", d["interface"]["public_key"] == bpub)
check("interface listen port", d["interface"]["listen_port"] == 51820)
check("one peer, the far side", len(d["peers"]) == 1 and d["peers"][0]["public_key"] == fpub)
p = d["peers"][0]
check("handshake age", p["latest_handshake"] > 0 and 0 <= p["latest_handshake_age"] < 60)
check("peer transfer", p["rx_bytes"] > 0 and p["tx_bytes"] > 0)
check("peer allowed ips", p["allowed_ips"] == ["10.100.0.2/32", "192.168.50.0/24"])
check("no preshared key flag", p["has_preshared_key"] is False)
f = [x for x in d["forwards"] if x["name"] == "web"]
check("forward web", len(f) == 1 and f[0]["port"] == 8080 and f[0]["protocols"] == ["tcp"]
      and f[0]["destination"] == "192.168.50.10:80")
check("forward counter = nft's own (%s)" % nftp, f[0]["counter"]["packets"] == nftp and nftp > 0
      and f[0]["counter"]["bytes"] > 0)
h = [x for x in d["forwards"] if x["name"] == "hold"]
check("connections: web 0 (closed), hold 1 (open)", f[0]["connections"] == 0 and h[0]["connections"] == 1)
check("table present", d["nftables"]["table_present"] is True)
check("rules", any(r["ours"] and "lookup 51821" in r["text"] for r in d["rules"]))
check("sysctl ip_forward 1", any(s["name"] == "net.ipv4.ip_forward" and s["value"] == 1 for s in d["sysctls"]))
check("verdict in sync", d["verdict"] == {"known": True, "in_sync": True, "changes": []})
PY
)
printf '%s\n' "$py" | while read -r l; do echo "   $l"; done
assert_nomatch "every JSON check passed" "^BAD" "$py"
assert_match "JSON checks ran" "ok: verdict in sync" "$py"
assert_nomatch "no private key in JSON" "$(cat "$TMP/bastion.key")" "$(cat "$TMP/show.json")"
assert_nomatch "no far private key in JSON" "$(cat "$TMP/far.key")" "$(cat "$TMP/show.json")"

kill "$hold_pid" 2>/dev/null

say "a far side that drops its replies: show names the forward (issue 14)"
out=$(wgb bastion -c "$TMP/wgb.conf" show 2>/dev/null)
assert_nomatch "nothing unanswered yet" "^no reply" "$out"
ns far nft add table inet wgbt_drop
ns far nft add chain inet wgbt_drop out '{ type filter hook output priority 0; policy accept; }'
ns far nft add rule inet wgbt_drop out tcp sport 82 counter drop
got=$(ns client timeout 3 socat -T2 - TCP4:192.0.2.1:8082 </dev/null 2>&1)
assert_nomatch "the client got no answer" "unheard" "$got"
n=$(ns far nft list chain inet wgbt_drop out | grep -o 'packets [0-9]*' | awk '{ print $2 }')
assert_match "the far side did receive and drop its answers ($n)" "^[1-9][0-9]*$" "$n"
out=$(wgb bastion -c "$TMP/wgb.conf" show 2>/dev/null)
printf '%s\n' "$out" | sed -n '/^no reply/,/^$/p' | sed 's/^/   /'
assert_match "show: a no-reply section" "^no reply" "$out"
assert_match "show names the forward and its destination" "^  dark: 1 connection to 192.168.50.10:82 never saw a reply" "$out"
assert_nomatch "the answered forwards are not named" "^  (web|hold): " "$out"
assert_match "show says what it usually means" "\[Return\].*docs/far-side.md" "$out"
wgb bastion -c "$TMP/wgb.conf" show --json >"$TMP/dark.json" 2>/dev/null
got=$(python3 -c 'import json,sys; d={f["name"]: f for f in json.load(open(sys.argv[1]))["forwards"]}; print(d["dark"]["unanswered"], d["web"]["unanswered"], d["web"]["diagnosis"], "far-side.md" in d["dark"]["diagnosis"])' "$TMP/dark.json")
assert_eq "JSON: dark 1 unanswered with a diagnosis, web 0" "1 0 None True" "$got"
ns far nft delete table inet wgbt_drop

say "drift: the differences are apply --dry-run's lines"
ns bastion ip rule del priority 5210
out=$(wgb bastion -c "$TMP/wgb.conf" show 2>/dev/null); rc=$?
assert_eq "show exits 0 on drift" 0 "$rc"
dry=$(wgb bastion -c "$TMP/wgb.conf" apply --dry-run 2>/dev/null)
assert_match "show counts the difference" "1 difference" "$out"
assert_match "show lists the dry-run line" "$(re "$(printf '%s' "$dry" | head -1)")" "$out"
wgb bastion -c "$TMP/wgb.conf" show --json >"$TMP/drift.json" 2>/dev/null
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["verdict"]; print(d["in_sync"]); [print(c["op"], c["text"]) for c in d["changes"]]' "$TMP/drift.json")
assert_eq "JSON verdict = dry-run lines" "False
$dry" "$got"
assert_rc "repair" 0 wgb bastion -c "$TMP/wgb.conf" apply

say "warnings: a foreign forward chain with policy drop"
ns bastion nft add table ip filter
ns bastion nft add chain ip filter FORWARD '{ type filter hook forward priority 0; policy drop; }'
out=$(wgb bastion -c "$TMP/wgb.conf" show --json 2>"$TMP/err")
assert_match "warning on stderr" "warning: nftables ip filter, chain FORWARD .*policy drop" "$(cat "$TMP/err")"
n=$(printf '%s' "$out" | python3 -c 'import json,sys; print(sum("chain FORWARD" in w for w in json.load(sys.stdin)["warnings"]))')
assert_eq "warning in JSON" 1 "$n"
wgb bastion -q -c "$TMP/wgb.conf" show >/dev/null 2>"$TMP/err"
assert_eq "-q silences warnings" "" "$(cat "$TMP/err")"
ns bastion nft delete table ip filter

say "colour on a terminal only, and never with NO_COLOR or TERM=dumb"
out=$(TERM=xterm-256color script -qec "ip netns exec bastion $WGB -c $TMP/wgb.conf show" /dev/null 2>&1)
assert_match "colour on a pty" $'\033\\[' "$out"
out=$(TERM=xterm-256color NO_COLOR=1 script -qec "ip netns exec bastion $WGB -c $TMP/wgb.conf show" /dev/null 2>&1)
assert_nomatch "NO_COLOR" $'\033\\[' "$out"
out=$(TERM=dumb script -qec "ip netns exec bastion $WGB -c $TMP/wgb.conf show" /dev/null 2>&1)
assert_nomatch "TERM=dumb" $'\033\\[' "$out"

say "broken config: the live state is still shown"
cp "$TMP/wgb.conf" "$TMP/good.conf"
echo "Bogus = 1" >>"$TMP/wgb.conf"
out=$(wgb bastion -c "$TMP/wgb.conf" show 2>"$TMP/err"); rc=$?
assert_eq "show exits 2 on a broken config" 2 "$rc"
assert_match "says what is wrong, with the line" "wgb.conf:[0-9]+:" "$(cat "$TMP/err")"
assert_match "INVALID" "INVALID" "$out"
assert_match "interface still shown" "^interface: $IF" "$out"
assert_match "forward still shown, from the live table" "web .*[1-9][0-9]* packets" "$out"
wgb bastion -c "$TMP/wgb.conf" show --json >"$TMP/bad.json" 2>/dev/null
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["config"]["valid"], d["config"]["instance_from"], d["verdict"]["known"], d["interface"]["present"], [f["name"] for f in d["forwards"]])' "$TMP/bad.json")
assert_eq "JSON with a broken config" "False record False True ['dark', 'hold', 'web']" "$got"
out=$(wgb bastion -c "$TMP/nonexistent.conf" show 2>&1); rc=$?
assert_eq "missing config: exit 2" 2 "$rc"
assert_match "missing config: default instance" "default instance wg0" "$out"

wgb bastion -c "$TMP/good.conf" flush >/dev/null 2>&1
finish
