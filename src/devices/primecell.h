/* SPDX-License-Identifier: MIT */
/*
 * Parts shared by the Arm PrimeCell peripherals (PL011, PL031, PL061).
 *
 * Every PrimeCell ends its 4 KiB register page with four Peripheral ID and
 * four PrimeCell ID registers (offsets 0xFE0-0xFFC, one byte each in bits
 * [7:0]; e.g. PL011 TRM r1p5 §3.3.14-3.3.15), and is described in the device
 * tree by the "arm,primecell" binding (Linux Documentation/devicetree/
 * bindings/arm/primecell.yaml): compatible "arm,plNNN", "arm,primecell",
 * clocks/clock-names naming the bus clock "apb_pclk".
 */
#ifndef VMB_DEVICES_PRIMECELL_H
#define VMB_DEVICES_PRIMECELL_H

#include <stdbool.h>
#include <stdint.h>

#include "board/board.h"
#include "fdt/fdt.h"

#define VMB_PRIMECELL_SIZE 0x1000 /* one 4 KiB register page */

/* The ID registers' entries of a register-name table (board.h). */
#define VMB_PRIMECELL_REG_NAMES                                              \
	{ 0xfe0, 0x10, 4, "PeriphID" }, { 0xff0, 0x10, 4, "PCellID" }

/*
 * ID register read: id[0..3] are PeriphID0-3, id[4..7] PCellID0-3 (the
 * PrimeCell ID is 0x0D 0xF0 0x05 0xB1 for every cell). Returns true and
 * sets *val when off is one of 0xFE0..0xFFC (word-aligned).
 */
bool vmb_primecell_id_read(const uint8_t id[8], uint64_t off, uint32_t *val);

/*
 * Validate the "clock" property of a PrimeCell device at create(): it must
 * name a fixed-clock device of the machine. Returns 0, or -1 with err set
 * at the property's location.
 */
int vmb_primecell_check_clock(struct vmb_device *dev, const char *clock,
			      struct vmb_err *err);

/*
 * Write the common node "<name>@<base>" with compatible {compat,
 * "arm,primecell"}, reg = <base 0x1000>, the device's interrupts, and
 * clocks = <&clock> repeated nclocks times with clock-names (in QEMU's
 * property order). Returns the node offset, or -1 with err set; the caller
 * may add more properties.
 */
int vmb_primecell_fdt(struct vmb_device *dev, struct vmb_fdt *f, const char *name,
		      const char *compat, const char *clock,
		      const char *const *clock_names, struct vmb_err *err);

#endif
