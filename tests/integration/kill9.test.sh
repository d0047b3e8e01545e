#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kill -9 anywhere (SPEC §5, issue 12's campaign): apply of 1,000 forwards
# (cold, and changing 150 of them both ways) and flush are killed with
# SIGKILL at random moments of their run, 100 times or more
# (WGB_KILL9_ROUNDS). After each kill the same command is run again: an
# apply must converge (exit 0, then a second apply is "in sync"), a flush
# must leave the namespace exactly as it was before the first apply. The
# count of rounds that converged is reported; all must.
#
#     [b] eth0 ---- eth0 [b-out]      b: the bastion; wg0 made by apply
# lane: host only: 100 rounds of 1,000 forwards take an hour under TCG
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apply_common.sh"

command -v python3 >/dev/null || { echo "SKIP: python3 needed to write the configs"; exit 77; }
ROUNDS=${WGB_KILL9_ROUNDS:-100}

bastion_ns b
keypair wg0
keypair peer
# a.conf: 1,000 forwards; b.conf: 100 of them sent elsewhere, 50 gone,
# 50 new ones
python3 - "$TMP" "$(cat "$TMP/peer.pub")" <<'EOF'
import sys
tmp, peer = sys.argv[1], sys.argv[2]
head = f"""[Interface]
Name = wg0
PrivateKeyFile = {tmp}/wg0.key
ListenPort = 51820
Address = 10.100.0.1/24

[Peer]
PublicKey = {peer}
AllowedIPs = 10.100.0.2/32, 192.168.0.0/16

[Egress home]
Source = 192.168.0.0/16
"""
for name, moved, gone, new in (("a", -1, -1, -1), ("b", 100, 50, 50)):
    with open(f"{tmp}/{name}.conf", "w") as f:
        f.write(head)
        for i in range(1000 + max(new, 0)):
            if gone > 0 and 900 <= i < 900 + gone:
                continue
            if new < 0 and i >= 1000:
                continue
            host = 10 + (i % 200) + (1 if moved > 0 and i < moved else 0)
            f.write(f"\n[Forward f{i}]\nPort = {10000 + i}\n"
                    f"Destination = 192.168.{i // 200}.{host}:80\n")
EOF
chmod 600 "$TMP/a.conf" "$TMP/b.conf"
CA=(-c "$TMP/a.conf")
CB=(-c "$TMP/b.conf")
snapshot_norm b >"$TMP/empty"

# how long each command takes here, to pick the moments from
ms() { local s; s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $((($(date +%s%N) - s) / 1000000)); }
t_cold=$(ms wgb b "${CA[@]}" apply)
t_ab=$(ms wgb b "${CB[@]}" apply)
t_ba=$(ms wgb b "${CA[@]}" apply)
t_flush=$(ms wgb b "${CA[@]}" flush)
echo "    durations here: cold apply $t_cold ms, change $t_ab ms and $t_ba ms, flush $t_flush ms"
assert_same "the reference flush leaves the namespace as it was" "$TMP/empty" <(snapshot_norm b)

# kill9 MAX_MS ARGS...: run wgbastion ARGS in b, SIGKILL it after a random
# moment in [0, MAX_MS]; prints the moment
kill9() {
	local max=$1 at
	shift
	at=$((RANDOM * 32768 + RANDOM))
	at=$((at % (max + 1)))
	# not through the wgb function: $! must be wgbastion itself (ip
	# netns exec execs it), not a subshell whose death leaves it running
	ip netns exec b "$WGB" "$@" >/dev/null 2>&1 &
	local pid=$!
	sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# 137: the kill landed while it ran (else it had finished)
	[ $? = 137 ] && echo "$at" >>"$TMP/landed"
	echo "$at"
}

# converge WHAT ARGS...: apply must succeed, then be in sync
converge() {
	local what=$1 out rc
	shift
	out=$(wgb b "$@" apply 2>&1); rc=$?
	if [ "$rc" != 0 ]; then
		fail "$what: apply after the kill exits $rc"
		printf '%s\n' "$out" | sed 's/^/    /' | head -20
		return 1
	fi
	out=$(wgb b "$@" apply 2>&1); rc=$?
	if [ "$rc" != 0 ] || [ "$out" != "in sync" ]; then
		fail "$what: a second apply is not in sync (exit $rc)"
		printf '%s\n' "$out" | sed 's/^/    /' | head -20
		return 1
	fi
}

good=0
for i in $(seq "$ROUNDS"); do
	case $((i % 4)) in
	1)	# cold apply, from nothing
		at=$(kill9 "$t_cold" "${CA[@]}" apply)
		what="round $i: cold apply killed at $at ms"
		converge "$what" "${CA[@]}" && good=$((good + 1)) ;;
	2)	# a -> b
		at=$(kill9 "$t_ab" "${CB[@]}" apply)
		what="round $i: change a->b killed at $at ms"
		converge "$what" "${CB[@]}" && good=$((good + 1)) ;;
	3)	# b -> a
		at=$(kill9 "$t_ba" "${CA[@]}" apply)
		what="round $i: change b->a killed at $at ms"
		converge "$what" "${CA[@]}" && good=$((good + 1)) ;;
	0)	# flush, from a applied
		at=$(kill9 "$t_flush" "${CA[@]}" flush)
		what="round $i: flush killed at $at ms"
		if out=$(wgb b "${CA[@]}" flush 2>&1); then
			snapshot_norm b >"$TMP/now"
			if cmp -s "$TMP/empty" "$TMP/now"; then
				good=$((good + 1))
			else
				fail "$what: the next flush left something"
				diff -u "$TMP/empty" "$TMP/now" | sed 's/^/    /' | head -30
			fi
		else
			fail "$what: the next flush failed"
			printf '%s\n' "$out" | sed 's/^/    /' | head -20
		fi
		;;
	esac
	# each round starts where the one before converged: nothing (1), a
	# (2), b (3), a (0: the flush), nothing again
done
landed=$(wc -l <"$TMP/landed" 2>/dev/null || echo 0)
echo "    kill -9: $good of $ROUNDS rounds converged; $landed kills landed while the command ran"
assert_eq "every round converged" "$ROUNDS" "$good"
# a campaign whose kills all came too late would prove nothing
assert_rc "most kills landed mid-run ($landed of $ROUNDS)" 0 test "$landed" -ge $((ROUNDS / 2))

say "flush at the end"
assert_rc "flush" 0 wgb b "${CA[@]}" flush
assert_same "the namespace as before the first apply" "$TMP/empty" <(snapshot_norm b)

finish
