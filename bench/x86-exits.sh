#!/bin/sh
# Round-trip cost of a port-I/O exit and an MMIO exit through vmb (kvm
# backend, microvm board, kernels/x86_64/exits.elf) against the floor: a
# bare KVM_RUN loop around the same guest instructions (x86_exit_floor.c).
# Both guests time their loops with RDTSC; the two sides run alternately
# RUNS times (default 7). Exit costs on a shared (and here nested,
# software) hypervisor are noisy, and noise only ever adds time, so the
# minimum is the comparison (the median is shown beside it). A last vmb run
# with --stats gives the part that is vmb's own: the time its vCPU thread
# spends outside KVM_RUN per exit (dispatch, device model, accounting).
# Target: vmb adds <= 10% over the floor.
#
#   sh bench/x86-exits.sh VMB [N]        (N exits of each kind, default 20000)
set -u
VMB=${1:?usage: x86-exits.sh VMB [N]}
N=${2:-20000}
RUNS=${RUNS:-7}
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
minimum() { sort -n | head -n 1; }

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
fp=$(minimum <"$tmp/floor.pio"); fm=$(minimum <"$tmp/floor.mmio")
vp=$(minimum <"$tmp/vmb.pio"); vm=$(minimum <"$tmp/vmb.mmio")
mfp=$(median <"$tmp/floor.pio"); mfm=$(median <"$tmp/floor.mmio")
mvp=$(median <"$tmp/vmb.pio"); mvm=$(median <"$tmp/vmb.mmio")
# vmb's own share: time outside KVM_RUN per exit, from --stats.
"$VMB" run "$M" --accel kvm --kernel "$K" --append "pio=$N mmio=$N" --stats \
	</dev/null >/dev/null 2>"$tmp/stats"
own=$(sed -n 's/^kvm: vCPU 0: \([0-9]*\) exits, guest \([0-9.]*\) s, VMM \([0-9.]*\) s.*/\1 \3/p' "$tmp/stats")
awk -v fp="$fp" -v fm="$fm" -v vp="$vp" -v vm="$vm" -v mfp="$mfp" -v mfm="$mfm" \
    -v mvp="$mvp" -v mvm="$mvm" -v hz="$hz" -v n="$N" -v runs="$RUNS" -v own="$own" 'BEGIN {
	ns = 1e9 / hz
	printf "x86-exits: %d exits of each kind, %d runs each, TSC %.3f GHz; ns per exit, min (median)\n", n, runs, hz / 1e9
	printf "x86-exits: %-28s %17s %17s\n", "", "pio", "mmio"
	printf "x86-exits: %-28s %7.0f (%7.0f) %7.0f (%7.0f)\n", "floor (bare KVM_RUN loop)",
	       fp * ns, mfp * ns, fm * ns, mfm * ns
	printf "x86-exits: %-28s %7.0f (%7.0f) %7.0f (%7.0f)\n", "vmb (kvm, microvm board)",
	       vp * ns, mvp * ns, vm * ns, mvm * ns
	printf "x86-exits: %-28s %+8.1f%%          %+8.1f%%          (target <= +10%%)\n",
	       "vmb over floor (min)", 100 * (vp - fp) / fp, 100 * (vm - fm) / fm
	split(own, o, " ")
	if (o[1] > 0)
		printf "x86-exits: vmb outside KVM_RUN: %.0f ns per exit (%d exits, --stats)\n",
		       o[2] * 1e9 / o[1], o[1]
}'
