#!/bin/bash
# make check-fresh: run the README's `make test` from a clean clone inside a
# fresh Debian 12 root, so that a missing set-up step fails here instead of
# on a new user's machine.
#
#   1. A Debian 12 (bookworm) root made by `debootstrap --variant=minbase`
#      with only what a user types `make test` with (make) is cached as
#      build/fresh/base-KEY; KEY hashes the suite, variant, package list and
#      apt sources, so a change to any of them builds a new root.
#   2. Each run copies that root to build/fresh/run (the cached root itself
#      is never modified), clones HEAD of this repository into /root/vmb of
#      the copy, binds /proc, /sys, /dev and /dev/pts, and runs `make test`
#      there with chroot, in a private mount and PID namespace: the mounts
#      and every process started inside go away with it, and a trap unmounts
#      on every exit path as well.
#   3. `make test` installs its packages with apt-get inside the root. The
#      .deb files it downloads are kept in build/fresh/apt-archives between
#      runs (set VMB_FRESH_NO_CACHE=1 to start without them): packages are
#      still resolved from fresh lists and installed from scratch.
#
# apt sources: the Debian entries of this machine's /etc/apt/sources.list
# and sources.list.d/*.{list,sources}, read at run time (suites bookworm,
# bookworm-updates, bookworm-security); VMB_FRESH_MIRROR overrides the
# mirror debootstrap uses.
# Needs root (re-runs itself through sudo) and network access to the mirror.
# Environment: VMB_FRESH_KEEP=1 keeps build/fresh/run after a pass (it is
# always kept after a failure, for inspection).
set -euo pipefail

SUITE=bookworm
VARIANT=minbase
INCLUDE=make

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FRESH=$ROOT/build/fresh

log() { echo "check-fresh: $*"; }

# ---- inside the private namespaces: mount, chroot, make test ----------------
if [ "${1:-}" = --inside ]; then
	run=$2
	mounted=()
	cleanup() {
		local i
		for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
			umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" || true
		done
	}
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mnt() { # TARGET MOUNT-ARGS...
		local t=$1
		shift
		mount "$@" "$t"
		mounted+=("$t")
	}
	mnt "$run/proc" -t proc proc
	mnt "$run/sys" --bind /sys
	mnt "$run/dev" --bind /dev
	mnt "$run/dev/pts" --bind /dev/pts
	mnt "$run/dev/shm" -t tmpfs -o mode=1777 shm
	mnt "$run/var/cache/apt/archives" --bind "$FRESH/apt-archives"
	chroot "$run" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive \
		/bin/sh -c 'cd /root/vmb && make test'
	exit $?
fi

# ---- outside --------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	exec sudo --preserve-env=VMB_FRESH_MIRROR,VMB_FRESH_KEEP,VMB_FRESH_NO_CACHE \
		bash "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive
cd "$ROOT"
for tool in debootstrap git unshare chroot; do
	command -v "$tool" >/dev/null || { sh tests/setup-deps.sh debootstrap git; break; }
done

# The host's Debian entries for SUITE as one-line "deb URI SUITE COMPONENTS".
debian_sources() {
	local f files=()
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		 /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] || return 0
	awk -v suite="$SUITE" '
	function want(s) { return s == suite || s == suite "-updates" || s == suite "-security" }
	function flush(   n, ns, u, s, i, j) {
		if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no") {
			n = split(uris, u, /[ \t]+/)
			ns = split(suites, s, /[ \t]+/)
			for (i = 1; i <= n; i++)
				for (j = 1; j <= ns; j++)
					if (u[i] != "" && want(s[j]))
						print "deb " u[i] " " s[j] " " comps
		}
		types = uris = suites = comps = enabled = ""
	}
	FNR == 1 { flush(); deb822 = FILENAME ~ /\.sources$/ }
	/^[ \t]*#/ { next }
	deb822 && /^[ \t]*$/ { flush(); next }
	deb822 {
		key = tolower($1); sub(/:$/, "", key)
		val = $0; sub(/^[^:]*:[ \t]*/, "", val)
		if (key == "types") types = val
		else if (key == "uris") uris = val
		else if (key == "suites") suites = val
		else if (key == "components") comps = val
		else if (key == "enabled") enabled = tolower(val)
		next
	}
	$1 == "deb" {
		i = 2
		if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
		if (want($(i + 1))) {
			line = "deb " $i " " $(i + 1)
			for (k = i + 2; k <= NF; k++) line = line " " $k
			print line
		}
	}
	END { flush() }' "${files[@]}" | awk '!seen[$0]++'
}

