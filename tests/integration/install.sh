#!/bin/sh
# make install PREFIX=...: everything the machines need is installed, the
# installed vmb finds machines by name from anywhere, VMB_PATH comes first,
# "vmb machines" lists them, the man page is generated from --help, and
# bash completion completes commands and machine names.
#   sh tests/integration/install.sh VMB   (VMB is unused: this builds and
#   installs the tree's own ./vmb, as a user would)
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
VMB=${1:-}
. "$(dirname "$0")/lib.sh"
P=$tmp/prefix
if ! make -s -C "$ROOT" install PREFIX="$P" >"$tmp/make.log" 2>&1; then
	fail install "make install failed: $(tail -n 5 "$tmp/make.log")"
	exit 1
fi
pass install
VMB=$P/bin/vmb
for f in bin/vmb share/vmb/machines/virt.yaml share/vmb/machines/hello-arm64.yaml \
	 share/vmb/kernels/build/arm64/hello.bin share/vmb/schemas/machine.schema.json \
	 share/man/man1/vmb.1 share/bash-completion/completions/vmb; do
	[ -f "$P/$f" ] && pass "installed $f" || fail "installed $f" "missing"
done

cd "$tmp"   # nowhere near the source tree
expect_vmb installed-machines 0 out "^  virt +QEMU 7.2's arm64 virt board" -- machines
expect_vmb installed-machines-path 0 out "$P/bin/../share/vmb/machines/virt.yaml" -- machines
expect_vmb installed-check-by-name 0 out "^machine virt: arm64" -- check virt
expect_vmb installed-run-by-name 0 out "Hello from vmb on vmb,hello-arm64" -- run hello-arm64 --accel emu
expect_vmb unknown-name 1 err "'nosuch' is neither a file nor a machine on the search path" -- check nosuch

mkdir -p "$tmp/mine"
sed 's/^name: hello-arm64/name: mine/; s/^description: .*/description: "my own board"/' \
	"$P/share/vmb/machines/hello-arm64.yaml" |
	sed "s|kernel: ../kernels|kernel: $P/share/vmb/kernels|" >"$tmp/mine/mine.yaml"
cp "$tmp/mine/mine.yaml" "$tmp/mine/virt.yaml"
export VMB_PATH=$tmp/mine
expect_vmb vmb-path-listed 0 out "^  mine +my own board" -- machines
expect_vmb vmb-path-first 0 out "^machine mine: arm64" -- check virt
expect_vmb vmb-path-run 0 out "Hello from vmb" -- run mine
expect_vmb machines-names 0 out "^mine$" -- machines --names
unset VMB_PATH

m=$P/share/man/man1/vmb.1
grep -q '^\.TH VMB "1"' "$m" && pass man-header || fail man-header "no .TH in $m"
grep -q 'serial' "$m" && grep -q 'vmb run' "$m" && grep -q 'VMB_PATH' "$m" &&
	pass man-content || fail man-content "run help, --serial or VMB_PATH missing"
if command -v man >/dev/null; then
	man -l "$m" 2>/dev/null | grep -q "machines" && pass man-renders || fail man-renders "man -l fails"
else
	echo "SKIP man-renders: no man here (tests/setup-deps.sh installs man-db)"
fi

comp() { # WORDS...: completions of the last word
	PATH=$P/bin:$PATH bash -c '. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vmb;
		printf "%s\n" "${COMPREPLY[@]}"' "$P/share/bash-completion/completions/vmb" "$@"
}
comp vmb ch | grep -qx check && pass completion-command || fail completion-command "$(comp vmb ch)"
comp vmb run vi | grep -qx virt && pass completion-machine || fail completion-machine "$(comp vmb run vi)"
comp vmb run virt --acc | grep -qx -- --accel && pass completion-option ||
	fail completion-option "$(comp vmb run virt --acc)"
comp vmb run virt --accel e | grep -qx emu && pass completion-accel || fail completion-accel "$(comp vmb run virt --accel e)"
exit $fails
