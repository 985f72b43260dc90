#!/bin/sh
# The same bare-metal arm64 binary (kernels/arm64/hello.bin) on two boards
# with different memory maps, on the emu backend: it finds its UART, RAM and
# PSCI conduit in the device tree, prints two lines and powers off (exit 0).
# Also: the ELF build through the ELF loader, an ELF linked for the wrong
# board (exit 1, clear message), and --dtb-out.
#   sh tests/integration/hello-arm64.sh VMB
set -u
VMB=${1:?usage: hello-arm64.sh VMB}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
K=$ROOT/kernels/build/arm64
. "$(dirname "$0")/lib.sh"

if [ ! -f "$K/hello.bin" ] || [ ! -f "$K/hello.elf" ]; then
	fail hello-arm64 "$K/hello.bin missing: run 'make kernels'"
	exit 1
fi

# run NAME WANT-STATUS -- vmb run args...; output in $tmp/out, $tmp/err
run() {
	name=$1 want=$2
	shift 3
	timeout 60 "$VMB" run --accel emu "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	if [ "$st" -ne "$want" ]; then
		fail "$name" "exit status $st, expected $want; stderr: $(cat "$tmp/err")"
		return 1
	fi
	return 0
}

# expect NAME LINE...: every LINE appears as a whole line of the output
# (the guest writes CR LF).
expect() {
	name=$1
	shift
	tr -d '\r' <"$tmp/out" >"$tmp/out.lf"
	for line in "$@"; do
		if ! grep -Fxq -- "$line" "$tmp/out.lf"; then
			fail "$name" "missing line '$line'; output: $(cat "$tmp/out.lf")"
			return
		fi
	done
	pass "$name"
}

if run hello-board 0 -- "$ROOT/machines/hello-arm64.yaml"; then
	expect hello-board "Hello from vmb on vmb,hello-arm64" \
		"running at 0x80000000, RAM 0x80000000+0x4000000, pl011 at 0x1c090000, device tree at 0x82000000"
fi

if run hello-virt 0 -- "$ROOT/machines/virt.yaml" --kernel "$K/hello.bin"; then
	expect hello-virt "Hello from vmb on linux,dummy-virt" \
		"running at 0x40000000, RAM 0x40000000+0x8000000, pl011 at 0x9000000, device tree at 0x44000000"
fi

# Same program, other board size: RAM and tree placement follow the file.
if run hello-virt-1g 0 -- "$ROOT/machines/virt.yaml" --kernel "$K/hello.bin" -m 1G; then
	expect hello-virt-1g "Hello from vmb on linux,dummy-virt" \
		"running at 0x40000000, RAM 0x40000000+0x40000000, pl011 at 0x9000000, device tree at 0x48000000"
fi

if run hello-elf 0 -- "$ROOT/machines/hello-arm64.yaml" --kernel "$K/hello.elf"; then
	expect hello-elf "Hello from vmb on vmb,hello-arm64" \
		"running at 0x80000000, RAM 0x80000000+0x4000000, pl011 at 0x1c090000, device tree at 0x82000000"
fi

# hello.elf is linked at 0x80000000: on virt that is not memory.
if run hello-elf-wrong-board 1 -- "$ROOT/machines/virt.yaml" --kernel "$K/hello.elf"; then
	if grep -q "hello.elf': segment 0 \[0x80000000-.*is not in RAM or ROM" "$tmp/err"; then
		pass hello-elf-wrong-board
	else
		fail hello-elf-wrong-board "unexpected message: $(cat "$tmp/err")"
	fi
fi

if run hello-dtb-out 0 -- "$ROOT/machines/hello-arm64.yaml" --dtb-out "$tmp/got.dtb"; then
	if command -v dtc >/dev/null 2>&1; then
		dtc -q -I dtb -O dts "$tmp/got.dtb" >"$tmp/got.dts" 2>/dev/null
		if grep -q 'model = "vmb,hello-arm64"' "$tmp/got.dts" &&
		   grep -q 'pl011@1c090000' "$tmp/got.dts"; then
			pass hello-dtb-out
		else
			fail hello-dtb-out "tree written by --dtb-out lacks the model or UART"
		fi
	elif [ -s "$tmp/got.dtb" ]; then
		pass hello-dtb-out
	else
		fail hello-dtb-out "no tree written"
	fi
fi

[ "$fails" -eq 0 ]
