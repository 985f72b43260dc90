/* SPDX-License-Identifier: MIT */
/*
 * e820 map from the board's memory regions. See e820.h.
 */
#include <stdlib.h>

#include "arch/x86_64/bzimage.h"
#include "arch/x86_64/e820.h"

static int cmp_entry(const void *a, const void *b)
{
	const struct vmb_e820_entry *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int vmb_e820_build(const struct vmb_board *b, struct vmb_e820_entry *e,
		   unsigned max, struct vmb_err *err)
{
	unsigned n = 0;
	bool ram = false;

	for (unsigned i = 0; i < b->nmem; i++) {
		const struct vmb_region *r = &b->mem[i];

		if (n == max)
			return vmb_errf(err, NULL, "the board has more than %u memory "
					"regions, the most an e820 map in the zero "
					"page can hold", max);
		e[n].addr = r->gpa;
		e[n].size = r->size;
		e[n].type = r->kind == VMB_REGION_RAM ? E820_TYPE_RAM :
							E820_TYPE_RESERVED;
		ram |= r->kind == VMB_REGION_RAM;
		n++;
	}
	if (!ram)
		return vmb_errf(err, NULL, "the board has no RAM region");
	qsort(e, n, sizeof(*e), cmp_entry);
	return (int)n;
}
