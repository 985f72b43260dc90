#!/bin/sh
# arm64 KVM boot times, vmb against QEMU, inside the nested L1 guest
# (started by `make bench-kvm-arm64`, i.e. tests/nested/run.sh bench, which
# puts this script, a static vmb and Debian's arm64 qemu-system-aarch64 in
# L1's initramfs). Both run the same images with the same memory and vCPUs
# on L1's /dev/kvm:
#   U-Boot time-to-prompt: Debian's u-boot-qemu, 128 MiB, 1 vCPU, GICv3;
#     from spawning the VMM to U-Boot's "=>" prompt, a key sent at "Hit any
#     key to stop autoboot" (as bench/uboot-prompt.exp does).
#   Linux time-to-shell: Debian's arm64 kernel + busybox initramfs booted
#     directly, 512 MiB, 2 vCPUs, to the shell prompt of tests/nested/l2-init.
# RUNS (default 3) runs each, medians and ratios vmb/QEMU printed as
# "BENCH:" lines (target <= 1.0).
. /nested/lib.sh
RUNS=${RUNS:-3}
M=/machines
I=/images
QEMU="qemu-system-aarch64 -M virt,gic-version=3 -accel kvm -cpu host
	-nographic -monitor none -nic none"

uboot_once() { # LABEL CMD...: prints ms to the prompt, or nothing
	label=$1
	shift
	con_start "$label" "$@"
	if con_wait 'Hit any key to stop autoboot' 300; then
		con_mark
		con_send " "
		if con_wait '=> $' 60; then
			echo $(( $(now_ms) - CON_T0 ))
			con_send poweroff
		fi
	fi
	con_end 30 >&2
}

linux_once() {
	label=$1
	shift
	con_start "$label" "$@"
	if con_wait 'l2# (\[6n)?$' 900; then
		echo $(( $(now_ms) - CON_T0 ))
		con_send "poweroff -f"
	fi
	con_end 60 >&2
}

# Per-run lines on stderr (the console), the median on stdout.
measure() { # NAME LABEL KIND CMD...
	name=$1 label=$2 kind=$3
	shift 3
	: >"$WORK/$name.times"
	for i in $(seq "$RUNS"); do
		t=$("${kind}_once" "$name" "$@")
		if [ -z "$t" ]; then
			{
				echo "BENCH: $label run $i failed; last output:"
				tail -n 15 "$WORK/$name.out" | tr -d '\r'
			} >&2
			continue
		fi
		echo "BENCH: $label run $i: $t ms" >&2
		echo "$t" >>"$WORK/$name.times"
	done
	median <"$WORK/$name.times"
}

echo "BENCH: $(vmb --version 2>&1 | head -n 1); $(qemu-system-aarch64 --version | head -n 1)"
uv=$(measure ub-vmb "U-Boot vmb" uboot vmb run $M/virt-gicv3.yaml --accel kvm \
	--firmware $I/u-boot.bin)
# $QEMU is a command line: split on purpose.
# shellcheck disable=SC2086
uq=$(measure ub-qemu "U-Boot qemu" uboot $QEMU -m 128M -bios $I/u-boot.bin)
lv=$(measure lx-vmb "Linux vmb" linux vmb run $M/virt-gicv3.yaml --accel kvm \
	--kernel $I/Image --initrd $I/l2.cpio.gz --append console=ttyAMA0 \
	--smp 2 -m 512M)
# shellcheck disable=SC2086
lq=$(measure lx-qemu "Linux qemu" linux $QEMU -smp 2 -m 512M -kernel $I/Image \
	-initrd $I/l2.cpio.gz -append console=ttyAMA0)
echo "BENCH: == nested arm64 KVM, medians of $RUNS runs"
printf 'BENCH: U-Boot time-to-prompt  vmb %6s ms  qemu %6s ms  ratio %s\n' \
	"${uv:-?}" "${uq:-?}" "$( [ -n "$uv" ] && [ -n "$uq" ] && ratio "$uv" "$uq")"
printf 'BENCH: Linux time-to-shell    vmb %6s ms  qemu %6s ms  ratio %s\n' \
	"${lv:-?}" "${lq:-?}" "$( [ -n "$lv" ] && [ -n "$lq" ] && ratio "$lv" "$lq")"
echo "BENCH: done"
