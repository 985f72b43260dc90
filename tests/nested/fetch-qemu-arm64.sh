#!/bin/sh
# An arm64 qemu-system-aarch64 for the nested benchmark (QEMU with -accel
# kvm inside L1, beside vmb): Debian's qemu-system-arm:arm64 and the arm64
# libraries it depends on (transitively, lib*:arm64 and zlib1g:arm64 only:
# 49 packages, ~57 MiB kept), fetched with apt-get download and unpacked
# into ROOT, a tree merged into L1's root file system (/usr/bin, /lib,
# /usr/lib/aarch64-linux-gnu). Nothing is installed on the host.
#   sh tests/nested/fetch-qemu-arm64.sh IMAGES ROOT
set -eu
images=$1 root=$2
debs=$images/qemu-arm64-debs
[ -x "$root/usr/bin/qemu-system-aarch64" ] && exit 0

echo "nested: fetching qemu-system-arm:arm64 and its libraries"
# Breadth first, one apt-cache call per level of the dependency graph.
seen=" "
level="qemu-system-arm:arm64"
while [ -n "$level" ]; do
	for p in $level; do seen="$seen$p "; done
	next=""
	# shellcheck disable=SC2086
	for d in $(apt-cache depends --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances $level 2>/dev/null |
		sed -n 's/^ *\(Pre\)\{0,1\}Depends: \(\(lib[^ <>]*\|zlib1g\):arm64\)$/\2/p'); do
		case "$seen$next " in *" $d "*) ;; *) next="$next $d" ;; esac
	done
	level=$next
done
mkdir -p "$debs"
# shellcheck disable=SC2086
(cd "$debs" && apt-get download -qq $seen 2>&1 >/dev/null | grep -v "unsandboxed" >&2 || true)
rm -rf "$root.tmp"
mkdir -p "$root.tmp"
for deb in "$debs"/*.deb; do
	dpkg-deb -x "$deb" "$root.tmp"
done
# Keep the emulator, the dynamic loader and the shared libraries.
mkdir -p "$root.tmp/keep/usr/bin"
cp "$root.tmp/usr/bin/qemu-system-aarch64" "$root.tmp/keep/usr/bin/"
for d in lib usr/lib; do
	[ -d "$root.tmp/$d" ] || continue
	(cd "$root.tmp" && find $d -maxdepth 2 \( -name '*.so*' -o -name 'ld-linux*' \) \
		\( -type f -o -type l \) | cpio -pdm --quiet keep)
done
rm -rf "$root"
mv "$root.tmp/keep" "$root"
rm -rf "$root.tmp"
