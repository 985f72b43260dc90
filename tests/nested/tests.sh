#!/bin/sh
# The nested arm64 KVM tests, run by L1's /init (tests/nested/l1-init) with
# the static aarch64 vmb on L1's /dev/kvm. Prints "VMBTEST: PASS|FAIL name"
# lines and a closing "VMBTEST: end" for tests/nested/run.sh.
#  1. U-Boot (Debian u-boot-qemu) on machines/virt-gicv3.yaml reaches its
#     prompt; version, bdinfo, reset (PSCI SYSTEM_RESET, U-Boot comes back)
#     and poweroff (PSCI SYSTEM_OFF, vmb exits 0) work.
#  2. Debian's arm64 kernel boots directly (--kernel/--initrd/--append) with
#     2 vCPUs and 512 MiB to a busybox shell; both CPUs are online,
#     /proc/interrupts shows the arch_timer and PL011 interrupts counting;
#     a PL031 alarm interrupt arrives; reboot -f (PSCI SYSTEM_RESET) boots
#     Linux again with both CPUs; poweroff -f ends vmb with status 0.
#  3. machines/virt.yaml (GICv2) is refused with a clear message: L1's
#     GICv3 has no GICv2 compatibility, so KVM offers no vGICv2.
#  4. A guest load from an unmapped address ends vmb with status 2 and a
#     crash report (registers, the faulting instruction), for a bare-metal
#     guest (MMU off) and for a Linux user process (code read through the
#     guest's page tables).
#  5. Virtio (virtio-mmio slots of machines/virt-gicv3.yaml): Debian's
#     kernel with its root file system on virtio-blk (--drive, an ext4 image
#     from tests/nested/mkroot.sh, mounted read-write) and its console
#     on hvc0 (--console virtio, console=hvc0); /dev/hwrng reads from
#     virtio-rng (--rng; rng_current is virtio_rng.0); a file written and
#     synced survives SIGKILL of vmb and shows up in a second run; the same
#     image converted to qcow2 and served by qemu-nbd (Debian's arm64
#     qemu-utils) over a Unix socket boots through --drive nbd+unix://.
#  6. Networking (net-tests.sh): two L2 guests with virtio-net on taps
#     bridged in L1 ping each other and move a file (md5 compared).
#  7. Execution traces: --trace insn refused under KVM; --trace mmio=FILE
#     on a Linux boot logs PL011 writes and virtio-mmio probes by name.
#  8. The gdb stub under KVM (gdb-tests.sh, shared with x86_64): attach,
#     Ctrl-C, hardware and software (BRK) breakpoints in the kernel with a
#     single step, the guest's own BRK given back, all-stop, read and write
#     watchpoints, `monitor device` of the GIC (the in-kernel vGIC's SPI
#     state), `monitor reset` (Linux boots again under the debugger),
#     detach.
# NESTED_ONLY="test_gdb ..." runs only those checks (run.sh passes it in).
. "$(dirname "$0")/lib.sh"

M=/machines
I=/images
T_UBOOT=${T_UBOOT:-180}
T_LINUX=${T_LINUX:-600}
L2_PROMPT='l2# (\[6n)?$'

test_uboot() {
	con_start uboot vmb run $M/virt-gicv3.yaml --accel kvm \
		--firmware $I/u-boot.bin
	if ! con_wait 'Hit any key to stop autoboot' "$T_UBOOT"; then
		fail uboot-prompt "no autoboot countdown within $T_UBOOT s"
		con_end 5
		return
	fi
	con_mark
	con_send " "
	if ! con_wait '=> $' 30; then
		fail uboot-prompt "no '=>' prompt after stopping autoboot"
		con_end 5
		return
	fi
	pass uboot-prompt "$(( $(now_ms) - CON_T0 )) ms"

	con_mark
	con_send version
	if con_wait '^U-Boot 20[0-9][0-9]' 30 && con_wait '=> $' 30; then
		pass uboot-version
	else
		fail uboot-version "no U-Boot version line"
	fi

	con_mark
	con_send bdinfo
	if con_wait 'DRAM bank' 30 && con_wait '=> $' 30 &&
	   con_since_mark | grep -qE 'start += 0x0*40000000'; then
		pass uboot-bdinfo
	else
		fail uboot-bdinfo "no DRAM bank at 0x40000000 in bdinfo"
	fi

	con_mark
	con_send reset
	if con_wait 'Hit any key to stop autoboot' "$T_UBOOT"; then
		con_mark
		con_send " "
		if con_wait '=> $' 30; then
			pass uboot-reset
		else
			fail uboot-reset "no prompt after the reset"
		fi
	else
		fail uboot-reset "U-Boot did not come back after 'reset'"
	fi

	con_mark
	con_send poweroff
	con_end 30
	if [ "$CON_STATUS" = 0 ]; then
		pass uboot-poweroff
	else
		fail uboot-poweroff "vmb exit status $CON_STATUS, expected 0"
	fi
}

