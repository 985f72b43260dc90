/* SPDX-License-Identifier: MIT */
/*
 * PrimeCell ID registers and device tree node shared by PL011, PL031, PL061
 * (see primecell.h).
 */
#include <string.h>

#include "devices/primecell.h"

bool vmb_primecell_id_read(const uint8_t id[8], uint64_t off, uint32_t *val)
{
	if (off < 0xfe0 || off > 0xffc || (off & 3))
		return false;
	*val = id[(off - 0xfe0) >> 2];
	return true;
}

int vmb_primecell_check_clock(struct vmb_device *dev, const char *clock,
			      struct vmb_err *err)
{
	const struct vmb_dev_spec *cs;

	if (!clock || !clock[0])
		return vmb_errf(err, vmb_dev_prop_loc(dev, "clock"), "%s device '%s': "
				"'clock' must name a fixed-clock device", dev->type->name,
				dev->name);
	cs = vmb_spec_find_dev(dev->board->spec, clock);
	if (!cs)
		return vmb_errf(err, vmb_dev_prop_loc(dev, "clock"), "%s device '%s': "
				"clock '%s' is not a device of this machine (add a "
				"fixed-clock device named '%s')", dev->type->name,
				dev->name, clock, clock);
	if (strcmp(cs->type, "fixed-clock"))
		return vmb_errf(err, vmb_dev_prop_loc(dev, "clock"), "%s device '%s': "
				"clock '%s' is a %s device, expected a fixed-clock",
				dev->type->name, dev->name, clock, cs->type);
	return 0;
}

int vmb_primecell_fdt(struct vmb_device *dev, struct vmb_fdt *f, const char *name,
		      const char *compat, const char *clock,
		      const char *const *clock_names, struct vmb_err *err)
{
	const char *compats[] = { compat, "arm,primecell", NULL };
	uint64_t reg[2] = { dev->base, VMB_PRIMECELL_SIZE };
	uint32_t ph = vmb_fdt_phandle(f, clock);
	uint32_t clocks[4];
	unsigned n = 0;
	int node;

	while (clock_names[n] && n < 4)
		clocks[n++] = ph;
	node = vmb_fdt_add_node(f, 0, name, dev->base, err);
	if (node < 0 ||
	    vmb_fdt_prop_strs(f, node, "compatible", compats, err) ||
	    vmb_fdt_prop_reg(f, node, reg, 1, err) ||
	    vmb_fdt_prop_dev_interrupts(f, node, dev, err) ||
	    vmb_fdt_prop_cells(f, node, "clocks", clocks, n, err) ||
	    vmb_fdt_prop_strs(f, node, "clock-names", clock_names, err))
		return -1;
	return node;
}
