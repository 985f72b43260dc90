/* SPDX-License-Identifier: MIT */
/*
 * PSCI 1.0 firmware interface (Arm DEN0022D) for backends that pass HVC/SMC
 * calls to the board (emu; KVM handles PSCI in the kernel), plus QEMU
 * virt's "psci" DT node (hw/arm/boot.c fdt_add_psci_node: PSCI 0.2+ with
 * the 0.1 function IDs migrate/cpu_on/cpu_off/cpu_suspend as QEMU gives
 * them, method from the "method" property).
 *
 * Calls (x0 = function ID, result in x0):
 *   PSCI_VERSION -> 0x10000 (1.0); PSCI_FEATURES(fid) -> 0 for the calls
 *   below except MIGRATE/MIGRATE_INFO_UP_CPU, else NOT_SUPPORTED;
 *   MIGRATE_INFO_TYPE -> 2 (no trusted OS to migrate);
 *   SYSTEM_OFF / SYSTEM_RESET -> machine stop (poweroff / reset);
 *   CPU_SUSPEND -> SUCCESS at once (a wake-up event is allowed to end the
 *   suspend immediately, §5.4);
 *   AFFINITY_INFO(target, level) -> ON for the calling CPU, OFF for the
 *   other CPUs of the machine (this handler starts none), INVALID_PARAMS
 *   for an unknown MPIDR or a level other than 0;
 *   CPU_ON(target) -> ALREADY_ON for the caller, INVALID_PARAMS for an
 *   unknown MPIDR, NOT_SUPPORTED for other CPUs (a backend that can run
 *   secondary vCPUs handles CPU_ON itself);
 *   CPU_OFF -> DENIED (the caller is the only CPU running here);
 *   anything else, including SMCCC_VERSION -> NOT_SUPPORTED (-1), as QEMU 7.2.
 * MPIDRs are the ones the DT gives the CPUs (vmb_fdt_cpu_mpidr).
 */
#include <stdlib.h>

#include "board/board.h"
#include "devices/psci.h"
#include "fdt/fdt.h"

struct psci {
	struct vmb_device *dev;
};

/* CPU index with this MPIDR affinity, or -1. */
static int cpu_of(const struct vmb_board *b, uint64_t mpidr)
{
	uint64_t aff = mpidr & 0xff00ffffffull;

	for (unsigned i = 0; i < b->ncpus; i++)
		if (vmb_fdt_cpu_mpidr(i) == aff)
			return (int)i;
	return -1;
}

static int64_t features(uint32_t fid)
{
	switch (fid) {
	case VMB_PSCI_VERSION:
	case VMB_PSCI_CPU_SUSPEND: case VMB_PSCI_CPU_SUSPEND64:
	case VMB_PSCI_CPU_OFF:
	case VMB_PSCI_CPU_ON: case VMB_PSCI_CPU_ON64:
	case VMB_PSCI_AFFINITY_INFO: case VMB_PSCI_AFFINITY_INFO64:
	case VMB_PSCI_MIGRATE_INFO_TYPE:
	case VMB_PSCI_SYSTEM_OFF: case VMB_PSCI_SYSTEM_RESET:
	case VMB_PSCI_FEATURES:
		return VMB_PSCI_RET_SUCCESS;
	default:
		return VMB_PSCI_RET_NOT_SUPPORTED;
	}
}

