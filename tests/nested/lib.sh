#!/bin/sh
# Console driving for the nested tests, in busybox sh (no expect in L1).
# A program runs in the background with stdin from a FIFO (kept open on fd
# 3) and its console output in a file; con_wait polls that file for a
# pattern past a mark, con_send types into the FIFO. stdin is not a
# terminal, so vmb passes bytes through without raw mode or escapes.
#
#   con_start NAME CMD...   start CMD, output in $WORK/NAME.out
#   con_mark                later waits look only at output from here on
#   con_wait PATTERN SECS   0 when the (grep -E) PATTERN appears in
#                           con_since_mark's output, 1 on timeout or if
#                           the program exited first
#   con_send TEXT           type TEXT and a carriage return
#   l2_run CMD [SECS]       con_mark, type CMD, wait SECS (60) for the L2
#                           shell's prompt ($L2_PROMPT, set by the script);
#                           CMD's output is then con_since_mark's
#   con_end SECS            close stdin, wait for the exit; $CON_STATUS is
#                           its status (124 after a timeout, then killed)
#   now_ms                  milliseconds since L1 booted
#   pass NAME [NOTE] / fail NAME REASON   the markers run.sh counts
#   run_checks FUNC...      run each check function between "VMBTEST:
#                           begin/done FUNC" markers, leaving out those
#                           an earlier boot of L1 passed whole
#   median / ratio A B      benchmarks: median of the numbers on stdin;
#                           A / B with two decimals

# CON_* variables are for the scripts that source this file.
# shellcheck disable=SC2034
WORK=${WORK:-/tmp/nested}
# Knobs set on the host (BENCH_PARTS, RUNS, ...), written by pack.sh.
# shellcheck disable=SC1091
[ ! -f /nested/env ] || . /nested/env
mkdir -p "$WORK"

now_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# L1 uptime in seconds, to see where a slow run spends its time.
stamp() {
	cut -d' ' -f1 /proc/uptime
}

pass() {
	echo "VMBTEST: PASS $1${2:+ ($2)} [at $(stamp) s]"
}

fail() {
	echo "VMBTEST: FAIL $1: $2 [at $(stamp) s]"
	if [ -n "${CON_OUT:-}" ] && [ -f "$CON_OUT" ]; then
		# Indented, so that run.sh tells L2's kernel messages from L1's.
		echo "---- last console output of $CON_NAME:"
		tail -n 25 "$CON_OUT" | tr -d '\r' | sed 's/^/  | /'
		echo "----"
	fi
}

# The emulated host (QEMU's TCG SVM) sometimes freezes or resets L1 part
# way; run.sh then boots L1 again with the checks that had passed whole
# (begin .. done, no FAIL between) listed in /nested/skip, one per line,
# so the new boot resumes instead of starting over.
run_checks() {
	for t in "$@"; do
		if [ -f "${NESTED_SKIP:-/nested/skip}" ] &&
		   grep -qx "$t" "${NESTED_SKIP:-/nested/skip}"; then
			echo "VMBTEST: note $t passed whole in an earlier boot of L1: not run again"
			continue
		fi
		echo "VMBTEST: begin $t [at $(stamp) s]"
		$t
		echo "VMBTEST: done $t [at $(stamp) s]"
	done
}

con_start() {
	CON_NAME=$1
	shift
	CON_OUT=$WORK/$CON_NAME.out
	rm -f "$WORK/$CON_NAME.in" "$CON_OUT"
	mkfifo "$WORK/$CON_NAME.in"
	: >"$CON_OUT"
	"$@" <"$WORK/$CON_NAME.in" >"$CON_OUT" 2>&1 &
	CON_PID=$!
	exec 3>"$WORK/$CON_NAME.in"
	CON_MARK=0
	CON_T0=$(now_ms)
}

con_mark() {
	CON_MARK=$(wc -c <"$CON_OUT")
}

con_alive() {
	kill -0 "$CON_PID" 2>/dev/null
}

con_wait() {
	_deadline=$(( $(now_ms) + $2 * 1000 ))
	while :; do
		if con_since_mark | grep -qE -- "$1"; then
			return 0
		fi
		if ! con_alive; then
			# One last look: the output may have landed as it exited.
			con_since_mark | grep -qE -- "$1"
			return
		fi
		[ "$(now_ms)" -ge $_deadline ] && return 1
		sleep 0.1
	done
}

# Typing into a program that has exited would kill this script with
# SIGPIPE (the FIFO has no reader; seen: "L1-INIT: end, status 141" right
# after a passing check, the reason lost): say what it printed last and
# return 1, and write from a subshell so that a SIGPIPE in the window
# between the check and the write ends only that subshell.
con_send() {
	if ! con_alive; then
		echo "VMBTEST: note $CON_NAME: exited before '$1' could be typed; its last lines:"
		tail -n 15 "$CON_OUT" | tr -d '\r' | sed "s/^/VMBTEST: note $CON_NAME: | /"
		return 1
	fi
	( printf '%s\r' "$1" >&3 ) 2>/dev/null
}

l2_run() {
	con_mark
	con_send "$1"
	con_wait "$L2_PROMPT" "${2:-60}"
}

con_end() {
	_deadline=$(( $(now_ms) + $1 * 1000 ))
	exec 3>&-
	while con_alive && [ "$(now_ms)" -lt $_deadline ]; do
		sleep 0.1
	done
	if con_alive; then
		kill -9 "$CON_PID" 2>/dev/null
		wait "$CON_PID" 2>/dev/null
		CON_STATUS=124
	else
		wait "$CON_PID"
		CON_STATUS=$?
	fi
	# vmb's own diagnostics (warnings, errors) go in the L1 log.
	tr -d '\r' <"$CON_OUT" | grep '^vmb: ' | sed "s/^/VMBTEST: note $CON_NAME: /"
}

# Output since the mark, without carriage returns and escape characters
# (busybox's shell asks for the cursor position, ESC [6n, after each
# prompt: match that prompt with 'l2# (\[6n)?$').
con_since_mark() {
	tail -c +$((CON_MARK + 1)) "$CON_OUT" | tr -d '\r\033'
}

# Kill the program with SIGKILL (a VMM crash, as far as its disk images
# are concerned) and reap it; $CON_STATUS is its status.
con_kill() {
	exec 3>&-
	kill -9 "$CON_PID" 2>/dev/null
	wait "$CON_PID"
	CON_STATUS=$?
}

median() {
	sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
