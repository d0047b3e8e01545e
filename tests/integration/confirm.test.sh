#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# apply --confirm N (SPEC §2): the change stays only when confirmed in time,
# from the terminal or by `wgbastion confirm`; otherwise the exact previous
# state comes back, even when the ssh session that ran it is gone.
#
#   [ bastion netns ]  config A applied (one forward, IPv4 only), then
#                      config B (+ an IPv6 forward and an egress, a changed
#                      peer, IPv6 forwarding on) applied with --confirm;
#                      every dump of nft / ip rule / routes / sysctls / wg
#                      is compared with the one taken under A.
. "$(dirname "$0")/../lib.sh"

netns_add bastion
keypair bastion
keypair peer
IF=wgc0
RUN=$(wgb_rundir bastion)

write_conf() {	# write_conf FILE with-B-changes(0|1)
	{
		cat <<EOC
[Interface]
Name = $IF
PrivateKeyFile = $TMP/bastion.key
ListenPort = 51820
Address = 10.100.0.1/24

[Peer]
PublicKey = $(cat "$TMP/peer.pub")
AllowedIPs = 10.100.0.2/32, 192.168.50.0/24, fd00:50::/64
EOC
		[ "$2" = 1 ] && echo "PersistentKeepalive = 25"
		cat <<EOC

[Forward web]
Port = 8080
Destination = 192.168.50.10:80
EOC
		[ "$2" = 1 ] && cat <<EOC

[Forward web6]
Port = 8080
Destination = [fd00:50::10]:80

[Egress home]
Source = 192.168.50.0/24
EOC
	} >"$1"
}
write_conf "$TMP/a.conf" 0
write_conf "$TMP/b.conf" 1

dump() {
	ns bastion nft list ruleset
	ns bastion ip rule; ns bastion ip -6 rule
	ns bastion ip route show table all; ns bastion ip -6 route show table all
	ns bastion sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding \
		net.ipv4.conf.all.rp_filter net.ipv4.conf.$IF.rp_filter
	ns bastion wg showconf $IF
	ns bastion ip -br addr show dev $IF
	ns bastion ip -d link show dev $IF | sed 1d
	ls $RUN | grep -v -e "\.pending$" -e "\.nftgen$" -e "\.nfttable$" -e "\.input$"	# pending: only while pending; nftgen, nfttable, input: caches (nft_record.c, nft_recall.c, config_input.c)
}

wait_pending() {	# until the record of a pending apply exists
	local i
	for i in $(seq 100); do
		[ -f "$RUN/$IF.pending" ] && return 0
		sleep 0.1
	done
	return 1
}

assert_rc "apply A" 0 wgb bastion -c "$TMP/a.conf" apply
A=$(dump)
ns bastion nft list ruleset | grep -q 'wgbastion-' || fail "A: no table after apply"

say "no pending apply: confirm exits 2"
out=$(wgb bastion -c "$TMP/b.conf" confirm 2>&1); rc=$?
assert_eq "confirm without a pending apply" 2 "$rc"
assert_match "says none is pending" "no apply --confirm is pending" "$out"

say "timeout: B is applied, then rolled back to exactly A"
t0=$(date +%s%N)
out=$(wgb bastion -c "$TMP/b.conf" apply --confirm 3 </dev/null 2>&1); rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
assert_eq "unconfirmed apply exits 1" 1 "$rc"
assert_match "says it rolled back" "not confirmed within 3 seconds" "$out"
assert_match "printed B's changes" "web6" "$out"
[ $ms -ge 3000 ] && [ $ms -lt 8000 ] && pass "rolled back on time (${ms} ms)" || fail "rollback after ${ms} ms, wanted 3-8 s"
assert_eq "state after timeout equals A" "$A" "$(dump)"
[ -e "$RUN/$IF.pending" ] && fail "record left behind" || pass "record removed"

say "confirmed from another process: B stays"
ns bastion "$WGB" -c "$TMP/b.conf" apply --confirm 30 </dev/null >"$TMP/apply.out" 2>&1 &
apid=$!; WGB_PIDS+=($apid)
wait_pending && pass "apply waits for confirmation" || fail "no record while waiting"
assert_eq "the record is not world-readable" 600 "$(stat -c %a "$RUN/$IF.pending")"
mid=$(dump)
assert_match "B is live while waiting" "egress_home" "$mid"
out=$(wgb bastion -c "$TMP/b.conf" confirm 2>&1); rc=$?
assert_eq "confirm exits 0" 0 "$rc"
assert_match "confirm says so" "confirmed" "$out"
wait $apid; rc=$?
assert_eq "confirmed apply exits 0" 0 "$rc"
assert_eq "state after confirm is B" "$mid" "$(dump)"
assert_rc "back to A" 0 wgb bastion -c "$TMP/a.conf" apply
# (IPv6 forwarding stays on until flush: the sysctl stage never turns
# forwarding off behind a running system, so A's dump is taken anew)
A=$(dump)

