#!/bin/sh
# End-to-end error behaviour of the vmb command:
#  - a malformed machine file: exit 1, "file:line:col: what was expected"
#  - a guest that reads an address no device owns: exit 2 and a crash report
#    with registers, the disassembled faulting instruction and the
#    neighbouring regions of the map.
set -u
VMB=${1:?usage: errors.sh VMB}
. "$(dirname "$0")/lib.sh"

cat >"$tmp/typo.yaml" <<'YAML'
arch: arm64
cpu:
  count: 1
YAML
expect_vmb unknown-key 1 err "typo.yaml:2:1: unknown key 'cpu'.*did you mean 'cpus'" -- check "$tmp/typo.yaml"

cat >"$tmp/size.yaml" <<'YAML'
arch: arm64
memory:
  - name: ram
    type: ram
    base: 0x40000000
    size: 64Q
YAML
expect_vmb bad-size 1 err "size.yaml:6:11: .*64Q" -- check "$tmp/size.yaml"

cat >"$tmp/overlap.yaml" <<'YAML'
arch: arm64
memory:
  - name: ram
    type: ram
    base: 0x40000000
    size: 64M
devices:
  - name: virtio
    type: virtio-mmio
    base: 0x40001000
    size: 0x200
    irq: 16
YAML
expect_vmb overlap 1 err "overlap.yaml:[0-9]+:[0-9]+: .*overlaps.*ram" -- check "$tmp/overlap.yaml"

expect_vmb unknown-type 1 err "unknown device type 'pl012'.*pl011" -- \
	check machines/virt.yaml --set devices.uart0.type=pl012
expect_vmb missing-file 1 err "cannot open|No such file" -- \
	run machines/virt.yaml --firmware "$tmp/nonexistent.bin"
expect_vmb usage 64 err "missing MACHINE|[Uu]sage" -- run

# A guest that reads 0x50000000, which nothing on virt owns:
#   movz x1, #0x5000, lsl #16 ; ldr w0, [x1]
printf '\001\000\252\322\040\000\100\271' >"$tmp/crash.bin"
expect_vmb crash-report 2 err "0x0*50000000" -- \
	run machines/virt.yaml --accel emu --kernel "$tmp/crash.bin"
if grep -Eq "ldr[[:space:]]+w0, \[x1\]" "$tmp/err" &&
   grep -Eq "x1 *[:=]? *0x0*50000000|x1 +0*50000000" "$tmp/err" &&
   grep -q "ram" "$tmp/err"; then
	pass crash-report-contents
else
	fail crash-report-contents "missing disassembly, registers or neighbours: $(cat "$tmp/err")"
fi

[ $fails -eq 0 ]
