/* SPDX-License-Identifier: MIT */
/*
 * Generic PCIe host bridge with ECAM configuration space (PCI Express Base
 * Specification §7.2.2 "Enhanced Configuration Access Mechanism"; DT
 * binding Linux Documentation/devicetree/bindings/pci/host-generic-pci.yaml),
 * with the node QEMU 7.2 virt's create_pcie() writes. No device sits on
 * the bus yet.
 *
 * The device's base/size are the ECAM window (1 MiB per bus; virt: the
 * high ECAM, 256 buses). Every configuration read returns all ones,
 * whatever its width (no function answers: vendor ID 0xFFFF), and writes
 * are ignored. The I/O, 32-bit and 64-bit memory windows (pio-*, mmio-*,
 * mmio64-* properties; a window of size 0 is left out) only appear in the
 * DT "ranges"; nothing is mapped there, as nothing could claim them.
 *
 * DT: "pcie@MMIO-BASE" (QEMU names it after the 32-bit window, not the
 * ECAM), interrupt-map routing INTA..INTD of device slots 0..3 to the four
 * irq entries with the standard swizzle (pin + slot) mod 4, and msi-map to
 * the MSI controller of the GIC named by msi-parent (its v2m frame or ITS;
 * left out if it has none).
 */
#include <string.h>

#include "board/board.h"
#include "devices/gic.h"
#include "fdt/fdt.h"

#define ECAM_BUS_SIZE	(1u << 20)

/* DT phys.hi space codes (PCI bus binding, IEEE 1275). */
#define SPACE_IO	0x01000000u
#define SPACE_MEM32	0x02000000u
#define SPACE_MEM64	0x03000000u

static uint64_t ecam_read(void *opaque, uint64_t off, unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static void ecam_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
}

static const struct vmb_io_ops ecam_ops = { .read = ecam_read, .write = ecam_write };

static int pcie_create(struct vmb_device *dev, struct vmb_err *err)
{
	const char *msi = vmb_dev_prop_str(dev, "msi-parent");

	if (dev->size < ECAM_BUS_SIZE || dev->size % ECAM_BUS_SIZE ||
	    dev->size > 256ull * ECAM_BUS_SIZE)
		return vmb_errf(err, &dev->spec->loc, "pcie-host-ecam '%s': the ECAM "
				"size must be 1 MiB per bus, 1 to 256 buses", dev->name);
	if (vmb_dev_prop_u64(dev, "pio-size") > UINT32_MAX)
		return vmb_errf(err, vmb_dev_prop_loc(dev, "pio-size"), "pcie-host-ecam "
				"'%s': pio-size must be below 4 GiB", dev->name);
	if (msi) {
		const struct vmb_dev_spec *ms = vmb_spec_find_dev(dev->board->spec, msi);

		if (!ms || (strcmp(ms->type, "gic-v2") && strcmp(ms->type, "gic-v3")))
			return vmb_errf(err, vmb_dev_prop_loc(dev, "msi-parent"),
					"pcie-host-ecam '%s': msi-parent '%s' must name "
					"the machine's gic-v2 or gic-v3 device", dev->name, msi);
	}
	if (!vmb_board_map_mmio(dev->board, dev, "ecam", dev->base, dev->size,
				&ecam_ops, dev, NULL, err))
		return -1;
	return 0;
}

/* One "ranges" entry: <space pci.hi pci.lo cpu.hi cpu.lo size.hi size.lo>,
 * PCI addresses equal to CPU addresses except for I/O, which starts at 0. */
static unsigned add_range(uint32_t *c, uint32_t space, uint64_t pci, uint64_t cpu,
			  uint64_t size)
{
	if (!size)
		return 0;
	c[0] = space;
	c[1] = (uint32_t)(pci >> 32);
	c[2] = (uint32_t)pci;
	c[3] = (uint32_t)(cpu >> 32);
	c[4] = (uint32_t)cpu;
	c[5] = (uint32_t)(size >> 32);
	c[6] = (uint32_t)size;
	return 7;
}

static int interrupt_map(struct vmb_device *dev, struct vmb_fdt *f, int node,
			 struct vmb_err *err)
{
	static const uint32_t mask[4] = { 0x1800, 0, 0, 7 };
	const struct vmb_dev_spec *ds = dev->spec;
	uint32_t gic = vmb_fdt_phandle(f, f->gic->name);
	uint32_t flags = ds->trigger == VMB_IRQ_EDGE_RISING ? 1 : 4;
	uint32_t map[16 * 10];
	unsigned n = 0;

