#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# systemd/: both units verify clean with systemd-analyze, start/reload/stop
# run apply/apply/flush on the right file, and the sandbox leaves what
# wgbastion needs (sysctl writes, /dev/net/tun, its run and key directories).
. "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null ||
	skip "systemd-analyze not installed: the units were NOT verified (apt-get install systemd)"

# Verify copies whose ExecStart= points at a stand-in binary, since
# /usr/bin/wgbastion need not be installed here, and let the
# Documentation=man:wgbastion(1) check find this tree's man page.
mkdir -p "$TMP/bin" "$TMP/units" "$TMP/man/man1"
printf '#!/bin/sh\nexit 0\n' >"$TMP/bin/wgbastion"
chmod 0755 "$TMP/bin/wgbastion"
cp wgbastion.1 "$TMP/man/man1/"
for u in wgbastion.service wgbastion@.service; do
	sed "s|/usr/bin/wgbastion|$TMP/bin/wgbastion|g" "systemd/$u" >"$TMP/units/$u"
done
cp "$TMP/units/wgbastion@.service" "$TMP/units/wgbastion@lab.service"

say "systemd-analyze verify"
for u in wgbastion.service wgbastion@lab.service; do
	out=$(cd "$TMP/units" && MANPATH=$TMP/man SYSTEMD_LOG_COLOR=0 systemd-analyze verify "./$u" 2>&1)
	rc=$?
	assert_eq "$u: exit status" 0 "$rc"
	assert_eq "$u: no complaint" "" "$out"
done
# and it does complain about a broken unit (so silence above means something)
sed 's/^ExecStop=/ExecSotp=/' "$TMP/units/wgbastion.service" >"$TMP/units/broken.service"
out=$(cd "$TMP/units" && MANPATH=$TMP/man systemd-analyze verify ./broken.service 2>&1)
assert_match "a misspelt key is reported" "Unknown key( name)? '?ExecSotp" "$out"

# A setting, as written in the unit (several lines are joined by spaces).
prop() { # unit key
	sed -n "s/^$2=//p" "systemd/$1" | tr '\n' ' ' | sed 's/ $//'
}
say "start, reload, stop"
for u in wgbastion.service wgbastion@.service; do
	conf=/etc/wgbastion/wgbastion.conf
	[ "$u" = wgbastion@.service ] && conf=/etc/wgbastion/%i.conf
	assert_eq "$u Type" oneshot "$(prop $u Type)"
	assert_eq "$u RemainAfterExit" yes "$(prop $u RemainAfterExit)"
	assert_eq "$u ExecStart" "/usr/bin/wgbastion -c $conf apply" "$(prop $u ExecStart)"
	assert_eq "$u ExecReload" "/usr/bin/wgbastion -c $conf apply" "$(prop $u ExecReload)"
	assert_eq "$u ExecStop" "/usr/bin/wgbastion -c $conf flush" "$(prop $u ExecStop)"
	assert_match "$u After network-online.target" "network-online.target" "$(prop $u After)"
	assert_match "$u Wants network-online.target" "network-online.target" "$(prop $u Wants)"
	assert_eq "$u WantedBy" multi-user.target "$(prop $u WantedBy)"

	# sandbox: tight, but not so tight that apply cannot work
	assert_eq "$u CapabilityBoundingSet" CAP_NET_ADMIN "$(prop $u CapabilityBoundingSet)"
	for k in NoNewPrivileges ProtectHome PrivateTmp ProtectKernelModules ProtectControlGroups RestrictSUIDSGID; do
		assert_eq "$u $k" yes "$(prop $u $k)"
	done
	assert_eq "$u ProtectSystem" strict "$(prop $u ProtectSystem)"
	# sysctls are written under /proc/sys/net: read-only tunables would break apply and flush
	pkt=$(prop $u ProtectKernelTunables)
	if [ "$pkt" = yes ] || [ "$pkt" = true ]; then
		assert_match "$u: /proc/sys/net writable despite ProtectKernelTunables" "/proc/sys/net" "$(prop $u ReadWritePaths)"
	else
		pass "$u: /proc/sys writable (ProtectKernelTunables off)"
	fi
	assert_nomatch "$u: /dev/net/tun reachable for wireguard-go" "yes" "$(prop $u PrivateDevices)"
	assert_match "$u: DeviceAllow /dev/net/tun" "/dev/net/tun rw" "$(prop $u DeviceAllow)"
	assert_match "$u: /run/wgbastion and /run/wireguard exist and are writable" "wgbastion wireguard" "$(prop $u RuntimeDirectory)"
	assert_eq "$u: they outlive a stop (flush needs the records)" yes "$(prop $u RuntimeDirectoryPreserve)"
	assert_match "$u: /etc/wgbastion writable (PrivateKeyFile creation)" "/etc/wgbastion" "$(prop $u ReadWritePaths)"
	for af in AF_NETLINK AF_UNIX AF_INET AF_INET6; do
		assert_match "$u: address family $af allowed" "\\b$af\\b" "$(prop $u RestrictAddressFamilies)"
	done
