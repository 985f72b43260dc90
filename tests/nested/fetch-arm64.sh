#!/bin/sh
# arm64 programs for the nested tests' L1 (and L2) root file systems:
# Debian packages and the arm64 libraries they depend on (transitively,
# lib*:arm64 and zlib1g:arm64 only), fetched with apt-get download and
# unpacked into ROOT, a tree merged into a guest's / (/usr/bin, /lib,
# /usr/lib/aarch64-linux-gnu). Only the named files (programs), the
# dynamic loader and the shared libraries are kept. Nothing is installed
# on the host.
#   sh tests/nested/fetch-arm64.sh DEBS ROOT "PKG:arm64 ..." "usr/bin/PROG ..."
# DEBS caches the .deb files; ROOT is left alone when every file is there.
set -eu
debs=$1 root=$2 pkgs=$3 progs=$4
have=1
for p in $progs; do [ -e "$root/$p" ] || have=0; done
[ $have = 1 ] && exit 0

echo "nested: fetching $pkgs and their libraries"
# Breadth first, one apt-cache call per level of the dependency graph.
seen=" "
level=$pkgs
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
for p in $seen; do
	deb=$(ls "$debs/${p%:arm64}"_*_arm64.deb "$debs/${p%:arm64}"_*_all.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "nested: $p was not downloaded" >&2; exit 1; }
	dpkg-deb -x "$deb" "$root.tmp"
done
mkdir -p "$root.tmp/keep"
for p in $progs; do
	mkdir -p "$root.tmp/keep/$(dirname "$p")"
	cp "$root.tmp/$p" "$root.tmp/keep/$p"
done
for d in lib usr/lib; do
	[ -d "$root.tmp/$d" ] || continue
	(cd "$root.tmp" && find $d -maxdepth 2 \( -name '*.so*' -o -name 'ld-linux*' \) \
		\( -type f -o -type l \) | cpio -pdmu --quiet keep)
done
rm -rf "$root"
mv "$root.tmp/keep" "$root"
rm -rf "$root.tmp"
