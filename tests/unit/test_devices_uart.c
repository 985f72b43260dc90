/* SPDX-License-Identifier: MIT */
/*
 * PrimeCell devices: PL011 UART (console TX/RX, FR flags, FIFO, interrupt
 * masking), PL031 RTC (counter, load, match alarm) and PL061 GPIO (data
 * masking, power button input, edge interrupts, gpio-keys DT node).
 * Boards are built from small machine files written to a temp directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

#include <libfdt.h>

#include "board/board.h"
#include "board/console.h"
#include "config/spec.h"
#include "devices/pl061.h"
#include "fdt/fdt.h"

#include "util/loop.h"

#include "fixture.h"

/* A board from yaml, with an in-memory console if asked for. */
static int tb_uart(struct tb *t, const char *yaml, bool console)
{
	tb_dir(t);
	t->con = console ? vmb_console_memory() : NULL;
	return tb_board(t, yaml);
}

static const char uart_yaml[] =
	"arch: arm64\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
	"devices:\n"
	"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000}\n"
	"  - {name: apb-pclk, type: fixed-clock, frequency: 24000000}\n"
	"  - {name: uart0, type: pl011, base: 0x09000000, irq: 1}\n"
	"  - {name: uart1, type: pl011, base: 0x09040000, irq: 8}\n"
	"  - {name: rtc, type: pl031, base: 0x09010000, irq: 2}\n"
	"  - {name: gpio, type: pl061, base: 0x09030000, irq: 7, gpio-keys: true}\n";

#define UART 0x09000000
#define UART1 0x09040000
#define DR 0x00
#define FR 0x18
#define LCR_H 0x2c
#define IMSC 0x38
#define RIS 0x3c
#define MIS 0x40
#define ICR 0x44

static void test_pl011_tx(void **state)
{
	struct tb t;
	size_t len;

	assert_int_equal(tb_uart(&t, uart_yaml, true), 0);
	tb_wr(&t, UART + DR, 4, 'h');
	tb_wr(&t, UART + DR, 1, 'i');
	tb_wr(&t, UART1 + DR, 4, 'X'); /* second UART: no console, dropped */
	assert_string_equal(vmb_console_output(t.con, &len), "hi");
	assert_int_equal(len, 2);
	/* TXFE and RXFE set, TXFF and BUSY clear */
	assert_int_equal(tb_rd(&t, UART + FR, 4), 0x90);
	tb_free(&t);
}

static void test_pl011_rx_fifo(void **state)
{
	struct tb t;

	assert_int_equal(tb_uart(&t, uart_yaml, true), 0);
	vmb_console_inject(t.con, "abc", 3);
	/* FIFO disabled at reset: a 1-byte holding register, now full. */
	assert_int_equal(tb_rd(&t, UART + FR, 4) & 0x50, 0x40);
	assert_int_equal(tb_rd(&t, UART + DR, 4), 'a');
	assert_int_equal(tb_rd(&t, UART + DR, 4), 'b');
	/* enable the FIFO: the rest arrives without new input */
	tb_wr(&t, UART + LCR_H, 4, 0x70);
	assert_int_equal(tb_rd(&t, UART + FR, 4) & 0x50, 0);
	assert_int_equal(tb_rd(&t, UART + DR, 4), 'c');
	assert_int_equal(tb_rd(&t, UART + FR, 4) & 0x10, 0x10); /* RXFE */
	assert_int_equal(tb_rd(&t, UART + DR, 4), 0);
	/* 20 bytes with FIFO on: 16 in the FIFO (RXFF), 4 wait, none lost */
	vmb_console_inject(t.con, "0123456789abcdefghij", 20);
	assert_int_equal(tb_rd(&t, UART + FR, 4) & 0x40, 0x40);
	for (int i = 0; i < 20; i++)
		assert_int_equal(tb_rd(&t, UART + DR, 4), "0123456789abcdefghij"[i]);
	assert_int_equal(tb_rd(&t, UART + FR, 4), 0x90);
	tb_free(&t);
}

