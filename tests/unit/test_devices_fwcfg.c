/* SPDX-License-Identifier: MIT */
/*
 * fw-cfg-mmio: signature and ID through the data register, selector
 * endianness, file directory order and contents, DMA read/skip/select,
 * DMA errors (address outside RAM, write request, descriptor outside RAM),
 * the DMA signature register, and "files" property errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"

#include "board/board.h"
#include "config/spec.h"

#include "fixture.h"

#define FW 0x09020000ull
#define RAM 0x40000000ull

static const char fw_yaml[] =
	"arch: arm64\n"
	"cpus: {count: 3}\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
	"devices:\n"
	"  - name: fw-cfg\n"
	"    type: fw-cfg-mmio\n"
	"    base: 0x09020000\n"
	"    files:\n"
	"      - {name: opt/b, string: hello}\n"
	"      - {name: opt/a, file: a.bin}\n";

static void select_key(struct tb *t, uint16_t key)
{
	/* the selector is big-endian: a little-endian CPU stores swapped */
	tb_wr(t, FW + 8, 2, (uint16_t)(key << 8 | key >> 8));
}

static uint64_t bswap64(uint64_t v)
{
	return __builtin_bswap64(v);
}

static void test_fwcfg_registers(void **state)
{
	struct tb t;

	tb_dir(&t);
	tb_file(&t, "a.bin", "ABCDEFGHIJ", 10);
	assert_int_equal(tb_board(&t, fw_yaml), 0);
	select_key(&t, 0x0000);
	assert_int_equal(tb_rd(&t, FW, 4), 0x554d4551); /* "QEMU" in memory order */
	assert_int_equal(tb_rd(&t, FW, 1), 0);          /* past the end */
	select_key(&t, 0x0000);
	assert_int_equal(tb_rd(&t, FW, 1), 'Q');
	assert_int_equal(tb_rd(&t, FW, 2), 'E' | 'M' << 8);
	assert_int_equal(tb_rd(&t, FW, 8), 'U');        /* zero padded */
	select_key(&t, 0x0001);
	assert_int_equal(tb_rd(&t, FW, 4), 3);          /* traditional + DMA */
	select_key(&t, 0x0005);
	assert_int_equal(tb_rd(&t, FW, 2), 3);          /* CPUs */
	select_key(&t, 0x0003);
	assert_int_equal(tb_rd(&t, FW, 8), 16 << 20);   /* RAM size */
	select_key(&t, 0x4001);                      /* write channel bit ignored */
	assert_int_equal(tb_rd(&t, FW, 4), 3);
	select_key(&t, 0x1234);                      /* nothing */
	assert_int_equal(tb_rd(&t, FW, 8), 0);
	/* DMA register reads give the signature, big-endian */
	assert_int_equal(bswap64(tb_rd(&t, FW + 16, 8)), 0x51454d5520434647ull);
	assert_int_equal(__builtin_bswap32((uint32_t)tb_rd(&t, FW + 16, 4)), 0x51454d55);
	assert_int_equal(__builtin_bswap32((uint32_t)tb_rd(&t, FW + 20, 4)), 0x20434647);
	/* odd accesses are ignored */
	tb_wr(&t, FW + 8, 4, 0);
	tb_wr(&t, FW + 0, 8, 0);
	assert_int_equal(tb_rd(&t, FW + 12, 4), 0);
	tb_free(&t);
}

static void test_fwcfg_file_dir(void **state)
{
	struct tb t;
	uint8_t dir[4 + 2 * 64];

	tb_dir(&t);
	tb_file(&t, "a.bin", "ABCDEFGHIJ", 10);
	assert_int_equal(tb_board(&t, fw_yaml), 0);
	select_key(&t, 0x0019);
	for (unsigned i = 0; i < sizeof(dir); i++)
		dir[i] = (uint8_t)tb_rd(&t, FW, 1);
	assert_int_equal(dir[3], 2);                 /* be32 count */
	/* sorted by name: opt/a = 0x20 (10 bytes), opt/b = 0x21 (5 bytes) */
	assert_int_equal(dir[4 + 3], 10);
	assert_int_equal(dir[4 + 4] << 8 | dir[4 + 5], 0x20);
	assert_string_equal((char *)dir + 4 + 8, "opt/a");
	assert_int_equal(dir[68 + 3], 5);
	assert_int_equal(dir[68 + 4] << 8 | dir[68 + 5], 0x21);
	assert_string_equal((char *)dir + 68 + 8, "opt/b");
	select_key(&t, 0x0021);
	assert_int_equal(tb_rd(&t, FW, 4), 0x6c6c6568);  /* "hell" */
	assert_int_equal(tb_rd(&t, FW, 4), 'o');
	select_key(&t, 0x0020);
	assert_int_equal(tb_rd(&t, FW, 8), 0x4847464544434241ull);
	tb_free(&t);
}

/* Write a FWCfgDmaAccess at gpa; returns its host pointer. */
static uint8_t *put_desc(struct tb *t, uint64_t gpa, uint32_t control,
			 uint32_t length, uint64_t address)
{
	uint8_t *d = vmb_board_gpa_ptr(t->b, gpa, 16);
	uint32_t c = __builtin_bswap32(control), l = __builtin_bswap32(length);
	uint64_t a = bswap64(address);

	assert_non_null(d);
	memcpy(d, &c, 4);
	memcpy(d + 4, &l, 4);
	memcpy(d + 8, &a, 8);
	return d;
}

