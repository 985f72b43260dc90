/* SPDX-License-Identifier: MIT */
/* Runtime of the x86_64 test programs; see lib.h. */
#include "lib.h"

#define LSR_THRE 0x20

void putc(char c)
{
	while (!(inb(COM1 + 5) & LSR_THRE))
		;
	outb(COM1, (uint8_t)c);
}

void print(const char *s)
{
	while (*s)
		putc(*s++);
}

void puts(const char *s)
{
	print(s);
	print("\r\n");
}

void print_dec(uint64_t v)
{
	char buf[24];
	int i = 0;

	do
		buf[i++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (i)
		putc(buf[--i]);
}

void print_hex(uint64_t v)
{
	int started = 0;

	print("0x");
	for (int sh = 60; sh >= 0; sh -= 4) {
		unsigned d = (v >> sh) & 0xf;

		if (d || started || sh == 0) {
			putc((char)(d < 10 ? '0' + d : 'a' + d - 10));
			started = 1;
		}
	}
}

const char *cmdline(const uint8_t *zp)
{
	uint32_t p = *(const uint32_t *)(zp + 0x228); /* hdr.cmd_line_ptr */

	return p ? (const char *)(uintptr_t)p : "";
}

/* Start of "key=" as a whole word in s, or 0. */
static const char *find_word(const char *s, const char *key, int with_eq)
{
	for (const char *w = s; *w;) {
		const char *k = key, *p = w;

		while (*k && *p == *k) {
			p++;
			k++;
		}
		if (!*k && (with_eq ? *p == '=' : (*p == ' ' || !*p)))
			return with_eq ? p + 1 : p;
		while (*w && *w != ' ')
			w++;
		while (*w == ' ')
			w++;
	}
	return 0;
}

uint64_t cmdline_num(const uint8_t *zp, const char *key, uint64_t def)
{
	const char *p = find_word(cmdline(zp), key, 1);
	uint64_t v = 0;

	if (!p || *p < '0' || *p > '9')
		return def;
	if (p[0] == '0' && p[1] == 'x') {
		for (p += 2;; p++) {
			unsigned d;

			if (*p >= '0' && *p <= '9')
				d = (unsigned)(*p - '0');
			else if (*p >= 'a' && *p <= 'f')
				d = (unsigned)(*p - 'a' + 10);
			else
				return v;
			v = v * 16 + d;
		}
	}
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	return v;
}

int cmdline_has(const uint8_t *zp, const char *word)
{
	return find_word(cmdline(zp), word, 0) != 0;
}

void i8042_reset(void)
{
	while (inb(0x64) & 0x02) /* input buffer full */
		;
	outb(0x64, 0xfe);
	halt(); /* the reset takes effect at once; never reached */
}

void halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}
