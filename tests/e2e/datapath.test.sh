#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# End to end: real TCP and UDP, IPv4 and IPv6, through a real WireGuard
# tunnel, across network namespaces. Only the bastion is configured by the
# bastion under test; everything else is plain ip, nft and wg.
#
#  client  198.51.100.10/25  2001:db8:c1::10 ─┐
#  client2 198.51.100.130/25 2001:db8:c2::20 ─┤            ┌─ wan ─┐ "the internet": routes
#  server  203.0.113.80      2001:db8:5e::80 ─┼── to-* ────┤       │ between its links, serves
#                                             │            └───────┘ metadata 169.254.169.254
#                         bastion eth0 192.0.2.10  2001:db8:b::10 ──┤ on the bastion's link
#   vpc 172.16.0.20 ── eth1 [bastion] wg0 10.100.0.1 fd10:100::1    │
#                               ║ WireGuard, dialled from home      │
#                [home] wg-home 10.100.0.2 fd10:100::2              │
#                      eth0 100.64.0.2  fd64::2 ────────────────────┘ behind carrier-grade
#                      │                         NAT: masqueraded, nothing dials in
#                      ├─ eth1 192.168.50.1 fd50::1 ── backend 192.168.50.10 fd50::10
#                      └─ eth2 192.168.60.1 fd60::1 ── lab     192.168.60.10 fd60::10
#
# The bastion runs tests/e2e/bastion.conf, with strict reverse-path filtering
# (all.rp_filter=1) throughout.
#
#   WGB_E2E_BASTION=wgbastion   (default) $WGB -c bastion.conf apply
#   WGB_E2E_BASTION=reference   bench/reference/bastion.sh: the same config
#                               done with ip/nft/wg/sysctl as SPEC.md's
#                               appendix shows; proves the topology itself
# WGB_WG_BACKEND=kernel makes the far side a kernel WireGuard device.

. "$(dirname "$0")/../lib.sh"
. "$WGB_TOP/tests/e2e/topo.sh"

MODE=${WGB_E2E_BASTION:-wgbastion}
REF=$WGB_TOP/bench/reference/bastion.sh
CONF=$TMP/bastion.conf

bastion_apply() {
	if [ "$MODE" = reference ]; then
		ns bastion "$REF" -c "$CONF" up
	else
		wgb bastion -c "$CONF" apply
	fi
}

bastion_flush() {
	if [ "$MODE" = reference ]; then
		ns bastion "$REF" -c "$CONF" down
	else
		wgb bastion -c "$CONF" flush
	fi
}

# Everything of the bastion's a bastion may own, to compare before and after
snapshot() {
	{
		echo "# links";   ns bastion ip -br link | sed 's/@[^ ]*//'
		echo "# addrs";   ns bastion ip -br addr
		echo "# rules";   ns bastion ip rule; ns bastion ip -6 rule
		echo "# routes";  ns bastion ip route show table all; ns bastion ip -6 route show table all
		echo "# nft";     ns bastion nft list ruleset
		# every per-interface and global IP setting (not sysctl -a: its
		# thousands of files are slow to read under qemu)
		echo "# sysctl";  ns bastion grep -r . /proc/sys/net/ipv4/ip_forward \
			/proc/sys/net/ipv4/conf /proc/sys/net/ipv6/conf 2>/dev/null | sort
		echo "# processes in the namespace: $(ip netns pids bastion | wc -l)"
	} >"$1"
}

# saw NS ARGS...: the address the service saw (first word of its answer)
saw() { local r; r=$(probe "$@" 2>&1) || { echo "(failed: $r)"; return 1; }; echo "${r%% *}"; }
# answer NS ARGS...: the whole answer
answer() { probe "$@" 2>&1 | tr -d '\n'; }
refused() { ! probe "$@" >/dev/null 2>&1; }
assert_ok() {	# what cmd...: passes when cmd succeeds; its output only on failure
	local what=$1; shift
	if "$@" >"$TMP/ok.out" 2>&1; then pass "$what"; else fail "$what"; sed 's/^/    /' "$TMP/ok.out"; fi
}

# lib.sh's, timed; a section starts with fresh probes: answers fetched
# ahead by ask (topo.sh) hold until the next section
say() { ask_forget; printf '== %s  [%ss]\n' "$*" "$SECONDS"; }

say "mode: $MODE bastion, ${WGB_WG_BACKEND:-userspace} WireGuard on the far side"

say "topology"
keypair bastion
keypair home
render "$WGB_TOP/tests/e2e/bastion.conf" "$CONF"
topo_up || { fail "topology"; finish; }
far_side_up 51820 || { fail "far side"; finish; }
services_up || { fail "services"; finish; }
# strict reverse-path filtering on the bastion, for everything that follows
sysctls bastion net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1 \
	net.ipv4.conf.eth0.rp_filter=1 net.ipv4.conf.eth1.rp_filter=1

