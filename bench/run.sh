#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: measure wgbastion against the ways it is done without it, and
# write docs/performance.md from what this machine measured.
#
#   apply latency  examples/homelab.conf: cold apply, no-op, one change;
#                  wgbastion vs the shell way (bench/reference/bastion.sh)
#                  vs nft -f of the same ruleset
#   scale          10 .. 50,000 forwards: cold, no-op, one change; wall
#                  time, netlink messages/bytes (bench/nlcount.so), peak
#                  RSS (GNU time); vs nft -f with one rule per forward, nft
#                  -f of the map ruleset, and iptables-restore (iptables-nft);
#                  the floor of a cold apply (bench/floor.c committing the
#                  same table), `wgbastion check` of the config, and, with
#                  the 10,000 figures in the same rounds, /bin/true and
#                  wgbastion at 10 forwards: the references of issue 13's
#                  targets, all ratios measured side by side:
#                    no-op at 10,000 vs at 10 forwards      <= 1.2x
#                    no-op at 10,000 vs /bin/true            <= 2.5x
#                    one change among 10,000 vs among 10     <= 1.5x
#                    cold apply of 10,000 vs floor's commit  <= 1.5x
#                    cold apply of 10,000 vs nft -f (maps)   >= 5x faster
#                    cold apply of 10,000: peak RSS          <= 8 MiB
#                    check of 10,000 vs /bin/true            <= 3x
#                    no-op: zero kernel writes; one change: a bounded
#                    number of netlink messages
#   data plane     new TCP connections/s and UDP packets/s through an
#                  ingress forward, 1 vs 10,000 forwards vs 10,000 linear
#                  rules, on veth; then 1 vs 10,000 through wireguard-go
#
# Every figure is the median of several runs, interleaved across the
# approaches compared (so a busy moment of this shared machine hits them
# alike), and is shown with its ratio to the baseline measured in the same
# run. Everything happens in network namespaces created here, inside the
# private mount namespace of tests/lib.sh; the root namespace is never
# touched. The run is bounded: each section has a time budget, a figure that
# would not fit is reported as "not measured" with the reason.
#
# Knobs (environment):
#   BENCH_QUICK=1     the < 2 minute version (fewer runs and sizes, 1 s loads)
#   BENCH_RUNS=N      timed runs per figure (default 5, quick 3; at the
#                     targets' size, 10,000, and for their references,
#                     default 11)
#   BENCH_ONLY="..."  sections: homelab scale dataplane tunnel (default all)
#   BENCH_OUT=FILE    the report (default docs/performance.md)
#   WGB_BIN=FILE      the wgbastion binary (default ./wgbastion)
#   BENCH_REF=FILE    the shell way (default bench/reference/bastion.sh)
#
#   client ns            bastion ns                         backend ns
#   10.0.0.2 eth0 ----- eth0 10.0.0.1   wg0 10.100.0.1 ----- eth0 192.168.50.10
#   (the bastion's      (nft table, fwmark rule,    veth named like the tunnel,
#    default route)      table 51821: default dev wg0)   or wireguard-go
set -u
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/.." && pwd)
export WGB_BIN=${WGB_BIN:-$TOP/wgbastion}
# shellcheck source=tests/lib.sh
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 1

QUICK=${BENCH_QUICK:-}
OUT=${BENCH_OUT:-$TOP/docs/performance.md}
SECTIONS=${BENCH_ONLY:-homelab scale dataplane tunnel}
if [ -n "$QUICK" ]; then
	RUNS=${BENCH_RUNS:-3} HRUNS=${BENCH_RUNS:-3} RSS_RUNS=1 SIZES="10000"
	TRUNS=$RUNS PRUNS=1
	DP_SECS=1 DP_RUNS=${BENCH_RUNS:-2}
	# seconds: per section, and per figure in the scale section
	B_HOMELAB=10 B_SCALE=40 B_FIG=5 B_DP=10 B_TUN=0 B_PROF=0
	# figures left out of the quick mode (" LABEL:N ... "): none now, the map
	# ruleset at 10,000 (~1.5 s a pass) is a target's reference
	QUICK_SKIP=
else
	# the sizes in order: the targets (10,000), the cheap ones, then the
	# costly 50,000, so that a slow machine runs out of time on that
	RUNS=${BENCH_RUNS:-5} HRUNS=${BENCH_RUNS:-7} RSS_RUNS=3 SIZES="10000 1000 10 50000"
	# the rounds that decide issue 13's targets: with 5, the 90% interval
	# of a median is the rounds' whole range, and a ratio near its line
	# stays undecided however often it is run; with 11 it lies between
	# the 3rd and the 9th, which this machine's noise kept wider than the
	# distance of two ratios to their lines (1.02x to 1.2x, 1.37x to
	# 1.5x) in every full run; with 21, between the 7th and the 15th
	# (bench/report.py, median_interval), about 80 s more
	TRUNS=${BENCH_RUNS:-21}
	# wgbastion -v's phases: passes of cold, no-op and change (scale_phases)
	PRUNS=${BENCH_RUNS:-5}
	# many short rounds: the paired comparison needs rounds more than length
	DP_SECS=1 DP_RUNS=${BENCH_RUNS:-16}
	B_HOMELAB=80 B_SCALE=420 B_FIG=45 B_DP=170 B_TUN=90 B_PROF=100
	QUICK_SKIP=
fi
STEP_TIMEOUT=150
# past this, the sections left are reported as not measured (seconds)
B_TOTAL=$([ -n "$QUICK" ] && echo 90 || echo 870)

BD=$TOP/build/bench
export WGB SHIM=$BD/nlcount.so STEP_LOG=$TMP/step.log
RES=$TMP/results.tsv
: >"$RES"
START=${EPOCHREALTIME/./}
REF=${BENCH_REF:-$TOP/bench/reference/bastion.sh}
export BENCH_REF=$REF

now_us() { echo "${EPOCHREALTIME/./}"; }
since() { echo $(( ($(now_us) - $1) / 1000000 )); }	# whole seconds since a now_us
log() { printf '[%4ds] %s\n' "$(since "$START")" "$*" >&2; }

