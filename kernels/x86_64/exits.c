/* SPDX-License-Identifier: MIT */
/*
 * exits: N port-I/O and M MMIO round trips to the VMM, then a report.
 * Command line: pio=N mmio=M (default 1000 each), mmio-addr=GPA (default
 * 0xd0000000, the first virtio-mmio slot of the microvm board).
 *
 * The port loop writes COM1's scratch register (0x3ff) and the MMIO loop
 * reads the virtio-mmio MagicValue; each loop is the same three
 * instructions as bench/x86_exit_floor.c's guest, so the two measure the
 * same guest work:  out %al,(%dx) | mov (%rbx),%eax ; dec %rcx ; jnz.
 * Afterwards the scratch register and the magic value are checked once.
 */
#include "lib.h"

void main(const uint8_t *zp);

void main(const uint8_t *zp)
{
	uint64_t npio = cmdline_num(zp, "pio", 1000);
	uint64_t nmmio = cmdline_num(zp, "mmio", 1000);
	uint64_t addr = cmdline_num(zp, "mmio-addr", 0xd0000000);
	uint64_t t0, t1, t2, n;
	uint32_t magic;
	uint8_t scr;

	puts("exits: start");
	t0 = rdtsc();
	if ((n = npio))
		__asm__ volatile("1: outb %%al, %%dx\n\tdec %%rcx\n\tjnz 1b"
				 : "+c"(n) : "a"(0x5a), "d"(COM1 + 7) : "memory");
	t1 = rdtsc();
	if ((n = nmmio))
		__asm__ volatile("1: movl (%%rbx), %%eax\n\tdec %%rcx\n\tjnz 1b"
				 : "+c"(n), "=&a"(magic) : "b"(addr) : "memory");
	t2 = rdtsc();
	scr = inb(COM1 + 7);
	magic = mmio_read32(addr);
	print("exits: pio ");
	print_dec(npio);
	print(" mmio ");
	print_dec(nmmio);
	puts("");
	print("exits: tsc/exit pio ");
	print_dec(npio ? (t1 - t0) / npio : 0);
	print(" mmio ");
	print_dec(nmmio ? (t2 - t1) / nmmio : 0);
	puts("");
	print("exits: scratch ");
	print_hex(scr);
	print(" magic ");
	print_hex(magic);
	puts(scr == 0x5a && magic == 0x74726976 ? " ok" : " BAD");
	i8042_reset();
}
