#!/bin/sh
# Boot Debian's cloud kernel (linux-image-*-cloud-amd64, fetched with
# apt-get download) through the x86 64-bit boot protocol on the microvm
# board under KVM, with a tiny initramfs, and check the boot-protocol
# milestones the kernel prints against what vmb set up:
#   BIOS-e820 lines       == the board's RAM regions
#   Kernel command line:  == the command line vmb passed (with the
#                            virtio_mmio.device= entries it appends)
#   RAMDISK: [mem A-B]    == where vmb placed the initrd
#   Memory: X/YK available, Y within 1 MiB below the board's RAM
# On a software KVM (kvm_pvm: guest kernel code is interpreted and user
# space can never run) the test stops vmb once those lines are out, which
# takes minutes. On hardware KVM it also waits for the initramfs's shell
# marker and vmb's clean exit after it (could not be run here).
#
#   sh tests/integration/linux-x86.sh VMB [IMAGES]
# Environment: VMB_LINUX_TIMEOUT (seconds, default 1200).
set -u
VMB=${1:?usage: linux-x86.sh VMB [IMAGES]}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
IMAGES=${2:-$ROOT/build/images}
TIMEOUT=${VMB_LINUX_TIMEOUT:-1200}
MACHINE=$ROOT/machines/microvm-x86_64.yaml
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

# The versioned package behind the linux-image-cloud-amd64 meta-package.
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1)
if [ -z "$pkg" ]; then
	apt-get update -qq >/dev/null 2>&1 || sudo apt-get update -qq >/dev/null 2>&1
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1)
fi
[ -n "$pkg" ] || { fail linux-x86 "cannot resolve linux-image-cloud-amd64"; exit 1; }
sh "$ROOT/tests/fetch-images.sh" "$IMAGES" "$pkg" busybox-static ||
	{ fail linux-x86 "cannot fetch $pkg"; exit 1; }
kernel=$(ls "$IMAGES/$pkg"/boot/vmlinuz-* | head -n 1)
busybox=$IMAGES/busybox-static/bin/busybox