static void test_pl011_irq(void **state)
{
	struct tb t;

	assert_int_equal(tb_uart(&t, uart_yaml, true), 0);
	/* masked: RX raw status set, line low */
	vmb_console_inject(t.con, "x", 1);
	assert_int_equal(tb_rd(&t, UART + RIS, 4) & 0x50, 0x50); /* RX | RT */
	assert_int_equal(tb_rd(&t, UART + MIS, 4), 0);
	assert_int_equal(t.level[1], 0);
	/* unmask RX: line goes high; reading the byte drops it */
	tb_wr(&t, UART + IMSC, 4, 0x10);
	assert_int_equal(t.level[1], 1);
	assert_int_equal(tb_rd(&t, UART + MIS, 4), 0x10);
	assert_int_equal(tb_rd(&t, UART + DR, 4), 'x');
	assert_int_equal(t.level[1], 0);
	/* input while unmasked raises the line from the console notifier */
	vmb_console_inject(t.con, "y", 1);
	assert_int_equal(t.level[1], 1);
	tb_rd(&t, UART + DR, 4);
	assert_int_equal(t.level[1], 0);
	/* TX: raised by a transmitted byte, cleared by ICR */
	tb_wr(&t, UART + IMSC, 4, 0x20);
	assert_int_equal(t.level[1], 0);
	tb_wr(&t, UART + DR, 4, '!');
	assert_int_equal(t.level[1], 1);
	tb_wr(&t, UART + ICR, 4, 0x20);
	assert_int_equal(t.level[1], 0);
	assert_int_equal(tb_rd(&t, UART + RIS, 4) & 0x20, 0);
	/* the other UART's line (SPI 8) never moved */
	assert_int_equal(t.edges[8], 0);
	tb_free(&t);
}

