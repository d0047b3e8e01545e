#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make deb builds a lintian-clean package; `apt-get install ./wgbastion_*.deb`
# installs it in a throw-away root, where the binary runs and checks the
# shipped example, the files sit where Debian wants them, and no unit is
# enabled or started; remove stops the units, purge takes every file of the
# package away and keeps what the admin wrote.
#
# The throw-away root: an overlay whose lower layer is / and whose upper
# layer is a tmpfs, mounted in this test's private mount namespace (lib.sh)
# and entered with chroot. Everything apt and dpkg write lands in the tmpfs;
# the machine's own files and package database never change, no network is
# used (the package's dependencies are installed already: make deps), and
# it works where make check itself runs in a chroot.
. "$(dirname "$0")/../lib.sh"
cd "$WGB_TOP" || exit 1
B=${WGB_BUILD:-build}

for c in dpkg-buildpackage dh lintian apt-get readelf; do
	command -v "$c" >/dev/null || { echo "SKIP: $c not installed (make deps installs it)"; exit 77; }
done

# --- the package -----------------------------------------------------------
say "make deb"
# the unit tests ran in make check's unit suite already
if ! DEB_BUILD_OPTIONS=nocheck make --no-print-directory -s B="$B" deb >"$TMP/build.log" 2>&1; then
	tail -40 "$TMP/build.log" | sed 's/^/    /'
	fail "make deb failed (or lintian found errors or warnings)"
	finish
fi
pass "make deb (dpkg-buildpackage, lintian --fail-on error,warning)"
assert_nomatch "lintian: no tag left" "^[EWIP]: " "$(cat "$TMP/build.log")"
debs=("$B"/deb/wgbastion_*.deb)
assert_eq "one package" 1 "${#debs[@]}"
deb=${debs[0]}
[ -f "$deb" ] || { fail "no $B/deb/wgbastion_*.deb"; finish; }
version=$(dpkg-parsechangelog -l debian/changelog -SVersion)
assert_eq "package version is the changelog's" "$version" "$(dpkg-deb -f "$deb" Version)"

