/* SPDX-License-Identifier: MIT */
/*
 * 16550A register model (src/devices/uart16550.c), driven directly with an
 * in-memory console: reset values (PC16550D table 12), divisor latch,
 * scratch, THR-empty interrupt rules, RX FIFO and trigger levels, IIR
 * priorities, loopback (the test Linux's 8250 driver runs) and LSR.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "unit.h"

#include "board/console.h"
#include "devices/uart16550.h"

enum { RBR, IER, IIR, LCR, MCR, LSR, MSR, SCR };

struct fx {
	struct vmb_console *con;
	struct vmb_uart16550 u;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->con = vmb_console_memory();
	vmb_uart16550_init(&f->u, NULL, f->con);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vmb_console_destroy(f->con);
	free(f);
	return 0;
}

static uint8_t rd(struct fx *f, unsigned reg)
{
	return vmb_uart16550_read(&f->u, reg);
}

static void wr(struct fx *f, unsigned reg, uint8_t v)
{
	vmb_uart16550_write(&f->u, reg, v);
}

static void test_reset_values(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rd(f, IER), 0x00);
	assert_int_equal(rd(f, IIR), 0x01);   /* no interrupt, FIFOs off */
	assert_int_equal(rd(f, LCR), 0x00);
	assert_int_equal(rd(f, MCR), 0x00);
	assert_int_equal(rd(f, LSR), 0x60);   /* THRE | TEMT */
	assert_int_equal(rd(f, MSR) & 0xf0, 0xb0); /* CTS, DSR, DCD */
	assert_int_equal(rd(f, SCR), 0x00);
	assert_int_equal(vmb_irq_level(f->u.irq), 0);
}

static void test_divisor_latch_and_scratch(void **state)
{
	struct fx *f = *state;

	wr(f, LCR, 0x83); /* DLAB, 8N1 */
	wr(f, RBR, 0x01); /* DLL: 115200 baud */
	wr(f, IER, 0x00); /* DLM */
	assert_int_equal(rd(f, RBR), 0x01);
	assert_int_equal(rd(f, IER), 0x00);
	wr(f, RBR, 0x0c);
	wr(f, IER, 0x02);
	assert_int_equal(f->u.divisor, 0x020c);
	wr(f, LCR, 0x03);
	assert_int_equal(rd(f, LCR), 0x03);
	assert_int_equal(rd(f, IER), 0x00); /* IER again, not DLM */
	wr(f, SCR, 0xa5);
	assert_int_equal(rd(f, SCR), 0xa5);
	/* Nothing was transmitted by the divisor writes. */
	assert_string_equal(vmb_console_output(f->con, NULL), "");
}

static void test_transmit(void **state)
{
	struct fx *f = *state;

	wr(f, RBR, 'h');
	wr(f, RBR, 'i');
	assert_string_equal(vmb_console_output(f->con, NULL), "hi");
	assert_int_equal(rd(f, LSR) & 0x60, 0x60);
}

static void test_thre_interrupt(void **state)
{
	struct fx *f = *state;

	/* Enabling ETBEI with THR empty raises THRE at once. */
	wr(f, IER, 0x02);
	assert_int_equal(vmb_irq_level(f->u.irq), 1);
	assert_int_equal(rd(f, IIR), 0x02);
	/* Reading IIR while THRE is the source clears it. */
	assert_int_equal(rd(f, IIR), 0x01);
	assert_int_equal(vmb_irq_level(f->u.irq), 0);
	/* A THR write empties at once: THRE again. */
	wr(f, RBR, 'x');
	assert_int_equal(vmb_irq_level(f->u.irq), 1);
	assert_int_equal(rd(f, IIR), 0x02);
	/* Re-writing IER with ETBEI already set does not re-arm it. */
	wr(f, IER, 0x02);
	assert_int_equal(rd(f, IIR), 0x01);
	/* Disabling and enabling again does. */
	wr(f, IER, 0x00);
	wr(f, IER, 0x02);
	assert_int_equal(rd(f, IIR), 0x02);
	wr(f, IER, 0x00);
	assert_int_equal(vmb_irq_level(f->u.irq), 0);
}

static void test_receive_no_fifo(void **state)
{
	struct fx *f = *state;

	wr(f, IER, 0x01);
	assert_int_equal(rd(f, LSR) & 0x01, 0);
	vmb_console_inject(f->con, "ab", 2);
	/* FIFOs off: one byte in the holding register, the other waits. */
	assert_int_equal(f->u.count, 1);
	assert_int_equal(rd(f, LSR) & 0x01, 0x01);
	assert_int_equal(vmb_irq_level(f->u.irq), 1);
	assert_int_equal(rd(f, IIR), 0x04);
	assert_int_equal(rd(f, RBR), 'a');
	assert_int_equal(rd(f, RBR), 'b');
	assert_int_equal(rd(f, LSR) & 0x01, 0);
	assert_int_equal(rd(f, IIR), 0x01);
	assert_int_equal(vmb_irq_level(f->u.irq), 0);
	/* An empty RBR reads as 0. */
	assert_int_equal(rd(f, RBR), 0);
}

