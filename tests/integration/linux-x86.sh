#!/bin/sh
# Boot two Debian x86_64 kernels on the microvm board under KVM, side by
# side, each with a tiny initramfs, and check what they print against what
# vmb set up.
#
#  cloud    linux-image-*-cloud-amd64 (apt-get download), its bzImage
#           through the x86 64-bit boot protocol, 1 vCPU;
#  generic  linux-image-*-amd64, the kernel behind linux-image-amd64: the
#           one with CONFIG_X86_MPPARSE (the cloud kernel has no MP-table
#           parser), 2 vCPUs. Its bzImage is XZ-compressed: interpreted
#           (kvm_pvm) its decompressor had not finished after 39 minutes
#           (the cloud kernel's LZ4 takes under 3 minutes), so the test boots
#           the vmlinux inside it instead, as Firecracker boots Linux: the
#           payload (setup header payload_offset/payload_length) unpacked,
#           objcopy -O binary, loaded as a raw image at its physical address
#           and entered at startup_64 with the same zero page.
#
# Both kernels, the boot-protocol milestones:
#   BIOS-e820 lines       == the board's RAM regions
#   Kernel command line:  == the command line vmb passed (with the
#                            virtio_mmio.device= entries it appends)
#   RAMDISK: [mem A-B]    == where vmb placed the initrd
#   Memory: X/YK available, Y within 1 MiB below the board's RAM
# The generic kernel, what it read from vmb's MP table (apic=verbose):
#   found SMP MP-table    at the floating pointer, the last 16 bytes below
#                         640 KiB; "mpc:" = the configuration table under it
#   Processor #n          every vCPU, #0 the bootstrap processor
#   IOAPIC[0]             apic_id = number of vCPUs, 0xfec00000, GSI 0-23
#   Int: / Lint:          ISA IRQ n -> pin n with the board devices' trigger
#                         modes; ExtINT -> LINT0, NMI -> LINT1
#   Processors: N, smpboot: Allowing N CPUs
# On a software KVM (kvm_pvm: guest kernel code is interpreted and user
# space can never run) each boot is stopped once its Memory: line is out;
# both kernels would die a little later anyway, on the INT3 of the kernel's
# alternatives self-test, which kvm_pvm's instruction emulator cannot
# execute. On hardware KVM the test also waits for the initramfs's shell
# marker, vmb's clean exit after it, and (generic) "smp: Brought up 1 node,
# 2 CPUs" — that part could not be run here.
#
#   sh tests/integration/linux-x86.sh VMB [IMAGES]
# Environment: VMB_LINUX_TIMEOUT (seconds per boot, default 1200).
set -u
VMB=${1:?usage: linux-x86.sh VMB [IMAGES]}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
IMAGES=${2:-$ROOT/build/images}
TIMEOUT=${VMB_LINUX_TIMEOUT:-1200}
MACHINE=$ROOT/machines/microvm-x86_64.yaml
SMP=2 # vCPUs of the generic boot
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP linux-x86: /dev/kvm is not usable here"
	exit 0
fi
case $(uname -m) in
x86_64) ;;
*) echo "SKIP linux-x86: the host is not x86_64"; exit 0 ;;
esac
for tool in cpio gzip xz objcopy od; do
	command -v $tool >/dev/null ||
		{ fail linux-x86 "$tool is missing (apt-get install cpio xz-utils binutils)"; exit 1; }
done

# The versioned package behind a meta-package (linux-image-cloud-amd64 ->
# linux-image-6.1.0-NN-cloud-amd64, linux-image-amd64 ->
# linux-image-6.1.0-NN-amd64), given how its name ends.
resolve() {
	apt-cache depends "$1" 2>/dev/null |
		sed -n "s/^ *Depends: \\(linux-image-[0-9][^ ]*$2\\)\$/\\1/p" | head -n 1
}
cloudpkg=$(resolve linux-image-cloud-amd64 -cloud-amd64)
genpkg=$(resolve linux-image-amd64 '[0-9]-amd64')
if [ -z "$cloudpkg" ] || [ -z "$genpkg" ]; then
	apt-get update -qq >/dev/null 2>&1 || sudo apt-get update -qq >/dev/null 2>&1
	cloudpkg=$(resolve linux-image-cloud-amd64 -cloud-amd64)
	genpkg=$(resolve linux-image-amd64 '[0-9]-amd64')
