/* SPDX-License-Identifier: MIT */
/*
 * ACPI power management registers of a hardware-reduced platform
 * (ACPI 6.4 §4.1, §4.8.3.6 reset register, §4.8.3.7 sleep control and
 * status registers): how a guest OS powers the machine off and resets it
 * on a board without the fixed PM1 hardware. The x86_64 ACPI tables
 * (arch/x86_64/acpi.c) point the FADT's SLEEP_CONTROL_REG,
 * SLEEP_STATUS_REG and RESET_REG at these ports and put \_S5 in the DSDT,
 * so Linux's acpi_power_off and ACPI reboot use them (the same role as
 * QEMU microvm's GED registers and cloud-hypervisor's shutdown device).
 *
 * Ports (one byte each, wider accesses use the low byte):
 *   base + 0  sleep control: a write with SLP_EN (bit 5) and SLP_TYP
 *             (bits 4:2) = 5, the S5 soft-off type the DSDT announces,
 *             powers the machine off: vmb exits with status 0. Other
 *             sleep types are not offered (no \_S1-\_S4) and are ignored.
 *             Reads 0.
 *   base + 1  sleep status: WAK_STS (bit 7) is never set, as the machine
 *             never wakes from a sleep state; reads 0, writes ignored.
 *   base + 2  reset register: writing the FADT's RESET_VALUE (1) resets
 *             the machine (vmb boots it again); other values are ignored.
 *             Reads 0.
 * No interrupt, no state kept.
 */
#include "board/board.h"
#include "devices/acpi-pm.h"

static uint64_t pm_read(void *opaque, uint64_t off, unsigned size)
{
	return 0;
}

static void pm_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct vmb_device *dev = opaque;
	uint8_t v = (uint8_t)val;

	switch (off) {
	case VMB_ACPI_PM_SLEEP_CTL:
		if ((v & VMB_ACPI_SLP_EN) &&
		    ((v & VMB_ACPI_SLP_TYP_MASK) >> VMB_ACPI_SLP_TYP_SHIFT) ==
			    VMB_ACPI_SLP_TYP_S5)
			vmb_board_request_stop(dev->board, VMB_STOP_POWEROFF,
					       "guest entered ACPI S5 (soft off) "
					       "through '%s'", dev->name);
		break;
	case VMB_ACPI_PM_RESET:
		if (v == VMB_ACPI_RESET_VALUE)
			vmb_board_request_stop(dev->board, VMB_STOP_RESET,
					       "guest reset through the ACPI "
					       "reset register of '%s'", dev->name);
		break;
	}
}

static const struct vmb_io_ops pm_ops = { .read = pm_read, .write = pm_write };

static int pm_create(struct vmb_device *dev, struct vmb_err *err)
{
	if (dev->size < VMB_ACPI_PM_SIZE)
		return vmb_errf(err, &dev->spec->loc, "device '%s': acpi-pm needs "
				"%u ports, size is %llu", dev->name, VMB_ACPI_PM_SIZE,
				(unsigned long long)dev->size);
	return vmb_board_map_pio(dev->board, dev, dev->name, dev->base,
				 VMB_ACPI_PM_SIZE, &pm_ops, dev, err) ? 0 : -1;
}

static const struct vmb_device_type acpi_pm_type = {
	.name = "acpi-pm",
	.summary = "ACPI hardware-reduced sleep control/status and reset "
		   "registers (I/O ports): S5 powers off, RESET_VALUE resets",
	.needs_base = true,
	.default_size = VMB_ACPI_PM_SIZE,
	.min_irqs = 0,
	.max_irqs = 0,
	.create = pm_create,
};

VMB_DEVICE_TYPE(acpi_pm_type)
