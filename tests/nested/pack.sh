#!/bin/sh
# Pack the two initramfs images of the nested KVM tests (cpio newc, gzip):
#   OUT/l2.cpio.gz  the L2 guest vmb boots: busybox + tests/nested/l2-init
#   OUT/l1.cpio.gz  the L1 host: busybox, tests/nested/l1-init as /init, the
#                   static vmb, machines/*.yaml, the L2 images and
#                   l2.cpio.gz under /images, the check script of ARCH as
#                   /nested/check.sh (tests.sh for arm64, tests-x86_64.sh)
#                   and its bench script as /bench/bench.sh
#                   (bench/kvm-ARCH.sh); OPT_DIR (if given and not empty)
#                   is copied to /opt, OVERLAY (a list of trees, if given)
#                   is merged into / (the bench's QEMU, qemu-nbd);
#                   OUT/l2-boot.cpio.gz, OUT/root.ext4 and OUT/root.qcow2
#                   (mkroot.sh), when present, go to /images.
#   sh tests/nested/pack.sh OUT ARCH VMB BUSYBOX [OPT_DIR [OVERLAY]]
# Environment, set by run.sh per ARCH:
#   NESTED_IMAGES   "NAME=PATH ..." copied to /images/NAME; a gzip'd NAME
#                   "Image" is decompressed (vmb wants the arm64 Image;
#                   Debian 12's is plain, other releases gzip it)
#   NESTED_MODULES  kernel modules (.ko) L1's /init loads, in this order
#   NESTED_TREE     "SRC=DEST ..." files of this tree copied to L1's DEST
#                   (the x86_64 integration test and its guest programs)
#   NESTED_L2_FILES "SRC=DEST ..." files copied into L2's initramfs
#                   (x86_64: the bench's exitloop as bin/exitloop)
set -eu
out=$1 arch=$2 vmb=$3 busybox=$4 opt=${5:-} overlay=${6:-}
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
for spec in ${NESTED_L2_FILES:-}; do
	mkdir -p "$(dirname "$l2/${spec#*=}")"
	cp "${spec%%=*}" "$l2/${spec#*=}"
done
chmod 755 "$l2/init" "$l2/bin/busybox"
cpio_pack "$l2" "$out/l2.cpio.gz"

case $arch in
arm64) check=tests.sh ;;
*) check=tests-$arch.sh ;;
esac
l1=$out/l1-root
rm -rf "$l1"
mkdir -p "$l1/bin" "$l1/dev" "$l1/nested" "$l1/bench" "$l1/machines" "$l1/images"
cp "$busybox" "$l1/bin/busybox"
cp "$vmb" "$l1/bin/vmb"
cp "$ROOT/tests/nested/l1-init" "$l1/init"
cp "$ROOT/tests/nested/$check" "$l1/nested/check.sh"
cp "$ROOT/tests/nested/lib.sh" "$ROOT/tests/nested/gdb-tests.sh" "$l1/nested/"
[ ! -f "$ROOT/bench/kvm-$arch.sh" ] || cp "$ROOT/bench/kvm-$arch.sh" "$l1/bench/bench.sh"
[ ! -f "$ROOT/bench/kvm-$arch-net.sh" ] || cp "$ROOT/bench/kvm-$arch-net.sh" "$l1/bench/"
# The benchmarks' knobs, NESTED_ONLY (the checks to run), GDB_NO_TRAP and GDB_NO_SWBP
# (tests/nested/gdb-tests.sh), from the
# host's environment (lib.sh reads the file).
for v in BENCH_PARTS RUNS DISK_SECS NET_MB NET_PINGS NESTED_ONLY GDB_NO_TRAP GDB_NO_SWBP; do
	eval "val=\${$v:-}"
	# single-quoted for sh, a quote in the value as '\''
	[ -z "$val" ] || printf "%s='%s'\n" "$v" "$(printf '%s' "$val" | sed "s/'/'\\\\''/g")"
done >"$l1/nested/env"
# arm64: the networking checks tests.sh runs
[ "$arch" != arm64 ] || cp "$ROOT/tests/nested/net-tests.sh" "$l1/nested/"
cp "$ROOT"/machines/*.yaml "$l1/machines/"
for spec in ${NESTED_IMAGES:-}; do
	name=${spec%%=*} path=${spec#*=}
	if [ "$name" = Image ] &&
	   [ "$(head -c 2 "$path" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
		gzip -dc "$path" >"$l1/images/Image"
	else
		cp "$path" "$l1/images/$name"
	fi
done
if [ -n "${NESTED_MODULES:-}" ]; then
	mkdir -p "$l1/modules"
	for m in $NESTED_MODULES; do
		cp "$m" "$l1/modules/"
		basename "$m" >>"$l1/modules/order"
	done
fi
for spec in ${NESTED_TREE:-}; do
	src=${spec%%=*} dest=$l1/${spec#*=}
	mkdir -p "$(dirname "$dest")"
	cp -r "$ROOT/$src" "$dest"
done
cp "$out/l2.cpio.gz" "$l1/images/l2.cpio.gz"
if [ -n "$opt" ]; then cp -a "$opt" "$l1/opt"; fi
for f in l2-boot.cpio.gz root.ext4 root.qcow2; do
	if [ -f "$out/$f" ]; then cp "$out/$f" "$l1/images/"; fi
done
for o in $overlay; do cp -a "$o/." "$l1/"; done
chmod 755 "$l1/init" "$l1/bin/busybox" "$l1/bin/vmb"
cpio_pack "$l1" "$out/l1.cpio.gz"
