#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The reference bastion: the data path of SPEC.md's appendix done the way the
# shell prototype did it, with ip, nft, wg and sysctl, from a wgbastion config.
#
#   bastion.sh [-c FILE] up      build everything (replacing a previous up)
#   bastion.sh [-c FILE] down    remove it and restore the sysctls it changed
#   bastion.sh [-c FILE] print   print the nft ruleset 'up' would load
#
# It serves two purposes: the end-to-end test proves its topology with it
# before trusting wgbastion (WGB_E2E_BASTION=reference), and the benchmarks
# use it as the baseline "the shell way". Same inputs as wgbastion, as far as
# a shell script can: [Interface], [Peer], [Forward], [Egress] and [Bastion]
# with their defaults. 'up' again reconciles the device with wg syncconf
# (sessions survive) and replaces the whole nft table in one transaction.
# What it does not do: validate (give it a config that `wgbastion check`
# accepts), remove addresses that left the config, keep counters across an
# 'up', maps (one rule per forward and protocol, so per-packet cost grows with
# the number of forwards), or roll back.
#
# Run it inside the network namespace that is to become the bastion; never
# in a namespace you cannot afford to cut off.
set -eu

CONF=${WGBASTION_CONFIG:-/etc/wgbastion/wgbastion.conf}
STATE_DIR=${WGB_REF_STATE:-/run/wgbastion-ref}
ING=0x10000000 EGR=0x20000000

usage() { echo "usage: ${0##*/} [-c FILE] up|down|print" >&2; exit 2; }
die() { echo "${0##*/}: $*" >&2; exit 1; }

# ---------------------------------------------------------------- the config
I_NAME=wg0 I_KEY= I_KEYFILE= I_PORT=51820 I_ADDR= I_MTU=1420 I_FWMARK=
P_PUB=() P_PSK=() P_PSKFILE=() P_AIPS=() P_EP=() P_KA=()
F_NAME=() F_PROTO=() F_PORT=() F_DST=() F_ALLOW=() F_MASQ=()
E_NAME=() E_SRC=() E_DST=() E_DENY=() E_IF=() E_MASQ=()
TABLE=51821 MARK=0x8000000 MASK=0x8000000 PRIO=5210

