/* SPDX-License-Identifier: MIT */
/*
 * Board model: address map, board construction errors (overlap, IRQ clash,
 * unknown type, property validation), access dispatch and image loading.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "board/board.h"
#include "config/spec.h"
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

struct fixture {
	char dir[64];
	char path[128];
	struct vmb_spec *spec;
	struct vmb_board *board;
	struct vmb_err err;
};

static int setup(void **state)
{
	struct fixture *f = vmb_zalloc(sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/vmb-board-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/m.yaml", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	vmb_board_destroy(f->board);
	vmb_spec_free(f->spec);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* Load the YAML and build the board; returns 0 or -1 (message in f->err). */
static int build(struct fixture *f, const char *yaml)
{
	write_file(f->path, yaml);
	f->spec = vmb_spec_load(f->path, NULL, 0, &f->err);
	if (!f->spec)
		fail_msg("spec did not load: %s", f->err.msg);
	f->board = vmb_board_create(f->spec, NULL, &f->err);
	return f->board ? 0 : -1;
}

/* The error must start with "<file>:<line>:<col>: " and contain want. */
static void assert_error_at(struct fixture *f, int line, int col, const char *want)
{
	char prefix[200];

	snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", f->path, line, col);
	if (strncmp(f->err.msg, prefix, strlen(prefix)) || !strstr(f->err.msg, want))
		fail_msg("got \"%s\", want \"%s...%s...\"", f->err.msg, prefix, want);
}

#define RAM "arch: arm64\nmemory:\n  - name: ram\n    type: ram\n    base: 0x40000000\n    size: 16M\n"

static void test_overlap_error(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(build(f, RAM
		"devices:\n"
		"  - name: vio\n"
		"    type: virtio-mmio\n"
		"    base: 0x40ff0000\n"
		"    size: 0x200\n"
		"    irq: 16\n"), -1);
	assert_error_at(f, 10, 11, "region 'vio' [0x40ff0000-0x40ff01ff] overlaps 'ram'");
	assert_non_null(strstr(f->err.msg, "m.yaml:3:5")); /* where ram is */
}

static void test_irq_clash(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(build(f, RAM
		"devices:\n"
		"  - name: a\n"
		"    type: virtio-mmio\n"
		"    base: 0x0a000000\n"
		"    size: 0x200\n"
		"    irq: 16\n"
		"  - name: b\n"
		"    type: virtio-mmio\n"
		"    base: 0x0a000200\n"
		"    size: 0x200\n"
		"    irq: [17, 16]\n"), -1);
	assert_error_at(f, 17, 10, "irq 16 of device 'b' is already used by device 'a'");
	assert_non_null(strstr(f->err.msg, "m.yaml:8:5"));
}

static void test_unknown_type(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(build(f, RAM
		"devices:\n"
		"  - name: u\n"
		"    type: pl012\n"
		"    base: 0x09000000\n"), -1);
	assert_error_at(f, 9, 11, "unknown device type 'pl012' for device 'u', expected one of:");
	/* The list names the known types. */
	assert_non_null(strstr(f->err.msg, "pl011"));
	assert_non_null(strstr(f->err.msg, "virtio-mmio"));
}

static void test_prop_errors(void **state)
{
	struct fixture *f = *state;

	/* Unknown type-specific key, with a hint. */
	assert_int_equal(build(f, RAM
		"devices:\n"
		"  - name: clk\n"
		"    type: fixed-clock\n"
		"    frequncy: 24000000\n"), -1);
	assert_error_at(f, 10, 5, "unknown key 'frequncy'");
	assert_non_null(strstr(f->err.msg, "did you mean 'frequency'"));
}

static void test_prop_type_error(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(build(f, RAM
		"devices:\n"
		"  - name: clk\n"
		"    type: fixed-clock\n"
		"    frequency: fast\n"), -1);
	assert_error_at(f, 10, 16, "fast");
}

static void test_missing_base_and_irq(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(build(f, RAM
		"devices:\n"
		"  - name: rtc\n"
		"    type: pl031\n"
		"    irq: 2\n"), -1);
	assert_error_at(f, 8, 5, "missing required field 'base' in pl031 device 'rtc'");
}

