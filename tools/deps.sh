#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian packages wgbastion builds and tests with, if missing.
# As root on Debian/Ubuntu: apt-get them (refreshing stale package lists
# first). Otherwise: print the exact command to run. Silent when complete.
set -eu

# build: compiler, pkg-config and the libraries
BUILD="gcc make pkg-config libmnl-dev libnftnl-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libsodium-dev check"
# tests: tools that observe the kernel, a userspace WireGuard, traffic tools,
# sanitizer and fuzzer runtimes, valgrind, man page lint, shells for the
# completions, systemd-analyze for the units, iptables (the legacy-firewall
# warning's test, and a baseline of the benchmarks)
TEST="iproute2 nftables iptables wireguard-tools wireguard-go procps util-linux kmod clang libclang-rt-14-dev valgrind mandoc socat ncat python3 bash-completion zsh fish systemd"
PKGS="$BUILD ${WGB_DEPS_EXTRA:-} $TEST"

# the Debian package (make deb and its test; dpkg-buildpackage wants
# build-essential whatever debian/control says)
PKGS="$PKGS build-essential dpkg-dev debhelper lintian"

# end to end: a packet capture for the MSS check
PKGS="$PKGS tcpdump"
# benchmarks: GNU time (peak RSS), strace (cross-checks the message counts),
# perf (the profiles of missed targets)
PKGS="$PKGS time strace linux-perf"

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