sources=$(debian_sources)
mirror=${VMB_FRESH_MIRROR:-$(printf '%s\n' "$sources" |
	awk -v s="$SUITE" '$3 == s { print $2; exit }')}
if [ -z "$mirror" ]; then
	echo "check-fresh: no Debian '$SUITE' entry in /etc/apt/sources.list*;" \
		"set VMB_FRESH_MIRROR=URI (a Debian mirror)" >&2
	exit 1
fi
[ -n "$sources" ] || sources="deb $mirror $SUITE main"
case "$sources $mirror" in *https:*) INCLUDE="$INCLUDE,ca-certificates" ;; esac

key=$(printf '%s\n' "$SUITE" "$VARIANT" "$INCLUDE" "$mirror" "$sources" |
	sha256sum | cut -c1-12)
base=$FRESH/base-$key
run=$FRESH/run
mkdir -p "$FRESH/apt-archives/partial"
[ "${VMB_FRESH_NO_CACHE:-0}" = 1 ] && rm -f "$FRESH"/apt-archives/*.deb

t_all=$(date +%s)
if [ ! -f "$base/.complete" ]; then
	log "building the $SUITE $VARIANT root (+ $INCLUDE) from $mirror"
	t=$(date +%s)
	for old in "$FRESH"/base-*; do
		[ -d "$old" ] && rm -rf --one-file-system "$old"
	done
	debootstrap --variant="$VARIANT" --include="$INCLUDE" "$SUITE" \
		"$base.tmp" "$mirror" >"$FRESH/debootstrap.log" 2>&1 || {
		tail -n 20 "$FRESH/debootstrap.log" >&2
		log "debootstrap failed (log: $FRESH/debootstrap.log)" >&2
		exit 1
	}
	printf '%s\n' "$sources" >"$base.tmp/etc/apt/sources.list"
	rm -f "$base.tmp"/var/cache/apt/archives/*.deb
	touch "$base.tmp/.complete"
	mv "$base.tmp" "$base"
	log "root built in $(( $(date +%s) - t )) s"
else
	log "cached root $base"
fi

t=$(date +%s)
rm -rf --one-file-system "$run"
cp -a "$base" "$run"
cp -L /etc/resolv.conf "$run/etc/resolv.conf"
head=$(git rev-parse HEAD)
git clone -q --no-hardlinks "$ROOT" "$run/root/vmb"
git -C "$run/root/vmb" -c advice.detachedHead=false checkout -q "$head"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	log "note: uncommitted changes are not tested (clone of HEAD $head)"
fi
log "copied the root and a clone of $(git log -1 --format='%h %s' "$head") in $(( $(date +%s) - t )) s"

log "running 'make test' in the fresh root (log: $FRESH/make-test.log)"
t=$(date +%s)
status=0
unshare --mount --pid --fork --propagation private -- \
	bash "$0" --inside "$run" 2>&1 | tee "$FRESH/make-test.log" || status=$?
log "make test took $(( $(date +%s) - t )) s, check-fresh $(( $(date +%s) - t_all )) s in all"
if [ "$status" != 0 ]; then
	log "FAILED (status $status); the root is kept in $run"
	exit 1
fi
[ "${VMB_FRESH_KEEP:-0}" = 1 ] || rm -rf --one-file-system "$run"
log "passed"
