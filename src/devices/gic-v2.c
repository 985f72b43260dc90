/* SPDX-License-Identifier: MIT */
/*
 * Arm GICv2 interrupt controller (ARM IHI 0048B, GIC architecture version
 * 2.0) with an optional GICv2m MSI frame (ARM Server Base System
 * Architecture, appendix "GICv2m"), as QEMU 7.2 -M virt describes it.
 *
 * Register model (for backends without an in-kernel GIC; see gic.h), all
 * widths allowed, anything not listed reads as zero and ignores writes:
 *  distributor (base, size):
 *   0x000 GICD_CTLR bit 0 (Enable) stored; 0x004 GICD_TYPER: ITLinesNumber
 *   from "spis", CPUNumber from the CPU count, no Security Extensions;
 *   0x008 GICD_IIDR 0x0200043B (ARM, GIC-400 numbering); 0x800-0x81C
 *   GICD_ITARGETSR0-7 read 0x01010101 (the reading CPU is taken to be
 *   CPU 0); 0xC00 GICD_ICFGR0 0xAAAAAAAA (SGIs edge-triggered);
 *   0xFD0-0xFFC ID registers, PIDR2 ArchRev 2
 *  CPU interface (cpu-base, cpu-size):
 *   0x00 GICC_CTLR bit 0, 0x04 GICC_PMR (8 bits), 0x08 GICC_BPR (3 bits,
 *   reset 2), 0x1C GICC_ABPR stored; 0x0C GICC_IAR, 0x18 GICC_HPPIR,
 *   0x20 GICC_AIAR, 0x28 GICC_AHPPIR read 1023 (spurious: nothing is ever
 *   pending here); 0x14 GICC_RPR 0xFF (idle); 0xFC GICC_IIDR 0x0202043B
 *  v2m frame (v2m-base, 4 KiB):
 *   0x008 MSI_TYPER = (first SPI INTID) << 16 | number of SPIs
 * Errors at create: more than 8 CPUs (GICv2's limit), a device SPI beyond
 * "spis".
 */
#include <stdlib.h>

#include "board/regdump.h"
#include "devices/gic.h"

#define GICD_CTLR	0x000
#define GICD_TYPER	0x004
#define GICD_IIDR	0x008
#define GICD_ITARGETSR	0x800
#define GICD_ICFGR	0xc00

#define GICC_CTLR	0x00
#define GICC_PMR	0x04
#define GICC_BPR	0x08
#define GICC_IAR	0x0c
#define GICC_RPR	0x14
#define GICC_HPPIR	0x18
#define GICC_ABPR	0x1c
#define GICC_AIAR	0x20
#define GICC_AHPPIR	0x28
#define GICC_IIDR	0xfc

#define V2M_MSI_TYPER	0x008
#define V2M_SIZE	0x1000

#define SPURIOUS	1023

struct gicv2 {
	struct vmb_gic gic; /* first: gic.c's state */
	uint32_t dctlr, cctlr, pmr, bpr, abpr;
};

static uint32_t dist_word(struct vmb_gic *gic, uint64_t off)
{
	struct gicv2 *s = (struct gicv2 *)gic;
	unsigned ncpus = gic->dev->board->ncpus;
	uint32_t v = 0;

	switch (off) {
	case GICD_CTLR:
		return s->dctlr;
	case GICD_TYPER:
		return ((gic->desc.nr_spis + 32) / 32 - 1) |
		       ((ncpus ? ncpus - 1 : 0) << 5);
	case GICD_IIDR:
		return 0x0200043b;
	case GICD_ICFGR:
		return 0xaaaaaaaa;
	}
	if (off >= GICD_ITARGETSR && off < GICD_ITARGETSR + 0x20)
		return 0x01010101;
	if (vmb_gic_id_read(2, off, 0xfd0, &v))
		return v;
	return 0;
}

static void dist_write(struct vmb_gic *gic, uint64_t off, uint64_t val, unsigned size)
{
	struct gicv2 *s = (struct gicv2 *)gic;

	if (off == GICD_CTLR)
		s->dctlr = (uint32_t)val & 1;
}

static uint32_t cpu_word(struct vmb_gic *gic, uint64_t off)
{
	struct gicv2 *s = (struct gicv2 *)gic;

	switch (off) {
	case GICC_CTLR:
		return s->cctlr;
	case GICC_PMR:
		return s->pmr;
	case GICC_BPR:
		return s->bpr;
	case GICC_ABPR:
		return s->abpr;
	case GICC_IAR: case GICC_HPPIR: case GICC_AIAR: case GICC_AHPPIR:
		return SPURIOUS;
	case GICC_RPR:
		return 0xff;
	case GICC_IIDR:
		return 0x0202043b;
	}
	return 0;
}

