#!/bin/sh
# x86_64 KVM, vmb against QEMU, inside the nested L1 guest (started by
# `make bench-kvm-x86`, i.e. tests/nested/run.sh x86_64 bench, which puts
# this script, a static vmb and Debian's qemu-system-x86_64 7.2 with
# bios-microvm.bin in L1's initramfs). Both run on L1's /dev/kvm with the
# same kernel (Debian's generic amd64 bzImage), initramfs (busybox,
# tests/nested/l2-init, exitloop), 512 MiB and 2 vCPUs:
#   vmb   machines/microvm-x86_64.yaml, 64-bit boot protocol, its ACPI
#   qemu  -M microvm -accel kvm -cpu host -nodefaults (qboot firmware,
#         its ACPI), the same command line as vmb passes (pci=off too)
# Each run, A then B alternately, RUNS (default 3) times:
#   time to shell  from spawning the VMM to the busybox prompt;
#   PIO exit       exitloop pio: N reads of COM1's scratch register
#                  through /dev/port (an inb in the L2 kernel), ns/exit;
#   MMIO exit      exitloop mmio: N reads of a virtio-mmio transport's
#                  MagicValue (vmb 0xd0000000, QEMU microvm 0xfeb00000),
#                  ns/exit;
# then poweroff -f. Medians and the ratio vmb/QEMU as "BENCH:" lines
# (target <= 1.0 on each).
. /nested/lib.sh
RUNS=${RUNS:-3}
N=${N:-20000}
M=/machines
I=/images
T_LINUX=${T_LINUX:-900}
APPEND="console=ttyS0 reboot=k panic=1"
MEM='memory=[{name: low-ram, type: ram, base: 0, size: 640K},
 {name: bios, type: rom, base: 0xc0000, size: 256K},
 {name: ram, type: ram, base: 0x100000, size: 511M}]'

# One run: boot to the shell, the two exit loops, power off. Prints
# "SHELL_MS PIO_NS MMIO_NS" on stdout, or nothing.
once() { # LABEL MMIO-ADDR CMD...
	label=$1 addr=$2
	shift 2
	con_start "$label" "$@"
	if ! con_wait 'l2# (\[6n)?$' "$T_LINUX"; then
		con_end 10 >&2
		return
	fi
	t=$(( $(now_ms) - CON_T0 ))
	con_mark
	con_send "exitloop pio $N; exitloop mmio $addr $N"
	if con_wait 'exitloop: mmio .* ns/exit' 600; then
		p=$(con_since_mark | sed -n 's/^exitloop: pio [0-9]* exits, \([0-9]*\) ns\/exit$/\1/p')
		m=$(con_since_mark | sed -n 's/^exitloop: mmio [0-9]* exits, \([0-9]*\) ns\/exit$/\1/p')
	fi
	con_send "poweroff -f"
	con_end 60 >&2
	[ -n "${p:-}" ] && [ -n "${m:-}" ] && echo "$t $p $m"
}

vmb_once() {
	once vmb 0xd0000000 vmb run $M/microvm-x86_64.yaml --accel kvm \
		--kernel $I/bzImage --initrd $I/l2.cpio.gz --append "$APPEND" \
		--set "$MEM" --smp 2
}

qemu_once() {
	once qemu 0xfeb00000 qemu-system-x86_64 -M microvm -accel kvm -cpu host \
		-nodefaults -m 512M -smp 2 -display none -serial stdio -monitor none \
		-no-reboot -kernel $I/bzImage -initrd $I/l2.cpio.gz \
		-append "$APPEND pci=off"
}

echo "BENCH: $(vmb --version 2>&1 | head -n 1); $(qemu-system-x86_64 --version | head -n 1)"
: >"$WORK/vmb.times"
: >"$WORK/qemu.times"
i=1
while [ $i -le "$RUNS" ]; do
	for who in vmb qemu; do
		r=$("${who}_once")
		if [ -n "$r" ]; then
			echo "BENCH: $who run $i: shell $(echo "$r" | cut -d' ' -f1) ms," \
				"pio $(echo "$r" | cut -d' ' -f2) ns/exit," \
				"mmio $(echo "$r" | cut -d' ' -f3) ns/exit"
			echo "$r" >>"$WORK/$who.times"
		else
			echo "BENCH: $who run $i failed; last output:"
			tail -n 15 "$WORK/$who.out" | tr -d '\r'
		fi
	done
	i=$((i + 1))
done
echo "BENCH: == nested x86_64 KVM (L1: QEMU TCG, AMD SVM), 512 MiB, 2 vCPUs, medians of $RUNS runs"
for col in 1:"time to shell    :ms" 2:"PIO exit (inb)   :ns" 3:"MMIO exit (read) :ns"; do
	k=${col%%:*} rest=${col#*:}
	title=${rest%:*} unit=${rest##*:}
	v=$(cut -d' ' -f"$k" "$WORK/vmb.times" | median)
	q=$(cut -d' ' -f"$k" "$WORK/qemu.times" | median)
	printf 'BENCH: %s vmb %8s %s  qemu %8s %s  ratio %s\n' "$title" "${v:-?}" \
		"$unit" "${q:-?}" "$unit" "$( [ -n "$v" ] && [ -n "$q" ] && ratio "$v" "$q")"
done
echo "BENCH: done"
