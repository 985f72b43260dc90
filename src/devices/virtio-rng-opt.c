/* SPDX-License-Identifier: MIT */
/*
 * --rng
 * expands into the device entry {name: rng0, type: virtio-rng} (rng1, ...
 * for further uses) in the next free virtio-mmio slot: the guest's
 * /dev/hwrng, as QEMU's -device virtio-rng-device.
 */
#include <stdio.h>

#include "config/devopt.h"

static int rng_expand(const char *arg, unsigned n, struct vmb_devopt_entry *e,
		      struct vmb_err *err)
{
	char name[32];

	(void)arg;
	(void)err;
	snprintf(name, sizeof(name), "rng%u", n);
	vmb_devopt_put(e, "name", name);
	vmb_devopt_put(e, "type", "virtio-rng");
	return 0;
}

static const struct vmb_devopt rng_opt = {
	.name = "rng",
	.has_arg = false,
	.help = "a virtio entropy device (guest /dev/hwrng; entry rng0, type\n"
		"virtio-rng, next free slot)\n",
	.expand = rng_expand,
};

VMB_DEVOPT(rng_opt)
