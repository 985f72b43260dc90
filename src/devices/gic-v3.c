/* SPDX-License-Identifier: MIT */
/*
 * Arm GICv3 interrupt controller (ARM IHI 0069, GICv3 and GICv4
 * architecture specification) with an optional ITS, as QEMU 7.2
 * -M virt,gic-version=3 describes it: one redistributor region
 * (VMB_GIC_REDIST_STRIDE = 128 KiB per CPU: RD_base + SGI_base frames).
 *
 * Register model (for backends without an in-kernel GIC; see gic.h), all
 * widths allowed, anything not listed reads as zero and ignores writes;
 * a single security state (GICD_CTLR.DS = 1) with affinity routing:
 *  distributor (base, size): 0x0000 GICD_CTLR EnableGrp0/1 stored, ARE_NS
 *   and DS read as one; 0x0004 GICD_TYPER ITLinesNumber from "spis", LPIS
 *   and IDbits 15 with an ITS (else IDbits 9); 0x0008 GICD_IIDR 0x43B;
 *   0xFFD0-0xFFFC ID registers, PIDR2 ArchRev 3
 *  redistributor of CPU n (redist-base + n * 128 KiB): 0x0004 GICR_IIDR;
 *   0x0008 GICR_TYPER (64-bit): affinity of CPU n (the MPIDR the DT gives
 *   it), Processor_Number n, Last on the last CPU, PLPIS with an ITS;
 *   0x0014 GICR_WAKER: ProcessorSleep stored, ChildrenAsleep follows it at
 *   once (reset: both set); ID registers as the distributor. Frames beyond
 *   the CPU count read as zero.
 *  ITS (its-base, 128 KiB): 0x0000 GITS_CTLR Enabled stored, Quiescent set;
 *   0x0008 GITS_TYPER physical LPIs, 8-byte ITT entries, 16 ID and device
 *   bits; ID registers as the distributor.
 * Errors at create: a redistributor region too small for the CPUs, a
 * device SPI beyond "spis".
 */
#include <stdlib.h>

#include "board/regdump.h"
#include "devices/gic.h"
#include "fdt/fdt.h"

#define GICD_CTLR	0x0000
#define GICD_TYPER	0x0004
#define GICD_IIDR	0x0008
#define GICD_CTLR_ARE_NS (1u << 4)
#define GICD_CTLR_DS	(1u << 6)

#define GICR_CTLR	0x0000
#define GICR_IIDR	0x0004
#define GICR_TYPER	0x0008
#define GICR_WAKER	0x0014
#define WAKER_PS	(1u << 1)
#define WAKER_CA	(1u << 2)

#define GITS_CTLR	0x0000
#define GITS_IIDR	0x0004
#define GITS_TYPER	0x0008
#define GITS_QUIESCENT	(1u << 31)
#define ITS_SIZE	0x20000

#define IIDR_ARM	0x43b
#define ID_BASE		0xffd0

struct gicv3 {
	struct vmb_gic gic; /* first: gic.c's state */
	uint32_t dctlr, its_ctlr;
	uint32_t *waker;          /* per CPU */
};

static uint32_t dist_word(struct vmb_gic *gic, uint64_t off)
{
	struct gicv3 *s = (struct gicv3 *)gic;
	uint32_t v = 0;

	switch (off) {
	case GICD_CTLR:
		return s->dctlr | GICD_CTLR_ARE_NS | GICD_CTLR_DS;
	case GICD_TYPER:
		v = (gic->desc.nr_spis + 32) / 32 - 1;
		if (gic->desc.has_its)
			v |= 1u << 17 | 15u << 19;
		else
			v |= 9u << 19;
		return v;
	case GICD_IIDR:
		return IIDR_ARM;
	}
	if (vmb_gic_id_read(3, off, ID_BASE, &v))
		return v;
	return 0;
}

static void dist_write(struct vmb_gic *gic, uint64_t off, uint64_t val, unsigned size)
{
	struct gicv3 *s = (struct gicv3 *)gic;

	if (off == GICD_CTLR && size >= 4)
		s->dctlr = (uint32_t)val & 3;
}

