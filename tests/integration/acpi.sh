#!/bin/sh
# The ACPI tables vmb generates for machines/microvm-x86_64.yaml (`vmb
# acpi`, the bytes a boot puts at 0xe0000), disassembled by ACPICA's
# `iasl -d` (Debian acpica-tools): every table must decode without errors
# and say what the board says.
#   RSDP   signature, both checksums (iasl -d does not take a bare RSDP),
#          revision 2, XSDT address = the XSDT's place (0xe0000 + 48)
#   XSDT   lists the FADT and the MADT
#   FADT   hardware-reduced, 8042 present, reset register and sleep
#          control/status registers at the acpi-pm device's ports
#   DSDT   the COM1 16550 (PNP0501, ports 0x3f8-0x3ff, IRQ 4), the
#          i8042 (PNP0303), the CMOS clock (PNP0B00), 8 virtio-mmio
#          transports (LNRO0005, 4 KiB windows, level interrupts 16-23),
#          \_S5
#   MADT   one enabled local APIC per vCPU (--smp 3 here), the I/O APIC
#          with ID 3 at 0xfec00000, GSI base 0, NMI on LINT1
#   sh tests/integration/acpi.sh VMB
set -u
VMB=${1:?usage: acpi.sh VMB}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
M=$ROOT/machines/microvm-x86_64.yaml
. "$(dirname "$0")/lib.sh"

if ! command -v iasl >/dev/null; then
	fail acpi "iasl is missing (apt-get install acpica-tools; tests/setup-deps.sh does)"
	exit 1
fi
d=$tmp/acpi
if ! "$VMB" acpi "$M" --smp 3 -o "$d" 2>"$tmp/err"; then
	fail acpi "vmb acpi failed: $(cat "$tmp/err")"
	exit 1
fi
if ! (cd "$d" && iasl -d APIC.dat DSDT.dat FACP.dat XSDT.dat) >"$tmp/iasl" 2>&1 ||
   grep -Eiq '(^| )(error|warning)' "$tmp/iasl"; then
	fail "acpi iasl -d" "$(grep -Ei 'error|warning' "$tmp/iasl" | head -n 5)"
else
	pass "acpi: iasl -d decodes XSDT, FACP, DSDT, APIC without errors"
fi

# u8 at OFFSET of FILE; sum of the first N bytes mod 256.
byte() { od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' '; }
sum() { od -An -tu1 -N "$2" -v "$1" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s % 256 }'; }
r=$d/RSDP.dat
if [ "$(head -c 8 "$r")" = "RSD PTR " ] && [ "$(sum "$r" 20)" = 0 ] &&
   [ "$(sum "$r" 36)" = 0 ] && [ "$(byte "$r" 15)" = 2 ] &&
   [ "$(od -An -tx8 -j 24 -N 8 "$r" | tr -d ' ')" = 00000000000e0030 ]; then
	pass "acpi: RSDP checksums, revision 2, XSDT at 0xe0030"
else
	fail "acpi RSDP" "$(od -An -tx1 "$r")"
fi

# has TABLE PATTERN...: every pattern (grep -E) matches a line of TABLE.dsl.
has() {
	t=$1
	shift
	for p in "$@"; do
		if ! grep -Eq -- "$p" "$d/$t.dsl"; then
			fail "acpi $t" "no line matching '$p' in $t.dsl"
			return 1
		fi
	done
	pass "acpi: $t as the board says"
}
has XSDT 'ACPI Table Address   0 : 00000000000E0' 'ACPI Table Address   1 : 00000000000E0'
has FACP 'Hardware Reduced \(V5\) : 1' '8042 Present on ports 60/64 \(V2\) : 1' \
	'Reset Register Supported \(V2\) : 1' 'Value to cause reset : 01' \
	'Sleep Control Register' 'Address : 0000000000000600' \
	'Address : 0000000000000601' 'Address : 0000000000000602'
has DSDT 'EisaId \("PNP0501"\)' '0x03F8, +// Range Minimum' 'IRQNoFlags \(\)' '\{4\}' \
	'EisaId \("PNP0303"\)' 'EisaId \("PNP0B00"\)' 'Name \(\\_S5, Package'
n=$(grep -c '"LNRO0005"' "$d/DSDT.dsl")
irqs=$(grep -A2 'Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive' "$d/DSDT.dsl" |
	grep -cE '0x000000(1[0-7]),')
if [ "$n" = 8 ] && [ "$irqs" = 8 ] && grep -q '0xD0007000,' "$d/DSDT.dsl"; then
	pass "acpi: DSDT has the 8 virtio-mmio transports with their level interrupts"
else
	fail "acpi DSDT virtio" "$n LNRO0005 devices, $irqs level interrupts"
fi
lapics=$(grep -c 'Subtable Type : 00 \[Processor Local APIC\]' "$d/APIC.dsl")
enabled=$(grep -c 'Processor Enabled : 1' "$d/APIC.dsl")
if [ "$lapics" = 3 ] && [ "$enabled" = 3 ]; then
	has APIC 'Subtable Type : 01 \[I/O APIC\]' 'I/O Apic ID : 03' 'Address : FEC00000' \
		'Subtable Type : 04 \[Local APIC NMI\]' 'Interrupt Input LINT : 01'
else
	fail "acpi APIC" "$lapics local APICs, $enabled enabled (want 3)"
fi

# Not for arm64 machines.
expect_vmb "acpi: refused for an arm64 machine" 1 err 'generated for x86_64 machines' -- \
	acpi "$ROOT/machines/virt.yaml" -o "$tmp/none"
[ $fails -eq 0 ]