fi
[ -n "$cloudpkg" ] || { fail linux-x86 "cannot resolve linux-image-cloud-amd64"; exit 1; }
[ -n "$genpkg" ] || { fail linux-x86 "cannot resolve linux-image-amd64"; exit 1; }
sh "$ROOT/tests/fetch-images.sh" "$IMAGES" "$cloudpkg" "$genpkg" busybox-static ||
	{ fail linux-x86 "cannot fetch $cloudpkg $genpkg"; exit 1; }
cloudk=$(ls "$IMAGES/$cloudpkg"/boot/vmlinuz-* | head -n 1)
genbz=$(ls "$IMAGES/$genpkg"/boot/vmlinuz-* | head -n 1)
busybox=$IMAGES/busybox-static/bin/busybox
if ! grep -q '^CONFIG_X86_MPPARSE=y' "$IMAGES/$genpkg"/boot/config-*; then
	fail linux-x86 "$genpkg has no CONFIG_X86_MPPARSE: nothing would read the MP table"
	exit 1
fi

tmp=$(mktemp -d)
watchers=
cleanup() {
	[ -n "$watchers" ] && kill $watchers 2>/dev/null
	for f in "$tmp"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Unsigned little-endian integer of N bytes at OFFSET of FILE.
le() { od -An -t u"$3" -j "$2" -N "$3" "$1" | tr -d ' '; }

# The generic kernel's vmlinux, from its bzImage (boot.rst: the payload is
# at (setup_sects + 1) * 512 + payload_offset; an ELF vmlinux, compressed),
# as a raw image of its loadable segments from the lowest physical address,
# which is its entry point startup_64 (CONFIG_PHYSICAL_START).
setup_sects=$(le "$genbz" $((0x1f1)) 1)
[ "$setup_sects" -eq 0 ] && setup_sects=4
poff=$(( (setup_sects + 1) * 512 + $(le "$genbz" $((0x248)) 4) ))
plen=$(le "$genbz" $((0x24c)) 4)
tail -c +$((poff + 1)) "$genbz" | head -c "$plen" >"$tmp/payload"
case $(od -An -t x1 -N 6 "$tmp/payload" | tr -d ' ') in
fd377a585a00) xz -dc --single-stream <"$tmp/payload" >"$tmp/vmlinux" ;;
1f8b*) gzip -dc <"$tmp/payload" >"$tmp/vmlinux" 2>/dev/null ;;
*) fail linux-x86 "$genbz: payload compression not handled here (xz, gzip)"; exit 1 ;;
esac
rm -f "$tmp/payload"
if [ "$(od -An -c -N 4 "$tmp/vmlinux" | tr -d ' ')" != '177ELF' ] ||
   ! objcopy -O binary "$tmp/vmlinux" "$tmp/vmlinux.bin"; then
	fail linux-x86 "cannot unpack the vmlinux of $genbz"
	exit 1
fi
genentry=$(printf '0x%x' "$(le "$tmp/vmlinux" $((0x18)) 8)")
rm -f "$tmp/vmlinux"

# Initramfs: busybox and an /init that prints a marker and reboots, which
# (reboot=k: the i8042 reset line; the board's reset-action: exit) ends vmb
# with status 0.
mkdir -p "$tmp/root/bin" "$tmp/root/dev" "$tmp/root/proc"
cp "$busybox" "$tmp/root/bin/busybox"
cat >"$tmp/root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox echo "vmb-initramfs: shell reached"
/bin/busybox reboot -f
EOF
chmod 755 "$tmp/root/init"
(cd "$tmp/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$tmp/initrd.img"
isize=$(wc -c <"$tmp/initrd.img")

software=no
[ -d /sys/module/kvm_pvm ] && software=yes

# Milestones: name and the line that marks it.
MILESTONES="e820 mptable cpus cmdline ramdisk memory smp shell"
pattern() {
	case $1 in
	e820) echo 'BIOS-e820' ;;
	mptable) echo 'found SMP MP-table' ;;
	cpus) echo 'smpboot: Allowing' ;;
	cmdline) echo 'Kernel command line:' ;;
	ramdisk) echo 'RAMDISK:' ;;
	memory) echo 'Memory: .*K/.*K available' ;;
	smp) echo 'smp: Brought up' ;;
	shell) echo 'vmb-initramfs: shell reached' ;;
	esac
}