	for (unsigned slot = 0; slot < 4; slot++) {
		for (unsigned pin = 0; pin < 4; pin++) {
			uint32_t *e = &map[n];

			e[0] = slot << 11;  /* phys.hi: device number */
			e[1] = 0;
			e[2] = 0;
			e[3] = pin + 1;     /* INTA..INTD */
			e[4] = gic;
			e[5] = 0;           /* GIC unit address (#address-cells 2) */
			e[6] = 0;
			e[7] = 0;           /* SPI */
			e[8] = ds->irq[(pin + slot) % 4];
			e[9] = flags;
			n += 10;
		}
	}
	return vmb_fdt_prop_u32(f, node, "#interrupt-cells", 1, err) ||
	       vmb_fdt_prop_cells(f, node, "interrupt-map", map, n, err) ||
	       vmb_fdt_prop_cells(f, node, "interrupt-map-mask", mask, 4, err) ? -1 : 0;
}

static int pcie_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	uint64_t mmio = vmb_dev_prop_u64(dev, "mmio-base");
	uint64_t mmio_size = vmb_dev_prop_u64(dev, "mmio-size");
	uint32_t bus_range[2] = { 0, (uint32_t)(dev->size / ECAM_BUS_SIZE - 1) };
	uint64_t reg[2] = { dev->base, dev->size };
	const char *msi_key = vmb_dev_prop_str(dev, "msi-parent") ?
			      vmb_gic_msi_key(dev->board) : NULL;
	uint32_t ranges[21];
	unsigned nr = 0;
	int node;

	nr += add_range(ranges + nr, SPACE_IO, 0, vmb_dev_prop_u64(dev, "pio-base"),
			vmb_dev_prop_u64(dev, "pio-size"));
	nr += add_range(ranges + nr, SPACE_MEM32, mmio, mmio, mmio_size);
	nr += add_range(ranges + nr, SPACE_MEM64, vmb_dev_prop_u64(dev, "mmio64-base"),
			vmb_dev_prop_u64(dev, "mmio64-base"),
			vmb_dev_prop_u64(dev, "mmio64-size"));
	node = vmb_fdt_add_node(f, 0, "pcie", mmio_size ? mmio : dev->base, err);
	if (node < 0 ||
	    vmb_fdt_prop_str(f, node, "compatible", "pci-host-ecam-generic", err) ||
	    vmb_fdt_prop_str(f, node, "device_type", "pci", err) ||
	    vmb_fdt_prop_u32(f, node, "#address-cells", 3, err) ||
	    vmb_fdt_prop_u32(f, node, "#size-cells", 2, err) ||
	    vmb_fdt_prop_u32(f, node, "linux,pci-domain", 0, err) ||
	    vmb_fdt_prop_cells(f, node, "bus-range", bus_range, 2, err) ||
	    vmb_fdt_prop_empty(f, node, "dma-coherent", err))
		return -1;
	if (msi_key) {
		uint32_t msi_map[4] = { 0, vmb_fdt_phandle(f, msi_key), 0, 0x10000 };

		if (vmb_fdt_prop_cells(f, node, "msi-map", msi_map, 4, err))
			return -1;
	}
	if (vmb_fdt_prop_reg(f, node, reg, 1, err) ||
	    (nr && vmb_fdt_prop_cells(f, node, "ranges", ranges, nr, err)))
		return -1;
	return f->gic ? interrupt_map(dev, f, node, err) : 0;
}

static const struct vmb_prop_desc pcie_props[] = {
	{ "pio-base", VMB_PROP_U64, "0", "CPU address of the I/O port window", NULL },
	{ "pio-size", VMB_PROP_SIZE, "0", "I/O port window size (0: none)", NULL },
	{ "mmio-base", VMB_PROP_U64, "0", "32-bit memory window base (1:1)", NULL },
	{ "mmio-size", VMB_PROP_SIZE, "0", "32-bit memory window size (0: none)", NULL },
	{ "mmio64-base", VMB_PROP_U64, "0", "64-bit memory window base (1:1)", NULL },
	{ "mmio64-size", VMB_PROP_SIZE, "0", "64-bit memory window size (0: none)", NULL },
	{ "msi-parent", VMB_PROP_STR, NULL,
	  "GIC device whose v2m frame or ITS takes MSIs (msi-map)", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct vmb_device_type pcie_type = {
	.name = "pcie-host-ecam",
	.summary = "generic PCIe host bridge, ECAM (pci-host-ecam-generic): "
		   "empty bus, config reads all ones",
	.props = pcie_props,
	.needs_base = true,
	.default_size = 0x10000000,
	.min_irqs = 4,
	.max_irqs = 4,
	.create = pcie_create,
	.fdt_node = pcie_fdt,
};

VMB_DEVICE_TYPE(pcie_type)
