#!/bin/sh
# Install the shipped machines and every file they name by a relative path
# (boot images, memory images), keeping the relative paths, so that an
# installed machine boots as it does in the source tree:
#   machines/hello-arm64.yaml  kernel: ../kernels/build/arm64/hello.bin
#   -> SHARE/machines/hello-arm64.yaml, SHARE/kernels/build/arm64/hello.bin
#   sh src/cli/install-machines.sh SHARE   (SHARE = $(DESTDIR)$(PREFIX)/share/vmb)
set -eu
share=${1:?usage: install-machines.sh SHAREDIR}
install -d "$share/machines"
status=0
for m in machines/*.yaml; do
	install -m 0644 "$m" "$share/machines/"
	# values of file-valued keys that are relative paths (not absolute,
	# not empty or null)
	sed -n -E 's/^[[:space:]-]*(firmware|kernel|initrd|dtb|image):[[:space:]]*"?([^"#[:space:]]+)"?.*/\2/p' "$m" |
	while read -r ref; do
		case $ref in /*|~|null) continue ;; esac
		src=machines/$ref
		if [ ! -f "$src" ]; then
			echo "install: $m names $ref, which is not built ($src); run 'make kernels'" >&2
			exit 1
		fi
		dst=$share/machines/$ref
		install -D -m 0644 "$src" "$dst"
	done || status=1
done
exit $status
