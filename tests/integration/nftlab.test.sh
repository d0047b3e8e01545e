#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kernel features bench/nftlab.md's designs rely on, proved with real
# packets on the running kernel (the kernel lane runs it on Debian 12's 6.1):
#
#  - counters kept on set elements (a set declared with `counter`): created
#    with given values, moved by traffic through a lookup, read back per
#    element (GETSETELEM), kept when other elements come and go;
#  - the generation id a batch produced, echoed by the kernel (NEWGEN, with
#    NLM_F_ECHO on the batch's first message);
#  - RateLimit and ConnLimit per forward and client address (dynamic sets
#    with `limit rate over` and `ct count over`, behind a verdict map), the
#    excess dropped and counted on the forward's element;
#  - an AllowFile of 100,000 prefixes (an interval set behind a verdict map),
#    changed incrementally, admitting and refusing;
#  - Log: NFLOG with the real client address and the forward's prefix; the
#    kernel log silent in a network namespace (nf_log_all_netns=0), and, in
#    the kernel lane's VM only, heard once nf_log_all_netns=1;
#  - hairpin: the far side reaches its own forward by the public address;
#  - MSS clamped both ways: a SYN-ACK leaving the tunnel is clamped to the
#    tunnel's MTU, so an upload from a client that drops ICMP completes
#    (and does not without that rule).
#
# The table is bench/floor's (-D: the recommended base rules, -c elem:
# per-element counters), for 4 forwards f0..f3 on public ports 10000..10003
# to 192.168.50.1..4:8000..8003; the per-forward pieces are added with nft.
#
#   client c                  bastion b                      far side k
#   10.0.0.2, .3 eth0 ---- eth0 10.0.0.1   "wg0" 10.100.0.1 ---- wgp 10.100.0.2
#                          (a veth named like the tunnel,     192.168.50.0/24 on lo
#                           MTU 1420)                         (the backends)
. "$(dirname "$0")/../lib.sh"

