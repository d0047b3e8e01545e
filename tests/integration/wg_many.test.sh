#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A device too large for one netlink message: 300 peers with 20 AllowedIPs
# each, and one peer with 2,000. Kernel WireGuard takes the change as many
# SET_DEVICE messages (one peer's AllowedIPs continued across messages) and
# returns it as a multi-message dump (a peer continued under its key); the
# userspace daemon takes it as one long UAPI text. Either way the device
# must end up exactly as configured, and read back equal: the second apply
# is "in sync". Then one peer among 301 changes: one line, one write.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/wg_common.sh"

command -v python3 >/dev/null || { echo "SKIP: python3 needed to write the config"; exit 77; }
netns_add bastion
keypair bastion
CONF=$TMP/many.conf

# write_many N_PEERS KEEPALIVE_OF_PEER_150
write_many() {
	python3 - "$TMP/bastion.key" "$1" "$2" >"$CONF" <<-'EOF'
	import base64, random, sys
	key, n, ka = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	rnd = random.Random(4242)	# the same keys on every run
	def pub():
	    return base64.b64encode(bytes(rnd.getrandbits(8) for _ in range(32))).decode()
	print(f"[Interface]\nName = wg0\nPrivateKeyFile = {key}\nListenPort = 51820\nAddress = 10.255.0.1/16\n")
	big = pub()
	print(f"[Peer]\nPublicKey = {big}")
	print("AllowedIPs = " + ", ".join(f"172.20.{k >> 6}.{(k & 63) * 4}/30" for k in range(2000)) + "\n")
	for i in range(400):
	    p = pub()
	    if i >= n:
	        continue
	    ips = ", ".join(f"10.{16 + (i >> 8)}.{i & 255}.{4 * j}/30" for j in range(20))
	    print(f"[Peer]\nPublicKey = {p}\nAllowedIPs = {ips}")
	    if i == 150 and ka:
	        print(f"PersistentKeepalive = {ka}")
	    print()
	EOF
	chmod 600 "$CONF"
}

write_many 300 0
assert_rc "check" 0 wgb bastion -c "$CONF" check
assert_rc "apply 301 peers, 8,000 AllowedIPs" 0 wgb bastion -c "$CONF" apply
assert_eq "plan: 301 peers" 301 "$(grep -c '^+ peer ' "$TMP/out")"
assert_eq "device: 301 peers" 301 "$(ns bastion wg show wg0 peers | wc -l)"
assert_eq "device: 8,000 AllowedIPs" 8000 "$(ns bastion wg show wg0 allowed-ips | awk '{n += NF - 1} END {print n}')"
assert_eq "the big peer has all 2,000" 2000 "$(ns bastion wg show wg0 allowed-ips | awk 'NF > 1000 {print NF - 1}')"
assert_match "a /30 of peer 299" '10\.17\.43\.76/30' "$(ns bastion wg show wg0 allowed-ips)"

assert_rc "second apply" 0 wgb bastion -c "$CONF" apply
assert_eq "read back equal: in sync" "in sync" "$(cat "$TMP/out")"

write_many 300 25
assert_rc "keepalive of one peer among 301" 0 wgb bastion -c "$CONF" apply
assert_eq "one line" 1 "$(wc -l <"$TMP/out")"
assert_match "that line" '^~ peer .* persistent-keepalive 0 -> 25$' "$(cat "$TMP/out")"
assert_eq "one peer has a keepalive" 1 "$(ns bastion wg show wg0 persistent-keepalive | awk '$2 != "off"' | wc -l)"

write_many 200 25
assert_rc "100 peers fewer" 0 wgb bastion -c "$CONF" apply
assert_eq "100 removals" 100 "$(grep -c '^- peer ' "$TMP/out")"
assert_eq "nothing else" 100 "$(wc -l <"$TMP/out")"
assert_eq "device: 201 peers" 201 "$(ns bastion wg show wg0 peers | wc -l)"
assert_rc "in sync" 0 wgb bastion -c "$CONF" apply --dry-run

assert_rc "flush" 0 wgb bastion -c "$CONF" flush
assert_rc "link gone" 1 ns bastion ip link show wg0

finish
