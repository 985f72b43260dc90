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
for c in run dtb acpi check devices help resolve pack unpack schema; do
	expect_vmb "help-$c" 0 out "usage: vmb $c" -- "$c" --help
	expect_vmb "help-cmd-$c" 0 out "usage: vmb $c" -- help "$c"
done
expect_vmb run-help-exit-codes 0 out '2 guest fault' -- run --help
# The two KVM backends share the name "kvm": the list says which host each
# runs on.
expect_vmb run-help-kvm-x86_64 0 out '^  kvm \(x86_64 host\) +Linux KVM, x86_64 guests' -- run --help
expect_vmb run-help-kvm-arm64 0 out '^  kvm \(arm64 host\) +Linux KVM, arm64 guests' -- run --help
expect_vmb unknown-command 64 err "^vmb: unknown command 'frob'" -- frob
expect_vmb unknown-option 64 err "^vmb: unknown option '--frob'" -- run --frob "$ROOT/machines/virt.yaml"
expect_vmb missing-machine 64 err '^vmb: run: missing MACHINE.yaml' -- run
expect_vmb missing-value 64 err "^vmb: option '--kernel' needs a value" -- run "$ROOT/machines/virt.yaml" --kernel
expect_vmb bad-set 64 err "^vmb: --set needs KEY=VALUE" -- check "$ROOT/machines/virt.yaml" --set cpus.count
# Values given by options are checked by the loader like the same value in
# a file; the message names the option as typed (issue 7).
expect_vmb bad-memory 1 err "^vmb: -m lots: bad size 'lots'" -- run -m lots "$ROOT/machines/virt.yaml"
expect_vmb bad-smp 1 err "^vmb: --smp 0: cpus count 0 out of range" -- run --smp 0 "$ROOT/machines/virt.yaml"
expect_vmb dtb-needs-output 64 err "missing -o" -- dtb "$ROOT/machines/virt.yaml"
expect_vmb missing-file 1 err "^vmb: .*nope.yaml" -- check "$tmp/nope.yaml"
expect_vmb check-virt 0 out '0x0009000000-0x0009000fff +mmio +4K +uart0' -- check "$ROOT/machines/virt.yaml"
expect_vmb check-memory-shorthand 0 out '0x0040000000-0x007fffffff +ram +1G' -- check "$ROOT/machines/virt.yaml" -m 1G
expect_vmb check-set 1 err "^vmb: --set cpus.count=lots: bad number 'lots'" -- check "$ROOT/machines/virt.yaml" --set cpus.count=lots
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

# Reproducible machines (docs/machine-format.md): resolve, pin, pack,
# unpack, schema, JSON output.
expect_vmb resolve-stdout 0 out '^# vmb [0-9.]+ on ' -- resolve "$ROOT/machines/virt.yaml"
expect_vmb resolve-file 0 out '' -- resolve "$ROOT/machines/virt.yaml" -m 1G --smp 2 \
	--set devices.uart0.base=0x9100000 -o "$tmp/r.yaml"
if grep -q '^  count: 2$' "$tmp/r.yaml" && grep -q '^    size: 1G$' "$tmp/r.yaml" &&
   grep -q '^    base: 0x9100000$' "$tmp/r.yaml"; then pass resolve-options-applied; else
	fail resolve-options-applied "$(head -40 "$tmp/r.yaml")"; fi
printf 'boot:\n  firmware: { path: %s, sha256: %s }\n' "$tmp/r.yaml" \
	0000000000000000000000000000000000000000000000000000000000000000 > "$tmp/pin.yaml"
printf 'include: %s\n' "$ROOT/machines/virt.yaml" | cat - "$tmp/pin.yaml" > "$tmp/pinned.yaml"
expect_vmb pin-mismatch 1 err "pinned.yaml:3:[0-9]+: sha256 mismatch for firmware .* expected 0{64}, actual [0-9a-f]{64}$" \
	-- check "$tmp/pinned.yaml"
