#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian packages wgbastion builds and tests with, if missing.
# As root on Debian/Ubuntu: apt-get them (refreshing stale package lists
# first). Otherwise: print the exact command to run. Silent when complete.
set -eu

# Every program a suite runs that a minimal Debian (debootstrap minbase:
# the Essential and required packages) lacks; what minbase has (coreutils,
# util-linux's flock/unshare/setsid, bsdutils' script, diffutils, findutils,
# mawk, grep, sed, dpkg, ncurses' tput) is not listed. Audited by tracing
# every exec of `make check` (strace -f -e trace=execve) and reading the
# scripts for the paths a trace does not take (the kernel lane's guest).

# build: compiler, pkg-config and the libraries
BUILD="gcc make pkg-config libmnl-dev libnftnl-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libsodium-dev check"
# integration and e2e: tools that set up and observe the kernel (ip, ss,
# nft, iptables-legacy for the legacy-firewall warning, sysctl, modprobe), a
# userspace WireGuard and wg/wg-quick, traffic (ping, socat, python3), a
# packet capture for the MSS check
TEST="iproute2 nftables iptables wireguard-tools wireguard-go procps kmod iputils-ping socat python3 tcpdump"
# docs: man page lint and rendering (mandoc; groff; col from
# bsdextrautils), shells for the completions, systemd-analyze for the units
# (it runs man for their Documentation=, hence man-db)
TEST="$TEST mandoc groff-base bsdextrautils man-db bash-completion zsh fish systemd"
# the kernel lane: qemu (it boots Debian's kernel; the package itself is
# fetched with apt-get download, never installed)
TEST="$TEST qemu-system-x86"
# fuzzing (make fuzz): clang with its sanitizer and libFuzzer runtimes
TEST="$TEST clang libclang-rt-14-dev"
# benchmarks (make bench): GNU time (peak RSS), strace (cross-checks the
# message counts), perf and valgrind (the profiles of missed targets);
# valgrind is tests/integration/valgrind.test.sh's too
TEST="$TEST time strace linux-perf valgrind"
PKGS="$BUILD ${WGB_DEPS_EXTRA:-} $TEST"

# the Debian package (make deb and its test, tests/pkg; dpkg-buildpackage
# wants build-essential whatever debian/control says)
PKGS="$PKGS build-essential dpkg-dev debhelper lintian"

missing=
for p in $PKGS; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "wgbastion: missing packages; run as root:" >&2
	echo "  apt-get install$missing" >&2
	exit 1
fi

echo "deps: installing$missing" >&2
lists=/var/lib/apt/lists
# refresh when no list is there or the newest is older than a day
if [ -z "$(find "$lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
	apt-get update -qq >&2
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