# The helpers return in REPLY: no subshell per line, so that thousands of
# forwards parse in a moment (the benchmarks time this script).
trim() { REPLY=${1#"${1%%[![:space:]]*}"}; REPLY=${REPLY%"${REPLY##*[![:space:]]}"}; }
# lists are kept space-separated
# shellcheck disable=SC2206 # splitting is the point; globbing is off
list() { local a; set -f; a=(${1//,/ }); set +f; REPLY=${a[*]}; }
yesno() { case ${1,,} in yes|true|on|1) REPLY=1 ;; *) REPLY=0 ;; esac; }

parse() {
	local line sec= key val i=-1
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%%[#;]*}
		trim "$line"; line=$REPLY
		[ -z "$line" ] && continue
		if [[ $line =~ ^\[([A-Za-z]+)([[:space:]]+([^]]+))?\]$ ]]; then
			sec=${BASH_REMATCH[1],,}
			case $sec in
			peer) i=${#P_PUB[@]}; P_PUB[i]= P_PSK[i]= P_PSKFILE[i]= P_AIPS[i]= P_EP[i]= P_KA[i]= ;;
			forward) i=${#F_NAME[@]}; F_NAME[i]=${BASH_REMATCH[3]} F_PROTO[i]=tcp F_PORT[i]= F_DST[i]=
				F_ALLOW[i]= F_MASQ[i]=0 ;;
			egress) i=${#E_NAME[@]}; E_NAME[i]=${BASH_REMATCH[3]} E_SRC[i]= E_DST[i]="0.0.0.0/0 ::/0"
				E_DENY[i]="169.254.0.0/16 fe80::/10" E_IF[i]= E_MASQ[i]=1 ;;
			esac
			continue
		fi
		trim "${line%%=*}"; key=${REPLY,,}
		trim "${line#*=}"; val=$REPLY
		case $sec/$key in
		interface/name) I_NAME=$val ;;
		interface/privatekey) I_KEY=$val ;;
		interface/privatekeyfile) I_KEYFILE=$val ;;
		interface/listenport) I_PORT=$val ;;
		interface/address) list "$val"; I_ADDR=$REPLY ;;
		interface/mtu) I_MTU=$val ;;
		interface/fwmark) [ "${val,,}" = off ] || I_FWMARK=$val ;;
		peer/publickey) P_PUB[i]=$val ;;
		peer/presharedkey) P_PSK[i]=$val ;;
		peer/presharedkeyfile) P_PSKFILE[i]=$val ;;
		peer/allowedips) list "$val"; P_AIPS[i]=$REPLY ;;
		peer/endpoint) P_EP[i]=$val ;;
		peer/persistentkeepalive) P_KA[i]=$val ;;
		forward/protocol) list "${val,,}"; F_PROTO[i]=$REPLY ;;
		forward/port) F_PORT[i]=$val ;;
		forward/destination) F_DST[i]=$val ;;
		forward/allow) list "$val"; F_ALLOW[i]=$REPLY ;;
		forward/masquerade) yesno "$val"; F_MASQ[i]=$REPLY ;;
		forward/shadow) ;;
		egress/source) list "$val"; E_SRC[i]=$REPLY ;;
		egress/destination) list "$val"; E_DST[i]=$REPLY ;;
		egress/deny) list "$val"; E_DENY[i]=$REPLY; [ "${val,,}" = none ] && E_DENY[i]= ;;
		egress/interface) E_IF[i]=$val ;;
		egress/masquerade) yesno "$val"; E_MASQ[i]=$REPLY ;;
		bastion/table) TABLE=$val ;;
		bastion/mark) MARK=${val%%/*}; MASK=${val#*/}; [ "$MASK" = "$val" ] && MASK=$MARK ;;
		bastion/priority) PRIO=$val ;;
		*) die "$CONF: [$sec] $key: not understood by the reference bastion" ;;
		esac
	done <"$1"
	[ ${#P_PUB[@]} -eq 1 ] && [ -z "${P_AIPS[0]}" ] && P_AIPS[0]="0.0.0.0/0 ::/0"
	return 0
}

# family LIST FAMILY(4|6): the prefixes of one family, comma-separated
family() {
	local p
	REPLY=
	for p in $1; do
		case $p in
		*:*) [ "$2" = 6 ] && REPLY+="$p, " ;;
		*) [ "$2" = 4 ] && REPLY+="$p, " ;;
		esac
	done
	REPLY=${REPLY%, }
}

