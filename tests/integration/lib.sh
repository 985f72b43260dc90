# Sourced by the integration test scripts (POSIX sh) after they set VMB:
# a temp directory $tmp removed on exit, PASS/FAIL lines with a count of
# failures in $fails, and expect_vmb, which runs vmb and checks the result.

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

# expect_vmb NAME WANT-STATUS STREAM PATTERN -- vmb args...
# Runs $VMB with the args (stdin empty; stdout in $tmp/out, stderr in
# $tmp/err) and passes if it exits WANT-STATUS and, unless PATTERN is
# empty, STREAM (out or err) has a line matching PATTERN (grep -E).
expect_vmb() {
	name=$1 want=$2 stream=$3 pat=$4
	shift 5
	"$VMB" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	if [ "$st" -ne "$want" ]; then
		fail "$name" "exit status $st, expected $want; stderr: $(cat "$tmp/err")"
	elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$tmp/$stream"; then
		fail "$name" "$stream does not match /$pat/: $(cat "$tmp/$stream")"
	else
		pass "$name"
	fi
}
