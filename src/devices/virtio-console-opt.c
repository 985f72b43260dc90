/* SPDX-License-Identifier: MIT */
/*
 * --console virtio
 * expands into the device entry {name: console0, type: virtio-console}
 * in the next free virtio-mmio slot: the guest's console becomes hvc0
 * (Linux: console=hvc0) and the board's UARTs leave vmb's console alone
 * (devices/virtio-console.h). The machine-file equivalent is that entry.
 * Without the option the console is the board's UART, as before.
 */
#include <string.h>

#include "config/devopt.h"

static int console_expand(const char *arg, unsigned n, struct vmb_devopt_entry *e,
			  struct vmb_err *err)
{
	if (strcmp(arg, "virtio"))
		return vmb_errf(err, NULL, "--console %s: unknown console, expected "
				"--console virtio (the board's UART is the console "
				"without the option)", arg);
	if (n)
		return vmb_errf(err, NULL, "--console %s: given twice (one console)", arg);
	vmb_devopt_put(e, "name", "console0");
	vmb_devopt_put(e, "type", "virtio-console");
	return 0;
}

static const struct vmb_devopt console_opt = {
	.name = "console",
	.has_arg = true,
	.metavar = "virtio",
	.help = "the console on a virtio-console (guest hvc0) instead of the\n"
		"UART (entry console0, type virtio-console, next free slot)\n",
	.expand = console_expand,
};

VMB_DEVOPT(console_opt)
