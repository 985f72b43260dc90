/* SPDX-License-Identifier: MIT */
/*
 * Shared parts of the gic-v2 and gic-v3 devices (see gic.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/irq.h"
#include "board/regdump.h"
#include "devices/gic.h"
#include "fdt/fdt.h"

int vmb_gic_describe(const struct vmb_board *b, struct vmb_gic_desc *out)
{
	const struct vmb_device *d = vmb_board_find_type(b, "gic-v2");

	if (!d)
		d = vmb_board_find_type(b, "gic-v3");
	if (!d || !d->priv)
		return -1;
	/* Both device types keep their description first in their state. */
	memcpy(out, d->priv, sizeof(*out));
	return 0;
}

uint32_t vmb_gic_ppi_flags(const struct vmb_board *b)
{
	struct vmb_gic_desc g;
	unsigned n = b->ncpus ? b->ncpus : 1;

	if (!vmb_gic_describe(b, &g) && g.version == 3)
		return 4;
	return 4 | ((n >= 8 ? 0xffu : (1u << n) - 1) << 8);
}

const char *vmb_gic_msi_key(const struct vmb_board *b)
{
	struct vmb_gic_desc g;

	if (vmb_gic_describe(b, &g))
		return NULL;
	if (g.has_v2m)
		return "v2m";
	if (g.has_its)
		return "its";
	return NULL;
}

/* Reads of 1, 2, 4 or 8 bytes from aligned 32-bit words (see gic.h). */
static uint64_t frame_read(void *opaque, uint64_t off, unsigned size)
{
	const struct vmb_gic_frame *fr = opaque;
	uint32_t (*word)(struct vmb_gic *gic, uint64_t off) = fr->ops->read_word;
	uint32_t w;

	if (size == 8)
		return (off & 3) ? 0 : word(fr->gic, off) |
					(uint64_t)word(fr->gic, off + 4) << 32;
	if (size == 4 && (off & 3))
		return 0;
	if (size == 2 && (off & 1))
		return 0;
	w = word(fr->gic, off & ~3ull) >> (8 * (off & 3));
	return size == 4 ? w : w & ((1u << (8 * size)) - 1);
}

static void frame_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	const struct vmb_gic_frame *fr = opaque;

	if (fr->ops->write)
		fr->ops->write(fr->gic, off, val, size);
}

static bool frame_reg_name(void *opaque, uint64_t off, bool write, char *buf,
			   size_t len)
{
	const struct vmb_gic_frame *fr = opaque;
	bool redist = fr->gic->desc.version == 3 && fr == &fr->gic->frame[1];
	uint64_t cpu = off / VMB_GIC_REDIST_STRIDE;
	size_t n;

	if (!vmb_reg_table_name(fr->ops->regs, redist ?
				off % VMB_GIC_REDIST_STRIDE : off, buf, len))
		return false;
	n = strlen(buf);
	if (redist && n < len)
		snprintf(buf + n, len - n, "(cpu%llu)", (unsigned long long)cpu);
	return true;
}

static const struct vmb_io_ops frame_io = {
	.read = frame_read,
	.write = frame_write,
	.reg_name = frame_reg_name,
};

bool vmb_gic_id_read(unsigned arch_rev, uint64_t off, uint64_t idbase, uint32_t *val)
{
	/* PIDR4..7, PIDR0..3, CIDR0..3 (ARM, GIC part 0x4B4 style values as
	 * QEMU reports them). */
	static const uint8_t id[12] = { 0x04, 0x00, 0x00, 0x00, 0x90, 0xb4, 0x0b, 0x00,
					0x0d, 0xf0, 0x05, 0xb1 };
	if (off < idbase || off >= idbase + 0x30 || (off & 3))
		return false;
	*val = id[(off - idbase) >> 2];
	if (off == idbase + 0x18)
		*val |= arch_rev << 4;
	return true;
}

int vmb_gic_init(struct vmb_gic *gic, struct vmb_device *dev,
		 const struct vmb_gic_model *model, struct vmb_err *err)
{
	struct vmb_gic_desc *g = &gic->desc;
	uint64_t spis = vmb_dev_prop_u64(dev, "spis");

	dev->priv = gic;
	gic->dev = dev;
	gic->model = model;
	g->version = model->version;
	g->dev = dev;
	g->dist_base = dev->base;
	g->dist_size = dev->size;
	if (spis < 32 || spis > 960 || spis % 32)
		return vmb_errf(err, vmb_dev_prop_loc(dev, "spis"), "%s '%s': spis "
				"must be a multiple of 32 from 32 to 960",
				dev->type->name, dev->name);
	g->nr_spis = (unsigned)spis;
	return 0;
}

