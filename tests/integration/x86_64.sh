#!/bin/sh
# The x86_64 test programs (kernels/x86_64) on the microvm board under KVM:
# output over the 16550, exits dispatched to an I/O-port device (COM1) and
# an MMIO device (virtio-mmio) and counted by --stats, the ways a guest
# stops (i8042 reset line, HLT with interrupts off, reboot, faults with a
# crash report), interrupts through the in-kernel I/O APIC, ELF and raw
# images, a second vCPU, and the CPUID filter.
#   sh tests/integration/x86_64.sh VMB
# Without a usable /dev/kvm on an x86_64 host it prints SKIP and succeeds.
set -u
VMB=${1:?usage: x86_64.sh VMB}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
K=$ROOT/kernels/build/x86_64
M=$ROOT/machines/microvm-x86_64.yaml
. "$(dirname "$0")/lib.sh"

if [ "$(uname -m)" != x86_64 ]; then
	echo "SKIP x86_64: the host is $(uname -m), KVM runs x86_64 guests on x86_64 hosts"
	exit 0
fi
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP x86_64: /dev/kvm is missing or not accessible"
	exit 0
fi
if [ ! -f "$K/hello.elf" ]; then
	fail x86_64 "$K/hello.elf missing: run 'make kernels'"
	exit 1
fi

# run NAME WANT-STATUS [vmb run args...]: output in $tmp/out (CR removed),
# stderr in $tmp/err. Input from $tmp/in if it exists.
run() {
	name=$1 want=$2
	shift 2
	if [ -f "$tmp/in" ]; then
		timeout -k 10 60 "$VMB" run "$M" --accel kvm "$@" <"$tmp/in" >"$tmp/raw" 2>"$tmp/err"
	else
		timeout -k 10 60 "$VMB" run "$M" --accel kvm "$@" </dev/null >"$tmp/raw" 2>"$tmp/err"
	fi
	st=$?
	tr -d '\r' <"$tmp/raw" >"$tmp/out"
	if [ "$st" -ne "$want" ]; then
		fail "$name" "exit status $st, expected $want; stderr: $(head -c 2000 "$tmp/err")"
		return 1
	fi
	return 0
}

# has NAME FILE PATTERN (grep -E) ...: every pattern matches a line.
has() {
	name=$1 file=$2
	shift 2
	for p in "$@"; do
		if ! grep -Eq -- "$p" "$file"; then
			fail "$name" "no line matching '$p' in $(basename "$file"): $(head -c 1500 "$file")"
			return 1
		fi
	done
	return 0
}

# stat_count FILE DEVICE KIND: the count --stats printed for vCPU 0.
stat_count() {
	sed -n "s/^kvm: vCPU 0:   device $2 *$3 *\([0-9]*\)$/\1/p" "$1" | head -n 1
}

# hello: ELF boot, zero page, e820, CMOS clock, the KVM CPUID leaves
# (hypervisor bit, "KVMKVMKVM" at 0x40000000, kvm-clock offered at
# 0x40000001), i8042 reset -> exit 0.
year=$(date -u +%Y)
if run hello 0 --kernel "$K/hello.elf" --append "vmb-test" -v &&
   has hello "$tmp/out" '^Hello from x86_64 on vmb!$' \
	'^cmdline: vmb-test virtio_mmio.device=4096@0xd0000000:16 ' \
	'^e820: 0x0-0x9ffff type 1$' '^e820: 0xc0000-0xfffff type 2$' \
	'^e820: 0x100000000-0x13fffffff type 1$' "^rtc: $year-" '^bye$' \
	'^cpuid: apic-id 0 cx16 (yes|no) hypervisor yes$' \
	'^cpuid: 0x40000000 KVMKVMKVM max 0x4000000[1-9a-f] features 0x[0-9a-f]+ kvmclock yes$' &&
   has hello "$tmp/err" 'i8042'; then
	pass "hello (ELF)"
fi

# The raw binary of the same program, loaded at 1 MiB.
if run hello-raw 0 --kernel "$K/hello.bin" &&
   has hello-raw "$tmp/out" '^Hello from x86_64 on vmb!$' '^bye$'; then
	pass "hello (raw binary)"
fi

