/* SPDX-License-Identifier: MIT */
/*
 * Board model: address map, board construction errors (overlap, IRQ clash,
 * unknown type, property validation), access dispatch and image loading.
 */
#include <stdio.h>
#include <stdlib.h>

#include "board/board.h"
#include "config/spec.h"
#include "fixture.h"
#include "unit.h"

/* ---- address map ---------------------------------------------------------- */

static struct vmb_region *region(uint64_t gpa, uint64_t size)
{
	struct vmb_region *r = vmb_zalloc(sizeof(*r));

	r->gpa = gpa;
	r->size = size;
	snprintf(r->name, sizeof(r->name), "r%llx", (unsigned long long)gpa);
	return r;
}

static void free_map(struct vmb_addrmap *m)
{
	for (unsigned i = 0; i < m->n; i++)
		free(m->r[i]);
	free(m->r);
}

static void test_addrmap_find(void **state)
{
	struct vmb_addrmap m = { 0 };
	struct vmb_region *clash;

	/* Insert out of order: the map keeps them sorted. */
	assert_int_equal(vmb_addrmap_insert(&m, region(0x9000000, 0x1000), &clash), 0);
	assert_int_equal(vmb_addrmap_insert(&m, region(0x0, 0x4000000), &clash), 0);
	assert_int_equal(vmb_addrmap_insert(&m, region(0x40000000, 0x8000000), &clash), 0);
	assert_int_equal(m.n, 3);
	assert_true(m.r[0]->gpa < m.r[1]->gpa && m.r[1]->gpa < m.r[2]->gpa);

	assert_ptr_equal(vmb_addrmap_find(&m, 0x0), m.r[0]);
	assert_ptr_equal(vmb_addrmap_find(&m, 0x3ffffff), m.r[0]);
	assert_null(vmb_addrmap_find(&m, 0x4000000));
	assert_ptr_equal(vmb_addrmap_find(&m, 0x9000fff), m.r[1]);
	assert_null(vmb_addrmap_find(&m, 0x9001000));
	assert_ptr_equal(vmb_addrmap_find(&m, 0x47ffffff), m.r[2]);
	assert_null(vmb_addrmap_find(&m, 0x48000000));
	assert_null(vmb_addrmap_find(&m, UINT64_MAX));
	free_map(&m);
}

static void test_addrmap_overlap(void **state)
{
	struct vmb_addrmap m = { 0 };
	struct vmb_region *clash, *a = region(0x1000, 0x1000), *b = region(0x3000, 0x1000);
	struct vmb_region *bad[] = {
		region(0x1fff, 0x10),     /* tail of a */
		region(0x0, 0x1001),      /* head of a */
		region(0x800, 0x4000),    /* covers both */
		region(0x2fff, 0x2),      /* head of b */
		region(0x5000, 0),        /* empty */
		region(UINT64_MAX - 1, 4),/* wraps */
	};
	struct vmb_region *want[] = { a, a, a, b, bad[4], bad[5] };

	assert_int_equal(vmb_addrmap_insert(&m, a, &clash), 0);
	assert_int_equal(vmb_addrmap_insert(&m, b, &clash), 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vmb_addrmap_insert(&m, bad[i], &clash), -1);
		assert_ptr_equal(clash, want[i]);
		free(bad[i]);
	}
	/* Touching but not overlapping is fine. */
	assert_int_equal(vmb_addrmap_insert(&m, region(0x2000, 0x1000), &clash), 0);
	assert_int_equal(m.n, 3);
	free_map(&m);
}

static void test_addrmap_many(void **state)
{
	struct vmb_addrmap m = { 0 };
	struct vmb_region *clash, *below, *above;

	/* 1000 regions of 0x100 every 0x1000, inserted in a scrambled order. */
	for (unsigned i = 0; i < 1000; i++) {
		unsigned k = (i * 7919) % 1000;

		assert_int_equal(vmb_addrmap_insert(&m, region(k * 0x1000ull, 0x100), &clash), 0);
	}
	for (unsigned k = 0; k < 1000; k++) {
		struct vmb_region *r = vmb_addrmap_find(&m, k * 0x1000ull + 0x80);

		assert_non_null(r);
		assert_int_equal(r->gpa, k * 0x1000ull);
		assert_null(vmb_addrmap_find(&m, k * 0x1000ull + 0x100));
	}
	vmb_addrmap_neighbours(&m, 0x5800, &below, &above);
	assert_int_equal(below->gpa, 0x5000);
	assert_int_equal(above->gpa, 0x6000);
	vmb_addrmap_neighbours(&m, 0x5010, &below, &above); /* inside 0x5000 */
	assert_int_equal(below->gpa, 0x4000);
	assert_int_equal(above->gpa, 0x6000);
	vmb_addrmap_neighbours(&m, 0x10000000, &below, &above);
	assert_int_equal(below->gpa, 999 * 0x1000);
	assert_null(above);
	free_map(&m);
}

