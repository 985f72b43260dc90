#!/bin/sh
# The vmb command line: help on every command, exit statuses (0 ok, 1
# configuration error, 64 usage error), one "vmb: " line per error.
#   sh tests/integration/cli.sh VMB
set -u
VMB=${1:?usage: cli.sh VMB}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/lib.sh"

expect_vmb version 0 out '^vmb [0-9]' -- --version
expect_vmb help 0 out 'exit status' -- --help
expect_vmb no-args 64 err 'usage: vmb' --
for c in run dtb check devices help; do
	expect_vmb "help-$c" 0 out "usage: vmb $c" -- "$c" --help
	expect_vmb "help-cmd-$c" 0 out "usage: vmb $c" -- help "$c"
done
expect_vmb run-help-exit-codes 0 out '2 guest fault' -- run --help
expect_vmb unknown-command 64 err "^vmb: unknown command 'frob'" -- frob
expect_vmb unknown-option 64 err "^vmb: unknown option '--frob'" -- run --frob "$ROOT/machines/virt.yaml"
expect_vmb missing-machine 64 err '^vmb: run: missing MACHINE.yaml' -- run
expect_vmb missing-value 64 err "^vmb: option '--kernel' needs a value" -- run "$ROOT/machines/virt.yaml" --kernel
expect_vmb bad-set 64 err "^vmb: --set needs KEY=VALUE" -- check "$ROOT/machines/virt.yaml" --set cpus.count
expect_vmb bad-memory 64 err "^vmb: -m needs a size" -- run -m lots "$ROOT/machines/virt.yaml"
expect_vmb bad-smp 64 err "^vmb: --smp needs a CPU count" -- run --smp 0 "$ROOT/machines/virt.yaml"
expect_vmb dtb-needs-output 64 err "missing -o" -- dtb "$ROOT/machines/virt.yaml"
expect_vmb missing-file 1 err "^vmb: .*nope.yaml" -- check "$tmp/nope.yaml"
expect_vmb check-virt 0 out '0x0009000000-0x0009000fff +mmio +4K +uart0' -- check "$ROOT/machines/virt.yaml"
expect_vmb check-memory-shorthand 0 out '0x0040000000-0x007fffffff +ram +1G' -- check "$ROOT/machines/virt.yaml" -m 1G
expect_vmb check-set 1 err "<--set 1>:1:12: bad number 'lots'" -- check "$ROOT/machines/virt.yaml" --set cpus.count=lots
expect_vmb devices 0 out '^pl011' -- devices
expect_vmb devices-one 0 out '^pl011' -- devices pl011
expect_vmb devices-unknown 1 err "unknown device type 'frob'" -- devices frob

# Error lines are printed once.
"$VMB" check "$tmp/nope.yaml" 2>"$tmp/err" >/dev/null
if [ "$(grep -c . "$tmp/err")" -eq 1 ]; then pass error-once; else
	fail error-once "$(cat "$tmp/err")"; fi

expect_vmb dtb-write 0 out '' -- dtb "$ROOT/machines/virt.yaml" -o "$tmp/virt.dtb"
if [ -s "$tmp/virt.dtb" ] && [ "$(od -An -tx1 -N4 "$tmp/virt.dtb" | tr -d ' ')" = d00dfeed ]; then
	pass dtb-magic
else
	fail dtb-magic "no device tree written"
fi

# Device shorthands for the console and entropy devices.
expect_vmb console-virtio 0 out '^  console0 +virtio-console' -- check "$ROOT/machines/virt.yaml" --console virtio
expect_vmb rng-shorthand 0 out '^  rng1 +virtio-rng' -- check "$ROOT/machines/virt.yaml" --rng --rng
expect_vmb console-bad 64 err "^vmb: --console uart: unknown console, expected --console virtio" -- check "$ROOT/machines/virt.yaml" --console uart
# With a virtio-console the PL011 is not the console: no stdout-path.
if "$VMB" dtb "$ROOT/machines/virt.yaml" --console virtio -o "$tmp/hvc.dtb" &&
   ! grep -q stdout-path "$tmp/hvc.dtb" && grep -q stdout-path "$tmp/virt.dtb"; then
	pass console-virtio-dtb
else
	fail console-virtio-dtb "stdout-path still set with --console virtio"
fi

[ "$fails" -eq 0 ]
