/* SPDX-License-Identifier: MIT */
/*
 * Crash report for a guest fault: what happened (vm->fault), the faulting
 * vCPU's registers, the instructions around the PC disassembled with
 * capstone (arm64 or x86_64), and where the faulting address sits in the
 * board's map (the region it hit, or the nearest regions below and above).
 */
#ifndef VMB_DEBUG_CRASH_H
#define VMB_DEBUG_CRASH_H

#include <stdio.h>

#include "hv/hv.h"

void vmb_crash_report(struct vmb_vm *vm, FILE *out);

/* Disassemble len bytes at code (guest address addr) to out, marking the
 * instruction at mark with "=>". Returns instructions printed. */
int vmb_disasm(enum vmb_arch arch, const uint8_t *code, size_t len, uint64_t addr,
	       uint64_t mark, FILE *out);

#endif