/* ---- boards from YAML ------------------------------------------------------ */

#define RAM "arch: arm64\nmemory:\n  - name: ram\n    type: ram\n    base: 0x40000000\n    size: 16M\n"
#define DEV(name, type) "  - name: " name "\n    type: " type "\n"
#define VIRTIO(name, base, irq) DEV(name, "virtio-mmio") "    base: " base "\n" \
	"    size: 0x200\n    irq: " irq "\n"

/* A board that must not build: the error starts with m.yaml:LINE:COL and
 * holds both substrings (want2 may be NULL). */
struct bad_board {
	const char *name, *devices;
	int line, col;
	const char *want, *want2;
};

static const struct bad_board bad_boards[] = {
	{ "overlap", VIRTIO("vio", "0x40ff0000", "16"), 10, 11,
	  "region 'vio' [0x40ff0000-0x40ff01ff] overlaps 'ram'",
	  "m.yaml:3:5" /* where ram is */ },
	{ "irq clash", VIRTIO("a", "0x0a000000", "16") VIRTIO("b", "0x0a000200", "[17, 16]"),
	  17, 10, "irq 16 of device 'b' is already used by device 'a'", "m.yaml:8:5" },
	{ "unknown type", DEV("u", "pl012") "    base: 0x09000000\n", 9, 11,
	  "unknown device type 'pl012' for device 'u', expected one of:", "virtio-mmio" },
	{ "unknown property", DEV("clk", "fixed-clock") "    frequncy: 24000000\n", 10, 5,
	  "unknown key 'frequncy'", "did you mean 'frequency'" },
	{ "property type", DEV("clk", "fixed-clock") "    frequency: fast\n", 10, 16,
	  "fast", NULL },
	{ "missing base", DEV("rtc", "pl031") "    irq: 2\n", 8, 5,
	  "missing required field 'base' in pl031 device 'rtc'", NULL },
	{ "irq on a device without one",
	  DEV("clk", "fixed-clock") "    frequency: 1\n    irq: 3\n", 11, 10,
	  "has no interrupt line", NULL },
};

static void test_bad_boards(void **state)
{
	for (size_t i = 0; i < sizeof(bad_boards) / sizeof(bad_boards[0]); i++) {
		const struct bad_board *c = &bad_boards[i];
		char yaml[1024], prefix[320];
		struct tb t;

		snprintf(yaml, sizeof(yaml), "%sdevices:\n%s", RAM, c->devices);
		tb_dir(&t);
		if (tb_board(&t, yaml) == 0)
			fail_msg("%s: the board was built", c->name);
		assert_non_null(t.spec); /* a board error, not a loader one */
		snprintf(prefix, sizeof(prefix), "%s/m.yaml:%d:%d: ", t.dir, c->line, c->col);
		if (strncmp(t.err.msg, prefix, strlen(prefix)))
			fail_msg("%s: got \"%s\", want it to start with \"%s\"", c->name,
				 t.err.msg, prefix);
		assert_contains(t.err.msg, c->want);
		if (c->want2)
			assert_contains(t.err.msg, c->want2);
		tb_free(&t);
	}
}

/* A test device type that records accesses. */
struct probe {
	uint64_t last_off, last_val;
	unsigned last_size, writes;
};

static uint64_t probe_read(void *opaque, uint64_t off, unsigned size)
{
	struct probe *p = opaque;

	p->last_off = off;
	p->last_size = size;
	return 0x1122334455667788ull >> (8 * (8 - size)) ;
}

static void probe_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct probe *p = opaque;

	p->last_off = off;
	p->last_val = val;
	p->last_size = size;
	p->writes++;
}

static const struct vmb_io_ops probe_ops = { .read = probe_read, .write = probe_write };