static uint32_t desc_control(const uint8_t *d)
{
	uint32_t c;

	memcpy(&c, d, 4);
	return __builtin_bswap32(c);
}

static void test_fwcfg_dma(void **state)
{
	struct tb t;
	uint8_t *d, *buf;

	tb_dir(&t);
	tb_file(&t, "a.bin", "ABCDEFGHIJ", 10);
	assert_int_equal(tb_board(&t, fw_yaml), 0);
	buf = vmb_board_gpa_ptr(t.b, RAM + 0x2000, 64);
	memset(buf, 0xee, 64);
	/* select opt/b + read 8 bytes: 5 of data, then zeros */
	d = put_desc(&t, RAM + 0x1000, 0x0021u << 16 | 0x08 | 0x02, 8, RAM + 0x2000);
	tb_wr(&t, FW + 16, 8, bswap64(RAM + 0x1000));
	assert_int_equal(desc_control(d), 0);
	assert_memory_equal(buf, "hello\0\0\0", 8);
	assert_int_equal(buf[8], 0xee);
	/* select opt/a, skip 3, then read 4 (two 4-byte address writes) */
	d = put_desc(&t, RAM + 0x1000, 0x0020u << 16 | 0x08 | 0x04, 3, 0);
	tb_wr(&t, FW + 16, 4, __builtin_bswap32((uint32_t)((RAM + 0x1000) >> 32)));
	tb_wr(&t, FW + 20, 4, __builtin_bswap32((uint32_t)(RAM + 0x1000)));
	assert_int_equal(desc_control(d), 0);
	d = put_desc(&t, RAM + 0x1000, 0x02, 4, RAM + 0x2010);
	tb_wr(&t, FW + 20, 4, __builtin_bswap32((uint32_t)(RAM + 0x1000)));
	assert_int_equal(desc_control(d), 0);
	assert_memory_equal(buf + 0x10, "DEFG", 4);
	/* the traditional interface continues where DMA left off */
	assert_int_equal(tb_rd(&t, FW, 1), 'H');
	tb_free(&t);
}

static void test_fwcfg_dma_errors(void **state)
{
	struct tb t;
	uint8_t *d;

	tb_dir(&t);
	tb_file(&t, "a.bin", "ABCDEFGHIJ", 10);
	assert_int_equal(tb_board(&t, fw_yaml), 0);
	/* destination not in RAM: error bit */
	d = put_desc(&t, RAM + 0x1000, 0x0000u << 16 | 0x08 | 0x02, 4, 0x1000);
	tb_wr(&t, FW + 16, 8, bswap64(RAM + 0x1000));
	assert_int_equal(desc_control(d), 1);
	/* destination running off the end of RAM: error bit */
	d = put_desc(&t, RAM + 0x1000, 0x0000u << 16 | 0x08 | 0x02, 4,
		     RAM + (16 << 20) - 2);
	tb_wr(&t, FW + 16, 8, bswap64(RAM + 0x1000));
	assert_int_equal(desc_control(d), 1);
	/* write requests fail: nothing is writable */
	d = put_desc(&t, RAM + 0x1000, 0x0020u << 16 | 0x08 | 0x10, 4, RAM + 0x2000);
	tb_wr(&t, FW + 16, 8, bswap64(RAM + 0x1000));
	assert_int_equal(desc_control(d), 1);
	/* descriptor itself outside RAM: ignored, no crash */
	tb_wr(&t, FW + 16, 8, bswap64(0x08000000));
	tb_wr(&t, FW + 16, 8, bswap64(~0ull - 4));
	/* still working afterwards */
	d = put_desc(&t, RAM + 0x1000, 0x0001u << 16 | 0x08 | 0x02, 4, RAM + 0x2000);
	tb_wr(&t, FW + 16, 8, bswap64(RAM + 0x1000));
	assert_int_equal(desc_control(d), 0);
	assert_int_equal(*vmb_board_gpa_ptr(t.b, RAM + 0x2000, 1), 3);
	tb_free(&t);
}

static void test_fwcfg_prop_errors(void **state)
{
	static const struct {
		const char *files;     /* the device's "files" */
		const char *want[2];   /* in the message */
	} cases[] = {
		{ "[{name: opt/x, string: a}, {name: opt/x, string: b}]",
		  { "used twice" } },
		{ "[{name: opt/x, string: a, file: b}]", { "exactly one" } },
		{ "[{name: opt/x, file: missing.bin}]", { "m.yaml:6:", "missing.bin" } },
		{ "[{name: opt/x, strin: a}]", { "strin" } },
	};
	char yaml[512];
	struct tb t;

	tb_dir(&t);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(yaml, sizeof(yaml),
			 "arch: arm64\n"
			 "devices:\n"
			 "  - name: fw-cfg\n"
			 "    type: fw-cfg-mmio\n"
			 "    base: 0x09020000\n"
			 "    files: %s\n", cases[i].files);
		tb_board_fails(&t, yaml, cases[i].want[0], cases[i].want[1], NULL);
	}
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fwcfg_registers),
		cmocka_unit_test(test_fwcfg_file_dir),
		cmocka_unit_test(test_fwcfg_dma),
		cmocka_unit_test(test_fwcfg_dma_errors),
		cmocka_unit_test(test_fwcfg_prop_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
