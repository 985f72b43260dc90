#!/bin/sh
# Install the Debian packages vmb needs to build, test and benchmark.
# Idempotent and quiet when everything is present; uses sudo when not root.
set -eu

PKGS="make gcc pkg-config libc6-dev
libyaml-dev libfdt-dev libcapstone-dev libcmocka-dev libunicorn-dev libnbd-dev
device-tree-compiler gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
qemu-system-arm expect cpio xz-utils time
fdisk mtools dosfstools e2fsprogs python3 qemu-utils"
# Extra packages needed by optional targets are passed as arguments.
PKGS="$PKGS $*"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
