/* SPDX-License-Identifier: MIT */
/*
 * Minimal runtime for the x86_64 test programs: port I/O, the COM1 16550
 * UART (polled), the zero page vmb passes in RSI, and the two ways a PC
 * guest stops on the microvm board (i8042 reset line, or HLT with
 * interrupts off).
 */
#ifndef KERNELS_X86_64_LIB_H
#define KERNELS_X86_64_LIB_H

#include <stdint.h>

#define COM1 0x3f8

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

void putc(char c);
void puts(const char *s);           /* adds CR LF */
void print(const char *s);          /* no newline */
void print_dec(uint64_t v);
void print_hex(uint64_t v);
/* The command line from the zero page ("" if none). */
const char *cmdline(const uint8_t *zp);
/* Value of "key=NUMBER" (decimal or 0x hex) in the command line, or def. */
uint64_t cmdline_num(const uint8_t *zp, const char *key, uint64_t def);
/* True if the word appears in the command line. */
int cmdline_has(const uint8_t *zp, const char *word);
/* Pulse the CPU reset line through the i8042 (0xfe to port 0x64). */
void i8042_reset(void) __attribute__((noreturn));
/* cli; hlt forever. */
void halt(void) __attribute__((noreturn));

#endif
