/* SPDX-License-Identifier: MIT */
/*
 * gdb remote stub: `vmb run --gdb tcp:HOST:PORT|unix:PATH [--gdb-wait]`.
 * One debugger connection at a time, all-stop: when the debugger holds the
 * machine every vCPU is parked; one gdb thread per vCPU (thread id = vCPU
 * index + 1). Protocol as gdb-multiarch speaks it (gdb manual, appendix E);
 * packets in gdb-packet.c, target descriptions in gdb-target.c, the
 * backend side in hv.h (set_debug, write_virt, vm->debug_event).
 */
#ifndef VMB_DEBUG_GDBSTUB_H
#define VMB_DEBUG_GDBSTUB_H

#include <stdbool.h>

#include "hv/hv.h"
#include "util/err.h"

struct vmb_gdbstub;

/*
 * Listen on spec ("tcp:HOST:PORT", "unix:PATH") for vm, which has its
 * backend created; hook the stub into vm (debugger, debug_event,
 * debug_gate) and start serving. wait: the machine does not start until
 * the debugger continues or steps it. NULL with err set on a bad spec, a
 * backend without debugging (set_debug) or a socket error.
 */
struct vmb_gdbstub *vmb_gdbstub_start(struct vmb_vm *vm, const char *spec,
				      bool wait, struct vmb_err *err);

/* Tell a connected debugger the machine is gone, stop serving, unhook it
 * from vm, free. NULL is ignored. Call before the backend is destroyed. */
void vmb_gdbstub_stop(struct vmb_gdbstub *s);

#endif