static void test_receive_fifo_trigger(void **state)
{
	struct fx *f = *state;
	char buf[20];

	for (int i = 0; i < 20; i++)
		buf[i] = (char)('A' + i);
	wr(f, IIR, 0xc1);         /* FCR: FIFO on, trigger 14 */
	wr(f, IER, 0x01);
	vmb_console_inject(f->con, buf, 3);
	/* Below the trigger: character timeout, FIFO bits set. */
	assert_int_equal(rd(f, IIR), 0xcc);
	vmb_console_inject(f->con, buf + 3, 17);
	assert_int_equal(f->u.count, 16);
	assert_int_equal(rd(f, IIR), 0xc4); /* at/above trigger: data */
	for (int i = 0; i < 20; i++)
		assert_int_equal(rd(f, RBR), 'A' + i);
	assert_int_equal(rd(f, IIR), 0xc1);
	/* FCR clear-RX drops what is queued. */
	vmb_console_inject(f->con, "xyz", 3);
	wr(f, IIR, 0xc3);
	assert_int_equal(f->u.count, 0);
	assert_int_equal(rd(f, LSR) & 0x01, 0);
}

static void test_priority(void **state)
{
	struct fx *f = *state;

	wr(f, IER, 0x03);             /* RDA and THRE */
	assert_int_equal(rd(f, IIR), 0x02);
	wr(f, RBR, '.');               /* THRE pending again */
	vmb_console_inject(f->con, "k", 1);
	assert_int_equal(rd(f, IIR), 0x04); /* data beats THRE */
	assert_int_equal(rd(f, RBR), 'k');
	assert_int_equal(rd(f, IIR), 0x02); /* then THRE */
	assert_int_equal(rd(f, IIR), 0x01);
}

static void test_loopback(void **state)
{
	struct fx *f = *state;

	/* What Linux's 8250 autoconfig checks: LOOP | RTS | OUT2 reads back
	 * as CTS | DCD in MSR's upper half. */
	wr(f, MCR, 0x1a);
	assert_int_equal(rd(f, MSR) & 0xf0, 0x90);
	wr(f, MCR, 0x1f);
	assert_int_equal(rd(f, MSR) & 0xf0, 0xf0);
	/* Transmitted bytes come back, nothing reaches the console. */
	wr(f, RBR, 'L');
	assert_int_equal(rd(f, LSR) & 0x01, 0x01);
	assert_int_equal(rd(f, RBR), 'L');
	assert_string_equal(vmb_console_output(f->con, NULL), "");
	/* Console input waits while in loopback. */
	vmb_console_inject(f->con, "c", 1);
	assert_int_equal(rd(f, LSR) & 0x01, 0);
	wr(f, MCR, 0x00);
	assert_int_equal(rd(f, RBR), 'c');
}

static void test_modem_status_interrupt(void **state)
{
	struct fx *f = *state;

	wr(f, MCR, 0x10);           /* loopback: all inputs low now */
	(void)rd(f, MSR);           /* clear the deltas */
	wr(f, IER, 0x08);
	assert_int_equal(rd(f, IIR), 0x01);
	wr(f, MCR, 0x12);           /* RTS -> CTS rises */
	assert_int_equal(rd(f, IIR), 0x00);
	assert_int_equal(rd(f, MSR) & 0x11, 0x11); /* CTS, DCTS */
	assert_int_equal(rd(f, IIR), 0x01);   /* reading MSR cleared it */
}

static void test_reset_keeps_input(void **state)
{
	struct fx *f = *state;

	wr(f, LCR, 0x03);
	wr(f, SCR, 0x11);
	wr(f, IER, 0x0f);
	vmb_console_inject(f->con, "r", 1);
	vmb_uart16550_reset(&f->u);
	assert_int_equal(rd(f, LCR), 0);
	assert_int_equal(rd(f, SCR), 0);
	assert_int_equal(rd(f, IER), 0);
	assert_int_equal(vmb_irq_level(f->u.irq), 0);
	assert_int_equal(rd(f, RBR), 'r');
}

/* Each test gets a fresh UART and console. */
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reset_values),
		T(test_divisor_latch_and_scratch),
		T(test_transmit),
		T(test_thre_interrupt),
		T(test_receive_no_fifo),
		T(test_receive_fifo_trigger),
		T(test_priority),
		T(test_loopback),
		T(test_modem_status_interrupt),
		T(test_reset_keeps_input),
	};

	return cmocka_run_group_tests_name("uart16550", tests, NULL, NULL);
}