done

say "wgbastion-prometheus: the textfile writer and its timer"
for u in wgbastion-prometheus.service wgbastion-prometheus.timer; do
	sed "s|/usr/bin/wgbastion|$TMP/bin/wgbastion|g" "systemd/$u" >"$TMP/units/$u"
done
for u in wgbastion-prometheus.service wgbastion-prometheus.timer; do
	out=$(cd "$TMP/units" && MANPATH=$TMP/man SYSTEMD_LOG_COLOR=0 systemd-analyze verify "./$u" 2>&1)
	assert_eq "$u: verify exit status" 0 "$?"
	assert_eq "$u: no complaint" "" "$out"
done
u=wgbastion-prometheus.service
assert_eq "$u Type" oneshot "$(prop $u Type)"
assert_eq "$u: node_exporter can read the file" 0022 "$(prop $u UMask)"
assert_eq "$u CapabilityBoundingSet" CAP_NET_ADMIN "$(prop $u CapabilityBoundingSet)"
assert_eq "$u ProtectSystem" strict "$(prop $u ProtectSystem)"
assert_eq "$u: writes only the textfile directory" /var/lib/prometheus/node-exporter "$(prop $u ReadWritePaths)"
assert_eq "wgbastion-prometheus.timer WantedBy" timers.target "$(prop wgbastion-prometheus.timer WantedBy)"
assert_match "wgbastion-prometheus.timer every 30 s" "^30s$" "$(prop wgbastion-prometheus.timer OnUnitActiveSec)"

# Its ExecStart as systemd runs it (continuation lines joined, $$ -> $),
# on a stand-in wgbastion and a directory of our own.
cmd=$(sed -n '/^ExecStart=/,/[^\\]$/p' systemd/$u | sed 's/^ExecStart=//; s/\\$/ /' | tr -d '\n' |
	sed 's/\$\$/$/g' | sed "s|/usr/bin/wgbastion|$TMP/bin/stub|g; s|/var/lib/prometheus/node-exporter|$TMP/tf|g")
assert_match "ExecStart runs show --prometheus" "stub -c /etc/wgbastion/wgbastion.conf show --prometheus >" "$cmd"
mkdir -p "$TMP/tf"
printf '#!/bin/sh\n[ -n "$STUB_OUT" ] && printf "%%s\\n" "$STUB_OUT"\nexit "$STUB_RC"\n' >"$TMP/bin/stub"
chmod 0755 "$TMP/bin/stub"
run_unit() { # rc output
	STUB_RC=$1 STUB_OUT=$2 eval "$cmd" >/dev/null 2>&1
}
run_unit 0 "wgbastion_up 1"
assert_eq "exit 0: exit status" 0 "$?"
assert_eq "exit 0: the file written" "wgbastion_up 1" "$(cat "$TMP/tf/wgbastion.prom" 2>&1)"
run_unit 2 "wgbastion_config_valid 0"
assert_eq "exit 2 (config): the unit fails" 2 "$?"
assert_eq "exit 2: the metrics that say so are published" "wgbastion_config_valid 0" "$(cat "$TMP/tf/wgbastion.prom" 2>&1)"
run_unit 1 ""
assert_eq "exit 1, nothing printed: the unit fails" 1 "$?"
assert_eq "nothing printed: the previous file stays" "wgbastion_config_valid 0" "$(cat "$TMP/tf/wgbastion.prom" 2>&1)"
assert_eq "no temporary file left" "wgbastion.prom" "$(ls "$TMP/tf")"

if out=$(cd "$TMP/units" && systemd-analyze security --offline=yes ./wgbastion.service 2>/dev/null | tail -1); then
	say "systemd-analyze security: ${out#→ }"
fi
finish