int vmb_gic_prop_base(struct vmb_device *dev, const char *key, uint64_t *gpa,
		      struct vmb_err *err)
{
	if (!vmb_dev_prop_node(dev, key))
		return vmb_errf(err, &dev->spec->loc, "missing required field "
				"'%s' in %s device '%s'", key, dev->type->name,
				dev->name);
	*gpa = vmb_dev_prop_u64(dev, key);
	return 0;
}

static int check_spis(struct vmb_device *gic, unsigned nr_spis, struct vmb_err *err)
{
	const struct vmb_spec *s = gic->board->spec;

	for (unsigned i = 0; i < s->ndev; i++)
		for (unsigned j = 0; j < s->dev[i].nirq; j++)
			if (s->dev[i].irq[j] >= nr_spis)
				return vmb_errf(err, &s->dev[i].irq_loc, "device '%s' "
						"uses SPI %u, but %s '%s' has %u SPIs "
						"(0..%u; raise its 'spis')",
						s->dev[i].name, s->dev[i].irq[j],
						gic->type->name, gic->name, nr_spis,
						nr_spis - 1);
	return 0;
}

/* GPA range of the second frame (which = 1) or the MSI frame (which = 2);
 * false for an MSI frame the GIC does not have. */
static bool frame_range(const struct vmb_gic_desc *g, int which,
			uint64_t *base, uint64_t *size)
{
	bool v2 = g->version == 2;

	if (which == 1) {
		*base = v2 ? g->cpu_base : g->redist_base;
		*size = v2 ? g->cpu_size : g->redist_size;
		return true;
	}
	*base = v2 ? g->v2m_base : g->its_base;
	*size = v2 ? g->v2m_size : g->its_size;
	return v2 ? g->has_v2m : g->has_its;
}

int vmb_gic_map(struct vmb_gic *gic, struct vmb_err *err)
{
	const struct vmb_gic_model *m = gic->model;
	const struct vmb_gic_frame_ops *ops[3] = { &m->dist, &m->frame, &m->msi };
	const char *names[3] = { "dist", m->frame_name, m->msi_name };
	struct vmb_device *dev = gic->dev;
	uint64_t base = gic->desc.dist_base, size = gic->desc.dist_size;

	if (check_spis(dev, gic->desc.nr_spis, err))
		return -1;
	for (int i = 0; i < 3; i++) {
		if (i && !frame_range(&gic->desc, i, &base, &size))
			continue;
		gic->frame[i].gic = gic;
		gic->frame[i].ops = ops[i];
		if (!vmb_board_map_mmio(dev->board, dev, names[i], base, size,
					&frame_io, &gic->frame[i], NULL, err))
			return -1;
	}
	return 0;
}

int vmb_gic_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	const struct vmb_gic *gic = dev->priv;
	const struct vmb_gic_model *m = gic->model;
	const struct vmb_gic_desc *g = &gic->desc;
	bool v3 = g->version == 3;
	uint64_t reg[4] = { g->dist_base, g->dist_size }, msi_reg[2];
	bool has_msi = frame_range(g, 2, &msi_reg[0], &msi_reg[1]);
	int node, msi;

	frame_range(g, 1, &reg[2], &reg[3]);
	node = vmb_fdt_add_node(f, 0, "intc", g->dist_base, err);
	if (node < 0 ||
	    vmb_fdt_prop_u32(f, node, "#interrupt-cells", 3, err) ||
	    vmb_fdt_prop_empty(f, node, "interrupt-controller", err) ||
	    vmb_fdt_prop_u32(f, node, "#address-cells", 2, err) ||
	    vmb_fdt_prop_u32(f, node, "#size-cells", 2, err) ||
	    vmb_fdt_prop_empty(f, node, "ranges", err) ||
	    vmb_fdt_prop_str(f, node, "compatible", m->compatible, err) ||
	    (v3 && vmb_fdt_prop_u32(f, node, "#redistributor-regions", 1, err)) ||
	    vmb_fdt_prop_reg(f, node, reg, 2, err) ||
	    vmb_fdt_prop_u32(f, node, "phandle", vmb_fdt_phandle(f, dev->name), err))
		return -1;
	if (!has_msi)
		return 0;
	msi = vmb_fdt_add_node(f, node, m->msi_name, msi_reg[0], err);
	if (msi < 0 ||
	    vmb_fdt_prop_str(f, msi, "compatible", m->msi_compatible, err) ||
	    vmb_fdt_prop_empty(f, msi, "msi-controller", err) ||
	    (v3 && vmb_fdt_prop_u32(f, msi, "#msi-cells", 1, err)) ||
	    vmb_fdt_prop_reg(f, msi, msi_reg, 1, err) ||
	    vmb_fdt_prop_u32(f, msi, "phandle", vmb_fdt_phandle(f, m->msi_name), err))
		return -1;
	return 0;
}

