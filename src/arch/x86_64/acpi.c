/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables from the board. See acpi.h. Section and table numbers are
 * ACPI 6.4's; the layout of the set at its guest address:
 *   RSDP (36 bytes, §5.2.5.3), XSDT (§5.2.8) listing FADT and MADT,
 *   FADT (§5.2.9, 276 bytes, revision 6), DSDT (§5.2.11.1), MADT
 *   (§5.2.12), each 16-byte aligned.
 * The FADT sets HW_REDUCED_ACPI (§4.1): no PM1/GPE fixed hardware, no
 * SCI, no FACS; Linux then also leaves the 8259 PIC and the PIT alone
 * and runs on the local APIC timer (TSC deadline) and the I/O APIC.
 * Interrupts: ISA IRQs 0-15 are identity-mapped to I/O APIC pins 0-15
 * (edge, active high, as the MP table says); an Interrupt Source Override
 * is emitted for a legacy IRQ only when a board device uses it
 * level-triggered. Pins 16-23 are described by the devices' _CRS.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/aml.h"
#include "arch/x86_64/x86.h"
#include "devices/acpi-pm.h"
#include "util/bytes.h"

#define HDR_LEN          36
#define RSDP_LEN         36
#define FADT_LEN         276
#define FADT_REVISION    6
#define FADT_MINOR       4     /* ACPI 6.4 */
#define MADT_REVISION    5
#define DSDT_REVISION    2     /* 64-bit integers in AML */
#define XSDT_REVISION    1
#define OEM_ID           "VMB   "
#define OEM_TABLE_ID     "VMBMICRO"
#define CREATOR_ID       "VMB "

/* FADT Flags (table 5.10). */
#define FADT_PWR_BUTTON      (1u << 4)  /* no fixed power button */
#define FADT_SLP_BUTTON      (1u << 5)  /* no fixed sleep button */
#define FADT_RESET_REG_SUP   (1u << 10)
#define FADT_HW_REDUCED_ACPI (1u << 20)
/* IA-PC boot architecture flags (table 5.11). */
#define BOOT_8042            (1u << 1)
#define BOOT_VGA_NOT_PRESENT (1u << 2)
#define BOOT_MSI_NOT_SUPPORTED (1u << 3)
#define BOOT_CMOS_RTC_NOT_PRESENT (1u << 5)

/* MADT structure types (table 5.21). */
#define MADT_LAPIC      0
#define MADT_IOAPIC     1
#define MADT_ISO        2
#define MADT_LAPIC_NMI  4
#define MADT_X2APIC     9
/* MPS INTI flags (table 5.26): polarity bits 0-1, trigger mode bits 2-3. */
#define INTI_ACTIVE_HIGH 0x1
#define INTI_EDGE        0x4
#define INTI_LEVEL       0xc

/* Generic Address Structure (§5.2.3.2) in system I/O space. */
#define GAS_SYSTEM_IO    1
#define GAS_ACCESS_BYTE  1

static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return (uint8_t)-s;
}

/* Table header (§5.2.6); the checksum is set when the table is complete. */
static void header(uint8_t *p, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(p, sig, 4);
	vmb_put_le32(p + 4, len);
	p[8] = rev;
	memcpy(p + 10, OEM_ID, 6);
	memcpy(p + 16, OEM_TABLE_ID, 8);
	vmb_put_le32(p + 24, 1);           /* OEM revision */
	memcpy(p + 28, CREATOR_ID, 4);
	vmb_put_le32(p + 32, 1);           /* creator revision */
}

static void gas_io(uint8_t *p, uint16_t port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = 8;                          /* register bit width */
	p[2] = 0;                          /* bit offset */
	p[3] = GAS_ACCESS_BYTE;
	vmb_put_le64(p + 4, port);
}

static const struct vmb_device *find_type(const struct vmb_board *b, const char *type,
					  unsigned nth)
{
	for (unsigned i = 0; i < b->ndev; i++)
		if (!strcmp(b->dev[i]->type->name, type) && !nth--)
			return b->dev[i];
	return NULL;
}

/* ---- DSDT ------------------------------------------------------------ */

static void hid_eisa(struct vmb_aml *body, const char *id)
{
	struct vmb_aml v = { 0 };

	vmb_aml_eisaid(&v, id);
	vmb_aml_name(body, "_HID", &v);
}

static void uid(struct vmb_aml *body, unsigned n)
{
	struct vmb_aml v = { 0 };

	vmb_aml_int(&v, n);
	vmb_aml_name(body, "_UID", &v);
}

