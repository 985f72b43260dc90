#!/bin/sh
# The examples of README.md and docs/*.md, run as written (issue 7):
#  - a ```yaml block whose first line is "# file: NAME" is saved as NAME;
#  - every line of a ```sh block that starts with "./vmb " is run, in a
#    scratch tree that looks like the source tree after `make test`
#    (./vmb, machines/, kernels/, build/images), in file order.
# A command passes if it exits 0, or, for "run" of a guest that does not
# power off by itself (U-Boot at its prompt), if it is still running after
# 20 s with guest output and no "vmb:" error.
#   sh tests/integration/docs-examples.sh VMB
set -u
VMB=$(cd "$(dirname "${1:?usage: docs-examples.sh VMB}")" && pwd)/$(basename "$1")
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/lib.sh"

tree=$tmp/tree
mkdir -p "$tree/build"
ln -s "$VMB" "$tree/vmb"
ln -s "$ROOT/machines" "$tree/machines"
ln -s "$ROOT/kernels" "$tree/kernels"
ln -s "${IMAGES:-$ROOT/build/images}" "$tree/build/images"

n=0
for doc in "$ROOT/README.md" "$ROOT"/docs/*.md; do
	name=$(basename "$doc")
	# one record per example: "F<tab>NAME<tab>first line" for files
	# (their text follows, up to a line "\036"), "C<tab>command" for commands
	awk '
	/^```/ {
		if (!inblock) { inblock = 1; lang = substr($0, 4); first = 1; file = ""; next }
		if (file != "") print "\036"
		inblock = 0; file = ""; next
	}
	inblock && lang == "yaml" && first && /^# file: / {
		file = $3; print "F\t" file; first = 0; print; next
	}
	inblock && file != "" { print; next }
	inblock && lang == "sh" && /^\.\/vmb / { print "C\t" $0 }
	{ first = 0 }' "$doc" >"$tmp/examples"
	out=""
	while IFS= read -r line; do
		case $line in
		"F	"*)
			out=$tree/${line#F	}
			: >"$out"
			continue ;;
		"$(printf '\036')")
			out=""
			continue ;;
		"C	"*)
			cmd=${line#C	}
			n=$((n + 1))
			label="$name: $cmd"
			(cd "$tree" && timeout 20 sh -c "$cmd" </dev/null >"$tmp/out" 2>"$tmp/err")
			st=$?
			if [ $st = 0 ]; then
				pass "$label"
			elif [ $st = 124 ] && [ -s "$tmp/out" ] &&
			     ! grep -v '^vmb: stopped by signal' "$tmp/err" | grep -q '^vmb:'; then
				pass "$label (still running after 20 s, as a firmware prompt does)"
			else
				fail "$label" "status $st: $(head -n 3 "$tmp/err")"
			fi
			continue ;;
		esac
		[ -n "$out" ] && printf '%s\n' "$line" >>"$out"
	done <"$tmp/examples"
done
[ $n -gt 0 ] || fail docs-examples "no examples found"
# the file the README tour writes
[ -s "$tree/virt.dtb" ] && pass "README.md: virt.dtb written" || fail "README.md: virt.dtb written" "missing"
grep -q "Hello from vmb" "$tree/uart0.log" 2>/dev/null && pass "README.md: --serial file:uart0.log" ||
	fail "README.md: --serial file:uart0.log" "no guest output in uart0.log"
exit $fails
