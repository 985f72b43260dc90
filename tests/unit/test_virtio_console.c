/* SPDX-License-Identifier: MIT */
/*
 * virtio-console (src/devices/virtio-console.c) driven through its
 * virtio-mmio transport by tests/unit/vdriver.h: identity, features and
 * configuration space, guest output to the console, console input into
 * receive buffers, emergency write, and hostile chains (device-writable
 * buffers on the transmit queue, device-readable ones on the receive
 * queue, buffers outside RAM, buffers larger than the input), and the
 * console taken over from a UART.
 */
#include "unit.h"

#include <stdlib.h>

#include "board/board.h"
#include "board/console.h"

#include "fixture.h"
#include "vdriver.h"

#define CON	0x0a100000
#define IRQ	20
#define RINGS	0x40100000ull
#define BUF	0x40200000ull
#define RAM_END	0x41000000ull
#define RXQ	0
#define TXQ	1

static const char con_yaml[] =
	"arch: arm64\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
	"devices:\n"
	"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000}\n"
	"  - {name: apb-pclk, type: fixed-clock, frequency: 24000000}\n"
	"  - {name: uart0, type: pl011, base: 0x09000000, irq: 1, console: false}\n"
	"  - {name: con0, type: virtio-console, base: 0x0a100000, irq: 20}\n";

struct ct {
	struct tb t;
	struct vdrv d;
};

