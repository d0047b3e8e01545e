#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kernel WireGuard lane: this machine's kernel may have no WireGuard, so
# boot Debian's distribution kernel under qemu (TCG), with the host's root
# mounted read-only over 9p, and run the test suites inside it with kernel
# WireGuard devices. See docs/kernel-lane.md.
#
#   tests/kernel/run.sh                 lane tests, then integration, e2e
#   tests/kernel/run.sh SUITE|TEST...   kernel, integration, e2e, or scripts
#   tests/kernel/run.sh --shell         an interactive shell in the VM
#
# Prints each test's PASS/FAIL/SKIP line and "N passed, N failed, N skipped";
# exits 0 only if every VM ran to the end, something passed and nothing
# failed (nor was skipped, under WGB_NO_SKIP=1); 77 (after "SKIP: reason")
# when qemu or the kernel cannot be had.
#
# The tests are handed out, one at a time, to WGB_KERNEL_JOBS VMs (default:
# 2 on a machine with 2 or more CPUs) of one vCPU each: under TCG a second
# vCPU in one VM makes fork and exec two to three times slower (every TLB
# shootdown stops all vCPUs), while two VMs simply use both host CPUs.
#
# Knobs: WGB_KERNEL_DIR (kernel and logs; default build/kernel),
# WGB_KERNEL_PKG (default linux-image-amd64), WGB_KERNEL_TIMEOUT (whole run,
# seconds; default 1800), WGB_KERNEL_JOBS, WGB_KERNEL_MEM (MiB per VM; 1536),
# WGB_KERNEL_SMP (vCPUs per VM; 1), WGB_KERNEL_CPU (qemu -cpu; max),
# WGB_KERNEL_APPEND (extra kernel parameters), WGB_TEST_TIMEOUT (per test in
# the VM; 300), WGB_TEST_VERBOSE, WGB_BUILD (build folder; build).
#
# Nothing here changes the host's network: the VM has no network device.
set -u
cd "$(dirname "$0")/../.." || exit
TOP=$PWD
B=${WGB_BUILD:-build}
KDIR=${WGB_KERNEL_DIR:-$TOP/$B/kernel}
PKG=${WGB_KERNEL_PKG:-linux-image-amd64}
TIMEOUT=${WGB_KERNEL_TIMEOUT:-1800}
P='@wgbk@'

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "kernel lane: $*" >&2; exit 1; }

shell=
words=()
for a in "$@"; do
	case $a in
	--shell) shell=1 ;;
	-h | --help) sed -n '3,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) words+=("$a") ;;
	esac
