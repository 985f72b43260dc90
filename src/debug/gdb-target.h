/* SPDX-License-Identifier: MIT */
/*
 * What gdb is told about a vCPU: the target description (gdb manual,
 * appendix G "Target Descriptions": the standard features
 * org.gnu.gdb.aarch64.core / .fpu and org.gnu.gdb.i386.core / .sse /
 * .segments, plus vmb's own system-register features) and the register
 * numbering of 'g', 'G', 'p' and 'P', both generated from one table per
 * architecture so they cannot disagree.
 */
#ifndef VMB_DEBUG_GDB_TARGET_H
#define VMB_DEBUG_GDB_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/hv.h"

struct vmb_gdb_reg;

struct vmb_gdb_arch {
	const char *name;             /* <architecture> */
	const struct vmb_gdb_reg *regs;
	unsigned nregs;
	unsigned bp_kind;             /* Z0/Z1 "kind": instruction size */
	const char *xml;              /* the whole target.xml */
};

/* The description for arch; NULL for an architecture gdb is not served. */
const struct vmb_gdb_arch *vmb_gdb_arch_of(enum vmb_arch arch);

/* Register n's size in bytes (0 if n is out of range). */
unsigned vmb_gdb_reg_size(const struct vmb_gdb_arch *a, unsigned n);

/* Register n of r, target byte order (little-endian) into out (at least
 * 16 bytes). Returns its size, 0 if n is out of range; *avail false when
 * the backend did not provide it (gdb is sent "xx" bytes). */
unsigned vmb_gdb_reg_get(const struct vmb_gdb_arch *a, const struct vmb_regs *r,
			 unsigned n, uint8_t *out, bool *avail);

/* Set register n of r from in (its size in bytes). -1 if n is out of range
 * or not settable (unavailable, or a field this backend ignores). */
int vmb_gdb_reg_set(const struct vmb_gdb_arch *a, struct vmb_regs *r, unsigned n,
		    const uint8_t *in);

#endif
