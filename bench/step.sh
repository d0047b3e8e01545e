#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# One measured sequence of applies, run by bench/run.sh *inside* a network
# namespace (ip netns exec), so that namespace entry is not in the figures.
#
#   step.sh MODE APPROACH FILE...
#
# applies each FILE in turn (typically: A = cold, A again = no-op, B = one
# change) with APPROACH and prints one line per FILE:
#   time   "RC MICROSECONDS"          wall time, bash's $EPOCHREALTIME
#   rss    "RC KIB"                   peak RSS, GNU time's %M
#   timerss "RC MICROSECONDS KIB"     both, the time including GNU time's
#   count  "RC calls bytes msgs writes sysctl_w uapi uapi_set"
#                                     bench/nlcount.so, summed over every
#                                     process the approach ran
#   phases "RC wall=US STAGE.STEP=MS ..."
#                                     wgbastion only, run with -v: what it
#                                     says each step took (src/exec/exec.c:
#                                     config.read, nft.build, nft.record,
#                                     nft.read (or recalled), nft.compare,
#                                     nft.sync, nft.keep, ...)
# APPROACH: wgbastion (apply), shell (bench/reference/bastion.sh up),
# nft (nft -f), ipt (iptables-nft-restore), floor (bench/floor.c: FILE is
# the number of forwards, whose table it commits from nothing), check
# (wgbastion check: validates FILE, touches nothing), true (/bin/true: what
# starting any process costs here; FILE is not read).
# Environment: WGB (binary), BENCH_REF (bastion.sh), SHIM (nlcount.so),
# FLOOR and FLOOR_FLAGS (floor and its options), STEP_LOG (stderr of the
# applies goes there).
set -u
export LC_ALL=C
mode=$1 approach=$2
shift 2
log=${STEP_LOG:-/dev/null}
tmp=$(mktemp /tmp/wgbstep.XXXXXX)
trap 'rm -f "$tmp"' EXIT
read -ra fflags <<<"${FLOOR_FLAGS:-}"

for file in "$@"; do
	case $approach in
	wgbastion) cmd=("$WGB" -c "$file" apply) ;;
	shell) cmd=(bash "$BENCH_REF" -c "$file" up) ;;
	nft) cmd=(nft -f "$file") ;;
	ipt) cmd=(iptables-nft-restore "$file") ;;
	floor) cmd=("$FLOOR" "${fflags[@]}" "$file") ;;
	check) cmd=("$WGB" -c "$file" check) ;;
	true) cmd=(/bin/true) ;;	# process start alone, for scale
	timetrue) cmd=(/usr/bin/time -f %M -o /dev/null /bin/true) ;;	# and through GNU time
	*) echo "step.sh: unknown approach $approach" >&2; exit 2 ;;
	esac
	case $mode in
	time)
		t0=$EPOCHREALTIME
		"${cmd[@]}" >/dev/null 2>>"$log"
		rc=$?
		t1=$EPOCHREALTIME
		echo "$rc $(( 10#${t1/./} - 10#${t0/./} ))"
		;;
	rss)
		/usr/bin/time -f %M -o "$tmp" "${cmd[@]}" >/dev/null 2>>"$log"
		rc=$?
		echo "$rc $(tail -n 1 "$tmp")"
		;;
	timerss)	# both at once, for slow applies: GNU time's start is in the time
		t0=$EPOCHREALTIME
		/usr/bin/time -f %M -o "$tmp" "${cmd[@]}" >/dev/null 2>>"$log"
		rc=$?
		t1=$EPOCHREALTIME
		echo "$rc $(( 10#${t1/./} - 10#${t0/./} )) $(tail -n 1 "$tmp")"
		;;
	count)
		: >"$tmp"
		NLCOUNT_OUT=$tmp LD_PRELOAD=$SHIM "${cmd[@]}" >/dev/null 2>>"$log"
		rc=$?
		# one line per process that sent anything: sum the fields
		awk -v rc="$rc" '
			{ for (i = 1; i <= NF; i++) { split($i, kv, "="); s[kv[1]] += kv[2] } }
			END { printf "%s %d %d %d %d %d %d %d\n", rc, s["calls"], s["bytes"], s["msgs"],
			      s["writes"], s["sysctl_w"], s["uapi"], s["uapi_set"] }' "$tmp"
		;;
	phases)
		[ "$approach" = wgbastion ] || { echo "step.sh: phases are wgbastion's" >&2; exit 2; }
		t0=$EPOCHREALTIME
		"${cmd[0]}" -v "${cmd[@]:1}" >/dev/null 2>"$tmp"
		rc=$?
		t1=$EPOCHREALTIME
		cat "$tmp" >>"$log"
		# "wgbastion: STAGE: ... WORD in MS ms...": the word before "in"
		# names the step ("read whole in", "held against its record in")
		awk -v rc="$rc" -v wall=$(( 10#${t1/./} - 10#${t0/./} )) '
			BEGIN { split("whole:read read:read recalled:read built:build record:record " \
				      "compared:compare synced:sync kept:keep", m, " ")
				for (i in m) { split(m[i], kv, ":"); step[kv[1]] = kv[2] } }
			$1 == "wgbastion:" {
				st = $2; sub(/:$/, "", st)
				for (i = 3; i + 2 <= NF; i++)
					if ($i == "in" && $(i + 2) ~ /^ms/ && ($(i - 1) in step))
						out = out " " st "." step[$(i - 1)] "=" $(i + 1)
			}
			END { print rc " wall=" wall out }' "$tmp"
		;;
	*) echo "step.sh: unknown mode $mode" >&2; exit 2 ;;
	esac
done
