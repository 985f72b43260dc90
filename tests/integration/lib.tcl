# Helpers for integration tests that drive a guest over its serial console
# with expect(1). Every check prints "PASS name" or "FAIL name: why";
# run.sh counts them.
#
# Procedures act on the global spawn_id (the last top-level spawn; procs
# that spawn must declare "global spawn_id").
#
# Environment: VMB (the binary), IMAGES (build/images), ROOT (repo root).

set vmb $env(VMB)
set images $env(IMAGES)
set root $env(ROOT)
set uboot "$images/u-boot-qemu/usr/lib/u-boot/qemu_arm64/u-boot.bin"
set failures 0
log_user 0
# flinfo prints ~20 KiB; keep whole command outputs in the match buffer.
match_max -d 262144
if {[info exists env(VERBOSE)]} { log_user 1 }

proc pass {name} { puts "PASS $name" }
proc fail {name why} {
	global failures
	incr failures
	puts "FAIL $name: $why"
}

# Wait for a pattern; on timeout/eof record a failure and return 0.
# The first capture group, if any, is left in the global "matched".
proc await {name pattern {tmo 30}} {
	global spawn_id
	global timeout
	set timeout $tmo
	expect {
		-re $pattern {
			global matched
			set matched ""
			catch {set matched $expect_out(1,string)}
			return 1
		}
		timeout { fail $name "timed out after ${tmo}s waiting for /$pattern/"; return 0 }
		eof { fail $name "guest output ended while waiting for /$pattern/"; return 0 }
	}
}

# Send a U-Boot command and return what it printed up to the next prompt
# (carriage returns removed), or "" on failure.
proc uboot_cmd {name cmd {tmo 30}} {
	global spawn_id
	send -- "$cmd\r"
	if {![await $name "\r\n(.*?)=> $" $tmo]} { return "" }
	global matched
	set out [string map {"\r" ""} $matched]
	return $out
}

# Stop U-Boot's autoboot countdown and wait for the first prompt.
proc uboot_prompt {name {tmo 60}} {
	global spawn_id
	if {![await $name "Hit any key to stop autoboot" $tmo]} { return 0 }
	send "\r"
	return [await $name "=> $" 10]
}

# Wait for the spawned process to exit; returns its exit status (or -1).
proc exit_status {name {tmo 30}} {
	global spawn_id
	global timeout
	set timeout $tmo
	expect {
		eof {}
		timeout { fail $name "did not exit within ${tmo}s"; return -1 }
	}
	set st [wait]
	return [lindex $st 3]
}

proc finish {} {
	global failures
	exit [expr {$failures ? 1 : 0}]
}
