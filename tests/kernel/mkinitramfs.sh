#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Builds the kernel lane's initramfs: a static busybox, tests/kernel/init,
# and the modules needed to mount the host's root over virtio-9p, with their
# dependencies in load order (as kmod resolves them from modules.dep).
#
#   mkinitramfs.sh MODROOT VERSION BUSYBOX OUT
#     MODROOT  folder holding lib/modules/VERSION (depmod already run)
#     BUSYBOX  a statically linked busybox
#     OUT      the newc cpio archive to write
set -euo pipefail

modroot=$1 ver=$2 busybox=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
# virtio_pci: the transport; 9pnet_virtio: 9p over it; 9p: the file system;
# virtio_rng: early entropy, so nothing waits for the crng; overlay: the
# writable layer under which init puts the module tree on /lib/modules.
MODULES="virtio_pci 9pnet_virtio 9p virtio_rng overlay"

stage=$(mktemp -d "${out%/*}/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,newroot,lib/modules}
install -m 0755 "$busybox" "$stage/bin/busybox"
install -m 0755 "$here/init" "$stage/init"

# "insmod /path/x.ko" lines, dependencies first; "builtin x" for built-ins.
# (modprobe takes one module; words after it are its parameters.) A module
# shared by two chains is listed twice: keep its first mention.
: >"$stage/lib/modules/load.list"
for m in $MODULES; do
	modprobe -d "$modroot" -S "$ver" --show-depends "$m" || exit 1
done |
while read -r kind path _; do
	[ "$kind" = insmod ] || continue
	name=${path##*/}
	name=${name%.[gx]z}
	name=${name%.zst}
	grep -qxF "$name" "$stage/lib/modules/load.list" && continue
	# newer Debian kernels compress modules; busybox insmod wants them plain
	case $path in
	*.xz) xz -dc "$path" ;;
	*.gz) gzip -dc "$path" ;;
	*.zst) zstd -qdc "$path" ;;
	*) cat "$path" ;;
	esac >"$stage/lib/modules/$name"
	echo "$name" >>"$stage/lib/modules/load.list"
done
for m in 9p.ko 9pnet_virtio.ko overlay.ko; do
	grep -qxF "$m" "$stage/lib/modules/load.list" || {
		echo "mkinitramfs: kernel $ver has no module $m" >&2
		exit 1
	}
done

(cd "$stage" && find . | LC_ALL=C sort | "$busybox" cpio -o -H newc 2>/dev/null) >"$out.tmp"
mv "$out.tmp" "$out"
