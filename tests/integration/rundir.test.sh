#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The run directory (SPEC §5, core/rundir.h): one per network namespace,
# and its records are not trusted blindly.
#
#  - two namespaces, one same-named instance (wg0) in each: each keeps its
#    own records and lock; flushing one leaves the other's ip_forward and
#    records, and the other's flush still restores its host;
#  - a .sysctl record naming a file outside /proc/sys/net, or holding a
#    non-numeric value, is warned about (FILE:LINE), not followed, and
#    neither wedges apply nor stops flush restoring the rest;
#  - a .instance record naming another instance (or a path) is refused:
#    flush does not remove the other instance's rule, route and table;
#  - a symbolic link in a record's place is not followed.
#
#     [a] eth0 ---- eth0 [a-out]        [b] eth0 ---- eth0 [b-out]
#         wg0                               wg0 (wg1)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apply_common.sh"

bastion_ns a
bastion_ns b
write_config "$TMP/wg0.conf" wg0
write_config "$TMP/wg1.conf" wg1 "" "Table = 51822" "Mark = 0x4000000/0x4000000" \
	"Priority = 5211" "IngressConnMark = 0x1000000" "EgressConnMark = 0x2000000"
# wireguard-go keeps its UAPI socket in /run/wireguard/NAME.sock, one
# directory for every network namespace: b's wgbastion (and the daemons it
# starts) get a /run/wireguard of their own, in a mount namespace kept for
# the test (its /run/wgbastion is the test's: the same tmpfs). A process
# holds that namespace (entered by its pid): binding the namespace to a
# file (unshare --mount=FILE) is refused inside the test's own mount
# namespace on some kernels. Entered with the holder's root and working
# directory too: setns() alone puts a chrooted caller (a CI root) at the
# namespace's real root, outside its checkout.
unshare --mount --propagation private sh -c 'mount -t tmpfs wgb-b-wg /run/wireguard && exec sleep 100000' &
BHOLD=$!
WGB_PIDS+=("$BHOLD")
for _ in $(seq 100); do
	nsenter --target "$BHOLD" --mount --root --wd sh -c 'grep -q " /run/wireguard tmpfs " /proc/self/mounts' 2>/dev/null && break
	sleep 0.05
done
nsenter --target "$BHOLD" --mount --root --wd sh -c 'grep -q " /run/wireguard tmpfs " /proc/self/mounts' ||
	{ echo "FAIL: no mount namespace with its own /run/wireguard for b"; exit 1; }
wgb() {
	local n=$1
	shift
	if [ "$n" = b ]; then
		nsenter --target "$BHOLD" --mount --root --wd ip netns exec b "$WGB" "$@"
	else
		ns "$n" "$WGB" "$@"
	fi
}
C0=(-c "$TMP/wg0.conf")
C1=(-c "$TMP/wg1.conf")
RA=$(wgb_rundir a)
RB=$(wgb_rundir b)
fwd() { ns "$1" sysctl -n net.ipv4.ip_forward; }
# a config that no longer parses: flush finds the instance by its record
broken() { cp "$TMP/wg0.conf" "$TMP/wg0.good"; echo "Nonsense = 1" >>"$TMP/wg0.conf"; }
mended() { cp "$TMP/wg0.good" "$TMP/wg0.conf"; }

say "two namespaces, one instance name"
assert_rc "apply wg0 in a" 0 wgb a "${C0[@]}" apply
assert_rc "apply wg0 in b" 0 wgb b "${C0[@]}" apply
assert_eq "ip_forward on in both" "1 1" "$(fwd a) $(fwd b)"
[ "$RA" != "$RB" ] && pass "two run directories: $RA $RB" || fail "one run directory for two namespaces"
# (wg0.input, the config's index, is kept only once the config is 3 s old)
assert_eq "a's records in a's directory" "wg0.instance wg0.lock wg0.nftgen wg0.nfttable wg0.sysctl" "$(ls "$RA" | grep -v -e records-lock -e '\.input$' | xargs)"
assert_eq "b's records in b's directory" "wg0.instance wg0.lock wg0.nftgen wg0.nfttable wg0.sysctl" "$(ls "$RB" | grep -v -e records-lock -e '\.input$' | xargs)"
assert_eq "nothing in the plain directory" "" "$(ls /run/wgbastion | grep -v '^ns-')"
assert_eq "directories 0700" "drwx------ drwx------" "$(stat -c %A "$RA" "$RB" | xargs)"

assert_rc "flush wg0 in a" 0 wgb a "${C0[@]}" flush
assert_eq "a's ip_forward back, b's still on" "0 1" "$(fwd a) $(fwd b)"
assert_eq "b's records stay" "wg0.instance wg0.nftgen wg0.nfttable wg0.sysctl" "$(ls "$RB" | grep -v -e lock -e '\.input$' | xargs)"
assert_eq "b: apply finds everything done" "in sync" "$(wgb b "${C0[@]}" apply 2>&1 | tail -1)"
broken
out=$(wgb b "${C0[@]}" flush 2>&1); rc=$?
mended
assert_eq "b: flush by its record exits 0" 0 "$rc"
assert_match "b: flush found its instance" "flushing instance wg0 as recorded" "$out"
assert_eq "b's ip_forward back" 0 "$(fwd b)"