uses_v6() {
	local i
	for i in "${!F_NAME[@]}"; do [[ ${F_DST[i]} == \[* ]] && return 0; done
	for i in "${!E_NAME[@]}"; do family "${E_SRC[i]}" 6; [ -n "$REPLY" ] && return 0; done
	return 1
}

# ------------------------------------------------------------------ nftables
ruleset() {
	local i p f fam nfp dst addr dport allow set masq=() eg=() d
	local w=$I_NAME notmask
	printf -v notmask 0x%x $(( ~MASK & 0xffffffff ))

	echo "table inet wgbastion-$w"
	echo "delete table inet wgbastion-$w"
	echo "table inet wgbastion-$w {"
	echo "	chain pre_nat {"
	echo "		type nat hook prerouting priority dstnat; policy accept;"
	echo "		iifname \"$w\" return"
	for i in "${!F_NAME[@]}"; do
		dst=${F_DST[i]}
		if [[ $dst == \[* ]]; then
			fam=ip6 nfp=ipv6 addr=${dst#[} addr=${addr%%]*} dport=${dst#*]}; dport=${dport#:}
			[ -n "$dport" ] && d="[$addr]:$dport" || d=$addr
		else
			fam=ip nfp=ipv4 addr=${dst%%:*} dport=; [[ $dst == *:* ]] && dport=${dst#*:}
			d=$addr${dport:+:$dport}
		fi
		allow=
		f=4; [ $fam = ip6 ] && f=6
		family "${F_ALLOW[i]}" $f; set=$REPLY
		case $set in
		''|0.0.0.0/0|::/0) ;;
		*) allow="$fam saddr { $set } " ;;
		esac
		for p in ${F_PROTO[i]}; do
			echo "		meta nfproto $nfp ${allow}$p dport ${F_PORT[i]} ct mark set ct mark | $ING dnat $fam to $d comment \"${F_NAME[i]}\""
			[ "${F_MASQ[i]}" = 1 ] && masq+=("oifname \"$w\" ct mark & $ING == $ING meta nfproto $nfp meta l4proto $p ct original proto-dst ${F_PORT[i]} masquerade comment \"${F_NAME[i]}\"")
		done
	done
	echo "	}"

	echo "	chain pre_mark {"
	echo "		type filter hook prerouting priority dstnat + 10; policy accept;"
	for i in "${!E_NAME[@]}"; do
		for f in 4 6; do
			family "${E_SRC[i]}" $f; set=$REPLY
			[ -z "$set" ] && continue
			fam=ip; [ $f = 6 ] && fam=ip6
			echo "		iifname \"$w\" ct state new $fam saddr { $set } ct mark set ct mark | $EGR comment \"${E_NAME[i]}\""
			# who may leave, and where to
			d="iifname \"$w\" ct state new ct mark & $EGR == $EGR $fam saddr { $set }"
			family "${E_DST[i]}" $f
			case $REPLY in
			'') continue ;;
			0.0.0.0/0|::/0) ;;
			*) d+=" $fam daddr { $REPLY }" ;;
			esac
			family "${E_DENY[i]}" $f
			[ -n "$REPLY" ] && d+=" $fam daddr != { $REPLY }"
			[ -n "${E_IF[i]}" ] && d+=" oifname \"${E_IF[i]}\""
			eg+=("$d accept comment \"${E_NAME[i]}\"")
			if [ "${E_MASQ[i]}" = 1 ]; then
				if [ -n "${E_IF[i]}" ]; then d="oifname \"${E_IF[i]}\""; else d="oifname != \"$w\""; fi
				masq+=("$d ct mark & $EGR == $EGR $fam saddr { $set } masquerade comment \"${E_NAME[i]}\"")
			fi
		done
	done
	echo "		ct direction original ct mark & $ING == $ING meta mark set meta mark & $notmask | $MARK"
	echo "		ct direction reply ct mark & $EGR == $EGR meta mark set meta mark & $notmask | $MARK"
	echo "	}"

	echo "	chain forward {"
	echo "		type filter hook forward priority filter; policy accept;"
	echo "		oifname \"$w\" tcp flags syn tcp option maxseg size set rt mtu"
	# out of the tunnel the route is the uplink's: the tunnel's own MTU
	echo "		iifname \"$w\" meta nfproto ipv4 tcp flags syn tcp option maxseg size set $((I_MTU - 40))"
	echo "		iifname \"$w\" meta nfproto ipv6 tcp flags syn tcp option maxseg size set $((I_MTU - 60))"
	echo "		ct mark & $ING == $ING accept"
	for d in "${eg[@]}"; do echo "		$d"; done
	echo "		ct mark & $EGR == $EGR ct state established,related accept"
	echo "		iifname \"$w\" drop"
	echo "		oifname \"$w\" drop"
	echo "	}"

	echo "	chain post_nat {"
	echo "		type nat hook postrouting priority srcnat; policy accept;"
	for d in "${masq[@]}"; do echo "		$d"; done
	echo "	}"
	echo "}"
}

# ------------------------------------------------------------------- sysctls
# Remember a sysctl's value the first time we change it; down restores it.
sysctl_set() {
	local k=$1 v=$2 f=$STATE_DIR/$I_NAME.sysctl
	if ! grep -q "^$k=" "$f" 2>/dev/null; then
		echo "$k=$(sysctl -n "$k")" >>"$f"
	fi
	sysctl -q -w "$k=$v" >/dev/null
}