# Sum of the per-CPU counts of the /proc/interrupts lines matching $1 in
# the output since the mark.
irq_count() {
	con_since_mark | awk -v pat="$1" '
		$0 ~ pat { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i }
		END { print s + 0 }'
}

test_linux() {
	con_start linux vmb run $M/virt-gicv3.yaml --accel kvm \
		--kernel $I/Image --initrd $I/l2.cpio.gz \
		--append "console=ttyAMA0" --smp 2 -m 512M
	if ! con_wait 'L2-INIT: up' "$T_LINUX"; then
		fail linux-boot "no L2 /init within $T_LINUX s"
		con_end 5
		return
	fi
	if ! con_wait "$L2_PROMPT" 60; then
		fail linux-boot "no shell prompt"
		con_end 5
		return
	fi
	pass linux-boot "$(( $(now_ms) - CON_T0 )) ms to the shell"
	if grep -q 'L2-INIT: up, 2 CPUs online' "$CON_OUT"; then
		pass linux-smp "2 CPUs online"
	else
		fail linux-smp "$(grep -o 'L2-INIT: up, [0-9]* CPUs' "$CON_OUT")"
	fi

	con_mark
	con_send "cat /proc/interrupts"
	con_wait "$L2_PROMPT" 60
	t1=$(irq_count arch_timer)
	u1=$(irq_count 'pl011')
	sleep 2
	con_mark
	con_send "cat /proc/interrupts"
	con_wait "$L2_PROMPT" 60
	t2=$(irq_count arch_timer)
	u2=$(irq_count 'pl011')
	con_since_mark | grep -E 'arch_timer|pl011'
	if [ "$t1" -gt 0 ] && [ "$t2" -gt "$t1" ]; then
		pass linux-timer-irq "arch_timer $t1 -> $t2"
	else
		fail linux-timer-irq "arch_timer interrupts $t1 -> $t2"
	fi
	if [ "$u1" -gt 0 ] && [ "$u2" -gt "$u1" ]; then
		pass linux-uart-irq "pl011 $u1 -> $u2"
	else
		fail linux-uart-irq "pl011 interrupts $u1 -> $u2"
	fi

	# PL031 alarm: SPI 2 raised by the RTC model, delivered by KVM_IRQ_LINE.
	con_mark
	con_send "echo +2 >/sys/class/rtc/rtc0/wakealarm; sleep 4; grep pl031 /proc/interrupts"
	con_wait "$L2_PROMPT" 60
	r=$(irq_count 'pl031')
	if [ "$r" -gt 0 ]; then
		pass linux-rtc-alarm "$r alarm interrupt(s)"
	else
		fail linux-rtc-alarm "no rtc-pl031 interrupt 4 s after a 2 s alarm"
	fi

	# PSCI SYSTEM_RESET: board, vCPUs and vGIC reset, Linux boots again
	# with both CPUs (the secondary back to powered off, then CPU_ON).
	con_mark
	con_send "reboot -f"
	if con_wait 'L2-INIT: up' "$T_LINUX" && con_wait "$L2_PROMPT" 60; then
		if con_since_mark | grep -q 'L2-INIT: up, 2 CPUs online'; then
			pass linux-reboot
		else
			fail linux-reboot "$(con_since_mark | grep -o 'L2-INIT: up, [0-9]* CPUs')"
		fi
	else
		fail linux-reboot "no L2 /init after 'reboot -f'"
	fi

	con_mark
	con_send "poweroff -f"
	con_end 60
	if [ "$CON_STATUS" = 0 ]; then
		pass linux-poweroff
	else
		fail linux-poweroff "vmb exit status $CON_STATUS, expected 0"
	fi
}