static uint32_t redist_word(struct vmb_gic *gic, uint64_t off)
{
	struct gicv3 *s = (struct gicv3 *)gic;
	unsigned ncpus = gic->dev->board->ncpus;
	unsigned cpu = (unsigned)(off / VMB_GIC_REDIST_STRIDE);
	uint64_t fo = off % VMB_GIC_REDIST_STRIDE, mpidr;
	uint32_t v = 0;

	if (cpu >= ncpus || fo >= 0x10000)
		return 0; /* absent CPU, or the SGI_base frame */
	mpidr = vmb_fdt_cpu_mpidr(cpu);
	switch (fo) {
	case GICR_IIDR:
		return IIDR_ARM;
	case GICR_TYPER:
		return cpu << 8 | (cpu == ncpus - 1 ? 1u << 4 : 0) |
		       (gic->desc.has_its ? 1u : 0);
	case GICR_TYPER + 4:
		return (uint32_t)((mpidr & 0xffffff) | ((mpidr >> 32) & 0xff) << 24);
	case GICR_WAKER:
		return s->waker[cpu];
	}
	if (vmb_gic_id_read(3, fo, ID_BASE, &v))
		return v;
	return 0;
}

static void redist_write(struct vmb_gic *gic, uint64_t off, uint64_t val, unsigned size)
{
	struct gicv3 *s = (struct gicv3 *)gic;
	unsigned cpu = (unsigned)(off / VMB_GIC_REDIST_STRIDE);

	if (cpu < gic->dev->board->ncpus && off % VMB_GIC_REDIST_STRIDE == GICR_WAKER &&
	    size >= 4)
		s->waker[cpu] = (val & WAKER_PS) ? WAKER_PS | WAKER_CA : 0;
}

static uint32_t its_word(struct vmb_gic *gic, uint64_t off)
{
	struct gicv3 *s = (struct gicv3 *)gic;
	uint32_t v = 0;

	switch (off) {
	case GITS_CTLR:
		return s->its_ctlr | GITS_QUIESCENT;
	case GITS_IIDR:
		return IIDR_ARM;
	case GITS_TYPER:
		return 1u | 7u << 4 | 15u << 8 | 15u << 13;
	}
	if (vmb_gic_id_read(3, off, ID_BASE, &v))
		return v;
	return 0;
}

static void its_write(struct vmb_gic *gic, uint64_t off, uint64_t val, unsigned size)
{
	struct gicv3 *s = (struct gicv3 *)gic;

	if (off == GITS_CTLR && size >= 4)
		s->its_ctlr = (uint32_t)val & 1;
}

/* Register names: IHI0069 Tables 12-25 (GICD), 12-27/12-28 (GICR
 * RD_base, SGI_base) and 12-30 (GITS). */
static const struct vmb_reg_name dist_regs[] = {
	VMB_GICD_REG_NAMES,
	{ 0x00c, 4, 0, "GICD_TYPER2" }, { 0x010, 4, 0, "GICD_STATUSR" },
	{ 0x040, 4, 0, "GICD_SETSPI_NSR" }, { 0x048, 4, 0, "GICD_CLRSPI_NSR" },
	{ 0x050, 4, 0, "GICD_SETSPI_SR" }, { 0x058, 4, 0, "GICD_CLRSPI_SR" },
	{ 0xd00, 0x80, 4, "GICD_IGRPMODR" },
	{ 0x6000, 0x2000, 8, "GICD_IROUTER" },
	VMB_GIC_ID_REG_NAMES("GICD", 0xffd0),
	{ 0, 0, 0, NULL },
};