# results: one tab-separated row per sample, note or fact; report.py reads them
rec() { local IFS=$'\t'; printf '%s\n' "$*" >>"$RES"; }
info() { rec info "$1" "$2"; }
note() { rec note "$1" "$2"; }
nm() { rec nm "$@"; }		# section approach size op reason

# ----------------------------------------------------------------- build
mkdir -p "$BD"
CFLAGS_B="-O2 -g -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla"
if [ ! "$BD/nlcount.so" -nt bench/nlcount.c ]; then
	# shellcheck disable=SC2086
	gcc $CFLAGS_B -shared -fPIC -o "$BD/nlcount.so" bench/nlcount.c -ldl -lpthread || exit 1
fi
if [ ! "$BD/loadgen" -nt bench/loadgen.c ]; then
	# shellcheck disable=SC2086
	gcc $CFLAGS_B -o "$BD/loadgen" bench/loadgen.c || exit 1
fi
LG=$BD/loadgen
# the floor of a cold apply (make bench-tools): the least a program can do to
# commit wgbastion's table, with the flags that make it exactly (checked
# below, and by tests/integration/bench_tables.test.sh): named counters as
# it makes them, one ack (for the last message), its base rules (hairpin,
# MSS clamping), its protection maps and rules, empty (-P); not -G, which
# gives every forward a rate limit the synthetic config does not have
B=${WGB_BUILD:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
export FLOOR=$B/bench/floor FLOOR_FLAGS="-c named -a last -D -P"
make -s -C "$TOP" B="$B" "$FLOOR" >&2 || echo "bench: could not build $FLOOR: its figures will be missing" >&2
for t in nft iptables-nft-restore wireguard-go wg /usr/bin/time strace python3; do
	command -v "$t" >/dev/null || { echo "SKIP: $t is missing (make deps)"; exit 77; }
done
[ -x "$WGB" ] || { echo "SKIP: no wgbastion binary at $WGB (make)"; exit 77; }

# ------------------------------------------------------------- namespaces
NSN=0
# fresh_ns [DEV]: a new bastion namespace, with an idle wireguard-go DEV
# when given (what "cold" starts from: the tunnel exists, nothing else)
fresh_ns() {
	NSN=$((NSN + 1))
	FRESH=wgbb$NSN
	netns_add "$FRESH"
	[ $# -eq 0 ] || wg_up "$FRESH" "$1"
}

# NS DEV: a wireguard-go daemon in the foreground, in NS; its link up but
# unconfigured (no key, no peer)
wg_up() {
	local i
	ns "$1" env WG_PROCESS_FOREGROUND=1 wireguard-go "$2" >>"$TMP/wg-go.log" 2>&1 &
	for i in $(seq 100); do
		[ -S "/run/wireguard/$2.sock" ] && ns "$1" ip link set "$2" up 2>/dev/null && return 0
		sleep 0.05
	done
	echo "wireguard-go $2 did not come up in $1" >&2
	return 1
}

# Stops every process in a namespace (all started by this script: the
# daemons, wireguard-go started by wgbastion or bastion.sh), by PID.
ns_stop() {
	local p i
	for p in $(ip netns pids "$1" 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	for i in $(seq 100); do
		[ -z "$(ip netns pids "$1" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	echo "processes left in $1" >&2
}

# teardown NS: empties the ruleset first, so the kernel frees a big table
# now rather than in the background of the next measurement
teardown() {
	ns "$1" nft flush ruleset 2>/dev/null
	ns_stop "$1"
	ip netns del "$1" 2>/dev/null
	rm -rf /run/wgbastion /run/wgbastion-ref
}

# ------------------------------------------------------------ the inputs
keypair bastion
keypair peer
G() { python3 bench/gen.py "$@"; }
mkdir -p "$TMP/h" "$TMP/s"
G homelab examples/homelab.conf "$TMP/h/a.conf" --key "$TMP/bastion.key" --peer "$(cat "$TMP/peer.pub")"
G homelab examples/homelab.conf "$TMP/h/b.conf" --key "$TMP/bastion.key" --peer "$(cat "$TMP/peer.pub")" --change
HAVE_REF=
if [ -f "$REF" ]; then
	HAVE_REF=1
	bash "$REF" -c "$TMP/h/a.conf" print >"$TMP/h/a.nft" &&
		bash "$REF" -c "$TMP/h/b.conf" print >"$TMP/h/b.nft" || HAVE_REF=
fi

# ---------------------------------------------------------- the machine
info cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
info cores "$(nproc)"
info memory "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
info kernel "$(uname -r)"
info os "$(. /etc/os-release; echo "$PRETTY_NAME")"
info nft "$(nft -v)"
info iptables "$(iptables-nft -V)"
info wireguard-go "$(wireguard-go --version 2>&1 | head -n 1)"
info cc "$(gcc --version | head -n 1)"
info libs "libnftnl $(pkg-config --modversion libnftnl 2>/dev/null), libmnl $(pkg-config --modversion libmnl 2>/dev/null), libnl $(pkg-config --modversion libnl-3.0 2>/dev/null)"
info wgbastion "$("$WGB" --version 2>&1 | head -n 1)"
info commit "$(git log -1 --format='%h %s' 2>/dev/null)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)')"
info date "$(date -u '+%Y-%m-%d %H:%M UTC')"
info load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
info mode "$([ -n "$QUICK" ] && echo quick || echo full)"
info runs "$RUNS"
info target_runs "$TRUNS"
info phase_runs "$PRUNS"
info rss_runs "$RSS_RUNS"
info hruns "$HRUNS"
info dp_secs "$DP_SECS"
info dp_runs "$DP_RUNS"
info ref "$([ -n "$HAVE_REF" ] && echo present || echo absent)"
info floor_flags "$FLOOR_FLAGS"

# Which stages are built in: apply the homelab config and look.
detect_stages() {
	local present="" absent="" pub rc
	fresh_ns wg0
	ns "$FRESH" "$WGB" -c "$TMP/h/a.conf" apply >"$TMP/detect.out" 2>&1
	rc=$?
	pub=$(cat "$TMP/bastion.pub")
	if [ "$(ns "$FRESH" wg show wg0 public-key 2>/dev/null)" = "$pub" ]; then present+=" wg"; else absent+=" wg"; fi
	if ns "$FRESH" nft list table inet wgbastion-wg0 >/dev/null 2>&1; then present+=" nft"; else absent+=" nft"; fi
	if [ -n "$(ns "$FRESH" ip rule show priority 5210 2>/dev/null)" ]; then present+=" route"; else absent+=" route"; fi
	if [ "$(ns "$FRESH" sysctl -n net.ipv4.ip_forward)" = 1 ]; then present+=" sysctl"; else absent+=" sysctl"; fi
	STAGES=$present
	info stages_present "${present# }"
	info stages_absent "${absent# }"
	info detect_rc "$rc"
	[ "$rc" = 0 ] || note general "wgbastion apply of the homelab config exited $rc: $(tail -n 3 "$TMP/detect.out" | tr '\n' ' ')"
	ns "$FRESH" "$WGB" -c "$TMP/h/a.conf" apply >"$TMP/detect2.out" 2>&1
	info noop_output "$(head -n 1 "$TMP/detect2.out")"
	teardown "$FRESH"
}
detect_stages
has_stage() { [[ " $STAGES " == *" $1 "* ]]; }
log "stages built in:${STAGES:- none}"

# One measured sequence in a fresh namespace. seq_run MODE APPROACH DEV FILE...
# (DEV: a wireguard-go device to pre-create, or "-"); step.sh's lines go to
# $SEQ for record_seq. Both run in this shell (never in a pipeline), so the
# namespaces they create are known to lib.sh's cleanup.
SEQ=$TMP/seq.out
seq_run() {
	local mode=$1 approach=$2 dev=$3
	shift 3
	: >"$SEQ"
	: >"$STEP_LOG"
	if [ "$dev" = - ]; then fresh_ns; else fresh_ns "$dev" || return 1; fi
	timeout --kill-after=5 "$STEP_TIMEOUT" ip netns exec "$FRESH" bash bench/step.sh "$mode" "$approach" "$@" >"$SEQ"
	teardown "$FRESH"
}

# record_seq SECTION LABEL SIZE MODE "OPS" [ROUND]: records $SEQ's lines
# (ops named in order, e.g. "cold noop change"), the timed ones with their
# ROUND when given; returns 1 if any failed
record_seq() {
	local sec=$1 label=$2 size=$3 mode=$4 ops=$5 round=${6:-} op line rc rest bad=0
	local -a o
	read -ra o <<<"$ops"
	local i=0
	while read -r line; do
		op=${o[i]:-x}
		i=$((i + 1))
		rc=${line%% *} rest=${line#* }
		if [ "$rc" != 0 ]; then
			bad=1
			note "$sec" "$label $size $op: exited $rc: $(tail -n 2 "$STEP_LOG" 2>/dev/null | tr '\n' ' ')"
			continue
		fi
		case $mode in
		time) rec sample "$sec" "$label" "$size" "$op" ms "$(awk -v u="$rest" 'BEGIN { printf "%.3f", u / 1000 }')" ${round:+"$round"} ;;
		timerss)
			rec sample "$sec" "$label" "$size" "$op" ms "$(awk -v u="${rest%% *}" 'BEGIN { printf "%.3f", u / 1000 }')" ${round:+"$round"}
			rec sample "$sec" "$label" "$size" "$op" rss_kib "${rest#* }" ${round:+"$round"}
			;;
		rss) rec sample "$sec" "$label" "$size" "$op" rss_kib "$rest" ;;
		phases)	# "wall=US STAGE.STEP=MS ...": metrics "wall", "ph:STAGE.STEP"
			local kv
			for kv in $rest; do
				case $kv in
				wall=*) rec sample "$sec" "$label" "$size" "$op" ms "$(awk -v u="${kv#wall=}" 'BEGIN { printf "%.3f", u / 1000 }')" ;;
				*=*) rec sample "$sec" "$label" "$size" "$op" "ph:${kv%%=*}" "${kv#*=}" ;;
				esac
			done
			;;
		count)
			read -r calls bytes msgs writes sysw uapi uset <<<"$rest"
			rec sample "$sec" "$label" "$size" "$op" calls "$calls"
			rec sample "$sec" "$label" "$size" "$op" bytes "$bytes"
			rec sample "$sec" "$label" "$size" "$op" msgs "$msgs"
			rec sample "$sec" "$label" "$size" "$op" writes "$writes"
			rec sample "$sec" "$label" "$size" "$op" sysctl_w "$sysw"
			rec sample "$sec" "$label" "$size" "$op" uapi "$uapi"
			rec sample "$sec" "$label" "$size" "$op" uapi_set "$uset"
			;;
		esac
	done <"$SEQ"
	[ "$i" -eq "${#o[@]}" ] || { note "$sec" "$label $size: $i of ${#o[@]} steps ran (timeout after ${STEP_TIMEOUT}s?)"; bad=1; }
	return $bad
}