# ---------------------------------------------------------------- WireGuard
# The device's configuration in wg(8)'s format, for wg syncconf
wg_conf() {
	local i
	echo "[Interface]"
	if [ -n "$I_KEYFILE" ]; then echo "PrivateKey = $(cat "$I_KEYFILE")"; else echo "PrivateKey = $I_KEY"; fi
	echo "ListenPort = $I_PORT"
	[ -n "$I_FWMARK" ] && echo "FwMark = $I_FWMARK"
	for i in "${!P_PUB[@]}"; do
		echo "[Peer]"
		echo "PublicKey = ${P_PUB[i]}"
		echo "AllowedIPs = ${P_AIPS[i]// /, }"
		[ -n "${P_PSKFILE[i]}" ] && echo "PresharedKey = $(cat "${P_PSKFILE[i]}")"
		[ -n "${P_PSK[i]}" ] && echo "PresharedKey = ${P_PSK[i]}"
		[ -n "${P_EP[i]}" ] && echo "Endpoint = ${P_EP[i]}"
		[ -n "${P_KA[i]}" ] && echo "PersistentKeepalive = ${P_KA[i]}"
	done
	return 0
}

wg_up() {
	local a
	if ! ip link show "$I_NAME" >/dev/null 2>&1 &&
	   ! ip link add "$I_NAME" type wireguard 2>/dev/null; then
		# as wg-quick: a userspace implementation when the kernel has none
		"${WG_QUICK_USERSPACE_IMPLEMENTATION:-wireguard-go}" "$I_NAME" >/dev/null 2>&1 ||
			die "cannot create WireGuard interface $I_NAME"
	fi
	# unchanged peers keep their sessions; the keys never touch the disk
	wg syncconf "$I_NAME" <(wg_conf)
	for a in $I_ADDR; do ip addr replace "$a" dev "$I_NAME"; done
	ip link set "$I_NAME" mtu "$I_MTU" up
}

up() {
	local v6=0 d
	uses_v6 && v6=1
	mkdir -p "$STATE_DIR" && chmod 0700 "$STATE_DIR"
	wg_up
	ruleset | nft -f -
	ip rule del priority "$PRIO" 2>/dev/null || true
	ip rule add fwmark "$MARK/$MASK" lookup "$TABLE" priority "$PRIO"
	ip route replace default dev "$I_NAME" table "$TABLE"
	if [ $v6 = 1 ]; then
		ip -6 rule del priority "$PRIO" 2>/dev/null || true
		ip -6 rule add fwmark "$MARK/$MASK" lookup "$TABLE" priority "$PRIO"
		ip -6 route replace default dev "$I_NAME" table "$TABLE"
	fi
	sysctl_set net.ipv4.ip_forward 1
	sysctl -q -w "net.ipv4.conf.$I_NAME.rp_filter=2" >/dev/null
	if [ $v6 = 1 ]; then
		# forwarding would stop router advertisements being accepted
		for d in /proc/sys/net/ipv6/conf/*/accept_ra; do
			d=${d%/accept_ra}; d=${d##*/}
			case $d in all|default|lo|"$I_NAME") continue ;; esac
			[ "$(sysctl -n "net.ipv6.conf.$d.accept_ra")" = 1 ] && sysctl_set "net.ipv6.conf.$d.accept_ra" 2
		done
		sysctl_set net.ipv6.conf.all.forwarding 1
	fi
}

down() {
	local f=$STATE_DIR/$I_NAME.sysctl kv
	if [ -f "$f" ]; then
		# reverse order: forwarding off before accept_ra goes back
		tac "$f" | while IFS= read -r kv; do sysctl -q -w "$kv" >/dev/null || true; done
		rm -f "$f"
	fi
	ip rule del priority "$PRIO" 2>/dev/null || true
	ip -6 rule del priority "$PRIO" 2>/dev/null || true
	ip route flush table "$TABLE" 2>/dev/null || true
	ip -6 route flush table "$TABLE" 2>/dev/null || true
	nft delete table inet "wgbastion-$I_NAME" 2>/dev/null || true
	ip link del "$I_NAME" 2>/dev/null || true
}

while getopts c: o; do
	case $o in
	c) CONF=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
parse "$CONF"
case $1 in
up) up ;;
down) down ;;
print) ruleset ;;
*) usage ;;
esac