static const struct vmb_reg_name redist_regs[] = {
	{ 0x0000, 4, 0, "GICR_CTLR" }, { 0x0004, 4, 0, "GICR_IIDR" },
	{ 0x0008, 8, 0, "GICR_TYPER" }, { 0x0010, 4, 0, "GICR_STATUSR" },
	{ 0x0014, 4, 0, "GICR_WAKER" }, { 0x0040, 8, 0, "GICR_SETLPIR" },
	{ 0x0048, 8, 0, "GICR_CLRLPIR" }, { 0x0070, 8, 0, "GICR_PROPBASER" },
	{ 0x0078, 8, 0, "GICR_PENDBASER" }, { 0x00a0, 8, 0, "GICR_INVLPIR" },
	{ 0x00b0, 8, 0, "GICR_INVALLR" }, { 0x00c0, 4, 0, "GICR_SYNCR" },
	VMB_GIC_ID_REG_NAMES("GICR", 0xffd0),
	{ 0x10080, 4, 0, "GICR_IGROUPR0" }, { 0x10100, 4, 0, "GICR_ISENABLER0" },
	{ 0x10180, 4, 0, "GICR_ICENABLER0" }, { 0x10200, 4, 0, "GICR_ISPENDR0" },
	{ 0x10280, 4, 0, "GICR_ICPENDR0" }, { 0x10300, 4, 0, "GICR_ISACTIVER0" },
	{ 0x10380, 4, 0, "GICR_ICACTIVER0" },
	{ 0x10400, 0x20, 4, "GICR_IPRIORITYR" },
	{ 0x10c00, 4, 0, "GICR_ICFGR0" }, { 0x10c04, 4, 0, "GICR_ICFGR1" },
	{ 0x10d00, 4, 0, "GICR_IGRPMODR0" }, { 0x10e00, 4, 0, "GICR_NSACR" },
	{ 0, 0, 0, NULL },
};

static const struct vmb_reg_name its_regs[] = {
	{ 0x0000, 4, 0, "GITS_CTLR" }, { 0x0004, 4, 0, "GITS_IIDR" },
	{ 0x0008, 8, 0, "GITS_TYPER" }, { 0x0080, 8, 0, "GITS_CBASER" },
	{ 0x0088, 8, 0, "GITS_CWRITER" }, { 0x0090, 8, 0, "GITS_CREADR" },
	{ 0x0100, 0x40, 8, "GITS_BASER" },
	VMB_GIC_ID_REG_NAMES("GITS", 0xffd0),
	{ 0x10040, 4, 0, "GITS_TRANSLATER" },
	{ 0, 0, 0, NULL },
};

/* Node and property choices of QEMU 7.2 create_gic()/create_its(). */
static const struct vmb_gic_model gicv3_model = {
	.version = 3,
	.compatible = "arm,gic-v3",
	.frame_name = "redist",
	.msi_name = "its",
	.msi_compatible = "arm,gic-v3-its",
	.dist = { dist_word, dist_write, dist_regs },
	.frame = { redist_word, redist_write, redist_regs },
	.msi = { its_word, its_write, its_regs },
};

static int gicv3_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct gicv3 *s = vmb_zalloc(sizeof(*s));
	struct vmb_gic_desc *g = &s->gic.desc;
	unsigned ncpus = dev->board->ncpus ? dev->board->ncpus : 1;

	s->waker = vmb_zalloc(ncpus * sizeof(*s->waker));
	if (vmb_gic_init(&s->gic, dev, &gicv3_model, err) ||
	    vmb_gic_prop_base(dev, "redist-base", &g->redist_base, err))
		return -1;
	g->redist_size = vmb_dev_prop_u64(dev, "redist-size");
	if (g->redist_size < (uint64_t)ncpus * VMB_GIC_REDIST_STRIDE ||
	    g->redist_size % 0x10000)
		return vmb_errf(err, vmb_dev_prop_loc(dev, "redist-size"), "gic-v3 '%s': "
				"redist-size 0x%llx must be a multiple of 64 KiB holding "
				"128 KiB for each of the %u CPUs (0x%llx)", dev->name,
				(unsigned long long)g->redist_size, ncpus,
				(unsigned long long)ncpus * VMB_GIC_REDIST_STRIDE);
	if (vmb_dev_prop_node(dev, "its-base")) {
		g->has_its = true;
		g->its_base = vmb_dev_prop_u64(dev, "its-base");
		g->its_size = ITS_SIZE;
	}
	return vmb_gic_map(&s->gic, err);
}

static void gicv3_reset(struct vmb_device *dev)
{
	struct gicv3 *s = dev->priv;
	unsigned ncpus = dev->board->ncpus ? dev->board->ncpus : 1;

	s->dctlr = s->its_ctlr = 0;
	for (unsigned i = 0; i < ncpus; i++)
		s->waker[i] = WAKER_PS | WAKER_CA;
}

static void gicv3_destroy(struct vmb_device *dev)
{
	struct gicv3 *s = dev->priv;

	if (!s)
		return;
	free(s->waker);
	free(s);
	dev->priv = NULL;
}

