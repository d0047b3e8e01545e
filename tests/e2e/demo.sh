#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo: wgbastion at work on a small made-up internet, in throw-away
# network namespaces inside a private mount namespace (tests/lib.sh), so the
# machine's own network, /run and WireGuard sockets are never touched.
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
# The bastion is configured by wgbastion from tests/e2e/demo.conf, and the
# home gateway by wgbastion too, from the config `wgbastion far-side`
# prints on the bastion (SPEC §6); the rest of the little internet with
# plain ip and nft. WGB_E2E_BASTION=reference shows the bastion's half with
# the shell reference bastion (bench/reference/bastion.sh) and home set up
# by hand with wg and ip.

if [ "$(id -u)" != 0 ]; then
	echo "make demo needs root: it builds its small internet out of network namespaces." >&2
	echo "Nothing outside them is touched. Run it as root: sudo make demo" >&2
	exit 1
fi
top=$(cd "$(dirname "$0")/../.." && pwd)
export WGB_BIN=${WGB_BIN:-$top/wgbastion}
. "$top/tests/lib.sh"
. "$top/tests/e2e/topo.sh"

MODE=${WGB_E2E_BASTION:-wgbastion}
CONF=$TMP/demo.conf
ok=1
t0=$(date +%s)

b= n=
[ -t 1 ] && b=$(tput bold 2>/dev/null) n=$(tput sgr0 2>/dev/null)
step() { printf '\n%s%s%s\n' "$b" "$*" "$n"; }
k=0
stepn() { k=$((k + 1)); step "$k. $*"; }
tell() { printf '  %s\n' "$@"; }
run() {	# show a command as typed on the bastion, and its output
	printf '  bastion# %s\n' "$*"
	ns bastion "$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}
run_home() {	# the same on the home gateway
	printf '  home# %s\n' "$*"
	ns home "$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}
FAR=$TMP/home.conf
die() { printf '\n'; printf '  %s\n' "$@"; exit 1; }

step "wgbastion demo: a public VM becomes a WireGuard bastion for a home network"
tell "that sits behind carrier-grade NAT. It all happens in throw-away network" \
     "namespaces; this machine's own network is not touched."
sed -n '/^#  client /,/^#  *└─ eth2/p' "$0" | sed 's/^#/ /'

stepn "Building the little internet"
keypair bastion
keypair home
render "$top/tests/e2e/demo.conf" "$CONF"
topo_up && svc backend tcp:8080 udp:5353 && svc server tcp:80 ||
	die "could not build the topology"
if [ "$MODE" = reference ]; then
	far_side_up 51820 || die "could not set up home's WireGuard"
	tell "home's gateway cannot be reached from the internet, so it dials out:" \
	     "its WireGuard peer is the bastion, 192.0.2.10:51820, set up with plain wg and ip."
else
	tell "home's gateway cannot be reached from the internet, so it will dial out" \
	     "to the bastion, 192.0.2.10:51820: it gets its half from wgbastion in step 3."
fi
probe client -t 1 tcp "$HOME_UP4" 8080 >/dev/null 2>&1 &&
	die "home answered from the internet: the carrier-grade NAT is not working"
tell "(checked: the client cannot reach home's uplink address 100.64.0.2)"

stepn "The bastion gets its configuration"
tell "The bundled example, tests/e2e/demo.conf (keys filled in for this run):"
grep -vE '^(#|$)|PrivateKeyFile|PublicKey' "$CONF" | sed 's/^/    /'
if [ "$MODE" = reference ]; then
	run "$top/bench/reference/bastion.sh" -c "$CONF" up || die "the reference bastion failed"
else
	run "$WGB" -c "$CONF" apply ||
		die "wgbastion apply failed (see above). While its stages are still being written," \
		    "WGB_E2E_BASTION=reference make demo shows the same with the shell reference bastion."
fi
if [ "$MODE" != reference ]; then
	stepn "The home gateway gets its half, from the bastion's own config"
	tell "On the bastion, wgbastion far-side prints the far side's config: the bastion" \
	     "as its peer, a [Return] for each forward (replies go back into the tunnel)," \
	     "an [Exit] for the [Egress] (the LAN leaves by the bastion):"
	printf '  bastion# %s\n' "$WGB -c $CONF far-side --endpoint $BASTION4 >home.conf"
	ns bastion "$WGB" -c "$CONF" far-side --endpoint "$BASTION4" >"$TMP/far.out" ||
		die "far-side failed"
	grep -vE '^(#|$)' "$TMP/far.out" | sed 's/^/    /'
	# the far side's own key where the placeholder is; the tunnel is called
	# wg-home here, as the demo's namespaces share /run/wireguard
	sed -e "s|^PrivateKeyFile = .*|PrivateKeyFile = $TMP/home.key|" -e "s|^Name = .*|Name = wg-home|" \
		"$TMP/far.out" >"$FAR"
	chmod 600 "$FAR"
	tell "On home, with its own private key filled in (and the tunnel named wg-home):"
	run_home "$WGB" -c "$FAR" apply || die "wgbastion apply on home failed"
fi
tunnel_wait || die "home's WireGuard did not reach the bastion"
tell "home has handshaken with the bastion: the tunnel is up."

stepn "Ingress: a client on the internet visits the home web server"
tell "client 198.51.100.10 connects to the bastion's public address 192.0.2.10, port 8080."
r=$(probe client tcp "$BASTION4" 8080) || die "no answer: $r"
read -r seen at port <<<"$r"
tell "The backend at home ($at:$port) answered. It saw the connection come from $seen:"
if [ "$seen" = "$CLIENT4" ]; then
	tell "the client's own address, not the bastion's: no proxy in between."
else
	tell "that is NOT the client's address ($CLIENT4): something is wrong."; ok=0
fi
r=$(probe client udp "$BASTION4" 5353) && tell "The same over UDP port 5353: the backend saw ${r%% *}."
r=$(probe client tcp "$BASTION6" 8080) && tell "And over IPv6, to [$BASTION6]:8080: the backend saw ${r%% *}."

stepn "Egress: the home backend talks to a server on the internet"
tell "backend 192.168.50.10 connects to server 203.0.113.80, port 80."
r=$(probe backend tcp "$SERVER4" 80) || die "no answer: $r"
tell "The server saw the connection come from ${r%% *}:"
if [ "${r%% *}" = "$BASTION4" ]; then
	tell "the bastion's public address: home's traffic leaves through the tunnel and the bastion."
else
	tell "that is NOT the bastion's address ($BASTION4): something is wrong."; ok=0
fi
probe backend -t 1 tcp "$METADATA4" 80 >/dev/null 2>&1 ||
	tell "(and the cloud's metadata service, 169.254.169.254, stays out of reach by default)"

stepn "What the bastion looks like now"
if [ "$MODE" = reference ]; then
	run nft list table inet wgbastion-wg0
else
	run "$WGB" -c "$CONF" show || tell "(show failed)"
	stepn "What the home gateway looks like now"
	run_home "$WGB" -c "$FAR" show || tell "(show failed)"
fi

stepn "Tearing down"
if [ "$MODE" = reference ]; then
	run "$top/bench/reference/bastion.sh" -c "$CONF" down
else
	run "$WGB" -c "$CONF" flush
	run_home "$WGB" -c "$FAR" flush
fi
probe client -t 1 tcp "$BASTION4" 8080 >/dev/null 2>&1 ||
	tell "After flush the port is closed again; now the namespaces go, and with them everything."
tell "Done in $(($(date +%s) - t0)) seconds."
[ $ok = 1 ]