# ${shlibs:Depends}: every library the binary links names its package
depends=$(dpkg-deb -f "$deb" Depends)
dpkg-deb -x "$deb" "$TMP/x"
for so in $(readelf -d "$TMP/x/usr/bin/wgbastion" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	pkg=$(dpkg-query -S "*/$so" 2>/dev/null | sed -n "s|^\([^:,]*\)[^ ]* .*/$so\$|\1|p" | head -n 1)
	[ -n "$pkg" ] || { fail "no installed package has $so"; continue; }
	assert_match "Depends names $pkg ($so)" "(^|, )$pkg( |,|$)" "$depends"
done

# --- the throw-away root -----------------------------------------------------
OVL=$TMP/ovl
R=$OVL/root
# the chroot's /proc and /dev must be gone before lib.sh's rm -rf "$TMP"
trap 'umount -R "$OVL" 2>/dev/null || umount -R -l "$OVL"; wgb_cleanup' EXIT
mkdir -p "$OVL"
mount -t tmpfs -o mode=0755 wgb-deb "$OVL" || { fail "tmpfs"; finish; }
mkdir -p "$OVL/upper" "$OVL/work" "$R"
if ! mount -t overlay wgb-deb-root -o "lowerdir=/,upperdir=$OVL/upper,workdir=$OVL/work" "$R"; then
	fail "cannot mount an overlay of / (overlayfs)"
	finish
fi
mount -t proc proc "$R/proc"
mount -t tmpfs -o mode=0755 wgb-deb-run "$R/run"
mount -t tmpfs -o mode=1777 wgb-deb-tmp "$R/tmp"
# a /dev of its own, with only what apt and dpkg use: not the machine's
mount -t tmpfs -o mode=0755 wgb-deb-dev "$R/dev"
for d in null:3 zero:5 full:7 random:8 urandom:9; do
	mknod -m 0666 "$R/dev/${d%:*}" c 1 "${d#*:}" 2>/dev/null ||
		{ touch "$R/dev/${d%:*}" && mount --bind "/dev/${d%:*}" "$R/dev/${d%:*}"; }
done
ln -s /proc/self/fd "$R/dev/fd"

# Look as if systemd ran, so that the maintainer scripts do their systemd
# part, but record instead: policy-rc.d (which deb-systemd-invoke asks
# first) logs each request and refuses all but stop (101, the usual answer
# in a chroot); a systemctl ahead of the real one in the PATH dpkg gives
# maintainer scripts (/usr/sbin:/usr/bin:/sbin:/bin) logs its calls.
mkdir -p "$R/run/systemd/system"
cat >"$R/usr/sbin/policy-rc.d" <<'EOF2'
#!/bin/sh
echo "$*" >>/run/policy.log
[ "$2" = stop ] && exit 0
exit 101
EOF2
printf '#!/bin/sh\necho "$*" >>/run/systemctl.log\n' >"$R/usr/sbin/systemctl"
chmod 0755 "$R/usr/sbin/policy-rc.d" "$R/usr/sbin/systemctl"
: >"$R/run/policy.log"
: >"$R/run/systemctl.log"
install -m 0644 "$deb" "$R/tmp/"

in_root() {
	chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}
# apt as an admin runs it, but with no package source: a missing dependency
# fails the install instead of being fetched
mkdir -p "$R/run/no-sources"
apt_root() {
	in_root apt-get -y -q -o Dpkg::Use-Pty=0 -o Dir::Etc::SourceList=/dev/null \
		-o Dir::Etc::SourceParts=/run/no-sources "$@"
}

# --- install -------------------------------------------------------------------
say "apt-get install ./${deb##*/}"
if ! apt_root install "/tmp/${deb##*/}" >"$TMP/apt.log" 2>&1; then
	sed 's/^/    /' "$TMP/apt.log"
	fail "apt-get install failed"
	finish
fi
pass "apt-get install"
assert_eq "installed" "install ok installed" "$(in_root dpkg-query -W -f='${Status}' wgbastion 2>&1)"
assert_eq "wgbastion --version" "wgbastion $version" "$(in_root wgbastion --version 2>&1)"
out=$(in_root wgbastion -c /etc/wgbastion/wgbastion.conf.example check 2>&1)
assert_eq "wgbastion check on the shipped example ($out)" 0 "$?"
out=$(in_root wgbastion -c /usr/share/doc/wgbastion/examples/dualstack.conf check 2>&1)
assert_eq "the examples in /usr/share/doc pass check ($out)" 0 "$?"
files=$(in_root dpkg-query -L wgbastion)
for f in /usr/bin/wgbastion /usr/share/man/man1/wgbastion.1.gz \
	/usr/share/bash-completion/completions/wgbastion \
	/usr/share/zsh/vendor-completions/_wgbastion \
	/usr/share/fish/vendor_completions.d/wgbastion.fish \
	/lib/systemd/system/wgbastion.service /lib/systemd/system/wgbastion@.service \
	/lib/systemd/system/wgbastion-prometheus.service /lib/systemd/system/wgbastion-prometheus.timer \
	/etc/wgbastion/wgbastion.conf.example /usr/share/doc/wgbastion/copyright; do
	if printf '%s\n' "$files" | grep -qxF "$f" && [ -f "$R$f" ]; then pass "ships $f"; else fail "$f not installed"; fi
done
assert_eq "/etc/wgbastion mode" 700 "$(stat -c %a "$R/etc/wgbastion")"
assert_eq "example mode" 600 "$(stat -c %a "$R/etc/wgbastion/wgbastion.conf.example")"
assert_match "the example is a conffile" "^ ?/etc/wgbastion/wgbastion.conf.example [0-9a-f]{32}$" \
	"$(in_root dpkg-query -W -f='${Conffiles}\n' wgbastion)"
assert_eq "no live config shipped" "" "$(printf '%s\n' "$files" | grep -x /etc/wgbastion/wgbastion.conf)"
assert_match "the unit runs the installed binary" "^ExecStart=/usr/bin/wgbastion -c /etc/wgbastion/wgbastion.conf apply$" \
	"$(cat "$R/lib/systemd/system/wgbastion.service")"
assert_eq "no unit enabled" "" "$(find "$R/etc/systemd" -name 'wgbastion*' 2>/dev/null)"
assert_eq "nothing asked to start (policy-rc.d)" "" "$(cat "$R/run/policy.log")"
assert_eq "systemctl: daemon-reload, nothing else" "--system daemon-reload" "$(sort -u "$R/run/systemctl.log")"
: >"$R/run/systemctl.log"

# What an admin writes there must outlive the package, purge included.
echo "# mine" >"$R/etc/wgbastion/wgbastion.conf"
echo "not a real key" >"$R/etc/wgbastion/private.key"

# --- remove, purge -------------------------------------------------------------
say "apt-get remove wgbastion"
apt_root remove wgbastion >"$TMP/apt.log" 2>&1
assert_eq "apt-get remove exit status" 0 "$?"
assert_eq "the binary is gone" "" "$(ls "$R/usr/bin/wgbastion" 2>/dev/null)"
assert_eq "the conffile stays until purge" "deinstall ok config-files" "$(in_root dpkg-query -W -f='${Status}' wgbastion 2>&1)"
assert_match "removal stops the metrics timer, (flushes) wgbastion.service and the wgbastion@ instances" \
	"^stop wgbastion-prometheus\.timer wgbastion\.service wgbastion@\*\.service$" "$(cat "$R/run/systemctl.log")"
assert_nomatch "and starts nothing" "start" "$(cat "$R/run/policy.log" "$R/run/systemctl.log")"

say "apt-get purge wgbastion"
apt_root purge wgbastion >"$TMP/apt.log" 2>&1
assert_eq "apt-get purge exit status" 0 "$?"
assert_nomatch "purged" "install|config-files" "$(in_root dpkg-query -W -f='${Status}' wgbastion 2>&1)"
left=
while read -r f; do
	[ -n "$f" ] && [ ! -d "$R$f" ] && { [ -e "$R$f" ] || [ -L "$R$f" ]; } && left="$left $f"
done <<<"$files"
assert_eq "no file of the package left" "" "$left"
assert_eq "no systemd state left" "" "$(find "$R/etc/systemd" "$R/var/lib/systemd" -name 'wgbastion*' 2>/dev/null)"
assert_eq "what the admin wrote is kept" "private.key wgbastion.conf" "$(ls "$R/etc/wgbastion" | xargs)"
finish
