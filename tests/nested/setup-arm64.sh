#!/bin/sh
# Host side of the nested arm64 KVM tests: the aarch64 cross compiler,
# qemu-system-aarch64 for L1, mkfs.ext4 and qemu-img for L2's disk
# images, and the arm64 architecture in apt's lists so that
# `apt-get download PKG:arm64` finds arm64 packages. The arm64 -dev
# libraries are NOT installed: libfdt-dev is not Multi-Arch: same, so
# installing libfdt-dev:arm64 removes the host's libfdt-dev. build-arm64.sh
# unpacks them into a private sysroot instead. Idempotent and quiet when
# everything is present.
set -eu
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -o DPkg::Lock::Timeout=600"

PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
qemu-system-arm qemu-utils e2fsprogs cpio gzip file"

updated=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "setup: adding the arm64 architecture to apt"
	$SUDO dpkg --add-architecture arm64
	$SUDO $APT update -qq
	updated=1
elif ! apt-cache show busybox-static:arm64 >/dev/null 2>&1; then
	$SUDO $APT update -qq
	updated=1
fi
missing=""
for p in $PKGS; do
	case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "setup: installing$missing"
[ $updated = 1 ] || $SUDO $APT update -qq
# shellcheck disable=SC2086
$SUDO $APT install -y -qq --no-install-recommends $missing >/dev/null