# ------------------------------------------------------- apply latency
section_homelab() {
	local t0 r a
	t0=$(now_us)
	log "apply latency: homelab ($HRUNS runs)"
	local -a appr=(wgbastion true)
	if [ -n "$HAVE_REF" ]; then
		appr+=(shell nft)
	else
		nm homelab shell homelab all "bench/reference/bastion.sh is not on this branch yet"
		nm homelab nft homelab all "needs bench/reference/bastion.sh print"
	fi
	hl_args() {	# approach -> "DEV FILE FILE FILE"
		case $1 in
		wgbastion|shell) echo "wg0 $TMP/h/a.conf $TMP/h/a.conf $TMP/h/b.conf" ;;
		nft) echo "- $TMP/h/a.nft $TMP/h/a.nft $TMP/h/b.nft" ;;
		esac
	}
	for r in $(seq "$HRUNS"); do
		for a in "${appr[@]}"; do
			if [ "$a" = true ]; then
				seq_run time true - -; record_seq homelab true homelab time "start"
				seq_run time timetrue - -; record_seq homelab true homelab time "start_gnutime"
				continue
			fi
			# shellcheck disable=SC2046
			seq_run time "$a" $(hl_args "$a"); record_seq homelab "$a" homelab time "cold noop change"
		done
		# cold from nothing: the tool starts wireguard-go itself
		for a in wgbastion shell; do
			[ "$a" = shell ] && [ -z "$HAVE_REF" ] && continue
			seq_run time "$a" - "$TMP/h/a.conf"; record_seq homelab "$a" homelab time "cold0"
		done
		[ "$(since "$t0")" -gt "$B_HOMELAB" ] && { note homelab "time budget reached after $r runs"; break; }
	done
	for a in "${appr[@]}"; do
		[ "$a" = true ] && continue
		# shellcheck disable=SC2046
		seq_run count "$a" $(hl_args "$a"); record_seq homelab "$a" homelab count "cold noop change"
		for r in $(seq "$RSS_RUNS"); do
			# shellcheck disable=SC2046
			seq_run rss "$a" $(hl_args "$a"); record_seq homelab "$a" homelab rss "cold noop change"
		done
	done
}