static void test_dispatch(void **state)
{
	struct probe p = { 0 };
	struct vmb_err err;
	struct tb t;
	uint64_t v;
	uint8_t *host;

	assert_int_equal(tb_make(&t,
		"arch: arm64\n"
		"memory:\n"
		"  - name: ram\n    type: ram\n    base: 0x40000000\n    size: 1M\n"
		"  - name: rom\n    type: rom\n    base: 0x0\n    size: 64K\n"), 0);
	assert_non_null(vmb_board_map_mmio(t.b, NULL, "probe", 0x9000000, 0x1000,
					   &probe_ops, &p, NULL, &err));

	/* RAM: little-endian, every width. */
	assert_int_equal(vmb_board_mmio_write(t.b, 0x40000010, 8, 0x0102030405060708ull), 0);
	assert_int_equal(vmb_board_mmio_read(t.b, 0x40000010, 2, &v), 0);
	assert_int_equal(v, 0x0708);
	host = vmb_board_gpa_ptr(t.b, 0x40000010, 8);
	assert_non_null(host);
	assert_int_equal(host[0], 0x08);
	assert_int_equal(host[7], 0x01);

	/* ROM: writes are ignored. */
	host = vmb_board_gpa_ptr(t.b, 0x100, 4);
	host[0] = 0xaa;
	assert_int_equal(vmb_board_mmio_write(t.b, 0x100, 1, 0x55), 0);
	assert_int_equal(vmb_board_mmio_read(t.b, 0x100, 1, &v), 0);
	assert_int_equal(v, 0xaa);

	/* MMIO: offset and width reach the device. */
	assert_int_equal(vmb_board_mmio_write(t.b, 0x9000018, 4, 0xdead), 0);
	assert_int_equal(p.last_off, 0x18);
	assert_int_equal(p.last_size, 4);
	assert_int_equal(p.last_val, 0xdead);
	assert_int_equal(vmb_board_mmio_read(t.b, 0x9000ffc, 4, &v), 0);
	assert_int_equal(v, 0x11223344);

	/* Unowned addresses and accesses straddling a region's end. */
	assert_int_equal(vmb_board_mmio_read(t.b, 0x8000000, 4, &v), -1);
	assert_int_equal(vmb_board_mmio_read(t.b, 0x9000ffe, 4, &v), -1);
	assert_int_equal(vmb_board_mmio_write(t.b, 0x400ffffc, 8, 0), -1);
	assert_int_equal(p.writes, 1);
	assert_null(vmb_board_gpa_ptr(t.b, 0x400ffff0, 0x20));
	assert_null(vmb_board_gpa_ptr(t.b, 0x9000000, 4)); /* no host memory */
	tb_free(&t);
}

static void test_load_file(void **state)
{
	struct tb t;
	char img[320];
	int64_t n;

	assert_int_equal(tb_make(&t, RAM), 0);
	snprintf(img, sizeof(img), "%s", tb_file(&t, "img.bin", "hello", 5));
	n = vmb_board_load_file(t.b, img, 0x40000100, &t.err);
	assert_int_equal(n, 5);
	assert_memory_equal(vmb_board_gpa_ptr(t.b, 0x40000100, 5), "hello", 5);

	/* Past the end of RAM: the error names the region and its end. */
	assert_int_equal(vmb_board_load_file(t.b, img, 0x40fffffe, &t.err), -1);
	assert_non_null(strstr(t.err.msg, "does not fit in 'ram'"));
	assert_non_null(strstr(t.err.msg, "0x41000000"));
	/* Nothing there. */
	assert_int_equal(vmb_board_load_file(t.b, img, 0x1000, &t.err), -1);
	assert_non_null(strstr(t.err.msg, "no RAM, ROM or flash"));
	/* Missing file. */
	strcat(img, ".missing");
	assert_int_equal(vmb_board_load_file(t.b, img, 0x40000000, &t.err), -1);
	assert_non_null(strstr(t.err.msg, "No such file"));
	tb_free(&t);
}

static void test_stop_first_wins(void **state)
{
	struct tb t;

	assert_int_equal(tb_make(&t, RAM), 0);
	vmb_board_request_stop(t.b, VMB_STOP_POWEROFF, "off %d", 1);
	vmb_board_request_stop(t.b, VMB_STOP_FAULT, "later");
	assert_int_equal(t.b->stop, VMB_STOP_POWEROFF);
	assert_string_equal(t.b->stop_msg, "off 1");
	tb_free(&t);
}

static void test_print(void **state)
{
	struct tb t;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_int_equal(tb_make(&t, RAM "devices:\n" VIRTIO("vio", "0x0a000000", "16")
				 "    trigger: edge\n"), 0);
	vmb_board_print(t.b, out);
	fclose(out);
	assert_non_null(strstr(buf, "0x0040000000-0x0040ffffff  ram         16M  ram"));
	assert_non_null(strstr(buf, "0x000a000000-0x000a0001ff  mmio      0x200  vio"));
	assert_non_null(strstr(buf, "SPI 16   edge   vio (virtio-mmio)"));
	free(buf);
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addrmap_find),
		cmocka_unit_test(test_addrmap_overlap),
		cmocka_unit_test(test_addrmap_many),
		cmocka_unit_test(test_bad_boards),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_stop_first_wins),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
