/* SPDX-License-Identifier: MIT */
/*
 * virtio-rng (src/devices/virtio-rng.c) driven through a virtio-mmio slot
 * of a test board by tests/unit/vdriver.h: placement in the highest free
 * slot, identity, requests filled with random bytes, the per-request bound
 * (max-bytes), and hostile chains (device-readable buffers, buffers
 * outside RAM, scattered and oversized buffers), and the seeded bytes of
 * a deterministic machine.
 */
#include "unit.h"

#include <stdlib.h>

#include "board/board.h"
#include "board/entropy.h"

#include "fixture.h"
#include "vdriver.h"

#define SLOT0	0x0a000000
#define RNG	(SLOT0 + 3 * 0x200)   /* the highest of 4 slots */
#define RINGS	0x40100000ull
#define BUF	0x40200000ull
#define RAM_END	0x41000000ull

static const char rng_yaml[] =
	"arch: arm64\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
	"devices:\n"
	"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000}\n"
	"  - {name: virtio, type: virtio-mmio, base: 0x0a000000, count: 4,\n"
	"     stride: 0x200, irq: 16, trigger: edge}\n"
	"  - {name: rng0, type: virtio-rng, max-bytes: 64}\n";

static int setup(void **state)
{
	struct tb *t = calloc(1, sizeof(*t));

	tb_dir(t);
	tb_board_ok(t, rng_yaml, NULL, 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tb_free(*state);
	free(*state);
	return 0;
}

static int all_equal(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static void test_identity(void **state)
{
	struct tb *t = *state;

	assert_int_equal(tb_rd(t, RNG + VD_DEVICE_ID, 4), 4);
	assert_int_equal(tb_rd(t, SLOT0 + 2 * 0x200 + VD_DEVICE_ID, 4), 0);
	tb_wr(t, RNG + VD_DEV_FEAT_SEL, 4, 0);
	assert_int_equal(tb_rd(t, RNG + VD_DEV_FEAT, 4), 0);
	tb_wr(t, RNG + VD_QUEUE_SEL, 4, 1);
	assert_int_equal(tb_rd(t, RNG + VD_QUEUE_NUM_MAX, 4), 0); /* one queue */
	assert_int_equal(tb_rd(t, RNG + VD_CONFIG, 4), 0);        /* no config */
}

static void test_fill(void **state)
{
	struct tb *t = *state;
	struct vdrv d;
	struct vd_buf b = { BUF, 48, 1 }, b2 = { BUF + 0x100, 48, 1 };
	uint32_t id, len;
	uint16_t head;

	vd_init(&d, t, RNG, RINGS, 1, 0);
	memset(vd_host(&d, BUF, 0x200), 0, 0x200);
	head = vd_add(&d, 0, &b, 1);
	vd_add(&d, 0, &b2, 1);
	vd_kick(&d, 0);
	assert_int_equal(vd_used(&d, 0, &id, &len), 1);
	assert_int_equal(id, head);
	assert_int_equal(len, 48);
	assert_int_equal(vd_used(&d, 0, &id, &len), 1);
	assert_int_equal(len, 48);
	/* 48 zero bytes from getrandom: about 2^-384. */
	assert_false(all_equal(vd_host(&d, BUF, 48), 48, 0));
	assert_memory_not_equal(vd_host(&d, BUF, 48), vd_host(&d, BUF + 0x100, 48), 48);
	assert_int_equal(t->level[16 + 3], 1);
}

/* max-bytes: 64 bounds each request, whatever the chain offers; the
 * bytes are spread over scattered writable buffers in order. */
static void test_bounded(void **state)
{
	struct tb *t = *state;
	struct vdrv d;
	struct vd_buf big = { BUF, 0x100000, 1 };
	struct vd_buf sc[3] = { { BUF, 40, 1 }, { BUF + 0x1000, 10, 1 },
				{ BUF + 0x2000, 40, 1 } };
	uint32_t id, len;

	vd_init(&d, t, RNG, RINGS, 1, 0);
	memset(vd_host(&d, BUF, 0x3000), 0xee, 0x3000);
	vd_add(&d, 0, &big, 1);
	vd_kick(&d, 0);
	assert_int_equal(vd_used(&d, 0, &id, &len), 1);
	assert_int_equal(len, 64);
	assert_true(all_equal(vd_host(&d, BUF + 64, 0x1000), 0x1000, 0xee));

	memset(vd_host(&d, BUF, 0x3000), 0xee, 0x3000);
	vd_add(&d, 0, sc, 3);
	vd_kick(&d, 0);
	assert_int_equal(vd_used(&d, 0, &id, &len), 1);
	assert_int_equal(len, 64);
	assert_false(all_equal(vd_host(&d, BUF + 0x1000, 10), 10, 0xee));
	assert_true(all_equal(vd_host(&d, BUF + 0x2000 + 14, 26), 26, 0xee));
}

/* Device-readable buffers are not written: a readable-only chain comes
 * back with 0 bytes, a readable one before a writable one is skipped. */
static void test_readable(void **state)
{
	struct tb *t = *state;
	struct vdrv d;
	struct vd_buf ro = { BUF, 32, 0 };
	struct vd_buf mixed[2] = { { BUF + 0x100, 16, 0 }, { BUF + 0x200, 16, 1 } };
	uint32_t id, len;

	vd_init(&d, t, RNG, RINGS, 1, 0);
	memset(vd_host(&d, BUF, 0x300), 0x33, 0x300);
	vd_add(&d, 0, &ro, 1);
	vd_add(&d, 0, mixed, 2);
	vd_kick(&d, 0);
	assert_int_equal(vd_used(&d, 0, &id, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(vd_used(&d, 0, &id, &len), 1);
	assert_int_equal(len, 16);
	assert_true(all_equal(vd_host(&d, BUF, 32), 32, 0x33));
	assert_true(all_equal(vd_host(&d, BUF + 0x100, 16), 16, 0x33));
	assert_false(vd_status(&d) & 64);
}

/* A writable buffer running off the end of RAM: DEVICE_NEEDS_RESET, no
 * write, later notifications ignored until the driver resets. */
static void test_outside_ram(void **state)
{
	struct tb *t = *state;
	struct vdrv d;
	struct vd_buf bad = { RAM_END - 8, 64, 1 }, good = { BUF, 8, 1 };
	uint32_t id, len;

	vd_init(&d, t, RNG, RINGS, 1, 0);
	vd_add(&d, 0, &bad, 1);
	vd_kick(&d, 0);
	assert_true(vd_status(&d) & 64);
	assert_int_equal(vd_used(&d, 0, &id, &len), 0);
	vd_add(&d, 0, &good, 1);
	vd_kick(&d, 0);
	assert_int_equal(vd_used(&d, 0, &id, &len), 0);

	vd_init(&d, t, RNG, RINGS, 1, 0);
	vd_add(&d, 0, &good, 1);
	vd_kick(&d, 0);
	assert_int_equal(vd_used(&d, 0, &id, &len), 1);
	assert_int_equal(len, 8);
}

/* Two requests of 40 and 24 bytes from a board built with seed (NULL: no
 * determinism section), into out[64]. */
static void draw(const char *seed, uint8_t out[64])
{
	struct tb t = { 0 };
	struct vmb_override ov[] = { { "determinism.seed", seed } };
	struct vd_buf b1 = { BUF, 40, 1 }, b2 = { BUF + 40, 24, 1 };
	struct vdrv d;
	uint32_t id, len;

	tb_dir(&t);
	tb_board_ok(&t, rng_yaml, ov, seed ? 1 : 0);
	vd_init(&d, &t, RNG, RINGS, 1, 0);
	vd_add(&d, 0, &b1, 1);
	vd_kick(&d, 0);
	assert_int_equal(vd_used(&d, 0, &id, &len), 1);
	assert_int_equal(len, 40);
	vd_add(&d, 0, &b2, 1);
	vd_kick(&d, 0);
	assert_int_equal(vd_used(&d, 0, &id, &len), 1);
	assert_int_equal(len, 24);
	memcpy(out, vd_host(&d, BUF, 64), 64);
	tb_free(&t);
}

/* Deterministic machine: the guest reads the board's "devices" stream
 * (board/entropy.h), the same for the same seed on two boards, other
 * bytes for another seed; without determinism, getrandom. */
static void test_seeded(void **state)
{
	uint8_t a[64], b[64], c[64], want[64], r1[64], r2[64];

	(void)state;
	draw("5", a);
	draw("5", b);
	draw("6", c);
	assert_memory_equal(a, b, 64);
	assert_memory_not_equal(a, c, 64);
	vmb_entropy_derive(5, "devices", want, sizeof(want));
	assert_memory_equal(a, want, 64); /* one stream across requests */
	draw(NULL, r1);
	draw(NULL, r2);
	assert_memory_not_equal(r1, r2, 64);
	assert_memory_not_equal(r1, a, 64);
}

static void test_bad_max_bytes(void **state)
{
	(void)state;
	tb_fails("arch: arm64\n"
		 "memory:\n"
		 "  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
		 "devices:\n"
		 "  - {name: rng0, type: virtio-rng, base: 0x0a000000, irq: 16,\n"
		 "     max-bytes: 0}\n",
		 "rng0", "max-bytes", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside_ram, setup, teardown),
		cmocka_unit_test(test_bad_max_bytes),
		cmocka_unit_test(test_seeded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
