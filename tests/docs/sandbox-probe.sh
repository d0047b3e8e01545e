#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boots systemd in a throw-away Debian 12 container (systemd-nspawn, private
# network) and runs systemd/wgbastion.service there, to prove that its
# sandbox leaves wgbastion what it needs. Not part of tests/run.sh: it
# downloads a Debian base system (debootstrap, ~100 MB) and boots a
# container, which CI need not do on every run. Root only.
#
#   tests/docs/sandbox-probe.sh [ROOTFS]     (default /var/tmp/wgbastion-sandbox)
#
# Phase 1, the probe: the unit with its Exec lines replaced by a script that
# does, with the unit's sandbox, what apply and flush do (sysctl writes,
# nftables and rtnetlink, a key file created in /etc/wgbastion, a
# wireguard-go started from ExecStart that must survive until ExecStop).
# Phase 2, the real thing: the unit as installed, with examples/homelab.conf:
# start (apply), show, reload, stop (flush); then the lockout guard refusing
# a forwarded port that PID 1 listens on.
# Exit status: 0 when every step of both phases worked.
set -u
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
R=${1:-/var/tmp/wgbastion-sandbox}
export DEBIAN_FRONTEND=noninteractive

need() { command -v "$1" >/dev/null || apt-get install -y -qq --no-install-recommends "$2" >/dev/null; }
need debootstrap debootstrap
need systemd-nspawn systemd-container
[ -x ./wgbastion ] || make -s wgbastion || exit 1

if [ ! -x "$R/usr/lib/systemd/systemd" ]; then
	echo "== debootstrap into $R"
	debootstrap --variant=minbase \
		--include=systemd,systemd-sysv,iproute2,nftables,procps,wireguard-tools,wireguard-go,libmnl0,libnftnl11,libnl-3-200,libnl-route-3-200,libnl-genl-3-200,libsodium23 \
		bookworm "$R" http://deb.debian.org/debian >"$R.log" 2>&1 ||
		{ tail -20 "$R.log"; exit 1; }
fi
echo "== make install DESTDIR=$R"
make -s install DESTDIR="$R" >/dev/null || exit 1

D=$R/etc/systemd/system
mkdir -p "$D/wgbastion.service.d" "$D/multi-user.target.wants"
cat >"$R/usr/local/bin/probe" <<'EOF'
#!/bin/bash
# phase 1: what apply (start) and flush (stop) do, under the unit's sandbox
exec >>/run/wgbastion/probe.out 2>&1
t() { if "$@" >/tmp/o 2>&1; then echo "ok   $*"; else echo "FAIL $*: $(head -c 200 /tmp/o)"; fi; }
if [ "$1" = start ]; then
	echo "== probe: start (effective capabilities $(sed -n 's/^CapEff:\t//p' /proc/self/status))"
	t sysctl -w net.ipv4.ip_forward=1
	t sh -c 'umask 077; head -c 32 /dev/urandom | base64 >/etc/wgbastion/probe.key'
	t touch /run/wgbastion/probe.lock
	t nft add table inet probe
	t nft add chain inet probe pre '{ type nat hook prerouting priority dstnat; policy accept; }'
	t ip rule add fwmark 0x8000000/0x8000000 lookup 51821 priority 5210 protocol 87
	t wireguard-go wgprobe
	t test -S /run/wireguard/wgprobe.sock
	t wg set wgprobe listen-port 51820 private-key /etc/wgbastion/probe.key
	t ip link set wgprobe up
	t ip route add default dev wgprobe table 51821 protocol 87
	t sysctl -w net.ipv4.conf.wgprobe.rp_filter=2
	t sysctl -w net.ipv6.conf.all.forwarding=1
	t sysctl -w net.ipv6.conf.lo.accept_ra=2
else
	echo "== probe: stop"
	t pgrep -x wireguard-go
	t ip link del wgprobe
	t ip rule del priority 5210
	t nft delete table inet probe
	t sysctl -w net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
	t rm /etc/wgbastion/probe.key
