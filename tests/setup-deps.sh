#!/bin/sh
# Install the Debian packages vmb needs to build, test and benchmark.
# Idempotent and quiet when everything is present; uses sudo when not root.
set -eu

# What `make`, `make test` and `make install` run, and nothing more:
#   build        make gcc pkg-config libc6-dev; libyaml, libfdt, capstone,
#                cmocka, Unicorn, libnbd (nbd:// drives), libslirp (net:
#                user), nettle (SHA-256, ChaCha20), libarchive + libzstd
#                (bundles) -dev packages
#   kernels/     gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu (x86_64
#                programs use the host gcc and binutils)
#   tests        device-tree-compiler (dtb-compare), qemu-system-arm and
#                qemu-system-x86 (QEMU references and the nested KVM L1s;
#                always run -nodefaults, so ipxe-qemu is not needed),
#                expect (console tests), cpio xz-utils file (initramfs and
#                image handling), time (bench), socat (serial backends),
#                fdisk mtools dosfstools e2fsprogs qemu-utils (disk images,
#                qemu-nbd), zstd (bundles read with tar), python3 with
#                jsonschema and yaml (check-schema), acpica-tools (iasl -d)
#   gdb tests    gdb-multiarch (drives the --gdb stub; socat reaches its
#                unix socket)
#   install      help2man (the man page, generated from --help), man-db
#                (man -l: the page renders)
# tests/nested/setup-arm64.sh adds the nested tests' own.
PKGS="make gcc pkg-config libc6-dev
libyaml-dev libfdt-dev libcapstone-dev libcmocka-dev libunicorn-dev libnbd-dev
libslirp-dev nettle-dev libarchive-dev libzstd-dev
device-tree-compiler gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
qemu-system-arm qemu-system-x86 expect cpio xz-utils file time socat help2man
fdisk mtools dosfstools e2fsprogs qemu-utils zstd
python3 python3-jsonschema python3-yaml acpica-tools
gdb-multiarch man-db"
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
# Other apt users (unattended upgrades, parallel set-ups) hold the dpkg lock
# for a while: wait for it rather than fail.
APT="apt-get -o DPkg::Lock::Timeout=600"
$SUDO $APT update -qq
# shellcheck disable=SC2086
$SUDO $APT install -y -qq --no-install-recommends $missing >/dev/null
