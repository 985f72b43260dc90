#!/bin/sh
# Cross-build a dynamically linked aarch64 vmb with libnbd (nbd:// and
# nbd+unix:// drives) and libslirp ("net: user") into build/arm64-dyn/vmb,
# and its arm64 shared libraries into build/arm64-dyn/root (merged into
# L1's /, where it runs as vmb-nbd and vmb-net). The static vmb of
# build-arm64.sh cannot have either: Debian's libnbd.a needs GnuTLS, whose
# static archive needs p11-kit, which Debian ships as a shared library
# only, and there is no libslirp.a.
#  - Runtime libraries (libyaml-0-2, libfdt1, libcapstone4, libnettle8,
#    libnbd0, libslirp0 and their lib* dependencies, glibc included) come from
#    tests/nested/fetch-arm64.sh; the program links against them through
#    unversioned symlinks in build/arm64-dyn/lib.
#  - Headers as in build-arm64.sh: the host's, behind the cross sysroot.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUT=build/arm64-dyn
LIBDIR=usr/lib/aarch64-linux-gnu
sh tests/nested/fetch-arm64.sh build/images/vmb-arm64-debs "$OUT/root" \
	"libyaml-0-2:arm64 libfdt1:arm64 libcapstone4:arm64 libnettle8:arm64 libnbd0:arm64 libslirp0:arm64" \
	"$LIBDIR/libyaml-0.so.2 $LIBDIR/libfdt.so.1 $LIBDIR/libcapstone.so.4 $LIBDIR/libnettle.so.8 $LIBDIR/libnbd.so.0 $LIBDIR/libslirp.so.0"
mkdir -p "$OUT/lib"
for l in yaml:libyaml-0.so.2 fdt:libfdt.so.1 capstone:libcapstone.so.4 \
	nettle:libnettle.so.8 nbd:libnbd.so.0 slirp:libslirp.so.0; do
	ln -sf "$ROOT/$OUT/root/$LIBDIR/${l#*:}" "$OUT/lib/lib${l%%:*}.so"
done
# PKG_CFLAGS given here replaces the Makefile's, -D flags included.
make -s BUILD="$OUT" CC=aarch64-linux-gnu-gcc VMB_EMU=0 VMB_NBD=1 VMB_SLIRP=1 \
	VMB_BUNDLE=0 \
	PKG_CFLAGS="-idirafter /usr/include -I/usr/include/capstone -DVMB_NBD -DVMB_SLIRP" \
	PKG_LIBS="-L$ROOT/$OUT/lib -lyaml -lfdt -lcapstone -lnettle" \
	LDFLAGS="-Wl,-rpath-link,$ROOT/$OUT/root/$LIBDIR -Wl,-rpath-link,$ROOT/$OUT/root/lib/aarch64-linux-gnu" \
	"$OUT/vmb"
mkdir -p "$OUT/root/usr/bin"
cp "$OUT/vmb" "$OUT/root/usr/bin/vmb-nbd"
mkdir -p "$OUT/root/bin"
ln -sf ../usr/bin/vmb-nbd "$OUT/root/bin/vmb-net"
case $(file -b "$OUT/vmb") in
*aarch64*dynamically\ linked*) ;;
*) echo "build-arm64-dyn: $OUT/vmb is not a dynamic aarch64 binary:" \
	"$(file -b "$OUT/vmb")" >&2; exit 1 ;;
esac
