/* SPDX-License-Identifier: MIT */
/*
 * QEMU's dynamic sysbus window (hw/core/platform-bus.c; node written by
 * hw/arm/sysbus-fdt.c platform_bus_add_all_fdt_nodes): a device tree node
 * only, "platform-bus@BASE" with compatible "qemu,platform", "simple-bus",
 * a 1:1 ranges window of the device's size and the GIC as interrupt
 * parent. Nothing is mapped at the address: with no dynamic devices, the
 * window is empty.
 */
#include "board/board.h"
#include "fdt/fdt.h"

static int pbus_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	static const char *const compat[] = { "qemu,platform", "simple-bus", NULL };
	uint32_t ranges[4] = { 0, (uint32_t)(dev->base >> 32), (uint32_t)dev->base,
			       (uint32_t)dev->size };
	int node;

	if (dev->size > UINT32_MAX)
		return vmb_errf(err, &dev->spec->loc, "platform-bus '%s': size must be "
				"below 4 GiB (one size cell)", dev->name);
	node = vmb_fdt_add_node(f, 0, "platform-bus", dev->base, err);
	if (node < 0 ||
	    vmb_fdt_prop_strs(f, node, "compatible", compat, err) ||
	    vmb_fdt_prop_u32(f, node, "#size-cells", 1, err) ||
	    vmb_fdt_prop_u32(f, node, "#address-cells", 1, err) ||
	    vmb_fdt_prop_cells(f, node, "ranges", ranges, 4, err))
		return -1;
	if (f->gic && vmb_fdt_prop_u32(f, node, "interrupt-parent",
				       vmb_fdt_phandle(f, f->gic->name), err))
		return -1;
	return 0;
}

static const struct vmb_device_type pbus_type = {
	.name = "platform-bus",
	.summary = "QEMU platform bus window: device tree node only "
		   "(qemu,platform simple-bus), nothing mapped",
	.needs_base = true,
	.default_size = 0x2000000,
	.fdt_node = pbus_fdt,
};

VMB_DEVICE_TYPE(pbus_type)
