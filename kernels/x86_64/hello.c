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
	print(r[2] & (1u << 13) ? "yes" : "no");
	print(" hypervisor ");
	puts(r[2] & (1u << 31) ? "yes" : "no");
	/* KVM leaves (Linux Documentation/virt/kvm/x86/cpuid.rst): signature
	 * and highest leaf, then the paravirtual feature bits. */
	if (r[2] & (1u << 31)) {
		char sig[13];

		cpuid(0x40000000, 0, r);
		__builtin_memcpy(sig, &r[1], 4);
		__builtin_memcpy(sig + 4, &r[2], 4);
		__builtin_memcpy(sig + 8, &r[3], 4);
		sig[12] = 0;
		print("cpuid: 0x40000000 ");
		print(sig);
		print(" max ");
		print_hex(r[0]);
		cpuid(0x40000001, 0, r);
		print(" features ");
		print_hex(r[0]);
		print(" kvmclock ");
		puts(r[0] & ((1u << 0) | (1u << 3)) ? "yes" : "no");
	}
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