say "typed on the terminal: no rolls back at once, yes keeps"
t0=$(date +%s%N)
(sleep 1.5; printf 'no\r'; sleep 2) | script -qec "ip netns exec bastion $WGB -c $TMP/b.conf apply --confirm 30" /dev/null >"$TMP/tty.out" 2>&1
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -lt 10000 ] && pass "'no' rolled back without waiting (${ms} ms)" || fail "'no' took ${ms} ms"
assert_eq "state after 'no' equals A" "$A" "$(dump)"
assert_match "prompt was shown" "Keep these changes\?" "$(cat "$TMP/tty.out")"
(sleep 1.5; printf 'yes\r'; sleep 2) | script -qec "ip netns exec bastion $WGB -c $TMP/b.conf apply --confirm 30" /dev/null >"$TMP/tty.out" 2>&1
assert_match "'yes' on the terminal confirms" "egress_home" "$(ns bastion nft list ruleset)"
assert_rc "back to A" 0 wgb bastion -c "$TMP/a.conf" apply
A=$(dump)

say "the ssh session dies (pty hangup, SIGHUP): rollback still on time"
mkfifo "$TMP/tty.in"
exec 3<>"$TMP/tty.in"	# keeps script's stdin open, as a live ssh would
t0=$(date +%s%N)
setsid script -qec "sh -c 'echo \$\$ >$TMP/apply.pid; exec ip netns exec bastion $WGB -c $TMP/b.conf apply --confirm 5'" \
	/dev/null <"$TMP/tty.in" >"$TMP/hup.out" 2>&1 &
spid=$!; WGB_PIDS+=($spid)
wait_pending || fail "no pending apply under the pty"
apid=$(cat "$TMP/apply.pid")
kill -KILL "$spid"	# the terminal goes away: the kernel hangs up the pty
wait "$spid" 2>/dev/null
sleep 0.5
if kill -0 "$apid" 2>/dev/null; then pass "apply survived the hangup"; else fail "apply died with its terminal"; fi
assert_match "B live after the hangup" "egress_home" "$(ns bastion nft list ruleset)"
for i in $(seq 150); do kill -0 "$apid" 2>/dev/null || break; sleep 0.1; done
ms=$((($(date +%s%N) - t0) / 1000000))
kill -0 "$apid" 2>/dev/null && fail "apply still running after ${ms} ms"
[ $ms -ge 5000 ] && [ $ms -lt 12000 ] && pass "rolled back at ${ms} ms (timeout 5 s)" || fail "ended at ${ms} ms"
assert_eq "state after the dead session equals A" "$A" "$(dump)"
exec 3>&-

say "the dead session's apply can still be confirmed from a new shell"
exec 3<>"$TMP/tty.in"
setsid script -qec "sh -c 'echo \$\$ >$TMP/apply.pid; exec ip netns exec bastion $WGB -c $TMP/b.conf apply --confirm 20'" \
	/dev/null <"$TMP/tty.in" >"$TMP/hup.out" 2>&1 &
spid=$!; WGB_PIDS+=($spid)
wait_pending || fail "no pending apply under the pty"
apid=$(cat "$TMP/apply.pid")
kill -KILL "$spid"; wait "$spid" 2>/dev/null
assert_rc "confirm after the hangup" 0 wgb bastion -c "$TMP/b.conf" confirm
for i in $(seq 50); do kill -0 "$apid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$apid" 2>/dev/null && fail "apply did not end after confirm" || pass "apply ended after confirm"
assert_match "B kept" "egress_home" "$(ns bastion nft list ruleset)"
exec 3>&-

say "a stale FIFO (older versions) is not a pending apply, and goes"
mkfifo "$RUN/$IF.confirm.stale" && mv "$RUN/$IF.confirm.stale" "$RUN/$IF.confirm"
out=$(wgb bastion -c "$TMP/b.conf" confirm 2>&1); rc=$?
assert_eq "stale FIFO: confirm exits 2" 2 "$rc"
[ -e "$RUN/$IF.confirm" ] && fail "stale FIFO left" || pass "stale FIFO removed"
assert_rc "back to A" 0 wgb bastion -c "$TMP/a.conf" apply
A=$(dump)

watchdog_pid() { awk '$1 == "watchdog" {print $2}' "$RUN/$IF.pending" 2>/dev/null; }

