# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Sourced by tests/kernel/run.sh: gets what the lane needs, once, without
# installing a kernel on the host. Every function either succeeds or calls
# skip() (the thing cannot be had: exit 77) or die() (it is there but broken).
#   host_tools      qemu-system-x86_64 and kmod, apt-get installed if missing
#   kernel_fetch    $PKG unpacked into $KDIR/root (dpkg -x, depmod): sets KVER
#   kernel_image    what qemu boots: the uncompressed vmlinux when it can be
#                   had (extracted once), else the vmlinuz: sets KIMAGE
#   busybox_static  a static busybox for the initramfs: sets BUSYBOX

# apt-get install, refreshing package lists older than a day first.
apt_install() {
	[ "$(id -u)" = 0 ] || { echo "kernel lane: needs root to apt-get install $*" >&2; return 1; }
	command -v apt-get >/dev/null || return 1
	echo "kernel lane: installing $*"
	if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
		apt-get update -qq >&2 || return 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# apt-get download PKG into the current folder; on failure (stale lists
# name a version the mirror no longer has), refresh the lists once and retry.
apt_download() {
	command -v apt-get >/dev/null || return 1
	apt-get download -q -o APT::Sandbox::User=root "$1" && return 0
	[ "$(id -u)" = 0 ] || return 1
	apt-get update -qq >&2 && apt-get download -q -o APT::Sandbox::User=root "$1"
}

host_tools() {
	local missing=()
	command -v dpkg-deb >/dev/null || skip "no dpkg: the lane boots Debian's kernel package"
	command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
	command -v depmod >/dev/null && command -v modprobe >/dev/null || missing+=(kmod)
	[ ${#missing[@]} -eq 0 ] && return 0
	apt_install "${missing[@]}" || skip "cannot install ${missing[*]} (apt-get failed)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 still missing after install"
}

kernel_fetch() {
	local dl=$KDIR/dl new=$KDIR/root.new deb img m
	if [ -s "$KDIR/ready" ]; then
		KVER=$(cat "$KDIR/ready")
		[ -f "$KDIR/root/boot/vmlinuz-$KVER" ] &&
			[ -f "$KDIR/root/lib/modules/$KVER/modules.dep" ] && return 0
	fi
	echo "kernel lane: fetching $PKG (once; cached in $KDIR)"
	rm -rf "$dl" "$new" "$KDIR/ready"
	mkdir -p "$dl"
	(cd "$dl" && apt_download "$PKG") || skip "cannot download $PKG (apt-get failed)"
	deb=$(ls "$dl"/*.deb)
	# A meta package (linux-image-amd64) depends on the versioned image.
	if ! dpkg-deb -c "$deb" | grep -q '/boot/vmlinuz-'; then
		img=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' |
			sed -n 's/^ *\(linux-image-[^ (|]*\).*/\1/p' | head -n 1)
		[ -n "$img" ] || die "$PKG has neither a kernel nor a linux-image dependency"
		rm -f "$deb"
		(cd "$dl" && apt_download "$img") || skip "cannot download $img (apt-get failed)"
		deb=$(ls "$dl"/*.deb)
	fi
	echo "kernel lane: unpacking ${deb##*/}"
	dpkg -x "$deb" "$new" || die "cannot unpack $deb"
	# merged-/usr packages ship usr/lib/modules; depmod -b wants lib/modules
	if [ ! -d "$new/lib/modules" ] && [ -d "$new/usr/lib/modules" ]; then
		mkdir -p "$new/lib" && mv "$new/usr/lib/modules" "$new/lib/modules"
	fi
	KVER=$(ls "$new/boot" | sed -n 's/^vmlinuz-//p' | head -n 1)
	[ -n "$KVER" ] || die "${deb##*/} holds no /boot/vmlinuz-*"
	for m in wireguard 9p 9pnet_virtio; do
		[ -n "$(find "$new/lib/modules/$KVER" -name "$m.ko*" -print -quit)" ] ||
			die "kernel $KVER has no $m module (a -cloud flavour?): set WGB_KERNEL_PKG"
	done
	depmod -b "$new" "$KVER" || die "depmod failed for $KVER"
	rm -rf "$KDIR/root" "$dl"
	mv "$new" "$KDIR/root" && echo "$KVER" >"$KDIR/ready"
}

# Under TCG, the firmware and the bzImage's own decompressor take 20 s before
# the kernel's first message; the uncompressed ELF vmlinux boots straight
# into its PVH entry point (Debian has CONFIG_PVH) in about 2 s. It is the
# payload of the bzImage: a compressed stream after the setup code.
kernel_image() {
	local z=$KDIR/root/boot/vmlinuz-$KVER out=$KDIR/root/boot/vmlinux-$KVER off magic opts
	KIMAGE=$z
	if [ ! -s "$out" ]; then
		for magic in '\xfd7zXZ\x00:xz' '\x28\xb5\x2f\xfd:zstd' '\x1f\x8b\x08:gzip'; do
			off=$(LC_ALL=C grep -obUaP "${magic%:*}" "$z" 2>/dev/null | head -n 1 | cut -d: -f1)
			[ -n "$off" ] || continue
			command -v "${magic#*:}" >/dev/null || continue
			# the stream is followed by a few bytes of the bzImage: xz is told
			# to stop after one stream, gzip and zstd just complain
			opts=(-dc)
			[ "${magic#*:}" = xz ] && opts+=(--single-stream)
			tail -c +$((off + 1)) "$z" | "${magic#*:}" "${opts[@]}" 2>/dev/null >"$out.tmp"
			[ "$(head -c 4 "$out.tmp" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 7f454c46 ] &&
				mv "$out.tmp" "$out" && break
		done
		rm -f "$out.tmp"
	fi
	# shellcheck disable=SC2034 # used by vm.sh
	[ -s "$out" ] && KIMAGE=$out
	return 0
}

busybox_static() {
	local dir=$KDIR/busybox
	# ldd fails on a static binary
	if [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; then
		BUSYBOX=/bin/busybox
		return 0
	fi
	BUSYBOX=$dir/bin/busybox
	[ -x "$BUSYBOX" ] && return 0
	echo "kernel lane: fetching busybox-static (the host's busybox is not static)"
	rm -rf "$dir" && mkdir -p "$dir/dl"
	(cd "$dir/dl" && apt_download busybox-static) || skip "cannot download busybox-static (apt-get failed)"
	dpkg -x "$dir"/dl/*.deb "$dir" || die "cannot unpack busybox-static"
	rm -rf "$dir/dl"
	[ -x "$BUSYBOX" ] || die "busybox-static has no /bin/busybox"
}
