#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make install DESTDIR=... puts every file where it belongs with its mode
# (the example config 0600, its directory 0700), the units point at the
# installed binary, and make uninstall takes it all away again.
. "$(dirname "$0")/lib.sh"

command -v make >/dev/null || skip "make not installed"
[ -x ./wgbastion ] || skip "./wgbastion not built (make)"
B=${WGB_BUILD:-build}

# path mode, for PREFIX=/usr and SYSCONFDIR=/etc
want="usr/bin/wgbastion 755
usr/share/man/man1/wgbastion.1 644
usr/share/bash-completion/completions/wgbastion 644
usr/share/zsh/vendor-completions/_wgbastion 644
usr/share/fish/vendor_completions.d/wgbastion.fish 644
usr/lib/systemd/system/wgbastion.service 644
usr/lib/systemd/system/wgbastion@.service 644
usr/lib/systemd/system/wgbastion-prometheus.service 644
usr/lib/systemd/system/wgbastion-prometheus.timer 644
etc/wgbastion 700
etc/wgbastion/wgbastion.conf.example 600"

D=$TMP/root
say "make install DESTDIR=$D"
# B= as make check used it, so that nothing is rebuilt
if ! out=$(umask 022; make --no-print-directory -s B="$B" install DESTDIR="$D" 2>&1); then
	printf '%s\n' "$out" | sed 's/^/    /'
	fail "make install failed"
	finish
fi
pass "make install"
while read -r path mode; do
	if [ -e "$D/$path" ]; then
		assert_eq "$path mode" "$mode" "$(stat -c %a "$D/$path")"
	else
		fail "$path not installed"
	fi
done <<<"$want"
assert_eq "the installed binary is this build" "$(./wgbastion -V)" "$("$D/usr/bin/wgbastion" -V 2>&1)"
cmp -s wgbastion.1 "$D/usr/share/man/man1/wgbastion.1" && pass "man page installed as is" || fail "installed man page differs"
assert_match "units run the installed binary" "^ExecStart=/usr/bin/wgbastion -c /etc/wgbastion/wgbastion.conf apply$" \
	"$(cat "$D/usr/lib/systemd/system/wgbastion.service")"
out=$("$D/usr/bin/wgbastion" -c "$D/etc/wgbastion/wgbastion.conf.example" check 2>&1)
assert_eq "the example config passes check ($out)" 0 "$?"
extra=$(cd "$D" && find . -type f | sed 's|^\./||' | sort | grep -vxF -f <(printf '%s\n' "$want" | cut -d' ' -f1) || true)
assert_eq "nothing else installed" "" "$extra"

say "make uninstall"
make --no-print-directory -s B="$B" uninstall DESTDIR="$D" >/dev/null 2>&1
assert_eq "make uninstall exit status" 0 "$?"
left=$(cd "$D" && find . -type f -o -type l)
assert_eq "no file left" "" "$left"

say "PREFIX=/usr/local SYSCONFDIR=/usr/local/etc"
D2=$TMP/root2
make --no-print-directory -s B="$B" install DESTDIR="$D2" PREFIX=/usr/local SYSCONFDIR=/usr/local/etc >/dev/null 2>&1
assert_eq "make install exit status" 0 "$?"
[ -x "$D2/usr/local/bin/wgbastion" ] && pass "binary in /usr/local/bin" || fail "no $D2/usr/local/bin/wgbastion"
unit=$(cat "$D2/usr/local/lib/systemd/system/wgbastion@.service" 2>&1)
assert_match "template unit runs /usr/local/bin/wgbastion" "^ExecStart=/usr/local/bin/wgbastion -c /usr/local/etc/wgbastion/%i.conf apply$" "$unit"
assert_nomatch "no /usr/bin or /etc path left in it" "(^|[= ])(/usr/bin|/etc)/wgbastion" "$unit"
unit=$(cat "$D2/usr/local/lib/systemd/system/wgbastion-prometheus.service" 2>&1)
assert_match "metrics unit runs /usr/local/bin/wgbastion on /usr/local/etc" \
	"/usr/local/bin/wgbastion -c /usr/local/etc/wgbastion/wgbastion.conf show --prometheus" "$unit"
assert_nomatch "no /usr/bin or /etc path left in it" "(^|[= ])(/usr/bin|/etc)/wgbastion" "$unit"
assert_eq "example config mode" 600 "$(stat -c %a "$D2/usr/local/etc/wgbastion/wgbastion.conf.example" 2>&1)"
make --no-print-directory -s B="$B" uninstall DESTDIR="$D2" PREFIX=/usr/local SYSCONFDIR=/usr/local/etc >/dev/null 2>&1
assert_eq "uninstall leaves no file" "" "$(cd "$D2" && find . -type f -o -type l)"
finish