# boot NAME VMB-RUN-ARGS...: run vmb, note when each milestone shows up
# (NAME.t.MILESTONE, seconds), stop it as described at the top; leaves
# NAME.txt (the console), NAME.err, NAME.status, NAME.timeout.
boot() {
	name=$1
	shift
	"$VMB" run "$MACHINE" "$@" --accel kvm >"$tmp/$name.log" 2>"$tmp/$name.err" </dev/null &
	pid=$!
	echo "$pid" >"$tmp/$name.pid"
	start=$(date +%s)
	while kill -0 "$pid" 2>/dev/null; do
		now=$(($(date +%s) - start))
		for m in $MILESTONES; do
			[ -f "$tmp/$name.t.$m" ] && continue
			grep -q "$(pattern $m)" "$tmp/$name.log" && echo "$now" >"$tmp/$name.t.$m"
		done
		if [ "$software" = yes ] && [ -f "$tmp/$name.t.memory" ]; then
			kill "$pid" 2>/dev/null
			break
		fi
		if [ "$now" -ge "$TIMEOUT" ]; then
			kill "$pid" 2>/dev/null
			echo "$now" >"$tmp/$name.timeout"
			break
		fi
		sleep 2
	done
	wait "$pid"
	echo $? >"$tmp/$name.status"
	rm -f "$tmp/$name.pid"
	tr -d '\r' <"$tmp/$name.log" >"$tmp/$name.txt"
}

# A small board: 640K + 255M below 4 GiB, 64M above; and what the
# emulator of a software KVM needs (docs/machine-format.md, cpuid-clear).
RAM_MB=255 HIGH_MB=64
# acpi=off: the MP table is under test here (vmb's ACPI tables take
# precedence when ACPI is on; tests/integration/acpi.sh checks them).
cmdline="console=ttyS0 earlyprintk=serial,ttyS0,115200 reboot=k panic=1 nokaslr noxsave clearcpuid=smap,popcnt i8042.noaux apic=verbose acpi=off"
set -- --initrd "$tmp/initrd.img" --append "$cmdline" \
	--set "memory.ram.size=${RAM_MB}M" --set "memory.high-ram.size=${HIGH_MB}M" \
	--set "cpus.cpuid-clear=[cx16]"
t0=$(date +%s)
boot cloud --kernel "$cloudk" "$@" &
cloudw=$!
boot generic --kernel "$tmp/vmlinux.bin" --set "boot.kernel-address=$genentry" \
	--set "boot.entry=$genentry" --smp $SMP "$@" &
genw=$!
watchers="$cloudw $genw"
wait $cloudw $genw
watchers=
echo "linux-x86: $cloudpkg (bzImage) and $genpkg (vmlinux at $genentry, $SMP vCPUs)" \
	"in parallel, ${isize}-byte initrd, kvm_pvm: $software, $(($(date +%s) - t0)) s"

# ---- checks common to both boots -------------------------------------------

ramend=$((0x100000 + RAM_MB * 1048576))
rd_lo=$(( (ramend - isize) & ~4095 ))
rd_hi=$(( ((rd_lo + isize + 4095) & ~4095) - 1 ))
total_k=$((640 + RAM_MB * 1024 + HIGH_MB * 1024))
wantcmd=$cmdline
i=0
while [ $i -lt 8 ]; do
	wantcmd="$wantcmd virtio_mmio.device=4096@$(printf '0x%x' $((0xd0000000 + i * 4096))):$((16 + i))"
	i=$((i + 1))
