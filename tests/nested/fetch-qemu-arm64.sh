#!/bin/sh
# An arm64 qemu-system-aarch64 for the nested benchmark (QEMU with -accel
# kvm inside L1, beside vmb): Debian's qemu-system-arm:arm64 and the arm64
# libraries it depends on (49 packages, ~57 MiB kept), merged into L1's
# root file system by tests/nested/fetch-arm64.sh.
#   sh tests/nested/fetch-qemu-arm64.sh IMAGES ROOT
set -eu
exec sh "$(dirname "$0")/fetch-arm64.sh" "$1/qemu-arm64-debs" "$2" \
	qemu-system-arm:arm64 usr/bin/qemu-system-aarch64