# ---------------------------------------------------------------- scale
# inputs for one size: $TMP/s/<approach>.<N>.{a,b}
scale_inputs() {
	local n=$1 w
	[ -f "$TMP/s/ipt.$n.b" ] && return 0
	G config "$n" "$TMP/s/wgbastion.$n.a" --key "$TMP/bastion.key" --peer "$(cat "$TMP/peer.pub")"
	G config "$n" "$TMP/s/wgbastion.$n.b" --key "$TMP/bastion.key" --peer "$(cat "$TMP/peer.pub")" --change
	for w in nft-linear nft-maps nft-hash ipt; do
		G "$w" "$n" "$TMP/s/$w.$n.a"
		G "$w" "$n" "$TMP/s/$w.$n.b" --change
	done
}

# waits until every scale input changed 4 s ago or more
settle_inputs() {
	local newest age
	newest=$(stat -c %Z "$TMP"/s/* | sort -n | tail -n 1)
	age=$(( $(date +%s) - newest ))
	[ "$age" -ge 4 ] || sleep $(( 4 - age ))
}

# how each scale figure runs: step.sh's approach, the device to pre-create
# and the names of the steps of one pass
scale_how() {
	case $1 in
	wgbastion) echo "wgbastion wg0 cold noop change" ;;
	nft-*) echo "nft - cold noop change" ;;
	ipt) echo "ipt - cold noop change" ;;
	floor) echo "floor - cold" ;;		# it has no way to tell what changed
	check) echo "check - check" ;;
	true) echo "true - start" ;;
	esac
}

# the arguments of one pass of LABEL at N, one per step
scale_args() {
	local a=$TMP/s/$1.$2.a b=$TMP/s/$1.$2.b
	case $1 in
	floor) echo "$2" ;;			# it builds the table from N alone
	check) echo "$TMP/s/wgbastion.$2.a" ;;
	true) echo "-" ;;
	*) echo "$a $a $b" ;;
	esac
}

# One pass of the figure LABEL:N, round R of the size GROUP: timed through
# GNU time, which takes the peak RSS in the same run (its own start is in the
# times, and in /bin/true's: approach "true" is timed the same way). The
# samples carry "GROUP:R", for report.py's ratios paired by round. Sets
# LASTLOAD (ms: the pass's steps summed). Returns 1 if a step failed.
scale_pass() {
	local label=${1%%:*} n=${1#*:} r=$2 step dev ops
	read -r step dev ops <<<"$(scale_how "$label")"
	# shellcheck disable=SC2046 # one argument per step, no spaces in them
	seq_run timerss "$step" "$dev" $(scale_args "$label" "$n")
	record_seq scale "$label" "$n" timerss "$ops" "$GROUP:$r" || return 1
	LASTLOAD=$(awk '{ s += $2 } END { printf "%d", s / 1000 }' "$SEQ")
}

# scale_rounds GROUP FIGURE...: the figures ("LABEL:N") measured side by side,
# in rounds that run one pass of each (each round starting with another one,
# as dp_measure does), so that a busy moment of the machine hits them alike.
# A figure stops after RUNS passes (3 when GROUP <= 1,000: small sizes tell
# least, their cost is mostly the namespace's; TRUNS at the targets' size),
# when its next pass would not fit in its budget (B_FIG, its own passes
# summed), or when a step fails; the rounds stop when the section's budget
# is used up. Then one counting pass of each figure that applies something.
scale_rounds() {
	local r k f pass runs=$RUNS
	GROUP=$1
	shift
	local -a order
	local -A spent=() lastp=() passes=() stop=()
	[ "$GROUP" -le 1000 ] && [ "$runs" -gt 3 ] && runs=3
	[ "$GROUP" = "$TARGET_N" ] && runs=$TRUNS
	for r in $(seq "$runs"); do
		order=("$@")
		for ((k = 0; k < (r - 1) % $#; k++)); do order=("${order[@]:1}" "${order[0]}"); done
		for f in "${order[@]}"; do
			[ -n "${stop[$f]:-}" ] && continue
			if [ "$(since "$SCALE_T0")" -ge "$B_SCALE" ]; then
				stop[$f]=1
				if [ -z "${passes[$f]:-}" ]; then
					nm scale "${f%%:*}" "${f#*:}" all "the section's time budget (${B_SCALE} s) was used up"
				fi
				continue
			fi
			if [ $(( ${spent[$f]:-0} + ${lastp[$f]:-0} )) -gt $(( B_FIG * 1000000 )) ]; then
				stop[$f]=1
				continue
			fi
			[ "$r" = 1 ] && log "scale: ${f%%:*} ${f#*:}"
			pass=$(now_us)
			scale_pass "$f" "$r" || stop[$f]=1
			lastp[$f]=$(( $(now_us) - pass ))
			spent[$f]=$(( ${spent[$f]:-0} + ${lastp[$f]} ))
			passes[$f]=$(( ${passes[$f]:-0} + 1 ))
			# the next size's forecast
			[ "$r" = 1 ] && [ "${f#*:}" = "$GROUP" ] && LAST[${f%%:*}]=$LASTLOAD
		done
	done
	for f in "$@"; do
		[ -z "${passes[$f]:-}" ] && continue
		case ${f%%:*} in check|true) continue ;; esac
		local label=${f%%:*} n=${f#*:} step dev ops
		read -r step dev ops <<<"$(scale_how "$label")"
		# shellcheck disable=SC2046
		seq_run count "$step" "$dev" $(scale_args "$label" "$n")
		record_seq scale "$label" "$n" count "$ops"
	done
}

# What each step of wgbastion's applies took, as -v says (step.sh phases),
# at the targets' size and the size it is compared with: cold, no-op and
# one change, PRUNS passes each, after the rounds (never timed against
# anything: the figures explain the ratios, they are no target of their
# own). Samples: section "phases", metrics "ph:STAGE.STEP" and "ms".
scale_phases() {
	local r n a b
	log "scale: wgbastion's phases ($PRUNS passes)"
	for r in $(seq "$PRUNS"); do
		for n in "$TARGET_REF" "$TARGET_N"; do
			if [ "$(since "$SCALE_T0")" -ge "$B_SCALE" ]; then
				nm phases wgbastion "$n" all "the scale section's time budget (${B_SCALE} s) was used up"
				return
			fi
			a=$TMP/s/wgbastion.$n.a b=$TMP/s/wgbastion.$n.b
			seq_run phases wgbastion wg0 "$a" "$a" "$b"
			record_seq phases wgbastion "$n" phases "cold noop change"
		done
	done
}

# the size issue 13's targets are set at, and the size they compare it with
TARGET_N=10000 TARGET_REF=10

section_scale() {
	local n prev=0 label fc f
	local -a figs
	local -A measured=()
	declare -gA LAST=()
	SCALE_T0=$(now_us)
	log "scale: sizes $SIZES"
	# the linear baseline is the reference bastion's ruleset: prove it
	if [ -n "$HAVE_REF" ]; then
		G config 10 "$TMP/s/ref10.conf" --key "$TMP/bastion.key" --peer "$(cat "$TMP/peer.pub")"
		bash "$REF" -c "$TMP/s/ref10.conf" print >"$TMP/s/ref10.nft"
		G nft-linear 10 "$TMP/s/lin10.nft"
		fresh_ns
		ns "$FRESH" nft -f "$TMP/s/ref10.nft" && ns "$FRESH" nft list ruleset >"$TMP/s/ref10.list"
		ns "$FRESH" nft flush ruleset
		ns "$FRESH" nft -f "$TMP/s/lin10.nft" && ns "$FRESH" nft list ruleset >"$TMP/s/lin10.list"
		teardown "$FRESH"
		if cmp -s "$TMP/s/ref10.list" "$TMP/s/lin10.list" && [ -s "$TMP/s/ref10.list" ]; then
			info linear_is_reference yes
		else
			info linear_is_reference no
			note scale "the generated linear ruleset differs from bastion.sh print at 10 forwards"
		fi
	fi
	# the map baseline is the table wgbastion builds: prove that too
	if has_stage nft; then
		G config 10 "$TMP/s/own10.conf" --key "$TMP/bastion.key" --peer "$(cat "$TMP/peer.pub")"
		G nft-maps 10 "$TMP/s/maps10.nft"
		fresh_ns wg0
		ns "$FRESH" "$WGB" -c "$TMP/s/own10.conf" apply >/dev/null 2>&1 &&
			ns "$FRESH" nft list table inet wgbastion-wg0 >"$TMP/s/own10.list"
		ns "$FRESH" nft flush ruleset
		ns "$FRESH" nft -f "$TMP/s/maps10.nft" && ns "$FRESH" nft list table inet wgbastion-wg0 >"$TMP/s/maps10.list"
		teardown "$FRESH"
		if [ -s "$TMP/s/own10.list" ] && G same-table "$TMP/s/own10.list" "$TMP/s/maps10.list" >"$TMP/s/maps10.diff"; then
			info maps_is_wgbastion yes
		else
			info maps_is_wgbastion no
			note scale "the generated map ruleset differs from wgbastion's own table at 10 forwards: $(head -c 600 "$TMP/s/maps10.diff" | tr '\n\t' '  ')"
		fi
	fi
	# the floor commits exactly wgbastion's table (bench/nftlab.sh checks
	# it): prove it here too, at 10 forwards
	if [ -x "$FLOOR" ] && [ -s "$TMP/s/own10.list" ]; then
		local -a ff
		read -ra ff <<<"$FLOOR_FLAGS"
		fresh_ns
		ns "$FRESH" "$FLOOR" "${ff[@]}" 10 && ns "$FRESH" nft list table inet wgbastion-wg0 >"$TMP/s/floor10.list"
		teardown "$FRESH"
		if [ -s "$TMP/s/floor10.list" ] && G same-table "$TMP/s/own10.list" "$TMP/s/floor10.list" >"$TMP/s/floor10.diff"; then
			info floor_is_wgbastion yes
		else
			info floor_is_wgbastion "no: $(grep -c '^-[^-]' "$TMP/s/floor10.diff") lines only in wgbastion's listing, $(grep -c '^+[^+]' "$TMP/s/floor10.diff") only in floor's"
			note scale "floor's table differs from wgbastion's own at 10 forwards: $(head -c 600 "$TMP/s/floor10.diff" | tr '\n\t' '  ')"
		fi
	fi
	local -a appr=(nft-linear nft-maps nft-hash ipt check)
	if [ -x "$FLOOR" ]; then
		appr=(floor "${appr[@]}")
	else
		for n in $SIZES; do nm scale floor "$n" all "no $FLOOR (make bench-tools)"; done
	fi
	if has_stage nft; then
		appr=(wgbastion "${appr[@]}")
	else
		for n in $SIZES; do nm scale wgbastion "$n" all "the nft stage is not built in yet"; done
	fi
	for n in $SIZES; do
		scale_inputs "$n"
		figs=()
		for label in "${appr[@]}"; do
			[ -n "${measured[$label:$n]:-}" ] && continue
			# Forecast the loads of one pass from the previous size's,
			# quadratic to be safe (interval sets load in quadratic
			# time); below 1,000 forwards fixed costs dominate.
			fc=0
			[ "$prev" -ge 1000 ] && [ "$n" -gt "$prev" ] &&
				fc=$(( ${LAST[$label]:-0} * (n / prev) * (n / prev) / 1000 ))
			if [ "$(since "$SCALE_T0")" -ge "$B_SCALE" ]; then
				nm scale "$label" "$n" all "the section's time budget (${B_SCALE} s) was used up"
				continue
			fi
			if [ "$fc" -gt $(( B_SCALE - $(since "$SCALE_T0") )) ] || [ "$fc" -gt "$STEP_TIMEOUT" ]; then
				nm scale "$label" "$n" all "one pass took ${LAST[$label]} ms at $prev forwards; at $n that forecasts ~$fc s, more than the $( [ "$fc" -gt "$STEP_TIMEOUT" ] && echo "${STEP_TIMEOUT} s a pass may take" || echo "section's time left")"
				continue
			fi
			if [[ $QUICK_SKIP == *" $label:$n "* ]]; then
				nm scale "$label" "$n" all "left out of the quick mode (one pass takes several seconds)"
				continue
			fi
			figs+=("$label:$n")
		done
		# issue 13's targets are ratios: their references run in the
		# same rounds as the 10,000 figures (process start, and wgbastion
		# at 10 forwards), so a smaller size later skips what ran here
		if [ "$n" = "$TARGET_N" ]; then
			scale_inputs "$TARGET_REF"
			figs+=("true:$n")
			has_stage nft && figs+=("wgbastion:$TARGET_REF")
			figs+=("check:$TARGET_REF")
		fi
		# a config re-applied by a timer or a reload was written more
		# than 3 s before, after which apply tells it by its files'
		# stamps (config_input.c): the rounds wait until these are
		settle_inputs
		[ ${#figs[@]} -gt 0 ] && scale_rounds "$n" "${figs[@]}"
		for f in "${figs[@]}"; do measured[$f]=1; done
		[ "$n" = "$TARGET_N" ] && has_stage nft && scale_phases
		[ "$n" -gt "$prev" ] && prev=$n
	done
}

# ----------------------------------------------------------- data plane
# Loads and traffic. Each variant has its own client (c), bastion (b) and
# backend (k) namespaces; all stay up, so the runs can be interleaved.
DP_SERVERS=()
dp_server() {	# NS: the backend's TCP server, stopped at the end
	ns "$1" "$LG" tcp-server 192.168.50.10 9999 900 >"$TMP/srv-$1.out" 2>&1 &
	DP_SERVERS+=($!)
}

# dp_veth VARIANT KIND FILE: KIND wgbastion (FILE a config) or nft (a ruleset)
dp_veth() {
	local v=$1 kind=$2 file=$3 c=wgc$1 b=wgb$1 k=wgk$1 p
	netns_add "$c" "$b" "$k"
	veth "$c" eth0 "$b" eth0
	veth "$b" wgv "$k" eth0
	ns "$c" ip addr add 10.0.0.2/24 dev eth0
	ns "$c" ip route add default via 10.0.0.1
	ns "$b" ip addr add 10.0.0.1/24 dev eth0
	# the uplink is the bastion's way to the internet (and makes the
	# tunnel's loose reverse-path filter pass, as on a real host)
	ns "$b" ip route add default via 10.0.0.2
	ns "$k" ip addr add 192.168.50.10/24 dev eth0
	ns "$k" ip route add 10.100.0.1/32 dev eth0
	ns "$k" ip route add default via 10.100.0.1
	if [ "$kind" = wgbastion ]; then
		# apply for real (wireguard-go tunnel), then swap the tunnel for
		# a veth of the same name: the table, rules and sysctls stay
		ns "$b" "$WGB" -c "$file" apply >"$TMP/dp-apply-$v.out" 2>&1 ||
			{ note dataplane "$v: wgbastion apply failed: $(tail -n 2 "$TMP/dp-apply-$v.out" | tr '\n' ' ')"; return 1; }
		for p in $(ip netns pids "$b"); do kill "$p"; done
		ns_stop "$b"
		ns "$b" ip link del wg0 2>/dev/null
		rm -rf /run/wgbastion
	else
		ns "$b" nft -f "$file" || { note dataplane "$v: nft -f failed"; return 1; }
	fi
	ns "$b" ip link set wgv name wg0
	ns "$b" ip addr add 10.100.0.1/24 dev wg0
	ns "$b" ip link set wg0 up
	ns "$b" ip route replace default dev wg0 table 51821
	[ -n "$(ns "$b" ip rule show priority 5210)" ] ||
		ns "$b" ip rule add fwmark 0x8000000/0x8000000 lookup 51821 priority 5210
	ns "$b" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.wg0.rp_filter=2
	dp_server "$k"
}

# dp_tunnel VARIANT N: wgbastion with a real wireguard-go tunnel named wgV,
# the far side (wireguard-go wgpV, the backend on 192.168.50.10) dialling in
dp_tunnel() {
	local v=$1 n=$2 c=wgc$1 b=wgb$1 k=wgk$1 i
	netns_add "$c" "$b" "$k"
	veth "$c" eth0 "$b" eth0
	veth "$b" eth1 "$k" eth0
	ns "$c" ip addr add 10.0.0.2/24 dev eth0
	ns "$c" ip route add default via 10.0.0.1
	ns "$b" ip addr add 10.0.0.1/24 dev eth0
	ns "$b" ip route add default via 10.0.0.2
	ns "$b" ip addr add 172.16.0.1/24 dev eth1
	ns "$k" ip addr add 172.16.0.2/24 dev eth0
	keypair "far$v"
	G config "$n" "$TMP/t-$v.conf" --target --name "$v" --key "$TMP/bastion.key" --peer "$(cat "$TMP/far$v.pub")"
	ns "$b" "$WGB" -c "$TMP/t-$v.conf" apply >"$TMP/dp-apply-$v.out" 2>&1 ||
		{ note tunnel "$v: wgbastion apply failed: $(tail -n 2 "$TMP/dp-apply-$v.out" | tr '\n' ' ')"; return 1; }
	wg_up "$k" "p$v" || return 1
	ns "$k" wg set "p$v" private-key "$TMP/far$v.key" peer "$(cat "$TMP/bastion.pub")" \
		allowed-ips 0.0.0.0/0 endpoint 172.16.0.1:51820 persistent-keepalive 25
	ns "$k" ip addr add 10.100.0.2/24 dev "p$v"
	ns "$k" ip link set "p$v" up
	ns "$k" ip addr add 192.168.50.10/32 dev lo
	ns "$k" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	# the far side of SPEC.md's appendix: LAN replies go into the tunnel
	ns "$k" ip rule add from 192.168.50.0/24 lookup main suppress_prefixlength 0 priority 100
	ns "$k" ip rule add from 192.168.50.0/24 lookup 100 priority 101
	ns "$k" ip route add default dev "p$v" table 100
	for i in 1 2 3 4 5; do
		ns "$k" ping -c 1 -W 1 10.100.0.1 >/dev/null 2>&1 && break
	done
	dp_server "$k"
}

# One TCP or UDP measurement on a variant; records the rate.
dp_tcp() {	# SECTION VARIANT LABEL ROUND
	local out rate rc
	out=$(ns "wgc$2" "$LG" tcp-crr 10.0.0.1 9999 "$DP_SECS" 32 2>&1)
	rc=$?	# loadgen fails the run when more than 1% of connections failed
	rate=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' <<<"$out")
	if [ "$rc" = 0 ] && [ -n "$rate" ]; then
		rec sample "$1" "$3" "$4" tcp conn_s "$rate"
	else
		note "$1" "$3 tcp: $out"
	fi
}

dp_udp() {	# SECTION VARIANT LABEL ROUND
	local pid out i
	ns "wgk$2" "$LG" udp-sink 192.168.50.10 9999 $((DP_SECS + 10)) >"$TMP/sink.out" 2>&1 &
	pid=$!
	for i in $(seq 50); do grep -q listening "$TMP/sink.out" && break; sleep 0.02; done
	ns "wgc$2" "$LG" udp-flood 10.0.0.1 9999 "$DP_SECS" 16 >"$TMP/flood.out" 2>&1
	wait "$pid"
	out=$(grep received "$TMP/sink.out")
	if [[ $out == *rate=* ]] && [[ $out != *received=0* ]]; then
		rec sample "$1" "$3" "$4" udp pkt_s "${out##*rate=}"
		rec sample "$1" "$3" "$4" udp sent_s "$(( $(sed -n 's/sent=//p' "$TMP/flood.out") / DP_SECS ))"
	else
		note "$1" "$3 udp: $(cat "$TMP/sink.out" "$TMP/flood.out" | tr '\n' ' ')"
	fi
}

# Interleaved rounds over the variants "VAR:LABEL ...", until the rounds or
# the budget are used up; samples carry their round, so that report.py can
# compare variants measured side by side.
dp_measure() {
	local sec=$1 budget=$2 t0 r vl
	shift 2
	t0=$(now_us)
	# a short warm-up that also proves each forward carries traffic
	for vl in "$@"; do
		if ! ns "wgc${vl%%:*}" "$LG" tcp-crr 10.0.0.1 9999 1 4 >"$TMP/warm.out" 2>&1 ||
		   ! grep -q 'conns=[1-9]' "$TMP/warm.out"; then
			note "$sec" "${vl#*:}: no connection got through: $(cat "$TMP/warm.out")"
		fi
	done
	local -a order
	local k
	for r in $(seq "$DP_RUNS"); do
		# each round starts with another variant: no variant always
		# follows the same one (or the previous round's UDP flood)
		order=("$@")
		for ((k = 0; k < (r - 1) % $#; k++)); do order=("${order[@]:1}" "${order[0]}"); done
		for vl in "${order[@]}"; do dp_tcp "$sec" "${vl%%:*}" "${vl#*:}" "$r"; done
		for vl in "${order[@]}"; do dp_udp "$sec" "${vl%%:*}" "${vl#*:}" "$r"; done
		[ "$(since "$t0")" -gt "$budget" ] && { note "$sec" "time budget reached after $r runs"; break; }
	done
}

dp_stop_servers() {
	local p
	for p in "${DP_SERVERS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	DP_SERVERS=()
}

section_dataplane() {
	log "data plane: veth"
	local d=$TMP/dp l1 l2
	mkdir -p "$d"
	if has_stage nft; then
		G config 1 "$d/w1.conf" --target --key "$TMP/bastion.key" --peer "$(cat "$TMP/peer.pub")"
		G config 10000 "$d/w10k.conf" --target --key "$TMP/bastion.key" --peer "$(cat "$TMP/peer.pub")"
		dp_veth 1 wgbastion "$d/w1.conf"
		dp_veth 2 wgbastion "$d/w10k.conf"
		l1=wgbastion-1 l2=wgbastion-10000
	else
		# not the product: the ruleset it is designed to build (gen.py nft-maps)
		G nft-maps 1 "$d/m1.nft" --target
		G nft-maps 10000 "$d/m10k.nft" --target
		dp_veth 1 nft "$d/m1.nft"
		dp_veth 2 nft "$d/m10k.nft"
		l1=maps-1 l2=maps-10000
		note dataplane "the nft stage is not built in: the map rows are docs/ruleset.md's table loaded with nft -f (gen.py nft-maps), not wgbastion's own"
	fi
	G nft-linear 10000 "$d/lin10k.nft" --target
	dp_veth 3 nft "$d/lin10k.nft"
	dp_measure dataplane "$B_DP" "1:$l1" "2:$l2" "3:linear-10000"
	dp_stop_servers
	local n
	for n in 1 2 3; do teardown "wgc$n"; teardown "wgb$n"; teardown "wgk$n"; done
}

section_tunnel() {
	if [ "$B_TUN" = 0 ]; then
		nm tunnel wgbastion 0 all "left out of the quick mode"
		return
	fi
	if ! has_stage nft || ! has_stage wg; then
		nm tunnel wgbastion 0 all "needs the wg and nft stages built in (present:${STAGES:- none})"
		return
	fi
	log "data plane: through wireguard-go"
	dp_tunnel 4 1 && dp_tunnel 5 10000 &&
		dp_measure tunnel "$B_TUN" "4:wgbastion-1" "5:wgbastion-10000"
	dp_stop_servers
	local n
	for n in 4 5; do teardown "wgc$n"; teardown "wgb$n"; teardown "wgk$n"; done
}

# ---------------------------------------------------- counting, checked
# The shim's totals against strace's, for one wgbastion cold apply.
check_counts() {
	local st=$TMP/strace.out cnt=$TMP/shim.out s_calls s_bytes
	fresh_ns wg0 || return
	: >"$cnt"
	ns "$FRESH" env NLCOUNT_OUT="$cnt" LD_PRELOAD="$SHIM" \
		strace -f -qq -yy -e trace=sendmsg,sendto -e verbose=none -o "$st" \
		"$WGB" -c "$TMP/h/a.conf" apply >/dev/null 2>&1
	teardown "$FRESH"
	# only what went to netlink sockets, only the traced program (not strace)
	read -r s_calls s_bytes < <(awk '/NETLINK/ && / = [0-9]+$/ { n++; b += $NF } END { print n + 0, b + 0 }' "$st")
	read -r calls bytes < <(awk '$1 != "comm=strace" { for (i = 1; i <= NF; i++) { split($i, kv, "="); s[kv[1]] += kv[2] } }
		END { print s["calls"] + 0, s["bytes"] + 0 }' "$cnt")
	info strace_calls "$s_calls"
	info strace_bytes "$s_bytes"
	info shim_calls "$calls"
	info shim_bytes "$bytes"
}

# -------------------------------------------------------------- profiles
# For each target wgbastion missed: GNU time's user/system split, perf's
# sampled profile (kernel included), callgrind (user space, instructions,
# repeatable), each of that exact apply from the same starting state.
profile_missed() {
	local t0 what n a b pre
	t0=$(now_us)
	python3 bench/report.py --missed "$RES" >"$TMP/missed" || return
	while read -r what n; do
		[ -z "$what" ] && continue
		[ "$(since "$t0")" -gt "$B_PROF" ] && { note profile "$what $n: not profiled, time budget"; continue; }
		if [ "$n" = homelab ]; then
			a=$TMP/h/a.conf b=$TMP/h/b.conf
		else
			a=$TMP/s/wgbastion.$n.a b=$TMP/s/wgbastion.$n.b
		fi
		[ -f "$a" ] || continue
		log "profile: $what at $n"
		# the state the measured apply starts from: nothing, or A applied
		case $what in
		cold) pre= ;;
		noop) pre=$a ;;
		change) pre=$a a=$b ;;
		*) continue ;;
		esac
		fresh_ns wg0 || continue
		[ -n "$pre" ] && ns "$FRESH" "$WGB" -c "$pre" apply >/dev/null 2>&1
		# time's split first (the kernel's share), then callgrind from the same state
		ns "$FRESH" /usr/bin/time -f '%e %U %S %M' -o "$TMP/prof-time" "$WGB" -c "$a" apply >/dev/null 2>&1
		rec profile "$what" "$n" time "$(tail -n 1 "$TMP/prof-time")"
		case $what in
		cold) teardown "$FRESH"; fresh_ns wg0 || continue ;;
		change) ns "$FRESH" "$WGB" -c "$pre" apply >/dev/null 2>&1 ;;
		esac
		# Where the time goes, the kernel's share included: perf's samples
		# with call graphs, shown as each function's share including what
		# it calls. A no-op is repeated 20 times and a change done 20 times
		# (B, A, B, ...: each a one-forward change), for enough samples.
		if command -v perf >/dev/null; then
			local loop
			case $what in
			cold) loop="\"\$WGB\" -c $a apply" ;;
			noop) loop="for i in \$(seq 20); do \"\$WGB\" -c $a apply; done" ;;
			change) loop="for i in \$(seq 10); do \"\$WGB\" -c $a apply; \"\$WGB\" -c $pre apply; done" ;;
			esac
			ip netns exec "$FRESH" perf record -q -F 10000 -g -o "$TMP/perf.data" bash -c "$loop" >/dev/null 2>&1 &&
				perf report -i "$TMP/perf.data" --comm wgbastion --stdio --children --sort sym -g none 2>/dev/null |
				grep -E '^ +[0-9]' | grep -vE ' (main|_start|__libc_start_main.*|__libc_start_call_main|apply_main|entry_SYSCALL_64.*|do_syscall_64|x64_sys_call|0x[0-9a-f]+)$' |
				head -n 25 >"$TMP/perf.txt" &&
				rec profile "$what" "$n" perf "$(base64 -w0 <"$TMP/perf.txt")"
			if [ "$what" = cold ]; then
				teardown "$FRESH"
				fresh_ns wg0 || continue
			fi
		fi
		if command -v valgrind >/dev/null; then
			timeout 300 ip netns exec "$FRESH" valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.out" \
				"$WGB" -c "$a" apply >/dev/null 2>"$TMP/cg.err"
			callgrind_annotate --inclusive=yes "$TMP/cg.out" 2>/dev/null | head -n 60 >"$TMP/cg-incl.txt"
			callgrind_annotate "$TMP/cg.out" 2>/dev/null | head -n 60 >"$TMP/cg-self.txt"
			rec profile "$what" "$n" callgrind_incl "$(base64 -w0 <"$TMP/cg-incl.txt")"
			rec profile "$what" "$n" callgrind_self "$(base64 -w0 <"$TMP/cg-self.txt")"
		fi
		teardown "$FRESH"
	done <"$TMP/missed"
}

# ------------------------------------------------------------------ main
for s in $SECTIONS; do
	if [ "$(since "$START")" -ge "$B_TOTAL" ]; then
		nm "$s" all all all "the bench's overall time bound (${B_TOTAL} s) was reached before this section"
		continue
	fi
	case $s in
	homelab) section_homelab ;;
	scale) section_scale ;;
	dataplane) section_dataplane ;;
	tunnel) section_tunnel ;;
	*) echo "bench: unknown section $s" >&2; exit 2 ;;
	esac
done
check_counts
[ "$B_PROF" -gt 0 ] && [ "$(since "$START")" -lt "$B_TOTAL" ] && profile_missed
info load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
info duration_s "$(since "$START")"
cp "$RES" "$BD/results.tsv"
if python3 bench/report.py "$RES" >"$TMP/performance.md"; then
	cp "$TMP/performance.md" "$OUT"
	log "wrote $OUT (raw samples: $BD/results.tsv)"
else
	log "report.py failed; raw samples in $BD/results.tsv"
	exit 1
fi
