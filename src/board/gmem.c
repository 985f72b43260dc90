/* SPDX-License-Identifier: MIT */
/* Guest memory API; see gmem.h. */
#include <string.h>

#include "board/gmem.h"

int vmb_gmem_add(struct vmb_gmem *m, uint64_t gpa, uint64_t size, uint8_t *host)
{
	if (m->n == VMB_GMEM_MAX_RANGES || !size || !host || gpa + size - 1 < gpa)
		return -1;
	for (unsigned i = 0; i < m->n; i++)
		if (gpa <= m->r[i].gpa + m->r[i].size - 1 &&
		    m->r[i].gpa <= gpa + size - 1)
			return -1;
	m->r[m->n++] = (struct vmb_gmem_range){ gpa, size, host };
	return 0;
}

const struct vmb_gmem_range *vmb_gmem_find(const struct vmb_gmem *m, uint64_t gpa,
					   uint64_t len)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct vmb_gmem_range *r = &m->r[i];

		/* Written so nothing overflows: gpa - r->gpa is only used
		 * once gpa >= r->gpa, and len <= size is checked first. */
		if (gpa >= r->gpa && len <= r->size && gpa - r->gpa <= r->size - len)
			return r;
	}
	return NULL;
}

void vmb_gmem_mark_dirty(const struct vmb_gmem *m, uint64_t gpa, uint64_t len)
{
	if (m->dirty_fn && len)
		m->dirty_fn(m->dirty_opaque, gpa, len);
}

void *vmb_gmem_ptr(const struct vmb_gmem *m, uint64_t gpa, uint64_t len, bool write)
{
	const struct vmb_gmem_range *r = vmb_gmem_find(m, gpa, len);

	if (!r)
		return NULL;
	if (write)
		vmb_gmem_mark_dirty(m, gpa, len);
	return r->host + (gpa - r->gpa);
}

int vmb_gmem_read(const struct vmb_gmem *m, uint64_t gpa, void *dst, size_t len)
{
	const void *p = vmb_gmem_ptr(m, gpa, len, false);

	if (!p)
		return -1;
	memcpy(dst, p, len);
	return 0;
}

int vmb_gmem_write(const struct vmb_gmem *m, uint64_t gpa, const void *src, size_t len)
{
	void *p = vmb_gmem_ptr(m, gpa, len, true);

	if (!p)
		return -1;
	memcpy(p, src, len);
	return 0;
}

int vmb_gmem_copy(const struct vmb_gmem *m, uint64_t dst_gpa, uint64_t src_gpa,
		  uint64_t len)
{
	const void *s = vmb_gmem_ptr(m, src_gpa, len, false);
	void *d = s ? vmb_gmem_ptr(m, dst_gpa, len, true) : NULL;

	if (!d)
		return -1;
	memmove(d, s, len);
	return 0;
}

int vmb_gmem_fill(const struct vmb_gmem *m, uint64_t gpa, int byte, uint64_t len)
{
	void *p = vmb_gmem_ptr(m, gpa, len, true);

	if (!p)
		return -1;
	memset(p, byte, len);
	return 0;
}