static void test_irq_count(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(build(f, RAM
		"devices:\n"
		"  - name: clk\n"
		"    type: fixed-clock\n"
		"    frequency: 1\n"
		"    irq: 3\n"), -1);
	assert_error_at(f, 11, 10, "has no interrupt line");
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

static const struct vmb_io_ops probe_ops = { probe_read, probe_write };

static void test_dispatch(void **state)
{
	struct fixture *f = *state;
	struct probe p = { 0 };
	struct vmb_err err;
	uint64_t v;
	uint8_t *host;

	assert_int_equal(build(f,
		"arch: arm64\n"
		"memory:\n"
		"  - name: ram\n    type: ram\n    base: 0x40000000\n    size: 1M\n"
		"  - name: rom\n    type: rom\n    base: 0x0\n    size: 64K\n"), 0);
	assert_non_null(vmb_board_map_mmio(f->board, NULL, "probe", 0x9000000, 0x1000,
					   &probe_ops, &p, NULL, &err));

	/* RAM: little-endian, every width. */
	assert_int_equal(vmb_board_mmio_write(f->board, 0x40000010, 8, 0x0102030405060708ull), 0);
	assert_int_equal(vmb_board_mmio_read(f->board, 0x40000010, 2, &v), 0);
	assert_int_equal(v, 0x0708);
	host = vmb_board_gpa_ptr(f->board, 0x40000010, 8);
	assert_non_null(host);
	assert_int_equal(host[0], 0x08);
	assert_int_equal(host[7], 0x01);

	/* ROM: writes are ignored. */
	host = vmb_board_gpa_ptr(f->board, 0x100, 4);
	host[0] = 0xaa;
	assert_int_equal(vmb_board_mmio_write(f->board, 0x100, 1, 0x55), 0);
	assert_int_equal(vmb_board_mmio_read(f->board, 0x100, 1, &v), 0);
	assert_int_equal(v, 0xaa);

	/* MMIO: offset and width reach the device. */
	assert_int_equal(vmb_board_mmio_write(f->board, 0x9000018, 4, 0xdead), 0);
	assert_int_equal(p.last_off, 0x18);
	assert_int_equal(p.last_size, 4);
	assert_int_equal(p.last_val, 0xdead);
	assert_int_equal(vmb_board_mmio_read(f->board, 0x9000ffc, 4, &v), 0);
	assert_int_equal(v, 0x11223344);

	/* Unowned addresses and accesses straddling a region's end. */
	assert_int_equal(vmb_board_mmio_read(f->board, 0x8000000, 4, &v), -1);
	assert_int_equal(vmb_board_mmio_read(f->board, 0x9000ffe, 4, &v), -1);
	assert_int_equal(vmb_board_mmio_write(f->board, 0x400ffffc, 8, 0), -1);
	assert_int_equal(p.writes, 1);
	assert_null(vmb_board_gpa_ptr(f->board, 0x400ffff0, 0x20));
	assert_null(vmb_board_gpa_ptr(f->board, 0x9000000, 4)); /* no host memory */
}

static void test_load_file(void **state)
{
	struct fixture *f = *state;
	char img[160];
	int64_t n;

	assert_int_equal(build(f, RAM), 0);
	snprintf(img, sizeof(img), "%s/img.bin", f->dir);
	write_file(img, "hello");
	n = vmb_board_load_file(f->board, img, 0x40000100, &f->err);
	assert_int_equal(n, 5);
	assert_memory_equal(vmb_board_gpa_ptr(f->board, 0x40000100, 5), "hello", 5);

	/* Past the end of RAM: the error names the region and its end. */
	assert_int_equal(vmb_board_load_file(f->board, img, 0x40fffffe, &f->err), -1);
	assert_non_null(strstr(f->err.msg, "does not fit in 'ram'"));
	assert_non_null(strstr(f->err.msg, "0x41000000"));
	/* Nothing there. */
	assert_int_equal(vmb_board_load_file(f->board, img, 0x1000, &f->err), -1);
	assert_non_null(strstr(f->err.msg, "no RAM, ROM or flash"));
	/* Missing file. */
	strcat(img, ".missing");
	assert_int_equal(vmb_board_load_file(f->board, img, 0x40000000, &f->err), -1);
	assert_non_null(strstr(f->err.msg, "No such file"));
}

static void test_stop_first_wins(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(build(f, RAM), 0);
	vmb_board_request_stop(f->board, VMB_STOP_POWEROFF, "off %d", 1);
	vmb_board_request_stop(f->board, VMB_STOP_FAULT, "later");
	assert_int_equal(f->board->stop, VMB_STOP_POWEROFF);
	assert_string_equal(f->board->stop_msg, "off 1");
}

static void test_print(void **state)
{
	struct fixture *f = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_int_equal(build(f, RAM
		"devices:\n"
		"  - name: vio\n"
		"    type: virtio-mmio\n"
		"    base: 0x0a000000\n"
		"    size: 0x200\n"
		"    irq: 16\n"
		"    trigger: edge\n"), 0);
	vmb_board_print(f->board, out);
	fclose(out);
	assert_non_null(strstr(buf, "0x0040000000-0x0040ffffff  ram         16M  ram"));
	assert_non_null(strstr(buf, "0x000a000000-0x000a0001ff  mmio      0x200  vio"));
	assert_non_null(strstr(buf, "SPI 16   edge   vio (virtio-mmio)"));
	free(buf);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addrmap_find),
		cmocka_unit_test(test_addrmap_overlap),
		cmocka_unit_test(test_addrmap_many),
		T(test_overlap_error),
		T(test_irq_clash),
		T(test_unknown_type),
		T(test_prop_errors),
		T(test_prop_type_error),
		T(test_missing_base_and_irq),
		T(test_irq_count),
		T(test_dispatch),
		T(test_load_file),
		T(test_stop_first_wins),
		T(test_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
