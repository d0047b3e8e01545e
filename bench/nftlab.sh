#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make nftlab: the measurements behind bench/nftlab.md, side by side in one
# run, as ratios (this machine is shared: absolute figures move from run to
# run, ratios of interleaved runs much less).
#
#   same     floor -c named -D -P commits exactly wgbastion's table (nft list
#            and nft --debug=netlink listings compared, at 10 and at N
#            forwards)
#   cold     a cold apply of N forwards: wgbastion apply, nft -f of the same
#            ruleset (gen.py nft-maps), and floor's variants (-D -P: with
#            wgbastion's base rules and empty protection maps, but for
#            floor-elem-limits, which has its own); wall time of the whole
#            process and floor's own commit time (sendmsg to the last
#            answer), peak RSS; and nft -f of the per-element-counter table
#            (floor -c elem -D -P's, as nft lists it), to set each table
#            shape's nft -f against its own floor
#   read     reading every forward's counter back: N named counters (GETOBJ)
#            vs N counters on the elements of one set (GETSETELEM)
#   probe    the fast path's pieces: process start (/bin/true, a binary
#            linked with wgbastion's libraries, wgbastion --version), GETGEN,
#            a userspace WireGuard's UAPI read, route and rule dumps, sysctl
#            and state-file reads
#   allow    an AllowFile of K prefixes: commit time, kernel memory, and a
#            change of 5 + 5 prefixes, in an interval set (rbtree) and in a
#            concatenation with a port (pipapo, as allowF_P holds Allow)
#   allowdp  what each costs per new connection: TCP connections per second
#            (bench/loadgen tcp-crr) through a forward open to everyone, one
#            whose K prefixes are an interval set behind a verdict map, and
#            one whose K prefixes are in allowF_P (pipapo), on veth
#
# Knobs: NFTLAB_ONLY="same cold read probe allow", NFTLAB_RUNS (7),
# NFTLAB_N (10000), NFTLAB_K (100000), NFTLAB_OUT (build/bench/nftlab.txt),
# NFTLAB_COLD (the cold section's approaches, as named in its table).
# Everything runs in network namespaces made here, inside tests/lib.sh's
# private mount namespace; the root namespace is never touched.
set -u
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/.." && pwd)
export WGB_BIN=${WGB_BIN:-$TOP/wgbastion}
# shellcheck source=tests/lib.sh
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 1

B=${WGB_BUILD:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
F=$B/bench/floor
P=$B/bench/probe
RUNS=${NFTLAB_RUNS:-7}
N=${NFTLAB_N:-10000}
K=${NFTLAB_K:-100000}
ONLY=${NFTLAB_ONLY:-same cold read probe allow allowdp}
OUT=${NFTLAB_OUT:-$B/bench/nftlab.txt}
for x in "$F" "$P" "$WGB"; do
	[ -x "$x" ] || { echo "SKIP: $x is missing (make nftlab)"; exit 77; }
done
for t in nft wireguard-go wg python3 /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "SKIP: $t is missing (make deps)"; exit 77; }
done

: >"$OUT"
say_() { printf '%s\n' "$*" | tee -a "$OUT"; }
say_ "# nftlab: $(uname -r), $(nft -v), libnftnl $(pkg-config --modversion libnftnl), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"

keypair bastion
keypair peer
G() { python3 bench/gen.py "$@"; }

