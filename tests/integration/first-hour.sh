#!/bin/sh
# What a new user tries in the first hour (issue 7): each check failed
# before the change that made vmb answer it properly.
#   sh tests/integration/first-hour.sh VMB
set -u
VMB=${1:?usage: first-hour.sh VMB}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/lib.sh"
V=$ROOT/machines/virt.yaml
no_crash() { # NAME: stderr of the last expect_vmb has no crash report
	if grep -q "guest fault\|crash report" "$tmp/err"; then
		fail "$1" "the guest was started: $(head -n 3 "$tmp/err")"
	else
		pass "$1"
	fi
}

# 1. nothing to boot: refused before starting, saying what to pass
expect_vmb nothing-to-boot 1 err "nothing to boot in 'virt'.*erased.*--firmware FILE.*--kernel FILE" -- run "$V"
no_crash nothing-to-boot-not-started

# 2. check runs run's backend validation and lists the backends
expect_vmb check-smp-emu 1 err "^vmb: no backend can run 'virt': emu: --set cpus.count=2: the emu backend runs one vCPU" -- \
	check "$V" --set cpus.count=2
expect_vmb check-model-emu 1 err "^vmb: --set cpus.model=cortex-z99: the emu backend models" -- \
	check "$V" --accel emu --set cpus.model=cortex-z99
expect_vmb check-lists-backends 0 out "^  emu \(arm64\) +can run 'virt'" -- check "$V"
expect_vmb check-lists-why-not 0 out "^  hvf \(arm64\) +cannot: .*not built" -- check "$V"
expect_vmb check-accel-kvm 1 err "^vmb: cannot use backend 'kvm'" -- check "$V" --accel kvm
expect_vmb check-accel-none 0 out "^  emu \(arm64\) +cannot: --set cpus.count=2" -- \
	check "$V" --accel none --set cpus.count=2

# 3. emu refuses a Linux arm64 Image up front (a valid Image header:
# magic ARM\x64 at 0x38, image_size 4096, 4K pages)
{
	printf '\037\040\003\325\000\000\000\024'      # code0 nop, code1 b .
	printf '\000\000\000\000\000\000\000\000'      # text_offset
	printf '\000\020\000\000\000\000\000\000'      # image_size 4096
	printf '\002\000\000\000\000\000\000\000'      # flags: LE, 4K pages
	printf '\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000'
	printf 'ARM\144\000\000\000\000'
	head -c 4032 /dev/zero
} >"$tmp/Image"
expect_vmb emu-linux-image 1 err "emu: --kernel $tmp/Image: the emu backend cannot boot Linux:.*interrupts.*exceptions.*--accel kvm" -- \
	run "$V" --kernel "$tmp/Image"
no_crash emu-linux-image-not-started

# 4. values from options are named as typed, one message and status
expect_vmb opt-smp 1 err "emu: --smp 2: the emu backend runs one vCPU" -- run "$V" --smp 2 --kernel "$tmp/Image"
expect_vmb opt-m 1 err "^vmb: -m 64Q: bad size '64Q'" -- check "$V" -m 64Q
expect_vmb opt-set-size 1 err "^vmb: --set memory.ram.size=64Q: bad size '64Q'" -- check "$V" --set memory.ram.size=64Q
expect_vmb opt-second-set 1 err "^vmb: --set cpus.count=x: bad number 'x'" -- \
	check "$V" --set cpus.count=1 --set cpus.count=x
expect_vmb opt-empty-base 1 err "^vmb: --set devices.0.base=: required field 'base' of cfi-flash device 'flash' has no value" -- \
	check "$V" --set devices.0.base=
expect_vmb opt-memory-long 1 err "^vmb: --memory=1X: bad size" -- check "$V" --memory=1X

# 5. messages: did you mean, the real cause first, one name per region
cat >"$tmp/base.yaml" <<YAML
arch: arm64
memory:
  - { name: ram, type: ram, base: 0x40000000, size: 64M }
devices:
  - { name: apb-pclk, type: fixed-clock, frequency: 24000000 }
  - { name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000 }
  - { name: uart0, type: pl011, base: 0x09000000, irq: 1 }
YAML
bad() { # NAME PATTERN YAML-LINES...
	name=$1 pat=$2
	shift 2
	{ echo "include: base.yaml"; printf '%s\n' "$@"; } >"$tmp/$name.yaml"
	expect_vmb "$name" 1 err "$pat" -- check "$tmp/$name.yaml"
}
bad type-typo "unknown device type 'pl01l'.*\(did you mean 'pl011'\?\)" \
	"devices:" "  - { name: uart0, type: pl01l }"
bad trigger-typo "unknown trigger 'edgy'.*\(did you mean 'edge'\?\)" \
	"devices:" "  - { name: u1, type: pl011, base: 0x09100000, irq: 4, trigger: edgy }"
bad enum-typo "bad value 'hcv' for 'method' of psci device 'psci'.*\(did you mean 'hvc'\?\)" \
	"devices:" "  - { name: psci, type: psci, method: hcv }"
printf 'arch: aarch64\n' >"$tmp/arch.yaml"
expect_vmb arch-alias 1 err "unknown arch 'aarch64'.*'arm64'" -- check "$tmp/arch.yaml"
bad key-first "unknown key 'irqs' in pl011 device 'u1'.*\(did you mean 'irq'\?\)" \
	"devices:" "  - { name: u1, type: pl011, base: 0x09100000, irqs: 5 }"
bad irq-twice "irq 3 is listed twice in 'irq' of device 'pcie'" \
	"devices:" "  - { name: pcie, type: pcie-host-ecam, base: 0x3f000000, irq: [3, 3, 5, 6] }"
bad region-name "overlaps 'gic:dist' \[0x8000000-0x800ffff\]; 'gic:dist' is defined at" \
	"devices:" "  - { name: u2, type: pl011, base: 0x08000800, irq: 4 }"
bad dev-size-0 "size of device 'u1' is 0, expected at least 1 byte" \
	"devices:" "  - { name: u1, type: pl011, base: 0x09100000, size: 0, irq: 4 }"
bad mem-size-0 "size of memory entry 'ram' is 0, expected at least 1 byte" \
	"memory:" "  - { name: ram, size: 0 }"
expect_vmb region-name-check 0 out "gic:dist" -- check "$tmp/base.yaml"
expect_vmb relevant-reason-first 1 err "^vmb: no backend can run 'virt': emu: --smp 2:" -- \
	run "$V" --smp 2 --firmware "$tmp/Image"

# 8. --help says what this binary runs here, and does not promise HVF
expect_vmb help-host 0 out "^on this host, this vmb can run:" -- --help
expect_vmb help-emu 0 out "^  emu +Unicorn" -- --help
expect_vmb help-hvf-not-built 0 out "^  hvf +\(arm64 guests\) .*not built" -- --help
if "$VMB" --help | sed -n '1,/^on this host/p' | grep -q "HVF"; then
	fail help-no-hvf-claim "the help text still offers HVF"
else
	pass help-no-hvf-claim
fi
exit $fails