done
wantcmd="$wantcmd pci=off"
# e820: exactly the board's memory regions, in order: RAM usable, the
# empty BIOS ROM area reserved.
want820=$(printf '%s\n' \
	"BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable" \
	"BIOS-e820: [mem 0x00000000000c0000-0x00000000000fffff] reserved" \
	"BIOS-e820: [mem 0x0000000000100000-$(printf '0x%016x' $((ramend - 1)))] usable" \
	"BIOS-e820: [mem 0x0000000100000000-$(printf '0x%016x' $((0x100000000 + HIGH_MB * 1048576 - 1)))] usable")

check_boot() {
	name=$1 log=$tmp/$1.txt
	times=
	for m in $MILESTONES; do
		times="$times $m $(cat "$tmp/$name.t.$m" 2>/dev/null || echo -)"
	done
	echo "linux-x86 $name: milestones (s):$times; vmb exit status $(cat "$tmp/$name.status")"
	[ -f "$tmp/$name.timeout" ] &&
		fail "linux-x86 $name" "timed out after ${TIMEOUT}s; last output: $(tail -n 3 "$log")"

	got=$(sed -n 's/^.*\(BIOS-e820: .*\)$/\1/p' "$log")
	if [ "$got" = "$want820" ]; then pass "linux-x86 $name e820 map"
	else fail "linux-x86 $name e820 map" "got: $got; want: $want820"; fi

	got=$(sed -n 's/^.*Kernel command line: //p' "$log" | head -n 1)
	if [ "$got" = "$wantcmd" ]; then pass "linux-x86 $name command line"
	else fail "linux-x86 $name command line" "got: '$got'; want: '$wantcmd'"; fi

	# initrd: top of the RAM below 4 GiB, page aligned.
	want=$(printf 'RAMDISK: [mem 0x%08x-0x%08x]' "$rd_lo" "$rd_hi")
	got=$(sed -n 's/^.*\(RAMDISK: \[mem [^]]*\]\).*$/\1/p' "$log" | head -n 1)
	if [ "$got" = "$want" ]; then pass "linux-x86 $name initrd placement"
	else fail "linux-x86 $name initrd placement" "got: '$got'; want: '$want'"; fi

	# Memory: the total the kernel saw is the board's RAM, less at most
	# 1 MiB it keeps for itself (the first page, rounding).
	memk=$(sed -n 's/^.*Memory: [0-9]*K\/\([0-9]*\)K available.*$/\1/p' "$log" | head -n 1)
	if [ -n "$memk" ] && [ "$memk" -le "$total_k" ] && [ "$memk" -ge $((total_k - 1024)) ]; then
		pass "linux-x86 $name memory size (${memk}K of ${total_k}K)"
	else
		fail "linux-x86 $name memory size" "kernel says '${memk:-nothing}'K, the board has ${total_k}K"
	fi

	if [ "$software" = no ]; then
		if [ -f "$tmp/$name.t.shell" ] && [ "$(cat "$tmp/$name.status")" -eq 0 ]; then
			pass "linux-x86 $name initramfs shell"
		else
			fail "linux-x86 $name initramfs shell" "no shell marker (exit status $(cat "$tmp/$name.status"))"
		fi
	fi
}

# ---- the MP table, as the generic kernel read it ---------------------------

