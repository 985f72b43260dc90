/* SPDX-License-Identifier: MIT */
/* Guest memory API (board/gmem.h): bounds, overflow, dirty hook, and the
 * board's table built from its RAM regions. */
#include "unit.h"

#include <stdlib.h>

#include "board/gmem.h"
#include "fixture.h"

static uint8_t ram_a[0x1000], ram_b[0x100];

static void two_ranges(struct vmb_gmem *m)
{
	memset(m, 0, sizeof(*m));
	assert_int_equal(vmb_gmem_add(m, 0x40000000, sizeof(ram_a), ram_a), 0);
	/* adjacent to the first: a buffer may not straddle the two */
	assert_int_equal(vmb_gmem_add(m, 0x40001000, sizeof(ram_b), ram_b), 0);
}

static void test_bounds(void **state)
{
	struct vmb_gmem m;

	two_ranges(&m);
	assert_ptr_equal(vmb_gmem_ptr(&m, 0x40000000, 0x1000, false), ram_a);
	assert_ptr_equal(vmb_gmem_ptr(&m, 0x40000ffc, 4, false), ram_a + 0xffc);
	assert_ptr_equal(vmb_gmem_ptr(&m, 0x40001000, 0x100, false), ram_b);
	assert_null(vmb_gmem_ptr(&m, 0x40000ffc, 8, false));     /* straddles */
	assert_null(vmb_gmem_ptr(&m, 0x3ffffffc, 8, false));     /* below */
	assert_null(vmb_gmem_ptr(&m, 0x400010fc, 8, false));     /* past end */
	assert_null(vmb_gmem_ptr(&m, 0x40000000, 0x1001, false));
	assert_null(vmb_gmem_ptr(&m, 0, 4, false));
	/* lengths that wrap gpa + len around 2^64 */
	assert_null(vmb_gmem_ptr(&m, 0x40000010, UINT64_MAX, false));
	assert_null(vmb_gmem_ptr(&m, 0x40000010, UINT64_MAX - 0x40000000, false));
	assert_null(vmb_gmem_ptr(&m, UINT64_MAX, 2, false));
	/* zero length: inside or exactly at the end of a range */
	assert_non_null(vmb_gmem_ptr(&m, 0x40000800, 0, false));
	assert_non_null(vmb_gmem_ptr(&m, 0x40001100, 0, false));
	assert_null(vmb_gmem_ptr(&m, 0x40001101, 0, false));
}

static void test_add_rejects(void **state)
{
	struct vmb_gmem m;
	uint8_t b[16];

	two_ranges(&m);
	assert_int_equal(vmb_gmem_add(&m, 0x40000ff0, 16, b), -1); /* overlap */
	assert_int_equal(vmb_gmem_add(&m, 0x3ffffff8, 16, b), -1); /* overlap */
	assert_int_equal(vmb_gmem_add(&m, 0x100, 0, b), -1);       /* empty */
	assert_int_equal(vmb_gmem_add(&m, UINT64_MAX - 7, 16, b), -1); /* wraps */
	assert_int_equal(vmb_gmem_add(&m, UINT64_MAX - 15, 16, b), 0); /* top */
	assert_ptr_equal(vmb_gmem_ptr(&m, UINT64_MAX - 3, 4, false), b + 12);
	assert_null(vmb_gmem_ptr(&m, UINT64_MAX - 3, 5, false));
}

struct dirty_log {
	uint64_t gpa[8], len[8];
	unsigned n;
};

static void log_dirty(void *opaque, uint64_t gpa, uint64_t len)
{
	struct dirty_log *l = opaque;

	assert_true(l->n < 8);
	l->gpa[l->n] = gpa;
	l->len[l->n++] = len;
}

static void test_copy_and_dirty(void **state)
{
	struct vmb_gmem m;
	struct dirty_log log = { 0 };
	uint8_t buf[8];

	two_ranges(&m);
	m.dirty_fn = log_dirty;
	m.dirty_opaque = &log;
	memset(ram_a, 0, sizeof(ram_a));
	assert_int_equal(vmb_gmem_write(&m, 0x40000010, "abcdefgh", 8), 0);
	assert_int_equal(vmb_gmem_read(&m, 0x40000012, buf, 4), 0);
	assert_memory_equal(buf, "cdef", 4);
	assert_int_equal(vmb_gmem_copy(&m, 0x40001000, 0x40000010, 8), 0);
	assert_memory_equal(ram_b, "abcdefgh", 8);
	assert_int_equal(vmb_gmem_fill(&m, 0x40000010, 'x', 2), 0);
	assert_memory_equal(ram_a + 0x10, "xxcdefgh", 8);
	/* failures copy nothing and log nothing */
	assert_int_equal(vmb_gmem_write(&m, 0x40000ffc, "12345678", 8), -1);
	assert_int_equal(vmb_gmem_read(&m, 0x400010fc, buf, 8), -1);
	assert_int_equal(vmb_gmem_copy(&m, 0x400010fc, 0x40000010, 8), -1);
	assert_int_equal(vmb_gmem_copy(&m, 0x40000010, 0x400010fc, 8), -1);
	assert_memory_equal(ram_a + 0x10, "xxcdefgh", 8);
	/* reads and read-only pointers are not logged */
	assert_non_null(vmb_gmem_ptr(&m, 0x40000000, 4, false));
	assert_int_equal(log.n, 3);
	assert_int_equal(log.gpa[0], 0x40000010);
	assert_int_equal(log.len[0], 8);
	assert_int_equal(log.gpa[1], 0x40001000);
	assert_int_equal(log.gpa[2], 0x40000010);
	assert_int_equal(log.len[2], 2);
}

/* The board's table holds its RAM regions and nothing else (no ROM). */
static void test_board_table(void **state)
{
	struct tb t;

	tb_dir(&t);
	tb_board_ok(&t,
		    "name: t\narch: arm64\ncpus: {count: 1}\n"
		    "memory:\n"
		    "  - {name: rom, type: rom, base: 0x0, size: 64K}\n"
		    "  - {name: ram, type: ram, base: 0x40000000, size: 1M}\n"
		    "  - {name: hi, type: ram, base: 0x100000000, size: 64K}\n",
		    NULL, 0);
	assert_int_equal(t.b->gmem.n, 2);
	assert_null(vmb_gmem_ptr(&t.b->gmem, 0x100, 4, false));
	assert_ptr_equal(vmb_gmem_ptr(&t.b->gmem, 0x400ffffc, 4, false),
			 vmb_board_gpa_ptr(t.b, 0x400ffffc, 4));
	assert_null(vmb_gmem_ptr(&t.b->gmem, 0x400ffffc, 8, false));
	assert_non_null(vmb_gmem_ptr(&t.b->gmem, 0x100000000, 0x10000, true));
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_add_rejects),
		cmocka_unit_test(test_copy_and_dirty),
		cmocka_unit_test(test_board_table),
	};

	return cmocka_run_group_tests_name("gmem", tests, NULL, NULL);
}
