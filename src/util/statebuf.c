/* SPDX-License-Identifier: MIT */
/* Device state serialisation (statebuf.h). */
#include <string.h>

#include "util/bytes.h"
#include "util/err.h"
#include "util/statebuf.h"

void vmb_state_put(struct vmb_state_writer *w, const void *p, size_t n)
{
	if (w->len + n > w->cap) {
		w->cap = (w->len + n) * 2 + 64;
		w->buf = vmb_realloc(w->buf, w->cap);
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_le(struct vmb_state_writer *w, uint64_t v, unsigned n)
{
	uint8_t b[8];

	vmb_put_le(b, n, v);
	vmb_state_put(w, b, n);
}

void vmb_state_put_u8(struct vmb_state_writer *w, uint8_t v)
{
	put_le(w, v, 1);
}

void vmb_state_put_u32(struct vmb_state_writer *w, uint32_t v)
{
	put_le(w, v, 4);
}

void vmb_state_put_u64(struct vmb_state_writer *w, uint64_t v)
{
	put_le(w, v, 8);
}

void vmb_state_put_str(struct vmb_state_writer *w, const char *s)
{
	size_t n = strlen(s);

	vmb_state_put_u32(w, (uint32_t)n);
	vmb_state_put(w, s, n);
}

void vmb_state_get(struct vmb_state_reader *r, void *p, size_t n)
{
	if (r->bad || n > r->len - r->pos) {
		r->bad = true;
		memset(p, 0, n);
		return;
	}
	memcpy(p, r->buf + r->pos, n);
	r->pos += n;
}

static uint64_t get_le(struct vmb_state_reader *r, unsigned n)
{
	uint8_t b[8];

	vmb_state_get(r, b, n);
	return vmb_get_le(b, n);
}

uint8_t vmb_state_get_u8(struct vmb_state_reader *r)
{
	return (uint8_t)get_le(r, 1);
}

uint32_t vmb_state_get_u32(struct vmb_state_reader *r)
{
	return (uint32_t)get_le(r, 4);
}

uint64_t vmb_state_get_u64(struct vmb_state_reader *r)
{
	return get_le(r, 8);
}

void vmb_state_get_str(struct vmb_state_reader *r, char *buf, size_t len)
{
	uint32_t n = vmb_state_get_u32(r);

	if (r->bad || !len || n >= len || n > r->len - r->pos) {
		r->bad = true;
		if (len)
			buf[0] = '\0';
		return;
	}
	vmb_state_get(r, buf, n);
	buf[n] = '\0';
}