static int64_t call(struct psci *p, unsigned cpu, const uint64_t x[8])
{
	struct vmb_board *b = p->dev->board;
	uint32_t fid = (uint32_t)x[0];
	int target;

	switch (fid) {
	case VMB_PSCI_VERSION:
		return VMB_PSCI_VERSION_1_0;
	case VMB_PSCI_FEATURES:
		return features((uint32_t)x[1]);
	case VMB_PSCI_MIGRATE_INFO_TYPE:
		return 2;
	case VMB_PSCI_SYSTEM_OFF:
		vmb_board_request_stop(b, VMB_STOP_POWEROFF, "PSCI SYSTEM_OFF");
		return VMB_PSCI_RET_SUCCESS;
	case VMB_PSCI_SYSTEM_RESET:
		vmb_board_request_stop(b, VMB_STOP_RESET, "PSCI SYSTEM_RESET");
		return VMB_PSCI_RET_SUCCESS;
	case VMB_PSCI_CPU_SUSPEND: case VMB_PSCI_CPU_SUSPEND64:
		return VMB_PSCI_RET_SUCCESS;
	case VMB_PSCI_CPU_OFF:
		return VMB_PSCI_RET_DENIED;
	case VMB_PSCI_AFFINITY_INFO: case VMB_PSCI_AFFINITY_INFO64:
		target = cpu_of(b, fid == VMB_PSCI_AFFINITY_INFO ? (uint32_t)x[1] : x[1]);
		if (target < 0 || x[2] != 0)
			return VMB_PSCI_RET_INVALID_PARAMS;
		return (unsigned)target == cpu ? VMB_PSCI_AFFINITY_ON : VMB_PSCI_AFFINITY_OFF;
	case VMB_PSCI_CPU_ON: case VMB_PSCI_CPU_ON64:
		target = cpu_of(b, fid == VMB_PSCI_CPU_ON ? (uint32_t)x[1] : x[1]);
		if (target < 0)
			return VMB_PSCI_RET_INVALID_PARAMS;
		if ((unsigned)target == cpu)
			return VMB_PSCI_RET_ALREADY_ON;
		return VMB_PSCI_RET_NOT_SUPPORTED;
	default:
		return VMB_PSCI_RET_NOT_SUPPORTED;
	}
}

static int psci_hypercall(void *opaque, unsigned cpu, uint64_t x[8])
{
	x[0] = (uint64_t)call(opaque, cpu, x);
	return 0;
}

static int psci_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct psci *p = vmb_zalloc(sizeof(*p));

	dev->priv = p;
	p->dev = dev;
	return vmb_board_set_hypercall(dev->board, dev, psci_hypercall, p, err);
}

const char *vmb_psci_method(const struct vmb_board *b)
{
	const struct vmb_device *d = vmb_board_find_type(b, "psci");

	return d ? vmb_dev_prop_str(d, "method") : NULL;
}

static int psci_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	static const char *const compat[] = { "arm,psci-1.0", "arm,psci-0.2",
					      "arm,psci", NULL };
	int node = vmb_fdt_add_node(f, 0, "psci", VMB_FDT_NO_UNIT, err);

	if (node < 0 ||
	    vmb_fdt_prop_strs(f, node, "compatible", compat, err) ||
	    vmb_fdt_prop_str(f, node, "method", vmb_dev_prop_str(dev, "method"), err) ||
	    vmb_fdt_prop_u32(f, node, "cpu_suspend", VMB_PSCI_CPU_SUSPEND64, err) ||
	    vmb_fdt_prop_u32(f, node, "cpu_off", VMB_PSCI_CPU_OFF, err) ||
	    vmb_fdt_prop_u32(f, node, "cpu_on", VMB_PSCI_CPU_ON64, err) ||
	    vmb_fdt_prop_u32(f, node, "migrate", VMB_PSCI_MIGRATE64, err))
		return -1;
	return 0;
}

static void psci_destroy(struct vmb_device *dev)
{
	free(dev->priv);
	dev->priv = NULL;
}

static const char *const psci_methods[] = { "hvc", "smc", NULL };

static const struct vmb_prop_desc psci_props[] = {
	{ "method", VMB_PROP_ENUM, "hvc", "conduit the guest calls PSCI with",
	  psci_methods },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct vmb_device_type psci_type = {
	.name = "psci",
	.summary = "PSCI 1.0 firmware calls (Arm DEN0022): version, features, "
		   "system off/reset; DT node as QEMU virt",
	.props = psci_props,
	.create = psci_create,
	.fdt_node = psci_fdt,
	.destroy = psci_destroy,
};

VMB_DEVICE_TYPE(psci_type)
