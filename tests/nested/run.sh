#!/bin/sh
# Nested arm64 KVM tests and benchmarks, run from an x86_64 host:
#   sh tests/nested/run.sh check|bench|shell
#   sh tests/nested/run.sh script DIR   (DIR is copied to /opt in L1, and
#                                        /opt/run.sh runs there; for
#                                        debugging the backend by hand)
# 1. host packages (setup-arm64.sh), guest images with apt-get download
#    (Debian's arm64 kernel for both L1 and L2, busybox-static:arm64,
#    u-boot-qemu, qemu-utils:arm64 for qemu-nbd; for bench,
#    qemu-system-arm:arm64; and their libraries);
# 2. a static aarch64 vmb (build-arm64.sh), L2's virtio-blk disk image and
#    its initramfs (mkroot-arm64.sh), the initramfs images (pack.sh);
# 3. L1: qemu-system-aarch64 -M virt,virtualization=on,gic-version=3
#    -cpu max -accel tcg -m 2G -smp 2 (pauth-impdef=on: QEMU's cheap pointer
#    authentication, the architected QARMA costs TCG dearly), whose /init
#    (l1-init) runs tests.sh (check) or bench/kvm-arm64.sh (bench) against
#    /dev/kvm;
# 4. the verdict from the "VMBTEST:" lines L1 prints. Full console log:
#    build/nested/l1-MODE.log.
# Environment: NESTED_TIMEOUT (s, default 900), VMB_ARM64 (use this aarch64
# vmb instead of building one), NESTED_OVERLAY (trees merged into L1's /).
set -eu
mode=${1:-check}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
IMAGES=build/images
OUT=build/nested
mkdir -p "$OUT"

sh tests/nested/setup-arm64.sh
# The kernel flavour that linux-image-arm64 currently points at, unsigned
# (the same kernel serves as L1 host and L2 guest).
kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
	sed -n 's/.*Depends: \(linux-image-[0-9.-]*-arm64\)\(:arm64\)\{0,1\}$/\1/p' | head -n 1)
[ -n "$kpkg" ] || { echo "nested: cannot resolve linux-image-arm64" >&2; exit 1; }
kpkg=$kpkg-unsigned
sh tests/fetch-images.sh "$IMAGES" "$kpkg:arm64" busybox-static:arm64 u-boot-qemu
kernel=$(ls "$IMAGES/$kpkg"/boot/vmlinuz-* | head -n 1)
busybox=$IMAGES/busybox-static/bin/busybox
uboot=$IMAGES/u-boot-qemu/usr/lib/u-boot/qemu_arm64/u-boot.bin

opt="" overlay=${NESTED_OVERLAY:-}
if [ "$mode" = script ]; then
	opt=${2:?usage: run.sh script DIR}
elif [ "$mode" = bench ]; then
	sh tests/nested/fetch-qemu-arm64.sh "$IMAGES" "$OUT/qemu-root"
	overlay="$overlay $OUT/qemu-root"
fi
# The virtio tests: L2's disk image and module-loading initramfs with the
# static disk benchmark, a qcow2 copy for qemu-nbd, and qemu-nbd (Debian's
# qemu-utils:arm64) in L1.
mkdir -p "$OUT/l2-extra/bin"
aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -o "$OUT/l2-extra/bin/diskio" \
	bench/diskio.c
sh tests/nested/mkroot-arm64.sh "$OUT" "$IMAGES/$kpkg" "$busybox" 32 "$OUT/l2-extra"
qemu-img convert -f raw -O qcow2 "$OUT/root.ext4" "$OUT/root.qcow2"
sh tests/nested/fetch-arm64.sh "$IMAGES/qemu-utils-arm64-debs" "$OUT/nbd-root" \
	qemu-utils:arm64 usr/bin/qemu-nbd
overlay="$overlay $OUT/nbd-root"
# The networking tests (net-tests.sh): L1's tun and bridge modules.
sh tests/nested/net-modules.sh "$IMAGES/$kpkg" "$OUT/net-root"
overlay="$overlay $OUT/net-root"
# ... and a vmb with libslirp for "net: user" (/bin/vmb-net), see there.
sh tests/nested/build-arm64-net.sh "$OUT"
overlay="$overlay $OUT/slirp-root"

vmb=${VMB_ARM64:-}
if [ -z "$vmb" ]; then
	sh tests/nested/build-arm64.sh
	vmb=build/arm64/vmb
fi
sh tests/nested/pack.sh "$OUT" "$vmb" "$kernel" "$busybox" "$uboot" "$opt" "$overlay"

log=$OUT/l1-$mode.log
set -- qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 \
	-cpu max,pauth-impdef=on -accel tcg -m 2G -smp 2 \
	-kernel "$kernel" -initrd "$OUT/l1.cpio.gz" \
	-append "console=ttyAMA0 rdinit=/init panic=-1 quiet vmbtest=$mode" \
	-nographic -monitor none -no-reboot
if [ "$mode" = shell ]; then
	exec "$@"
fi
echo "nested: booting L1 ($mode), console log in $log"
start=$(date +%s)
status=0
timeout -k 10 "${NESTED_TIMEOUT:-900}" "$@" </dev/null >"$log" 2>&1 &
qpid=$!
# Echo the markers as they come so a long run shows progress.
tail -n +1 -f "$log" --pid=$qpid 2>/dev/null | grep --line-buffered -E '^(VMBTEST|BENCH|L1-INIT):' || true
wait $qpid || status=$?
tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"
echo "nested: L1 ran $(( $(date +%s) - start )) s (qemu status $status)"
[ $status = 124 ] && echo "nested: TIMEOUT after ${NESTED_TIMEOUT:-900} s"

if [ "$mode" = script ]; then
	cat "$log"
	exit $status
fi
if [ "$mode" = bench ]; then
	grep -q '^BENCH: done' "$log" || { tail -n 40 "$log"; exit 1; }
	exit 0
fi
pass=$(grep -c '^VMBTEST: PASS' "$log" || true)
fail=$(grep -c '^VMBTEST: FAIL' "$log" || true)
if ! grep -q '^VMBTEST: end' "$log"; then
	echo "nested: the test run did not finish; last console lines:"
	tail -n 40 "$log"
	fail=$((fail + 1))
elif [ "$fail" -gt 0 ]; then
	echo "nested: failures; last console lines:"
	tail -n 40 "$log"
fi
echo "kvm-arm64: $pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