static void test_pl011_ids_and_bad_offsets(void **state)
{
	struct tb t;
	static const uint8_t id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

	assert_int_equal(tb_uart(&t, uart_yaml, true), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(tb_rd(&t, UART + 0xfe0 + 4 * i, 4), id[i]);
	assert_int_equal(tb_rd(&t, UART + 0x30, 4), 0x300); /* CR reset */
	assert_int_equal(tb_rd(&t, UART + 0x34, 4), 0x12);  /* IFLS reset */
	assert_int_equal(tb_rd(&t, UART + 0x801, 1), 0);
	tb_wr(&t, UART + 0x802, 2, 0xffff);               /* ignored */
	assert_int_equal(tb_rd(&t, UART + 0x4c, 8), 0);
	tb_free(&t);
}

static void test_pl011_dt_stdout(void **state)
{
	struct tb t;
	struct vmb_err err;
	const char *p;
	void *blob;
	int node;

	/* No console object (as for "vmb dtb"): the first UART is still it. */
	assert_int_equal(tb_uart(&t, uart_yaml, false), 0);
	blob = vmb_fdt_build(t.b, 0, 0, &err);
	assert_non_null(blob);
	node = fdt_path_offset(blob, "/chosen");
	assert_true(node >= 0);
	p = fdt_getprop(blob, node, "stdout-path", NULL);
	assert_non_null(p);
	assert_string_equal(p, "/pl011@9000000");
	node = fdt_path_offset(blob, "/pl011@9040000");
	assert_true(node >= 0);
	p = fdt_getprop(blob, node, "clock-names", NULL);
	assert_string_equal(p, "uartclk");
	assert_string_equal(p + 8, "apb_pclk");
	node = fdt_path_offset(blob, "/gpio-keys/poweroff");
	assert_true(node >= 0);
	assert_int_equal(fdt32_to_cpu(*(const fdt32_t *)fdt_getprop(blob, node,
				      "linux,code", NULL)), 116);
	free(blob);
	tb_free(&t);
}

static void test_pl011_bad_clock(void **state)
{
	tb_fails(
		"arch: arm64\n"
		"devices:\n"
		"  - {name: uart0, type: pl011, base: 0x09000000, irq: 1, clock: nope}\n",
		"m.yaml:3:", "fixed-clock", NULL);
}

#define RTC 0x09010000

static void test_pl031(void **state)
{
	struct tb t;
	uint64_t now, dr;

	assert_int_equal(tb_uart(&t, uart_yaml, false), 0);
	now = (uint64_t)time(NULL);
	dr = tb_rd(&t, RTC + 0x000, 4);
	assert_true(dr >= (uint32_t)now && dr <= (uint32_t)now + 1);
	assert_int_equal(tb_rd(&t, RTC + 0x00c, 4), 1);    /* CR: running */
	assert_int_equal(tb_rd(&t, RTC + 0xfe0, 4), 0x31); /* PeriphID0 */
	/* load */
	tb_wr(&t, RTC + 0x008, 4, 1000);
	dr = tb_rd(&t, RTC + 0x000, 4);
	assert_true(dr == 1000 || dr == 1001);
	assert_int_equal(tb_rd(&t, RTC + 0x008, 4), 1000);
	/* match now: RIS at once; line follows IMSC; ICR clears */
	tb_wr(&t, RTC + 0x004, 4, tb_rd(&t, RTC + 0x000, 4));
	assert_int_equal(tb_rd(&t, RTC + 0x014, 4), 1);
	assert_int_equal(t.level[2], 0);
	tb_wr(&t, RTC + 0x010, 4, 1);
	assert_int_equal(t.level[2], 1);
	assert_int_equal(tb_rd(&t, RTC + 0x018, 4), 1);
	tb_wr(&t, RTC + 0x01c, 4, 1);
	assert_int_equal(t.level[2], 0);
	assert_int_equal(tb_rd(&t, RTC + 0x014, 4), 0);
	tb_free(&t);
}

static void test_pl031_alarm_thread(void **state)
{
	struct tb t;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int waited = 0;

	assert_int_equal(tb_uart(&t, uart_yaml, false), 0);
	tb_wr(&t, RTC + 0x010, 4, 1);
	tb_wr(&t, RTC + 0x004, 4, tb_rd(&t, RTC + 0x000, 4) + 1);
	assert_int_equal(tb_rd(&t, RTC + 0x014, 4), 0);
	/* The alarm is a timer on the board's event loop. */
	assert_int_equal(vmb_loop_start(t.b->loop, &t.err), 0);
	while (waited < 150) { /* at most 3 s */
		if (__atomic_load_n(&t.level[2], __ATOMIC_ACQUIRE))
			break;
		nanosleep(&ts, NULL);
		waited++;
	}
	assert_true(waited < 150);
	assert_int_equal(tb_rd(&t, RTC + 0x014, 4), 1);
	tb_free(&t);
}

#define GPIO 0x09030000

static void test_pl061(void **state)
{
	struct tb t;
	struct vmb_device *gpio;

	assert_int_equal(tb_uart(&t, uart_yaml, false), 0);
	gpio = vmb_board_find_dev(t.b, "gpio");
	assert_non_null(gpio);
	/* pins 0,1 outputs; data writes are masked by address bits 9:2 */
	tb_wr(&t, GPIO + 0x400, 4, 0x03);
	tb_wr(&t, GPIO + (0x01 << 2), 4, 0xff);   /* only pin 0 */
	assert_int_equal(tb_rd(&t, GPIO + (0xff << 2), 4), 0x01);
	tb_wr(&t, GPIO + (0xff << 2), 4, 0x02);
	assert_int_equal(tb_rd(&t, GPIO + (0xff << 2), 4), 0x02);
	assert_int_equal(tb_rd(&t, GPIO + (0x01 << 2), 4), 0x00); /* masked read */
	/* pin 0 fell above (falling edge, IEV 0): latched though masked */
	assert_int_equal(tb_rd(&t, GPIO + 0x414, 4), 0x01);
	tb_wr(&t, GPIO + 0x41c, 4, 0xff); /* IC */
	/* power button: pin 3, rising-edge interrupt */
	tb_wr(&t, GPIO + 0x40c, 4, 0x08); /* IEV rising */
	tb_wr(&t, GPIO + 0x410, 4, 0x08); /* IE */
	assert_int_equal(t.level[7], 0);
	vmb_pl061_power_button(gpio, true);
	assert_int_equal(tb_rd(&t, GPIO + (0x08 << 2), 4), 0x08);
	assert_int_equal(tb_rd(&t, GPIO + 0x414, 4), 0x08);
	assert_int_equal(t.level[7], 1);
	tb_wr(&t, GPIO + 0x41c, 4, 0x08); /* IC */
	assert_int_equal(t.level[7], 0);
	vmb_pl061_power_button(gpio, false); /* falling edge: not selected */
	assert_int_equal(t.level[7], 0);
	assert_int_equal(tb_rd(&t, GPIO + 0xfe0, 4), 0x61);
	assert_int_equal(tb_rd(&t, GPIO + 0x3fd, 1), 0);
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pl011_tx),
		cmocka_unit_test(test_pl011_rx_fifo),
		cmocka_unit_test(test_pl011_irq),
		cmocka_unit_test(test_pl011_ids_and_bad_offsets),
		cmocka_unit_test(test_pl011_dt_stdout),
		cmocka_unit_test(test_pl011_bad_clock),
		cmocka_unit_test(test_pl031),
		cmocka_unit_test(test_pl031_alarm_thread),
		cmocka_unit_test(test_pl061),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
