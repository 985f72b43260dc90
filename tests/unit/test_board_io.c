/* SPDX-License-Identifier: MIT */
/*
 * The board's I/O objects: interrupt lines (cached level, pulses, irqfd
 * delivery with resampling), queue notifiers (datamatch through the board's
 * dispatch as under emu, kernel registration hooks), the per-device lock
 * held around dispatch and notifier callbacks, and device save/load
 * (pl011, pl031 round trips; malformed states refused).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "unit.h"

#include "board/board.h"
#include "board/console.h"
#include "board/irq.h"
#include "util/loop.h"
#include "util/statebuf.h"

#include "fixture.h"

static const char io_yaml[] =
	"arch: arm64\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
	"devices:\n"
	"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000}\n"
	"  - {name: apb-pclk, type: fixed-clock, frequency: 24000000}\n"
	"  - {name: uart0, type: pl011, base: 0x09000000, irq: 1}\n"
	"  - {name: rtc, type: pl031, base: 0x09010000, irq: 2}\n"
	"  - {name: uart1, type: pl011, base: 0x09040000, irq: 16, trigger: edge,\n"
	"     console: false}\n";

#define UART 0x09000000
#define UART1 0x09040000
#define RTC 0x09010000
#define DR 0x00
#define FR 0x18
#define IBRD 0x24
#define LCR_H 0x2c
#define CR 0x30
#define IFLS 0x34
#define IMSC 0x38
#define RIS 0x3c
#define ICR_OFF 0x44

static void board(struct tb *t, bool console)
{
	tb_dir(t);
	t->con = console ? vmb_console_memory() : NULL;
	tb_board_ok(t, io_yaml, NULL, 0);
}

static uint64_t efd_count(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) < 0)
		assert_int_equal(errno, EAGAIN);
	return v;
}

static void test_line_caches_level(void **state)
{
	struct tb t;
	struct vmb_device *u;
	struct vmb_irq_line *l;

	(void)state;
	board(&t, false);
	u = vmb_board_find_dev(t.b, "uart0");
	l = vmb_dev_irq(u, 0);
	assert_non_null(l);
	assert_null(vmb_dev_irq(u, 1));
	assert_int_equal(l->irq, 1);
	assert_false(l->edge);
	assert_true(vmb_dev_irq(vmb_board_find_dev(t.b, "uart1"), 0)->edge);
	t.edges[1] = 0;
	vmb_irq_set(l, 1);
	vmb_irq_set(l, 1);
	vmb_irq_set(l, 5); /* any non-zero is "high" */
	assert_int_equal(t.edges[1], 1);
	assert_int_equal(t.level[1], 1);
	assert_int_equal(vmb_irq_level(l), 1);
	vmb_irq_lower(l);
	vmb_irq_lower(l);
	assert_int_equal(t.edges[1], 2);
	assert_int_equal(t.level[1], 0);
	/* A pulse is a rising and a falling edge; the cache stays low. */
	vmb_irq_pulse(vmb_dev_irq(vmb_board_find_dev(t.b, "uart1"), 0));
	assert_int_equal(t.edges[16], 2);
	assert_int_equal(t.level[16], 0);
	/* The device drives the same object: TX interrupt on, then masked. */
	t.edges[1] = 0;
	tb_wr(&t, UART + DR, 4, 'x');
	tb_wr(&t, UART + IMSC, 4, 0x20);
	assert_int_equal(vmb_irq_level(l), 1);
	tb_wr(&t, UART + IMSC, 4, 0x20); /* no change: nothing delivered */
	assert_int_equal(t.edges[1], 1);
	/* Reset lowers every line before the devices' reset runs. */
	assert_int_equal(vmb_board_reset(t.b, &t.err), 0);
	assert_int_equal(vmb_irq_level(l), 0);
	assert_int_equal(t.level[1], 0);
	tb_free(&t);
}

/* A stand-in for KVM's irqfd/ioeventfd registration: counts the calls. */
static struct fake_kernel {
	int attached, detached, ioev_added, ioev_deleted;
	int refuse;
} fk;

static int fake_irq_attach(void *opaque, struct vmb_irq_line *l)
{
	if (fk.refuse)
		return -1;
	fk.attached++;
	return 0;
}

static void fake_irq_detach(void *opaque, struct vmb_irq_line *l)
{
	fk.detached++;
}