NSN=0
fresh() {	# a new namespace in $FRESH; with an argument, an idle wireguard-go wg0
	NSN=$((NSN + 1))
	FRESH=lab$NSN
	netns_add "$FRESH"
	[ $# -eq 0 ] && return 0
	ns "$FRESH" env WG_PROCESS_FOREGROUND=1 wireguard-go wg0 >>"$TMP/wg-go.log" 2>&1 &
	WGB_PIDS+=($!)
	local _
	for _ in $(seq 100); do
		[ -S /run/wireguard/wg0.sock ] && ns "$FRESH" ip link set wg0 up 2>/dev/null && return 0
		sleep 0.05
	done
	echo "wireguard-go did not come up" >&2
	return 1
}
gone() {	# stop what runs in the namespace, empty it, delete it
	local p
	ns "$1" nft flush ruleset 2>/dev/null
	for p in $(ip netns pids "$1" 2>/dev/null); do kill "$p" 2>/dev/null; done
	for p in $(seq 50); do [ -z "$(ip netns pids "$1" 2>/dev/null)" ] && break; sleep 0.05; done
	ip netns del "$1" 2>/dev/null
	rm -rf /run/wgbastion /run/wireguard/wg0.sock
}

# the median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# ------------------------------------------------------------------ same
sec_same() {
	local n l
	say_ ""
	say_ "## same: floor -c named -D -P vs wgbastion's own table"
	for n in 10 "$N"; do
		G config "$n" "$TMP/same.conf" --key "$TMP/bastion.key" --peer "$(cat "$TMP/peer.pub")"
		fresh wg
		ns "$FRESH" "$WGB" -c "$TMP/same.conf" apply >/dev/null 2>&1 || say_ "wgbastion apply of $n forwards failed"
		for l in "" --debug=netlink; do
			ns "$FRESH" nft $l list table inet wgbastion-wg0 2>&1 | sed -E 's/^(inet wgbastion-wg0 [a-z_]+) [0-9 ]+$/\1/' >"$TMP/own$l"
		done
		gone "$FRESH"
		fresh
		ns "$FRESH" "$F" -D -P "$n"
		for l in "" --debug=netlink; do
			ns "$FRESH" nft $l list table inet wgbastion-wg0 2>&1 | sed -E 's/^(inet wgbastion-wg0 [a-z_]+) [0-9 ]+$/\1/' >"$TMP/floor$l"
		done
		gone "$FRESH"
		if [ -s "$TMP/own" ] && cmp -s "$TMP/own" "$TMP/floor" && cmp -s "$TMP/own--debug=netlink" "$TMP/floor--debug=netlink"; then
			say_ "- $n forwards: identical listings and bytecode ($(wc -l <"$TMP/own") lines, $(wc -l <"$TMP/own--debug=netlink") lines of bytecode)"
		else
			say_ "- $n forwards: DIFFERENT: $(diff "$TMP/own" "$TMP/floor" | head -n 6 | tr '\n\t' '  ')"
		fi
	done
}

# ------------------------------------------------------------------ cold
# approach -> the command run in a fresh namespace
cold_cmd() {
	case $1 in
	wgbastion) echo "$WGB -c $TMP/cold.conf apply" ;;
	nft-f) echo "nft -f $TMP/cold.nft" ;;
	nft-f-elem) echo "nft -f $TMP/cold-elem.nft" ;;
	floor-ackall) echo "$F -t -a all -D -P $N" ;;
	floor) echo "$F -t -D -P $N" ;;
	floor-elem) echo "$F -t -c elem -D -P $N" ;;
	floor-none) echo "$F -t -c none -D -P $N" ;;
	floor-elem-limits) echo "$F -t -c elem -D -G $N" ;;
	esac
}

# X's wall time over Y's, one ratio per round in which both ran
per_round() {
	awk -F'\t' -v x="$1" -v y="$2" '$2 == y { f[$1] = $3 } $2 == x { v[$1] = $3 }
		END { for (r in v) if (f[r]) printf "%.3f\n", v[r] / f[r] }' "$TMP/cold.tsv"
}

