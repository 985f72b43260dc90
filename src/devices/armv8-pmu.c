/* SPDX-License-Identifier: MIT */
/*
 * Arm PMUv3: device tree node only (Linux Documentation/devicetree/
 * bindings/arm/pmu.yaml), as QEMU virt's fdt_add_pmu_nodes(): "pmu" with
 * compatible "arm,armv8-pmuv3" and its level-triggered PPI. The counters
 * are part of each vCPU (the backend's business).
 */
#include "board/board.h"
#include "devices/gic.h"
#include "fdt/fdt.h"

static int pmu_create(struct vmb_device *dev, struct vmb_err *err)
{
	if (vmb_dev_prop_u64(dev, "ppi") > 15)
		return vmb_errf(err, vmb_dev_prop_loc(dev, "ppi"), "armv8-pmu '%s': ppi "
				"must be 0..15 (INTID 16..31)", dev->name);
	return 0;
}

static int pmu_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	uint32_t irq[3] = { 1, (uint32_t)vmb_dev_prop_u64(dev, "ppi"),
			    vmb_gic_ppi_flags(dev->board) };
	int node = vmb_fdt_add_node(f, 0, "pmu", VMB_FDT_NO_UNIT, err);

	if (node < 0 ||
	    vmb_fdt_prop_str(f, node, "compatible", "arm,armv8-pmuv3", err) ||
	    vmb_fdt_prop_cells(f, node, "interrupts", irq, 3, err))
		return -1;
	return 0;
}

static const struct vmb_prop_desc pmu_props[] = {
	{ "ppi", VMB_PROP_U64, "7", "PMU overflow interrupt, PPI number", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct vmb_device_type pmu_type = {
	.name = "armv8-pmu",
	.summary = "Arm PMUv3: device tree node only (arm,armv8-pmuv3), PPI 7 "
		   "per QEMU virt",
	.props = pmu_props,
	.create = pmu_create,
	.fdt_node = pmu_fdt,
};

VMB_DEVICE_TYPE(pmu_type)