void vmb_gic_dump_kernel_note(const struct vmb_gic *gic, FILE *out)
{
	if (gic->dev->board->hv.irq_attach)
		fprintf(out, "  (the backend's in-kernel GIC serves these frames "
			"and keeps the interrupt state; the model's registers "
			"below are unused%s)\n", gic->dev->board->hv.irqchip_dist_read ?
			", the SPI state at the end is the kernel's" : "");
}

/*
 * SPI enable/pending/active from the in-kernel distributor's set-enable,
 * set-pending and set-active registers (IHI0048B §4.3.5-4.3.8, IHI0069
 * §12.9.8, 12.9.14, 12.9.16: word n covers INTIDs 32n to 32n + 31; word 0,
 * SGIs and PPIs, is banked per CPU and left out). false if the backend
 * has none; a failed read is said in the dump.
 */
static bool dump_kernel_spis(const struct vmb_gic *gic, FILE *out)
{
	static const struct { uint32_t reg; const char *name; } regs[] = {
		{ 0x100, "SPI enabled" },	/* GICD_ISENABLER<n> */
		{ 0x200, "SPI pending" },	/* GICD_ISPENDR<n> */
		{ 0x300, "SPI active" },	/* GICD_ISACTIVER<n> */
	};
	const struct vmb_board *b = gic->dev->board;
	unsigned n = gic->desc.nr_spis, words = (n + 31) / 32;
	uint32_t *w;

	if (!b->hv.irqchip_dist_read)
		return false;
	w = vmb_zalloc(words * sizeof(uint32_t));
	for (unsigned r = 0; r < sizeof(regs) / sizeof(regs[0]); r++) {
		for (unsigned i = 0; i < words; i++)
			if (b->hv.irqchip_dist_read(b->hv.opaque, regs[r].reg + 4 * (i + 1),
						    &w[i])) {
				vmb_regdump_text(out, "SPI state", "not readable from "
						 "the in-kernel GIC: %s", errno == EBUSY ?
						 "a vCPU is running" : strerror(errno));
				free(w);
				return true;
			}
		vmb_regdump_bitmap(out, regs[r].name, w, n, 32);
	}
	free(w);
	return true;
}

void vmb_gic_dump_lines(const struct vmb_gic *gic, FILE *out)
{
	const struct vmb_board *b = gic->dev->board;
	unsigned n = gic->desc.nr_spis, words = (n + 31) / 32;
	uint32_t *wired = vmb_zalloc(words * sizeof(uint32_t));
	uint32_t *high = vmb_zalloc(words * sizeof(uint32_t));

	for (unsigned i = 0; i < b->ndev; i++) {
		const struct vmb_device *d = b->dev[i];

		for (unsigned j = 0; j < d->nirq && d->irq; j++) {
			uint32_t spi = d->irq[j].irq;

			if (spi >= n)
				continue;
			wired[spi / 32] |= 1u << (spi % 32);
			if (vmb_irq_level(&d->irq[j]))
				high[spi / 32] |= 1u << (spi % 32);
		}
	}
	vmb_regdump_bitmap(out, "SPI INTIDs wired", wired, n, 32);
	vmb_regdump_bitmap(out, "SPI lines high", high, n, 32);
	/* IHI0048B §4.3.5-4.3.8, IHI0069 §12.9: the model reads them as 0 */
	if (!dump_kernel_spis(gic, out))
		vmb_regdump_text(out, "SPI state", "enable/pending/active not kept "
				 "by the model (GICD_ISENABLER/ISPENDR/ISACTIVER "
				 "read as zero; emu delivers no interrupts)");
	free(wired);
	free(high);
}