sec_cold() {
	local r a cmd out t c rss
	local -a appr
	read -ra appr <<<"${NFTLAB_COLD:-wgbastion nft-f nft-f-elem floor-ackall floor floor-elem floor-none floor-elem-limits}"
	say_ ""
	say_ "## cold: $N forwards, $RUNS rounds, each approach once per round in a fresh namespace"
	G config "$N" "$TMP/cold.conf" --key "$TMP/bastion.key" --peer "$(cat "$TMP/peer.pub")"
	G nft-maps "$N" "$TMP/cold.nft"
	# the per-element-counter table as nft -f takes it: floor's, listed
	# (a listing loads back as the same table: counters at zero, comments)
	fresh
	ns "$FRESH" "$F" -c elem -D -P "$N" >/dev/null
	ns "$FRESH" nft list table inet wgbastion-wg0 >"$TMP/cold-elem.nft"
	gone "$FRESH"
	: >"$TMP/cold.tsv"
	for r in $(seq "$RUNS"); do
		for a in "${appr[@]}"; do
			cmd=$(cold_cmd "$a")
			if [ "$a" = wgbastion ]; then fresh wg || continue; else fresh; fi
			# wall time of the whole process, as bench/step.sh takes it
			# (the $ expansions are the inner shell's)
			# shellcheck disable=SC2016
			out=$(ip netns exec "$FRESH" bash -c 't0=$EPOCHREALTIME; '"$cmd"' >"'"$TMP/cold.out"'" 2>&1; rc=$?; t1=$EPOCHREALTIME; echo "$rc $(( 10#${t1/./} - 10#${t0/./} ))"')
			c=$(awk '/^commit_us/ { print $3 }' "$TMP/cold.out")
			[ "${out%% *}" = 0 ] || say_ "- $a round $r exited ${out%% *}: $(tail -n 2 "$TMP/cold.out" | tr '\n' ' ')"
			printf '%s\t%s\t%s\t%s\n' "$r" "$a" "${out#* }" "${c:--}" >>"$TMP/cold.tsv"
			gone "$FRESH"
		done
	done
	for a in "${appr[@]}"; do
		cmd=$(cold_cmd "$a")
		if [ "$a" = wgbastion ]; then fresh wg || continue; else fresh; fi
		# shellcheck disable=SC2086 # $cmd is a command line
		ip netns exec "$FRESH" /usr/bin/time -f %M -o "$TMP/rss" $cmd >/dev/null 2>&1
		printf '%s\t%s\n' "$a" "$(tail -n 1 "$TMP/rss")" >>"$TMP/cold.rss"
		gone "$FRESH"
	done
	say_ ""
	say_ "| approach | wall ms (median) | × floor (median of per-round ratios) | floor's commit ms | peak RSS KiB |"
	say_ "|---|--:|--:|--:|--:|"
	for a in "${appr[@]}"; do
		t=$(awk -F'\t' -v a="$a" '$2 == a { print $3 / 1000 }' "$TMP/cold.tsv" | median)
		# the ratio to floor measured in the same round
		c=$(per_round "$a" floor | median)
		out=$(awk -F'\t' -v a="$a" '$2 == a && $4 != "-" { print $4 / 1000 }' "$TMP/cold.tsv" | median)
		rss=$(awk -F'\t' -v a="$a" '$1 == a { print $2 }' "$TMP/cold.rss")
		say_ "| $a | ${t:-–} | ${c:-–} | ${out:-–} | ${rss:-–} |"
	done
	# "N times faster than nft -f" against each shape's own floor: how
	# close to a bare commit of that table wgbastion would have to be
	say_ ""
	for a in nft-f:floor nft-f-elem:floor-elem; do
		c=$(per_round "${a%%:*}" "${a#*:}" | sort -n)
		[ -n "$c" ] && say_ "- ${a%%:*} against ${a#*:} (same table, per-round ratios): median $(median <<<"$c")×, $(head -n 1 <<<"$c")–$(tail -n 1 <<<"$c")×"
	done
}

# ------------------------------------------------------------------ read
sec_read() {
	local r mode
	say_ ""
	say_ "## read: every forward's counter back, $N forwards ($RUNS runs each, interleaved)"
	fresh; local named=$FRESH
	ns "$named" "$F" "$N"
	fresh; local elem=$FRESH
	ns "$elem" "$F" -c elem "$N"
	: >"$TMP/read.tsv"
	# shellcheck disable=SC2016 # the $ expansions are the inner shell's
	for r in $(seq "$RUNS"); do
		for mode in named elem; do
			if [ $mode = named ]; then
				out=$(ip netns exec "$named" bash -c 't0=$EPOCHREALTIME; '"$F"' counters wgbastion-wg0 >/dev/null 2>&1; t1=$EPOCHREALTIME; echo $(( 10#${t1/./} - 10#${t0/./} ))')
			else
				out=$(ip netns exec "$elem" bash -c 't0=$EPOCHREALTIME; '"$F"' elems wgbastion-wg0 count4_tcp >/dev/null 2>&1; t1=$EPOCHREALTIME; echo $(( 10#${t1/./} - 10#${t0/./} ))')
			fi
			printf '%s\t%s\n' "$mode" "$out" >>"$TMP/read.tsv"
		done
	done
	say_ "- $N named counters (GETOBJ dump, libnftnl parse; the count maps not included): $(awk -F'\t' '$1 == "named" { print $2 / 1000 }' "$TMP/read.tsv" | median) ms"
	say_ "- $N element counters of count4_tcp (GETSETELEM dump, libnftnl parse): $(awk -F'\t' '$1 == "elem" { print $2 / 1000 }' "$TMP/read.tsv" | median) ms"
	say_ "  (each includes starting floor; lines: $(ns "$named" "$F" counters wgbastion-wg0 2>/dev/null | wc -l) and $(ns "$elem" "$F" elems wgbastion-wg0 count4_tcp 2>/dev/null | wc -l))"
	gone "$named"
	gone "$elem"
}

