#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 inside the kernel lane's VM (started by tests/kernel/init after
# switch_root into the host's root, mounted read-only over 9p). Makes the
# throw-away machine a kernel-WireGuard test bed, runs what the host asked
# for, reports each result on the console as "@wgbk@ PASS|FAIL|SKIP ...",
# then "@wgbk@ DONE", and powers off.
#
# Environment from the kernel command line (set by tests/kernel/run.sh):
#   wgbk_top   the checkout (read-only here)
#   wgbk_kdir  the kernel folder: root/lib/modules/VERSION is the module tree
#   wgbk_run   base64 of the words to run: suites (kernel integration e2e),
#              test scripts, or --shell for an interactive shell
# shellcheck disable=SC2154 # wgbk_* come from the kernel command line
set -u
P='@wgbk@'
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LC_ALL=C.UTF-8 TERM=${TERM:-linux}

say() { printf '%s %s\n' "$P" "$*"; }
poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 30
	exit 1	# not reached; if it were: panic=-1 and qemu -no-reboot end the VM
}
setup_fail() {
	say "FAIL  kernel lane setup: $*"
	say DONE
	poweroff_now
}

# /dev as a normal system has it (bash's <(...) needs /dev/fd).
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr

for v in wgbk_top wgbk_kdir wgbk_run; do
	[ -n "${!v:-}" ] || setup_fail "$v missing from the kernel command line"
done

# Kernel errors only, so that chatter does not cut result lines in two.
echo 4 >/proc/sys/kernel/printk

# The distribution kernel's modules: the host's /lib/modules is for the
# host's kernels; this one's tree sits in the (read-only) kernel folder.
ver=$(uname -r)
tree="$wgbk_kdir/root/lib/modules/$ver"
[ -f "$tree/modules.dep" ] || setup_fail "no module tree at $tree"
mount -t tmpfs -o mode=0755 wgbk-modules /lib/modules &&
	mkdir "/lib/modules/$ver" &&
	mount --bind "$tree" "/lib/modules/$ver" ||
	setup_fail "cannot put the module tree on /lib/modules/$ver"

# No userspace WireGuard here: whatever would start one fails, loudly. The
# stand-in lives in /var/tmp because tests get a private /run.
mkdir -p /var/tmp/wgbk
block=/var/tmp/wgbk/no-userspace-wireguard
cat >"$block" <<'EOF'
#!/bin/sh
echo "kernel lane: a userspace WireGuard was started ($0 $*): not allowed here" >&2
echo "@wgbk@ USERSPACE-WIREGUARD $0 $*" >/dev/console
exit 97
EOF
chmod 0755 "$block"
for p in $(type -ap wireguard-go); do
	mount --bind "$block" "$p" || setup_fail "cannot hide $p"
done
export WG_QUICK_USERSPACE_IMPLEMENTATION=$block
export WGB_WG_BACKEND=kernel WGB_KERNEL_LANE=1
export WGB_BUILD=${WGB_BUILD:-$wgbk_top/build}	# absolute, from run.sh
export WGB_BIN=$WGB_BUILD/wgbastion-test
export WGB_TEST_TIMEOUT=${WGB_TEST_TIMEOUT:-180}
ip link set lo up

cd "$wgbk_top" || setup_fail "no checkout at $wgbk_top"
read -r -a words <<<"$(printf '%s' "$wgbk_run" | base64 -d)"

if [ "${words[0]:-}" = --shell ]; then
	echo "kernel lane shell: kernel $ver, checkout $wgbk_top (read-only)."
	echo "Run e.g. tests/kernel/smoke.test.sh; 'exit' powers off."
	setsid -c bash -i <>/dev/ttyS0 >&0 2>&0
	poweroff_now
fi

# One test script, the way tests/run.sh runs them.
run_one() {
	local t=$1 rc log
	log=$(mktemp)
	timeout --kill-after=10 "$WGB_TEST_TIMEOUT" bash "$t" >"$log" 2>&1
	rc=$?
	[ -n "${WGB_TEST_VERBOSE:-}" ] && cat "$log"
	case $rc in
	0) say "PASS  $t" ;;
	77) say "SKIP  $t: $(grep -m1 '^SKIP' "$log" || echo 'said skip')" ;;
	*) sed 's/^/      /' "$log" | tail -60; say "FAIL  $t (exit $rc)" ;;
	esac
	rm -f "$log"
}

# A suite through tests/run.sh: its result lines get the prefix; its own
# total is left out (the host counts).
run_suite() {
	local line
	./tests/run.sh "$1" 2>&1 | while IFS= read -r line; do
		case $line in
		PASS\ \ * | FAIL\ \ * | SKIP\ \ *) say "$line" ;;
		*" passed, "*" failed, "*" skipped" | "failed: "*) ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
}

say "BEGIN kernel $ver, $(nproc) CPUs, running: ${words[*]}"
for w in "${words[@]}"; do
	case $w in
	kernel)
		for t in tests/kernel/*.test.sh; do
			[ -f "$t" ] && run_one "$t"
		done
		;;
	integration | e2e) run_suite "$w" ;;
	*)
		if [ -f "$w" ]; then
			run_one "$w"
		else
			say "FAIL  $w (no such test or suite)"
		fi
		;;
	esac
done
say DONE
poweroff_now
