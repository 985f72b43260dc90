#!/bin/sh
# Nested KVM tests and benchmarks, run from an x86_64 host without
# /dev/kvm:
#   sh tests/nested/run.sh [arm64|x86_64] check|bench|shell
#   sh tests/nested/run.sh [arm64|x86_64] script DIR
#                         (DIR is copied to /opt in L1, and /opt/run.sh
#                         runs there; for debugging a backend by hand)
# ARCH defaults to arm64.
# 1. host packages, guest images with apt-get download:
#    arm64: setup-arm64.sh; Debian's arm64 kernel for both L1 and L2,
#      busybox-static:arm64, u-boot-qemu;
#    x86_64: Debian's generic amd64 kernel for L1 (its kvm, kvm-amd, ccp
#      and irqbypass modules) and for L2, the cloud kernel for L2,
#      busybox-static (under build/images/amd64: the arm64 busybox-static
#      lives in build/images);
#    for bench, the guest arch's Debian QEMU and its libraries;
# 2. a static vmb (build-ARCH.sh), the initramfs images (pack.sh);
# 3. L1, whose /init (l1-init) runs the arch's check script or bench script
#    against /dev/kvm:
#    arm64: qemu-system-aarch64 -M virt,virtualization=on,gic-version=3
#      -cpu max -accel tcg -m 2G -smp 2 (pauth-impdef=on: QEMU's cheap
#      pointer authentication, the architected QARMA costs TCG dearly);
#    x86_64: qemu-system-x86_64 -accel tcg -M pc -cpu max,-xsave -smp 2
#      -m 3G: TCG emulates AMD SVM with nested paging; XSAVE off because
#      QEMU 7.2's TCG does not intercept XSETBV (L2 would see XCR0 revert);
#      3 GiB so that QEMU itself fits beside its guest (bench). Emulated
#      SVM is not perfect: now and then L1 freezes or its kernel crashes
#      (also with one TCG thread or one L1 CPU); a check then boots L1
#      once more (below);
# 4. the verdict from the "VMBTEST:" lines L1 prints. Full console log:
#    build/nested/ARCH/l1-MODE.log.
# x86_64 check on a host WITH a usable /dev/kvm: the same check script
# runs directly, with ./vmb and the packed images (no L1).
# arm64 also builds L2's virtio-blk disk image and initramfs
# (mkroot.sh), qemu-nbd (qemu-utils:arm64) and a dynamic vmb with
# libnbd (build-arm64-dyn.sh) for the NBD check.
# Environment: NESTED_TIMEOUT (s, default 900; bench 3600), NESTED_STALL
# (s without L1 output after which a check's L1 counts as hung, 360), BENCH_PARTS,
# RUNS, DISK_SECS, NET_MB, NET_PINGS (the bench scripts' knobs, passed
# into L1), VMB_ARM64 / VMB_X86_64
# (use this static vmb instead of building one), NESTED_OVERLAY (a tree
# merged into L1's /), NESTED_DIRECT=0 (x86_64: go nested even if the host
# has /dev/kvm).
set -eu
arch=arm64
case ${1:-} in arm64 | x86_64) arch=$1; shift ;; esac
mode=${1:-check}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
IMAGES=build/images
OUT=build/nested/$arch
mkdir -p "$OUT"

# The versioned package behind a kernel meta-package, for an arch.
kernel_pkg() { # META ARCH
	apt-cache depends "$1:$2" 2>/dev/null |
		sed -n 's/.*Depends: \(linux-image-[0-9][^ :]*\)\(:[a-z0-9]*\)\{0,1\}$/\1/p' |
		head -n 1
}

