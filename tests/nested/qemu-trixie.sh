#!/bin/sh
# QEMU 10 (Debian 13 "trixie") for the x86_64 nested test bed, on a
# Debian 12 host: sh tests/nested/qemu-trixie.sh DIR
# prints the path of DIR/bin/qemu-system-x86_64, a wrapper that runs
# trixie's binary through trixie's own dynamic loader and libraries (no
# chroot: the host's paths stay valid) with trixie's firmware.
#
# Why: Debian 12's QEMU 7.2 loads DR7 at an emulated VMRUN without arming
# its breakpoints (fixed in QEMU 9.1, "target/i386: disable/enable
# breakpoints on vmentry/vmexit"), so hardware breakpoints and watchpoints
# set on an L2 guest never fire under it; QEMU 10 fires them. (Neither
# intercepts an L2 INT3 as #BP: target/i386 checks only the INTn
# intercept for it, so software breakpoints stay untestable there.)
#
# The root is made once with debootstrap (minbase + qemu-system-x86, about
# 370 MB, under a minute from a Debian mirror) and reused while its
# binary runs. Needs root (debootstrap; re-runs itself through sudo) and
# the mirror: VMB_TRIXIE_MIRROR, else the host's first Debian source.
set -eu
dir=${1:?usage: qemu-trixie.sh DIR}
root=$dir/root
wrap=$dir/bin/qemu-system-x86_64

if [ -x "$wrap" ] && "$wrap" --version >/dev/null 2>&1; then
	echo "$wrap"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	exec sudo -E sh "$0" "$@"
fi
command -v debootstrap >/dev/null || sh "$(dirname "$0")/../setup-deps.sh" debootstrap >&2
mirror=${VMB_TRIXIE_MIRROR:-$(
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -n 's|^deb \(\[[^]]*\] \)\{0,1\}\(https\{0,1\}://[^ ]*/debian\)/\{0,1\} .*|\2|p'
	cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n 's|^URIs: *\(https\{0,1\}://[^ ]*/debian\)/\{0,1\}$|\1|p')}
mirror=$(echo "$mirror" | grep -v security | head -n 1)
mirror=${mirror:-http://deb.debian.org/debian}
rm -rf "${root:?}" "${dir:?}/bin"
mkdir -p "$dir"
echo "nested: debootstrap trixie + qemu-system-x86 from $mirror into $root" >&2
if ! debootstrap --variant=minbase --include=qemu-system-x86 trixie "$root" "$mirror" \
	>"$dir/debootstrap.log" 2>&1; then
	tail -n 20 "$dir/debootstrap.log" >&2
	echo "nested: debootstrap of trixie failed (log: $dir/debootstrap.log)" >&2
	exit 1
fi
rm -rf "$root/var/cache/apt/archives"/*.deb
mkdir -p "$dir/bin"
# $R is resolved when the wrapper runs, so the tree may move.
cat >"$wrap" <<'EOF'
#!/bin/sh
R=$(cd "$(dirname "$0")/../root" && pwd)
exec "$R/lib64/ld-linux-x86-64.so.2" \
	--library-path "$R/lib/x86_64-linux-gnu:$R/usr/lib/x86_64-linux-gnu" \
	"$R/usr/bin/qemu-system-x86_64" -L "$R/usr/share/qemu" \
	-L "$R/usr/share/seabios" "$@"
EOF
chmod +x "$wrap"
"$wrap" --version | head -n 1 >&2
echo "$wrap"