static void crs(struct vmb_aml *body, struct vmb_aml *descs)
{
	struct vmb_aml v = { 0 };

	vmb_aml_resources(&v, descs);
	vmb_aml_name(body, "_CRS", &v);
}

/* A 4-character device name: prefix + index in hex ("COM0", "VR1F"). */
static void dev_name(char out[5], const char *prefix, unsigned idx)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t pl = strlen(prefix);

	memcpy(out, "____", 5);
	memcpy(out, prefix, pl);
	for (size_t i = 4; i > pl; i--, idx >>= 4)
		out[i - 1] = hex[idx & 15];
}

/* 16550 UARTs on I/O ports (PNP0501), the i8042 (PNP0303), the CMOS
 * clock (PNP0B00): ISA devices with edge-triggered legacy IRQs. */
static void dsdt_isa(const struct vmb_board *b, struct vmb_aml *sb)
{
	const struct vmb_device *d;

	for (unsigned i = 0; (d = find_type(b, "uart16550", i)); i++) {
		struct vmb_aml body = { 0 }, res = { 0 };
		char name[5];

		if (d->base > 0xffff) /* an MMIO UART: not a PC COM port */
			continue;
		dev_name(name, "COM", i);
		hid_eisa(&body, "PNP0501");
		uid(&body, i);
		vmb_aml_res_io(&res, (uint16_t)d->base, 8);
		if (d->spec->nirq)
			vmb_aml_res_irq(&res, d->spec->irq[0]);
		crs(&body, &res);
		vmb_aml_device(sb, name, &body);
	}
	if ((d = find_type(b, "i8042", 0)) && d->base <= 0xffff - 4) {
		struct vmb_aml body = { 0 }, res = { 0 };

		hid_eisa(&body, "PNP0303");
		vmb_aml_res_io(&res, (uint16_t)d->base, 1);
		vmb_aml_res_io(&res, (uint16_t)(d->base + 4), 1);
		if (d->spec->nirq)
			vmb_aml_res_irq(&res, d->spec->irq[0]);
		crs(&body, &res);
		vmb_aml_device(sb, "PS2K", &body);
	}
	if ((d = find_type(b, "cmos-rtc", 0)) && d->base <= 0xffff - 1) {
		struct vmb_aml body = { 0 }, res = { 0 };

		hid_eisa(&body, "PNP0B00");
		vmb_aml_res_io(&res, (uint16_t)d->base, 2);
		if (d->spec->nirq)
			vmb_aml_res_irq(&res, d->spec->irq[0]);
		crs(&body, &res);
		vmb_aml_device(sb, "RTC_", &body);
	}
}

/* virtio-mmio transports: _HID "LNRO0005" (Linux virtio_mmio's ACPI
 * match), a fixed memory window and the interrupt with the board's
 * trigger mode. */
static int dsdt_virtio(const struct vmb_board *b, struct vmb_aml *sb,
		       struct vmb_err *err)
{
	const struct vmb_device *d;

	for (unsigned i = 0; (d = find_type(b, "virtio-mmio", i)); i++) {
		struct vmb_aml body = { 0 }, res = { 0 }, hid = { 0 };
		char name[5];

		if (i > 0xff || d->base + d->size > 0x100000000ull)
			return vmb_errf(err, &d->spec->loc, "virtio-mmio device '%s': "
					"the DSDT describes up to 256 transports "
					"below 4 GiB", d->name);
		dev_name(name, "VR", i);
		vmb_aml_string(&hid, "LNRO0005");
		vmb_aml_name(&body, "_HID", &hid);
		uid(&body, i);
		vmb_aml_res_mem32(&res, (uint32_t)d->base, (uint32_t)d->size, 1);
		if (d->spec->nirq)
			vmb_aml_res_interrupt(&res, d->spec->irq[0],
					      d->spec->trigger == VMB_IRQ_EDGE_RISING,
					      0, 0);
		crs(&body, &res);
		vmb_aml_device(sb, name, &body);
	}
	return 0;
}

static int build_dsdt(const struct vmb_board *b, struct vmb_aml *dsdt,
		      struct vmb_err *err)
{
	struct vmb_aml sb = { 0 };
	uint8_t hdr[HDR_LEN] = { 0 };

