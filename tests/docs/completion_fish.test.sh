#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# completions/wgbastion.fish: loads, and completes what the binary accepts
# (fish's `complete -C LINE` prints what <TAB> would offer).
. "$(dirname "$0")/lib.sh"

command -v fish >/dev/null || skip "fish not installed (make deps installs it)"
[ -x ./wgbastion ] || skip "./wgbastion not built (make)"

say "loads"
out=$(HOME=$TMP fish --no-config -c 'source completions/wgbastion.fish' 2>&1)
assert_eq "fish -c 'source ...' says nothing" "" "$out"

# comp LINE: the candidates, without descriptions, sorted
comp() {
	HOME=$TMP fish --no-config -c 'source completions/wgbastion.fish; complete -C $argv[1]' "$1" 2>&1 |
		cut -f1 | sort | tr '\n' ' ' | sed 's/ $//'
}
say "commands and options"
assert_eq "wgbastion a<TAB>" "apply" "$(comp 'wgbastion a')"
all=$(wgb_help_commands | sort | tr '\n' ' ' | sed 's/ $//')
assert_eq "wgbastion <TAB>: every command of --help" "$all" "$(comp 'wgbastion ')"
globals=$(comp 'wgbastion -')
for o in $(wgb_help_options) -c -v -q -h -V; do
	assert_match "wgbastion -<TAB> offers $o" "(^| )$o( |$)" "$globals"
done
assert_eq "wgbastion apply --<TAB>" "--confirm --dry-run" "$(comp 'wgbastion apply --')"
assert_eq "wgbastion show --<TAB>" "--json --prometheus" "$(comp 'wgbastion show --')"
assert_eq "wgbastion show --prometheus --<TAB>: they exclude each other" "" "$(comp 'wgbastion show --prometheus --')"
assert_eq "wgbastion -c x.conf s<TAB>" "show" "$(comp 'wgbastion -c x.conf s')"
assert_eq "no global options after the command" "" "$(comp 'wgbastion check --')"

say "-c completes .conf files and directories"
mkdir -p "$TMP/cfg/sub"
touch "$TMP/cfg/a.conf" "$TMP/cfg/b.conf" "$TMP/cfg/notes.txt"
assert_eq "wgbastion -c DIR/<TAB>" "$TMP/cfg/a.conf $TMP/cfg/b.conf $TMP/cfg/sub/" "$(comp "wgbastion -c $TMP/cfg/")"
assert_eq "wgbastion --config DIR/b<TAB>" "$TMP/cfg/b.conf" "$(comp "wgbastion --config $TMP/cfg/b")"
finish
