#!/bin/sh
# Issue 12's reproducers, end to end through the vmb command:
#  - an anchor on a mapping key, aliased later (was a use-after-free,
#    exit 139), in block and flow style;
#  - a FIFO with no writer named as the machine file, an include, a
#    firmware, a kernel or a memory image (was a hang), and a device file
#    as a memory image (was loaded as 0 bytes): exit 1 with the reason;
#  - on the emu backend, a store to flash in read-array mode repeated by a
#    loop (the second was refused, exit 2), and an 8-byte store across the
#    two flash banks in program mode (was split byte by byte from one
#    end: one byte programmed): both must run to PSCI SYSTEM_OFF.
#   sh tests/integration/robust.sh VMB
set -u
VMB=${1:?usage: robust.sh VMB}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/lib.sh"
virt=$ROOT/machines/virt.yaml

printf '&a arch: arm64\nname: *a\n' >"$tmp/anchor.yaml"
expect_vmb anchor-on-key 0 out "machine arch:" -- check "$tmp/anchor.yaml"
printf '{&a arch: arm64, name: *a, model: *a}\n' >"$tmp/anchor-flow.yaml"
expect_vmb anchor-on-key-flow 0 out "machine arch:" -- check "$tmp/anchor-flow.yaml"
printf 'arch: arm64\n&k name: x\nmodel: {*k : 1}\n' >"$tmp/alias-key.yaml"
expect_vmb alias-as-key 1 err "alias-key.yaml:3:.*model" -- check "$tmp/alias-key.yaml"

mkfifo "$tmp/fifo"
# Each with a time limit: a regression hangs rather than fails.
VMB_REAL=$VMB
printf '#!/bin/sh\nexec timeout 20 "%s" "$@"\n' "$VMB_REAL" >"$tmp/vmb-timeout"
chmod +x "$tmp/vmb-timeout"
VMB=$tmp/vmb-timeout
expect_vmb fifo-machine 1 err "fifo: cannot open: Is a FIFO, expected a regular file" -- \
	check "$tmp/fifo"
printf 'include: fifo\narch: arm64\n' >"$tmp/inc.yaml"
expect_vmb fifo-include 1 err "inc.yaml:1:10: include file 'fifo'.*Is a FIFO" -- check "$tmp/inc.yaml"
expect_vmb fifo-firmware 1 err "Is a FIFO" -- check "$virt" --firmware "$tmp/fifo"
expect_vmb fifo-kernel 1 err "Is a FIFO" -- run "$virt" --accel emu --kernel "$tmp/fifo"
expect_vmb fifo-image 1 err "image file.*Is a FIFO" -- \
	check "$virt" --set "memory.ram.image=$tmp/fifo"
expect_vmb dev-zero-image 1 err "image file '/dev/zero'.*Is a character device" -- \
	check "$virt" --set memory.ram.image=/dev/zero
VMB=$VMB_REAL

# mov x1, #0; mov w2, #0xff; mov x3, #3
# 1: str w2, [x1]; subs x3, x3, #1; b.ne 1b; PSCI SYSTEM_OFF
printf '\001\000\200\322\342\037\200\122\143\000\200\322\042\000\000\271\143\004\000\361\301\377\377\124\000\001\200\122\000\200\260\162\002\000\000\324' >"$tmp/repeat.bin"
expect_vmb emu-flash-store-repeated 0 "" "" -- \
	run "$virt" --accel emu --kernel "$tmp/repeat.bin"

# x1 = 0x3fffffc (last word of bank 0); 0x40 (program) to both banks;
# str x3, [x1] with x3 = 0x1122334455667788 across them; 0xff (read array)
# to both; ldr x4, [x1]; SYSTEM_OFF if x3 == x4, else udf (exit 2).
printf '\001\200\240\322\041\020\000\321\002\010\200\122\002\010\240\162\042\000\000\271\042\004\000\271\003\361\216\322\303\254\252\362\203\150\306\362\103\044\342\362\043\000\000\371\342\037\200\122\342\037\240\162\042\000\000\271\042\004\000\271\044\000\100\371\177\000\004\353\201\000\000\124\000\001\200\122\000\200\260\162\002\000\000\324\000\000\000\000' >"$tmp/straddle.bin"
expect_vmb emu-store-across-flash-banks 0 "" "" -- \
	run "$virt" --accel emu --kernel "$tmp/straddle.bin"

[ "$fails" -eq 0 ]
