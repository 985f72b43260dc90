/* SPDX-License-Identifier: MIT */
/*
 * Execution traces (vmb run --trace, docs/debugging.md):
 *
 *  - insn[=N]: each vCPU keeps a ring of the last N instructions it
 *    executed (PC and encoding, recorded before the instruction runs), and
 *    a crash report prints them as "recent instructions", oldest first,
 *    disassembled. Only backends that see every instruction can fill it
 *    (emu: Unicorn's code hook, installed only while tracing); KVM runs
 *    guest code on the CPU and is refused.
 *  - mmio=FILE: every device access that reaches vmb's dispatch (MMIO and
 *    port I/O, any backend) is one line of FILE, see vmb_mmio_trace_format.
 *    Buffered; flushed at exit and when a crash report is printed.
 *
 * The option is repeatable and each value a comma list, as QEMU's -d:
 * "--trace insn=128 --trace mmio=log" = "--trace insn=128,mmio=log".
 * FILE runs to the end of its argument (it may hold commas), so mmio=
 * comes last in a list.
 */
#ifndef VMB_DEBUG_TRACE_H
#define VMB_DEBUG_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/spec.h"
#include "util/err.h"

#define VMB_TRACE_INSN_DEFAULT 64u
#define VMB_TRACE_INSN_MAX (1u << 20)

/* What --trace asked for. */
struct vmb_trace_opts {
	unsigned insn;          /* ring size per vCPU; 0: off */
	const char *mmio_file;  /* log file ("-": stderr); NULL: off */
};

/* Add one --trace argument, as typed, to o. -1 with err ("--trace ...:
 * why") on an unknown item, a bad N (1..VMB_TRACE_INSN_MAX), a missing
 * FILE, or an item given twice. */
int vmb_trace_parse(const char *arg, struct vmb_trace_opts *o, struct vmb_err *err);

/* ---- instruction ring ---------------------------------------------------- */

/* One executed instruction: its PC (the vCPU's address: a VA once the
 * MMU is on) and its encoding as fetched (len 0: not readable). */
struct vmb_insn_rec {
	uint64_t pc;
	uint8_t len;
	uint8_t bytes[15];
};

struct vmb_insn_ring {
	struct vmb_insn_rec *rec;
	unsigned cap, pos;       /* pos: where the next record goes */
	uint64_t total;          /* instructions recorded since creation */
};

/* One ring per vCPU. */
struct vmb_insn_trace {
	unsigned ncpus;
	struct vmb_insn_ring cpu[];
};

/* Rings of n records for ncpus vCPUs (n <= VMB_TRACE_INSN_MAX). */
struct vmb_insn_trace *vmb_insn_trace_new(unsigned ncpus, unsigned n);
void vmb_insn_trace_free(struct vmb_insn_trace *t);

/* Record one instruction (the backend's per-instruction hook: no call, no
 * division). bytes may be NULL (not readable); len <= 15. */
static inline void vmb_insn_ring_add(struct vmb_insn_ring *r, uint64_t pc,
				     const uint8_t *bytes, unsigned len)
{
	struct vmb_insn_rec *e = &r->rec[r->pos];

	e->pc = pc;
	e->len = bytes ? (uint8_t)len : 0;
	if (bytes)
		memcpy(e->bytes, bytes, len);
	if (++r->pos == r->cap)
		r->pos = 0;
	r->total++;
}

/* Records held (at most cap), and the i-th oldest of them. */
unsigned vmb_insn_ring_count(const struct vmb_insn_ring *r);
const struct vmb_insn_rec *vmb_insn_ring_get(const struct vmb_insn_ring *r,
					     unsigned i);

/* The crash report's "recent instructions" section for one vCPU: a title,
 * then each record oldest first, disassembled (capstone), the last one
 * marked "=>" when it is at pc (the faulting instruction). */
void vmb_insn_ring_print(const struct vmb_insn_ring *r, unsigned cpu,
			 enum vmb_arch arch, uint64_t pc, FILE *out);

/* ---- device access log --------------------------------------------------- */

struct vmb_mmio_trace;

/* Create (truncate) path, or use stderr for "-". NULL with err naming
 * --trace and the file. */
struct vmb_mmio_trace *vmb_mmio_trace_open(const char *path, struct vmb_err *err);
/* Flush and close; NULL is ignored. */
void vmb_mmio_trace_close(struct vmb_mmio_trace *t);
/* Write out what is buffered (crash reports, exit). Any thread. */
void vmb_mmio_trace_flush(struct vmb_mmio_trace *t);

/* One access as the log shows it. */
struct vmb_mmio_event {
	uint64_t ns;            /* guest time since the board was created */
	unsigned cpu;           /* vCPU, or VMB_CPU_NONE (board.h) */
	const char *name;       /* "device:register" (vmb_region_reg_name) */
	bool write, pio;
	unsigned size;          /* bytes */
	uint64_t val;           /* written, or read back */
	uint64_t addr;          /* GPA or port */
	const char *type;       /* device type ("pl011"), NULL: none */
};

/*
 * One log line, newline included, into buf (truncated to len):
 *   "SECONDS.NANOSECONDS VCPU DEVICE:REGISTER R|W WIDTH VALUE SPACE:ADDR TYPE"
 *   "0.412345678 cpu0 uart0:UARTDR W 4 0x00000048 mmio:0x09000000 pl011"
 * VCPU is "-" for accesses no vCPU made; VALUE has 2*WIDTH hex digits;
 * SPACE is mmio or pio; TYPE the device type ("-" if none). Returns the
 * length it needed (snprintf).
 */
int vmb_mmio_trace_format(char *buf, size_t len, const struct vmb_mmio_event *ev);

/* Append ev's line (under the log's lock: vCPU threads log at once). */
void vmb_mmio_trace_log(struct vmb_mmio_trace *t, const struct vmb_mmio_event *ev);

#endif