B=${WGB_BUILD:-build}
case $B in /*) ;; *) B=$WGB_TOP/$B ;; esac
F=$B/bench/floor
P=$B/bench/probe
PY=$WGB_TOP/tests/integration/nftlab_net.py
for x in "$F" "$P"; do
	[ -x "$x" ] || { echo "SKIP: $x is missing (make bench-tools)"; exit 77; }
done
for t in nft python3 tcpdump; do
	command -v "$t" >/dev/null || { echo "SKIP: $t is missing (make deps)"; exit 77; }
done

T=wgbastion-wg0
ING=0x18000000	# bench/floor.c builds this table, with wgbastion's marks
netns_add c b k
veth c eth0 b eth0
veth b wg0 k wgp
ns c ip addr add 10.0.0.2/24 dev eth0
ns c ip addr add 10.0.0.3/24 dev eth0
ns c ip route add default via 10.0.0.1
ns b ip addr add 10.0.0.1/24 dev eth0
# the uplink is the way to the internet (and passes the tunnel's loose
# reverse-path filter for the backends' addresses, as on a real host)
ns b ip route add default via 10.0.0.2
ns b ip link set wg0 mtu 1420
ns b ip addr add 10.100.0.1/24 dev wg0
ns b ip route add default dev wg0 table 51821
ns b ip rule add fwmark 0x8000000/0x8000000 lookup 51821 priority 5210
ns b sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.wg0.rp_filter=2
ns k ip link set wgp mtu 1420
ns k ip addr add 10.100.0.2/24 dev wgp
ns k ip addr add 192.168.50.0/24 dev lo
ns k ip addr add 192.168.60.5/32 dev lo
# the backends advertise the MSS of a 1500-byte LAN, as behind a real far side
ns k ip route add default via 10.100.0.1 advmss 1460
ns_bg k python3 "$PY" serve 8000 8001 8002 8003 >"$TMP/serve.out" 2>&1
for _ in $(seq 200); do grep -q listening "$TMP/serve.out" && break; sleep 0.1; done

elem() {	# SET KEY(hex) -> "packets N bytes M" of that element
	ns b "$F" elems "$T" "$1" 2>/dev/null | awk -v k="$2" '$2 == k && $3 == "counter" { print $4, $5, $6, $7 }'
}

say "per-element counters and the generation id"
g0=$(ns b "$F" getgen | awk '{ print $2 }')
out=$(ns b "$F" -g -D -c elem -v 4)
assert_rc "floor commits the table with counters on elements" 0 test -n "$out"
g1=$(ns b "$F" getgen | awk '{ print $2 }')
assert_eq "the batch's own generation id came back (NEWGEN echo)" "genid $g1" "$out"
assert_eq "... one past the one before" "$((g0 + 1))" "$g1"
assert_eq "an element's counter created with its values (f3: 3 packets)" "packets 3 bytes 192" "$(elem count4_tcp 2713)"
assert_match "... and the forward's name, as the element's comment" 'key 2713 counter .* comment f3$' \
	"$(ns b "$F" elems "$T" count4_tcp 2>/dev/null | grep '^key 2713 counter')"
out=$(ns b "$F" -g -r -D -c elem -v 4)
assert_eq "a table replaced in one batch: the id again" "genid $((g1 + 1))" "$out"
out=$(ns b "$F" -e "$g1" -r -D -c elem -v 4 2>&1)
assert_eq "a batch for a stale generation (NFNL_BATCH_GENID) is refused" 1 $?
assert_match "... with ERESTART, against the batch as a whole" 'message 1 refused: .*restart' "$out"
assert_eq "... and nothing committed" "genid $((g1 + 1))" "$(ns b "$F" getgen)"

say "the per-forward pieces"
# f0: RateLimit = 3/minute; f1: ConnLimit = 2; f2: Log = yes; f3: AllowFile
ns b nft -f - <<EOF
table inet $T {
	set limitdrop4_tcp { type inet_service; flags interval; counter; elements = { 10000, 10001 } }
	set rate_3_minute4 { type inet_proto . inet_service . ipv4_addr; size 65536; flags dynamic,timeout; timeout 1m; }
	set conn_2_4 { type inet_proto . inet_service . ipv4_addr; size 65536; flags dynamic; }
	chain rate_3_minute {
		meta l4proto tcp update @rate_3_minute4 { meta l4proto . ct original proto-dst . ip saddr limit rate over 3/minute burst 3 packets } ct original proto-dst @limitdrop4_tcp drop comment "RateLimit = 3/minute"
	}
	chain conn_2 {
		meta l4proto tcp add @conn_2_4 { meta l4proto . ct original proto-dst . ip saddr ct count over 2 } ct original proto-dst @limitdrop4_tcp drop comment "ConnLimit = 2"
	}
	map rate4_tcp { type inet_service : verdict; flags interval; elements = { 10000 : jump rate_3_minute } }
	map conn4_tcp { type inet_service : verdict; flags interval; elements = { 10001 : jump conn_2 } }
	chain log_f2 {
		log prefix "wgbastion f2: " group 7
		log prefix "wgbastion f2: "
	}
	map log4_tcp { type inet_service : verdict; flags interval; elements = { 10002 : jump log_f2 } }
	set allowfile_a4 { type ipv4_addr; flags interval; }
	chain allowfile_a {
		meta nfproto ipv4 ip saddr @allowfile_a4 ct mark set ct mark | $ING comment "AllowFile a"
	}
	map allowfile4_tcp { type inet_service : verdict; flags interval; elements = { 10003 : jump allowfile_a } }
}
EOF
assert_eq "the per-forward sets, maps and chains load" 0 $?
# the rules that use them: limits and log in forward (new ingress
# connections, before "ct mark & ING == ING accept"), AllowFile in pre_nat
h=$(ns b nft -a list chain inet $T forward | sed -n "s/.*ct mark \& $ING == $ING accept .*# handle \([0-9]*\)\$/\1/p")
hd=$(ns b nft -a list chain inet $T pre_nat | sed -n 's/.* dnat ip to .*# handle \([0-9]*\)$/\1/p' | head -n 1)
ns b nft -f - <<EOF
insert rule inet $T forward handle $h ct state new ct mark & $ING == $ING meta nfproto ipv4 meta l4proto tcp ct original proto-dst vmap @rate4_tcp
insert rule inet $T forward handle $h ct state new ct mark & $ING == $ING meta nfproto ipv4 meta l4proto tcp ct original proto-dst vmap @conn4_tcp
insert rule inet $T forward handle $h ct state new ct mark & $ING == $ING meta nfproto ipv4 meta l4proto tcp ct original proto-dst vmap @log4_tcp
insert rule inet $T pre_nat handle $hd meta nfproto ipv4 tcp dport vmap @allowfile4_tcp
delete element inet $T open4_tcp { 10003 }
EOF
assert_eq "the rules that use them load" 0 $?
# 100,000 prefixes in one batch, then a few changed in another
assert_rc "an AllowFile of 100,000 prefixes loads" 0 ns b "$F" allow -T "$T" -S allowfile_a4 -x 5 100000
assert_eq "... all of them there (interval start and end elements)" 200000 \
	"$(ns b "$F" elems "$T" allowfile_a4 2>&1 >/dev/null | awk '{ print $2 }')"
ns b nft add element inet $T allowfile_a4 '{ 10.0.0.2 }'

say "RateLimit = 3/minute: a burst of 8 from one client"
assert_eq "3 get in" "ok=3" "$(ns c python3 "$PY" burst 10.0.0.2 10.0.0.1 10000 8 2.5)"
assert_eq "another client still gets in" "ok=1" "$(ns c python3 "$PY" burst 10.0.0.3 10.0.0.1 10000 1 2.5)"
d=$(elem limitdrop4_tcp 2710)
assert_match "the drops are counted on f0's element ($d)" '^packets ([5-9]|[1-9][0-9]+) ' "$d"

say "ConnLimit = 2"
out=$(ns c python3 "$PY" hold 10.0.0.2 10.0.0.1 10001 2 2.5)
assert_eq "2 held, the 3rd refused" "held=2 extra=0" "$(head -n 1 <<<"$out")"
out=$(ns c python3 "$PY" hold 10.0.0.3 10.0.0.1 10001 2 2.5)
assert_eq "another client holds its own 2" "held=2 extra=0" "$(head -n 1 <<<"$out")"
assert_eq "one closed: room for another" "after_close=1" "$(tail -n 1 <<<"$out")"
d=$(elem limitdrop4_tcp 2711)
assert_match "the refusals are counted on f1's element ($d)" '^packets [1-9]' "$d"

say "Log = yes (NFLOG group 7)"
ns_bg b "$P" nflog 7 60 >"$TMP/nflog.out" 2>&1
for _ in $(seq 200); do grep -q listening "$TMP/nflog.out" && break; sleep 0.1; done
before=$(elem count4_tcp 2712)
assert_match "a connection to f2" '^n=5 peer=10.0.0.2$' "$(ns c python3 "$PY" send 10.0.0.2 10.0.0.1 10002 5 5)"
for _ in $(seq 100); do grep -q "prefix=" "$TMP/nflog.out" && break; sleep 0.1; done
assert_eq "exactly one NFLOG line, the real client, the forward's prefix" \
	'nflog prefix="wgbastion f2: " src=10.0.0.2' "$(grep 'prefix=' "$TMP/nflog.out")"
after=$(elem count4_tcp 2712)
assert_match "f2's element counter moved ($before -> $after)" '^packets [1-9]' "$after"

say "the kernel log of a network namespace"
all=$(cat /proc/sys/net/netfilter/nf_log_all_netns 2>/dev/null || echo missing)
if [ "${WGB_KERNEL_LANE:-}" = 1 ] && [ "$all" = 0 ]; then
	# a throw-away VM: the host-wide switch may be flipped here, never on a host
	ns c python3 "$PY" send 10.0.0.2 10.0.0.1 10002 1 5 >/dev/null
	sleep 0.5
	assert_eq "silent with nf_log_all_netns=0" 0 "$(dmesg | grep -c 'wgbastion f2: ')"
	sysctl -qw net.netfilter.nf_log_all_netns=1
	ns c python3 "$PY" send 10.0.0.2 10.0.0.1 10002 1 5 >/dev/null
	sleep 0.5
	line=$(dmesg | grep 'wgbastion f2: ' | tail -n 1)
	sysctl -qw net.netfilter.nf_log_all_netns=0
	assert_match "heard with nf_log_all_netns=1, the real client in SRC= ($line)" \
		'wgbastion f2: IN=eth0 OUT=wg0 .*SRC=10\.0\.0\.2 DST=192\.168\.50\.3 .*PROTO=TCP .*DPT=8002' "$line"
elif [ "$all" = 0 ]; then
	mark="wgb-nftlab-$$-$RANDOM"
	ns b nft add rule inet $T log_f2 log prefix "\"$mark \""
	ns c python3 "$PY" send 10.0.0.2 10.0.0.1 10002 1 5 >/dev/null
	sleep 0.5
	assert_eq "silent with nf_log_all_netns=0 (the host's; it is only read)" 0 "$(dmesg | grep -c "$mark")"
	echo "note: the nf_log_all_netns=1 half runs in the kernel lane only (a host-wide switch)"
else
	echo "note: nf_log_all_netns is $all on this host: the silent-namespace check needs 0"
fi

say "AllowFile: 100,000 prefixes and the client's own"
assert_match "a listed client gets in" '^n=3 peer=10.0.0.2$' "$(ns c python3 "$PY" send 10.0.0.2 10.0.0.1 10003 3 3)"
assert_eq "an unlisted one does not" "timeout" "$(ns c python3 "$PY" send 10.0.0.3 10.0.0.1 10003 3 3)"

say "hairpin: the far side to its own forward by the public address"
assert_eq "from a far-side LAN address, masqueraded to the tunnel address" "n=4 peer=10.100.0.1" \
	"$(ns k python3 "$PY" send 192.168.60.5 10.0.0.1 10002 4 5)"

say "MSS, both ways, with ICMP dropped at the client"
ns c nft -f - <<'EOF'
table inet noicmp {
	chain in {
		type filter hook input priority 0;
		icmp type destination-unreachable drop
	}
}
EOF
ns_bg c tcpdump -nn -l -c 1 -i eth0 'tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack) and src port 10003' >"$TMP/synack.out" 2>/dev/null
ns_bg k tcpdump -nn -l -c 1 -i wgp 'tcp[tcpflags] == tcp-syn and dst port 8003' >"$TMP/syn.out" 2>/dev/null
sleep 1
assert_match "a 4 MiB upload completes" '^n=4194304 peer=10.0.0.2$' "$(ns c python3 "$PY" send 10.0.0.2 10.0.0.1 10003 4194304 10)"
sleep 0.5
assert_match "the SYN entering the tunnel carries the tunnel's MSS" 'mss 1380' "$(cat "$TMP/syn.out")"
assert_match "the SYN-ACK leaving it too" 'mss 1380' "$(cat "$TMP/synack.out")"
# without the constant, `rt mtu` clamps a SYN-ACK to the uplink's MTU: stall
h=$(ns b nft -a list chain inet $T forward | sed -n 's/.*meta nfproto ipv4 tcp flags syn \/ syn,rst tcp option maxseg size set 1380 .*# handle \([0-9]*\)$/\1/p')
ns b nft replace rule inet $T forward handle "$h" iifname wg0 tcp flags syn / syn,rst tcp option maxseg size set rt mtu
assert_eq "with \`set rt mtu\` on SYN-ACKs instead, the upload stalls" "timeout" \
	"$(ns c python3 "$PY" send 10.0.0.2 10.0.0.1 10003 4194304 4)"

say "a DNAT map's elements carry counters too, but a nat chain sees one packet"
# at the client, its own output: 10.0.0.9:10002 is sent to 10.0.0.1:10002
ns c nft -f - <<'EOF'
table inet lab {
	map to4_tcp {
		type inet_service : ipv4_addr . inet_service; flags interval; counter
		elements = { 10002 : 10.0.0.1 . 10002 }
	}
	chain out {
		type nat hook output priority -100;
		meta nfproto ipv4 ip daddr 10.0.0.9 dnat ip to tcp dport map @to4_tcp
	}
}
EOF
assert_eq "a DNAT map declared with counter loads" 0 $?
assert_match "a connection through it" '^n=7 peer=10.0.0.2$' "$(ns c python3 "$PY" send 10.0.0.2 10.0.0.9 10002 7 5)"
assert_match "its element counted the connection's first packet only" 'elements = \{ 10002 counter packets 1 bytes [0-9]+ : 10\.0\.0\.1 \. 10002 \}' \
	"$(ns c nft list map inet lab to4_tcp | tr -s '\n\t' '  ')"

say "element counters kept across later batches"
before=$(elem count4_tcp 2712)
ns b nft add element inet $T count4_tcp '{ 10004 }'
ns b nft delete element inet $T count4_tcp '{ 10000 }'
assert_eq "f2's counter after another element was added and one deleted" "$before" "$(elem count4_tcp 2712)"
assert_eq "the new element's counter starts at zero" "packets 0 bytes 0" "$(elem count4_tcp 2714)"

finish
