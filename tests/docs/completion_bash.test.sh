#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# completions/wgbastion.bash: loads, and completes what the binary accepts.
. "$(dirname "$0")/lib.sh"

[ -x ./wgbastion ] || skip "./wgbastion not built (make)"

say "loads"
out=$(bash -c 'source completions/wgbastion.bash && complete -p wgbastion' 2>&1)
assert_eq "source, then complete -p" "complete -F _wgbastion wgbastion" "$out"

# Drive _wgbastion as bash would: COMP_WORDS/COMP_CWORD in, COMPREPLY out.
# comp WORD... : completes the last word; prints the candidates, sorted.
comp() {
	HOME=$TMP/home bash -c '
		source completions/wgbastion.bash
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_wgbastion wgbastion "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' comp "$@" 2>&1 | sort | tr '\n' ' ' | sed 's/ $//'
}

say "commands and options"
assert_eq "wgbastion a<TAB>" "apply" "$(comp wgbastion a)"
assert_eq "wgbastion c<TAB>" "check confirm" "$(comp wgbastion c)"
all=$(wgb_help_commands | sort | tr '\n' ' ' | sed 's/ $//')
assert_eq "wgbastion <TAB>: every command of --help" "$all" "$(comp wgbastion '')"
globals=$(comp wgbastion -)
for o in $(wgb_help_options) -c -v -q -h -V; do
	assert_match "wgbastion -<TAB> offers $o" "(^| )$o( |$)" "$globals"
done
assert_eq "wgbastion -v apply --<TAB>" "--confirm --dry-run" "$(comp wgbastion -v apply --)"
assert_eq "wgbastion show --<TAB>" "--json --prometheus" "$(comp wgbastion show --)"
assert_eq "wgbastion show --json --<TAB>: they exclude each other" "" "$(comp wgbastion show --json --)"
assert_eq "wgbastion show --p<TAB>" "--prometheus" "$(comp wgbastion show --p)"
assert_eq "wgbastion -c x.conf s<TAB> (the file is no command)" "show" "$(comp wgbastion -c x.conf s)"
assert_eq "wgbastion --config x.conf fl<TAB>" "flush" "$(comp wgbastion --config x.conf fl)"
assert_eq "wgbastion apply --confirm <TAB>: seconds, nothing offered" "" "$(comp wgbastion apply --confirm '')"
assert_eq "wgbastion flush <TAB>: no options" "" "$(comp wgbastion flush '')"
assert_eq "no global options after the command" "" "$(comp wgbastion check -)"

say "-c completes .conf files and directories"
mkdir -p "$TMP/cfg/sub"
touch "$TMP/cfg/a.conf" "$TMP/cfg/b.conf" "$TMP/cfg/notes.txt"
assert_eq "wgbastion -c DIR/<TAB>" "$TMP/cfg/a.conf $TMP/cfg/b.conf $TMP/cfg/sub" "$(comp wgbastion -c "$TMP/cfg/")"
assert_eq "wgbastion --config=DIR/a<TAB>" "$TMP/cfg/a.conf" "$(comp wgbastion --config = "$TMP/cfg/a")"
if [ -d /etc/wgbastion ] && ls /etc/wgbastion/*.conf >/dev/null 2>&1; then
	f=$(ls /etc/wgbastion/*.conf | head -1)
	assert_match "wgbastion -c /etc/wgbastion/<TAB>" "$f" "$(comp wgbastion -c /etc/wgbastion/)"
fi
finish
