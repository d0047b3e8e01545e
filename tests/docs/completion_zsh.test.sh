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
assert_eq "wgbastion show --j<TAB>" "wgbastion show --json" "$(tab 'wgbastion show --j')"
assert_eq "wgbastion show --p<TAB>" "wgbastion show --prometheus" "$(tab 'wgbastion show --p')"
assert_eq "wgbastion show --json --<TAB>: they exclude each other" "wgbastion show --json --" "$(tab 'wgbastion show --json --')"
assert_eq "wgbastion --vers<TAB>" "wgbastion --version" "$(tab 'wgbastion --vers')"
mkdir -p "$TMP/cfg"
touch "$TMP/cfg/only.conf" "$TMP/cfg/notes.txt"
assert_eq "wgbastion -c DIR/<TAB>: the one .conf file" "wgbastion -c $TMP/cfg/only.conf" "$(tab "wgbastion -c $TMP/cfg/")"
assert_eq "wgbastion -c a<TAB> (relative): the .conf file here" "wgbastion -c only.conf" "$(cd "$TMP/cfg" && tab 'wgbastion -c o')"

# The instances in /etc/wgbastion: only root can make a private /etc for that.
if [ "$(id -u)" = 0 ]; then
	say "-c offers /etc/wgbastion/*.conf (in a private mount namespace)"
	export TMP WGB_TOP
	etc() {
		unshare -m bash -c '
			mount -t tmpfs wgb-etc "$TMP/etc" || exit 1
			cp -a /etc/. "$TMP/etc/" 2>/dev/null
			mount --bind "$TMP/etc" /etc || exit 1
			mkdir -p /etc/wgbastion && touch /etc/wgbastion/lab.conf /etc/wgbastion/home.conf
			cd "$TMP/cfg" && HOME=$TMP timeout 20 zsh -f "$TMP/drive.zsh" "$WGB_TOP/completions/_wgbastion" "$1"' etc "$1" 2>&1 |
			sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/.\x08//g; s/\r/\n/g'
	}
	mkdir -p "$TMP/etc"
	out=$(etc 'wgbastion -c ')
	assert_match "wgbastion -c <TAB> lists /etc/wgbastion/lab.conf" "/etc/wgbastion/lab.conf" "$out"
	assert_match "... and the .conf file here" "only.conf" "$out"
	out=$(etc 'wgbastion -c /etc/wgbastion/l' | grep ' #END' | tail -1 | sed 's/^> //; s/ *#END$//; s/ *$//')
	assert_eq "wgbastion -c /etc/wgbastion/l<TAB>" "wgbastion -c /etc/wgbastion/lab.conf" "$out"
fi
finish
