#!/bin/sh
# A QEMU for the nested benchmarks (QEMU with -accel kvm inside L1, beside
# vmb): Debian's PACKAGE (qemu-system-arm:arm64, qemu-system-x86) and the
# libraries it depends on (transitively, lib* and zlib1g of the same
# architecture only: for arm64 49 packages, ~57 MiB kept), fetched with
# apt-get download and unpacked into ROOT, a tree merged into L1's root
# file system (/usr/bin, /lib, /lib64, /usr/lib/<triplet>). QEMU_FIRMWARE
# ("PACKAGE FILE...", e.g. "qemu-system-data bios-microvm.bin") adds that
# package's /usr/share/qemu/FILEs (the firmware a machine type loads).
# Nothing is installed on the host.
#   sh tests/nested/fetch-qemu.sh IMAGES ROOT PACKAGE[:ARCH] BINARY
set -eu
images=$1 root=$2 pkg=$3 bin=$4
debs=$images/${pkg%%:*}-debs
[ -x "$root/usr/bin/$bin" ] && exit 0
# Dependencies of a foreign-arch package carry its ":ARCH"; native ones
# carry none.
case $pkg in *:*) sfx=":${pkg#*:}" ;; *) sfx="" ;; esac

echo "nested: fetching $pkg and its libraries"
# Breadth first, one apt-cache call per level of the dependency graph.
seen=" "
level="$pkg"
while [ -n "$level" ]; do
	for p in $level; do seen="$seen$p "; done
	next=""
	# shellcheck disable=SC2086
	for d in $(apt-cache depends --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances $level 2>/dev/null |
		sed -n "s/^ *\\(Pre\\)\\{0,1\\}Depends: \\(\\(lib[^ <>:]*\\|zlib1g\\)$sfx\\)\$/\\2/p"); do
		case "$seen$next " in *" $d "*) ;; *) next="$next $d" ;; esac
	done
	level=$next
done
fw_pkg="" fw_files=""
if [ -n "${QEMU_FIRMWARE:-}" ]; then
	# shellcheck disable=SC2086
	set -- $QEMU_FIRMWARE
	fw_pkg=$1
	shift
	fw_files="$*"
	seen="$seen$fw_pkg "
fi
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
cp "$root.tmp/usr/bin/$bin" "$root.tmp/keep/usr/bin/"
for d in lib lib64 usr/lib usr/lib64; do
	[ -d "$root.tmp/$d" ] || continue
	(cd "$root.tmp" && find $d -maxdepth 2 \( -name '*.so*' -o -name 'ld-linux*' \) \
		\( -type f -o -type l \) | cpio -pdm --quiet keep)
done
for f in $fw_files; do
	mkdir -p "$root.tmp/keep/usr/share/qemu"
	cp "$root.tmp/usr/share/qemu/$f" "$root.tmp/keep/usr/share/qemu/"
done
rm -rf "$root"
mv "$root.tmp/keep" "$root"
rm -rf "$root.tmp"
