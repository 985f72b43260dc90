/* SPDX-License-Identifier: MIT */
/*
 * Arm generic timer: device tree node only (Linux Documentation/
 * devicetree/bindings/timer/arm,arch_timer.yaml), as QEMU virt's
 * fdt_add_timer_nodes(): "timer" with compatible "arm,armv8-timer",
 * "arm,armv7-timer", always-on, and one level-triggered PPI per timer in
 * the binding's order (secure physical, non-secure physical, virtual,
 * hypervisor physical[, hypervisor virtual]). The timers themselves are
 * part of each vCPU (the backend's business).
 */
#include <stdlib.h>

#include "board/board.h"
#include "config/node.h"
#include "devices/gic.h"
#include "fdt/fdt.h"

#define MAX_TIMERS 5

struct timer {
	unsigned n;
	uint32_t ppi[MAX_TIMERS];
};

static int archtimer_create(struct vmb_device *dev, struct vmb_err *err)
{
	static const uint32_t qemu_ppis[4] = { 13, 14, 11, 10 };
	const struct vmb_node *list = vmb_dev_prop_node(dev, "ppis");
	struct timer *t = vmb_zalloc(sizeof(*t));

	dev->priv = t;
	if (!list) {
		t->n = 4;
		for (unsigned i = 0; i < 4; i++)
			t->ppi[i] = qemu_ppis[i];
		return 0;
	}
	if (list->n < 4 || list->n > MAX_TIMERS)
		return vmb_errf(err, &list->loc, "armv8-timer '%s': ppis needs 4 or 5 "
				"PPI numbers (secure, non-secure, virtual, hypervisor"
				"[, hypervisor virtual]), got %zu", dev->name, list->n);
	for (size_t i = 0; i < list->n; i++) {
		uint64_t v;

		if (vmb_node_u64(list->items[i], &v, err))
			return -1;
		if (v > 15)
			return vmb_errf(err, &list->items[i]->loc, "armv8-timer '%s': "
					"PPI %llu out of range, expected 0..15 (INTID "
					"16..31)", dev->name, (unsigned long long)v);
		t->ppi[t->n++] = (uint32_t)v;
	}
	return 0;
}

static int archtimer_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	static const char *const compat[] = { "arm,armv8-timer", "arm,armv7-timer", NULL };
	const struct timer *t = dev->priv;
	uint32_t flags = vmb_gic_ppi_flags(dev->board), cells[3 * MAX_TIMERS];
	int node;

	for (unsigned i = 0; i < t->n; i++) {
		cells[3 * i] = 1; /* PPI */
		cells[3 * i + 1] = t->ppi[i];
		cells[3 * i + 2] = flags;
	}
	node = vmb_fdt_add_node(f, 0, "timer", VMB_FDT_NO_UNIT, err);
	if (node < 0 ||
	    vmb_fdt_prop_strs(f, node, "compatible", compat, err) ||
	    vmb_fdt_prop_empty(f, node, "always-on", err) ||
	    vmb_fdt_prop_cells(f, node, "interrupts", cells, 3 * t->n, err))
		return -1;
	return 0;
}

static void archtimer_destroy(struct vmb_device *dev)
{
	free(dev->priv);
	dev->priv = NULL;
}

static const struct vmb_prop_desc timer_props[] = {
	{ "ppis", VMB_PROP_LIST, "[13, 14, 11, 10]",
	  "PPI numbers: secure, non-secure, virtual, hypervisor[, hyp-virtual]", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct vmb_device_type timer_type = {
	.name = "armv8-timer",
	.summary = "Arm generic timer: device tree node only (arm,armv8-timer "
		   "binding), PPIs per QEMU virt",
	.props = timer_props,
	.create = archtimer_create,
	.fdt_node = archtimer_fdt,
	.destroy = archtimer_destroy,
};

VMB_DEVICE_TYPE(timer_type)
