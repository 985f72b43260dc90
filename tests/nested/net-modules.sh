#!/bin/sh
# L1's kernel modules for the nested networking tests (net-tests.sh): tun
# and bridge with their dependencies (stp, llc), from the unpacked Debian
# arm64 kernel package, into OUT/lib/modules/net (an overlay of L1's /).
#   sh tests/nested/net-modules.sh KPKG_DIR OUT
set -eu
kpkg=$1 out=$2
k=$(ls -d "$kpkg"/lib/modules/*/kernel | head -n 1)
mkdir -p "$out/lib/modules/net"
for ko in drivers/net/tun.ko net/802/stp.ko net/llc/llc.ko net/bridge/bridge.ko; do
	cp "$k/$ko" "$out/lib/modules/net/"
done