expect_vmb pack 0 out '' -- pack "$ROOT/machines/virt.yaml" --firmware "$tmp/r.yaml" -o "$tmp/v.vmb"
expect_vmb pack-needs-output 64 err "missing -o" -- pack "$ROOT/machines/virt.yaml"
mkdir "$tmp/t"
saved_tmpdir=${TMPDIR-}
export TMPDIR="$tmp/t"
expect_vmb check-bundle 0 out 'uart0' -- check "$tmp/v.vmb"
TMPDIR=$saved_tmpdir
expect_vmb resolve-bundle 1 err "is a bundle, whose machine.yaml is resolved" -- resolve "$tmp/v.vmb"
expect_vmb unpack 0 out "$tmp/v/machine.yaml" -- unpack "$tmp/v.vmb"
expect_vmb unpack-exists 1 err "cannot create .*File exists" -- unpack "$tmp/v.vmb" -C "$tmp/v"
expect_vmb unpack-missing 1 err "cannot read it" -- unpack "$tmp/nope.vmb"
head -c 100 "$tmp/v.vmb" > "$tmp/cut.vmb"
expect_vmb unpack-truncated 1 err "damaged or truncated" -- unpack "$tmp/cut.vmb" -C "$tmp/cut"
[ -e "$tmp/cut" ] && fail unpack-truncated-cleanup "left $tmp/cut" || pass unpack-truncated-cleanup
[ -z "$(ls "$tmp/t")" ] && pass bundle-tmp-removed ||
	fail bundle-tmp-removed "left $(ls "$tmp/t") in TMPDIR"
expect_vmb schema 0 out '"\$id": "urn:vmb:schema:machine"' -- schema
if "$VMB" schema | cmp -s - "$ROOT/schemas/machine.schema.json"; then pass schema-file-equal; else
	fail schema-file-equal "schemas/machine.schema.json differs from vmb schema"; fi
for j in "check --json $ROOT/machines/virt.yaml" "check --json $ROOT/machines/microvm-x86_64.yaml" \
	 "devices --json" "devices --json pl011" "schema"; do
	# shellcheck disable=SC2086
	if "$VMB" $j | python3 -m json.tool >/dev/null; then pass "json-$j"; else fail "json-$j" "not JSON"; fi
done
expect_vmb check-json-backends 0 out '"why-not": ' -- check --json "$ROOT/machines/virt.yaml"
if "$VMB" check --json "$ROOT/machines/virt.yaml" --deterministic | python3 -c '
import json, sys
d = json.load(sys.stdin)
dev = {x["name"]: x for x in d["devices"]}
ram = [r for r in d["memory-map"] if r["name"] == "ram"][0]
emu = [b for b in d["backends"] if b["name"] == "emu"][0]
assert dev["uart0"]["properties"]["clock"] == "apb-pclk", dev["uart0"]
assert dev["rtc"]["base"] == 0x09010000 and dev["rtc"]["irq"] == [2]
assert dev["virtio31"]["irq"] == [47] and dev["virtio31"]["trigger"] == "edge"
assert dev["flash"]["properties"]["files"] == [None, None]
assert ram["base"] == 0x40000000 and ram["size"] == 128 << 20 and ram["kind"] == "ram"
assert {"controller": "SPI", "number": 1, "trigger": "level", "device": "uart0"} in d["interrupts"]
assert emu["can-run"] is True and emu["why-not"] is None
assert d["determinism"] == {"enabled": True, "seed": 0, "rtc-start": "2000-01-01T00:00:00Z"}
assert d["machine"]["arch"] == "arm64" and d["machine"]["cpus"] == 1
'; then pass check-json-content; else fail check-json-content "see the assertion above"; fi
expect_vmb devices-json-unknown 1 err "unknown device type 'frob'" -- devices --json frob
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

# Files devices name (docs/machine-format.md, "Files devices name"): a
# --drive disk is written by the guest, so resolve writes its path and pack
# stores it under disks/; a read-only one is pinned like any input; an
# nbd:// URI is left as written; a TFTP directory resolves, pack refuses it.
head -c 1048576 /dev/zero > "$tmp/disk.img"
printf 'vmb disk' | dd of="$tmp/disk.img" conv=notrunc 2>/dev/null
disk=$(realpath "$tmp/disk.img")
sum=$(sha256sum "$tmp/disk.img" | cut -d' ' -f1)
expect_vmb resolve-drive 0 out '' -- resolve "$ROOT/machines/virt.yaml" --drive "$tmp/disk.img" -o "$tmp/rd.yaml"
expect_vmb resolve-drive-ro 0 out '' -- resolve "$ROOT/machines/virt.yaml" --drive "$tmp/disk.img,ro" -o "$tmp/ro.yaml"
if grep -qxF "    file: $disk" "$tmp/rd.yaml" &&
   grep -qxF "    file: { path: $disk, sha256: $sum }" "$tmp/ro.yaml"; then
	pass resolve-drive-file
