#!/bin/sh
# The hostile-guest suite: kernels/arm64/hostile.bin on machines/virt.yaml
# (emu backend) pokes every device register at widths 1/2/4/8, aligned and
# unaligned, with 0, ~0 and random data, runs CFI flash command sequences
# and fw_cfg DMA descriptors aimed at RAM, MMIO, flash and past RAM, and
# checks documented values (PL011 PeriphID, ECAM all ones, fw_cfg
# signatures, flash ID and CFI "QRY") before and after. The VMM must not
# crash or hang (exit 0 by PSCI SYSTEM_OFF within the time limit) and the
# guest must print "hostile: PASS". `make check-asan` runs it on the ASan
# and UBSan build, whose reports end the run with a non-zero status.
#   sh tests/integration/hostile-arm64.sh VMB
set -u
VMB=${1:?usage: hostile-arm64.sh VMB}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
K=$ROOT/kernels/build/arm64/hostile.bin
. "$(dirname "$0")/lib.sh"

if [ ! -f "$K" ]; then
	fail hostile-arm64 "$K missing: run 'make kernels'"
	exit 1
fi
# A generous limit: the suite takes a few seconds, more under ASan on a
# loaded machine; a hang is what it catches.
timeout 300 "$VMB" run "$ROOT/machines/virt.yaml" --accel emu --kernel "$K" \
	>"$tmp/out" 2>"$tmp/err" </dev/null
st=$?
tr -d '\r' <"$tmp/out" >"$tmp/out.lf"
if [ "$st" -ne 0 ]; then
	fail hostile-arm64 "exit status $st (124: hung), expected 0; stderr: $(head -c 4000 "$tmp/err")"
elif ! grep -aqx 'hostile: PASS' "$tmp/out.lf"; then
	fail hostile-arm64 "no 'hostile: PASS': $(grep -a '^hostile:' "$tmp/out.lf")"
else
	pass "hostile-arm64 ($(grep -a 'accesses' "$tmp/out.lf" | sed 's/^hostile: //'))"
fi
[ "$fails" -eq 0 ]
