# The gdb stub under KVM, sourced by tests.sh (arm64) and tests-x86_64.sh
# after lib.sh; L1 has no gdb, so gdbclient.c (built for L1's arch) speaks
# the protocol. test_gdb boots Linux with 2 vCPUs (arm64: nokaslr) under
# --gdb unix: (the arch's gdb_boot SOCKET) and checks:
#  - attach: both vCPUs stopped (2 threads, each PC readable); arm64:
#    `monitor device` of the GIC shows the in-kernel vGIC's SPI state;
#  - Ctrl-C while the guest runs stops it (T02); FP/SIMD registers read
#    (arm64 v0 and fpcr, x86 xmm0 and mxcsr: not unavailable); a single
#    step of that
#    vCPU then moves its PC; on x86 a fifth hardware breakpoint and a
#    read-only watchpoint are refused at the Z packet;
#  - a hardware and then a software breakpoint on do_sys_openat2 (address
#    from the guest's /proc/kallsyms: Debian's System.map is a
#    placeholder) stop `cat /proc/version` in the guest shell with the PC
#    at the symbol, the return address in a caller (GDB_CALLERS) and the
#    second argument the path; a single step then lands on GDB_STEP_TO;
#  - an L2 program's own trap instruction (guestbrk.c: BRK / INT3),
#    executed while the software breakpoint is in place, reaches it as
#    SIGTRAP and it runs on past it;
#  - all-stop: at a breakpoint, every vCPU's registers read;
#  - a read watchpoint (GDB_READ_WATCH: rwatch, or awatch on x86 where a
#    read-only one is refused, which is checked) on the path's first bytes
#    fires as the kernel copies it in; a write watchpoint fires with an
#    address inside it (x86: jiffies, written by the timer tick; arm64:
#    the 4 KiB page of kernel stack the vCPU is on: Debian's arm64
#    kallsyms has no data symbols);
#  - `monitor reset` while stopped: on continue Linux boots again to its
#    shell with the debugger attached, which then stops it with Ctrl-C;
#  - after detach the shell still answers.
# An attempt whose L2 crashed is run once more (test_gdb, at the end).
# Arch variables: GDB_CALLERS, GDB_STEP_TO (grep -E), GDB_EXTRA_SYMS (more
# kallsyms names to load, |-separated), GDB_READ_WATCH, GDB_DEVICE and
# GDB_DEVICE_INTID (arm64: `monitor device` of the GIC must list the
# console UART's INTID as enabled in the in-kernel vGIC). GDB_NO_TRAP (from
# /nested/env): why the test bed cannot trap on breakpoints and
# watchpoints in L2; those checks are then not run, each said in a
# "VMBTEST: note" (the x86 nested L1 under QEMU 7.2 TCG:
# tests/nested/run.sh). GDB_NO_SWBP: why it traps on debug-register hits
# but not on INT3 (QEMU 10); the software-breakpoint checks are left out.

# Value of "key: " in the gdb client's output.
gdbc_get() {
	sed -n "s/^$1: //p" "$WORK/gdbc.out" | head -n 1
}

gdbc_wait() {
	_deadline=$(( $(now_ms) + $2 * 1000 ))
	until grep -qE "$1" "$WORK/gdbc.out"; do
		kill -0 "$GDBC_PID" 2>/dev/null || grep -qE "$1" "$WORK/gdbc.out" || return 1
		[ "$(now_ms)" -ge $_deadline ] && return 1
		sleep 0.2
	done
}


gdb_watch_checks() {
	off=$(gdbc_get watch-offset)
	if gdbc_get watch-stop | grep -qE "^T05thread:[12];$GDB_READ_WATCH:[0-9a-f]+;" &&
	   [ -n "$off" ] && [ "$off" -ge 0 ] && [ "$off" -lt 8 ]; then
		pass gdb-kvm-$GDB_READ_WATCH "$(gdbc_get watch-stop) at $(gdbc_get watch-pc)"
	else
		fail gdb-kvm-$GDB_READ_WATCH "'$(gdbc_get watch-stop)', offset '$off'"
	fi
	if gdbc_get wwatch-stop | grep -qE "^T05thread:[12];watch:[0-9a-f]+;" &&
	   [ "$(gdbc_get wwatch-inside)" = yes ]; then
		pass gdb-kvm-watch "$(gdbc_get wwatch-stop) at $(gdbc_get wwatch-pc)"
	else
		fail gdb-kvm-watch "'$(gdbc_get wwatch-stop)' (watching $(gdbc_get wwatch-addr))"
	fi
}

