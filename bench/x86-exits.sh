#!/bin/sh
# Round-trip cost of a port-I/O exit and an MMIO exit through vmb (kvm
# backend, microvm board, kernels/x86_64/exits.elf) against the floor: a
# bare KVM_RUN loop around the same guest instructions (x86_exit_floor.c).
# Both guests time their loops with RDTSC; each side runs RUNS times and the
# median counts. Prints ns per exit and vmb's overhead over the floor
# (target: <= 10%).
#
#   sh bench/x86-exits.sh VMB [N]        (N exits of each kind, default 20000)
set -u
VMB=${1:?usage: x86-exits.sh VMB [N]}
N=${2:-20000}
RUNS=${RUNS:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
K=$ROOT/kernels/build/x86_64/exits.elf
M=$ROOT/machines/microvm-x86_64.yaml

if [ "$(uname -m)" != x86_64 ] || [ ! -w /dev/kvm ]; then
	echo "x86-exits: SKIP (needs an x86_64 host with /dev/kvm)"
	exit 0
fi
[ -f "$K" ] || { echo "x86-exits: $K missing: run 'make kernels'" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -O2 -o "$tmp/floor" "$ROOT/bench/x86_exit_floor.c" || exit 1

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: >"$tmp/floor.pio"; : >"$tmp/floor.mmio"; : >"$tmp/vmb.pio"; : >"$tmp/vmb.mmio"
hz=
i=0
while [ $i -lt "$RUNS" ]; do
	out=$("$tmp/floor" "$N") || exit 1
	set -- $out
	echo "$2" >>"$tmp/floor.pio"
	echo "$4" >>"$tmp/floor.mmio"
	hz=$6
	out=$("$VMB" run "$M" --accel kvm --kernel "$K" --append "pio=$N mmio=$N" \
		</dev/null 2>/dev/null | tr -d '\r' | sed -n 's/^exits: tsc\/exit pio \([0-9]*\) mmio \([0-9]*\)$/\1 \2/p')
	[ -n "$out" ] || { echo "x86-exits: vmb run failed" >&2; exit 1; }
	set -- $out
	echo "$1" >>"$tmp/vmb.pio"
	echo "$2" >>"$tmp/vmb.mmio"
	i=$((i + 1))
done
fp=$(median <"$tmp/floor.pio"); fm=$(median <"$tmp/floor.mmio")
vp=$(median <"$tmp/vmb.pio"); vm=$(median <"$tmp/vmb.mmio")
awk -v fp="$fp" -v fm="$fm" -v vp="$vp" -v vm="$vm" -v hz="$hz" -v n="$N" -v runs="$RUNS" 'BEGIN {
	ns = 1e9 / hz
	printf "x86-exits: %d exits of each kind, median of %d runs, TSC %.3f GHz\n", n, runs, hz / 1e9
	printf "x86-exits: %-28s %8s %8s\n", "", "pio", "mmio"
	printf "x86-exits: %-28s %6.0f ns %6.0f ns\n", "floor (bare KVM_RUN loop)", fp * ns, fm * ns
	printf "x86-exits: %-28s %6.0f ns %6.0f ns\n", "vmb (kvm, microvm board)", vp * ns, vm * ns
	printf "x86-exits: %-28s %+7.1f%% %+7.1f%%   (target <= +10%%)\n", "vmb over floor",
	       100 * (vp - fp) / fp, 100 * (vm - fm) / fm
}'
