#!/usr/bin/env python3
# Ctrl-C under emu, many times over: Debian's U-Boot on machines/virt.yaml
# with --gdb; a client speaking the GDB remote protocol (its framing as in
# the GDB manual, "Remote Protocol") continues the machine and interrupts
# it with 0x03 60 times, a few ms to 50 ms apart (a fixed seed), while
# U-Boot waits at its prompt or runs an `md` typed meanwhile; the last 30
# with a breakpoint set that is never hit (the other pause hook). Each
# interrupt must come back as a T02 stop whose PC is an aligned address in
# RAM; after a detach U-Boot must still answer `version`, without a guest
# fault. The emu backend's stop is exact only through its pause hooks
# (src/hv/emu-debug.c): a stop that resumed part of a translation block
# twice corrupts U-Boot within a few cycles (seen with Unicorn's own
# asynchronous stop), which this catches.
#   python3 gdb-interrupts.py VMB   (UBOOT from the environment, as run.sh)
import os
import random
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time

CYCLES = 60
RAM = (0x40000000, 0x80000000)


def result(ok, name, detail):
    print("%s %s (%s)" % ("PASS" if ok else "FAIL", name, detail))
    return ok


def main():
    vmb, uboot = sys.argv[1], os.environ["UBOOT"]
    root = os.environ.get("ROOT", ".")
    tmp = tempfile.mkdtemp(prefix="vmb-gdbint-")
    sock_path = os.path.join(tmp, "gdb.sock")
    vm = subprocess.Popen([vmb, "run", os.path.join(root, "machines/virt.yaml"),
                           "--firmware", uboot, "--accel", "emu",
                           "--gdb", "unix:" + sock_path],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    out = bytearray()

    def reader():
        while True:
            b = os.read(vm.stdout.fileno(), 65536)
            if not b:
                return
            out.extend(b)

    threading.Thread(target=reader, daemon=True).start()

    def wait_for(pred, secs):
        end = time.time() + secs
        while time.time() < end:
            if pred():
                return True
            time.sleep(0.05)
        return pred()

    def type_(s):
        vm.stdin.write(s.encode())
        vm.stdin.flush()

    try:
        if not wait_for(lambda: b"=> " in out and os.path.exists(sock_path), 60):
            return result(False, "gdb-interrupts", "no U-Boot prompt: %r" %
                          bytes(out[-300:]))
        c = socket.socket(socket.AF_UNIX)
        c.connect(sock_path)
        c.settimeout(10)
        rx = bytearray()

        def send(payload):
            c.sendall(b"$%s#%02x" % (payload.encode(), sum(payload.encode()) & 0xff))

        def recv():
            while True:
                i = rx.find(b"$")
                j = rx.find(b"#", i + 1) if i >= 0 else -1
                if i >= 0 and j >= 0 and len(rx) >= j + 3:
                    body = rx[i + 1:j].decode()
                    del rx[:j + 3]
                    try:
                        c.sendall(b"+")
                    except OSError:
                        pass  # after D the stub has closed
                    text, k = "", 0
                    while k < len(body):  # run-length encoding
                        if body[k] == "*":
                            text += text[-1] * (ord(body[k + 1]) - 29)
                            k += 2
                        else:
                            text += body[k]
                            k += 1
                    return text
                d = c.recv(65536)
                if not d:
                    raise EOFError("the stub closed the connection")
                rx.extend(d)

        send("qSupported")
        recv()
        send("?")
        recv()
        rng = random.Random(20261204)
        bad = []
        pcs = set()
        for i in range(CYCLES):
            # the second half with a breakpoint U-Boot never reaches (the
            # device tree's first word): the stops then come from the code
            # hook over all addresses, the first half's from the block hook
            if i == CYCLES // 2:
                send("Z1,40000000,4")
                if recv() != "OK":
                    bad.append("Z1 refused")
                    break
            send("c")
            if i % 3 == 0:
                type_("md 0x40000000 0x10\r")
            time.sleep(rng.uniform(0.005, 0.05))
            try:
                c.sendall(b"\x03")
                stop = recv()
                send("p20")  # the PC, gdb's aarch64 register 32
                reply = recv()
                if len(reply) != 16 or reply.strip("0123456789abcdef"):
                    raise ValueError("p20 answered %r after stop %r" % (reply, stop))
                pc = int.from_bytes(bytes.fromhex(reply), "little")
            except (OSError, EOFError, ValueError) as e:
                bad.append("cycle %d: %s" % (i, e))
                break
            pcs.add(pc)
            if not stop.startswith("T02") or pc & 3 or not RAM[0] <= pc < RAM[1]:
                bad.append("cycle %d: stop %s pc 0x%x" % (i, stop, pc))
        if not bad:
            send("D")
            recv()
        result(not bad, "gdb-interrupts",
               "; ".join(bad) if bad else "%d stops, %d distinct PCs in RAM" %
               (CYCLES, len(pcs)))
        # U-Boot's ctrlc() eats input while a command prints: wait for quiet
        time.sleep(2)
        mark = len(out)
        type_("version\r")
        ok = wait_for(lambda: b"U-Boot 20" in out[mark:] and
                      out[mark:].rstrip().endswith(b"=>"), 30)
        fault = b"guest fault" in out or vm.poll() is not None
        return result(ok and not fault, "gdb-interrupts-console",
                      "U-Boot answers after the detach" if ok and not fault else
                      "console %r" % bytes(out[-1500:]))
    finally:
        vm.kill()
        vm.wait()
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