ask client "tcp $HOME_UP4 22" "tcp $BASTION4 8080"
ask bastion "tcp $METADATA4 80" "tcp $VPC4 80"
assert_ok "topology: home dials out (reaches the server)" probe home tcp "$SERVER4" 80
assert_ok "topology: nothing dials in to home (CGNAT)" refused client tcp "$HOME_UP4" 22
assert_ok "topology: the bastion reaches the metadata service" probe bastion tcp "$METADATA4" 80
assert_ok "topology: the bastion reaches its private network" probe bastion tcp "$VPC4" 80
assert_ok "topology: no forward before apply" refused client tcp "$BASTION4" 8080

snapshot "$TMP/pristine"

say "apply ($MODE)"
if [ "$MODE" = reference ]; then
	assert_rc "reference bastion up" 0 bastion_apply
else
	assert_rc "wgbastion check" 0 wgb bastion -c "$CONF" check
	f=$WGB_FAILS
	assert_rc "wgbastion apply" 0 bastion_apply
	[ "$WGB_FAILS" = "$f" ] && sed 's/^/    /' "$TMP/out"	# (a failure showed it)
fi
assert_ok "tunnel: home's handshake with the bastion" tunnel_wait
# kernel WireGuard (the kernel lane) or a userspace one: "wireguard" or "tun"
wg_kind=$(ns bastion ip -d link show wg0 2>/dev/null | sed -n 's/^ *\(wireguard\|tun\) .*/\1/p' | head -1)
echo "    the bastion's wg0 is a ${wg_kind:-?} device"

say "ingress"
ask client "tcp $BASTION4 8080" "udp $BASTION4 5353" "tcp $BASTION4 8000" "tcp $BASTION4 8001" \
	"tcp $BASTION4 8002" "tcp $BASTION4 8003" "tcp $BASTION4 2222" "tcp $BASTION4 8443" \
	"tcp $BASTION4 8081" "tcp $BASTION4 8082" "tcp $BASTION6 8080" "udp $BASTION6 5353"
ask client2 "tcp $BASTION4 8443" "tcp $BASTION4 8080"
assert_eq "TCP ingress: backend sees the client's address" \
	"$CLIENT4 $BACKEND4 8080" "$(answer client tcp "$BASTION4" 8080)"
assert_eq "UDP ingress: backend sees the client's address" \
	"$CLIENT4 $BACKEND4 5353" "$(answer client udp "$BASTION4" 5353)"
for p in 8000 8001 8002; do
	assert_eq "port range 8000-8002: $p reaches backend port $p" \
		"$CLIENT4 $BACKEND4 $p" "$(answer client tcp "$BASTION4" $p)"
done
assert_ok "port range 8000-8002: 8003 is not forwarded" refused client tcp "$BASTION4" 8003
assert_eq "port remap: public 2222 reaches backend port 22" \
	"$CLIENT4 $BACKEND4 22" "$(answer client tcp "$BASTION4" 2222)"
assert_eq "Allow: the allowed client gets through" \
	"$CLIENT4 $BACKEND4 8443" "$(answer client tcp "$BASTION4" 8443)"
assert_ok "Allow: another client is refused" refused client2 tcp "$BASTION4" 8443
assert_eq "Allow: that other client does reach an open forward" \
	"$CLIENT2_4" "$(saw client2 tcp "$BASTION4" 8080)"
assert_eq "Masquerade = yes: lab (not routed back into the tunnel) sees the bastion's tunnel address" \
	"$BASTION_WG4 $LAB4 8080" "$(answer client tcp "$BASTION4" 8081)"
assert_ok "Masquerade = no to the same lab service fails (the topology control)" \
	refused client tcp "$BASTION4" 8082
assert_eq "IPv6 TCP ingress: backend sees the client's address" \
	"$CLIENT6 $BACKEND6 8080" "$(answer client tcp "$BASTION6" 8080)"
assert_eq "IPv6 UDP ingress: backend sees the client's address" \
	"$CLIENT6 $BACKEND6 5353" "$(answer client udp "$BASTION6" 5353)"

say "egress"
ask backend "tcp $SERVER4 80" "udp $SERVER4 53" "tcp $SERVER6 80" "tcp $METADATA4 80" \
	"tcp $VPC4 80" "tcp $VPC6 80"
assert_eq "TCP egress: the internet server sees the bastion's public address" \
	"$BASTION4" "$(saw backend tcp "$SERVER4" 80)"
assert_eq "UDP egress: the internet server sees the bastion's public address" \
	"$BASTION4" "$(saw backend udp "$SERVER4" 53)"