static struct fake_kernel *fake_kernel(struct tb *t, int refuse)
{
	memset(&fk, 0, sizeof(fk));
	fk.refuse = refuse;
	t->b->hv.irq_attach = fake_irq_attach;
	t->b->hv.irq_detach = fake_irq_detach;
	return &fk;
}

static void test_line_irqfd_resample(void **state)
{
	struct tb t;
	struct vmb_irq_line *l, *e;
	struct fake_kernel *k;

	(void)state;
	board(&t, false);
	k = fake_kernel(&t, 0);
	l = vmb_dev_irq(vmb_board_find_dev(t.b, "uart0"), 0);
	e = vmb_dev_irq(vmb_board_find_dev(t.b, "uart1"), 0);
	vmb_irq_set(l, 1); /* raised before the backend attached */
	vmb_irq_use_fd(l);
	vmb_irq_use_fd(e);
	vmb_board_attach_hv(t.b);
	assert_int_equal(k->attached, 2);
	assert_true(l->fd >= 0 && l->resample_fd >= 0);
	assert_true(e->fd >= 0);
	assert_int_equal(e->resample_fd, -1); /* edge: plain irqfd */
	assert_int_equal(efd_count(l->fd), 1); /* level carried over */
	t.edges[1] = 0;
	/* Guest EOI while still high: the loop raises it again. */
	assert_int_equal(write(l->resample_fd, &(uint64_t){ 1 }, 8), 8);
	assert_int_equal(vmb_loop_run_once(t.b->loop, 1000), 1);
	assert_int_equal(efd_count(l->fd), 1);
	/* Lowered: nothing to write (the kernel lowered it at EOI)... */
	vmb_irq_lower(l);
	assert_int_equal(efd_count(l->fd), 0);
	/* ...and an EOI then does not raise it again. */
	assert_int_equal(write(l->resample_fd, &(uint64_t){ 1 }, 8), 8);
	assert_int_equal(vmb_loop_run_once(t.b->loop, 1000), 1);
	assert_int_equal(efd_count(l->fd), 0);
	assert_int_equal(t.edges[1], 0); /* never through set_irq */
	vmb_irq_pulse(e);
	vmb_irq_pulse(e);
	assert_int_equal(efd_count(e->fd), 2);
	assert_int_equal(t.edges[16], 0);
	vmb_board_detach_hv(t.b);
	assert_int_equal(k->detached, 2);
	assert_int_equal(l->fd, -1);
	vmb_irq_raise(l); /* back on set_irq */
	assert_int_equal(t.level[1], 1);
	tb_free(&t);
}

static void test_line_irqfd_refused(void **state)
{
	struct tb t;
	struct vmb_irq_line *l;

	(void)state;
	board(&t, false);
	fake_kernel(&t, 1);
	l = vmb_dev_irq(vmb_board_find_dev(t.b, "uart0"), 0);
	vmb_irq_use_fd(l);
	vmb_board_attach_hv(t.b);
	assert_int_equal(l->fd, -1);
	assert_int_equal(l->resample_fd, -1);
	vmb_irq_raise(l);
	assert_int_equal(t.level[1], 1);
	tb_free(&t);
}

/* Notifier callback: records that it ran with the device lock held. */
struct notified {
	struct vmb_device *dev;
	int calls;
	int lock_held;
};

static void on_notify(void *opaque)
{
	struct notified *n = opaque;

	n->calls++;
	if (pthread_mutex_trylock(&n->dev->lock) == EBUSY)
		n->lock_held++;
	else
		pthread_mutex_unlock(&n->dev->lock);
}

static int fake_ioevent_add(void *opaque, struct vmb_ioevent *ev)
{
	fk.ioev_added++;
	return 0;
}

static void fake_ioevent_del(void *opaque, struct vmb_ioevent *ev)
{
	fk.ioev_deleted++;
}