	dsdt_isa(b, &sb);
	if (dsdt_virtio(b, &sb, err)) {
		vmb_aml_free(&sb);
		return -1;
	}
	vmb_aml_bytes(dsdt, hdr, sizeof(hdr));
	vmb_aml_scope(dsdt, "\\_SB_", &sb);
	if (find_type(b, "acpi-pm", 0)) {
		/* \_S5: SLP_TYPa, SLP_TYPb, two reserved (§7.4.2). */
		struct vmb_aml pkg = { 0 }, el = { 0 };

		vmb_aml_int(&el, VMB_ACPI_SLP_TYP_S5);
		vmb_aml_int(&el, VMB_ACPI_SLP_TYP_S5);
		vmb_aml_int(&el, 0);
		vmb_aml_int(&el, 0);
		vmb_aml_package(&pkg, 4, &el);
		vmb_aml_name(dsdt, "\\_S5_", &pkg);
	}
	header(dsdt->buf, "DSDT", (uint32_t)dsdt->len, DSDT_REVISION);
	return 0;
}

/* ---- MADT ------------------------------------------------------------ */

static void madt_append(struct vmb_aml *m, const uint8_t *e)
{
	vmb_aml_bytes(m, e, e[1]);
}

/* Flags of legacy IRQ irq if a board device uses it level-triggered
 * (an override is needed), else 0. */
static uint16_t legacy_level_flags(const struct vmb_board *b, unsigned irq)
{
	for (unsigned i = 0; i < b->spec->ndev; i++) {
		const struct vmb_dev_spec *d = &b->spec->dev[i];

		for (unsigned j = 0; j < d->nirq; j++)
			if (d->irq[j] == irq && d->trigger == VMB_IRQ_LEVEL_HIGH)
				return INTI_ACTIVE_HIGH | INTI_LEVEL;
	}
	return 0;
}

static void build_madt(const struct vmb_board *b, struct vmb_aml *m)
{
	uint8_t hdr[HDR_LEN + 8] = { 0 };
	uint8_t e[16];

	vmb_put_le32(hdr + HDR_LEN, (uint32_t)VMB_X86_LAPIC_BASE);
	vmb_put_le32(hdr + HDR_LEN + 4, 0); /* no PCAT_COMPAT: HW-reduced */
	vmb_aml_bytes(m, hdr, sizeof(hdr));
	for (unsigned i = 0; i < b->ncpus; i++) {
		memset(e, 0, sizeof(e));
		if (i < 0xff) {         /* §5.2.12.2: xAPIC IDs 0-254 */
			e[0] = MADT_LAPIC;
			e[1] = 8;
			e[2] = (uint8_t)i;    /* ACPI processor UID */
			e[3] = (uint8_t)i;    /* APIC ID */
			vmb_put_le32(e + 4, 1); /* enabled */
		} else {                /* §5.2.12.12 */
			e[0] = MADT_X2APIC;
			e[1] = 16;
			vmb_put_le32(e + 4, i);
			vmb_put_le32(e + 8, 1);
			vmb_put_le32(e + 12, i);
		}
		madt_append(m, e);
	}
	memset(e, 0, sizeof(e));
	e[0] = MADT_IOAPIC;             /* §5.2.12.3 */
	e[1] = 12;
	e[2] = (uint8_t)b->ncpus;       /* I/O APIC ID, as in the MP table */
	vmb_put_le32(e + 4, (uint32_t)VMB_X86_IOAPIC_BASE);
	vmb_put_le32(e + 8, 0);         /* GSI base */
	madt_append(m, e);
	for (unsigned irq = 0; irq < 16; irq++) {
		uint16_t fl = legacy_level_flags(b, irq);

		if (!fl)
			continue;
		memset(e, 0, sizeof(e));
		e[0] = MADT_ISO;            /* §5.2.12.5 */
		e[1] = 10;
		e[2] = 0;                   /* ISA */
		e[3] = (uint8_t)irq;
		vmb_put_le32(e + 4, irq);
		vmb_put_le16(e + 8, fl);
		madt_append(m, e);
	}
	memset(e, 0, sizeof(e));
	e[0] = MADT_LAPIC_NMI;          /* §5.2.12.7: NMI on LINT1, all CPUs */
	e[1] = 6;
	e[2] = 0xff;
	vmb_put_le16(e + 3, 0);
	e[5] = 1;
	madt_append(m, e);
	header(m->buf, "APIC", (uint32_t)m->len, MADT_REVISION);
}

/* ---- FADT ------------------------------------------------------------ */

