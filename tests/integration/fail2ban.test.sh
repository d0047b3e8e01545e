#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# docs/logging.md's fail2ban filter and jail, exactly as written there, with
# Debian 12's fail2ban: fail2ban-regex finds the client address in this
# forward's Log lines (IPv4, IPv6) and in no other forward's; the jail's
# action, as fail2ban itself expands it, loads into a namespace's nftables
# and, once an address is banned, that address's forwarded connections
# stop while another client's still pass.
#
# fail2ban is not installed (its package starts a daemon): its .deb is
# downloaded once into the build folder and unpacked there; fail2ban-regex
# and fail2ban-client run from it.
#
#     [c1] 10.9.0.2 ┐
#     [c2] 10.9.0.3 ┴─ sw ── [r] forwards ── 10.9.1.2 [s] (port 8200)
# lane: host only: fail2ban's configuration, nothing of WireGuard
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || { echo "SKIP: python3 is needed (make deps)"; exit 77; }
B=${WGB_BUILD:-build}
case $B in /*) ;; *) B=$WGB_TOP/$B ;; esac
F2B=$B/fail2ban
if ! command -v fail2ban-regex >/dev/null; then
	if [ ! -x "$F2B/root/usr/bin/fail2ban-regex" ]; then
		rm -rf "$F2B" && mkdir -p "$F2B" || exit 1
		(cd "$F2B" && apt-get download -q -o APT::Sandbox::User=root fail2ban >/dev/null 2>&1 ||
			{ apt-get update -qq && apt-get download -q -o APT::Sandbox::User=root fail2ban; }) ||
			{ echo "SKIP: cannot download fail2ban's package (apt-get failed)"; exit 77; }
		dpkg-deb -x "$F2B"/fail2ban_*.deb "$F2B/root" || exit 1
	fi
	export PYTHONPATH=$F2B/root/usr/lib/python3/dist-packages
	f2b_regex() { python3 "$F2B/root/usr/bin/fail2ban-regex" "$@"; }
	f2b_client() { python3 "$F2B/root/usr/bin/fail2ban-client" "$@"; }
	ETC=$F2B/root/etc/fail2ban
else
	f2b_regex() { fail2ban-regex "$@"; }
	f2b_client() { fail2ban-client "$@"; }
	ETC=/etc/fail2ban
fi

# the ```ini block after the line that names FILE in docs/logging.md
doc_block() {
	awk -v f="$1" 'index($0, f) { on = 1; next }
		on == 1 && /^```ini/ { on = 2; next }
		on == 2 && /^```/ { exit }
		on == 2 { print }' "$WGB_TOP/docs/logging.md"
}
mkdir -p "$TMP/conf"
cp -r "$ETC/." "$TMP/conf/"
rm -f "$TMP/conf/jail.d/"*
doc_block filter.d/wgbastion.conf >"$TMP/conf/filter.d/wgbastion.conf"
doc_block jail.d/wgbastion.conf >"$TMP/conf/jail.d/wgbastion.conf"
assert_match "the filter is in the docs" '^failregex' "$(cat "$TMP/conf/filter.d/wgbastion.conf")"
assert_match "the jail is in the docs" '^banaction' "$(cat "$TMP/conf/jail.d/wgbastion.conf")"

say "the filter: the docs' example line, as the kernel log carries it"
# the docs' example is forward web's; the filter is for forward ssh
ex=$(sed -n 's/^    \(wgbastion web: IN=.*\)/\1/p' "$WGB_TOP/docs/logging.md")
assert_match "the docs show a Log line" 'SRC=198\.51\.100\.10 ' "$ex"
{
	echo "Dec  3 08:00:00 bastion kernel: [  123.456789] ${ex/wgbastion web:/wgbastion ssh:}"
	echo "Dec  3 08:00:01 bastion kernel: [  124.000001] $ex"
	echo "Dec  3 08:00:02 bastion kernel: [  125.000002] ${ex/wgbastion web:/wgbastion ssh:}" |
		sed 's/SRC=198\.51\.100\.10 DST=192\.168\.50\.10/SRC=2001:db8::7 DST=fd00:50::10/'
	echo "Dec  3 08:00:03 bastion kernel: [  126.000003] ${ex/wgbastion web:/wgbastion sshd:}"
} >"$TMP/kern.log"
out=$(f2b_regex "$TMP/kern.log" "$TMP/conf/filter.d/wgbastion.conf" 2>&1)
assert_match "fail2ban-regex: ssh's two lines, not web's nor sshd's" '^Lines: 4 lines, 0 ignored, 2 matched, 2 missed' "$out"
assert_eq "the addresses found" "198.51.100.10
2001:db8::7" "$(f2b_regex -o ip "$TMP/kern.log" "$TMP/conf/filter.d/wgbastion.conf" 2>&1)"

say "the jail, as fail2ban expands it"
f2b_client -c "$TMP/conf" -d >"$TMP/dump" 2>&1
assert_match "fail2ban-client reads the configuration" "^\['start', 'wgbastion-ssh'\]" "$(cat "$TMP/dump")"
# fail2ban's own interpolation of <tags>, for IPv4 (its defaults)
python3 - "$TMP/dump" "$TMP" <<'EOF'
import ast, re, sys
acts = {}
for line in open(sys.argv[1]):
    if line.startswith("['multi-set', 'wgbastion-ssh', 'action'"):
        for k, v in ast.literal_eval(line)[4]:
            acts[k] = v
def expand(s, depth=0):
    return re.sub(r"<([a-z_]+)>", lambda m: expand(acts[m.group(1)], depth + 1)
                  if m.group(1) in acts and depth < 10 else m.group(0), s)
for k in ("actionstart", "actionban"):
    s = expand(acts[k]).replace("<ip>", "10.9.0.2")
    open(sys.argv[2] + "/" + k, "w").write(s)
EOF
assert_match "the chain hooks forward" 'hook forward' "$(cat "$TMP/actionstart")"

netns_add c1 c2 r s
ip -n r link add sw type bridge && ip -n r link set sw up
veth c1 eth0 r p1 && ip -n r link set p1 master sw
veth c2 eth0 r p2 && ip -n r link set p2 master sw
veth r eth1 s eth0
ip -n c1 addr add 10.9.0.2/24 dev eth0 && ip -n c1 route add default via 10.9.0.1
ip -n c2 addr add 10.9.0.3/24 dev eth0 && ip -n c2 route add default via 10.9.0.1
ip -n r addr add 10.9.0.1/24 dev sw && ip -n r addr add 10.9.1.1/24 dev eth1
ip -n s addr add 10.9.1.2/24 dev eth0 && ip -n s route add default via 10.9.1.1
ns r sysctl -qw net.ipv4.ip_forward=1
PY=$WGB_TOP/tests/integration/nftlab_net.py
ns_bg s python3 "$PY" serve 8200 >"$TMP/serve.out" 2>&1
for _ in $(seq 100); do grep -q listening "$TMP/serve.out" && break; sleep 0.05; done

assert_match "before the ban: c1 gets through" '^n=3 peer=10.9.0.2$' "$(ns c1 python3 "$PY" send 10.9.0.2 10.9.1.2 8200 3 3)"
assert_rc "actionstart loads" 0 ns r sh -e "$TMP/actionstart"
assert_rc "actionban bans 10.9.0.2" 0 ns r sh -e "$TMP/actionban"
assert_nomatch "after the ban: c1 does not" '^n=' "$(ns c1 python3 "$PY" send 10.9.0.2 10.9.1.2 8200 3 2)"
assert_match "c2 still does" '^n=3 peer=10.9.0.3$' "$(ns c2 python3 "$PY" send 10.9.0.3 10.9.1.2 8200 3 3)"

finish