# Exit round trips: N port writes to COM1, N MMIO reads of virtio-mmio,
# both reached and counted per device by --stats.
N=2000
if run exits 0 --kernel "$K/exits.elf" --append "pio=$N mmio=$N" --stats &&
   has exits "$tmp/out" "^exits: pio $N mmio $N\$" 'magic 0x74726976 ok$' &&
   has exits "$tmp/err" '^kvm: vCPU 0: [0-9]+ exits, guest [0-9.]+ s, VMM [0-9.]+ s' \
	'^kvm: vCPU 0:   exit io ' '^kvm: vCPU 0:   exit mmio '; then
	pio=$(stat_count "$tmp/err" uart0 pio)
	mmio=$(stat_count "$tmp/err" virtio0 mmio)
	if [ "${pio:-0}" -ge $N ] && [ "${mmio:-0}" -ge $N ] && [ "$mmio" -le $((N + 5)) ]; then
		pass "exits: $pio I/O-port exits to uart0, $mmio MMIO exits to virtio0"
	else
		fail exits "stats count uart0 pio ${pio:-none}, virtio0 mmio ${mmio:-none}; want >= $N"
	fi
fi

# HLT with interrupts off: the machine powers off (exit 0), also with a
# second vCPU that never left its wait-for-SIPI state.
if run halt 0 --kernel "$K/halt.elf" -v &&
   has halt "$tmp/out" '^halt: cli; hlt$' &&
   has halt "$tmp/err" 'halted'; then
	pass "halt: HLT with interrupts disabled stops the machine"
fi
if run halt-smp 0 --kernel "$K/halt.elf" --smp 2 --stats &&
   has halt-smp "$tmp/err" '^kvm: vCPU 1: ' '^kvm: total: '; then
	pass "halt with 2 vCPUs"
fi

# i8042 reset-action reboot: the machine resets twice, CMOS NVRAM counts.
if run reboot 0 --kernel "$K/reboot.elf" --set devices.i8042.reset-action=reboot --stats &&
   has reboot "$tmp/out" '^reboot: boot 1$' '^reboot: boot 2$' '^reboot: boot 3$' \
	'^reboot: done$' &&
   has reboot "$tmp/err" '2 guest resets'; then
	pass "reboot through the i8042, CMOS NVRAM kept"
fi

# Interrupts: console input -> 16550 RX interrupt -> I/O APIC -> vector.
printf 'vmb-echo q' >"$tmp/in"
if run echo 0 --kernel "$K/echo.elf" &&
   has echo "$tmp/out" '^echo: vmb-echo' '^echo: [1-9][0-9]* interrupts$'; then
	pass "echo: UART receive interrupts through the I/O APIC"
fi
rm -f "$tmp/in"

# Faults: a triple fault, and (kvm_pvm) an emulation failure, each with a
# crash report and exit status 2.
if run triple-fault 2 --kernel "$K/fault.elf" --append ud2 &&
   has triple-fault "$tmp/err" 'triple fault' 'rip'; then
	pass "triple fault reported as a guest fault"
fi
if [ -d /sys/module/kvm_pvm ]; then
	if run emulation-failure 2 --kernel "$K/fault.elf" &&
	   has emulation-failure "$tmp/err" 'KVM internal error: emulation failure' \
		'instruction bytes: f3 48 0f b8' 'popcnt'; then
		pass "emulation failure reported with the instruction at RIP"
	fi
else
	echo "SKIP emulation-failure: this KVM executes POPCNT (not kvm_pvm)"
fi

# CPUID filter from the machine file; an unknown feature name is an error.
if run cpuid 0 --kernel "$K/hello.elf" --set 'cpus.cpuid-clear=[cx16]' &&
   has cpuid "$tmp/out" '^cpuid: apic-id 0 cx16 no '; then
	pass "cpus.cpuid-clear hides CX16"
fi
if run cpuid-kvmclock 0 --kernel "$K/hello.elf" --set 'cpus.cpuid-clear=[kvmclock]' &&
   has cpuid-kvmclock "$tmp/out" '^cpuid: 0x40000000 KVMKVMKVM .* kvmclock no$'; then
	pass "cpus.cpuid-clear hides kvm-clock (CPUID 0x40000001 bits 0 and 3)"
fi
if run cpuid-bad 1 --kernel "$K/hello.elf" --set 'cpus.cpuid-clear=[cx17]' &&
   has cpuid-bad "$tmp/err" "unknown CPU feature 'cx17'"; then
	pass "unknown cpuid-clear feature rejected"
fi

[ $fails -eq 0 ]