say "kill -9 of the waiting apply: the watchdog rolls back at the deadline anyway"
t0=$(date +%s%N)
ns bastion "$WGB" -c "$TMP/b.conf" apply --confirm 4 </dev/null >"$TMP/k9.out" 2>&1 &
apid=$!; WGB_PIDS+=($apid)
wait_pending || fail "no record while waiting"
wd=$(watchdog_pid)
[ -n "$wd" ] && [ "$wd" != "$apid" ] && pass "a watchdog of its own ($wd)" || fail "no separate watchdog: '$wd'"
assert_match "B live while pending" "egress_home" "$(ns bastion nft list ruleset)"
kill -KILL "$apid"; wait "$apid" 2>/dev/null
sleep 0.3
assert_match "B still live right after the kill" "egress_home" "$(ns bastion nft list ruleset)"
for i in $(seq 120); do [ -e "$RUN/$IF.pending" ] || break; sleep 0.1; done
for i in $(seq 50); do kill -0 "$wd" 2>/dev/null || break; sleep 0.1; done
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -ge 4000 ] && [ $ms -lt 12000 ] && pass "rolled back at ${ms} ms (timeout 4 s)" || fail "ended at ${ms} ms"
assert_eq "state after the killed apply's deadline equals A" "$A" "$(dump)"
out=$(wgb bastion -c "$TMP/b.conf" confirm 2>&1); rc=$?
assert_eq "confirm afterwards exits 2" 2 "$rc"
assert_match "confirm afterwards: nothing pending" "no apply --confirm is pending" "$out"

say "kill -9 of the waiting apply: confirm from another shell still works"
ns bastion "$WGB" -c "$TMP/b.conf" apply --confirm 30 </dev/null >"$TMP/k9.out" 2>&1 &
apid=$!; WGB_PIDS+=($apid)
wait_pending || fail "no record while waiting"
wd=$(watchdog_pid)
kill -KILL "$apid"; wait "$apid" 2>/dev/null
out=$(wgb bastion -c "$TMP/b.conf" confirm 2>&1); rc=$?
assert_eq "confirm of the killed apply exits 0" 0 "$rc"
assert_match "confirm says so" "confirmed" "$out"
for i in $(seq 50); do kill -0 "$wd" 2>/dev/null || break; sleep 0.1; done
kill -0 "$wd" 2>/dev/null && fail "watchdog still running after confirm" || pass "watchdog ended"
[ -e "$RUN/$IF.pending" ] && fail "record left after confirm" || pass "record removed"
B=$(dump)
assert_match "B kept" "egress_home" "$B"
assert_rc "back to A" 0 wgb bastion -c "$TMP/a.conf" apply
A=$(dump)

say "the watchdog dies: the waiting apply rolls back itself"
ns bastion "$WGB" -c "$TMP/b.conf" apply --confirm 30 </dev/null >"$TMP/wd.out" 2>&1 &
apid=$!; WGB_PIDS+=($apid)
wait_pending || fail "no record while waiting"
kill -KILL "$(watchdog_pid)"
for i in $(seq 50); do kill -0 "$apid" 2>/dev/null || break; sleep 0.1; done
wait "$apid"; rc=$?
assert_eq "apply exits 1 after rolling back" 1 "$rc"
assert_eq "state after the watchdog died equals A" "$A" "$(dump)"
[ -e "$RUN/$IF.pending" ] && fail "record left" || pass "record removed"

say "both killed: show, then confirm, say the change was left in place"
ns bastion "$WGB" -c "$TMP/b.conf" apply --confirm 30 </dev/null >"$TMP/wd.out" 2>&1 &
apid=$!; WGB_PIDS+=($apid)
wait_pending || fail "no record while waiting"
wd=$(watchdog_pid)
kill -KILL "$apid" "$wd"; wait "$apid" 2>/dev/null
for i in $(seq 50); do kill -0 "$wd" 2>/dev/null || break; sleep 0.1; done
out=$(wgb bastion -c "$TMP/b.conf" show 2>&1)
assert_match "show says so" "neither confirmed nor rolled back" "$out"
[ -e "$RUN/$IF.pending" ] && pass "show leaves the record" || fail "show removed the record"
out=$(wgb bastion -c "$TMP/b.conf" confirm 2>&1); rc=$?
assert_eq "confirm exits 2" 2 "$rc"
assert_match "confirm says so" "neither confirmed nor rolled back" "$out"
[ -e "$RUN/$IF.pending" ] && fail "record left after confirm" || pass "confirm removed the dead record"

wgb bastion -c "$TMP/b.conf" flush >/dev/null 2>&1
finish
