#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# wgbastion.1: lints clean, and documents every command, option, key,
# exit status, file and environment variable.
. "$(dirname "$0")/lib.sh"

command -v mandoc >/dev/null || skip "mandoc not installed (make deps installs it)"
[ -x ./wgbastion ] || skip "./wgbastion not built (make)"

say "mandoc -Tlint"
# the only messages allowed are about this machine's man database
# (mandoc.db out of date, or a referenced page not installed here)
out=$(mandoc -Tlint wgbastion.1 2>&1 | grep -vE 'outdated mandoc.db|referenced manual not found')
assert_eq "mandoc -Tlint wgbastion.1 says nothing" "" "$out"
out=$(groff -ww -z -mandoc wgbastion.1 2>&1)
assert_eq "groff -ww -z says nothing" "" "$out"

say "content"
text=$(mandoc -Tutf8 wgbastion.1 2>/dev/null | col -bx)
section() { printf '%s\n' "$text" | sed -n "/^$1\$/,/^[A-Z][A-Z ]*\$/p"; }
for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS CONFIGURATION ENVIRONMENT FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
	assert_match "section $s" "^$s\$" "$text"
done
for c in $(wgb_help_commands); do
	assert_match "command $c in SYNOPSIS" "wgbastion .*\\b$c\\b" "$(section SYNOPSIS)"
	assert_match "command $c in COMMANDS" "^     $c\\b" "$(section COMMANDS)"
done
for o in $(wgb_help_options) -c -v -q -h -V; do
	assert_match "global option $o" "(^|[ ,|])$o\\b" "$(section OPTIONS)"
done
for o in --dry-run --confirm --json --prometheus; do
	assert_match "command option $o" "$o" "$(section COMMANDS)"
done
for k in $WGB_KEYS; do
	assert_match "key $k = ..." "^     $k = " "$(section CONFIGURATION)"
done
for s in '\[Interface\]' '\[Peer\]' '\[Forward name\]' '\[Egress name\]' '\[Bastion\]'; do
	assert_match "config section $s" "^   $s\$" "$(section CONFIGURATION)"
done
# defaults that SPEC and model.h fix
defaults=$(sed -n 's/^#define WGB_DEFAULT_\([A-Z_]*\)[[:space:]]\+\([0-9a-fx]*\)u\?$/\1 \2/p' src/config/model.h)
[ -n "$defaults" ] || fail "no defaults found in src/config/model.h"
while read -r what val; do
	case $what in
	PORT) key=ListenPort ;; MTU) key=MTU ;; TABLE) key=Table ;; PRIORITY) key=Priority ;;
	MARK) key=Mark ;; MARK_MASK) key=Mark ;; CT_INGRESS) key=IngressConnMark ;; CT_EGRESS) key=EgressConnMark ;;
	*) continue ;;
	esac
	# the key's paragraph, up to the next key
	para=$(section CONFIGURATION | sed -n "/^     $key = /,/^     [A-Za-z]* = /p" | tr -s ' \n' ' ')
	assert_match "$key: default $val (model.h)" "Default: [^.]*\\b$val\\b" "$para"
done <<<"$defaults"
assert_match "Name defaults to wg0" "Default: wg0" "$(section CONFIGURATION | tr -s ' \n' ' ')"
assert_match "PrivateKeyFile is created 0600" "creates it, mode 0600" "$(section CONFIGURATION | tr -s ' \n' ' ')"
for st in 0 1 2 3; do
	assert_match "exit status $st" "^     $st " "$(section 'EXIT STATUS')"
done
for e in WGBASTION_CONFIG WG_QUICK_USERSPACE_IMPLEMENTATION; do
	assert_match "environment $e" "^     $e\$" "$(section ENVIRONMENT)"
done
for f in /etc/wgbastion/wgbastion.conf /run/wgbastion/; do
	assert_match "file $f" "^     $f\$" "$(section FILES)"
done
for x in 'wg\(8\)' 'wg-quick\(8\)' 'nft\(8\)' 'ip-rule\(8\)'; do
	assert_match "SEE ALSO $x" "$x" "$(section 'SEE ALSO')"
done
finish
