/* SPDX-License-Identifier: MIT */
/*
 * Named register dumps (board/regdump.h, the devices' dump hooks, gdb
 * "monitor device NAME"): each device is programmed through guest MMIO
 * writes on a board built from YAML, then its dump must name the registers
 * with the values written, and dumping twice must give the same text and
 * leave the device as it was (a dump never goes through the read path).
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

#include "board/board.h"
#include "board/console.h"
#include "board/regdump.h"
#include "debug/gdb-monitor.h"
#include "hv/hv.h"

#include "fixture.h"

static struct vmb_device *find_dev(struct tb *t, const char *name)
{
	for (unsigned i = 0; i < t->b->ndev; i++)
		if (!strcmp(t->b->dev[i]->name, name))
			return t->b->dev[i];
	fail_msg("no device %s", name);
	return NULL;
}

/* The dump of device name; a second dump must read the same. free() it. */
static char *dump(struct tb *t, const char *name)
{
	struct vmb_device *d = find_dev(t, name);
	char *text[2];
	size_t len;

	for (int i = 0; i < 2; i++) {
		FILE *f = open_memstream(&text[i], &len);

		assert_non_null(f);
		assert_true(vmb_dev_dump(d, f));
		fclose(f);
	}
	assert_string_equal(text[0], text[1]);
	free(text[1]);
	return text[0];
}

/* Fail unless one line of text holds every NULL-terminated substring. */
static void assert_line(const char *text, ...)
{
	const char *line = text;

	while (*line) {
		size_t n = strcspn(line, "\n");
		char *l = strndup(line, n);
		const char *sub;
		bool all = true;
		va_list ap;

		va_start(ap, text);
		while ((sub = va_arg(ap, const char *)))
			if (!strstr(l, sub))
				all = false;
		va_end(ap);
		free(l);
		if (all)
			return;
		line += n + (line[n] == '\n');
	}
	{
		va_list ap;
		const char *sub;

		va_start(ap, text);
		while ((sub = va_arg(ap, const char *)))
			print_error("wanted on one line: '%s'\n", sub);
		va_end(ap);
	}
	fail_msg("in:\n%s", text);
}

#define LINE(text, ...) assert_line((text), __VA_ARGS__, (const char *)NULL)

static void test_format(void **state)
{
	static const char *const mode[] = { "off", "on", NULL, NULL };
	static const struct vmb_regfield fields[] = {
		VMB_BIT(0, "EN"), VMB_BIT(3, "GO"),
		{ "MODE", 4, 2, VMB_FIELD_ALWAYS, mode },
		VMB_FIELD(8, 4, "LEN"), { NULL },
	};
	static const uint32_t map[2] = { 0x0000006e, 0x80000001 };
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	vmb_regdump(f, "CTRL", 16, 0x0319, fields);
	vmb_regdump(f, "ZERO", 8, 0, fields);
	vmb_regdump(f, "MORE", 32, 0x10000020, fields);
	vmb_regdump(f, "RAW", 32, 0xabc, NULL);
	vmb_regdump_bitmap(f, "SET", map, 64, 32);
	vmb_regdump_bitmap(f, "EMPTY", map, 1, 0);
	vmb_regdump_text(f, "TEXT", "%d bytes", 3);
	fclose(f);
	LINE(buf, "CTRL ", "0x0319  (EN GO MODE=on LEN=3)");
	LINE(buf, "ZERO ", "0x00  (MODE=off)");
	LINE(buf, "MORE ", "0x10000020  (MODE=2 +0x10000000)");
	LINE(buf, "RAW ", "0x00000abc");
	LINE(buf, "SET ", " 33-35 37 38 64 95");
	LINE(buf, "EMPTY ", " none");
	LINE(buf, "TEXT ", "3 bytes");
	free(buf);
}

static const char arm_yaml[] =
	"arch: arm64\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
	"devices:\n"
	"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000}\n"
	"  - {name: apb-pclk, type: fixed-clock, frequency: 24000000}\n"
	"  - {name: uart0, type: pl011, base: 0x09000000, irq: 1}\n"
	"  - {name: rtc, type: pl031, base: 0x09010000, irq: 2}\n"
	"  - {name: gpio, type: pl061, base: 0x09030000, irq: 7}\n";

#define UART 0x09000000

static void test_pl011(void **state)
{
	struct tb t;
	char *d;

	tb_dir(&t);
	t.con = vmb_console_memory();
	assert_int_equal(tb_board(&t, arm_yaml), 0);
	tb_wr(&t, UART + 0x24, 4, 13);			/* IBRD */
	tb_wr(&t, UART + 0x2c, 4, 0x70);		/* LCR_H: FEN, 8 bits */
	tb_wr(&t, UART + 0x30, 4, 0x301);		/* CR */
	tb_wr(&t, UART + 0x38, 4, 0x50);		/* IMSC: RX RT */
	vmb_console_inject(t.con, "ab", 2);
	d = dump(&t, "uart0");
	LINE(d, "UARTCR ", "0x0301", "(UARTEN TXE RXE)");
	LINE(d, "UARTIBRD ", "0x000d");
	LINE(d, "UARTLCR_H ", "0x70", "FEN WLEN=8");
	LINE(d, "UARTIMSC ", "0x0050", "(RX RT)");
	LINE(d, "UARTRIS ", "RT");
	LINE(d, "UARTMIS ", "RT");
	LINE(d, "UARTFR ", "TXFE");
	LINE(d, "UARTIFLS ", "RXIFLSEL=1/2");
	LINE(d, "RX FIFO", "2 of 16 bytes: 61 62");
	free(d);
	/* the dump took nothing from the FIFO */
	assert_int_equal(tb_rd(&t, UART + 0x00, 4), 'a');
	assert_int_equal(tb_rd(&t, UART + 0x00, 4), 'b');
	d = dump(&t, "uart0");
	LINE(d, "RX FIFO", "0 of 16 bytes");
	free(d);
	tb_free(&t);
}

/* "monitor device": the named dump after the header; the hex fallback
 * for a model without one says so. */
static void test_monitor_device(void **state)
{
	struct vmb_hv_ops ops = { .name = "test" };
	struct vmb_vm vm = { .ops = &ops };
	struct tb t;
	char *buf;
	size_t len;
	FILE *f;

	assert_int_equal(tb_make(&t, arm_yaml), 0);
	vm.board = t.b;
	tb_wr(&t, UART + 0x30, 4, 0x301);
	f = open_memstream(&buf, &len);
	vmb_gdb_monitor(&vm, true, "device uart0", f);
	vmb_gdb_monitor(&vm, true, "device nosuch", f);
	fclose(f);
	LINE(buf, "uart0: pl011 at 0x9000000, 0x1000 bytes");
	LINE(buf, "UARTCR ", "0x0301", "(UARTEN TXE RXE)");
	LINE(buf, "no device 'nosuch'");
	free(buf);
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_pl011),
		cmocka_unit_test(test_monitor_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
