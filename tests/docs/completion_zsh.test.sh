#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# completions/_wgbastion: loads both ways zsh loads it (sourced, and
# autoloaded from $fpath), and completes in a real interactive zsh.
. "$(dirname "$0")/lib.sh"

command -v zsh >/dev/null || skip "zsh not installed (make deps installs it)"

say "loads"
out=$(HOME=$TMP zsh -f -c 'autoload -U compinit; compinit -u -d $HOME/dump; source completions/_wgbastion && print -r -- ${_comps[wgbastion]}' 2>&1)
assert_eq "sourced after compinit: registered" "_wgbastion" "$out"
mkdir -p "$TMP/fpath"
cp completions/_wgbastion "$TMP/fpath/"
out=$(HOME=$TMP zsh -f -c 'fpath=($HOME/fpath $fpath); autoload -U compinit; compinit -u -d $HOME/dump2; print -r -- ${_comps[wgbastion]}' 2>&1)
assert_eq "autoloaded from \$fpath: registered by #compdef" "_wgbastion" "$out"

# Type LINE<TAB> in an interactive zsh on a pseudo-terminal and print the
# line as it stands after completion (zsh's own zpty module).
cat >"$TMP/drive.zsh" <<'ZSH'
zmodload zsh/zpty || exit 1
zpty -b z "zsh -f -i"
# READY is spelt so that the echo of this line does not match, only the
# output once all of it has run; then wait for the prompt
zpty -w z "PS1='> '; autoload -U compinit; compinit -u -d $HOME/dump3; source $1; setopt nobeep; print RE''ADY"
zpty -r -m z out '*READY*' || exit 1
zpty -r -m z out '*> ' || exit 1
zpty -w -n z "$2"$'\t'
sleep 1
zpty -w -n z $'\C-e'" #END"$'\n'
zpty -r -m z out '*#END*' || exit 1
print -r -- "$out"
zpty -d z
ZSH
# the last line zsh drew before " #END", without terminal escapes
tab() {
	HOME=$TMP timeout 20 zsh -f "$TMP/drive.zsh" "$WGB_TOP/completions/_wgbastion" "$1" 2>&1 |
		sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/.\x08//g; s/\r/\n/g' | grep ' #END' | tail -1 |
		sed 's/^> //; s/ *#END$//; s/ *$//'
}
say "completes in an interactive zsh"
assert_eq "wgbastion a<TAB>" "wgbastion apply" "$(tab 'wgbastion a')"
assert_eq "wgbastion apply --d<TAB>" "wgbastion apply --dry-run" "$(tab 'wgbastion apply --d')"
assert_eq "wgbastion show --<TAB>" "wgbastion show --json" "$(tab 'wgbastion show --')"
assert_eq "wgbastion --vers<TAB>" "wgbastion --version" "$(tab 'wgbastion --vers')"
mkdir -p "$TMP/cfg"
touch "$TMP/cfg/only.conf" "$TMP/cfg/notes.txt"
assert_eq "wgbastion -c DIR/<TAB>: the one .conf file" "wgbastion -c $TMP/cfg/only.conf" "$(tab "wgbastion -c $TMP/cfg/")"
finish
