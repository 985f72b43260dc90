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
#   virtio-blk in the guest: the same kernel, 256 MiB, 1 vCPU, the
#     initramfs of tests/nested/mkroot-arm64.sh (virtio modules, no root=)
#     and one raw 128 MiB image in L1's memory on virtio-mmio (vmb --drive;
#     QEMU -drive if=none,format=raw -device virtio-blk-device, its default
#     cache=writeback, aio=threads). In the guest bench/diskio (O_DIRECT,
#     queue depth 1, DISK_SECS s each, default 5) measures sequential read
#     and write with 1 MiB requests (MB/s) and random read and write with
#     4 KiB requests (IOPS) on /dev/vda. vmb and QEMU runs alternate.
#   networking: vmb against QEMU with user networking (libslirp) and with
#     tap on a bridge, throughput both ways and ping RTT
#     (bench/kvm-arm64-net.sh).
# BENCH_PARTS (default "uboot linux disk net") picks the measurements.
# RUNS (default 3) runs each, medians and ratios vmb/QEMU printed as
# "BENCH:" lines (time: target <= 1.0; disk throughput and IOPS: target
# >= 1.0).
. /nested/lib.sh
. /bench/kvm-arm64-net.sh
RUNS=${RUNS:-3}
M=/machines
I=/images
QEMU="qemu-system-aarch64 -nodefaults -M virt,gic-version=3 -accel kvm -cpu host
	-display none -serial stdio -monitor none"
DISK_SECS=${DISK_SECS:-5}

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

# One boot with the disk: prints "NAME VALUE" lines (seqread/seqwrite in
# MB/s, randread/randwrite in IOPS), or nothing.
disk_once() { # LABEL CMD...
	label=$1
	shift
	con_start "$label" "$@"
	if con_wait 'l2# (\[6n)?$' 900; then
		# busybox's line editor asks for the cursor position (ESC [6n)
		# at each prompt; a line typed while it waits for an answer can
		# be swallowed on a slow guest: settle on a second prompt first.
		sleep 2
		con_mark
		con_send ""
		con_wait 'l2# (\[6n)?$' 60
		con_mark
		con_send "diskio /dev/vda write 1048576 $DISK_SECS; diskio /dev/vda read 1048576 $DISK_SECS; diskio /dev/vda randwrite 4096 $DISK_SECS; diskio /dev/vda randread 4096 $DISK_SECS; echo disk-done"
		if con_wait '^disk-done' $((DISK_SECS * 4 + 300)); then
			con_since_mark | awk '/^DISKIO: / {
				split($7, m, "="); split($6, i, "=")
				if ($2 == "read") print "seqread", m[2]
				if ($2 == "write") print "seqwrite", m[2]
				if ($2 == "randread") print "randread", i[2]
				if ($2 == "randwrite") print "randwrite", i[2] }'
		fi
		con_send "poweroff -f"
	fi
	con_end 60 >&2
}

disk_bench() {
	img=$WORK/disk.img
	dd if=/dev/zero of="$img" bs=1M count=128 2>/dev/null
	: >"$WORK/disk-vmb" && : >"$WORK/disk-qemu"
	for i in $(seq "$RUNS"); do
		for who in vmb qemu; do
			if [ $who = vmb ]; then
				set -- vmb run $M/virt-gicv3.yaml --accel kvm -m 256M \
					--kernel $I/Image --initrd $I/l2-boot.cpio.gz \
					--append console=ttyAMA0 --drive "$img"
			else
				# shellcheck disable=SC2086
				set -- $QEMU -m 256M -kernel $I/Image \
					-initrd $I/l2-boot.cpio.gz -append console=ttyAMA0 \
					-drive if=none,id=d0,format=raw,file="$img" \
					-device virtio-blk-device,drive=d0
			fi
			out=$(disk_once "disk-$who" "$@")
			if [ -z "$out" ]; then
				echo "BENCH: disk $who run $i failed; last output:"
				tail -n 15 "$WORK/disk-$who.out" | tr -d '\r'
				continue
			fi
			echo "BENCH: disk $who run $i: $(echo "$out" | tr '\n' ' ')"
			echo "$out" >>"$WORK/disk-$who"
		done
	done
	echo "BENCH: == virtio-blk in the guest, O_DIRECT, queue depth 1, medians of $RUNS runs (higher is better)"
	for k in seqread:MB/s seqwrite:MB/s randread:IOPS randwrite:IOPS; do
		name=${k%:*} unit=${k#*:}
		v=$(awk -v k="$name" '$1 == k { print $2 }' "$WORK/disk-vmb" | median)
		q=$(awk -v k="$name" '$1 == k { print $2 }' "$WORK/disk-qemu" | median)
		printf 'BENCH: disk %-9s vmb %9s  qemu %9s %-4s  ratio %s\n' "$name" \
			"${v:-?}" "${q:-?}" "$unit" \
			"$( [ -n "$v" ] && [ -n "$q" ] && ratio "$v" "$q")"
	done
}

echo "BENCH: $(vmb --version 2>&1 | head -n 1); $(qemu-system-aarch64 --version | head -n 1)"
parts=" ${BENCH_PARTS:-uboot linux disk net} "
want() { case $parts in *" $1 "*) return 0 ;; esac; return 1; }
if want uboot; then
	uv=$(measure ub-vmb "U-Boot vmb" uboot vmb run $M/virt-gicv3.yaml --accel kvm \
		--firmware $I/u-boot.bin)
	# $QEMU is a command line: split on purpose.
	# shellcheck disable=SC2086
	uq=$(measure ub-qemu "U-Boot qemu" uboot $QEMU -m 128M -bios $I/u-boot.bin)
fi
if want linux; then
	lv=$(measure lx-vmb "Linux vmb" linux vmb run $M/virt-gicv3.yaml --accel kvm \
		--kernel $I/Image --initrd $I/l2.cpio.gz --append console=ttyAMA0 \
		--smp 2 -m 512M)
	# shellcheck disable=SC2086
	lq=$(measure lx-qemu "Linux qemu" linux $QEMU -smp 2 -m 512M -kernel $I/Image \
		-initrd $I/l2.cpio.gz -append console=ttyAMA0)
fi
echo "BENCH: == nested arm64 KVM, medians of $RUNS runs"
want uboot && printf 'BENCH: U-Boot time-to-prompt  vmb %6s ms  qemu %6s ms  ratio %s\n' \
	"${uv:-?}" "${uq:-?}" "$( [ -n "$uv" ] && [ -n "$uq" ] && ratio "$uv" "$uq")"
want linux && printf 'BENCH: Linux time-to-shell    vmb %6s ms  qemu %6s ms  ratio %s\n' \
	"${lv:-?}" "${lq:-?}" "$( [ -n "$lv" ] && [ -n "$lq" ] && ratio "$lv" "$lq")"
want disk && disk_bench
want net && net_bench
echo "BENCH: done"
