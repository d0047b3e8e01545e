# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Sourced by the tests of what ships besides the binary (man page,
# completions, systemd units, install, docs). They touch no kernel state and
# need no root: unlike tests/lib.sh, no namespaces, just a temp dir and the
# same assertion vocabulary.
set -u
WGB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/env.sh
. "$WGB_TOP/tests/env.sh"
cd "$WGB_TOP" || exit 1
TMP=$(mktemp -d /tmp/wgbdocs.XXXXXX)
WGB_FAILS=0
trap 'rm -rf "$TMP"' EXIT

say() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; WGB_FAILS=$((WGB_FAILS + 1)); }
pass() { printf 'ok: %s\n' "$*"; }
skip() { echo "SKIP: $*"; exit 77; }
assert_eq() {	# what expected actual
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1: expected [$2], got [$3]"; fi
}
assert_match() {	# what regex text
	if printf '%s\n' "$3" | grep -qE -- "$2"; then pass "$1"; else fail "$1: /$2/ not in:"; printf '%s\n' "$3" | sed 's/^/    /'; fi
}
assert_nomatch() {
	if printf '%s\n' "$3" | grep -qE -- "$2"; then fail "$1: /$2/ unexpectedly in:"; printf '%s\n' "$3" | sed 's/^/    /'; else pass "$1"; fi
}
finish() { [ "$WGB_FAILS" -eq 0 ] && { echo "all assertions passed"; exit 0; }; echo "$WGB_FAILS assertion(s) failed"; exit 1; }

# The commands and global long options, as the binary's own --help lists
# them: what the man page and every completion must know.
wgb_help_commands() { ./wgbastion -h | sed -n '/^Commands:/,/^$/s/^  \([a-z-]\+\) .*/\1/p'; }
wgb_help_options() { ./wgbastion -h | sed -n '/^Options:/,$p' | grep -oE -- '--[a-z-]+'; }

# Every configuration key: SPEC §3 plus the extension keys.
WGB_KEYS="Name PrivateKey PrivateKeyFile ListenPort Address MTU FwMark
PublicKey PresharedKey PresharedKeyFile AllowedIPs Endpoint PersistentKeepalive
Protocol Port Destination Allow Masquerade Shadow RateLimit ConnLimit Log AllowFile
Source Deny Interface
Table Mark Priority IngressConnMark EgressConnMark"
