/* SPDX-License-Identifier: MIT */
/*
 * Device state serialisation: a growing little-endian byte buffer to write
 * into and a bounds-checked reader over one. Fixed-width fields only, so a
 * saved state means the same on every host; the reader never reads past
 * its end: an underrun sets ->bad and yields zeros, and the caller checks
 * ->bad once at the end (vmb_dev_load does).
 */
#ifndef VMB_UTIL_STATEBUF_H
#define VMB_UTIL_STATEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmb_state_writer {
	uint8_t *buf;     /* vmb_realloc'd; caller frees */
	size_t len, cap;
};

struct vmb_state_reader {
	const uint8_t *buf;
	size_t len, pos;
	bool bad;         /* read past the end */
};

void vmb_state_put(struct vmb_state_writer *w, const void *p, size_t n);
void vmb_state_put_u8(struct vmb_state_writer *w, uint8_t v);
void vmb_state_put_u32(struct vmb_state_writer *w, uint32_t v);
void vmb_state_put_u64(struct vmb_state_writer *w, uint64_t v);
/* Length-prefixed (u32) string. */
void vmb_state_put_str(struct vmb_state_writer *w, const char *s);

static inline struct vmb_state_reader vmb_state_reader(const void *buf, size_t len)
{
	return (struct vmb_state_reader){ .buf = buf, .len = len };
}

/* Copy n bytes out (zeros and ->bad on underrun). */
void vmb_state_get(struct vmb_state_reader *r, void *p, size_t n);
uint8_t vmb_state_get_u8(struct vmb_state_reader *r);
uint32_t vmb_state_get_u32(struct vmb_state_reader *r);
uint64_t vmb_state_get_u64(struct vmb_state_reader *r);
/* A string written by vmb_state_put_str into buf (NUL-terminated);
 * ->bad if it does not fit in len bytes. */
void vmb_state_get_str(struct vmb_state_reader *r, char *buf, size_t len);

#endif
