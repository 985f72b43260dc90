#!/bin/sh
# Serial backends (--serial, src/board/chardev*.c) and a second UART: the
# virt board plus a PL011 at 0x09040000 runs kernels/arm64/serial2.S, which
# prints a line on each UART, echoes UART1 input until a newline, and powers
# off. Each backend carries UART1; sockets listen on 127.0.0.1 only.
#   sh tests/integration/serial.sh VMB
set -u
VMB=${1:?usage: serial.sh VMB}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/lib.sh"
K=$ROOT/kernels/build/arm64/serial2.bin
[ -f "$K" ] || { fail serial "$K missing: run 'make kernels'"; exit 1; }
command -v socat >/dev/null || { fail serial "socat missing (tests/setup-deps.sh)"; exit 1; }

M=$tmp/two.yaml
cat >"$M" <<YAML
description: "virt with a second PL011 (UART1) at 0x09040000, SPI 8"
include: $ROOT/machines/virt.yaml
name: virt-two-uarts
devices:
  - { name: uart1, type: pl011, base: 0x09040000, irq: 8 }
YAML
run() { timeout 30 "$VMB" run "$M" --accel emu --kernel "$K" "$@"; }
has() { # NAME FILE TEXT
	if grep -q -- "$3" "$2"; then pass "$1"; else fail "$1" "no '$3' in $2: $(cat "$2")"; fi
}

# file: for UART0, stdio for UART1 (input from stdin)
printf 'one\n' | run --serial "file:$tmp/u0" --serial stdio >"$tmp/out" 2>"$tmp/err"
st=$?
[ $st = 0 ] && pass serial-file-stdio-exit || fail serial-file-stdio-exit "status $st: $(cat "$tmp/err")"
has serial-file-uart0 "$tmp/u0" "hello on uart0"
has serial-stdio-uart1 "$tmp/out" "hello on uart1"
has serial-stdio-echo "$tmp/out" "^one"
if grep -q "uart1" "$tmp/u0" || grep -q "uart0" "$tmp/out"; then
	fail serial-separate "a UART's output went to the other's backend"
else
	pass serial-separate
fi

# default: only the first UART on stdio (the second is unconnected)
run </dev/null >"$tmp/out" 2>&1 &
pid=$!
i=0
while ! grep -q "hello on uart0" "$tmp/out" && [ $i -lt 200 ]; do
	sleep 0.1; i=$((i + 1))
done
sleep 0.5   # time for a wrongly routed uart1 line to show up too
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
has serial-default-uart0 "$tmp/out" "hello on uart0"
grep -q "hello on uart1" "$tmp/out" && fail serial-default-only-first "uart1 reached stdio" ||
	pass serial-default-only-first

# null
printf 'x\n' | run --serial null --serial stdio >"$tmp/out" 2>&1
grep -q "uart0" "$tmp/out" && fail serial-null "uart0 output not discarded" || pass serial-null

# socket servers: vmb waits for the client, then runs
sock_server() { # NAME SPEC SOCAT-ADDRESS
	run --serial null --serial "$2" </dev/null >/dev/null 2>"$tmp/$1.err" &
	pid=$!
	i=0
	while ! grep -q "waiting for a connection" "$tmp/$1.err" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	(sleep 0.5; printf '%s\n' "$1"; sleep 2) | timeout 10 socat -t 3 - "$3" >"$tmp/$1.out" 2>&1
	wait "$pid"
	st=$?
	[ $st = 0 ] && pass "$1-exit" || fail "$1-exit" "status $st: $(cat "$tmp/$1.err")"
	has "$1-output" "$tmp/$1.out" "hello on uart1"
	has "$1-echo" "$tmp/$1.out" "^$1"
	has "$1-bye" "$tmp/$1.out" "bye on uart1"
}
sock_server serial-unix-server "unix:$tmp/sock,server" "UNIX-CONNECT:$tmp/sock"
[ -e "$tmp/sock" ] && fail serial-unix-cleanup "socket left behind" || pass serial-unix-cleanup
port=$((20000 + $$ % 20000))
sock_server serial-tcp-server "tcp:127.0.0.1:$port,server" "TCP:127.0.0.1:$port"

# tcp client: socat listens, vmb connects
port=$((port + 1))
(sleep 1; printf 'client\n'; sleep 2) |
	timeout 15 socat -t 3 "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" - >"$tmp/cli.out" 2>&1 &
spid=$!
i=0
while :; do   # until socat listens (slow to start on a loaded machine)
	sleep 0.2
	run --serial null --serial "tcp:127.0.0.1:$port" </dev/null >/dev/null 2>"$tmp/cli.err"
	st=$?
	grep -q "cannot connect" "$tmp/cli.err" && [ $i -lt 50 ] || break
	i=$((i + 1))
done
wait "$spid"
[ $st = 0 ] && pass serial-tcp-client-exit || fail serial-tcp-client-exit "status $st: $(cat "$tmp/cli.err")"
has serial-tcp-client-echo "$tmp/cli.out" "^client"

# pty: the name is printed, and the port works through it
run --serial null --serial pty </dev/null >/dev/null 2>"$tmp/pty.err" &
pid=$!
i=0
while ! grep -q "^vmb: serial 1 is /dev/pts/" "$tmp/pty.err" && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
pty=$(sed -n 's/^vmb: serial 1 is //p' "$tmp/pty.err")
if [ -n "$pty" ]; then
	pass serial-pty-name
	# a first client that only looks and hangs up: the port must keep
	# its input for the next one (the master sees a hang-up meanwhile)
	timeout 1 socat -u "$pty,raw,echo=0" - >"$tmp/pty.first" 2>&1
	has serial-pty-output "$tmp/pty.first" "hello on uart1"
	# Keep the pty open until the echo is back (up to 15 s: a loaded
	# machine is slow), then let socat go.
	(sleep 0.5; printf 'pty\n'; i=0
	 while [ $i -lt 150 ] && ! grep -q '^pty' "$tmp/pty.out" 2>/dev/null; do
		sleep 0.1; i=$((i + 1))
	 done) | timeout 25 socat -t 1 - "$pty,raw,echo=0" >"$tmp/pty.out" 2>&1
	has serial-pty-echo-after-reattach "$tmp/pty.out" "^pty"
else
	fail serial-pty-name "no pty name: $(cat "$tmp/pty.err")"
fi
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null

# bad specs name the option as typed; exit 1 like every value error
expect_vmb serial-bad-kind 1 err "^vmb: --serial bogus: unknown serial backend" -- \
	run "$M" --kernel "$K" --serial bogus
expect_vmb serial-bad-option 1 err "^vmb: --serial unix:x,frob: unknown option 'frob'" -- \
	run "$M" --kernel "$K" --serial unix:x,frob
expect_vmb serial-no-server 1 err "^vmb: --serial unix:$tmp/none: cannot connect" -- \
	run "$M" --kernel "$K" --serial "unix:$tmp/none"
expect_vmb serial-stdio-twice 1 err "^vmb: --serial stdio: only one serial port can use the terminal" -- \
	run "$M" --kernel "$K" --serial stdio --serial stdio
exit $fails