# Execution traces under KVM: --trace insn is refused (KVM does not see
# each instruction); --trace mmio=FILE logs the Linux boot's device
# accesses that reach vmb: PL011 data writes from the vCPUs spelling what
# the console showed, the virtio-mmio probes and a virtio-blk disk's set-up
# and queue notifies by their virtio 1.2 names.
test_trace() {
	out=$(vmb run $M/virt-gicv3.yaml --accel kvm --trace insn \
		--firmware $I/u-boot.bin </dev/null 2>&1)
	st=$?
	if [ $st = 1 ] && echo "$out" | grep -q -- '--trace insn: the kvm backend cannot record executed instructions'; then
		pass trace-insn-refused-on-kvm
	else
		fail trace-insn-refused-on-kvm "status $st: $out"
	fi
	# The initramfs that loads virtio_mmio and virtio_blk (the plain one
	# has no modules, so nothing would probe the slots), its shell on the
	# PL011; a read of the disk makes queue notifies.
	con_start trace vmb run $M/virt-gicv3.yaml --accel kvm \
		--kernel $I/Image --initrd $I/l2-boot.cpio.gz \
		--append "console=ttyAMA0" --smp 2 -m 256M \
		--drive "$I/root.ext4,ro" --trace mmio=$WORK/mmio.log
	if ! con_wait 'L2-INIT: up' "$T_LINUX" || ! con_wait "$L2_PROMPT" 60; then
		fail trace-mmio-linux "no L2 shell"
		con_end 5
		return
	fi
	con_mark
	con_send "dd if=/dev/vda of=/dev/null bs=64k count=16"
	con_wait "$L2_PROMPT" 60
	con_send "poweroff -f"
	con_end 60
	# The UARTDR bytes written by vCPUs, decoded (busybox awk has no
	# strtonum).
	text=$(awk '$2 ~ /^cpu[0-9]+$/ && $3 == "uart0:UARTDR" && $4 == "W" {
			v = 0; h = substr($6, 3)
			for (i = 1; i <= length(h); i++)
				v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			if (v >= 32 && v < 127) printf "%c", v; else if (v == 10) printf "\n"
		}' "$WORK/mmio.log")
	if [ "$CON_STATUS" = 0 ] && echo "$text" | grep -q 'L2-INIT: up, 2 CPUs online' &&
	   echo "$text" | grep -q 'Booting Linux on physical CPU'; then
		pass trace-mmio-linux "$(wc -l <"$WORK/mmio.log") lines"
	else
		fail trace-mmio-linux "status $CON_STATUS; UARTDR text: $(echo "$text" | head -c 300)"
	fi
	# Probes of every slot; the disk's slot (the last) driven through its
	# registers: device ID 2 (block), status, queue set-up, notifies
	# (ioeventfds are not used while tracing, so they reach vmb).
	if grep -qE '^[0-9]+\.[0-9]{9} cpu[01] virtio0:MagicValue R 4 0x74726976 mmio:0x0a000000 virtio-mmio$' "$WORK/mmio.log" &&
	   grep -qE ' cpu[01] virtio31:DeviceID R 4 0x00000002 mmio:0x0a003e08 virtio-mmio$' "$WORK/mmio.log" &&
	   grep -qE ' cpu[01] virtio31:Status W 4 0x0000000f ' "$WORK/mmio.log" &&
	   grep -qE ' cpu[01] virtio31:QueueDescLow W 4 ' "$WORK/mmio.log" &&
	   grep -qE ' cpu[01] virtio31:QueueNotify W 4 ' "$WORK/mmio.log"; then
		pass trace-mmio-virtio-names "$(grep -c 'virtio31:QueueNotify W' "$WORK/mmio.log") notifies"
	else
		fail trace-mmio-virtio-names "$(grep -m3 virtio31 "$WORK/mmio.log")"
	fi
	rm -f "$WORK/mmio.log"
}

test_gicv2_refused() {
	out=$(vmb run $M/virt.yaml --accel kvm --firmware $I/u-boot.bin \
		</dev/null 2>&1)
	st=$?
	if [ $st = 1 ] && echo "$out" | grep -q 'vGICv2'; then
		pass gicv2-refused
	else
		fail gicv2-refused "status $st: $out"
	fi
}

# A guest load from an address nothing owns stops vmb with status 2 and a
# crash report: registers from KVM_GET_ONE_REG, code at the PC (MMU off).
test_fault() {
	# movz x1, #0x5000, lsl #16; ldr w0, [x1]; b .  (RAM ends at 0x48000000)
	printf '\001\000\252\322\040\000\100\271\000\000\000\024' >/tmp/bad.bin
	out=$(vmb run $M/virt-gicv3.yaml --accel kvm --kernel /tmp/bad.bin \
		</dev/null 2>&1)
	st=$?
	if [ $st = 2 ] && echo "$out" | grep -q 'unmapped' &&
	   echo "$out" | grep -qE 'x1 +0*50000000' &&
	   echo "$out" | grep -qE '=>.*ldr'; then
		pass kvm-crash-report
	else
		fail kvm-crash-report "status $st (expected 2): $out"
	fi
}

