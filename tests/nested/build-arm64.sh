#!/bin/sh
# Cross-build a static aarch64 vmb into build/arm64/vmb for the nested KVM
# tests.
#  - Libraries: the arm64 -dev packages are fetched with apt-get download and
#    unpacked into build/arm64/sysroot (not installed: libfdt-dev is not
#    co-installable across architectures); only their static archives are
#    used.
#  - Headers: those packages' headers are arch-independent and the host has
#    the same versions in /usr/include, which the cross compiler does not
#    search; -idirafter adds it behind the cross sysroot so the aarch64 libc
#    and kernel headers win.
#  - No Unicorn backend (VMB_EMU=0): Debian's arm64 libunicorn.a does not
#    link statically (its -fpic GOT overflows). No bundles (VMB_BUNDLE=0):
#    a static libarchive would pull in a dozen compression libraries.
#    nettle (SHA-256, ChaCha20) links statically from nettle-dev.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SYSROOT=build/arm64/sysroot
sh tests/fetch-images.sh "$SYSROOT" libyaml-dev:arm64 libfdt-dev:arm64 \
	libcapstone-dev:arm64 nettle-dev:arm64
L=""
for p in libyaml-dev libfdt-dev libcapstone-dev nettle-dev; do
	L="$L -L$ROOT/$SYSROOT/$p/usr/lib/aarch64-linux-gnu"
done
make -s BUILD=build/arm64 CC=aarch64-linux-gnu-gcc VMB_EMU=0 VMB_NBD=0 VMB_SLIRP=0 VMB_BUNDLE=0 \
	PKG_CFLAGS="-idirafter /usr/include -I/usr/include/capstone" \
	PKG_LIBS="$L -lyaml -lfdt -lcapstone -lnettle" \
	LDFLAGS="-static" build/arm64/vmb
case $(file -b build/arm64/vmb) in
*aarch64*statically\ linked*) ;;
*) echo "build-arm64: build/arm64/vmb is not a static aarch64 binary:" \
	"$(file -b build/arm64/vmb)" >&2; exit 1 ;;
esac