# ----------------------------------------------------------------- probe
sec_probe() {
	local r line
	say_ ""
	say_ "## probe: the fast path's pieces (homelab config applied, wireguard-go)"
	G homelab examples/homelab.conf "$TMP/h.conf" --key "$TMP/bastion.key" --peer "$(cat "$TMP/peer.pub")"
	fresh wg
	ns "$FRESH" "$WGB" -c "$TMP/h.conf" apply >/dev/null 2>&1 || say_ "- wgbastion apply of the homelab config failed"
	: >"$TMP/spawn.tsv"
	# process start, interleaved: 5 rounds of 40 starts of each
	for r in 1 2 3 4 5; do
		for line in /bin/true "$P exit" "$WGB --version"; do
			# shellcheck disable=SC2086
			ns "$FRESH" "$P" spawn 40 $line | awk -v r="$r" '{ sub("median_ns=", "", $2); print r "\t" $1 "\t" $2 }' >>"$TMP/spawn.tsv"
		done
	done
	say_ ""
	say_ "| piece | median | × /bin/true |"
	say_ "|---|--:|--:|"
	for line in spawn:true spawn:probe spawn:wgbastion; do
		t=$(awk -F'\t' -v a="$line" '$2 == a { print $3 / 1000 }' "$TMP/spawn.tsv" | median)
		c=$(awk -F'\t' -v a="$line" '$2 == "spawn:true" { f[$1] = $3 } $2 == a { x[$1] = $3 }
			END { for (r in x) if (f[r]) printf "%.2f\n", x[r] / f[r] }' "$TMP/spawn.tsv" | median)
		say_ "| start: $line | $t µs | $c |"
	done
	local st
	st=$(find /run/wgbastion -type f 2>/dev/null | head -n 1)
	{
		ns "$FRESH" "$P" getgen 2000
		ns "$FRESH" "$P" getgen-open 1000
		ns "$FRESH" "$P" uapi wg0 300
		ns "$FRESH" "$P" routes 1000
		ns "$FRESH" "$P" rules 1000
		ns "$FRESH" "$P" sysctl 1000 /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/wg0/rp_filter \
			/proc/sys/net/ipv4/conf/all/rp_filter /proc/sys/net/ipv6/conf/all/forwarding
		[ -n "$st" ] && ns "$FRESH" "$P" file 1000 "$st"
	} | while read -r name med _mean _n items; do
		case $name in uapi | sysctl | file) items="${items#items=} bytes" ;; *) items="${items#items=} messages" ;; esac
		say_ "| $name ($items) | $(awk -v v="${med#median_ns=}" 'BEGIN { printf "%.1f", v / 1000 }') µs | |"
	done
	gone "$FRESH"
}

# ----------------------------------------------------------------- allow
sec_allow() {
	local r kind out s0 s1 a0 a1
	say_ ""
	say_ "## allow: an AllowFile of $K prefixes ($RUNS rounds, interleaved)"
	: >"$TMP/allow.tsv"
	for r in $(seq "$RUNS"); do
		for kind in rbtree pipapo; do
			fresh
			sync
			s0=$(awk '/^Slab:/ { print $2 }' /proc/meminfo)
			a0=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
			local -a p=()
			[ $kind = pipapo ] && p=(-p)
			out=$(ns "$FRESH" "$F" allow -t -x 5 "${p[@]}" "$K")
			s1=$(awk '/^Slab:/ { print $2 }' /proc/meminfo)
			a1=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$kind" \
				"$(awk '$2 == "allow" { print $3 }' <<<"$out")" "$(awk '$2 == "change" { print $3 }' <<<"$out")" \
				$((s1 - s0)) $((a0 - a1)) >>"$TMP/allow.tsv"
			gone "$FRESH"
		done
	done
	say_ ""
	say_ "| set | commit of $K (ms) | change 5 + 5 (ms) | Slab growth (MiB) | MemAvailable drop (MiB) |"
	say_ "|---|--:|--:|--:|--:|"
	for kind in rbtree pipapo; do
		say_ "| $kind | $(awk -F'\t' -v k=$kind '$2 == k { print $3 / 1000 }' "$TMP/allow.tsv" | median) | $(awk -F'\t' -v k=$kind '$2 == k { print $4 / 1000 }' "$TMP/allow.tsv" | median) | $(awk -F'\t' -v k=$kind '$2 == k { printf "%.1f\n", $5 / 1024 }' "$TMP/allow.tsv" | median) | $(awk -F'\t' -v k=$kind '$2 == k { printf "%.1f\n", $6 / 1024 }' "$TMP/allow.tsv" | median) |"
	done
}