static void cpu_write(struct vmb_gic *gic, uint64_t off, uint64_t val, unsigned size)
{
	struct gicv2 *s = (struct gicv2 *)gic;
	uint32_t v = (uint32_t)val;

	switch (off) {
	case GICC_CTLR:
		s->cctlr = v & 1;
		break;
	case GICC_PMR:
		s->pmr = v & 0xff;
		break;
	case GICC_BPR:
		s->bpr = v & 7;
		break;
	case GICC_ABPR:
		s->abpr = v & 7;
		break;
	default:
		break; /* EOIR and the rest: nothing is ever active */
	}
}

static uint32_t v2m_word(struct vmb_gic *gic, uint64_t off)
{
	if (off == V2M_MSI_TYPER)
		return (gic->desc.v2m_spi_base + 32) << 16 | gic->desc.v2m_nr_spis;
	return 0;
}

/* Register names: IHI0048B Tables 4-1 and 4-2; the v2m frame's as QEMU
 * and Linux name them. */
static const struct vmb_reg_name dist_regs[] = {
	VMB_GICD_REG_NAMES,
	VMB_GIC_ID_REG_NAMES("GICD", 0xfd0),
	{ 0, 0, 0, NULL },
};

static const struct vmb_reg_name cpu_regs[] = {
	{ 0x00, 4, 0, "GICC_CTLR" }, { 0x04, 4, 0, "GICC_PMR" },
	{ 0x08, 4, 0, "GICC_BPR" }, { 0x0c, 4, 0, "GICC_IAR" },
	{ 0x10, 4, 0, "GICC_EOIR" }, { 0x14, 4, 0, "GICC_RPR" },
	{ 0x18, 4, 0, "GICC_HPPIR" }, { 0x1c, 4, 0, "GICC_ABPR" },
	{ 0x20, 4, 0, "GICC_AIAR" }, { 0x24, 4, 0, "GICC_AEOIR" },
	{ 0x28, 4, 0, "GICC_AHPPIR" }, { 0xd0, 0x10, 4, "GICC_APR" },
	{ 0xe0, 0x10, 4, "GICC_NSAPR" }, { 0xfc, 4, 0, "GICC_IIDR" },
	{ 0x1000, 4, 0, "GICC_DIR" },
	{ 0, 0, 0, NULL },
};

static const struct vmb_reg_name v2m_regs[] = {
	{ 0x008, 4, 0, "MSI_TYPER" }, { 0x040, 4, 0, "MSI_SETSPI_NS" },
	{ 0xfcc, 4, 0, "MSI_IIDR" },
	{ 0, 0, 0, NULL },
};

/* Node and property choices of QEMU 7.2 create_gic()/fdt_add_v2m_gic_node(). */
static const struct vmb_gic_model gicv2_model = {
	.version = 2,
	.compatible = "arm,cortex-a15-gic",
	.frame_name = "cpu",
	.msi_name = "v2m",
	.msi_compatible = "arm,gic-v2m-frame",
	.dist = { dist_word, dist_write, dist_regs },
	.frame = { cpu_word, cpu_write, cpu_regs },
	.msi = { v2m_word, NULL, v2m_regs },
};

static int gicv2_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct gicv2 *s = vmb_zalloc(sizeof(*s));
	struct vmb_gic_desc *g = &s->gic.desc;
	unsigned ncpus = dev->board->ncpus;

	dev->priv = s;
	if (ncpus > 8)
		return vmb_errf(err, &dev->spec->type_loc, "gic-v2 '%s' serves at most "
				"8 CPUs, this machine has %u; use a gic-v3", dev->name,
				ncpus);
	if (vmb_gic_init(&s->gic, dev, &gicv2_model, err) ||
	    vmb_gic_prop_base(dev, "cpu-base", &g->cpu_base, err))
		return -1;
	g->cpu_size = vmb_dev_prop_u64(dev, "cpu-size");
	if (vmb_dev_prop_node(dev, "v2m-base")) {
		g->has_v2m = true;
		g->v2m_base = vmb_dev_prop_u64(dev, "v2m-base");
		g->v2m_size = V2M_SIZE;
		g->v2m_spi_base = (uint32_t)vmb_dev_prop_u64(dev, "v2m-spi-base");
		g->v2m_nr_spis = (uint32_t)vmb_dev_prop_u64(dev, "v2m-spis");
		if (!g->v2m_nr_spis || g->v2m_nr_spis > 1024 ||
		    g->v2m_spi_base + g->v2m_nr_spis > g->nr_spis)
			return vmb_errf(err, vmb_dev_prop_loc(dev, "v2m-spis"), "gic-v2 "
					"'%s': the v2m SPIs %u..%u must lie below spis "
					"(%u)", dev->name, g->v2m_spi_base,
					g->v2m_spi_base + g->v2m_nr_spis - 1, g->nr_spis);
	}
	return vmb_gic_map(&s->gic, err);
}