# The same with Linux running (and --accel auto, which must pick kvm): a
# user-space load (busybox devmem, through a /dev/mem mapping) from a GPA
# nothing owns. The crash report must show the instruction, read at a user
# VA through the guest's stage-1 tables.
test_linux_fault() {
	# No --accel: auto must pick kvm.
	con_start lfault vmb run $M/virt-gicv3.yaml \
		--kernel $I/Image --initrd $I/l2.cpio.gz \
		--append "console=ttyAMA0" -m 256M
	if ! con_wait "$L2_PROMPT" "$T_LINUX"; then
		fail linux-crash-report "no shell prompt"
		con_end 5
		return
	fi
	con_mark
	con_send "devmem 0x50000000 32"
	con_end 60
	out=$(con_since_mark)
	if [ "$CON_STATUS" = 2 ] && echo "$out" | grep -q 'unmapped' &&
	   echo "$out" | grep -q '(kvm backend)' &&
	   echo "$out" | grep -qE '^=> +[0-9a-f]+: +[0-9a-f]{8} +ldr'; then
		pass linux-crash-report
	else
		fail linux-crash-report "status $CON_STATUS (expected 2), or no code at the PC in the report"
	fi
}

# Start vmb on a virtio-blk root (drive $2), console on hvc0, and wait for
# the shell of tests/nested/l2-root-init. Returns 1 (after a fail) if it
# does not come.
virtio_boot() { # NAME DRIVE TESTNAME [VMB]
	con_start "$1" "${4:-vmb}" run $M/virt-gicv3.yaml --accel kvm \
		--kernel $I/Image --initrd $I/l2-boot.cpio.gz \
		--append "root=/dev/vda rw console=hvc0" -m 256M \
		--drive "$2" --console virtio --rng
	if ! con_wait 'L2-ROOT: up' "$T_LINUX" || ! con_wait "$L2_PROMPT" 60; then
		fail "$3" "no shell from the virtio-blk root file system"
		con_end 5
		return 1
	fi
}

# Run a command line in the L2 shell; its output is con_since_mark's.

test_virtio() {
	disk=$WORK/root.ext4
	cp $I/root.ext4 "$disk"
	virtio_boot vroot "$disk" virtio-blk-root || return
	if grep -q 'L2-ROOT: up, root /dev/vda ext4 rw' "$CON_OUT"; then
		pass virtio-blk-root "$(( $(now_ms) - CON_T0 )) ms to the shell"
	else
		fail virtio-blk-root "$(grep -o 'L2-ROOT: up.*' "$CON_OUT")"
	fi
	# The console: hvc0 is the kernel's only console, and this shell
	# (typed into and read through vmb's stdio) runs on it.
	l2_run "cat /proc/consoles; tty"
	if con_since_mark | grep -qE '^hvc0 ' &&
	   ! con_since_mark | grep -q '^ttyAMA'; then
		pass virtio-console-hvc0
	else
		fail virtio-console-hvc0 "hvc0 is not the console: $(con_since_mark | tr '\n' ' ')"
	fi
	l2_run "cat /sys/class/misc/hw_random/rng_current; dd if=/dev/hwrng bs=64 count=4 2>/dev/null | wc -c; dd if=/dev/hwrng bs=32 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n'; echo"
	n=$(con_since_mark | grep -E '^ *[0-9]+$' | tail -n 1 | tr -d ' ')
	hex=$(con_since_mark | grep -E '^[0-9a-f]{64}$' | tail -n 1)
	if con_since_mark | grep -q '^virtio_rng.0$' && [ "$n" = 256 ] &&
	   [ -n "$hex" ] && [ "$hex" != "$(printf '%064d' 0)" ]; then
		pass virtio-rng-hwrng "rng_current virtio_rng.0, 256 bytes read"
	else
		fail virtio-rng-hwrng "rng_current or /dev/hwrng: $(con_since_mark | tr '\n' ' ')"
	fi

	# Crash consistency: data written and synced by the guest is in the
	# image when the VMM dies without any chance to flush.
	token=vmb-$(now_ms)-$$
	l2_run "echo $token >/root/persist; dd if=/dev/urandom of=/root/blob bs=4096 count=64 2>/dev/null; sync; md5sum /root/blob; echo synced"
	sum=$(con_since_mark | awk '/\/root\/blob$/ { print $1 }' | tail -n 1)
	if ! con_since_mark | grep -q '^synced$' || [ -z "$sum" ]; then
		fail virtio-blk-crash "the guest could not write and sync"
		con_kill
		return
	fi
	con_kill
	virtio_boot vroot2 "$disk" virtio-blk-crash || return
	l2_run "cat /root/persist; md5sum /root/blob"
	if con_since_mark | grep -q "^$token\$" &&
	   con_since_mark | grep -q "^$sum  /root/blob"; then
		pass virtio-blk-crash "synced file intact after SIGKILL"
	else
		fail virtio-blk-crash "after SIGKILL and rerun: $(con_since_mark | tr '\n' ' ')"
	fi
	con_send "poweroff -f"
	con_end 60
	if [ "$CON_STATUS" = 0 ]; then
		pass virtio-poweroff
	else
		fail virtio-poweroff "vmb exit status $CON_STATUS, expected 0"
	fi
}