fi
EOF
cat >"$R/usr/local/bin/sandbox-run" <<'EOF'
#!/bin/bash
# runs as a unit of its own once the container has booted, then powers off
out=/var/tmp/sandbox.out
: >$out
t() { if "$@" >/tmp/o 2>&1; then echo "ok   $*"; else echo "FAIL $*: $(head -c 300 /tmp/o)"; fi >>$out; }
mkdir -p /etc/systemd/system/wgbastion.service.d
cat >/etc/systemd/system/wgbastion.service.d/probe.conf <<'X'
[Service]
ExecStart=
ExecStart=/usr/local/bin/probe start
ExecReload=
ExecStop=
ExecStop=/usr/local/bin/probe stop
X
systemctl daemon-reload
t systemctl start wgbastion.service
t systemctl stop wgbastion.service
cat /run/wgbastion/probe.out >>$out
rm -f /etc/systemd/system/wgbastion.service.d/probe.conf /run/wgbastion/probe.*
systemctl daemon-reload

echo "== wgbastion.service with examples/homelab.conf" >>$out
install -m 0600 /etc/wgbastion/wgbastion.conf.example /etc/wgbastion/wgbastion.conf
t systemctl start wgbastion.service
journalctl -b -u wgbastion.service --no-pager -o cat >>$out 2>&1
t test "$(stat -c %a /etc/wgbastion/private.key)" = 600
t ip link show wg0
t nft list table inet wgbastion-wg0
t sh -c 'ip rule | grep -q "lookup 51821"'
t wgbastion show
t systemctl reload wgbastion.service
t systemctl stop wgbastion.service
t sh -c '! ip link show wg0'
t sh -c '! nft list table inet wgbastion-wg0'
t sh -c '! ip rule | grep -q "lookup 51821"'

echo "== the lockout guard, under the sandbox: PID 1 listens on 443" >>$out
cat >/etc/systemd/system/probe-listen.socket <<'X'
[Socket]
ListenStream=443
X
printf '[Service]\nExecStart=/bin/true\n' >/etc/systemd/system/probe-listen.service
systemctl daemon-reload
t systemctl start probe-listen.socket
t sh -c '! systemctl start wgbastion.service'
journalctl -b -u wgbastion.service --no-pager -o cat | grep -i -m3 -E 'listen|443|shadow' >>$out
t sh -c '! ip link show wg0'
systemctl stop probe-listen.socket
systemctl reset-failed wgbastion.service
rm -f /etc/systemd/system/probe-listen.*

systemctl --no-pager status wgbastion.service >>$out 2>&1
systemd-analyze security wgbastion.service 2>&1 | tail -1 >>$out
systemctl poweroff
EOF
chmod 0755 "$R/usr/local/bin/probe" "$R/usr/local/bin/sandbox-run"
cat >"$D/sandbox-run.service" <<'EOF'
[Unit]
Description=wgbastion sandbox probe
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/usr/local/bin/sandbox-run
[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/sandbox-run.service "$D/multi-user.target.wants/sandbox-run.service"
rm -f "$R/var/tmp/sandbox.out" "$R/etc/wgbastion/private.key"

echo "== booting the container"
# --keep-unit --register=no: works without systemd as the host's init
timeout 300 systemd-nspawn -q -D "$R" -b --private-network --register=no --keep-unit \
	--console=pipe </dev/null >"$R.boot.log" 2>&1
rm -f "$D/multi-user.target.wants/sandbox-run.service"
if [ ! -s "$R/var/tmp/sandbox.out" ]; then
	echo "no result: the container did not run the probe"; tail -20 "$R.boot.log"; exit 1
fi
cat "$R/var/tmp/sandbox.out"
if grep -q '^FAIL' "$R/var/tmp/sandbox.out"; then
	echo "sandbox probe: FAILED"; exit 1
fi
echo "sandbox probe: every step worked"
