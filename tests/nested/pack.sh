#!/bin/sh
# Pack the two initramfs images of the nested arm64 KVM tests (cpio newc,
# gzip):
#   OUT/l2.cpio.gz  the L2 guest vmb boots: busybox + tests/nested/l2-init
#   OUT/l1.cpio.gz  the L1 host: busybox, tests/nested/l1-init as /init, the
#                   static aarch64 vmb, machines/*.yaml, U-Boot, the L2
#                   kernel Image and l2.cpio.gz, the test and bench scripts;
#                   OPT_DIR (if given and not empty) is copied to /opt,
#                   OVERLAY (a list of trees, if given) is merged into /
#                   (the bench's QEMU, qemu-nbd); OUT/l2-boot.cpio.gz,
#                   OUT/root.ext4 and OUT/root.qcow2 (mkroot-arm64.sh),
#                   when present, go to /images with the rest.
#   sh tests/nested/pack.sh OUT VMB KERNEL BUSYBOX UBOOT [OPT_DIR [OVERLAY]]
# KERNEL: Debian 12's arm64 vmlinuz is a plain Image (with an EFI stub); a
# gzip'd Image (other releases) is decompressed, as vmb wants the Image.
set -eu
out=$1 vmb=$2 kernel=$3 busybox=$4 uboot=$5 opt=${6:-} overlay=${7:-}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"

cpio_pack() { # DIR OUTFILE
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -1 >"$2.tmp"
	mv "$2.tmp" "$2"
}

l2=$out/l2-root
rm -rf "$l2"
mkdir -p "$l2/bin" "$l2/dev"
cp "$busybox" "$l2/bin/busybox"
cp "$ROOT/tests/nested/l2-init" "$l2/init"
chmod 755 "$l2/init" "$l2/bin/busybox"
cpio_pack "$l2" "$out/l2.cpio.gz"

l1=$out/l1-root
rm -rf "$l1"
mkdir -p "$l1/bin" "$l1/dev" "$l1/nested" "$l1/bench" "$l1/machines" "$l1/images"
cp "$busybox" "$l1/bin/busybox"
cp "$vmb" "$l1/bin/vmb"
cp "$ROOT/tests/nested/l1-init" "$l1/init"
cp "$ROOT/tests/nested/tests.sh" "$ROOT/tests/nested/lib.sh" \
	"$ROOT/tests/nested/net-tests.sh" "$l1/nested/"
cp "$ROOT/bench/kvm-arm64.sh" "$l1/bench/"
cp "$ROOT"/machines/*.yaml "$l1/machines/"
cp "$uboot" "$l1/images/u-boot.bin"
if [ "$(head -c 2 "$kernel" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
	gzip -dc "$kernel" >"$l1/images/Image"
else
	cp "$kernel" "$l1/images/Image"
fi
cp "$out/l2.cpio.gz" "$l1/images/l2.cpio.gz"
if [ -n "$opt" ]; then cp -a "$opt" "$l1/opt"; fi
for f in l2-boot.cpio.gz root.ext4 root.qcow2; do
	if [ -f "$out/$f" ]; then cp "$out/$f" "$l1/images/"; fi
done
for o in $overlay; do cp -a "$o/." "$l1/"; done
chmod 755 "$l1/init" "$l1/bin/busybox" "$l1/bin/vmb"
cpio_pack "$l1" "$out/l1.cpio.gz"