gdb_attempt() {
	sock=$WORK/gdb.sock
	# A boot that does not reach the shell is tried once more, as
	# linux_start does (its console kept in notes, "VMBTEST: RETRY").
	for try in 1 2; do
		rm -f "$sock"
		gdb_boot "$sock"
		con_wait 'L2-INIT: up' "$T_LINUX" && con_wait "$L2_PROMPT" 60 && break
		con_end 5
		if [ $try = 1 ]; then
			echo "VMBTEST: RETRY gdb-boot: no L2 shell with --gdb; its console:"
		else
			fail gdb-kvm-attach "no L2 shell with --gdb (second attempt)"
		fi
		tr -d '\r' <"$CON_OUT" | grep -a -E '^vmb: |^---\[ vmb|^registers|^  [a-z0-9_]+  +[0-9a-f]{16}' |
			head -n 40 | sed "s/^/VMBTEST: note gdb-boot-$try: /"
		[ $try = 2 ] && return
	done
	# The symbols, from the running kernel. Each function is followed by
	# the next symbol, its end.
	l2_run "sort /proc/kallsyms | grep -A1 -E ' (do_sys_openat2|do_sys_open|strncpy_from_user|jiffies|$GDB_CALLERS|$GDB_EXTRA_SYMS)\$'"
	con_since_mark | grep -E '^[0-9a-f]{16} [a-zA-Z] ' >"$WORK/kallsyms.map"
	func=$(awk '$3 == "do_sys_openat2" { print $1 }' "$WORK/kallsyms.map")
	bps="hwbreak swbreak" notrap=""
	if [ -n "${GDB_NO_TRAP:-}" ]; then
		bps="" notrap=notrap
		for c in hwbreak hwbreak-step swbreak swbreak-step guest-trap \
			$GDB_READ_WATCH watch; do
			echo "VMBTEST: note gdb-kvm-$c: not run: $GDB_NO_TRAP"
		done
	elif [ -n "${GDB_NO_SWBP:-}" ]; then
		bps="hwbreak" notrap=noswbp
		for c in swbreak swbreak-step guest-trap; do
			echo "VMBTEST: note gdb-kvm-$c: not run: $GDB_NO_SWBP"
		done
	fi
	GDBC_GO=$WORK/gdbc.go rebooted=""
	rm -f "$GDBC_GO"
	# shellcheck disable=SC2086
	GDBC_GO=$GDBC_GO GDBC_DEVICE=${GDB_DEVICE:-} gdbclient "$sock" "$WORK/kallsyms.map" do_sys_openat2 /proc/version $notrap \
		>"$WORK/gdbc.out" 2>&1 &
	GDBC_PID=$!
	ok=1
	for bp in $bps; do
		if ! gdbc_wait "^ready: $bp" 60; then
			ok=0
			break
		fi
		sleep 1
		if [ $bp = swbreak ]; then
			# the guest's own trap while the breakpoint sits in its text
			l2_run "guestbrk" 60
			con_wait '^guest-brk' 20
			con_since_mark | grep -q '^guest-brk: delivered$' && brk=ok ||
				brk=$(con_since_mark | grep '^guest-brk' | head -n 1)
		fi
		con_mark
		con_send "cat /proc/version"
		gdbc_wait "^$bp-step-pc:" 120 || { ok=0; break; }
	done
	# monitor reset: Linux boots again under the attached debugger
	if [ -n "$GDBC_GO" ] && [ $ok = 1 ] && gdbc_wait '^ready: reset' 120; then
		con_mark
		con_wait 'L2-INIT: up' "$T_LINUX" && con_wait "$L2_PROMPT" 60 && rebooted=yes
		touch "$GDBC_GO"
	fi
	gdbc_wait '^done$|^error' 120
	kill "$GDBC_PID" 2>/dev/null
	wait "$GDBC_PID" 2>/dev/null
	sed 's/^/VMBTEST: note gdbclient: /' "$WORK/gdbc.out"
	if [ "$(gdbc_get threads)" = m1,2 ] && [ -n "$(gdbc_get thread-1-pc)" ] &&
	   [ -n "$(gdbc_get thread-2-pc)" ]; then
		pass gdb-kvm-attach "2 vCPUs, both stopped on attach"
	else
		fail gdb-kvm-attach "threads '$(gdbc_get threads)'"
	fi
	if gdbc_get interrupt-stop | grep -qE '^T02thread:[12];$' &&
	   [ -n "$(gdbc_get interrupt-pc)" ]; then
		pass gdb-kvm-ctrl-c "$(gdbc_get interrupt-stop) at $(gdbc_get interrupt-pc)"
	else
		fail gdb-kvm-ctrl-c "'$(gdbc_get interrupt-stop)'"
	fi
	if [ -n "${GDB_DEVICE:-}" ]; then
		# the console UART's line, enabled by Linux, in the kernel's state
		en=$(sed -n 's/^device: *SPI enabled *//p' "$WORK/gdbc.out" | head -n 1)
		if grep -q '^device: .*the SPI state at the end is the kernel' "$WORK/gdbc.out" &&
		   echo "$en" | tr ' ' '\n' | awk -F- -v want="$GDB_DEVICE_INTID" '
			$1 != "" && want >= $1 && want <= ($2 == "" ? $1 : $2) { found = 1 }
			END { exit !found }'; then
			pass gdb-kvm-monitor-gic "monitor device $GDB_DEVICE: SPI enabled: $en"
		else
			fail gdb-kvm-monitor-gic "no INTID $GDB_DEVICE_INTID in 'SPI enabled: $en' ($(gdbc_get device-reply))"
		fi
	fi
	ipc=$(gdbc_get interrupt-pc | cut -d' ' -f1)
	spc=$(gdbc_get interrupt-step-pc | cut -d' ' -f1)
	if gdbc_get interrupt-step-stop | grep -qE '^T05thread:[12];$' &&
	   [ -n "$spc" ] && [ "$spc" != "$ipc" ]; then
		pass gdb-kvm-step "from $ipc to $(gdbc_get interrupt-step-pc)"
	else
		fail gdb-kvm-step "'$(gdbc_get interrupt-step-stop)' from '$ipc' to '$spc'"
	fi
	if gdbc_get fp-vec | grep -qE '^[0-9a-f]{32}$' &&
	   gdbc_get fp-ctl | grep -qE '^[0-9a-f]{8}$'; then
		pass gdb-kvm-fp-regs "vector $(gdbc_get fp-vec), control $(gdbc_get fp-ctl)"
	else
		fail gdb-kvm-fp-regs "vector '$(gdbc_get fp-vec)', control '$(gdbc_get fp-ctl)'"
	fi
	if [ "$GDB_READ_WATCH" = awatch ]; then
		if [ "$(gdbc_get hw-insert-4)" = OK ] &&
		   gdbc_get hw-insert-5 | grep -qE '^E[0-9a-f]{2}$'; then
			pass gdb-kvm-hw-limit "4 hardware breakpoints, the 5th refused: $(gdbc_get hw-insert-5)"
		else
			fail gdb-kvm-hw-limit "4th '$(gdbc_get hw-insert-4)', 5th '$(gdbc_get hw-insert-5)'"
		fi
	fi
	for bp in $bps; do
		stop=$(gdbc_get $bp-stop) pc=$(gdbc_get $bp-pc)
		if [ $ok = 1 ] && echo "$stop" | grep -qE "^T05thread:[12];$bp:;" &&
		   [ "$pc" = "0x$func do_sys_openat2+0x0" ] &&
		   [ "$(gdbc_get $bp-x1)" = /proc/version ] &&
		   gdbc_get $bp-lr | grep -qE " ($GDB_CALLERS)\+0x"; then
			pass gdb-kvm-$bp "stop '$stop', $pc, return to $(gdbc_get $bp-lr)"
		else
			fail gdb-kvm-$bp "stop '$stop' pc '$pc' arg '$(gdbc_get $bp-x1)' return '$(gdbc_get $bp-lr)'"
		fi
		spc=$(gdbc_get $bp-step-pc)
		if echo "$(gdbc_get $bp-step-stop)" | grep -qE '^T05thread:[12];$' &&
		   echo "$spc" | grep -qE " ($GDB_STEP_TO)\$"; then
			pass gdb-kvm-$bp-step "$spc"
		else
			fail gdb-kvm-$bp-step "after the step: '$(gdbc_get $bp-step-stop)' '$spc'"
		fi
	done
	if [ -n "$notrap" ]; then
		:
	elif [ "${brk:-}" = ok ] && ! grep -q '^guest-brk' "$WORK/gdbc.out"; then
		pass gdb-kvm-guest-trap "the guest's own trap reached it as SIGTRAP"
	else
		fail gdb-kvm-guest-trap "'${brk:-not run}'"
	fi
	if [ -n "$(gdbc_get stopped-thread-1-pc)" ] && [ -n "$(gdbc_get stopped-thread-2-pc)" ]; then
		pass gdb-kvm-all-stop "both vCPUs stopped, both read"
	else
		fail gdb-kvm-all-stop "a vCPU's registers could not be read while stopped"
	fi
	if [ "$GDB_READ_WATCH" = awatch ]; then
		if gdbc_get rwatch-insert | grep -qE '^E[0-9a-f]{2}$'; then
			pass gdb-kvm-rwatch-refused "$(gdbc_get rwatch-insert)"
		else
			fail gdb-kvm-rwatch-refused "Z3 answered '$(gdbc_get rwatch-insert)'"
		fi
	fi
	[ "$notrap" = notrap ] || gdb_watch_checks
	if [ -z "$GDBC_GO" ]; then
		:
	elif [ "$(gdbc_get reset)" = OK ] && [ "$rebooted" = yes ] &&
	   gdbc_get reset-stop | grep -qE '^T02thread:[12];$'; then
		pass gdb-kvm-reset "monitor reset: Linux up again, then stopped at $(gdbc_get reset-pc)"
	else
		fail gdb-kvm-reset "reset '$(gdbc_get reset)', shell again '$rebooted', stop '$(gdbc_get reset-stop)'"
		con_since_mark | grep -a -A12 -E '^vmb: |crash report' | head -n 40 |
			sed 's/^/VMBTEST: note gdb-kvm-reset: /'
	fi
	if [ "$(gdbc_get detach)" = OK ] && l2_run "cat /proc/version" 30 &&
	   con_since_mark | grep -q '^Linux version'; then
		pass gdb-kvm-detach "the guest runs on"
	else
		fail gdb-kvm-detach "detach '$(gdbc_get detach)'"
	fi
	# Where the interrupt and the step left the vCPU, by the nearest
	# kernel symbol (equal-length hex strings sort as numbers).
	for k in interrupt-pc interrupt-step-pc; do
		a=$(gdbc_get $k | sed -n 's/^0x\([0-9a-f]*\).*/\1/p')
		[ -n "$a" ] || continue
		l2_run "sort /proc/kallsyms | awk -v a=$a '\$1 <= a { s = \$3 } END { print \"sym: \" s }'"
		echo "VMBTEST: note gdb $k: $a $(con_since_mark | sed -n 's/^sym: //p' | head -n 1)"
	done
	con_send "poweroff -f"
	con_end 60
}

