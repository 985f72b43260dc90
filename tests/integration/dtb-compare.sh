#!/bin/sh
# Compare the device tree vmb generates for machines/virt.yaml with the one
# QEMU 7.2 builds for -M virt, with 1 and with 2 CPUs, and with 1 CPU and a
# virtio-blk disk (QEMU -device virtio-blk-device, vmb --drive).
#
#   sh tests/integration/dtb-compare.sh VMB [UBOOT] [--smp N] [--keep DIR]
#
# UBOOT (argument or $UBOOT; default build/images/..., then Debian's
# /usr/lib/u-boot/qemu_arm64/u-boot.bin) is passed to QEMU as -bios, which
# shapes the tree QEMU builds (with firmware it has no PL061/gpio-keys).
# Both blobs are decompiled with `dtc -I dtb -O dts -s`, normalised by
# dt-normalise.awk (phandles become owner paths, random seeds sizes; dtc's
# own warnings are kept as "dtc: ..." lines) and compared line by line.
# The differences must be exactly the explained ones in
# tests/fixtures/dt/virt.expected-diff (1 CPU) or virt-smpN.expected-diff
# (N CPUs): "-" lines are in QEMU's tree only, "+" lines in vmb's only, "#"
# lines are comments; docs/devices.md explains each difference.
# Prints "PASS dtb-compare smpN" or "FAIL dtb-compare smpN: ..." per run and
# exits non-zero if any run failed. --keep DIR keeps every intermediate file.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
usage="usage: dtb-compare.sh VMB [UBOOT] [--smp N] [--keep DIR]"

vmb="" uboot=${UBOOT:-} smps="1 2" keep=""
while [ $# -gt 0 ]; do
	case "$1" in
	--smp) smps=${2:?$usage}; shift 2 ;;
	--keep) keep=${2:?$usage}; shift 2 ;;
	-h|--help) echo "$usage"; exit 0 ;;
	*)
		if [ -z "$vmb" ]; then vmb=$1; else uboot=$1; fi
		shift ;;
	esac
done
[ -n "$vmb" ] || { echo "$usage" >&2; exit 2; }
case "$vmb" in /*) ;; *) vmb=$PWD/$vmb ;; esac

if [ -z "$uboot" ]; then
	for u in "$root/build/images/u-boot-qemu/usr/lib/u-boot/qemu_arm64/u-boot.bin" \
		 /usr/lib/u-boot/qemu_arm64/u-boot.bin; do
		[ -f "$u" ] && { uboot=$u; break; }
	done
fi

fails=0
fail() { echo "FAIL dtb-compare $1: $2"; fails=$((fails + 1)); }

for tool in qemu-system-aarch64 dtc awk diff; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ fail setup "'$tool' not found (make deps installs it)"; exit 1; }
done
[ -x "$vmb" ] || { fail setup "'$vmb' is not an executable"; exit 1; }
if [ -z "$uboot" ] || [ ! -f "$uboot" ]; then
	fail setup "no U-Boot for QEMU's -bios (${uboot:-none given}; run make images or set UBOOT)"
	exit 1
fi

if [ -n "$keep" ]; then
	mkdir -p "$keep" && work=$(cd "$keep" && pwd)
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi

# decompile DTB OUT: sorted dts plus its normalised form (OUT.dts, OUT.norm).
decompile() {
	dtc -I dtb -O dts -s -o "$2.dts" "$1" 2>"$2.dtc-warnings" || return 1
	{
		awk -f "$here/dt-normalise.awk" "$2.dts" "$2.dts"
		# dtc names its input in warnings; keep only the finding.
		sed -n "s|^.*: Warning |dtc: Warning |p" "$2.dtc-warnings"
	} | LC_ALL=C sort >"$2.norm"
}

# Non-comment, non-blank lines of an expected-diff file, sorted.
expected_lines() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$1" | LC_ALL=C sort
}

# "disk": 1 CPU plus a virtio-blk disk (QEMU -device virtio-blk-device,
# vmb --drive): the device sits in a slot, so the tree must not change.
for n in $smps disk; do
	t=smp$n qdisk="" vdisk=""
	if [ "$n" = disk ]; then
		t=smp1-disk n=1
		truncate -s 1M "$work/disk.img"
		qdisk="-drive if=none,id=d0,format=raw,file=$work/disk.img -device virtio-blk-device,drive=d0"
		vdisk="--drive $work/disk.img"
	fi
	q=$work/qemu-$t v=$work/vmb-$t

	# shellcheck disable=SC2086
	if ! qemu-system-aarch64 -M virt,dumpdtb="$q.dtb" -cpu cortex-a57 -m 1G \
	     -smp "$n" -bios "$uboot" -nographic $qdisk </dev/null >"$q.log" 2>&1 ||
	   [ ! -s "$q.dtb" ]; then
		fail "$t" "QEMU did not dump its tree: $(tail -n 3 "$q.log")"
		continue
	fi
	# shellcheck disable=SC2086
	if ! (cd "$root" && "$vmb" dtb machines/virt.yaml --set memory.ram.size=1G \
	      --set cpus.count="$n" $vdisk -o "$v.dtb") >"$v.log" 2>&1 </dev/null ||
	   [ ! -s "$v.dtb" ]; then
		fail "$t" "vmb dtb failed: $(tail -n 3 "$v.log")"
		continue
	fi
	decompile "$q.dtb" "$q" || { fail "$t" "dtc cannot read QEMU's tree"; continue; }
	decompile "$v.dtb" "$v" ||
		{ fail "$t" "dtc cannot read vmb's tree: $(cat "$v.dtc-warnings")"; continue; }

	{
		LC_ALL=C comm -23 "$q.norm" "$v.norm" | sed 's/^/- /'
		LC_ALL=C comm -13 "$q.norm" "$v.norm" | sed 's/^/+ /'
	} | LC_ALL=C sort >"$work/$t.diff"

	exp=$root/tests/fixtures/dt/virt.expected-diff
	[ "$n" = 1 ] || exp=$root/tests/fixtures/dt/virt-$t.expected-diff
	if [ ! -f "$exp" ]; then
		fail "$t" "missing $exp; the differences were:"
		cat "$work/$t.diff"
		continue
	fi
	expected_lines "$exp" >"$work/$t.expected"
	if cmp -s "$work/$t.expected" "$work/$t.diff"; then
		echo "PASS dtb-compare $t ($(wc -l <"$work/$t.diff" | tr -d ' ') explained difference(s))"
		continue
	fi
	if [ -n "$keep" ]; then where="files in $work"; else where="rerun with --keep DIR to inspect"; fi
	fail "$t" "the trees differ other than in $(basename "$exp") ($where)"
	LC_ALL=C comm -13 "$work/$t.expected" "$work/$t.diff" | sed 's/^/  unexpected: /'
	LC_ALL=C comm -23 "$work/$t.expected" "$work/$t.diff" | sed 's/^/  missing:    /'
done

[ "$fails" -eq 0 ]