/* Dump: IHI0069 chapter 12, single security state (GICD_CTLR.DS = 1):
 * GICD_CTLR, GICD_TYPER, each CPU's GICR_TYPER and GICR_WAKER, GITS_CTLR. */
static const struct vmb_regfield dctlr_fields[] = {
	VMB_BIT(0, "EnableGrp0"), VMB_BIT(1, "EnableGrp1"), VMB_BIT(4, "ARE"),
	VMB_BIT(6, "DS"), VMB_BIT(31, "RWP"), { NULL },
};
static const struct vmb_regfield typer_fields[] = {
	VMB_FIELD(0, 5, "ITLinesNumber"), VMB_FIELD(5, 3, "CPUNumber"),
	VMB_BIT(17, "LPIS"), VMB_FIELD(19, 5, "IDbits"), { NULL },
};
static const struct vmb_regfield rtyper_fields[] = {
	VMB_BIT(0, "PLPIS"), VMB_BIT(4, "Last"),
	{ "Processor_Number", 8, 16, VMB_FIELD_ALWAYS, NULL },
	VMB_FIELD(32, 32, "Affinity"), { NULL },
};
static const struct vmb_regfield waker_fields[] = {
	VMB_BIT(1, "ProcessorSleep"), VMB_BIT(2, "ChildrenAsleep"), { NULL },
};
static const struct vmb_regfield its_ctlr_fields[] = {
	VMB_BIT(0, "Enabled"), VMB_BIT(31, "Quiescent"), { NULL },
};

static void gicv3_dump(struct vmb_device *dev, FILE *out)
{
	struct gicv3 *s = dev->priv;
	struct vmb_gic *gic = &s->gic;
	unsigned ncpus = dev->board->ncpus ? dev->board->ncpus : 1;

	vmb_gic_dump_kernel_note(gic, out);
	/* the *_word functions have no side effects */
	vmb_regdump(out, "GICD_CTLR", 32, dist_word(gic, GICD_CTLR), dctlr_fields);
	vmb_regdump(out, "GICD_TYPER", 32, dist_word(gic, GICD_TYPER), typer_fields);
	vmb_regdump(out, "GICD_IIDR", 32, dist_word(gic, GICD_IIDR), NULL);
	for (unsigned cpu = 0; cpu < ncpus; cpu++) {
		uint64_t rd = (uint64_t)cpu * VMB_GIC_REDIST_STRIDE;
		uint64_t typer = redist_word(gic, rd + GICR_TYPER) |
				 (uint64_t)redist_word(gic, rd + GICR_TYPER + 4) << 32;
		char name[40];

		snprintf(name, sizeof(name), "GICR_TYPER(cpu%u)", cpu);
		vmb_regdump(out, name, 64, typer, rtyper_fields);
		snprintf(name, sizeof(name), "GICR_WAKER(cpu%u)", cpu);
		vmb_regdump(out, name, 32, s->waker[cpu], waker_fields);
	}
	if (gic->desc.has_its)
		vmb_regdump(out, "GITS_CTLR", 32, its_word(gic, GITS_CTLR),
			    its_ctlr_fields);
	vmb_gic_dump_lines(gic, out);
}

static const struct vmb_prop_desc gicv3_props[] = {
	{ "redist-base", VMB_PROP_U64, NULL,
	  "redistributor region base address (required)", NULL },
	{ "redist-size", VMB_PROP_SIZE, "0xf60000",
	  "redistributor region size, 128 KiB per CPU (QEMU virt: 123 CPUs)", NULL },
	{ "its-base", VMB_PROP_U64, NULL, "ITS base address (optional)", NULL },
	{ "spis", VMB_PROP_U64, "256", "number of SPIs (multiple of 32)", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct vmb_device_type gicv3_type = {
	.name = "gic-v3",
	.summary = "Arm GICv3 interrupt controller (IHI0069) with optional ITS; "
		   "base = distributor",
	.props = gicv3_props,
	.needs_base = true,
	.default_size = 0x10000,
	.min_irqs = 0,
	.max_irqs = 0,
	.create = gicv3_create,
	.reset = gicv3_reset,
	.fdt_node = vmb_gic_fdt,
	.destroy = gicv3_destroy,
	.dump = gicv3_dump,
};

VMB_DEVICE_TYPE(gicv3_type)