# Boot L1 with "$@" under timeout $limit, echoing the markers as they come
# so a long run shows progress; sets $status, the log in $log.
boot_l1() {
	echo "nested: booting L1 ($arch, $mode), console log in $log"
	start=$(date +%s)
	status=0
	timeout -k 10 "$limit" "$@" </dev/null >"$log" 2>&1 &
	qpid=$!
	# A check prints at least a line every few minutes; an L1 whose log
	# stands still for NESTED_STALL s (default 360) has hung (seen under
	# QEMU's emulated SVM: L1 frozen, no lockup report): stop it.
	stalled=$OUT/l1-stalled
	rm -f "$stalled"
	if [ "$mode" = check ]; then
		(
			last=-1 same=0
			while kill -0 $qpid 2>/dev/null; do
				sleep 10
				n=$(wc -c <"$log")
				if [ "$n" = "$last" ]; then same=$((same + 10)); else same=0; fi
				last=$n
				if [ $same -ge "${NESTED_STALL:-360}" ]; then
					echo "$same" >"$stalled"
					pkill -P $qpid 2>/dev/null
					kill $qpid 2>/dev/null
					break
				fi
			done
		) &
	fi
	tail -n +1 -f "$log" --pid=$qpid 2>/dev/null |
		grep -a --line-buffered -E '^(VMBTEST|BENCH|L1-INIT):' || true
	wait $qpid || status=$?
	if [ -f "$stalled" ]; then
		echo "nested: L1 printed nothing for $(cat "$stalled") s: stopped"
		echo "VMBTEST: L1-STALLED after $(cat "$stalled") s without output" >>"$log"
	fi
	tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"
	echo "nested: L1 ran $(( $(date +%s) - start )) s (qemu status $status)"
	[ $status = 124 ] && echo "nested: TIMEOUT after $limit s"
	return 0
}

# The lines of L1's own kernel (not L2's console, which fail() indents)
# that say it crashed.
l1_crashed() {
	grep -aE '^\[ *[0-9]+\.[0-9]+\] (BUG: |Oops|Kernel panic|general protection fault|watchdog: BUG)' "$1"
}

# Did L1 itself (not vmb) fail in the check whose log is $1? $status is
# its QEMU's exit status; a timeout (124) is not retried: the next boot
# would be as slow.
testbed_failed() {
	grep -q '^VMBTEST: L1-\(UNFIT\|STALLED\)' "$1" && return 0
	if ! grep -q '^VMBTEST: end' "$1"; then
		[ "$status" != 124 ]
		return
	fi
	l1_crashed "$1" >/dev/null && grep -q '^VMBTEST: FAIL' "$1"
}

opt="" overlay=${NESTED_OVERLAY:-} GDB_NO_TRAP="" GDB_NO_SWBP=""
[ "$mode" = script ] && opt=${2:?usage: run.sh [ARCH] script DIR}
case $arch in
arm64)
	sh tests/nested/setup-arm64.sh
	# Unsigned (the same kernel serves as L1 host and L2 guest).
	kpkg=$(kernel_pkg linux-image-arm64 arm64)
	[ -n "$kpkg" ] || { echo "nested: cannot resolve linux-image-arm64" >&2; exit 1; }
	kpkg=$kpkg-unsigned
	sh tests/fetch-images.sh "$IMAGES" "$kpkg:arm64" busybox-static:arm64 u-boot-qemu
	kernel=$(ls "$IMAGES/$kpkg"/boot/vmlinuz-* | head -n 1)
	busybox=$IMAGES/busybox-static/bin/busybox
	NESTED_IMAGES="Image=$kernel u-boot.bin=$IMAGES/u-boot-qemu/usr/lib/u-boot/qemu_arm64/u-boot.bin"
	# The gdb stub test's static protocol client (L1 has no gdb).
	mkdir -p "$OUT/gdb-root/bin"
	aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -o "$OUT/gdb-root/bin/gdbclient" \
		tests/nested/gdbclient.c
	# ... and for L2, a program that executes its own BRK
	aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -o "$OUT/guestbrk" \
		tests/nested/guestbrk.c
	overlay="$overlay $OUT/gdb-root"
	NESTED_MODULES="" NESTED_TREE="" NESTED_L2_FILES="$OUT/guestbrk=bin/guestbrk"
	if [ "$mode" = bench ]; then
		sh tests/nested/fetch-qemu.sh "$IMAGES" "$OUT/qemu-root" \
			qemu-system-arm:arm64 qemu-system-aarch64
		overlay="$overlay $OUT/qemu-root"
	fi
	# The virtio tests: L2's disk image and module-loading initramfs with
	# the static disk benchmark, a qcow2 copy for qemu-nbd, and qemu-nbd
	# (Debian's qemu-utils:arm64) in L1.
	mkdir -p "$OUT/l2-extra/bin"
	aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -o "$OUT/l2-extra/bin/diskio" \
		bench/diskio.c
	OBJCOPY=aarch64-linux-gnu-objcopy \
		sh tests/nested/mkroot.sh "$OUT" "$IMAGES/$kpkg" "$busybox" 32 "$OUT/l2-extra"
	qemu-img convert -f raw -O qcow2 "$OUT/root.ext4" "$OUT/root.qcow2"
	sh tests/nested/fetch-qemu.sh "$IMAGES" "$OUT/nbd-root" qemu-utils:arm64 qemu-nbd
	# NBD drives need libnbd and "net: user" libslirp, which only link
	# dynamically: vmb-nbd (= vmb-net) in L1.
	sh tests/nested/build-arm64-dyn.sh
	overlay="$overlay $OUT/nbd-root build/arm64-dyn/root"
	# The networking tests (net-tests.sh): L1's tun and bridge modules.
	sh tests/nested/net-modules.sh "$IMAGES/$kpkg" "$OUT/net-root"
	overlay="$overlay $OUT/net-root"
	vmb=${VMB_ARM64:-}
	if [ -z "$vmb" ]; then
		sh tests/nested/build-arm64.sh
		vmb=build/arm64/vmb
	fi
	set -- qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 \
		-cpu max,pauth-impdef=on -accel tcg -m 2G -smp 2 \
		-kernel "$kernel" -initrd "$OUT/l1.cpio.gz" \
		-append "console=ttyAMA0 rdinit=/init panic=-1 quiet vmbtest=$mode" \
		-nodefaults -display none -serial stdio -monitor none -no-reboot
	;;
