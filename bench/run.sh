#!/bin/sh
# vmb benchmarks, side by side with the reference in one run.
#   sh bench/run.sh VMB IMAGES
# Reports medians over RUNS (default 5) and ratios vmb/reference.
set -eu
VMB=$1
IMAGES=$2
RUNS=${RUNS:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
UBOOT=$IMAGES/u-boot-qemu/usr/lib/u-boot/qemu_arm64/u-boot.bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

uboot_bench() { # MODE TITLE
	echo "== U-Boot time-to-prompt, $2 (Debian u-boot-qemu, virt, 128 MiB, $RUNS runs, median)"
	: >"$tmp/vmb"
	: >"$tmp/qemu"
	for i in $(seq "$RUNS"); do # alternating: vmb, qemu, vmb, qemu ...
		expect "$ROOT/bench/uboot-prompt.exp" vmb 1 "$1" "$VMB" run "$ROOT/machines/virt.yaml" \
			--accel emu --firmware "$UBOOT" >>"$tmp/vmb"
		expect "$ROOT/bench/uboot-prompt.exp" qemu 1 "$1" qemu-system-aarch64 -nodefaults -M virt \
			-cpu cortex-a57 -m 128M -bios "$UBOOT" -display none -serial stdio -monitor none >>"$tmp/qemu"
	done
	v=$(awk '{ print $2 }' "$tmp/vmb" | median)
	q=$(awk '{ print $2 }' "$tmp/qemu" | median)
	printf '  vmb (emu/Unicorn)   %6d ms\n  qemu 7.2 (TCG)      %6d ms\n  ratio vmb/qemu      %6s   (target <= 1.20)\n' \
		"$v" "$q" "$(ratio "$v" "$q")"
}
uboot_bench wait "with the 2 s autoboot countdown"
uboot_bench key "countdown stopped by a key"

echo "== U-Boot over user networking: tftpboot 8 MiB, ping the gateway (emu vs QEMU TCG, $RUNS runs alternating, median)"
mkdir -p "$tmp/tftp"
head -c 8388608 /dev/urandom >"$tmp/tftp/big"
expect "$ROOT/bench/net-tftp.exp" "$RUNS" "$VMB" "$ROOT/machines/virt.yaml" "$UBOOT" \
	"$tmp/tftp" big >"$tmp/net"
for who in vmb qemu; do
	awk -v w=$who '$1 == w { print $2 }' "$tmp/net" | median >"$tmp/net-t-$who"
	awk -v w=$who '$1 == w { print $3 }' "$tmp/net" | median >"$tmp/net-p-$who"
done
printf '  tftpboot 8 MiB      vmb %6d ms  qemu %6d ms  ratio %s (throughput qemu/vmb: %s)\n' \
	"$(cat "$tmp/net-t-vmb")" "$(cat "$tmp/net-t-qemu")" \
	"$(ratio "$(cat "$tmp/net-t-vmb")" "$(cat "$tmp/net-t-qemu")")" \
	"$(ratio "$(cat "$tmp/net-t-qemu")" "$(cat "$tmp/net-t-vmb")")"
printf '  ping 10.0.2.2       vmb %6d ms  qemu %6d ms  ratio %s\n' \
	"$(cat "$tmp/net-p-vmb")" "$(cat "$tmp/net-p-qemu")" \
	"$(ratio "$(cat "$tmp/net-p-vmb")" "$(cat "$tmp/net-p-qemu")")"

echo "== gdb stub cost under emu: U-Boot banner to prompt, A B C alternating ($RUNS runs, median)"
expect "$ROOT/bench/gdb-prompt.exp" "$RUNS" "$VMB" "$ROOT/machines/virt.yaml" "$UBOOT" "$tmp" >"$tmp/gdb"
for m in plain gdb bp; do
	awk -v m=$m '$1 == m { print $2 }' "$tmp/gdb" | median >"$tmp/gdb-$m"
done
gp=$(cat "$tmp/gdb-plain")
printf '  no debugger         %6d ms\n' "$gp"
printf '  gdb attached        %6d ms  ratio %s (target <= 1.02)\n' "$(cat "$tmp/gdb-gdb")" \
	"$(ratio "$(cat "$tmp/gdb-gdb")" "$gp")"
printf '  one breakpoint      %6d ms  ratio %s\n' "$(cat "$tmp/gdb-bp")" \
	"$(ratio "$(cat "$tmp/gdb-bp")" "$gp")"

echo "== vmb start-up: exec to guest power-off for a 2-instruction guest ($RUNS runs, median)"
# movz w0, #0x8400, lsl #16; add w0, w0, #8 (PSCI SYSTEM_OFF); hvc #0
printf '\000\200\260\122\000\040\000\021\002\000\000\324' >"$tmp/off.bin"
for i in $(seq "$RUNS"); do
	/usr/bin/time -f '%e %M' -o "$tmp/t" "$VMB" run "$ROOT/machines/virt.yaml" \
		--accel emu --kernel "$tmp/off.bin" </dev/null >/dev/null
	cat "$tmp/t" >>"$tmp/startup"
done
s=$(awk '{ print $1 * 1000 }' "$tmp/startup" | median)
r=$(awk '{ print $2 }' "$tmp/startup" | median)
printf '  exec to exit        %6s ms\n  peak RSS            %6s KiB\n' "$s" "$r"

echo "== peak RSS at the U-Boot prompt"
/usr/bin/time -f "%M" -o "$tmp/rss" expect "$ROOT/bench/uboot-prompt.exp" vmb 1 key \
	"$VMB" run "$ROOT/machines/virt.yaml" --accel emu --firmware "$UBOOT" >/dev/null
printf '  vmb + expect        %6s KiB (max of the two processes)\n' "$(cat "$tmp/rss")"

# Cost of --trace insn / --trace mmio (docs/debugging.md)
sh "$ROOT/bench/trace.sh" "$VMB" "$IMAGES"

if [ -x "$ROOT/bench/x86-exits.sh" ] || [ -f "$ROOT/bench/x86-exits.sh" ]; then
	if [ -r /dev/kvm ] && [ "$(uname -m)" = x86_64 ]; then
		echo "== x86_64 KVM exit round trips"
		sh "$ROOT/bench/x86-exits.sh" "$VMB"
	fi
fi