assert_eq "IPv6 egress: the internet server sees the bastion's public address" \
	"$BASTION6" "$(saw backend tcp "$SERVER6" 80)"
assert_ok "egress: the backend cannot reach the metadata address (default Deny)" \
	refused backend tcp "$METADATA4" 80
assert_ok "egress: the backend cannot reach the bastion's private network (no egress allows eth1)" \
	refused backend tcp "$VPC4" 80
assert_ok "egress: nor its IPv6 side" refused backend tcp "$VPC6" 80

say "MSS and a bulk transfer"
capture() {	# capture IFACE: start tcpdump in the bastion, echo its PID
	local i
	ns_bg bastion tcpdump --immediate-mode -Z root -i "$1" -nn -U -w "$TMP/$1.pcap" tcp 2>"$TMP/tcpdump-$1.err"
	for i in $(seq 50); do
		grep -q 'listening on' "$TMP/tcpdump-$1.err" && break
		sleep 0.1
	done
}
mss_of() {	# mss_of IFACE 'DESTINATION.PORT: Flags [S]' -> the MSS option
	grep -F -- "$2" "$TMP/$1.txt" | head -1 | sed -n 's/.*mss \([0-9]*\).*/\1/p'
}
capture wg0; pid_wg0=${WGB_PIDS[-1]}
capture eth0; pid_eth0=${WGB_PIDS[-1]}
# the connections whose handshakes are looked at
ask client "tcp $BASTION4 8080" "tcp $BASTION6 8080"
assert_ok "MSS: IPv4 ingress connection (captured)" probe client tcp "$BASTION4" 8080
assert_ok "MSS: IPv6 ingress connection (captured)" probe client tcp "$BASTION6" 8080
assert_ok "MSS: IPv4 egress connection (captured)" probe backend tcp "$SERVER4" 80
sleep 0.5
bg_stop "$pid_wg0"
bg_stop "$pid_eth0"
for i in eth0 wg0; do tcpdump -r "$TMP/$i.pcap" -nn >"$TMP/$i.txt" 2>&1; done
m=$(mss_of eth0 "> $BASTION4.8080: Flags [S],"); m6=$(mss_of eth0 "> $BASTION6.8080: Flags [S],")
t=$(mss_of wg0 "> $BACKEND4.8080: Flags [S],"); t6=$(mss_of wg0 "> $BACKEND6.8080: Flags [S],")
sa=$(mss_of wg0 "$SERVER4.80 > $BACKEND4."); sa_eth0=$(mss_of eth0 "$SERVER4.80 > $BASTION4.")
# the forwarded service's SYN-ACK, out of the tunnel towards the client
back=$(mss_of eth0 "$BASTION4.8080 > $CLIENT4."); back6=$(mss_of eth0 "$BASTION6.8080 > $CLIENT6.")
echo "    MSS of the client's SYN: $m on eth0 -> $t into the tunnel; IPv6 $m6 -> $t6;" \
     "the server's SYN-ACK: $sa_eth0 on eth0 -> $sa into the tunnel (MTU 1420);" \
     "the service's SYN-ACK to the client: $back, IPv6 $back6"
assert_ok "MSS: the client's SYN arrives unclamped (1460: the capture sees it)" test "${m:-0}" = 1460
assert_ok "MSS: the SYN leaving into the tunnel fits the tunnel MTU (<= 1380)" test "${t:-9999}" -le 1380
assert_ok "MSS: the IPv6 SYN leaving into the tunnel fits the tunnel MTU (<= 1360)" test "${t6:-9999}" -le 1360
assert_ok "MSS: an egress SYN-ACK leaving into the tunnel fits the tunnel MTU (<= 1380)" test "${sa:-9999}" -le 1380
# SPEC §4: both ways; `rt mtu` would give the uplink's 1460/1440 here
assert_ok "MSS: the service's SYN-ACK leaving the tunnel for the client fits the tunnel (<= 1380)" \
	test "${back:-9999}" -le 1380
assert_ok "MSS: its IPv6 SYN-ACK too (<= 1360)" test "${back6:-9999}" -le 1360
if [ -z "$m" ] || [ -z "$t" ] || [ -z "$m6" ] || [ -z "$t6" ] || [ -z "$sa" ] || [ -z "$back" ] || [ -z "$back6" ]; then
	for i in eth0 wg0; do
		echo "    capture on $i:"
		sed 's/^/      /' "$TMP/$i.txt"
	done