# Where vmb put it (src/arch/x86_64/mptable.c): the configuration table
# (44-byte header; 20 bytes per vCPU; bus, I/O APIC, 24 I/O and 2 local
# interrupt entries of 8 bytes), padded to 16 bytes, then the 16-byte
# floating pointer, ending at 640 KiB.
check_mptable() {
	log=$tmp/generic.txt
	cfg=$((44 + 20 * SMP + 8 + 8 + 26 * 8))
	mpc=$((0xa0000 - ((cfg + 15) & ~15) - 16))
	ioapic_id=$SMP

	got=$(sed -n 's/^.*\(found SMP MP-table at .*\)$/\1/p' "$log" | head -n 1)
	want="found SMP MP-table at [mem 0x0009fff0-0x0009ffff]"
	if [ "$got" = "$want" ]; then pass "linux-x86 MP floating pointer"
	else fail "linux-x86 MP floating pointer" "got: '$got'; want: '$want'"; fi

	got=$(sed -n 's/^.*  mpc: \([0-9a-f]*-[0-9a-f]*\)$/\1/p' "$log" | head -n 1)
	want=$(printf '%x-%x' $mpc $((mpc + cfg)))
	if [ "$got" = "$want" ]; then pass "linux-x86 MP configuration table at 0x$want"
	else fail "linux-x86 MP configuration table" "mpc: got '$got'; want '$want'"; fi

	# Every line of the parse, in order (apic=verbose adds Bus/Int/Lint),
	# and nothing the parser complains about.
	want=$(
		echo "Intel MultiProcessor Specification v1.4"
		echo "MPTABLE: OEM ID: VMB"
		echo "MPTABLE: Product ID: MICROVM"
		echo "MPTABLE: APIC at: 0xFEE00000"
		i=0
		while [ $i -lt $SMP ]; do
			[ $i -eq 0 ] && echo "Processor #0 (Bootup-CPU)" || echo "Processor #$i"
			i=$((i + 1))
		done
		echo "Bus #0 is ISA"
		echo "IOAPIC[0]: apic_id $ioapic_id, version 17, address 0xfec00000, GSI 0-23"
		# The board's interrupts: i8042 1 and 12, COM1 4, RTC 8 edge
		# (active high: pol 1, trig 1); virtio 16-23 level (pol 1,
		# trig 3); the other pins conform to the ISA bus (0, 0).
		pin=0
		while [ $pin -lt 24 ]; do
			case $pin in
			1 | 4 | 8 | 12) pt="pol 1, trig 1" ;;
			1[6-9] | 2[0-3]) pt="pol 1, trig 3" ;;
			*) pt="pol 0, trig 0" ;;
			esac
			printf 'Int: type 0, %s, bus 00, IRQ %02x, APIC ID %x, APIC INT %02x\n' \
				"$pt" $pin $ioapic_id $pin
			pin=$((pin + 1))
		done
		echo "Lint: type 3, pol 0, trig 0, bus 00, IRQ 00, APIC ID ff, APIC LINT 00"
		echo "Lint: type 1, pol 0, trig 0, bus 00, IRQ 00, APIC ID ff, APIC LINT 01"
		echo "Processors: $SMP"
		echo "smpboot: Allowing $SMP CPUs, 0 hotplug CPUs"
	)
	got=$(sed -n '/Intel MultiProcessor Specification/,/smpboot: Allowing/p' "$log" |
		sed -e 's/^\[[^]]*\] //' -e 's/ *$//' |
		grep -E '^(Intel|MPTABLE|Processor|Bus #|IOAPIC\[|Int:|Lint:|smpboot)')
	if [ "$got" = "$want" ]; then
		pass "linux-x86 MP table: $SMP CPUs, I/O APIC $ioapic_id at 0xfec00000 GSI 0-23, 24 pins, LINT0/1"
	else
		fail "linux-x86 MP table" "got:
$got
want:
$want"
	fi
	if grep -E 'MPTABLE: (bad|checksum|no processors|null)|BIOS bug|mptable is wrong' "$log"; then
		fail "linux-x86 MP table" "the kernel complained (above)"
	fi

	if [ "$software" = no ]; then
		if grep -q "smp: Brought up 1 node, $SMP CPUs" "$log"; then pass "linux-x86 $SMP vCPUs up"
		else fail "linux-x86 $SMP vCPUs up" "no 'smp: Brought up 1 node, $SMP CPUs'"; fi
	fi
}

check_boot cloud
check_boot generic
check_mptable
if [ "$software" = yes ]; then
	echo "linux-x86: kvm_pvm cannot run user space (nor the kernel past its INT3" \
		"self-test): the initramfs shell and the secondary vCPUs are not checked"
fi

if [ $fails -ne 0 ]; then
	for name in cloud generic; do
		echo "--- $name: guest output (last 40 lines) ---"
		tail -n 40 "$tmp/$name.txt"
		echo "--- $name: vmb stderr ---"
		cat "$tmp/$name.err"
	done
fi
[ $fails -eq 0 ]