else
	fail resolve-drive-file "$(grep -h 'file:' "$tmp/rd.yaml" "$tmp/ro.yaml")"
fi
for f in rd ro; do
	if "$VMB" resolve "$tmp/$f.yaml" -o "$tmp/$f-again.yaml" && cmp -s "$tmp/$f.yaml" "$tmp/$f-again.yaml" &&
	   "$VMB" dtb "$ROOT/machines/virt.yaml" --drive "$tmp/disk.img$([ $f = ro ] && echo ,ro)" \
		--set determinism.seed=3 -o "$tmp/$f-a.dtb" &&
	   "$VMB" dtb "$tmp/$f.yaml" --set determinism.seed=3 -o "$tmp/$f-b.dtb" &&
	   cmp -s "$tmp/$f-a.dtb" "$tmp/$f-b.dtb"; then
		pass "resolve-drive-$f-idempotent-same-dtb"
	else
		fail "resolve-drive-$f-idempotent-same-dtb" "$(diff "$tmp/$f.yaml" "$tmp/$f-again.yaml" | head)"
	fi
done
expect_vmb pack-drive 0 out '' -- pack "$ROOT/machines/virt.yaml" --drive "$tmp/disk.img" -o "$tmp/d.vmb"
expect_vmb unpack-drive 0 out '' -- unpack "$tmp/d.vmb" -C "$tmp/d"
if grep -qxF "    file: disks/0-$sum" "$tmp/d/machine.yaml" && cmp -s "$tmp/d/disks/0-$sum" "$tmp/disk.img"; then
	pass pack-drive-disk-stored
else
	fail pack-drive-disk-stored "$(grep 'file:' "$tmp/d/machine.yaml"; ls "$tmp/d/disks")"
fi
expect_vmb check-drive-bundle 0 out '^  drive0 +virtio-blk' -- check "$tmp/d.vmb"
# nbd://: no file to pin or pack (qemu-nbd serves the disk).
qemu-nbd --socket="$tmp/nbd.sock" --format=raw --persistent "$tmp/disk.img" 2>"$tmp/nbd.log" &
nbd=$!
i=0; while [ ! -S "$tmp/nbd.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
uri="nbd+unix:///?socket=$tmp/nbd.sock"
expect_vmb resolve-nbd 0 out '' -- resolve "$ROOT/machines/virt.yaml" --drive "$uri" -o "$tmp/nbd.yaml"
if grep -qxF "    file: \"$uri\"" "$tmp/nbd.yaml"; then pass resolve-nbd-uri-kept; else
	fail resolve-nbd-uri-kept "$(grep 'file:' "$tmp/nbd.yaml")"; fi
expect_vmb pack-nbd 0 out '' -- pack "$ROOT/machines/virt.yaml" --drive "$uri" -o "$tmp/nbd.vmb"
if [ "$(tar -tf "$tmp/nbd.vmb" | tr '\n' ' ')" = "machine.yaml " ]; then pass pack-nbd-no-file; else
	fail pack-nbd-no-file "$(tar -tf "$tmp/nbd.vmb")"; fi
kill "$nbd"; wait "$nbd" 2>/dev/null
mkdir "$tmp/tftp"
expect_vmb resolve-tftp 0 out '' -- resolve "$ROOT/machines/virt.yaml" --nic "user,tftp=$tmp/tftp" -o "$tmp/tftp.yaml"
expect_vmb check-resolved-tftp 0 out '^  net0 +virtio-net' -- check "$tmp/tftp.yaml"
expect_vmb pack-tftp-refused 1 err "^vmb: pack: devices.net0.tftp is a directory .*--set devices.net0.tftp=~" \
	-- pack "$ROOT/machines/virt.yaml" --nic "user,tftp=$tmp/tftp" -o "$tmp/tftp.vmb"

[ "$fails" -eq 0 ]
