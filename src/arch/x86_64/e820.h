/* SPDX-License-Identifier: MIT */
/*
 * The BIOS e820 memory map that the x86 boot protocol hands to the kernel
 * (zero page e820_table, Linux Documentation/arch/x86/zero-page.rst; ACPI
 * 6.5 §15 "System Address Map Interfaces" for the types), derived from the
 * board: every RAM region is usable RAM (type 1), every ROM region is
 * reserved (type 2), sorted by address. MMIO holes are simply absent, as
 * on PCs without ACPI.
 */
#ifndef VMB_ARCH_X86_64_E820_H
#define VMB_ARCH_X86_64_E820_H

#include <stdint.h>

#include "board/board.h"

struct vmb_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* E820_TYPE_RAM, E820_TYPE_RESERVED */
};

/* Fill e[0..max) from b's memory regions. Returns the count, or -1 with
 * err set if there are more than max entries or no RAM at all. */
int vmb_e820_build(const struct vmb_board *b, struct vmb_e820_entry *e,
		   unsigned max, struct vmb_err *err);

#endif
