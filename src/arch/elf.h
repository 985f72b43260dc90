/* SPDX-License-Identifier: MIT */
/*
 * ELF64 loader for bare-metal guests and ELF kernels (both arches).
 *
 * Follows the System V ABI gABI "Program Loading": each PT_LOAD segment's
 * p_filesz bytes from p_offset are copied to its physical address p_paddr
 * and the rest of p_memsz is zeroed (BSS). The MMU is off at entry, so the
 * entry point e_entry is translated to a physical address through the
 * segment that contains it (p_paddr + e_entry - p_vaddr), which makes ELF
 * files linked with distinct virtual and load addresses (vmlinux) work.
 * Only little-endian ELF64 is accepted; the file is parsed byte by byte, so
 * no host <elf.h> is needed (macOS has none).
 */
#ifndef VMB_ARCH_ELF_H
#define VMB_ARCH_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/board.h"

#define VMB_EM_X86_64  62
#define VMB_EM_AARCH64 183

struct vmb_elf_info {
	uint64_t entry; /* physical entry point */
	uint64_t lo;    /* lowest GPA of any loaded segment */
	uint64_t hi;    /* one past the highest GPA (p_paddr + p_memsz) */
	unsigned nload; /* PT_LOAD segments loaded */
};

/* True if buf starts with the ELF magic (any class or machine). */
bool vmb_elf_is_elf(const uint8_t *buf, size_t len);

/*
 * Load an ELF image held in buf (the whole file; "name" for messages) into
 * board b. machine is the required e_machine (VMB_EM_*). Returns 0, or -1
 * with err set: not ELF64/little-endian, wrong machine, not an executable,
 * headers or segments beyond the end of the file, p_filesz > p_memsz, no
 * PT_LOAD segment, or a segment that does not lie inside one RAM/ROM region
 * (the message gives the segment, its addresses and the region it misses).
 */
int vmb_elf_load(struct vmb_board *b, const uint8_t *buf, size_t len,
		 const char *name, uint16_t machine, struct vmb_elf_info *info,
		 struct vmb_err *err);

#endif