# The image behind NBD: qemu-nbd serves it as qcow2 (a format vmb does not
# parse itself) on a Unix socket, vmb's virtio-blk reads and writes it
# through libnbd (vmb-nbd: the dynamically linked vmb, build-arm64-dyn.sh).
test_virtio_nbd() {
	if ! command -v qemu-nbd >/dev/null || ! command -v vmb-nbd >/dev/null; then
		fail virtio-blk-nbd "no qemu-nbd or vmb-nbd in L1"
		return
	fi
	nbdimg=$WORK/root.qcow2
	cp $I/root.qcow2 "$nbdimg"
	sock=$WORK/nbd.sock
	rm -f "$sock"
	qemu-nbd --fork -f qcow2 -x root -k "$sock" --persistent \
		--pid-file "$WORK/qemu-nbd.pid" "$nbdimg" 2>"$WORK/qemu-nbd.err"
	if ! [ -S "$sock" ]; then
		fail virtio-blk-nbd "qemu-nbd did not start: $(cat "$WORK/qemu-nbd.err")"
		return
	fi
	if virtio_boot vnbd "nbd+unix:///root?socket=$sock" virtio-blk-nbd vmb-nbd; then
		l2_run "echo over-nbd >/root/nbd; sync; cat /root/nbd; grep ' / ' /proc/mounts"
		if con_since_mark | grep -q '^/dev/vda / ext4 rw' &&
		   con_since_mark | grep -q '^over-nbd$'; then
			pass virtio-blk-nbd "qcow2 via qemu-nbd, root rw"
		else
			fail virtio-blk-nbd "$(con_since_mark | tr '\n' ' ')"
		fi
		con_send "poweroff -f"
		con_end 60
	fi
	kill "$(cat "$WORK/qemu-nbd.pid")" 2>/dev/null
}

# 8. The gdb stub (gdb-tests.sh): how this arch boots Linux under it and
#    what its symbols and stops look like.
gdb_boot() { # SOCKET
	con_start gdb vmb run $M/virt-gicv3.yaml --accel kvm \
		--kernel $I/Image --initrd $I/l2.cpio.gz \
		--append "console=ttyAMA0 nokaslr" --smp 2 -m 512M --gdb "unix:$1"
}
GDB_CALLERS='__arm64_sys_openat|do_sys_open'
GDB_STEP_TO='do_sys_openat2\+0x4'
GDB_DEVICE=gicv3 GDB_DEVICE_INTID=33 # the PL011: SPI 1
GDB_EXTRA_SYMS='vectors'
GDB_READ_WATCH=rwatch
. "$(dirname "$0")/gdb-tests.sh"

echo "VMBTEST: start, $(vmb --version 2>&1 | head -n 1)"
t0=$(now_ms)
# The networking checks (net-tests.sh) run as they are sourced.
test_net() { . /nested/net-tests.sh; }
# shellcheck disable=SC2086
run_checks ${NESTED_ONLY:-test_uboot test_linux test_trace test_gdb \
	test_gicv2_refused test_fault test_linux_fault test_virtio \
	test_virtio_nbd test_net}
echo "VMBTEST: end after $(( ($(now_ms) - t0) / 1000 )) s"
