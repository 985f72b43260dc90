/* SPDX-License-Identifier: MIT */
/*
 * reboot: counts its boots in CMOS NVRAM byte 0x40 (battery-backed, so it
 * survives a machine reset) and resets through the i8042 until it has
 * booted "boots=N" times (default 3), then halts. Run it with the i8042's
 * reset-action set to reboot.
 */
#include "lib.h"

void main(const uint8_t *zp);

void main(const uint8_t *zp)
{
	uint8_t n;

	outb(0x70, 0x40);
	n = (uint8_t)(inb(0x71) + 1);
	outb(0x70, 0x40);
	outb(0x71, n);
	print("reboot: boot ");
	print_dec(n);
	puts("");
	if (n < cmdline_num(zp, "boots", 3))
		i8042_reset();
	puts("reboot: done");
	halt();
}
