/* SPDX-License-Identifier: MIT */
/*
 * A small ACPI Machine Language (AML) builder: the few constructs vmb's
 * DSDT needs (ACPI 6.4 §20.2: Scope, Device, Name, Package, Buffer,
 * integers, strings, EISA IDs; §6.4 resource descriptors: I/O port, IRQ,
 * 32-bit fixed memory, extended interrupt, end tag). Objects are byte
 * strings appended to a growable buffer; nesting constructs (Scope,
 * Device, Package, ResourceTemplate) take their already built contents and
 * prefix the opcode and PkgLength (§20.2.4).
 *
 * Names are 4-character NameSegs ("_HID", "COM1"), or "\\" + a NameSeg
 * for a root-relative name. Allocation failures abort (vmb_zalloc).
 */
#ifndef VMB_ARCH_X86_64_AML_H
#define VMB_ARCH_X86_64_AML_H

#include <stddef.h>
#include <stdint.h>

struct vmb_aml {
	uint8_t *buf;
	size_t len, cap;
};

void vmb_aml_free(struct vmb_aml *a);
void vmb_aml_bytes(struct vmb_aml *a, const void *p, size_t n);

/* Integer with the shortest encoding: ZeroOp, OneOp, Byte/Word/DWord/QWord. */
void vmb_aml_int(struct vmb_aml *a, uint64_t v);
/* String (StringPrefix, ASCII, NUL). */
void vmb_aml_string(struct vmb_aml *a, const char *s);
/* EISA ID "PNP0501" as the compressed 32-bit integer (§6.1.5 _HID). */
void vmb_aml_eisaid(struct vmb_aml *a, const char *id);

/* Name(NAME, <object in obj>); frees obj. */
void vmb_aml_name(struct vmb_aml *a, const char *name, struct vmb_aml *obj);
/* Scope(NAME) { body }, Device(NAME) { body }; free body. */
void vmb_aml_scope(struct vmb_aml *a, const char *name, struct vmb_aml *body);
void vmb_aml_device(struct vmb_aml *a, const char *name, struct vmb_aml *body);
/* Package(n) { elements }: elements holds n objects; frees it. */
void vmb_aml_package(struct vmb_aml *a, unsigned n, struct vmb_aml *elements);
/* ResourceTemplate() { descriptors } as a Buffer with the end tag added. */
void vmb_aml_resources(struct vmb_aml *a, struct vmb_aml *descs);

/* Resource descriptors (§6.4.2.5 I/O port, decode 16; §6.4.2.1 IRQ, no
 * flags = edge, active high; §6.4.3.4 32-bit fixed memory;
 * §6.4.3.6 extended interrupt, consumer, one interrupt). */
void vmb_aml_res_io(struct vmb_aml *a, uint16_t port, uint8_t len);
void vmb_aml_res_irq(struct vmb_aml *a, unsigned irq);
void vmb_aml_res_mem32(struct vmb_aml *a, uint32_t base, uint32_t len, int writable);
void vmb_aml_res_interrupt(struct vmb_aml *a, uint32_t gsi, int edge,
			   int active_low, int shared);

#endif