# The whole check, once more when the first attempt lost its L2 to a
# crash (vmb's "guest fault" report, often after a console line without
# its newline: the test bed's emulated SVM
# triple-faults a booting Linux now and then, tests-x86_64.sh, and the
# reset check boots it twice). The first attempt streams as it goes (run.sh
# takes a silent L1 for a frozen one) with its verdicts as notes
# "gdb-try1"; they are printed again as verdicts when it stands, or the
# second attempt ("VMBTEST: RETRY gdb") decides.
test_gdb() {
	: >"$WORK/gdb-try1.out"
	gdb_attempt | while IFS= read -r l; do
		printf '%s\n' "$l" >>"$WORK/gdb-try1.out"
		case $l in
		"VMBTEST: PASS "* | "VMBTEST: FAIL "*) echo "VMBTEST: note gdb-try1: ${l#VMBTEST: }" ;;
		*) printf '%s\n' "$l" ;;
		esac
	done
	if grep -q '^VMBTEST: FAIL' "$WORK/gdb-try1.out" &&
	   grep -aq 'vmb: guest fault' "$WORK/gdb.out"; then
		echo "VMBTEST: RETRY gdb: its L2 crashed (vmb: guest fault); once more"
		gdb_attempt
	else
		awk '/^VMBTEST: (PASS|FAIL) / { on = 1 } /^VMBTEST: (note|RETRY)/ { on = 0 } on' \
			"$WORK/gdb-try1.out"
	fi
}
