/* SPDX-License-Identifier: MIT */
/*
 * Address map: a sorted array of non-overlapping regions.
 *
 * Regions are few (tens) and inserted once at board creation, while lookups
 * happen on every MMIO exit, so a sorted array with binary search gives
 * O(log n) dispatch with the best cache behaviour; an interval tree would
 * only pay off with frequent insertion.
 */
#include <string.h>

#include "board/board.h"

/* Index of the first region whose start is > addr. */
static unsigned upper_bound(const struct vmb_addrmap *m, uint64_t addr)
{
	unsigned lo = 0, hi = m->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (m->r[mid]->gpa <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct vmb_region *vmb_addrmap_find(const struct vmb_addrmap *m, uint64_t addr)
{
	unsigned i = upper_bound(m, addr);
	struct vmb_region *r;

	if (i == 0)
		return NULL;
	r = m->r[i - 1];
	return addr - r->gpa < r->size ? r : NULL;
}

static uint64_t last_byte(const struct vmb_region *r)
{
	return r->gpa + (r->size - 1);
}

int vmb_addrmap_insert(struct vmb_addrmap *m, struct vmb_region *r,
		       struct vmb_region **clash)
{
	unsigned i = upper_bound(m, r->gpa);

	*clash = NULL;
	if (!r->size || last_byte(r) < r->gpa) { /* empty or wraps past 2^64 */
		*clash = r;
		return -1;
	}
	if (i > 0 && last_byte(m->r[i - 1]) >= r->gpa) {
		*clash = m->r[i - 1];
		return -1;
	}
	if (i < m->n && m->r[i]->gpa <= last_byte(r)) {
		*clash = m->r[i];
		return -1;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->r = vmb_realloc(m->r, m->cap * sizeof(*m->r));
	}
	memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof(*m->r));
	m->r[i] = r;
	m->n++;
	return 0;
}

void vmb_addrmap_neighbours(const struct vmb_addrmap *m, uint64_t addr,
			    struct vmb_region **below, struct vmb_region **above)
{
	unsigned i = upper_bound(m, addr);

	*below = NULL;
	*above = i < m->n ? m->r[i] : NULL;
	if (i > 0) {
		struct vmb_region *r = m->r[i - 1];

		if (addr - r->gpa < r->size) /* addr is inside r */
			*below = i > 1 ? m->r[i - 2] : NULL;
		else
			*below = r;
	}
}
