/* SPDX-License-Identifier: MIT */
/*
 * AML builder. See aml.h; section numbers are ACPI 6.4's.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/aml.h"
#include "util/bytes.h"
#include "util/err.h"

#define ZERO_OP         0x00
#define ONE_OP          0x01
#define NAME_OP         0x08
#define BYTE_PREFIX     0x0a
#define WORD_PREFIX     0x0b
#define DWORD_PREFIX    0x0c
#define STRING_PREFIX   0x0d
#define QWORD_PREFIX    0x0e
#define SCOPE_OP        0x10
#define BUFFER_OP       0x11
#define PACKAGE_OP      0x12
#define EXT_OP_PREFIX   0x5b
#define DEVICE_OP       0x82 /* after EXT_OP_PREFIX */
#define ROOT_CHAR       '\\'

void vmb_aml_free(struct vmb_aml *a)
{
	free(a->buf);
	memset(a, 0, sizeof(*a));
}

void vmb_aml_bytes(struct vmb_aml *a, const void *p, size_t n)
{
	if (!n)
		return;
	if (a->len + n > a->cap) {
		size_t cap = a->cap ? a->cap : 64;
		uint8_t *nb;

		while (cap < a->len + n)
			cap *= 2;
		nb = vmb_zalloc(cap);
		if (a->len)
			memcpy(nb, a->buf, a->len);
		free(a->buf);
		a->buf = nb;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void byte(struct vmb_aml *a, uint8_t b)
{
	vmb_aml_bytes(a, &b, 1);
}

void vmb_aml_int(struct vmb_aml *a, uint64_t v)
{
	uint8_t b[8];

	if (v <= 1) {
		byte(a, v ? ONE_OP : ZERO_OP);
		return;
	}
	vmb_put_le64(b, v);
	if (v <= 0xff) {
		byte(a, BYTE_PREFIX);
		vmb_aml_bytes(a, b, 1);
	} else if (v <= 0xffff) {
		byte(a, WORD_PREFIX);
		vmb_aml_bytes(a, b, 2);
	} else if (v <= 0xffffffffu) {
		byte(a, DWORD_PREFIX);
		vmb_aml_bytes(a, b, 4);
	} else {
		byte(a, QWORD_PREFIX);
		vmb_aml_bytes(a, b, 8);
	}
}

void vmb_aml_string(struct vmb_aml *a, const char *s)
{
	byte(a, STRING_PREFIX);
	vmb_aml_bytes(a, s, strlen(s) + 1);
}

/* §6.1.5: three letters of 5 bits ('A' = 1) in bits 30-16 and four hex
 * digits in bits 15-0, stored big-endian: byte-swapped as an integer
 * ("PNP0A03" -> 0x030ad041). */
void vmb_aml_eisaid(struct vmb_aml *a, const char *id)
{
	uint32_t v = 0;

	for (int i = 0; i < 3; i++)
		v = (v << 5) | ((uint32_t)(id[i] - 'A' + 1) & 0x1f);
	for (int i = 3; i < 7; i++) {
		char c = id[i];

		v = (v << 4) | (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	vmb_aml_int(a, ((v & 0xff) << 24) | ((v & 0xff00) << 8) |
		       ((v >> 8) & 0xff00) | (v >> 24));
}

/* NameString: an optional root prefix and one NameSeg (§20.2.2). */
static void name_string(struct vmb_aml *a, const char *name)
{
	if (*name == ROOT_CHAR) {
		byte(a, ROOT_CHAR);
		name++;
	}
	vmb_aml_bytes(a, name, 4);
}

/* PkgLength of a body of n bytes: the count includes its own 1-4 bytes
 * (§20.2.4). */
static void pkg_length(struct vmb_aml *a, size_t n)
{
	size_t total;
	unsigned extra;

	for (extra = 0; extra < 4; extra++) {
		total = n + 1 + extra;
		if ((extra == 0 && total < 0x40) ||
		    (extra > 0 && total < (1ull << (4 + 8 * extra))))
			break;
	}
	if (extra == 0) {
		byte(a, (uint8_t)total);
		return;
	}
	byte(a, (uint8_t)((extra << 6) | (total & 0xf)));
	for (unsigned i = 0; i < extra; i++)
		byte(a, (uint8_t)(total >> (4 + 8 * i)));
}

static void append_free(struct vmb_aml *a, struct vmb_aml *b)
{
	vmb_aml_bytes(a, b->buf, b->len);
	vmb_aml_free(b);
}

void vmb_aml_name(struct vmb_aml *a, const char *name, struct vmb_aml *obj)
{
	byte(a, NAME_OP);
	name_string(a, name);
	append_free(a, obj);
}

static void named_block(struct vmb_aml *a, const uint8_t *op, size_t oplen,
			const char *name, struct vmb_aml *body)
{
	struct vmb_aml inner = { 0 };

	name_string(&inner, name);
	append_free(&inner, body);
	vmb_aml_bytes(a, op, oplen);
	pkg_length(a, inner.len);
	append_free(a, &inner);
}

void vmb_aml_scope(struct vmb_aml *a, const char *name, struct vmb_aml *body)
{
	static const uint8_t op[] = { SCOPE_OP };

	named_block(a, op, sizeof(op), name, body);
}

void vmb_aml_device(struct vmb_aml *a, const char *name, struct vmb_aml *body)
{
	static const uint8_t op[] = { EXT_OP_PREFIX, DEVICE_OP };

	named_block(a, op, sizeof(op), name, body);
}

void vmb_aml_package(struct vmb_aml *a, unsigned n, struct vmb_aml *elements)
{
	byte(a, PACKAGE_OP);
	pkg_length(a, 1 + elements->len);
	byte(a, (uint8_t)n);
	append_free(a, elements);
}

/* §6.4.2.9 end tag; checksum 0 means "treat as correct". */
void vmb_aml_resources(struct vmb_aml *a, struct vmb_aml *descs)
{
	static const uint8_t end[] = { 0x79, 0x00 };
	struct vmb_aml inner = { 0 };

	vmb_aml_bytes(descs, end, sizeof(end));
	vmb_aml_int(&inner, descs->len);
	append_free(&inner, descs);
	byte(a, BUFFER_OP);
	pkg_length(a, inner.len);
	append_free(a, &inner);
}

void vmb_aml_res_io(struct vmb_aml *a, uint16_t port, uint8_t len)
{
	uint8_t d[8] = { 0x47, 0x01 }; /* small item 8, 7 bytes; decode 16 */

	vmb_put_le16(d + 2, port);   /* minimum base */
	vmb_put_le16(d + 4, port);   /* maximum base */
	d[6] = 1;                    /* alignment */
	d[7] = len;
	vmb_aml_bytes(a, d, sizeof(d));
}

void vmb_aml_res_irq(struct vmb_aml *a, unsigned irq)
{
	uint8_t d[3] = { 0x22 };     /* small item 4, 2 bytes: no flags byte */

	vmb_put_le16(d + 1, (uint16_t)(1u << (irq & 15)));
	vmb_aml_bytes(a, d, sizeof(d));
}

void vmb_aml_res_mem32(struct vmb_aml *a, uint32_t base, uint32_t len, int writable)
{
	uint8_t d[12] = { 0x86, 9, 0 }; /* large item 6, 9 bytes */

	d[3] = writable ? 1 : 0;
	vmb_put_le32(d + 4, base);
	vmb_put_le32(d + 8, len);
	vmb_aml_bytes(a, d, sizeof(d));
}

void vmb_aml_res_interrupt(struct vmb_aml *a, uint32_t gsi, int edge,
			   int active_low, int shared)
{
	uint8_t d[9] = { 0x89, 6, 0 }; /* large item 9, 6 bytes */

	d[3] = 0x01 | (edge ? 0x02 : 0) | (active_low ? 0x04 : 0) |
	       (shared ? 0x08 : 0);  /* bit 0: consumer */
	d[4] = 1;                    /* one interrupt */
	vmb_put_le32(d + 5, gsi);
	vmb_aml_bytes(a, d, sizeof(d));
}