# ----------------------------------------------------------------- allowdp
sec_allowdp() {
	local lg=$B/bench/loadgen r v out T=wgbastion-wg0
	if [ ! "$lg" -nt bench/loadgen.c ]; then
		gcc -O2 -std=gnu11 -Wall -o "$lg" bench/loadgen.c || { say_ "- allowdp: cannot build loadgen"; return; }
	fi
	say_ ""
	say_ "## allowdp: new TCP connections per second through forward f0 ($RUNS rounds of 2 s, interleaved)"
	netns_add dpc dpb dpk
	veth dpc eth0 dpb eth0
	veth dpb wg0 dpk wgp
	ns dpc ip addr add 10.0.0.2/24 dev eth0
	ns dpc ip route add default via 10.0.0.1
	ns dpb ip addr add 10.0.0.1/24 dev eth0
	ns dpb ip route add default via 10.0.0.2
	ns dpb ip addr add 10.100.0.1/24 dev wg0
	ns dpb ip route add default dev wg0 table 51821
	ns dpb ip rule add fwmark 0x8000000/0x8000000 lookup 51821 priority 5210
	ns dpb sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.wg0.rp_filter=2
	ns dpk ip addr add 10.100.0.2/24 dev wgp
	ns dpk ip addr add 192.168.50.1/32 dev lo
	ns dpk ip route add default via 10.100.0.1
	ns_bg dpk "$lg" tcp-server 192.168.50.1 8000 3600 >/dev/null 2>&1
	ns dpb "$F" -D -c elem 4
	ns dpb nft -f - <<EOF
table inet $T {
	set allowfile_a4 { type ipv4_addr; flags interval; }
	chain allowfile_a {
		meta nfproto ipv4 ip saddr @allowfile_a4 ct mark set ct mark | 0x10000000
	}
	map allowfile4_tcp { type inet_service : verdict; flags interval; }
}
EOF
	hd=$(ns dpb nft -a list chain inet $T pre_nat | sed -n 's/.* dnat ip to .*# handle \([0-9]*\)$/\1/p' | head -n 1)
	ns dpb nft insert rule inet $T pre_nat handle "$hd" meta nfproto ipv4 tcp dport vmap @allowfile4_tcp
	ns dpb "$F" allow -T $T -S allowfile_a4 "$K"
	ns dpb nft add element inet $T allowfile_a4 '{ 10.0.0.2 }'
	: >"$TMP/dp.tsv"
	for r in $(seq "$RUNS"); do
		for v in open rbtree pipapo; do
			case $v in
			open) ;;
			rbtree)
				ns dpb nft delete element inet $T open4_tcp '{ 10000 }'
				ns dpb nft add element inet $T allowfile4_tcp '{ 10000 : jump allowfile_a }' ;;
			pipapo)
				ns dpb nft delete element inet $T open4_tcp '{ 10000 }'
				ns dpb "$F" allow -p -T $T -S allow4_tcp "$K"
				ns dpb nft add element inet $T allow4_tcp '{ 10.0.0.2 . 10000 }' ;;
			esac
			out=$(ns dpc "$lg" tcp-crr 10.0.0.1 10000 2 32 2>&1)
			printf '%s\t%s\t%s\n' "$r" "$v" "$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' <<<"$out")" >>"$TMP/dp.tsv"
			case $v in
			rbtree) ns dpb nft delete element inet $T allowfile4_tcp '{ 10000 }'
				ns dpb nft add element inet $T open4_tcp '{ 10000 }' ;;
			pipapo) ns dpb nft flush set inet $T allow4_tcp
				ns dpb nft add element inet $T open4_tcp '{ 10000 }' ;;
			esac
		done
	done
	say_ ""
	say_ "| forward f0 | connections/s (median) | × open (median of per-round ratios) |"
	say_ "|---|--:|--:|"
	for v in open rbtree pipapo; do
		say_ "| $v | $(awk -F'\t' -v v=$v '$2 == v && $3 { print $3 }' "$TMP/dp.tsv" | median) | $(awk -F'\t' -v v=$v '$2 == "open" { f[$1] = $3 } $2 == v { x[$1] = $3 }
			END { for (r in x) if (f[r]) printf "%.3f\n", x[r] / f[r] }' "$TMP/dp.tsv" | median) |"
	done
}

for s in $ONLY; do
	case $s in
	same) sec_same ;;
	cold) sec_cold ;;
	read) sec_read ;;
	probe) sec_probe ;;
	allow) sec_allow ;;
	allowdp) sec_allowdp ;;
	*) echo "nftlab: unknown section $s" >&2; exit 2 ;;
	esac
done
say_ ""
say_ "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