fi
# the client's network drops ICMP: it never hears "fragmentation needed",
# so a segment larger than the tunnel takes would stall the upload
ns client nft -f - <<'EOF'
table inet noicmp {
	chain in {
		type filter hook input priority 0;
		icmp type destination-unreachable drop
		icmpv6 type packet-too-big drop
	}
}
EOF
head -c 20M /dev/urandom >"$TMP/blob"
want="$(sha256sum <"$TMP/blob" | cut -d' ' -f1) $((20 * 1024 * 1024))"
start=$(date +%s%N)
got=$(answer client -t 30 send "$BASTION4" 9000 "$TMP/blob")
echo "    20 MiB in $((($(date +%s%N) - start) / 1000000)) ms"
assert_eq "20 MiB through an ingress forward, ICMP dropped at the client, arrive intact (sha256, length)" "$want" "$got"
rm -f "$TMP/blob"

say "strict rp_filter"
assert_eq "rp_filter: the bastion ran everything above with all.rp_filter=1" \
	1 "$(ns bastion sysctl -n net.ipv4.conf.all.rp_filter)"
rp=$(ns bastion sysctl -n net.ipv4.conf.wg0.rp_filter)
sysctls bastion net.ipv4.conf.wg0.rp_filter=1
assert_ok "rp_filter: strict on the tunnel too would drop egress replies (the control)" \
	refused backend tcp "$SERVER4" 80
sysctls bastion "net.ipv4.conf.wg0.rp_filter=$rp"
assert_eq "rp_filter: loose on the tunnel ($rp) and egress works again" \
	"$BASTION4" "$(saw backend tcp "$SERVER4" 80)"

say "show"
if [ "$MODE" = reference ]; then
	echo "    (not applicable: the reference bastion has no show)"
else
	assert_rc "show exits 0" 0 wgb bastion -c "$CONF" show
	sed 's/^/    /' "$TMP/out"
	wgb bastion -c "$CONF" show --json >"$TMP/show.json" 2>"$TMP/show.err"
	rc=$?
	assert_eq "show --json exits 0" 0 "$rc"
	"$E2E_PY" -S "$WGB_TOP/tests/e2e/counters.py" "$TMP/show.json" >"$TMP/counters" 2>&1
	sed 's/^/    /' "$TMP/counters"
	[ -s "$TMP/counters" ] || { echo "    (no forwards in show --json; its stderr:)"; sed 's/^/    /' "$TMP/show.err"; }
	for f in web web6 dns dns6 range ssh private lab bulk; do
		assert_match "show: forward $f has counted packets" "^forward $f [1-9][0-9]* " "$(cat "$TMP/counters")"
	done
	assert_match "show: forward unused counted nothing" "^forward unused 0 0$" "$(cat "$TMP/counters")"
	assert_match "show: egress home has counted packets" "^egress home [1-9][0-9]* " "$(cat "$TMP/counters")"
fi

say "drift"
ns bastion ip rule del priority 5210
assert_ok "drift: ip rule deleted by hand -> ingress breaks" refused client tcp "$BASTION4" 8080
f=$WGB_FAILS
assert_rc "drift: apply again" 0 bastion_apply
[ "$MODE" != reference ] && [ "$WGB_FAILS" = "$f" ] && sed 's/^/    /' "$TMP/out"
assert_eq "drift: after apply, ingress works again" "$CLIENT4" "$(saw client tcp "$BASTION4" 8080)"
if [ "$MODE" != reference ]; then
	changes=$(grep -E '^[-+~] ' "$TMP/out")
	assert_match "drift: apply put back the rule" '^\+ .*rule' "$changes"
	assert_eq "drift: ... and changed nothing else" 1 "$(printf '%s\n' "$changes" | grep -c .)"
	assert_rc "drift: a second apply" 0 bastion_apply
	assert_eq "drift: ... has nothing to do" "in sync" "$(cat "$TMP/out")"
fi

say "flush"
assert_rc "flush" 0 bastion_flush
sleep 0.3	# a userspace WireGuard exits with its link
assert_ok "flush: nothing is forwarded any more" refused client tcp "$BASTION4" 8080
snapshot "$TMP/after"
if [ "$wg_kind" = wireguard ]; then
	# Kernel WireGuard turns send_redirects off namespace-wide when its link
	# comes up (wg_open in drivers/net/wireguard/device.c) and nothing turns
	# it back on: the kernel's doing, not the bastion's. Named, not hidden.
	k=/proc/sys/net/ipv4/conf/all/send_redirects
	echo "    not compared (kernel WireGuard's own doing): $(grep "^$k:" "$TMP/pristine") -> $(grep "^$k:" "$TMP/after")"
	sed -i "\|^$k:|d" "$TMP/pristine" "$TMP/after"
fi
if diff -u "$TMP/pristine" "$TMP/after" >"$TMP/diff"; then
	pass "flush: the bastion's namespace is back to pristine (links, addresses, rules, routes, nft, sysctls, processes)"
else
	fail "flush: the bastion's namespace differs from before apply:"
	sed 's/^/    /' "$TMP/diff"
fi

finish