static int setup(void **state)
{
	struct ct *c = calloc(1, sizeof(*c));

	tb_dir(&c->t);
	c->t.con = vmb_console_memory();
	tb_board_ok(&c->t, con_yaml, NULL, 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ct *c = *state;

	tb_free(&c->t);
	free(c);
	return 0;
}

static const char *output(struct ct *c)
{
	return vmb_console_output(c->t.con, NULL);
}

static void test_identity(void **state)
{
	struct ct *c = *state;
	uint32_t f;

	assert_int_equal(tb_rd(&c->t, CON + VD_DEVICE_ID, 4), 3);
	tb_wr(&c->t, CON + VD_DEV_FEAT_SEL, 4, 0);
	f = (uint32_t)tb_rd(&c->t, CON + VD_DEV_FEAT, 4);
	assert_int_equal(f & 7, 4); /* EMERG_WRITE; neither SIZE nor MULTIPORT */
	tb_wr(&c->t, CON + VD_DEV_FEAT_SEL, 4, 1);
	assert_true(tb_rd(&c->t, CON + VD_DEV_FEAT, 4) & 1); /* VERSION_1 */
	assert_int_equal(tb_rd(&c->t, CON + VD_CONFIG + 0, 2), 0);   /* cols */
	assert_int_equal(tb_rd(&c->t, CON + VD_CONFIG + 2, 2), 0);   /* rows */
	assert_int_equal(tb_rd(&c->t, CON + VD_CONFIG + 4, 4), 1);   /* max_nr_ports */
	assert_int_equal(tb_rd(&c->t, CON + VD_CONFIG + 8, 4), 0);   /* emerg_wr */
	tb_wr(&c->t, CON + VD_QUEUE_SEL, 4, 2);
	assert_int_equal(tb_rd(&c->t, CON + VD_QUEUE_NUM_MAX, 4), 0); /* 2 queues */
}

static void test_tx(void **state)
{
	struct ct *c = *state;
	struct vd_buf b[2] = { { BUF, 6, 0 }, { BUF + 0x100, 5, 0 } };
	uint32_t id, len;
	uint16_t head;

	vd_init(&c->d, &c->t, CON, RINGS, 2, 0);
	memcpy(vd_host(&c->d, BUF, 6), "hello ", 6);
	memcpy(vd_host(&c->d, BUF + 0x100, 5), "world", 5);
	head = vd_add(&c->d, TXQ, b, 2);
	c->t.edges[IRQ] = 0;
	vd_kick(&c->d, TXQ);
	assert_string_equal(output(c), "hello world");
	assert_int_equal(vd_used(&c->d, TXQ, &id, &len), 1);
	assert_int_equal(id, head);
	assert_int_equal(len, 0);
	assert_int_equal(c->t.level[IRQ], 1);
	assert_int_equal(tb_rd(&c->t, CON + VD_ISR, 4), 1);
	tb_wr(&c->t, CON + VD_ISR_ACK, 4, 1);
	assert_int_equal(c->t.level[IRQ], 0);
}

/* A transmit chain with a device-writable buffer after the data: the data
 * is printed, the writable buffer left alone, 0 bytes reported. */
static void test_tx_writable_ignored(void **state)
{
	struct ct *c = *state;
	struct vd_buf b[2] = { { BUF, 2, 0 }, { BUF + 0x100, 16, 1 } };
	uint32_t id, len;

	vd_init(&c->d, &c->t, CON, RINGS, 2, 0);
	memcpy(vd_host(&c->d, BUF, 2), "ab", 2);
	memset(vd_host(&c->d, BUF + 0x100, 16), 0x5a, 16);
	vd_add(&c->d, TXQ, b, 2);
	vd_kick(&c->d, TXQ);
	assert_string_equal(output(c), "ab");
	assert_int_equal(vd_used(&c->d, TXQ, &id, &len), 1);
	assert_int_equal(len, 0);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(vd_host(&c->d, BUF + 0x100, 16)[i], 0x5a);
}

static void test_rx(void **state)
{
	struct ct *c = *state;
	struct vd_buf small = { BUF, 2, 1 }, big = { BUF + 0x1000, 0x100000, 1 };
	uint32_t id, len;

	vd_init(&c->d, &c->t, CON, RINGS, 2, 0);
	/* Input before any receive buffer waits in the console. */
	vmb_console_inject(c->t.con, "xyz", 3);
	assert_int_equal(vd_used(&c->d, RXQ, &id, &len), 0);
	assert_int_equal(vmb_console_pending(c->t.con), 3);
	/* A posted buffer takes what fits... */
	vd_add(&c->d, RXQ, &small, 1);
	vd_kick(&c->d, RXQ);
	assert_int_equal(vd_used(&c->d, RXQ, &id, &len), 1);
	assert_int_equal(len, 2);
	assert_memory_equal(vd_host(&c->d, BUF, 2), "xy", 2);
	/* ...and a 1 MiB buffer only what is waiting, without blocking. */
	vd_add(&c->d, RXQ, &big, 1);
	vd_kick(&c->d, RXQ);
	assert_int_equal(vd_used(&c->d, RXQ, &id, &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(vd_host(&c->d, BUF + 0x1000, 1)[0], 'z');
	/* Input arriving while a buffer is posted goes straight in. */
	vd_add(&c->d, RXQ, &small, 1);
	vd_kick(&c->d, RXQ);
	assert_int_equal(vd_used(&c->d, RXQ, &id, &len), 0);
	vmb_console_inject(c->t.con, "q", 1);
	assert_int_equal(vd_used(&c->d, RXQ, &id, &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(vd_host(&c->d, BUF, 1)[0], 'q');
	assert_int_equal(c->t.level[IRQ], 1);
}

/* A receive chain of device-readable buffers only cannot take input: it
 * comes back empty and untouched, the input stays for the next one. */
static void test_rx_readonly_chain(void **state)
{
	struct ct *c = *state;
	struct vd_buf ro = { BUF, 8, 0 }, ok = { BUF + 0x100, 8, 1 };
	uint32_t id, len;

	vd_init(&c->d, &c->t, CON, RINGS, 2, 0);
	memset(vd_host(&c->d, BUF, 8), 0x11, 8);
	vd_add(&c->d, RXQ, &ro, 1);
	vmb_console_inject(c->t.con, "k", 1);
	assert_int_equal(vd_used(&c->d, RXQ, &id, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(vd_host(&c->d, BUF, 1)[0], 0x11);
	assert_false(vd_status(&c->d) & 64);
	vd_add(&c->d, RXQ, &ok, 1);
	vd_kick(&c->d, RXQ);
	assert_int_equal(vd_used(&c->d, RXQ, &id, &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(vd_host(&c->d, BUF + 0x100, 1)[0], 'k');
}

/* Buffers reaching past the end of RAM break the queue: DEVICE_NEEDS_RESET
 * (§2.1.2), nothing printed or written, and a reset brings it back. */
static void test_hostile_buffers(void **state)
{
	struct ct *c = *state;
	struct vd_buf tx = { RAM_END - 4, 16, 0 }, rx = { RAM_END - 2, 0x1000, 1 };
	struct vd_buf good = { BUF, 2, 0 };
	uint32_t id, len;

	vd_init(&c->d, &c->t, CON, RINGS, 2, 0);
	vd_add(&c->d, TXQ, &tx, 1);
	vd_kick(&c->d, TXQ);
	assert_string_equal(output(c), "");
	assert_true(vd_status(&c->d) & 64);
	assert_int_equal(vd_used(&c->d, TXQ, &id, &len), 0);

	vd_init(&c->d, &c->t, CON, RINGS, 2, 0);
	vd_add(&c->d, RXQ, &rx, 1);
	vmb_console_inject(c->t.con, "zz", 2);
	assert_true(vd_status(&c->d) & 64);
	assert_int_equal(vd_used(&c->d, RXQ, &id, &len), 0);

	vd_init(&c->d, &c->t, CON, RINGS, 2, 0);
	memcpy(vd_host(&c->d, BUF, 2), "ok", 2);
	vd_add(&c->d, TXQ, &good, 1);
	vd_kick(&c->d, TXQ);
	assert_string_equal(output(c), "ok");
}

static void test_emerg_write(void **state)
{
	struct ct *c = *state;

	/* Not negotiated: ignored. */
	vd_init(&c->d, &c->t, CON, RINGS, 2, 0);
	tb_wr(&c->t, CON + VD_CONFIG + 8, 4, 'X');
	assert_string_equal(output(c), "");
	vd_init(&c->d, &c->t, CON, RINGS, 2, 4);
	tb_wr(&c->t, CON + VD_CONFIG + 8, 4, 'E');
	tb_wr(&c->t, CON + VD_CONFIG + 4, 4, 'N'); /* max_nr_ports: read-only */
	assert_string_equal(output(c), "E");
}

/* A virtio-console takes the console from a UART with console: true
 * (the default), whatever their order: what --console virtio relies on. */
static void test_console_takeover(void **state)
{
	struct tb t;
	struct vdrv d;
	struct vd_buf b = { BUF, 3, 0 };

	(void)state;
	tb_dir(&t);
	t.con = vmb_console_memory();
	tb_board_ok(&t,
		"arch: arm64\n"
		"memory:\n"
		"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
		"devices:\n"
		"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000}\n"
		"  - {name: apb-pclk, type: fixed-clock, frequency: 24000000}\n"
		"  - {name: uart0, type: pl011, base: 0x09000000, irq: 1}\n"
		"  - {name: virtio, type: virtio-mmio, base: 0x0a000000, count: 2,\n"
		"     stride: 0x200, irq: 16, trigger: edge}\n"
		"  - {name: console0, type: virtio-console}\n", NULL, 0);
	tb_wr(&t, 0x09000000, 4, 'U');   /* PL011 DR: not on the console */
	vd_init(&d, &t, 0x0a000200, RINGS, 2, 0);
	memcpy(vd_host(&d, BUF, 3), "hvc", 3);
	vd_add(&d, TXQ, &b, 1);
	vd_kick(&d, TXQ);
	assert_string_equal(vmb_console_output(t.con, NULL), "hvc");
	tb_free(&t);
}

/* Two virtio-consoles both asking for the console: an error naming the fix. */
static void test_two_consoles(void **state)
{
	struct tb t;

	(void)state;
	tb_dir(&t);
	t.con = vmb_console_memory();
	tb_board_fails(&t,
		"arch: arm64\n"
		"memory:\n"
		"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
		"devices:\n"
		"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000}\n"
		"  - {name: con0, type: virtio-console, base: 0x0a100000, irq: 20}\n"
		"  - {name: con1, type: virtio-console, base: 0x0a200000, irq: 21}\n",
		"con1", "already connected", "console: false", NULL);
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_writable_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_readonly_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emerg_write, setup, teardown),
		cmocka_unit_test(test_console_takeover),
		cmocka_unit_test(test_two_consoles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
