#!/bin/sh
# Fetch the guest images vmb boots with `apt-get download` (never from
# anywhere but Debian's archive) and unpack them under DIR (build/images).
#
#   sh tests/fetch-images.sh DIR [PACKAGE...]
#
# Default packages: u-boot-qemu (Debian's U-Boot for QEMU's virt boards).
# A package is unpacked into DIR/<package>/ once; re-runs are no-ops.
set -eu

dir=${1:?usage: fetch-images.sh DIR [PACKAGE...]}
shift
[ $# -gt 0 ] || set -- u-boot-qemu
mkdir -p "$dir/debs"

for pkg in "$@"; do
	name=${pkg%%:*}
	[ -f "$dir/$name/.unpacked" ] && continue
	echo "images: fetching $pkg"
	( cd "$dir/debs" && apt-get download -qq "$pkg" >/dev/null 2>&1 ) || {
		# A fresh machine may have no package lists yet.
		if [ "$(id -u)" = 0 ]; then apt-get -o DPkg::Lock::Timeout=600 update -qq;
		else sudo apt-get -o DPkg::Lock::Timeout=600 update -qq; fi
		( cd "$dir/debs" && apt-get download -qq "$pkg" )
	}
	deb=$(ls -t "$dir/debs/${name}_"*.deb | head -n 1)
	rm -rf "$dir/$name"
	mkdir -p "$dir/$name"
	dpkg-deb -x "$deb" "$dir/$name"
	touch "$dir/$name/.unpacked"
done
