#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Incremental: with 1,000 forwards applied and traffic counted on one of
# them, changing another forward sends exactly its elements (nft monitor
# sees one element out, one in) and every other counter keeps its value.
# Adding and removing a forward touch only that forward's elements and
# counter.
#
#     [b-out] eth0 198.51.100.2 ---- eth0 198.51.100.1 [b] wg0 -> 192.168.50.0/24
#     a client                         the bastion: DNAT, forward (counted)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apply_common.sh"
. "$(dirname "$0")/nft_common.sh"

N=1000
bastion_ns b
ns b-out ip addr add 198.51.100.2/24 dev eth0
# routing and forwarding as the route and sysctl stages would make them,
# whether or not they are built in
ns b sysctl -qw net.ipv4.ip_forward=1
ns b ip route add 192.168.50.0/24 dev wg0

# config N [changed-destination-of-f500]
config() {
	local i f=$TMP/wg0-$1.conf
	nft_config "$f"
	for ((i = 0; i < N; i++)); do
		printf '[Forward f%d]\nPort = %d\nDestination = 192.168.50.%d:80\n' \
			"$i" $((10000 + i)) $(( i == 500 ? ${2:-101} : 1 + i % 200 ))
	done >>"$f"
	[ -n "${3:-}" ] && printf '%s\n' "$3" >>"$f"
	echo "$f"
}
A=$(config a)
B=$(config b 250)
D=$(config d 250 "$(printf '[Forward late]\nPort = 9999\nDestination = 192.168.50.9')")

say "apply $N forwards"
start=$(date +%s%N)
out=$(wgb b -c "$A" apply 2>&1); rc=$?
echo "    took $(( ($(date +%s%N) - start) / 1000000 )) ms"
assert_eq "apply exits 0" 0 "$rc"
assert_eq "one + line per forward" $((N + 4)) "$(printf '%s\n' "$out" | grep -c '^+ forward ')"
start=$(date +%s%N)
assert_eq "second apply in sync" "in sync" "$(wgb b -c "$A" apply 2>&1)"
echo "    in sync took $(( ($(date +%s%N) - start) / 1000000 )) ms"

counter() { ns b nft list counter inet wgbastion-wg0 "forward_$1" | sed -n 's/.*packets \([0-9]*\) bytes \([0-9]*\).*/\1 \2/p'; }

say "traffic on forward f1 (public port 10001) is counted"
ns b-out timeout 2 bash -c 'exec 3<>/dev/tcp/198.51.100.1/10001' 2>/dev/null
c1=$(counter f1)
assert_match "f1 counted packets" '^[1-9][0-9]* [1-9][0-9]*$' "$c1"
assert_eq "f2 counted none" "0 0" "$(counter f2)"

say "change forward f500 among $N"
nft_watch b
out=$(wgb b -c "$B" apply 2>&1); rc=$?
assert_eq "apply exits 0" 0 "$rc"
assert_eq "the plan: one line" "~ forward f500: destination 192.168.50.101:80 -> 192.168.50.250:80" "$out"
seen=$(nft_watched | grep -v '^# new generation')
printf '%s\n' "$seen" | sed 's/^/    /'
# (nft monitor renders the end-marker events of an interval map its own
# way; what matters is that they are all of dnat4_tcp at f500's port)
assert_match "nft monitor saw dnat4_tcp at port 10500" 'element inet wgbastion-wg0 dnat4_tcp \{ 10500' "$seen"
assert_eq "... and nothing else" "" "$(printf '%s\n' "$seen" | grep -v 'element inet wgbastion-wg0 dnat4_tcp { 10500')"
assert_eq "f1's counter kept its value" "$c1" "$(counter f1)"
assert_eq "in sync after" "in sync" "$(wgb b -c "$B" apply 2>&1)"

say "add a forward, then remove it"
nft_watch b
out=$(wgb b -c "$D" apply 2>&1)
assert_eq "the plan: one line" "+ forward late: tcp 9999 -> 192.168.50.9:9999" "$out"
seen=$(nft_watched | grep -v '^# new generation')
assert_nomatch "nothing of another forward was sent" 'forward_f|1[0-9]{4}' "$seen"
assert_match "its counter was made" 'add counter inet wgbastion-wg0 forward_late' "$seen"
out=$(wgb b -c "$B" apply 2>&1)
assert_eq "removed: one line" "- forward late" "$out"
assert_eq "f1's counter still kept its value" "$c1" "$(counter f1)"
finish
