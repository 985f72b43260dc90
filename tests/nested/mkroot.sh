#!/bin/sh
# The disk-booted L2 guest of the nested virtio tests, built on the host
# without root privileges:
#   OUT/l2-boot.cpio.gz  an initramfs that loads the virtio and ext4 modules
#                        of Debian's arm64 kernel (CONFIG_VIRTIO_MMIO,
#                        _BLK, _CONSOLE, HW_RANDOM_VIRTIO and EXT4_FS are all
#                        =m there), mounts root= and switch_roots into it
#                        (tests/nested/l2-boot-init)
#   OUT/root.ext4        the root file system: busybox-static and
#                        tests/nested/l2-root-init as /sbin/init, made with
#                        mkfs.ext4 -d (SIZE MiB, default 64)
#   sh tests/nested/mkroot.sh OUT KPKG_DIR BUSYBOX [SIZE [EXTRA_DIR]]
# KPKG_DIR is the unpacked linux-image-* package (arm64: -unsigned); EXTRA_DIR
# (optional) is merged into both (the disk benchmark's program).
# Module dependencies come from each module's .modinfo section (the
# package has no modules.dep), read with $OBJCOPY (default objcopy; the
# cross binutils' aarch64-linux-gnu-objcopy for arm64 modules).
set -eu
out=$1 kpkg=$2 busybox=$3 size=${4:-64} extra=${5:-}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
moddir=$(ls -d "$kpkg"/lib/modules/* | head -n 1)

modinfo_field() { # KO FIELD
	"${OBJCOPY:-objcopy}" -O binary --only-section=.modinfo "$1" /dev/stdout |
		tr '\0' '\n' | sed -n "s/^$2=//p"
}
modpath() { # NAME: the .ko (module names use - and _ interchangeably)
	find "$moddir/kernel" \( -name "$1.ko" -o -name "$(echo "$1" | tr _ -).ko" \
		-o -name "$(echo "$1" | tr - _).ko" \) | head -n 1
}
order=""
add_module() { # NAME: NAME after its dependencies, once
	local ko name deps
	ko=$(modpath "$1")
	[ -n "$ko" ] || { echo "mkroot: module $1 not in $moddir" >&2; exit 1; }
	name=$(basename "$ko" .ko)
	case " $order " in *" $name "*) return ;; esac
	deps=$(modinfo_field "$ko" depends | tr ',' ' ')
	# ext4 and jbd2 want the crc32c hash (softdep "pre: crypto-crc32c").
	if modinfo_field "$ko" softdep | grep -q crypto-crc32c; then
		deps="crc32c_generic $deps"
	fi
	for d in $deps; do
		add_module "$d"
	done
	order="$order $name"
	cp "$ko" "$boot/lib/modules/"
}

boot=$out/l2-boot
rm -rf "$boot"
mkdir -p "$boot/bin" "$boot/lib/modules"
cp "$busybox" "$boot/bin/busybox"
cp "$ROOT/tests/nested/l2-boot-init" "$boot/init"
for m in virtio_mmio virtio_blk virtio_console virtio-rng virtio_net ext4; do
	add_module "$m"
done
echo $order >"$boot/lib/modules/load.list"
if [ -n "$extra" ]; then cp -a "$extra/." "$boot/"; fi
chmod 755 "$boot/init" "$boot/bin/busybox"
(cd "$boot" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$out/l2-boot.cpio.gz"

rootdir=$out/l2-rootfs
rm -rf "$rootdir"
mkdir -p "$rootdir/bin" "$rootdir/sbin" "$rootdir/dev" "$rootdir/proc" \
	"$rootdir/sys" "$rootdir/tmp" "$rootdir/etc" "$rootdir/root"
cp "$busybox" "$rootdir/bin/busybox"
cp "$ROOT/tests/nested/l2-root-init" "$rootdir/sbin/init"
chmod 755 "$rootdir/bin/busybox" "$rootdir/sbin/init"
ln -s busybox "$rootdir/bin/sh"
if [ -n "$extra" ]; then cp -a "$extra/." "$rootdir/"; fi
rm -f "$out/root.ext4"
truncate -s "${size}M" "$out/root.ext4"
# -E root_owner: files belong to root in the image whoever builds it.
mkfs.ext4 -q -F -L l2root -E root_owner=0:0 -d "$rootdir" "$out/root.ext4" "${size}M"
echo "nested: L2 disk image $out/root.ext4 (${size} MiB ext4), modules:$order"
