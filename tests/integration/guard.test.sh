#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The lockout guard (SPEC §3 Shadow): apply refuses a forward whose public
# port a local process listens on, naming the process, and touches nothing.
#
#   [ bastion netns ]  socat listeners on 2222/tcp (0.0.0.0), 2223/tcp ([::],
#                      dual stack), 5353/udp, 2224/tcp (tunnel address only)
#   config: one forward at a time onto those ports
. "$(dirname "$0")/../lib.sh"

netns_add bastion
keypair bastion
keypair peer

conf() {	# conf PROTO PORT [extra forward lines...]
	local proto=$1 port=$2; shift 2
	cat >"$TMP/wgb.conf" <<EOC
[Interface]
Name = wgg0
PrivateKeyFile = $TMP/bastion.key
ListenPort = 51820
Address = 10.100.0.1/24

[Peer]
PublicKey = $(cat "$TMP/peer.pub")
AllowedIPs = 10.100.0.2/32, 192.168.50.0/24

[Forward svc]
Protocol = $proto
Port = $port
Destination = 192.168.50.10:80
$(printf '%s\n' "$@")
EOC
}

ns bastion sysctl -qw net.ipv4.ip_nonlocal_bind=1
ns_bg bastion socat TCP4-LISTEN:2222,reuseaddr,fork SYSTEM:true
tcp_pid=${WGB_PIDS[-1]}
ns_bg bastion socat TCP6-LISTEN:2223,ipv6only=0,reuseaddr,fork SYSTEM:true
ns_bg bastion socat -u UDP4-RECV:5353 OPEN:/dev/null
ns_bg bastion socat TCP4-LISTEN:2224,bind=10.100.0.1,reuseaddr,fork SYSTEM:true
ns_bg bastion socat TCP4-LISTEN:2225,bind=127.0.0.1,reuseaddr,fork SYSTEM:true
for i in $(seq 50); do
	n=$(ns bastion ss -Htlnu | wc -l)
	[ "$n" -ge 5 ] && break
	sleep 0.1
done
[ "$n" -ge 5 ] || { ns bastion ss -tlnu; echo "listeners did not come up"; exit 1; }

state() { ns bastion nft list ruleset; ns bastion ip link show wgg0 2>&1; ns bastion ip rule; }
before=$(state)

say "tcp 2222, sshd-like listener on 0.0.0.0"
conf tcp 2222
out=$(wgb bastion -c "$TMP/wgb.conf" apply 2>&1); rc=$?
assert_eq "apply refuses" 2 "$rc"
assert_match "names the process and pid" "socat \(pid $tcp_pid\)" "$out"
assert_match "names the forward with file:line" "wgb.conf:[0-9]+: Forward svc: tcp port 2222" "$out"
assert_match "says how to override" "Shadow = yes" "$out"
assert_eq "nothing touched" "$before" "$(state)"

say "dry run only warns"
out=$(wgb bastion -c "$TMP/wgb.conf" apply --dry-run 2>&1); rc=$?
assert_nomatch "dry run does not refuse" "^2$" "$rc"
assert_match "dry run warns" "warning: .*Forward svc: tcp port 2222" "$out"
assert_eq "dry run touched nothing" "$before" "$(state)"

say "IPv6 socket without V6ONLY takes IPv4 too"
conf tcp 2223
out=$(wgb bastion -c "$TMP/wgb.conf" apply 2>&1); rc=$?
assert_eq "dual-stack listener refused" 2 "$rc"
assert_match "dual-stack listener named" "socat \(pid [0-9]+\) listens \(\[::\]:2223\)" "$out"

say "udp listener on a udp forward; a tcp forward of the same port is fine"
conf udp 5353
out=$(wgb bastion -c "$TMP/wgb.conf" apply --dry-run 2>&1)
assert_match "udp listener seen" "udp port 5353 is where socat" "$out"
conf tcp 5353
out=$(wgb bastion -c "$TMP/wgb.conf" apply --dry-run 2>&1)
assert_nomatch "tcp forward does not clash with a udp socket" "port 5353 is where" "$out"

say "a range covering the port"
conf tcp 2200-2230
out=$(wgb bastion -c "$TMP/wgb.conf" apply 2>&1); rc=$?
assert_eq "range refused" 2 "$rc"

say "listeners on the tunnel address or loopback only do not count"
conf tcp 2224
out=$(wgb bastion -c "$TMP/wgb.conf" apply --dry-run 2>&1)
assert_nomatch "tunnel-address listener not a clash" "port 2224 is where" "$out"
conf tcp 2225
out=$(wgb bastion -c "$TMP/wgb.conf" apply --dry-run 2>&1)
assert_nomatch "loopback listener not a clash" "port 2225 is where" "$out"

say "Shadow = yes overrides"
conf tcp 2222 "Shadow = yes"
out=$(wgb bastion -c "$TMP/wgb.conf" apply 2>&1); rc=$?
assert_eq "apply proceeds with Shadow = yes" 0 "$rc"
assert_nomatch "no lockout message" "could lock you out" "$out"
assert_match "the forward was applied" "wgbastion-wgg0" "$(ns bastion nft list tables 2>&1)"

say "a peer that never completed a handshake"
out=$(wgb bastion -c "$TMP/wgb.conf" show 2>"$TMP/err")
assert_match "show says never" "latest handshake: never" "$out"
assert_eq "a new tunnel is not warned about" "" "$(cat "$TMP/err")"
wgb bastion -c "$TMP/wgb.conf" flush >/dev/null 2>&1

finish
