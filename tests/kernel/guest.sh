#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 inside the kernel lane's VM (started by tests/kernel/init after
# switch_root into the host's root, mounted read-only over 9p, with the
# kernel's modules and devices in place). Makes the throw-away machine a
# kernel-WireGuard test bed, runs what the host asked for, reports each
# result on the console as "@wgbk@ PASS|FAIL|SKIP ...", then "@wgbk@ DONE",
# and powers off.
#
# Environment from the kernel command line (set by tests/kernel/run.sh):
#   wgbk_top   the checkout (read-only here)
#   wgbk_kdir  the kernel folder: root/lib/modules/VERSION is the module tree
#   wgbk_mode  queue: run the tests the host hands out on the serial line;
#              shell: an interactive shell on it
# shellcheck disable=SC2154 # wgbk_* come from the kernel command line
set -u
P='@wgbk@'
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LC_ALL=C.UTF-8 TERM=${TERM:-linux}

say() { printf '%s %s\n' "$P" "$*"; }
poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	# Wait with builtins only: while the power-off runs, 9p may be gone and
	# with it every program. A read on a pipe nobody writes to just waits.
	exec 8<> <(:)
	read -r -t 30 -u 8 _
	exit 1	# not reached; if it were: panic=-1 and qemu -no-reboot end the VM
}
setup_fail() {
	say "FAIL  kernel lane setup: $*"
	say DONE
	poweroff_now
}

echo "guest.sh: PID 1 at $(</proc/uptime)"	# boot time, for the log

for v in wgbk_top wgbk_kdir wgbk_mode; do
	[ -n "${!v:-}" ] || setup_fail "$v missing from the kernel command line"
done
ver=$(uname -r)
# init put the kernel's module tree and device nodes in place
[ -f "/lib/modules/$ver/modules.dep" ] || setup_fail "no module tree on /lib/modules/$ver"

# Kernel errors only, so that chatter does not cut result lines in two.
echo 4 >/proc/sys/kernel/printk

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
ip link set lo up

cd "$wgbk_top" || setup_fail "no checkout at $wgbk_top"

if [ "$wgbk_mode" = shell ]; then
	echo "kernel lane shell: kernel $ver, checkout $wgbk_top (read-only)."
	echo "Run e.g. tests/kernel/smoke.test.sh; 'exit' powers off."
	setsid -c bash -i <>/dev/ttyS0 >&0 2>&0
	poweroff_now
fi

# The tests, one at a time as the host hands them out on the serial line
# ("script:timeout", or END), each through tests/run.sh like everywhere
# else: its result lines get the prefix; its total is left out (the host
# counts every VM's results).
stty -F /dev/ttyS0 -echo icrnl 2>/dev/null	# keep the log free of our input
say "BEGIN kernel $ver, $(nproc) CPU(s), up $(cut -d' ' -f1 /proc/uptime)s"
while :; do
	say NEXT
	IFS= read -r w </dev/ttyS0 || break
	w=${w%$'\r'}
	[ "$w" = END ] && break
	t=${w%:*} limit=${w##*:}
	case $t in
	*.test.sh) ;;
	*) say "FAIL  $t (not a test script: the host and the VM lost each other)"; break ;;
	esac
	WGB_TEST_TIMEOUT=$limit ./tests/run.sh "$t" 2>&1 | while IFS= read -r line; do
		case $line in
		PASS\ \ * | FAIL\ \ * | SKIP\ \ *) say "$line" ;;
		"== "* | "" | *" passed, "*" failed, "*" skipped" | "failed: "*) ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
done
say DONE
poweroff_now