x86_64)
	IMAGES=build/images/amd64
	command -v qemu-system-x86_64 >/dev/null || sh tests/setup-deps.sh qemu-system-x86
	gpkg=$(kernel_pkg linux-image-amd64 amd64)
	cpkg=$(kernel_pkg linux-image-cloud-amd64 amd64)
	[ -n "$gpkg" ] && [ -n "$cpkg" ] ||
		{ echo "nested: cannot resolve linux-image-amd64 / linux-image-cloud-amd64" >&2; exit 1; }
	sh tests/fetch-images.sh "$IMAGES" "$gpkg" "$cpkg" busybox-static
	kernel=$(ls "$IMAGES/$gpkg"/boot/vmlinuz-* | head -n 1)
	busybox=$IMAGES/busybox-static/bin/busybox
	NESTED_IMAGES="bzImage=$kernel bzImage-cloud=$(ls "$IMAGES/$cpkg"/boot/vmlinuz-* | head -n 1)"
	# Plain .ko files and no modules.dep in Debian's package: load them
	# in dependency order (ccp: SEV support is built into kvm-amd).
	NESTED_MODULES=""
	for m in virt/lib/irqbypass arch/x86/kvm/kvm drivers/crypto/ccp/ccp \
		arch/x86/kvm/kvm-amd; do
		f=$(ls "$IMAGES/$gpkg"/lib/modules/*/kernel/$m.ko* | head -n 1)
		NESTED_MODULES="$NESTED_MODULES $f"
	done
	make -s kernels
	# The bench's exit loop runs in L2 on both VMMs (bench/kvm-x86_64.sh),
	# as does the gdb test's program with its own INT3; the test's static
	# protocol client runs in L1 (which has no gdb).
	${CC:-cc} -O2 -static -o "$OUT/exitloop" bench/x86-exitloop.c
	${CC:-cc} -O2 -static -Wall -Wextra -o "$OUT/guestbrk" tests/nested/guestbrk.c
	mkdir -p "$OUT/gdb-root/bin"
	${CC:-cc} -O2 -static -Wall -Wextra -o "$OUT/gdb-root/bin/gdbclient" \
		tests/nested/gdbclient.c
	NESTED_L2_FILES="$OUT/exitloop=bin/exitloop $OUT/guestbrk=bin/guestbrk"
	# The virtio check: the generic kernel's virtio and ext4 modules in
	# an initramfs that mounts a virtio-blk root (as for arm64).
	sh tests/nested/mkroot.sh "$OUT" "$IMAGES/$gpkg" "$busybox" 32
	# The integration test of the x86_64 programs runs in L1 as on a host
	# with /dev/kvm, from a copy of the tree's paths it uses (ROOT=/vmb).
	NESTED_TREE="tests/integration/x86_64.sh=vmb/tests/integration/x86_64.sh
		tests/integration/lib.sh=vmb/tests/integration/lib.sh
		machines=vmb/machines kernels/build/x86_64=vmb/kernels/build/x86_64"
	if [ "$mode" = bench ]; then
		QEMU_FIRMWARE="qemu-system-data bios-microvm.bin" \
			sh tests/nested/fetch-qemu.sh "$IMAGES" "$OUT/qemu-root" \
			qemu-system-x86 qemu-system-x86_64
		overlay="$overlay $OUT/qemu-root"
	fi
	overlay="$overlay $OUT/gdb-root"
	# L1's QEMU (NESTED_X86_QEMU): "trixie", the default, is Debian 13's
	# QEMU 10 run from a debootstrapped root (qemu-trixie.sh); "system" is
	# this host's (Debian 12: 7.2). Under 7.2's emulated SVM, DR7 is loaded
	# at VMRUN without arming its breakpoints (fixed in QEMU 9.1), so no
	# hardware breakpoint or watchpoint set on L2 ever fires; under both,
	# an INT3 in L2 checks only the INTn intercept, never the #BP
	# exception intercept KVM sets (target/i386 raise_interrupt2, is_int),
	# so L2 takes its own #BP. gdb-tests.sh leaves out what cannot run.
	case ${NESTED_X86_QEMU:-trixie} in
	trixie)
		qemu=$(sh tests/nested/qemu-trixie.sh build/nested/qemu-trixie)
		GDB_NO_SWBP="QEMU's TCG SVM does not intercept a nested guest's INT3 as #BP"
		;;
	system)
		qemu="qemu-system-x86_64"
		GDB_NO_TRAP="QEMU 7.2 TCG SVM intercepts neither INT3 nor DR0-DR3 hits of a nested guest"
		;;
	*)
		echo "nested: NESTED_X86_QEMU=${NESTED_X86_QEMU}: expected trixie or system" >&2
		exit 1
		;;
	esac
	vmb=${VMB_X86_64:-}
	if [ -z "$vmb" ]; then
		sh tests/nested/build-x86_64.sh
		vmb=build/static/vmb
	fi
	set -- "$qemu" -accel tcg -M pc -cpu max,-xsave -smp 2 -m 3G \
		-nodefaults -kernel "$kernel" -initrd "$OUT/l1.cpio.gz" \
		-append "console=ttyS0 rdinit=/init panic=-1 quiet vmbtest=$mode" \
		-display none -serial stdio -monitor none -no-reboot
	;;
esac
export NESTED_IMAGES NESTED_MODULES NESTED_TREE NESTED_L2_FILES GDB_NO_TRAP GDB_NO_SWBP
sh tests/nested/pack.sh "$OUT" "$arch" "$vmb" "$busybox" "$opt" "$overlay"

if [ "$arch" = x86_64 ] && [ "$mode" = check ] && [ "${NESTED_DIRECT:-1}" = 1 ] &&
   [ "$(uname -m)" = x86_64 ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	echo "nested: /dev/kvm is usable here: running the x86_64 checks directly"
	make -s vmb
	log=$OUT/direct-check.log
	R=$ROOT/$OUT/l1-root
	GDB_NO_TRAP="" GDB_NO_SWBP="" PATH=$ROOT:$ROOT/$OUT/gdb-root/bin:$PATH M=$R/machines I=$R/images VMB_ROOT=$ROOT WORK=$ROOT/$OUT/work \
		sh tests/nested/tests-x86_64.sh 2>&1 | tee "$log"
else
	log=$OUT/l1-$mode.log
	if [ "$mode" = shell ]; then
		exec "$@"
	fi
	# x86_64 check boots L2 Linux 5 times: allow for a loaded machine.
	limit=${NESTED_TIMEOUT:-$([ "$mode" = bench ] && echo 3600 || echo 900)}
	boot_l1 "$@"
	# L1's own kernel crashing (an Oops in kvm-amd's VMRUN path under
	# QEMU 7.2's TCG-emulated SVM), L1 freezing (no output for
	# NESTED_STALL s), L1 resetting part way (QEMU exits, -no-reboot, no
	# "VMBTEST: end"), or an L1 whose KVM runs nothing at all
	# (tests-x86_64.sh's first check: "L1-UNFIT") is the test bed
	# failing, not vmb: say so and boot L1 again, up to NESTED_ATTEMPTS
	# boots in all (3). The new boot resumes: the checks the failed boots
	# passed whole are listed in /nested/skip (lib.sh's run_checks) and
	# their lines kept in $kept, counted with the last boot's.
	kept=$OUT/l1-$mode.kept
	: >"$kept"
	: >"$OUT/skip"
	attempt=1
	[ "$mode" != check ] || cp "$OUT/l1.cpio.gz" "$OUT/l1.cpio.gz.base"
	while [ "$mode" = check ] && [ "$attempt" -lt "${NESTED_ATTEMPTS:-3}" ] &&
	      testbed_failed "$log"; do
		echo "nested: L1 (the emulated host) crashed, hung, reset or its KVM ran nothing:"
		{ l1_crashed "$log" || true; grep -a '^VMBTEST: L1-' "$log" || true
		  grep -q '^VMBTEST: end' "$log" || echo "the check did not finish"; } |
			head -n 3 | sed 's/^/nested:   /'
		cp "$log" "$log.failed$attempt"
		awk -v kept="$kept" -v skip="$OUT/skip" '
			/^VMBTEST: begin / { name = $3; buf = ""; bad = 0; on = 1 }
			on { buf = buf $0 "\n" }
			# a group that failed runs again; its failures stay on
			# record as notes (the new boot gives the verdicts)
			on && /^VMBTEST: FAIL/ {
				bad = 1
				sub(/^VMBTEST: /, "")
				printf "VMBTEST: note boot %d: %s\n", attempt, $0 >>kept
			}
			on && /^VMBTEST: done / {
				if (!bad) { printf "%s", buf >>kept; print name >>skip }
				on = 0
			}' attempt="$attempt" "$log.failed$attempt"
		echo "nested: its log kept as $log.failed$attempt; booting L1 again," \
			"leaving out what passed: $(tr '\n' ' ' <"$OUT/skip")"
		# Linux unpacks every gzip'd cpio member of an initramfs in turn:
		# /nested/skip rides in a second member after the packed L1.
		rm -rf "$OUT/skip-root" && mkdir -p "$OUT/skip-root/nested"
		cp "$OUT/skip" "$OUT/skip-root/nested/skip"
		{ cat "$OUT/l1.cpio.gz.base"
		  (cd "$OUT/skip-root" && echo ./nested/skip |
			cpio -o -H newc -R 0:0 --quiet | gzip -9); } >"$OUT/l1.cpio.gz"
		attempt=$((attempt + 1))
		boot_l1 "$@"
	done
	if [ "$mode" = script ]; then
		cat "$log"
		exit $status
	fi
	if [ "$mode" = bench ]; then
		grep -q '^BENCH: done' "$log" || { tail -n 40 "$log"; exit 1; }
		exit 0
	fi
fi
# The verdict: the last boot's lines and those of checks an earlier boot
# passed whole (none in direct mode, bench or script).
all=$OUT/l1-$mode.all
cat "${kept:-/dev/null}" "$log" >"$all"
pass=$(grep -c '^VMBTEST: PASS' "$all" || true)
fail=$(( $(grep -c '^VMBTEST: FAIL' "$all" || true) + $(grep -c '^VMBTEST: L1-' "$log" || true) ))
if ! grep -q '^VMBTEST: end' "$log"; then
	echo "nested: the test run did not finish; last console lines:"
	tail -n 40 "$log"
	l1_crashed "$log" | head -n 3 | sed 's/^/nested: L1 crashed: /'
	fail=$((fail + 1))
elif [ "$fail" -gt 0 ]; then
	# Last, where a CI log's tail shows it: each failure with the console
	# lines fail() printed after it and vmb's own messages.
	echo "nested: failures (full log: $log):"
	awk '/^VMBTEST: FAIL/ { n = 32 } n > 0 { print; n-- }' "$log" |
		grep -v '^VMBTEST: PASS'
	grep '^VMBTEST: note [a-z0-9-]*: vmb: ' "$log" | tail -n 12
fi
retry=$(grep -c '^VMBTEST: RETRY' "$all" || true)
suffix=""
if [ "$retry" -gt 0 ]; then
	suffix=", $retry retried"
	echo "nested: $retry L2 boot(s) needed a second attempt (see the notes):"
	grep -a '^VMBTEST: RETRY' "$all"
fi
[ "${attempt:-1}" -le 1 ] || suffix="$suffix, L1 booted $attempt times"
echo "kvm-$arch: $pass passed, $fail failed$suffix"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