static void test_ioevent_dispatch(void **state)
{
	struct tb t;
	struct vmb_device *u;
	struct vmb_ioevent *ev, *any;
	struct notified n = { 0 };
	struct fake_kernel *k;

	(void)state;
	board(&t, false);
	u = vmb_board_find_dev(t.b, "uart1");
	n.dev = u;
	/* Outside the device's regions, or a bad width: refused. */
	assert_null(vmb_ioevent_create(u, false, UART + IMSC, 4, true, 5, on_notify,
				       &n, &t.err));
	assert_contains(t.err.msg, "not in one of its regions");
	assert_null(vmb_ioevent_create(u, false, UART1 + IMSC, 3, true, 5, on_notify,
				       &n, &t.err));
	assert_contains(t.err.msg, "width 3");
	ev = vmb_ioevent_create(u, false, UART1 + IMSC, 4, true, 5, on_notify, &n,
				&t.err);
	assert_non_null(ev);
	assert_false(ev->in_kernel);
	/* No kernel: the board's dispatch signals it, the device sees nothing. */
	tb_wr(&t, UART1 + IMSC, 4, 5);
	tb_wr(&t, UART1 + IMSC, 4, 5);
	assert_int_equal(tb_rd(&t, UART1 + IMSC, 4), 0);
	assert_int_equal(vmb_loop_run_once(t.b->loop, 1000), 1);
	assert_int_equal(n.calls, 1); /* two signals folded into one call */
	assert_int_equal(n.lock_held, 1);
	/* Another value, or another width, is an ordinary register write. */
	tb_wr(&t, UART1 + IMSC, 4, 6);
	assert_int_equal(tb_rd(&t, UART1 + IMSC, 4), 6);
	tb_wr(&t, UART1 + IMSC, 2, 5);
	assert_int_equal(tb_rd(&t, UART1 + IMSC, 4), 5);
	assert_int_equal(vmb_loop_run_once(t.b->loop, 0), 0);
	assert_int_equal(n.calls, 1);
	/* Without datamatch every write of that width notifies. */
	any = vmb_ioevent_create(u, false, UART1 + ICR_OFF, 4, false, 0, on_notify,
				 &n, &t.err);
	assert_non_null(any);
	tb_wr(&t, UART1 + ICR_OFF, 4, 0x1234);
	assert_int_equal(vmb_loop_run_once(t.b->loop, 1000), 1);
	assert_int_equal(n.calls, 2);
	/* A backend with ioeventfds takes both when it attaches, and gives
	 * them back when they go. */
	k = fake_kernel(&t, 0);
	t.b->hv.ioevent_add = fake_ioevent_add;
	t.b->hv.ioevent_del = fake_ioevent_del;
	vmb_board_attach_hv(t.b);
	assert_int_equal(k->ioev_added, 2);
	assert_true(ev->in_kernel && any->in_kernel);
	vmb_ioevent_destroy(any);
	assert_int_equal(k->ioev_deleted, 1);
	vmb_board_detach_hv(t.b);
	assert_int_equal(k->ioev_deleted, 2);
	assert_false(ev->in_kernel);
	vmb_ioevent_destroy(ev);
	/* Gone: writes reach the device again. */
	tb_wr(&t, UART1 + IMSC, 4, 5);
	assert_int_equal(tb_rd(&t, UART1 + IMSC, 4), 5);
	tb_free(&t);
}

/* Dispatch holds the device's lock around its callbacks. */
static void test_dispatch_takes_device_lock(void **state)
{
	struct tb t;
	struct vmb_device *u;

	(void)state;
	board(&t, false);
	u = vmb_board_find_dev(t.b, "uart0");
	pthread_mutex_lock(&u->lock);
	/* Another device is not blocked by this one's lock... */
	assert_int_equal(tb_rd(&t, RTC + 0x00c, 4), 1);
	pthread_mutex_unlock(&u->lock);
	/* ...and the board lock is not taken by dispatch at all. */
	pthread_mutex_lock(&t.b->lock);
	assert_int_equal(tb_rd(&t, UART + CR, 4), 0x300);
	pthread_mutex_unlock(&t.b->lock);
	tb_free(&t);
}

static void save(struct tb *t, const char *name, struct vmb_state_writer *w)
{
	assert_int_equal(vmb_dev_save(vmb_board_find_dev(t->b, name), w, &t->err), 0);
}

static int load(struct tb *t, const char *name, const void *buf, size_t len)
{
	struct vmb_state_reader r = vmb_state_reader(buf, len);

	return vmb_dev_load(vmb_board_find_dev(t->b, name), &r, &t->err);
}