static void build_fadt(const struct vmb_board *b, uint8_t *f, uint64_t dsdt)
{
	const struct vmb_device *pm = find_type(b, "acpi-pm", 0);
	uint32_t flags = FADT_HW_REDUCED_ACPI | FADT_PWR_BUTTON | FADT_SLP_BUTTON;
	uint16_t boot = BOOT_VGA_NOT_PRESENT | BOOT_MSI_NOT_SUPPORTED;

	memset(f, 0, FADT_LEN);
	header(f, "FACP", FADT_LEN, FADT_REVISION);
	vmb_put_le32(f + 40, (uint32_t)dsdt);  /* DSDT */
	if (find_type(b, "i8042", 0))
		boot |= BOOT_8042;
	if (!find_type(b, "cmos-rtc", 0))
		boot |= BOOT_CMOS_RTC_NOT_PRESENT;
	vmb_put_le16(f + 109, boot);           /* IAPC_BOOT_ARCH */
	if (pm && pm->base <= 0xffff - VMB_ACPI_PM_SIZE) {
		flags |= FADT_RESET_REG_SUP;
		gas_io(f + 116, (uint16_t)(pm->base + VMB_ACPI_PM_RESET));
		f[128] = VMB_ACPI_RESET_VALUE;
		gas_io(f + 244, (uint16_t)(pm->base + VMB_ACPI_PM_SLEEP_CTL));
		gas_io(f + 256, (uint16_t)(pm->base + VMB_ACPI_PM_SLEEP_STS));
	}
	vmb_put_le32(f + 112, flags);
	f[131] = FADT_MINOR;
	vmb_put_le64(f + 140, dsdt);           /* X_DSDT */
	memcpy(f + 268, "VMB\0\0\0\0\0", 8);   /* hypervisor vendor identity */
}

/* ---- the set --------------------------------------------------------- */

static size_t place(struct vmb_acpi *t, const char *sig, size_t len)
{
	size_t off = vmb_align_up(t->len, 16);

	memcpy(t->table[t->n].sig, sig, 5);
	t->table[t->n].off = off;
	t->table[t->n].len = len;
	t->n++;
	t->len = off + len;
	return off;
}

int vmb_acpi_build(const struct vmb_board *b, uint64_t gpa, struct vmb_acpi *t,
		   struct vmb_err *err)
{
	struct vmb_aml dsdt = { 0 }, madt = { 0 };
	size_t rsdp, xsdt, fadt, odsdt, omadt;
	const unsigned nx = 2; /* XSDT entries: FADT, MADT */
	uint8_t *p;

	memset(t, 0, sizeof(*t));
	if (gpa & 15)
		return vmb_errf(err, NULL, "ACPI tables at 0x%llx: not 16-byte aligned",
				(unsigned long long)gpa);
	if (build_dsdt(b, &dsdt, err))
		return -1;
	build_madt(b, &madt);
	rsdp = place(t, "RSDP", RSDP_LEN);
	xsdt = place(t, "XSDT", HDR_LEN + 8 * nx);
	fadt = place(t, "FACP", FADT_LEN);
	odsdt = place(t, "DSDT", dsdt.len);
	omadt = place(t, "APIC", madt.len);
	if (gpa + t->len > 0x100000000ull) {
		vmb_aml_free(&dsdt);
		vmb_aml_free(&madt);
		return vmb_errf(err, NULL, "ACPI tables at 0x%llx (%zu bytes) must "
				"end below 4 GiB", (unsigned long long)gpa, t->len);
	}
	t->gpa = gpa;
	t->buf = p = vmb_zalloc(t->len);

	memcpy(p + odsdt, dsdt.buf, dsdt.len);
	memcpy(p + omadt, madt.buf, madt.len);
	vmb_aml_free(&dsdt);
	vmb_aml_free(&madt);
	build_fadt(b, p + fadt, gpa + odsdt);

	header(p + xsdt, "XSDT", HDR_LEN + 8 * nx, XSDT_REVISION);
	vmb_put_le64(p + xsdt + HDR_LEN, gpa + fadt);
	vmb_put_le64(p + xsdt + HDR_LEN + 8, gpa + omadt);

	for (unsigned i = 1; i < t->n; i++) {
		uint8_t *h = p + t->table[i].off;

		h[9] = checksum(h, t->table[i].len);
	}

	/* RSDP (§5.2.5.3): revision 2, XSDT only. */
	memcpy(p + rsdp, "RSD PTR ", 8);
	memcpy(p + rsdp + 9, OEM_ID, 6);
	p[rsdp + 15] = 2;
	vmb_put_le32(p + rsdp + 20, RSDP_LEN);
	vmb_put_le64(p + rsdp + 24, gpa + xsdt);
	p[rsdp + 8] = checksum(p + rsdp, 20);
	p[rsdp + 32] = checksum(p + rsdp, RSDP_LEN);
	return 0;
}

void vmb_acpi_free(struct vmb_acpi *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}
