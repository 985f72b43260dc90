/* SPDX-License-Identifier: MIT */
/*
 * MP tables (Intel MultiProcessor Specification 1.4, chapter 4). See
 * mptable.h.
 */
#include <string.h>

#include "arch/x86_64/mptable.h"
#include "arch/x86_64/x86.h"
#include "util/bytes.h"

#define FPS_SIZE      16  /* §4.1 floating pointer structure */
#define HDR_SIZE      44  /* §4.2 configuration table header */
#define PROC_SIZE     20  /* §4.3.1 */
#define BUS_SIZE      8   /* §4.3.2 */
#define IOAPIC_SIZE   8   /* §4.3.3 */
#define INTSRC_SIZE   8   /* §4.3.4, §4.3.5 */

#define ENTRY_PROCESSOR 0
#define ENTRY_BUS       1
#define ENTRY_IOAPIC    2
#define ENTRY_IOINT     3
#define ENTRY_LOCALINT  4

#define INT_TYPE_INT    0
#define INT_TYPE_NMI    1
#define INT_TYPE_EXTINT 3

/* §4.3.4 table 4-10: PO (bits 0-1) and EL (bits 2-3); 01 = active high
 * and edge, 11 = level. */
#define IRQFLAG_HIGH_EDGE  0x5
#define IRQFLAG_HIGH_LEVEL 0xd

#define APIC_VERSION    0x14 /* integrated local APIC */
#define IOAPIC_VERSION  0x11
#define CPU_SIGNATURE   0x600 /* family 6 */
#define CPU_FEATURES    0x201 /* FPU, APIC (CPUID.1:EDX) */

static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return (uint8_t)-s;
}

static size_t config_size(const struct vmb_board *b)
{
	return HDR_SIZE + b->ncpus * PROC_SIZE + BUS_SIZE + IOAPIC_SIZE +
	       (VMB_X86_IOAPIC_PINS + 2) * INTSRC_SIZE;
}

size_t vmb_mptable_size(const struct vmb_board *b)
{
	return ((config_size(b) + 15) & ~(size_t)15) + FPS_SIZE;
}

/* Trigger flags of I/O APIC pin "gsi" from the device that uses it. */
static uint16_t pin_flags(const struct vmb_board *b, unsigned gsi)
{
	for (unsigned i = 0; i < b->spec->ndev; i++) {
		const struct vmb_dev_spec *d = &b->spec->dev[i];

		for (unsigned j = 0; j < d->nirq; j++)
			if (d->irq[j] == gsi)
				return d->trigger == VMB_IRQ_EDGE_RISING ?
				       IRQFLAG_HIGH_EDGE : IRQFLAG_HIGH_LEVEL;
	}
	return 0; /* conforms to the bus: ISA is active-high edge */
}

static uint8_t *put_intsrc(uint8_t *p, uint8_t entry, uint8_t type, uint16_t flags,
			   uint8_t bus_irq, uint8_t dst_apic, uint8_t dst_pin)
{
	p[0] = entry;
	p[1] = type;
	vmb_put_le16(p + 2, flags);
	p[4] = 0; /* source bus: the ISA bus, ID 0 */
	p[5] = bus_irq;
	p[6] = dst_apic;
	p[7] = dst_pin;
	return p + INTSRC_SIZE;
}

size_t vmb_mptable_build(const struct vmb_board *b, uint64_t gpa, uint8_t *buf,
			 size_t cap, struct vmb_err *err)
{
	size_t cfg = config_size(b), total = vmb_mptable_size(b);
	uint8_t ioapic_id = (uint8_t)b->ncpus;
	uint8_t *p = buf, *fps;
	unsigned entries = 0;

	if (b->ncpus == 0 || b->ncpus > VMB_X86_MAX_CPUS)
		return vmb_errf(err, NULL, "%u vCPUs: the MP table describes 1..%u "
				"(xAPIC IDs)", b->ncpus, VMB_X86_MAX_CPUS), 0;
	if (gpa & 15 || gpa + total > 0x100000000ull)
		return vmb_errf(err, NULL, "MP table at 0x%llx must be 16-byte "
				"aligned and below 4 GiB",
				(unsigned long long)gpa), 0;
	if (cap < total)
		return vmb_errf(err, NULL, "no room for the MP table (%zu bytes)",
				total), 0;
	memset(buf, 0, total);

	/* Configuration table header (§4.2, table 4-2). */
	memcpy(p, "PCMP", 4);
	vmb_put_le16(p + 4, (uint16_t)cfg);
	p[6] = 4; /* spec revision 1.4 */
	memcpy(p + 8, "VMB     ", 8);
	memcpy(p + 16, "MICROVM     ", 12);
	vmb_put_le32(p + 36, (uint32_t)VMB_X86_LAPIC_BASE);
	p += HDR_SIZE;

	for (unsigned i = 0; i < b->ncpus; i++, entries++) {
		p[0] = ENTRY_PROCESSOR;
		p[1] = (uint8_t)i;        /* local APIC ID */
		p[2] = APIC_VERSION;
		p[3] = 0x01 | (i == 0 ? 0x02 : 0); /* EN, BP */
		vmb_put_le32(p + 4, CPU_SIGNATURE);
		vmb_put_le32(p + 8, CPU_FEATURES);
		p += PROC_SIZE;
	}
	p[0] = ENTRY_BUS;
	p[1] = 0;
	memcpy(p + 2, "ISA   ", 6);
	p += BUS_SIZE;
	entries++;
	p[0] = ENTRY_IOAPIC;
	p[1] = ioapic_id;
	p[2] = IOAPIC_VERSION;
	p[3] = 0x01; /* EN */
	vmb_put_le32(p + 4, (uint32_t)VMB_X86_IOAPIC_BASE);
	p += IOAPIC_SIZE;
	entries++;
	for (unsigned pin = 0; pin < VMB_X86_IOAPIC_PINS; pin++, entries++)
		p = put_intsrc(p, ENTRY_IOINT, INT_TYPE_INT, pin_flags(b, pin),
			       (uint8_t)pin, ioapic_id, (uint8_t)pin);
	p = put_intsrc(p, ENTRY_LOCALINT, INT_TYPE_EXTINT, 0, 0, 0xff, 0);
	p = put_intsrc(p, ENTRY_LOCALINT, INT_TYPE_NMI, 0, 0, 0xff, 1);
	entries += 2;
	vmb_put_le16(buf + 34, (uint16_t)entries);
	buf[7] = checksum(buf, cfg);

	/* Floating pointer structure (§4.1, table 4-1). */
	fps = buf + total - FPS_SIZE;
	memcpy(fps, "_MP_", 4);
	vmb_put_le32(fps + 4, (uint32_t)gpa);
	fps[8] = 1;   /* length in 16-byte units */
	fps[9] = 4;   /* spec revision 1.4 */
	fps[11] = 0;  /* MP feature byte 1: 0 = a configuration table exists */
	fps[12] = 0;  /* IMCRP clear: virtual wire mode */
	fps[10] = checksum(fps, FPS_SIZE);
	return total;
}
