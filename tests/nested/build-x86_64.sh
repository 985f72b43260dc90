#!/bin/sh
# Build a static x86_64 vmb into build/static/vmb for the nested x86 KVM
# tests: L1's initramfs has no shared libraries. The host's own -dev
# packages (tests/setup-deps.sh) provide the static archives; Unicorn is
# left out (VMB_EMU=0): L1 runs vmb on KVM only and libunicorn.a would
# add ~30 MiB to the initramfs. So are libnbd, libslirp and libarchive
# (VMB_NBD=0 VMB_SLIRP=0 VMB_BUNDLE=0): Debian ships no usable static
# archive of them.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
make -s BUILD=build/static VMB_EMU=0 VMB_NBD=0 VMB_SLIRP=0 VMB_BUNDLE=0 \
	PKG_CFLAGS="$(pkg-config --cflags yaml-0.1 capstone nettle)" \
	PKG_LIBS="-lyaml -lfdt -lcapstone -lnettle" \
	LDFLAGS="-static" build/static/vmb
case $(file -b build/static/vmb) in
*x86-64*statically\ linked*) ;;
*) echo "build-x86_64: build/static/vmb is not a static x86-64 binary:" \
	"$(file -b build/static/vmb)" >&2; exit 1 ;;
esac
