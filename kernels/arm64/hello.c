/* SPDX-License-Identifier: MIT */
/*
 * Bare-metal arm64 "hello": proves a machine is data.
 *
 * It knows no addresses. Everything comes from the flattened device tree
 * the VMM passes in x0 (Devicetree Specification v0.4 §5, "Flattened
 * Devicetree (DTB) Format"):
 *   - the UART: the first node compatible with "arm,pl011" whose status is
 *     not "disabled"; its base from "reg", read with the parent's
 *     #address-cells / #size-cells (PL011 TRM: DR at 0x00, FR at 0x18 with
 *     TXFF = bit 5, LCR_H at 0x2c, CR at 0x30);
 *   - the model: the root "model" property;
 *   - RAM: the first reg entry of the node whose device_type is "memory";
 *   - the PSCI conduit: the "method" property ("hvc" or "smc") of the node
 *     compatible with "arm,psci*" (Linux bindings/arm/psci.yaml).
 * It prints two lines and calls PSCI SYSTEM_OFF (function ID 0x84000008,
 * Arm DEN 0022 §5.1.9). Anything missing or malformed ends in "udf" so the
 * VMM reports a guest fault rather than a silent success.
 *
 * Built freestanding without FP/SIMD (-mgeneral-regs-only: CPACR_EL1 traps
 * FP at reset) and without unaligned accesses (-mstrict-align: with the MMU
 * off all memory is Device memory, where unaligned accesses fault).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9
#define MAX_DEPTH      16

#define UART_DR    0x00
#define UART_FR    0x18
#define UART_LCR_H 0x2c
#define UART_CR    0x30
#define FR_TXFF    (1u << 5)

#define PSCI_SYSTEM_OFF 0x84000008u

struct info {
	const char *model;
	uint64_t uart;
	uint64_t ram_base, ram_size;
	bool smc;
	bool have_uart, have_ram;
};

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static bool starts_with(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

static size_t slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* Does the stringlist [p, p+len) contain s (or, with prefix, start with)? */
static bool strlist_has(const char *p, uint32_t len, const char *s, bool prefix)
{
	const char *end = p + len;

	while (p < end) {
		if (prefix ? starts_with(p, s) : streq(p, s))
			return true;
		p += slen(p) + 1;
	}
	return false;
}

/* Read a cells-wide big-endian number (1 or 2 cells). */
static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < cells; i++)
		v = v << 32 | be32(p + 4 * i);
	return v;
}

/*
 * Walk the structure block once. Properties of a node come before its
 * children (DT spec §5.4.2), so a node's own #address-cells are known by the
 * time its children's reg appear.
 */
