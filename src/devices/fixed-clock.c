/* SPDX-License-Identifier: MIT */
/*
 * Fixed-rate clock: a device tree node only (Linux Documentation/
 * devicetree/bindings/clock/fixed-clock.yaml), as QEMU virt's "apb-pclk"
 * (hw/arm/virt.c create_fdt). The node is named after the device and
 * carries the phandle other devices' "clock" properties refer to by that
 * name. No registers, no interrupts.
 */
#include "board/board.h"
#include "fdt/fdt.h"

static int clock_create(struct vmb_device *dev, struct vmb_err *err)
{
	if (!vmb_dev_prop_u64(dev, "frequency"))
		return vmb_errf(err, vmb_dev_prop_loc(dev, "frequency"), "fixed-clock "
				"'%s': frequency must be more than 0 Hz", dev->name);
	return 0;
}

static int clock_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	uint64_t hz = vmb_dev_prop_u64(dev, "frequency");
	const char *out = vmb_dev_prop_str(dev, "output-name");
	int node = vmb_fdt_add_node(f, 0, dev->name, VMB_FDT_NO_UNIT, err);

	if (node < 0 ||
	    vmb_fdt_prop_str(f, node, "compatible", "fixed-clock", err) ||
	    vmb_fdt_prop_u32(f, node, "#clock-cells", 0, err) ||
	    (hz > UINT32_MAX ? vmb_fdt_prop_u64(f, node, "clock-frequency", hz, err)
			     : vmb_fdt_prop_u32(f, node, "clock-frequency",
						(uint32_t)hz, err)) ||
	    vmb_fdt_prop_str(f, node, "clock-output-names", out ? out : dev->name, err) ||
	    vmb_fdt_prop_u32(f, node, "phandle", vmb_fdt_phandle(f, dev->name), err))
		return -1;
	return 0;
}

static const struct vmb_prop_desc clock_props[] = {
	{ "frequency", VMB_PROP_U64, "24000000", "rate in Hz", NULL },
	{ "output-name", VMB_PROP_STR, NULL,
	  "clock-output-names (default: the device name)", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct vmb_device_type clock_type = {
	.name = "fixed-clock",
	.summary = "fixed-rate clock, device tree node only (fixed-clock "
		   "binding); referenced by name from other devices' 'clock'",
	.props = clock_props,
	.needs_base = false,
	.create = clock_create,
	.fdt_node = clock_fdt,
};

VMB_DEVICE_TYPE(clock_type)
