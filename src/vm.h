/* SPDX-License-Identifier: MIT */
/*
 * The machine life cycle shared by every backend, and the commands built on
 * it: run a machine, write its device tree, check it.
 *
 * Exit statuses (the CLI returns them as they are; README and "vmb --help"
 * document them):
 *   0   the guest powered off (PSCI SYSTEM_OFF, ...) or the user quit (C-a x)
 *   1   configuration or host error (the message says which)
 *   2   guest fault: a crash report went to stderr
 *   64  usage error (EX_USAGE from sysexits.h)
 *   128+N  stopped by signal N (SIGINT, SIGTERM, SIGHUP), after a clean
 *          shutdown
 */
#ifndef VMB_VM_H
#define VMB_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config/spec.h"
#include "debug/trace.h"
#include "util/err.h"

#ifndef VMB_VERSION
#define VMB_VERSION "0.1.0"
#endif

enum {
	VMB_EXIT_OK = 0,
	VMB_EXIT_ERROR = 1,
	VMB_EXIT_FAULT = 2,
	VMB_EXIT_USAGE = 64,
};

struct vmb_run_opts {
	const char *accel;   /* backend name or "auto" (NULL = "auto") */
	const char *dtb_out; /* write the device tree the guest got (NULL: no) */
	bool stats;          /* print backend statistics on stderr at exit */
	bool verbose;        /* backend, entry point and stop reason on stderr */
	const char *const *serial; /* --serial specs, UART order (chardev.h); */
	unsigned nserial;          /* none: the first UART on stdio */
	struct vmb_trace_opts trace; /* --trace (debug/trace.h) */
	const char *gdb;     /* --gdb tcp:HOST:PORT | unix:PATH (NULL: none) */
	bool gdb_wait;       /* --gdb-wait: start stopped until gdb resumes */
};

/*
 * Run a machine until it powers off, the user quits, it faults or a host
 * error stops it: stdio console (raw when stdin is a terminal), board,
 * backend, boot protocol, then the run loop, which resets the board and
 * boots again on a guest reset request. The terminal is restored and
 * everything is freed on every path. Errors are printed once on stderr as
 * "vmb: message". Returns the exit status (see above).
 */
int vmb_vm_run(const struct vmb_spec *spec, const struct vmb_run_opts *o);

/* Write the generated device tree of spec's board (no initrd) to path
 * ("-" for stdout). Returns 0 or -1 with err set. */
int vmb_vm_write_dtb(const struct vmb_spec *spec, const char *path,
		     struct vmb_err *err);

/* Write the ACPI tables of spec's (x86_64) board, as a boot puts them at
 * 0xe0000, to DIR/RSDP.dat, XSDT.dat, FACP.dat, DSDT.dat, APIC.dat (the
 * files `iasl -d` disassembles). Returns 0 or -1 with err set. */
int vmb_vm_write_acpi(const struct vmb_spec *spec, const char *dir,
		      struct vmb_err *err);

/*
 * Build the board and prepare its boot without running it: prints the
 * memory map, interrupts, devices (vmb_board_print) and where the boot
 * protocol put things. Catches everything short of running: device
 * properties, overlaps, IRQ clashes, missing or oversized images. Then
 * lists each backend and whether it can run the machine, and validates it
 * for accel ("auto" or a backend name) exactly as vmb_vm_run would, so
 * that check refuses what run would refuse ("none": no backend needed, for
 * machines meant for another host). Returns 0 or -1 with err set.
 */
int vmb_vm_check(const struct vmb_spec *spec, const char *accel, FILE *out,
		 struct vmb_err *err);

/* Write len bytes to path ("-" = stdout), replacing the file. */
int vmb_write_file(const char *path, const void *buf, size_t len,
		   struct vmb_err *err);

#endif
