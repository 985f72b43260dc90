/* SPDX-License-Identifier: MIT */
/*
 * hello: prints over COM1 what the boot protocol gave it (command line,
 * e820 map), what the CPU and the CMOS clock say, then pulses the i8042
 * reset line, which stops vmb on the microvm board (reset-action: exit).
 */
#include "lib.h"

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void print2(uint8_t bcd)
{
	putc((char)('0' + (bcd >> 4)));
	putc((char)('0' + (bcd & 0xf)));
}

void main(const uint8_t *zp);

void main(const uint8_t *zp)
{
	uint32_t r[4];
	unsigned n = zp[0x1e8]; /* e820_entries */

	puts("Hello from x86_64 on vmb!");
	print("cmdline: ");
	puts(cmdline(zp));
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = zp + 0x2d0 + i * 20;
		uint64_t addr = *(const uint64_t *)e, size = *(const uint64_t *)(e + 8);

		print("e820: ");
		print_hex(addr);
		print("-");
		print_hex(addr + size - 1);
		print(" type ");
		print_dec(*(const uint32_t *)(e + 16));
		puts("");
	}
	cpuid(1, 0, r);
	print("cpuid: apic-id ");
	print_dec(r[1] >> 24);
	print(" cx16 ");
	puts(r[2] & (1u << 13) ? "yes" : "no");
	/* CMOS time in BCD (register B as vmb resets it: 24 h, BCD). */
	while (cmos(0x0a) & 0x80) /* update in progress */
		;
	print("rtc: 20");
	print2(cmos(0x09));
	putc('-');
	print2(cmos(0x08));
	putc('-');
	print2(cmos(0x07));
	putc(' ');
	print2(cmos(0x04));
	putc(':');
	print2(cmos(0x02));
	putc(':');
	print2(cmos(0x00));
	puts("");
	puts("bye");
	i8042_reset();
}