static void gicv2_reset(struct vmb_device *dev)
{
	struct gicv2 *s = dev->priv;

	s->dctlr = s->cctlr = s->pmr = s->abpr = 0;
	s->bpr = 2;
}

static void gicv2_destroy(struct vmb_device *dev)
{
	free(dev->priv);
	dev->priv = NULL;
}

/* Dump: IHI0048B §4.3 (distributor) and §4.4 (CPU interface; the model
 * keeps one, banked for no CPU), without Security Extensions. */
static const struct vmb_regfield enable_fields[] = {
	VMB_BIT(0, "Enable"), { NULL },
};
static const struct vmb_regfield typer_fields[] = {	/* §4.3.2 */
	VMB_FIELD(0, 5, "ITLinesNumber"), VMB_FIELD(5, 3, "CPUNumber"),
	VMB_BIT(10, "SecurityExtn"), VMB_FIELD(11, 5, "LSPI"), { NULL },
};

static void gicv2_dump(struct vmb_device *dev, FILE *out)
{
	struct gicv2 *s = dev->priv;
	struct vmb_gic *gic = &s->gic;

	vmb_gic_dump_kernel_note(gic, out);
	vmb_regdump(out, "GICD_CTLR", 32, s->dctlr, enable_fields);	/* §4.3.1 */
	/* dist_word and v2m_word have no side effects */
	vmb_regdump(out, "GICD_TYPER", 32, dist_word(gic, GICD_TYPER), typer_fields);
	vmb_regdump(out, "GICD_IIDR", 32, dist_word(gic, GICD_IIDR), NULL);
	vmb_regdump(out, "GICC_CTLR", 32, s->cctlr, enable_fields);	/* §4.4.1 */
	vmb_regdump(out, "GICC_PMR", 8, s->pmr, NULL);			/* §4.4.2 */
	vmb_regdump(out, "GICC_BPR", 8, s->bpr, NULL);			/* §4.4.3 */
	vmb_regdump(out, "GICC_ABPR", 8, s->abpr, NULL);		/* §4.4.6 */
	if (gic->desc.has_v2m)
		vmb_regdump_text(out, "MSI_TYPER", "0x%08x  (INTIDs %u-%u)",
				 v2m_word(gic, V2M_MSI_TYPER),
				 gic->desc.v2m_spi_base + 32,
				 gic->desc.v2m_spi_base + 32 + gic->desc.v2m_nr_spis - 1);
	vmb_gic_dump_lines(gic, out);
}

static const struct vmb_prop_desc gicv2_props[] = {
	{ "cpu-base", VMB_PROP_U64, NULL, "CPU interface base address (required)", NULL },
	{ "cpu-size", VMB_PROP_SIZE, "64K", "CPU interface size", NULL },
	{ "v2m-base", VMB_PROP_U64, NULL, "GICv2m MSI frame base (optional)", NULL },
	{ "v2m-spi-base", VMB_PROP_U64, "48", "first SPI of the v2m frame", NULL },
	{ "v2m-spis", VMB_PROP_U64, "64", "number of v2m SPIs", NULL },
	{ "spis", VMB_PROP_U64, "256", "number of SPIs (multiple of 32)", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct vmb_device_type gicv2_type = {
	.name = "gic-v2",
	.summary = "Arm GICv2 interrupt controller (IHI0048B) with optional "
		   "GICv2m MSI frame; base = distributor",
	.props = gicv2_props,
	.needs_base = true,
	.default_size = 0x10000,
	.min_irqs = 0,
	.max_irqs = 0,
	.create = gicv2_create,
	.reset = gicv2_reset,
	.fdt_node = vmb_gic_fdt,
	.destroy = gicv2_destroy,
	.dump = gicv2_dump,
};

VMB_DEVICE_TYPE(gicv2_type)
