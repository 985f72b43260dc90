#!/bin/sh
# Cost of the execution traces (vmb run --trace, docs/debugging.md): U-Boot
# time-to-prompt under emu, countdown stopped by a key, plain against
# --trace insn and --trace mmio=FILE, the three alternating run by run
# (A B C A B C ...), medians and ratios to the plain run.
#   sh bench/trace.sh VMB IMAGES
# RUNS (default 5) rounds. BASE=/path/to/another/vmb adds its plain run
# to each round ("base"): a build without tracing support, to show that
# the plain run pays nothing for it.
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

one() { # LABEL [vmb options...]
	label=$1
	shift
	expect "$ROOT/bench/uboot-prompt.exp" "$label" 1 key "$VMB" run \
		"$ROOT/machines/virt.yaml" --accel emu --firmware "$UBOOT" "$@" >>"$tmp/times"
}

echo "== U-Boot time-to-prompt under emu with execution traces ($RUNS rounds alternating, median)"
for i in $(seq "$RUNS"); do
	one plain
	[ -z "${BASE:-}" ] || VMB=$BASE one base
	one insn --trace insn
	one mmio --trace "mmio=$tmp/mmio.log"
done
p=$(awk '$1 == "plain" { print $2 }' "$tmp/times" | median)
for t in plain ${BASE:+base} insn mmio; do
	m=$(awk -v t=$t '$1 == t { print $2 }' "$tmp/times" | median)
	printf '  %-22s %6d ms  ratio %s\n' "$(case $t in plain) echo no trace ;;
		base) echo 'no trace, BASE build' ;; insn) echo '--trace insn (64)' ;; mmio) echo '--trace mmio=FILE' ;; esac)" \
		"$m" "$(ratio "$m" "$p")"
done
printf '  mmio log of the last run: %s lines\n' "$(wc -l <"$tmp/mmio.log")"
