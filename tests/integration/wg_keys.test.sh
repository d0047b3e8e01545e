#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Private keys: a missing PrivateKeyFile is created (0600, directory 0700)
# by apply, never by a dry run; the plan never shows a public key for a key
# not yet written (a dry run's would be thrown away), apply prints the one
# it wrote; a key of
# the wrong length, an unreadable or group/world-readable key file is a
# configuration error (exit 2) that touches nothing.
# Topology: see wg_common.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/wg_common.sh"

wg_topology

say "a missing PrivateKeyFile"
KEYFILE=$TMP/etc/wgbastion/private.key
write_conf
assert_rc "check accepts it" 0 wgb bastion -c "$CONF" check
assert_rc "dry run" 3 wgb bastion -c "$CONF" apply --dry-run
assert_match "plan announces the key" "^\+ key $(re "$KEYFILE") \(new; created by apply, which prints its public key\)$" "$(cat "$TMP/out")"
assert_nomatch "dry run prints no public key that apply would not use" "public key [A-Za-z0-9+/]{43}=" "$(cat "$TMP/out")"
[ ! -e "$TMP/etc" ] && pass "dry run created no file or directory" || fail "dry run created $(ls -R "$TMP/etc")"
assert_rc "apply" 0 wgb bastion -c "$CONF" apply
planned=$(sed -n 's/^wgbastion: .*: a new private key; public key \(.*\)$/\1/p' "$TMP/out")
[ -f "$KEYFILE" ] && pass "key file created" || fail "no $KEYFILE"
assert_eq "key file mode" "600" "$(stat -c %a "$KEYFILE")"
assert_eq "key directory mode" "700" "$(stat -c %a "$TMP/etc/wgbastion")"
assert_eq "device has the file's key" "$(wg pubkey <"$KEYFILE")" "$(ns bastion wg show wg0 public-key)"
assert_eq "apply printed that key" "$(wg pubkey <"$KEYFILE")" "$planned"
assert_rc "second apply" 0 wgb bastion -c "$CONF" apply
assert_eq "in sync with the file" "in sync" "$(cat "$TMP/out")"

# far side learns the new key: the tunnel works with it
ns far wg set wgfar peer "$(cat "$TMP/bastion.pub")" remove
ns far wg set wgfar peer "$(wg pubkey <"$KEYFILE")" endpoint 192.0.2.1:51820 \
	allowed-ips 10.100.0.1/32 persistent-keepalive 1
wait_handshake && pass "tunnel up with the generated key" || fail "no handshake with the generated key"

say "bad keys touch nothing"
before=$(wg_conf_dump)
addr_before=$(addrs_of_wg0)
bad() {	# what, then the config is in $CONF
	assert_rc "$1: exit 2" 2 wgb bastion -c "$CONF" apply
	[ -n "$2" ] && assert_match "$1: says why" "$2" "$(cat "$TMP/out")"
	assert_eq "$1: device untouched" "$before" "$(wg_conf_dump)"
	assert_eq "$1: addresses untouched" "$addr_before" "$(addrs_of_wg0)"
}

KEYFILE=$TMP/short.key
head -c 31 /dev/urandom | base64 >"$KEYFILE"
chmod 600 "$KEYFILE"
PORT=51999 write_conf	# a change that must not happen
bad "31-byte key in PrivateKeyFile" 'PrivateKeyFile'

KEYFILE=$TMP/etc/wgbastion/private.key
write_conf
sed -i "s|^PrivateKeyFile = .*|PrivateKey = $(head -c 33 /dev/urandom | base64)|" "$CONF"
sed -i "s|^ListenPort = .*|ListenPort = 51999|" "$CONF"
bad "33-byte PrivateKey" 'PrivateKey'

KEYFILE=$TMP/world.key
cp "$TMP/etc/wgbastion/private.key" "$KEYFILE"
chmod 644 "$KEYFILE"
PORT=51999 write_conf
bad "world-readable key file" '644|chmod'
chmod 640 "$KEYFILE"
bad "group-readable key file" '640|chmod'

KEYFILE=$TMP/adir.key
mkdir -p "$KEYFILE"
PORT=51999 write_conf
bad "unreadable key file (a directory)" 'adir.key'

KEYFILE=$TMP/etc/wgbastion/private.key
PORT=51999 write_conf
sed -i "s|^PublicKey = .*|PublicKey = $(head -c 16 /dev/urandom | base64)|" "$CONF"
bad "16-byte peer PublicKey" 'PublicKey'

say "nothing touched on a fresh host either"
assert_rc "flush" 0 wgb bastion -c "$CONF" flush || true
KEYFILE=$TMP/world.key
chmod 644 "$KEYFILE"
write_conf
assert_rc "apply with a world-readable key" 2 wgb bastion -c "$CONF" apply
assert_rc "no link created" 1 ns bastion ip link show wg0

finish