static bool fdt_scan(const uint8_t *fdt, struct info *in)
{
	const uint8_t *st, *p, *end;
	const char *strs;
	uint32_t acells[MAX_DEPTH], scells[MAX_DEPTH];
	int depth = 0;
	/* Per current node: */
	bool is_uart = false, is_mem = false, is_psci = false, disabled = false;
	const uint8_t *reg = NULL;
	uint32_t reg_len = 0;

	if (be32(fdt) != FDT_MAGIC)
		return false;
	acells[0] = 2;
	scells[0] = 1;
	st = fdt + be32(fdt + 8);
	strs = (const char *)fdt + be32(fdt + 12);
	end = st + be32(fdt + 36);
	p = st;
	while (p + 4 <= end) {
		uint32_t tok = be32(p);

		p += 4;
		switch (tok) {
		case FDT_BEGIN_NODE:
			if (++depth >= MAX_DEPTH)
				return false;
			/* DT spec §2.3.5: defaults 2 and 1 when absent. */
			acells[depth] = 2;
			scells[depth] = 1;
			is_mem = starts_with((const char *)p, "memory");
			is_uart = is_psci = disabled = false;
			reg = NULL;
			p += (slen((const char *)p) + 4) & ~3u;
			break;
		case FDT_END_NODE: {
			uint32_t ac, sc;

			if (depth < 1)
				return false;
			ac = acells[depth - 1];
			sc = scells[depth - 1];
			if (reg && !disabled && reg_len >= 4 * (ac + sc) &&
			    ac <= 2 && sc <= 2) {
				if (is_uart && !in->have_uart) {
					in->uart = read_cells(reg, ac);
					in->have_uart = true;
				}
				if (is_mem && !in->have_ram) {
					in->ram_base = read_cells(reg, ac);
					in->ram_size = read_cells(reg + 4 * ac, sc);
					in->have_ram = true;
				}
			}
			/* The parent's flags are lost; nodes we care about
			 * have no children whose end would need them. */
			is_uart = is_mem = is_psci = disabled = false;
			reg = NULL;
			depth--;
			break;
		}
		case FDT_PROP: {
			uint32_t len = be32(p), nameoff = be32(p + 4);
			const char *name = strs + nameoff;
			const uint8_t *val = p + 8;

			p += (8 + len + 3) & ~3u;
			if (streq(name, "#address-cells") && len == 4)
				acells[depth] = be32(val);
			else if (streq(name, "#size-cells") && len == 4)
				scells[depth] = be32(val);
			else if (streq(name, "compatible")) {
				is_uart |= strlist_has((const char *)val, len,
						       "arm,pl011", false);
				is_psci |= strlist_has((const char *)val, len,
						       "arm,psci", true);
			} else if (streq(name, "device_type"))
				is_mem |= streq((const char *)val, "memory");
			else if (streq(name, "status"))
				disabled = streq((const char *)val, "disabled");
			else if (streq(name, "reg")) {
				reg = val;
				reg_len = len;
			} else if (streq(name, "model") && depth == 1)
				in->model = (const char *)val;
			else if (streq(name, "method") && is_psci)
				in->smc = streq((const char *)val, "smc");
			break;
		}
		case FDT_NOP:
			break;
		case FDT_END:
			return true;
		default:
			return false;
		}
	}
	return false;
}

static volatile uint32_t *uart_reg(uint64_t base, unsigned off)
{
	return (volatile uint32_t *)(uintptr_t)(base + off);
}

static void uart_init(uint64_t base)
{
	*uart_reg(base, UART_CR) = 0;
	*uart_reg(base, UART_LCR_H) = 0x70; /* 8 bits, FIFOs on */
	*uart_reg(base, UART_CR) = 0x301;   /* RXE | TXE | UARTEN */
}

static void putc_uart(uint64_t base, char c)
{
	while (*uart_reg(base, UART_FR) & FR_TXFF)
		;
	*uart_reg(base, UART_DR) = (uint8_t)c;
}

static void puts_uart(uint64_t base, const char *s)
{
	while (*s) {
		if (*s == '\n')
			putc_uart(base, '\r');
		putc_uart(base, *s++);
	}
}

static void puthex(uint64_t base, uint64_t v)
{
	char buf[19];
	int i = 18;

	buf[i] = '\0';
	do {
		buf[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v && i > 2);
	buf[--i] = 'x';
	buf[--i] = '0';
	puts_uart(base, buf + i);
}

static void psci_system_off(bool smc)
{
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;

	if (smc)
		__asm__ volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	else
		__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
}

void hello_main(const uint8_t *fdt, uint64_t load_addr);

void hello_main(const uint8_t *fdt, uint64_t load_addr)
{
	struct info in = { 0 };

	if (!fdt_scan(fdt, &in) || !in.have_uart)
		return;
	uart_init(in.uart);
	puts_uart(in.uart, "Hello from vmb on ");
	puts_uart(in.uart, in.model ? in.model : "(no model)");
	puts_uart(in.uart, "\nrunning at ");
	puthex(in.uart, load_addr);
	if (in.have_ram) {
		puts_uart(in.uart, ", RAM ");
		puthex(in.uart, in.ram_base);
		puts_uart(in.uart, "+");
		puthex(in.uart, in.ram_size);
	}
	puts_uart(in.uart, ", pl011 at ");
	puthex(in.uart, in.uart);
	puts_uart(in.uart, ", device tree at ");
	puthex(in.uart, (uint64_t)(uintptr_t)fdt);
	puts_uart(in.uart, "\n");
	psci_system_off(in.smc);
}
