#!/bin/sh
# Every QEMU the tests and benchmarks start passes -nodefaults (and the
# devices it wants explicitly): without it QEMU adds a default NIC whose
# option ROM (efi-virtio.rom, package ipxe-qemu) a fresh Debian lacks, and
# refuses to start (issue 7). Checks each command line that runs a
# qemu-system-* binary with options, after joining "\"-continued lines
# (and the lines of a quoted QEMU="..." definition).
#   sh tests/integration/qemu-nodefaults.sh [VMB]
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
VMB=${1:-}
. "$(dirname "$0")/lib.sh"
n=0
for f in $(grep -rlE 'qemu-system-[a-z0-9_]+' "$ROOT/tests" "$ROOT/bench" | sort); do
	out=$(awk '
	{ line = (cont ? line " " : "") $0 }
	/\\$/ || (line ~ /="[^"]*$/) { cont = 1; next }
	{ cont = 0 }
	line !~ /^[[:space:]]*#/ && line ~ /qemu-system-[a-z0-9_]+[[:space:]]+-/ &&
	line !~ /qemu-system-[a-z0-9_]+[[:space:]]+--?(version|help)/ {
		if (line !~ /-nodefaults/) printf "%d: %s\n", FNR, substr(line, 1, 120)
		else ok++
	}
	{ line = "" }
	END { print "ok " ok + 0 }' "$f")
	bad=$(printf '%s\n' "$out" | grep -v '^ok ')
	n=$((n + $(printf '%s\n' "$out" | sed -n 's/^ok //p')))
	rel=${f#"$ROOT"/}
	[ -z "$bad" ] && pass "nodefaults $rel" || fail "nodefaults $rel" "QEMU without -nodefaults: $bad"
done
[ $n -gt 0 ] && pass "nodefaults: $n QEMU command lines checked" || fail nodefaults "no QEMU command line found"
exit $fails