done
[ ${#words[@]} -eq 0 ] && words=(kernel integration e2e)
[ -n "$shell" ] && words=(--shell)

# Paths go on the kernel command line, which splits at spaces.
case $TOP$KDIR in *[[:space:]]*) die "paths with spaces are not supported: $TOP, $KDIR" ;; esac
[ "$(uname -m)" = x86_64 ] || skip "the lane boots Debian's amd64 kernel: x86-64 hosts only"
mkdir -p "$KDIR" || die "cannot create $KDIR"
KDIR=$(cd "$KDIR" && pwd)

# One lane at a time per kernel folder (shared download, console logs).
exec 9>"$KDIR/.lock"
flock 9

# shellcheck source=tests/kernel/fetch.sh
. tests/kernel/fetch.sh
# shellcheck source=tests/kernel/queue.sh
. tests/kernel/queue.sh
# shellcheck source=tests/kernel/vm.sh
. tests/kernel/vm.sh
[ -n "$shell" ] || tests_expand "${words[@]}"
host_tools || exit
kernel_fetch || exit
kernel_image
busybox_static || exit

echo "kernel lane: building the binaries the VM runs"
make --no-print-directory -s B="$B" wgbastion "$B/wgbastion-test" "$B/wgbastion-asan" bench-tools ||
	die "make failed"
tests/kernel/mkinitramfs.sh "$KDIR/root" "$KVER" "$BUSYBOX" "$KDIR/initramfs.cpio" ||
	die "cannot build the initramfs"

BDIR=$(cd "$B" && pwd)
# The VM sees the host's root, but with fresh tmpfs on /tmp, /run and
# /var/tmp. So that our folders stay visible wherever they are (a CI clone
# in /tmp, say), each is also exported as its own 9p share and mounted back
# in place; one inside another is seen through the outer one.
MOUNTS=() SHARES=()
for d in "$TOP" "$BDIR" "$KDIR"; do
	for m in "${MOUNTS[@]}"; do
		case $d/ in "$m"/*) continue 2 ;; esac
	done
	case $d in *,*) die "paths with commas are not supported: $d" ;; esac
	SHARES+=(-virtfs "local,path=$d,mount_tag=wgbk${#MOUNTS[@]},security_model=none,readonly=on,multidevs=remap")
	MOUNTS+=("$d")
done

if [ -n "$shell" ]; then
	vm_qemu shell
	echo "kernel lane: shell in the VM; Ctrl-A X quits qemu"
	exec "${QEMU[@]}" -serial mon:stdio
fi

[ ${#TESTS[@]} -gt 0 ] || die "no test to run in: ${words[*]}"
JOBS=${WGB_KERNEL_JOBS:-$([ "$(nproc)" -ge 2 ] && echo 2 || echo 1)}
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "WGB_KERNEL_JOBS: \"$JOBS\" is not a number of VMs"
[ "$JOBS" -gt ${#TESTS[@]} ] && JOBS=${#TESTS[@]}
queue_init

echo "kernel lane: ${#TESTS[@]} tests in $JOBS VM(s) running Linux $KVER under qemu (TCG), timeout ${TIMEOUT}s"
rm -f "$KDIR"/console*.log "$KDIR"/qemu*.err "$KDIR"/vm-*.rc "$KDIR/durations.new" "$KDIR/capped"
START=$SECONDS
# no test starts that would not end this long before qemu is killed
DEADLINE=$((START + TIMEOUT - 20))
vm_qemu queue
pids=()
for ((i = 0; i < JOBS; i++)); do
	vm_run "$i" &
	pids+=($!)
done
wait "${pids[@]}"
durations_save

# One console log for the record: every VM's, one after the other.
for ((i = 0; i < JOBS; i++)); do
	echo "==== VM $i"
	cat "$KDIR/console-$i.log"
done >"$KDIR/console.log"

pass=$(cat "$KDIR"/console-*.log | grep -c "^$P PASS  ")
fail=$(cat "$KDIR"/console-*.log | grep -c "^$P FAIL  ")
skipped=$(cat "$KDIR"/console-*.log | grep -c "^$P SKIP  ")
echo "kernel lane: VMs ran $((SECONDS - START))s"
bad=()
for ((i = 0; i < JOBS; i++)); do
	why=$(vm_verdict "$i")
	failures=$(vm_failures "$i")
	[ -z "$why" ] && [ -z "$failures" ] && continue
	bad+=("$i")
	[ -n "$failures" ] && printf '%s\n' "$failures"
	if [ -n "$why" ]; then
		fail=$((fail + 1))
		echo "FAIL  kernel lane: VM $i: $why"
	fi
done
if [ "$pass" -eq 0 ] && [ ${#bad[@]} -eq 0 ]; then
	fail=$((fail + 1))
	echo "FAIL  kernel lane: no test passed in the VM"
fi
for i in "${bad[@]}"; do
	echo "---- last lines of $KDIR/console-$i.log (all VMs: $KDIR/console.log)"
	tail -n 25 "$KDIR/console-$i.log"
	[ -s "$KDIR/qemu-$i.err" ] && { echo "---- qemu stderr"; tail -n 10 "$KDIR/qemu-$i.err"; }
done
[ ${#bad[@]} -gt 0 ] && echo "----"
if [ -n "${WGB_NO_SKIP:-}" ] && [ "$skipped" -gt 0 ]; then
	fail=$((fail + 1))
	echo "FAIL  kernel lane: $skipped test(s) skipped, and WGB_NO_SKIP is set"
fi
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
