/* SPDX-License-Identifier: MIT */
/*
 * x86_64 page walk. See paging.h.
 */
#include <inttypes.h>
#include <string.h>

#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"

#define PTE_P    (1ull << 0)
#define PTE_RW   (1ull << 1)
#define PTE_US   (1ull << 2)
#define PTE_PS   (1ull << 7)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define CR4_LA57 (1ull << 12)

int vmb_x86_walk(uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer,
		 uint64_t va, vmb_x86_read_pte read, void *ctx,
		 struct vmb_x86_walk *w)
{
	uint64_t table = cr3 & PTE_ADDR;

	memset(w, 0, sizeof(*w));
	if (!(cr0 & VMB_X86_CR0_PG)) {
		w->ok = true;
		w->pa = va;
		w->page_size = 0x1000;
		return 0;
	}
	if (!(efer & VMB_X86_EFER_LMA)) {
		w->why = "32-bit paging (not long mode)";
		return -1;
	}
	w->levels = (cr4 & CR4_LA57) ? 5 : 4;
	for (unsigned lvl = w->levels; lvl >= 1; lvl--) {
		unsigned shift = 12 + 9 * (lvl - 1);
		uint64_t pte, gpa = table + ((va >> shift) & 0x1ff) * 8;

		if (read(ctx, gpa, &pte)) {
			w->why = "page table outside guest RAM";
			return -1;
		}
		w->e[w->n].level = lvl;
		w->e[w->n].index = (unsigned)((va >> shift) & 0x1ff);
		w->e[w->n].gpa = gpa;
		w->e[w->n].pte = pte;
		w->n++;
		if (!(pte & PTE_P)) {
			w->why = "not present";
			return -1;
		}
		if (lvl == 1 || ((lvl == 2 || lvl == 3) && (pte & PTE_PS))) {
			uint64_t size = 1ull << shift;

			w->ok = true;
			w->page_size = size;
			w->pa = (pte & PTE_ADDR & ~(size - 1)) | (va & (size - 1));
			return 0;
		}
		table = pte & PTE_ADDR;
	}
	return -1;
}

void vmb_x86_walk_print(const struct vmb_x86_walk *w, const char *what,
			uint64_t va, FILE *out)
{
	static const char *const name[] = { "", "PTE", "PDE", "PDPTE", "PML4E", "PML5E" };

	fprintf(out, "page walk of %s 0x%" PRIx64 ":", what, va);
	if (!w->levels && w->ok) {
		fprintf(out, " paging off, GPA = VA\n");
		return;
	}
	fprintf(out, w->levels ? " %u-level paging\n" : "\n", w->levels);
	for (unsigned i = 0; i < w->n; i++) {
		uint64_t pte = w->e[i].pte;

		fprintf(out, "  %-5s[%3u] at GPA 0x%09" PRIx64 " = 0x%016" PRIx64,
			name[w->e[i].level], w->e[i].index, w->e[i].gpa, pte);
		if (pte & PTE_P)
			fprintf(out, "  P%s%s%s%s", pte & PTE_RW ? " RW" : " RO",
				pte & PTE_US ? " user" : " kernel",
				pte & PTE_NX ? " NX" : "",
				w->e[i].level > 1 && w->e[i].level < 4 && (pte & PTE_PS) ?
				" PS" : "");
		else
			fprintf(out, "  not present");
		fprintf(out, "\n");
	}
	if (w->ok)
		fprintf(out, "  -> GPA 0x%" PRIx64 " (%s page)\n", w->pa,
			w->page_size >= (1ull << 30) ? "1 GiB" :
			w->page_size >= (1ull << 21) ? "2 MiB" : "4 KiB");
	else
		fprintf(out, "  -> no translation: %s\n", w->why ? w->why : "?");
}