say "a hostile .sysctl record"
victim=$TMP/victim
echo 1 >"$victim"
assert_rc "apply wg0 in b" 0 wgb b "${C0[@]}" apply
rel="net/../../..$victim"	# /proc/sys/$rel is $victim
[ ${#rel} -lt 64 ] || fail "test setup: $rel is too long to be tried"
{
	echo "$rel=7"
	echo "net/ipv4/conf/wg0/rp_filter=lots"
	echo "kernel/core_pattern=0"
	cat "$RB/wg0.sysctl"
} >"$RB/wg0.sysctl.new"
mv "$RB/wg0.sysctl.new" "$RB/wg0.sysctl"
out=$(wgb b "${C0[@]}" apply 2>&1); rc=$?
assert_eq "apply is not wedged" 0 "$rc"
assert_match "it names the file and line" "warning: $RB/wg0.sysctl:1: \"$rel\": not a sysctl wgbastion sets for wg0; line ignored" "$out"
assert_match "and the non-numeric one" "warning: $RB/wg0.sysctl:2: net/ipv4/conf/wg0/rp_filter: \"lots\": not a number from 0 to 2; line ignored" "$out"
assert_match "and the foreign sysctl" "warning: $RB/wg0.sysctl:3: \"kernel/core_pattern\"" "$out"
assert_eq "said once each" 1 "$(printf '%s\n' "$out" | grep -c 'wg0.sysctl:1:')"
assert_eq "the victim untouched by apply" 1 "$(cat "$victim")"
cat >"$RB/wg0.sysctl" <<EOF
$rel=7
net/ipv4/ip_forward=0
EOF
out=$(wgb b "${C0[@]}" flush 2>&1); rc=$?
assert_eq "flush exits 0" 0 "$rc"
assert_match "flush warns" "wg0.sysctl:1: \"$rel\": not a sysctl" "$out"
assert_eq "the victim untouched by flush" 1 "$(cat "$victim")"
assert_eq "flush restores the rest: ip_forward back" 0 "$(fwd b)"
assert_eq "no record left" "" "$(ls "$RB" | grep -v lock | xargs)"

say "a symbolic link in a record's place"
echo "net/ipv4/ip_forward=0" >"$TMP/elsewhere"
assert_rc "apply wg0 in b" 0 wgb b "${C0[@]}" apply
rm "$RB/wg0.sysctl"
ln -s "$TMP/elsewhere" "$RB/wg0.sysctl"
out=$(wgb b "${C0[@]}" flush 2>&1); rc=$?
assert_eq "flush exits 0" 0 "$rc"
assert_match "flush says the link is refused" "warning: $RB/wg0.sysctl: is a symbolic link, not a record; ignored" "$out"
assert_eq "the link's target untouched" "net/ipv4/ip_forward=0" "$(cat "$TMP/elsewhere")"
assert_eq "ip_forward not set from the link's target" 1 "$(fwd b)"
ns b sysctl -qw net.ipv4.ip_forward=0

say "a .instance record naming another instance"
assert_rc "apply wg0 in b" 0 wgb b "${C0[@]}" apply
assert_rc "apply wg1 in b" 0 wgb b "${C1[@]}" apply
rules1=$(ours_rules b -4 51822)
[ -n "$rules1" ] && pass "wg1's rule is there" || fail "wg1's rule is missing"
sed -i "s/^name=wg0\$/name=wg1/; s/^table=51821\$/table=51822/; s/^mark=.*/mark=0x4000000/; s/^mask=.*/mask=0x4000000/; s/^priority=.*/priority=5211/" "$RB/wg0.instance"
broken
out=$(wgb b "${C0[@]}" flush 2>&1); rc=$?
assert_match "the record is refused, naming file and line" \
	"warning: $RB/wg0.instance:2: name: \"wg1\": not the record's own name; record ignored" "$out"
assert_nomatch "wg1 is not flushed" "flushing instance wg1" "$out"
assert_eq "wg1's rule stays" "$rules1" "$(ours_rules b -4 51822)"
assert_match "wg1's route stays" "default dev wg1" "$(ours_routes b -4 51822)"
assert_match "wg1's table stays" "table inet wgbastion-wg1" "$(ns b nft list tables)"

sed -i "s|^name=.*|name=../../tmp/x|" "$RB/wg0.instance"
out=$(wgb b "${C0[@]}" flush 2>&1)
mended
assert_match "a path as name is refused" "wg0.instance:2: name: \"../../tmp/x\": not the record's own name" "$out"
assert_eq "no file made elsewhere" "" "$(ls /tmp/x.* /run/tmp 2>/dev/null)"
assert_rc "wg1 flushes" 0 wgb b "${C1[@]}" flush
assert_rc "wg0 flushes by its config" 0 wgb b "${C0[@]}" flush
assert_eq "ip_forward back" 0 "$(fwd b)"
finish
