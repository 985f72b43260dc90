/* SPDX-License-Identifier: MIT */
/*
 * x86_64 linear -> physical translation in software, step by step (Intel
 * SDM vol. 3A §4.5, 4- and 5-level paging): for backends whose KVM lacks
 * KVM_TRANSLATE and for crash reports, which print each entry read.
 */
#ifndef VMB_ARCH_X86_64_PAGING_H
#define VMB_ARCH_X86_64_PAGING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct vmb_x86_walk {
	unsigned levels;      /* 4 or 5; 0 if paging is off */
	unsigned n;           /* entries read */
	struct {
		unsigned level;   /* 5 PML5E, 4 PML4E, 3 PDPTE, 2 PDE, 1 PTE */
		unsigned index;
		uint64_t gpa;     /* where the entry was read */
		uint64_t pte;
	} e[5];
	bool ok;
	uint64_t pa, page_size;
	const char *why;      /* when !ok: "not present", "unreadable", ... */
};

/* Read the 8-byte entry at gpa: 0, or -1 if no memory there. */
typedef int (*vmb_x86_read_pte)(void *ctx, uint64_t gpa, uint64_t *pte);

/*
 * Walk va through the tables at cr3 (CR0.PG, CR4.LA57, EFER.LMA decide
 * the mode; paging off: pa = va). Fills w; returns 0 if va maps, -1 if
 * not (w->why says why, w->e has the entries read so far).
 */
int vmb_x86_walk(uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer,
		 uint64_t va, vmb_x86_read_pte read, void *ctx,
		 struct vmb_x86_walk *w);

/* "page walk of rip 0x...": one line per entry, with its flags. */
void vmb_x86_walk_print(const struct vmb_x86_walk *w, const char *what,
			uint64_t va, FILE *out);

#endif
