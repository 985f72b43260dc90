/* SPDX-License-Identifier: MIT */
/*
 * Intel MultiProcessor Specification 1.4 tables, so that a kernel without
 * ACPI finds every vCPU's local APIC, the I/O APIC and how ISA interrupts
 * reach it (Linux arch/x86/kernel/mpparse.c reads them).
 *
 * Layout written: the configuration table (§4.2) followed, at the next
 * 16-byte boundary, by the 16-byte floating pointer structure (§4.1).
 * Entries, in the order §4.3 requires: one processor entry per vCPU (APIC
 * ID = vCPU index, vCPU 0 the bootstrap processor), one ISA bus, one I/O
 * APIC (ID = number of vCPUs, at 0xfec00000), an I/O interrupt entry per
 * I/O APIC pin 0..23 (ISA IRQ n -> pin n, as KVM's default GSI routing
 * wires them; pins used by a board device carry that device's trigger:
 * level -> active-high level, edge -> active-high edge; others conform to
 * the ISA bus), and local interrupts ExtINT -> LINT0, NMI -> LINT1 (the
 * virtual wire mode of §3.6.2.2).
 */
#ifndef VMB_ARCH_X86_64_MPTABLE_H
#define VMB_ARCH_X86_64_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "board/board.h"

/* Bytes the tables for b take (configuration table, padding, pointer). */
size_t vmb_mptable_size(const struct vmb_board *b);

/*
 * Write the tables for b into buf (at least vmb_mptable_size(b) bytes),
 * which the guest will see at GPA gpa (16-byte aligned). The floating
 * pointer ends up in the last 16 bytes. Returns the size written, or 0
 * with err set (too many vCPUs for xAPIC IDs, misaligned gpa).
 */
size_t vmb_mptable_build(const struct vmb_board *b, uint64_t gpa, uint8_t *buf,
			 size_t cap, struct vmb_err *err);

#endif
