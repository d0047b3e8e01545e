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
# exits 0 only if the VM ran to the end, something passed and nothing
# failed; 77 (after "SKIP: reason") when qemu or the kernel cannot be had.
#
# Knobs: WGB_KERNEL_DIR (kernel and logs; default build/kernel),
# WGB_KERNEL_PKG (default linux-image-amd64), WGB_KERNEL_TIMEOUT (whole VM,
# seconds; default 480), WGB_KERNEL_MEM (MiB; 1536), WGB_KERNEL_SMP (vCPUs;
# 1: under TCG a second one makes fork and exec two to three times slower, as
# every TLB shootdown stops all vCPUs), WGB_KERNEL_CPU (qemu -cpu; max),
# WGB_KERNEL_APPEND (extra kernel parameters), WGB_TEST_TIMEOUT (per test in
# the VM; 180), WGB_BUILD (build folder; build).
#
# Nothing here changes the host's network: the VM has no network device.
set -u
cd "$(dirname "$0")/../.." || exit
TOP=$PWD
B=${WGB_BUILD:-build}
KDIR=${WGB_KERNEL_DIR:-$TOP/$B/kernel}
PKG=${WGB_KERNEL_PKG:-linux-image-amd64}
TIMEOUT=${WGB_KERNEL_TIMEOUT:-480}
LOG=$KDIR/console.log
P='@wgbk@'

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "kernel lane: $*" >&2; exit 1; }

shell=
words=()
for a in "$@"; do
	case $a in
	--shell) shell=1 ;;
	-h | --help) sed -n '3,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

# One lane at a time per kernel folder (shared download, one console log).
exec 9>"$KDIR/.lock"
flock 9

# shellcheck source=tests/kernel/fetch.sh
. tests/kernel/fetch.sh
host_tools || exit
kernel_fetch || exit
busybox_static || exit

echo "kernel lane: building the binaries the VM runs"
make --no-print-directory -s B="$B" wgbastion "$B/wgbastion-test" ||
	die "make failed"
tests/kernel/mkinitramfs.sh "$KDIR/root" "$KVER" "$BUSYBOX" "$KDIR/initramfs.cpio" ||
	die "cannot build the initramfs"

BDIR=$(cd "$B" && pwd)
# The VM sees the host's root, but with fresh tmpfs on /tmp, /run and
# /var/tmp. So that our folders stay visible wherever they are (a CI clone
# in /tmp, say), each is also exported as its own 9p share and mounted back
# in place; one inside another is seen through the outer one.
mounts=() shares=()
for d in "$TOP" "$BDIR" "$KDIR"; do
	for m in "${mounts[@]}"; do
		case $d/ in "$m"/*) continue 2 ;; esac
	done
	case $d in *,*) die "paths with commas are not supported: $d" ;; esac
	shares+=(-virtfs "local,path=$d,mount_tag=wgbk${#mounts[@]},security_model=none,readonly=on,multidevs=remap")
	mounts+=("$d")
done

run64=$(printf '%s ' "${words[@]}" | base64 -w0)
# mitigations=off: page-table isolation and friends cost TCG dearly (every
# CR3 switch flushes its TLB) and guard nothing in a throw-away VM.
append="console=ttyS0 panic=-1 mitigations=off wgbk_top=$TOP wgbk_kdir=$KDIR wgbk_run=$run64"
append+=" wgbk_mounts=$(IFS=,; echo "${mounts[*]}") WGB_BUILD=$BDIR"
[ -n "${WGB_TEST_TIMEOUT:-}" ] && append+=" WGB_TEST_TIMEOUT=$WGB_TEST_TIMEOUT"
[ -n "${WGB_TEST_VERBOSE:-}" ] && append+=" WGB_TEST_VERBOSE=1"
append+=" ${WGB_KERNEL_APPEND:-}"
# shellcheck disable=SC2054 # commas belong to qemu's options
qemu=(qemu-system-x86_64 -accel tcg,thread=multi -cpu "${WGB_KERNEL_CPU:-max}"
	-smp "${WGB_KERNEL_SMP:-1}" -m "${WGB_KERNEL_MEM:-1536}"
	-nodefaults -no-user-config -display none -no-reboot
	-kernel "$KDIR/root/boot/vmlinuz-$KVER" -initrd "$KDIR/initramfs.cpio"
	-append "$append"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	"${shares[@]}"
	-device virtio-rng-pci)

if [ -n "$shell" ]; then
	echo "kernel lane: shell in the VM; Ctrl-A X quits qemu"
	exec "${qemu[@]}" -serial mon:stdio
fi

echo "kernel lane: booting Linux $KVER under qemu (TCG), timeout ${TIMEOUT}s"
: >"$LOG"
start=$SECONDS
# The console goes to the log; result lines and what the tests print after
# BEGIN go to our output as they come.
timeout --kill-after=10 "$TIMEOUT" "${qemu[@]}" -serial stdio \
	</dev/null 2>"$KDIR/qemu.err" |
while IFS= read -r line || [ -n "$line" ]; do
	line=${line%$'\r'}
	printf '%s\n' "$line" >>"$LOG"
	case $line in
	"$P BEGIN"*) echo "kernel lane: VM up after $((SECONDS - start))s: ${line#"$P BEGIN "}"; began=1 ;;
	"$P DONE"*) began= ;;	# then only the power-off chatter
	"$P "*) echo "${line#"$P "}" ;;
	*) [ -n "${began:-}" ] && printf '%s\n' "$line" ;;
	esac
done
rc=${PIPESTATUS[0]}

pass=$(grep -c "^$P PASS  " "$LOG")
fail=$(grep -c "^$P FAIL  " "$LOG")
skipped=$(grep -c "^$P SKIP  " "$LOG")
why=
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	why="the VM did not finish within ${TIMEOUT}s"
elif ! grep -q "^$P DONE" "$LOG"; then
	why="the VM stopped before the tests finished (qemu exit $rc)"
elif grep -q "^$P USERSPACE-WIREGUARD" "$LOG"; then
	why="something started a userspace WireGuard in the VM"
elif [ "$pass" -eq 0 ]; then
	why="no test passed in the VM"
fi
[ -n "$why" ] && fail=$((fail + 1))

echo "kernel lane: VM ran $((SECONDS - start))s"
if [ -n "$why" ] || [ "$fail" -gt 0 ]; then
	[ -n "$why" ] && echo "FAIL  kernel lane: $why"
	echo "---- last lines of $LOG"
	tail -n 40 "$LOG"
	[ -s "$KDIR/qemu.err" ] && { echo "---- qemu stderr"; tail -n 20 "$KDIR/qemu.err"; }
	echo "----"
fi
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