tmp=$(mktemp -d)
vmbpid=
cleanup() {
	[ -n "$vmbpid" ] && kill "$vmbpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

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

# A small board: 640K + 255M below 4 GiB, 64M above; and what the
# emulator of a software KVM needs (docs/machine-format.md, cpuid-clear).
RAM_MB=255 HIGH_MB=64
cmdline="console=ttyS0 earlyprintk=serial,ttyS0,115200 reboot=k panic=1 nokaslr noxsave clearcpuid=smap,popcnt i8042.noaux"
"$VMB" run "$MACHINE" --kernel "$kernel" --initrd "$tmp/initrd.img" \
	--append "$cmdline" --set "memory.ram.size=${RAM_MB}M" \
	--set "memory.high-ram.size=${HIGH_MB}M" --set "cpus.cpuid-clear=[cx16]" \
	--accel kvm >"$tmp/log" 2>"$tmp/err" </dev/null &
vmbpid=$!
start=$(date +%s)
t_e820= t_cmd= t_rd= t_mem= t_shell=
software=no
[ -d /sys/module/kvm_pvm ] && software=yes
while kill -0 "$vmbpid" 2>/dev/null; do
	now=$(($(date +%s) - start))
	[ -z "$t_e820" ] && grep -q 'BIOS-e820' "$tmp/log" && t_e820=$now
	[ -z "$t_cmd" ] && grep -q 'Kernel command line:' "$tmp/log" && t_cmd=$now
	[ -z "$t_rd" ] && grep -q 'RAMDISK:' "$tmp/log" && t_rd=$now
	[ -z "$t_mem" ] && grep -q 'Memory: .*K/.*K available' "$tmp/log" && t_mem=$now
	[ -z "$t_shell" ] && grep -q 'vmb-initramfs: shell reached' "$tmp/log" && t_shell=$now
	if [ "$software" = yes ] && [ -n "$t_mem" ]; then
		kill "$vmbpid" 2>/dev/null
		break
	fi
	if [ "$now" -ge "$TIMEOUT" ]; then
		kill "$vmbpid" 2>/dev/null
		fail linux-x86 "timed out after ${TIMEOUT}s; last output: $(tail -n 3 "$tmp/log")"
		break
	fi
	sleep 2
done
wait "$vmbpid" 2>/dev/null
st=$?
vmbpid=
tr -d '\r' <"$tmp/log" >"$tmp/log.txt"
echo "linux-x86: $pkg, initrd $isize bytes, kvm_pvm: $software"
echo "linux-x86: milestones (s): e820 ${t_e820:--} cmdline ${t_cmd:--} ramdisk ${t_rd:--} memory ${t_mem:--} shell ${t_shell:--}"

# e820: exactly the board's memory regions, in order: RAM usable, the
# empty BIOS ROM area reserved.
want=$(printf '%s\n' \
	"BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable" \
	"BIOS-e820: [mem 0x00000000000c0000-0x00000000000fffff] reserved" \
	"BIOS-e820: [mem 0x0000000000100000-$(printf '0x%016x' $((0x100000 + RAM_MB * 1048576 - 1)))] usable" \
	"BIOS-e820: [mem 0x0000000100000000-$(printf '0x%016x' $((0x100000000 + HIGH_MB * 1048576 - 1)))] usable")
got=$(sed -n 's/^.*\(BIOS-e820: .*\)$/\1/p' "$tmp/log.txt")
if [ "$got" = "$want" ]; then pass "linux-x86 e820 map"
else fail "linux-x86 e820 map" "got: $got; want: $want"; fi

# Command line, with the virtio-mmio slots vmb announces.
wantcmd=$cmdline
i=0
while [ $i -lt 8 ]; do
	wantcmd="$wantcmd virtio_mmio.device=4096@$(printf '0x%x' $((0xd0000000 + i * 4096))):$((16 + i))"
	i=$((i + 1))
done
gotcmd=$(sed -n 's/^.*Kernel command line: //p' "$tmp/log.txt" | head -n 1)
if [ "$gotcmd" = "$wantcmd" ]; then pass "linux-x86 command line"
else fail "linux-x86 command line" "got: '$gotcmd'; want: '$wantcmd'"; fi

# initrd: top of the RAM below 4 GiB, page aligned.
ramend=$((0x100000 + RAM_MB * 1048576))
rd_lo=$(( (ramend - isize) & ~4095 ))
rd_hi=$(( ((rd_lo + isize + 4095) & ~4095) - 1 ))
wantrd=$(printf 'RAMDISK: [mem 0x%08x-0x%08x]' "$rd_lo" "$rd_hi")
gotrd=$(sed -n 's/^.*\(RAMDISK: \[mem [^]]*\]\).*$/\1/p' "$tmp/log.txt" | head -n 1)
if [ "$gotrd" = "$wantrd" ]; then pass "linux-x86 initrd placement"
else fail "linux-x86 initrd placement" "got: '$gotrd'; want: '$wantrd'"; fi

# Memory: the total the kernel saw is the board's RAM, less at most 1 MiB
# it keeps for itself (the first page, rounding).
total_k=$((640 + RAM_MB * 1024 + HIGH_MB * 1024))
memk=$(sed -n 's/^.*Memory: [0-9]*K\/\([0-9]*\)K available.*$/\1/p' "$tmp/log.txt" | head -n 1)
if [ -n "$memk" ] && [ "$memk" -le "$total_k" ] && [ "$memk" -ge $((total_k - 1024)) ]; then
	pass "linux-x86 memory size (${memk}K of ${total_k}K)"
else
	fail "linux-x86 memory size" "kernel says '${memk:-nothing}'K, the board has ${total_k}K"
fi

if [ "$software" = no ]; then
	if [ -n "$t_shell" ] && [ "$st" -eq 0 ]; then pass "linux-x86 initramfs shell"
	else fail "linux-x86 initramfs shell" "no shell marker (exit status $st)"; fi
else
	echo "linux-x86: kvm_pvm cannot run user space: the initramfs shell is not checked"
fi
if [ $fails -ne 0 ]; then
	echo "--- guest output (last 40 lines) ---"
	tail -n 40 "$tmp/log.txt"
	echo "--- vmb stderr ---"
	cat "$tmp/err"
fi
[ $fails -eq 0 ]
