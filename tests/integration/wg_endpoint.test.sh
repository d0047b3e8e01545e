#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Endpoints: the bastion dials out. Host names are resolved by apply (never
# by check), the resolved address is what the plan shows and what the
# device gets; a name that now resolves elsewhere is a change; an IPv6
# endpoint works; a name that does not resolve fails apply (exit 1) with
# the config line, touching nothing. Names come from /etc/hosts, bound over
# in this test's private mount namespace only.
# Topology: see wg_common.sh; here the far side has no endpoint and listens
# on 51821, the bastion's config names it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/wg_common.sh"

wg_topology
ns far ip addr add 192.0.2.3/24 dev eth0
ns far ip addr add fd00::2/64 dev eth0 nodad
ns bastion ip addr add fd00::1/64 dev eth0 nodad
ns far wg set wgfar listen-port 51821 peer "$(cat "$TMP/bastion.pub")" remove
ns far wg set wgfar peer "$(cat "$TMP/bastion.pub")" allowed-ips 10.100.0.1/32

# $TMP/hosts is what resolves (the test edits it in place below)
: >"$TMP/hosts"
[ -e /etc/hosts ] && cat /etc/hosts >"$TMP/hosts"
echo "192.0.2.2 far.wgb.test" >>"$TMP/hosts"
if [ -e /etc/hosts ]; then
	mount --bind "$TMP/hosts" /etc/hosts
else
	# A minimal Debian root has no /etc/hosts, and / may be read-only (the
	# kernel lane): a writable layer over /etc, in this test's mount
	# namespace only, kept on its private /run (a tmpfs: an overlay's
	# upper layer cannot be on every file system /tmp may be on).
	mkdir /run/wgb-etc /run/wgb-etc/up /run/wgb-etc/work &&
		mount -t overlay -o "lowerdir=/etc,upperdir=/run/wgb-etc/up,workdir=/run/wgb-etc/work" wgb-etc /etc &&
		ln -sf "$TMP/hosts" /etc/hosts
fi || { fail "cannot put far.wgb.test in /etc/hosts"; finish; }

say "check does not resolve"
write_conf "Endpoint = nowhere.wgb.invalid:51821"
assert_rc "check with an unresolvable name" 0 wgb bastion -c "$CONF" check
assert_rc "apply with it: run-time failure" 1 wgb bastion -c "$CONF" apply
assert_match "names the line and the name" "wgbastion.conf:[0-9]+: Endpoint: \"nowhere.wgb.invalid:51821\": cannot resolve" "$(cat "$TMP/out")"
assert_rc "nothing created" 1 ns bastion ip link show wg0

say "a host name, resolved by apply"
write_conf "Endpoint = far.wgb.test:51821
PersistentKeepalive = 1"
assert_rc "apply" 0 wgb bastion -c "$CONF" apply
assert_match "plan shows the address" "^\+ peer $FARPUB_RE allowed-ips .* endpoint 192.0.2.2:51821 persistent-keepalive 1$" "$(cat "$TMP/out")"
assert_eq "device endpoint" "$FARPUB	192.0.2.2:51821" "$(ns bastion wg show wg0 endpoints)"
assert_rc "bastion dials in: ping" 0 nsping bastion -c2 -W2 10.100.0.2
assert_rc "again: in sync" 0 wgb bastion -c "$CONF" apply
assert_eq "in sync" "in sync" "$(cat "$TMP/out")"

say "the name moves"
# rewritten in place: the bind mount holds the file's inode
sed 's/^192.0.2.2 far.wgb.test/192.0.2.3 far.wgb.test/' "$TMP/hosts" >"$TMP/hosts.new"
cat "$TMP/hosts.new" >"$TMP/hosts"
assert_rc "apply" 0 wgb bastion -c "$CONF" apply
assert_eq "one line" "~ peer $FARPUB endpoint 192.0.2.2:51821 -> 192.0.2.3:51821" "$(cat "$TMP/out")"
assert_eq "device endpoint" "$FARPUB	192.0.2.3:51821" "$(ns bastion wg show wg0 endpoints)"
assert_rc "ping over the new path" 0 nsping bastion -c1 -W2 10.100.0.2

say "an IPv6 endpoint"
write_conf "Endpoint = [fd00::2]:51821
PersistentKeepalive = 1"
assert_rc "apply" 0 wgb bastion -c "$CONF" apply
assert_eq "one line" "~ peer $FARPUB endpoint 192.0.2.3:51821 -> [fd00::2]:51821" "$(cat "$TMP/out")"
assert_eq "device endpoint" "$FARPUB	[fd00::2]:51821" "$(ns bastion wg show wg0 endpoints)"
assert_rc "ping over IPv6 transport" 0 nsping bastion -c1 -W2 10.100.0.2
assert_rc "again: in sync" 0 wgb bastion -c "$CONF" apply --dry-run

say "an unresolvable name on a live device touches nothing"
before=$(wg_conf_dump)
write_conf "Endpoint = nowhere.wgb.invalid:51821"
assert_rc "apply: exit 1" 1 wgb bastion -c "$CONF" apply
assert_eq "device untouched" "$before" "$(wg_conf_dump)"

finish
