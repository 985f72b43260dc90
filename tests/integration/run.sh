#!/bin/sh
# Run the integration tests: real guests driven over their consoles.
#   sh tests/integration/run.sh VMB IMAGES [TEST...]
# Each test prints PASS/FAIL lines; this prints a closing
# "integration: N passed, N failed" line and fails if anything failed.
set -u
VMB=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
IMAGES=$(cd "$2" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
UBOOT=$IMAGES/u-boot-qemu/usr/lib/u-boot/qemu_arm64/u-boot.bin
export VMB IMAGES ROOT UBOOT
shift 2
here=$ROOT/tests/integration
cd "$ROOT"
[ $# -gt 0 ] || set -- uboot.exp net-uboot.exp dtb-compare.sh hello-arm64.sh cli.sh errors.sh x86_64.sh \
	serial.sh first-hour.sh docs-examples.sh install.sh \
	virtio-blk.exp bundle-disk.exp \
	hostile-arm64.sh robust.sh determinism.exp acpi.sh \
	qemu-nodefaults.sh trace.exp gdb-uboot.exp gdb-interrupts.py

pass=0; fail=0; status=0
for t in "$@"; do
	[ -f "$here/$t" ] || { echo "FAIL $t: missing test"; fail=$((fail + 1)); status=1; continue; }
	echo "== $t"
	case "$t" in
	*.exp) out=$(expect "$here/$t" 2>&1) ;;
	*.py) out=$(python3 "$here/$t" "$VMB" 2>&1) ;;
	*) out=$(sh "$here/$t" "$VMB" 2>&1) ;;
	esac
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^PASS ')
	f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
	pass=$((pass + p)); fail=$((fail + f))
	if [ $rc -ne 0 ]; then
		status=1
		[ "$f" -eq 0 ] && { echo "FAIL $t: exit status $rc"; fail=$((fail + 1)); }
	fi
done
echo "integration: $pass passed, $fail failed"
exit $status
