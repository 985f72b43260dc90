/* SPDX-License-Identifier: MIT */
/*
 * Byte-order and alignment helpers for guest memory, image headers and
 * device registers: little-endian loads and stores of 1 to 8 bytes at any
 * alignment, whatever the host's byte order.
 */
#ifndef VMB_UTIL_BYTES_H
#define VMB_UTIL_BYTES_H

#include <stdint.h>

/* Value of a hexadecimal digit ('0'-'9', 'a'-'f', 'A'-'F'), -1 for any
 * other character: for number parsers, digests and the gdb protocol. */
static inline int vmb_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The n (1..8) bytes at p as a little-endian number. */
static inline uint64_t vmb_get_le(const void *p, unsigned n)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	while (n--)
		v = v << 8 | b[n];
	return v;
}

/* Store the low n (1..8) bytes of v at p, least significant first. */
static inline void vmb_put_le(void *p, unsigned n, uint64_t v)
{
	uint8_t *b = p;

	for (unsigned i = 0; i < n; i++, v >>= 8)
		b[i] = (uint8_t)v;
}

static inline uint16_t vmb_get_le16(const void *p)
{
	return (uint16_t)vmb_get_le(p, 2);
}

static inline uint32_t vmb_get_le32(const void *p)
{
	return (uint32_t)vmb_get_le(p, 4);
}

static inline uint64_t vmb_get_le64(const void *p)
{
	return vmb_get_le(p, 8);
}

static inline void vmb_put_le16(void *p, uint16_t v)
{
	vmb_put_le(p, 2, v);
}

static inline void vmb_put_le32(void *p, uint32_t v)
{
	vmb_put_le(p, 4, v);
}

static inline void vmb_put_le64(void *p, uint64_t v)
{
	vmb_put_le(p, 8, v);
}

/* v rounded up to a multiple of a, a power of two. */
static inline uint64_t vmb_align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

#endif
