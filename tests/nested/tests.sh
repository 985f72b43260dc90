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

echo "VMBTEST: start, $(vmb --version 2>&1 | head -n 1)"
t0=$(now_ms)
test_uboot
test_linux
test_gicv2_refused
test_fault
test_linux_fault
echo "VMBTEST: end after $(( ($(now_ms) - t0) / 1000 )) s"
