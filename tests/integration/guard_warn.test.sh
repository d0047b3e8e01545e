#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Warnings that save an evening: apply and show name what would silently eat
# the traffic wgbastion sets up; -q silences them.
#
#   [ bastion netns ]  uplink up0 (default route), second uplink up1
#   other firewalls: a Docker-like `ip filter FORWARD policy drop`, a
#   firewalld-like chain ending in `reject`, iptables-legacy FORWARD DROP;
#   strict rp_filter with src_valid_mark; an egress pinned to up1.
. "$(dirname "$0")/../lib.sh"

netns_add bastion other
veth bastion up0 other o0
veth bastion up1 other o1
ns bastion ip addr add 192.0.2.1/24 dev up0
ns bastion ip addr add 198.51.100.1/24 dev up1
ns bastion ip route add default via 192.0.2.254
keypair bastion
keypair peer

cat >"$TMP/wgb.conf" <<EOC
[Interface]
Name = wgw0
PrivateKeyFile = $TMP/bastion.key
Address = 10.100.0.1/24

[Peer]
PublicKey = $(cat "$TMP/peer.pub")
AllowedIPs = 10.100.0.2/32, 192.168.50.0/24

[Forward web]
Port = 8080
Destination = 192.168.50.10:80

[Egress home]
Source = 192.168.50.0/24
Interface = up1
EOC

warnings() { wgb bastion "$@" -c "$TMP/wgb.conf" apply --dry-run 2>&1 >/dev/null; }

say "a clean host: no warning"
assert_eq "no warnings" "" "$(warnings)"

say "another nftables table drops forwarded traffic"
ns bastion nft add table ip filter
ns bastion nft add chain ip filter FORWARD '{ type filter hook forward priority 0; policy drop; }'
ns bastion nft add table inet firewalld
ns bastion nft add chain inet firewalld filter_FORWARD '{ type filter hook forward priority 10; }'
ns bastion nft add rule inet firewalld filter_FORWARD ct state established,related accept
ns bastion nft add rule inet firewalld filter_FORWARD reject with icmpx admin-prohibited
ns bastion nft add chain inet firewalld filter_harmless '{ type filter hook forward priority 20; }'
ns bastion nft add rule inet firewalld filter_harmless iifname up0 drop
out=$(warnings)
assert_match "policy drop named" "nftables ip filter, chain FORWARD \(hook forward\) has policy drop" "$out"
assert_match "final reject named" "nftables inet firewalld, chain filter_FORWARD \(hook forward\) ends in a rule that drops everything" "$out"
assert_nomatch "a conditional drop is not flagged" "filter_harmless" "$out"
assert_eq "-q silences them" "" "$(warnings -q)"
ns bastion nft delete table ip filter
ns bastion nft delete table inet firewalld

say "iptables-legacy FORWARD policy DROP"
# iptables (tools/deps.sh); the kernel's legacy ip_tables loads on demand
assert_rc "iptables-legacy -P FORWARD DROP" 0 ns bastion iptables-legacy -P FORWARD DROP
assert_match "legacy policy named" "iptables \(legacy\) filter FORWARD has policy DROP" "$(warnings)"
ns bastion iptables-legacy -P FORWARD ACCEPT
assert_nomatch "policy ACCEPT: no warning" "iptables \(legacy\)" "$(warnings)"

say "strict rp_filter with src_valid_mark on the uplink"
ns bastion sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.all.src_valid_mark=1
out=$(warnings)
assert_match "rp_filter + src_valid_mark on up0 named" "strict reverse-path filtering on uplink up0" "$out"
ns bastion sysctl -qw net.ipv4.conf.up0.rp_filter=2
assert_nomatch "loose on up0: quiet" "uplink up0" "$(warnings)"
ns bastion sysctl -qw net.ipv4.conf.all.src_valid_mark=0

say "an egress leaving by an uplink that is not the default route"
out=$(warnings)
assert_match "strict rp_filter on up1 bites egress home" "Egress home leaves by up1, but the default route goes out up0" "$out"
ns bastion sysctl -qw net.ipv4.conf.up1.rp_filter=2
assert_eq "loose on up1: no warning left" "" "$(warnings)"

ns bastion sysctl -qw net.ipv4.conf.up1.rp_filter=1
ns bastion ip route del default
assert_eq "no default route at all: nothing to say" "" "$(warnings)"
ns bastion ip route add default via 192.0.2.254

say "show prints the same warnings"
ns bastion sysctl -qw net.ipv4.conf.up1.rp_filter=1 net.ipv4.conf.all.rp_filter=0
ns bastion sysctl -qw net.ipv4.conf.up1.rp_filter=1
out=$(wgb bastion -c "$TMP/wgb.conf" show 2>&1 >/dev/null)
assert_match "show warns too" "Egress home leaves by up1" "$out"

finish
