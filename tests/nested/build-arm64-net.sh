#!/bin/sh
# A second aarch64 vmb for the nested "net: user" tests, build/arm64-net/vmb:
# Debian ships libslirp only as a shared library (no libslirp.a), so this
# one links libslirp (and through it glib) dynamically and everything else
# statically, like build-arm64.sh's. Its run-time libraries (libslirp0,
# libglib2.0-0, libc6 of arm64) go to OUT/slirp-root, an overlay of L1's /,
# with the binary as /bin/vmb-net.
#   sh tests/nested/build-arm64-net.sh OUT
set -eu
out=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SYSROOT=build/arm64/sysroot
lib=usr/lib/aarch64-linux-gnu
sh tests/fetch-images.sh "$SYSROOT" libyaml-dev:arm64 libfdt-dev:arm64 \
	libcapstone-dev:arm64
sh tests/nested/fetch-arm64.sh build/images/slirp-arm64-debs "$out/slirp-root" \
	libslirp0:arm64 "$lib/libslirp.so.0"
# -lslirp (from the Makefile) links against the fetched libslirp.so.0.
mkdir -p build/arm64-net/lib
ln -sf "$ROOT/$out/slirp-root/$lib/libslirp.so.0" build/arm64-net/lib/libslirp.so
L="-L$ROOT/build/arm64-net/lib"
for p in libyaml-dev libfdt-dev libcapstone-dev; do
	L="$L -L$ROOT/$SYSROOT/$p/$lib"
done
make -s BUILD=build/arm64-net CC=aarch64-linux-gnu-gcc VMB_EMU=0 VMB_NBD=0 \
	PKG_CFLAGS="-idirafter /usr/include -I/usr/include/capstone" \
	PKG_LIBS="$L -Wl,-Bstatic -lyaml -lfdt -lcapstone -Wl,-Bdynamic \
		-Wl,-rpath-link,$ROOT/$out/slirp-root/$lib" \
	build/arm64-net/vmb
mkdir -p "$out/slirp-root/bin"
cp build/arm64-net/vmb "$out/slirp-root/bin/vmb-net"