static void test_pl011_save_load(void **state)
{
	static const unsigned regs[] = { IBRD, LCR_H, CR, IFLS, IMSC, RIS };
	struct tb a, b;
	struct vmb_state_writer w = { 0 };
	uint64_t before[6];

	(void)state;
	board(&a, true);
	tb_wr(&a, UART + LCR_H, 4, 0x70); /* FIFO on, 8 bits */
	tb_wr(&a, UART + IBRD, 4, 13);
	tb_wr(&a, UART + IMSC, 4, 0x50);
	vmb_console_inject(a.con, "snap", 4);
	for (unsigned i = 0; i < 6; i++)
		before[i] = tb_rd(&a, UART + regs[i], 4);
	assert_int_equal(tb_rd(&a, UART + DR, 4), 's'); /* FIFO: "nap" left */
	save(&a, "uart0", &w);

	board(&b, true);
	assert_int_equal(load(&b, "uart0", w.buf, w.len), 0);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(tb_rd(&b, UART + regs[i], 4),
				 regs[i] == RIS ? tb_rd(&a, UART + RIS, 4) : before[i]);
	assert_int_equal(b.level[1], 1); /* RT | RX masked in: line restored */
	assert_int_equal(tb_rd(&b, UART + DR, 4), 'n');
	assert_int_equal(tb_rd(&b, UART + DR, 4), 'a');
	assert_int_equal(tb_rd(&b, UART + DR, 4), 'p');
	assert_true(tb_rd(&b, UART + FR, 4) & 0x10); /* RXFE */

	/* Malformed states: each refused with a message, nothing crashes. */
	assert_int_equal(load(&b, "uart0", w.buf, w.len - 1), -1);
	assert_contains(b.err.msg, "truncated");
	assert_int_equal(load(&b, "rtc", w.buf, w.len), -1);
	assert_contains(b.err.msg, "state for a pl011 device cannot be loaded "
			"into 'rtc' (pl031)");
	w.buf[4 + 5] = 9; /* version after "pl011" */
	assert_int_equal(load(&b, "uart0", w.buf, w.len), -1);
	assert_contains(b.err.msg, "version 9");
	w.buf[4 + 5] = 1;
	w.buf[4 + 5 + 4 + 8 + 9 * 4] = 17; /* FIFO count */
	assert_int_equal(load(&b, "uart0", w.buf, w.len), -1);
	assert_contains(b.err.msg, "holds 17 bytes");
	free(w.buf);
	tb_free(&a);
	tb_free(&b);
}

static void test_pl031_save_load(void **state)
{
	struct tb a, b;
	struct vmb_state_writer w = { 0 };
	uint32_t now;

	(void)state;
	board(&a, false);
	tb_wr(&a, RTC + 0x008, 4, 1000000); /* LR */
	tb_wr(&a, RTC + 0x010, 4, 1);       /* IMSC */
	now = (uint32_t)tb_rd(&a, RTC + 0x000, 4);
	tb_wr(&a, RTC + 0x004, 4, now);     /* MR == DR: fires now */
	assert_int_equal(a.level[2], 1);
	save(&a, "rtc", &w);

	board(&b, false);
	assert_int_equal(load(&b, "rtc", w.buf, w.len), 0);
	assert_true(tb_rd(&b, RTC + 0x000, 4) - now <= 1); /* same clock */
	assert_int_equal(tb_rd(&b, RTC + 0x004, 4), now);
	assert_int_equal(tb_rd(&b, RTC + 0x008, 4), 1000000);
	assert_int_equal(tb_rd(&b, RTC + 0x014, 4), 1);
	assert_int_equal(tb_rd(&b, RTC + 0x018, 4), 1);
	assert_int_equal(b.level[2], 1);
	/* A state no pl031 writes (RIS bit 1): refused. */
	w.buf[w.len - 8 - 1 - 4] = 2;
	assert_int_equal(load(&b, "rtc", w.buf, w.len), -1);
	assert_contains(b.err.msg, "bad saved state");
	free(w.buf);
	tb_free(&a);
	tb_free(&b);
}

static void test_save_unsupported(void **state)
{
	struct tb t;
	struct vmb_state_writer w = { 0 };

	(void)state;
	board(&t, false);
	assert_int_equal(vmb_dev_save(vmb_board_find_dev(t.b, "gic"), &w, &t.err), -1);
	assert_contains(t.err.msg, "device 'gic' (gic-v2) cannot be saved");
	assert_int_equal(w.len, 0);
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_caches_level),
		cmocka_unit_test(test_line_irqfd_resample),
		cmocka_unit_test(test_line_irqfd_refused),
		cmocka_unit_test(test_ioevent_dispatch),
		cmocka_unit_test(test_dispatch_takes_device_lock),
		cmocka_unit_test(test_pl011_save_load),
		cmocka_unit_test(test_pl031_save_load),
		cmocka_unit_test(test_save_unsupported),
	};

	return cmocka_run_group_tests_name("board-io", tests, NULL, NULL);
}
