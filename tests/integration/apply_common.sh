# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Shared by the issue-3 suites (apply, flush, rollback, concurrency,
# foreign): a bastion namespace with an uplink, configs for one or two
# instances, and full dumps of what apply could touch. Source after
# tests/lib.sh.
#
#     [bastion] eth0 ---- eth0 [outside]
#        wg0 (wg1): made by apply (the wg stage)

EXPECTED=$(dirname "$0")/expected

# bastion_ns NS: the namespace, an uplink whose IPv6 takes router
# advertisements (accept_ra = 1, as on a cloud VM), and strict rp_filter
# (all = 1) so that the tunnel's loose setting is needed.
bastion_ns() {
	local n=$1 m
	netns_add "$n" "$n-out"
	# no duplicate address detection: its late completion would change
	# the dumps (and wake ip monitor) in the middle of a test
	for m in "$n" "$n-out"; do
		ns "$m" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
	veth "$n" eth0 "$n-out" eth0
	ns "$n" ip addr add 198.51.100.1/24 dev eth0
	ns "$n" sysctl -qw net.ipv4.conf.all.rp_filter=1
	ns "$n" sysctl -qw net.ipv6.conf.eth0.accept_ra=1
}

# write_config FILE NAME [v6] [knobs...]: an instance with two forwards
# (one IPv6 with "v6"), egress, and optional [Bastion] lines.
write_config() {
	local f=$1 name=$2 v6=${3:-} port
	shift 3 2>/dev/null || shift $#
	[ -f "$TMP/$name.key" ] || keypair "$name"
	[ -f "$TMP/$name-peer.key" ] || keypair "$name-peer"
	port=$((51820 + ${name#wg}))
	{
		echo "[Interface]"
		echo "Name = $name"
		echo "PrivateKeyFile = $TMP/$name.key"
		echo "ListenPort = $port"
		echo "Address = 10.10$((${name#wg})).0.1/24${v6:+, fd10:$((${name#wg}))::1/64}"
		echo
		echo "[Peer]"
		echo "PublicKey = $(cat "$TMP/$name-peer.pub")"
		echo "AllowedIPs = 10.10$((${name#wg})).0.2/32, 192.168.5$((${name#wg})).0/24, fd00:5$((${name#wg}))::/64"
		echo
		echo "[Forward web]"
		echo "Port = $((8080 + ${name#wg}))"
		echo "Destination = 192.168.5$((${name#wg})).10:80"
		if [ -n "$v6" ]; then
			echo
			echo "[Forward web6]"
			echo "Port = $((8080 + ${name#wg}))"
			echo "Destination = [fd00:5$((${name#wg}))::10]:80"
		fi
		echo
		echo "[Egress home]"
		echo "Source = 192.168.5$((${name#wg})).0/24"
		if [ $# -gt 0 ]; then
			echo
			echo "[Bastion]"
			printf '%s\n' "$@"
		fi
	} >"$f"
}

# Everything apply may touch, as text: rules, routes, links, addresses,
# the nftables ruleset, the forwarding sysctls, and the records under
# the namespace's run directory (which instances exist, the sysctls'
# original values).
# A route's "linkdown" is dropped: it follows the tunnel link's carrier
# (a TUN device's, with wireguard-go), which is not what these compare.
snapshot() {
	local n=$1 r
	r=$(wgb_rundir "$n")
	{
		echo "## ip -4 rule"; ns "$n" ip -4 rule
		echo "## ip -6 rule"; ns "$n" ip -6 rule
		echo "## ip -4 route"; ns "$n" ip -4 route show table all
		echo "## ip -6 route"; ns "$n" ip -6 route show table all
		echo "## links"; ns "$n" ip -o link show
		echo "## addresses"; ns "$n" ip -o addr show
		echo "## nft"; ns "$n" nft list ruleset
		echo "## sysctl"
		ns "$n" sysctl -a 2>/dev/null | grep -E '^net\.ipv4\.ip_forward |^net\.ipv4\.conf\..*\.rp_filter |^net\.ipv6\.conf\..*\.(accept_ra|forwarding) ' | sort
		echo "## records"
		for f in "$r"/*.instance; do [ -f "$f" ] && echo "$f"; done
		for f in "$r"/*.sysctl; do [ -f "$f" ] && { echo "$f"; cat "$f"; }; done
	} 2>&1 | sed 's/ linkdown//'
}

# The same, for states where the tunnel may have been made anew (flush and
# apply again): interface indexes and IPv6 link-local addresses differ
# then, and so does the order they sort lines in.
snapshot_norm() {
	snapshot "$1" | sed -E 's/^[0-9]+: /N: /; s/@if[0-9]+/@ifN/; s/fe80::[0-9a-f:]+/fe80::LL/g' | sort
}

# assert_same WHAT FILE-BEFORE FILE-AFTER: identical dumps, or the diff.
assert_same() {
	if cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1: the state differs"
		diff -u "$2" "$3" | sed 's/^/    /' | head -60
	fi
}

# Ours, as text: the lines of the dumps that name this instance.
ours_rules() { ns "$1" ip "$2" rule | grep -E "from all fwmark .* lookup $3 proto 87\$" ; }
ours_routes() { ns "$1" ip "$2" route show table "$3" | sed 's/ linkdown//; s/ *$//'; }

# Lines of the sysctls this suite checks, for an expected file.
sysctl_dump() {
	ns "$1" sysctl net.ipv4.ip_forward "net.ipv4.conf.$2.rp_filter" \
		net.ipv6.conf.all.forwarding net.ipv6.conf.default.accept_ra \
		net.ipv6.conf.eth0.accept_ra net.ipv6.conf.lo.accept_ra 2>&1
}

# Compares a dump with tests/integration/expected/FILE.
assert_expected() {	# what file actual
	assert_eq "$1 (expected/$2)" "$(cat "$EXPECTED/$2" 2>&1)" "$3"
}

# Plan lines of one kind from apply's output: plan_lines OUT 'rule|route'
plan_lines() { printf '%s\n' "$1" | grep -E "^[-+~] ($2) " ; }
