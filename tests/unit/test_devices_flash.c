/* SPDX-License-Identifier: MIT */
/*
 * cfi-flash: CFI query and ID as QEMU's pflash_cfi01 answers them for the
 * virt geometry, romd switching, erase/program, the write-to-buffer
 * sequence exactly as U-Boot's drivers/mtd/cfi_flash.c issues it (16-bit
 * port as U-Boot detects QEMU's flash, and 32-bit port), status errors,
 * reset, and backing files (persistence across two boards, creation,
 * wrong size).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "board/board.h"
#include "config/spec.h"
#include "util/bytes.h"
#include "util/loop.h"

#include "fixture.h"

static struct vmb_region *bank_region(struct tb *t, uint64_t gpa)
{
	return vmb_addrmap_find(&t->b->map, gpa);
}

/* QEMU virt: 2 x 64 MiB banks, each two x16 chips of 256 x 128 KiB. */
static const char virt_yaml[] =
	"arch: arm64\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
	"devices:\n"
	"  - {name: flash, type: cfi-flash, base: 0, size: 128M, banks: 2,\n"
	"     bank-width: 4, device-width: 2}\n";

#define BANK1 0x04000000ull

static void test_cfi_query_virt(void **state)
{
	struct tb t;

	assert_int_equal(tb_make(&t, virt_yaml), 0);
	assert_true(bank_region(&t, BANK1)->romd);
	assert_int_equal(tb_rd(&t, BANK1, 4), 0xffffffff); /* erased */
	/* 32-bit port, x16 chips: commands 0x00XX00XX at offset 0x55 * 4 */
	tb_wr(&t, BANK1 + 0x55 * 4, 4, 0x00980098);
	assert_false(bank_region(&t, BANK1)->romd);
	assert_int_equal(tb_rd(&t, BANK1 + 0x10 * 4, 4), 0x00510051); /* Q */
	assert_int_equal(tb_rd(&t, BANK1 + 0x11 * 4, 4), 0x00520052); /* R */
	assert_int_equal(tb_rd(&t, BANK1 + 0x12 * 4, 4), 0x00590059); /* Y */
	assert_int_equal(tb_rd(&t, BANK1 + 0x13 * 4, 4), 0x00010001); /* Intel */
	assert_int_equal(tb_rd(&t, BANK1 + 0x15 * 4, 4), 0x00310031); /* PRI at 0x31 */
	assert_int_equal(tb_rd(&t, BANK1 + 0x27 * 4, 4), 0x00190019); /* 32 MiB chip */
	assert_int_equal(tb_rd(&t, BANK1 + 0x28 * 4, 4), 0x00020002); /* x8/x16 */
	assert_int_equal(tb_rd(&t, BANK1 + 0x2a * 4, 4), 0x000b000b); /* 2 KiB buffer */
	assert_int_equal(tb_rd(&t, BANK1 + 0x2c * 4, 4), 0x00010001); /* 1 region */
	assert_int_equal(tb_rd(&t, BANK1 + 0x2d * 4, 4), 0x00ff00ff); /* 256 blocks */
	assert_int_equal(tb_rd(&t, BANK1 + 0x2e * 4, 4), 0);
	assert_int_equal(tb_rd(&t, BANK1 + 0x2f * 4, 4), 0);          /* 128 KiB */
	assert_int_equal(tb_rd(&t, BANK1 + 0x30 * 4, 4), 0x00020002);
	assert_int_equal(tb_rd(&t, BANK1 + 0x31 * 4, 4), 0x00500050); /* P */
	assert_int_equal(tb_rd(&t, BANK1 + 0x21 * 4, 4), 0x000a000a); /* erase 2^10 ms */
	/* narrow reads take the bank word's low lanes, as QEMU: U-Boot's
	 * probe reads 'Q' with a 16-bit access at 0x40 */
	assert_int_equal(tb_rd(&t, BANK1 + 0x40, 2), 0x0051);
	assert_int_equal(tb_rd(&t, BANK1 + 0x42, 2), 0x0051);
	assert_int_equal(tb_rd(&t, BANK1 + 0x20, 2), 0);
	assert_int_equal(tb_rd(&t, BANK1 + 0x40, 1), 0x51);
	assert_int_equal(tb_rd(&t, BANK1 + 0x1000, 4), 0); /* beyond the table */
	/* anything but 0xFF stays in query mode (QEMU) */
	tb_wr(&t, BANK1, 2, 0x00f0);
	assert_int_equal(tb_rd(&t, BANK1 + 0x40, 4), 0x00510051);
	tb_wr(&t, BANK1, 2, 0x00ff);
	assert_true(bank_region(&t, BANK1)->romd);
	assert_int_equal(tb_rd(&t, BANK1 + 0x40, 4), 0xffffffff);
	/* bank 0 was never touched */
	assert_true(bank_region(&t, 0)->romd);
	tb_free(&t);
}

static void test_cfi_id_and_status(void **state)
{
	struct tb t;

	assert_int_equal(tb_make(&t, virt_yaml), 0);
	tb_wr(&t, 0, 4, 0x00900090);
	assert_int_equal(tb_rd(&t, 0, 4), 0x00890089);
	assert_int_equal(tb_rd(&t, 4, 4), 0x00180018);
	assert_int_equal(tb_rd(&t, 8, 4), 0);         /* block 0 unlocked */
	assert_int_equal(tb_rd(&t, 0, 8), 0x0018001800890089ull);
	assert_int_equal(tb_rd(&t, 0x40000 + 8, 4), 0); /* another block: unlocked */
	tb_wr(&t, 0, 4, 0x00700070);
	assert_int_equal(tb_rd(&t, 0, 4), 0x00800080);
	assert_int_equal(tb_rd(&t, 0, 2), 0x0080);
	assert_int_equal(tb_rd(&t, 0, 8), 0x0080008000800080ull);
	/* a machine reset returns to read array and romd */
	assert_false(bank_region(&t, 0)->romd);
	assert_int_equal(vmb_board_reset(t.b, &t.err), 0);
	assert_true(bank_region(&t, 0)->romd);
	assert_int_equal(tb_rd(&t, 0, 4), 0xffffffff);
	tb_free(&t);
}

static void test_cfi_romd_toggles(void **state)
{
	struct tb t;

	assert_int_equal(tb_make(&t, virt_yaml), 0);
	t.romd_changes = 0;
	tb_wr(&t, 0, 4, 0x00ff00ff); /* read array while in read array: no change */
	assert_int_equal(t.romd_changes, 0);
	tb_wr(&t, 0, 4, 0x00700070);
	assert_int_equal(t.romd_changes, 1);
	tb_wr(&t, 0, 4, 0x00900090); /* still not romd: no new notification */
	assert_int_equal(t.romd_changes, 1);
	tb_wr(&t, 0, 4, 0x00ff00ff);
	assert_int_equal(t.romd_changes, 2);
	assert_true(bank_region(&t, 0)->romd);
	tb_free(&t);
}

static void test_cfi_program_erase(void **state)
{
	struct tb t;

	assert_int_equal(tb_make(&t, virt_yaml), 0);
	/* word program at 0x100 and 0x40100 (next 256 KiB block) */
	tb_wr(&t, BANK1 + 0x100, 4, 0x00400040);
	tb_wr(&t, BANK1 + 0x100, 4, 0x12345678);
	assert_int_equal(tb_rd(&t, BANK1 + 0x100, 4), 0x00800080); /* status */
	tb_wr(&t, BANK1, 4, 0x00400040);
	tb_wr(&t, BANK1 + 0x40100, 4, 0xcafef00d);
	tb_wr(&t, BANK1, 4, 0x00ff00ff);
	assert_int_equal(tb_rd(&t, BANK1 + 0x100, 4), 0x12345678);
	assert_int_equal(tb_rd(&t, BANK1 + 0x40100, 4), 0xcafef00d);
	/* erase the first block: the setup alone erases nothing */
	tb_wr(&t, BANK1 + 0x10, 4, 0x00200020);
	assert_int_equal(tb_rd(&t, BANK1 + 0x10, 4), 0x00800080);
	tb_wr(&t, BANK1 + 0x10, 4, 0x00d000d0);
	assert_int_equal(tb_rd(&t, BANK1 + 0x10, 4), 0x00800080);
	tb_wr(&t, BANK1, 4, 0x00ff00ff);
	assert_int_equal(tb_rd(&t, BANK1 + 0x100, 4), 0xffffffff);
	assert_int_equal(tb_rd(&t, BANK1 + 0x40100, 4), 0xcafef00d);
	/* a bad erase confirm: command sequence error, stays in status */
	tb_wr(&t, BANK1, 4, 0x00200020);
	tb_wr(&t, BANK1, 4, 0x00420042);
	assert_int_equal(tb_rd(&t, BANK1, 4), 0x00b000b0);
	assert_false(bank_region(&t, BANK1)->romd);
	tb_wr(&t, BANK1, 4, 0x00500050); /* clear status, read array */
	assert_int_equal(tb_rd(&t, BANK1 + 0x40100, 4), 0xcafef00d);
	tb_wr(&t, BANK1, 4, 0x00700070);
	assert_int_equal(tb_rd(&t, BANK1, 4), 0x00800080);
	/* lock / unlock are accepted */
	tb_wr(&t, BANK1, 4, 0x00600060);
	tb_wr(&t, BANK1, 4, 0x00010001);
	assert_int_equal(tb_rd(&t, BANK1, 4), 0x00800080);
	tb_wr(&t, BANK1, 4, 0x00600060);
	tb_wr(&t, BANK1, 4, 0x00d000d0);
	assert_int_equal(tb_rd(&t, BANK1, 4), 0x00800080);
	tb_free(&t);
}

/*
 * U-Boot's flash_write_cfibuffer() for an Intel chip, port width pw and
 * chip width 2, writing len bytes at bank offset off (in the block starting
 * at sector): clear status, read status, write-to-buffer, wait for XSR.7,
 * count - 1, the data, confirm, full status check, reset.
 */
static void uboot_buffer_write(struct tb *t, uint64_t bank, uint64_t sector,
			       uint64_t off, const uint8_t *src, unsigned len,
			       unsigned pw)
{
	uint64_t cmd_rep = pw == 4 ? 0x00010001ull : 1; /* one lane per chip */
	uint64_t done = pw == 4 ? 0x00800080 : 0x0080;
	unsigned cnt = len / pw;
	int polls = 0;

	tb_wr(t, bank + sector, pw, 0x50 * cmd_rep);
	tb_wr(t, bank + sector, pw, 0x70 * cmd_rep);
	tb_wr(t, bank + sector, pw, 0xe8 * cmd_rep);
	while ((tb_rd(t, bank + sector, pw) & done) != done)
		assert_true(++polls < 10);
	tb_wr(t, bank + sector, pw, (cnt - 1) * cmd_rep);
	for (unsigned i = 0; i < cnt; i++) {
		uint64_t v = 0;

		memcpy(&v, src + i * pw, pw);
		tb_wr(t, bank + off + i * pw, pw, v);
	}
	tb_wr(t, bank + sector, pw, 0xd0 * cmd_rep);
	while ((tb_rd(t, bank + sector, pw) & done) != done)
		assert_true(++polls < 10);
	/* flash_full_status_check: done, and no error bit */
	assert_int_equal(tb_rd(t, bank + sector, pw), done);
	tb_wr(t, bank + sector, pw, 0xff * cmd_rep);
}

static void test_cfi_buffered_uboot_x16(void **state)
{
	static uint8_t data[3 * 2048];
	struct tb t;

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(tb_make(&t, virt_yaml), 0);
	/* saveenv as U-Boot 2023.01 does on QEMU virt (it detects a 16-bit
	 * port): erase, then 2 KiB chunks; the third chunk (offset 0x1000)
	 * is the one QEMU 7.2 fails with "Flash buffer write timeout". */
	tb_wr(&t, BANK1, 2, 0x0050);
	tb_wr(&t, BANK1, 2, 0x0020);
	tb_wr(&t, BANK1, 2, 0x00d0);
	assert_int_equal(tb_rd(&t, BANK1, 2), 0x0080);
	tb_wr(&t, BANK1, 2, 0x00ff);
	for (unsigned c = 0; c < 3; c++)
		uboot_buffer_write(&t, BANK1, 0, c * 2048, data + c * 2048, 2048, 2);
	assert_true(bank_region(&t, BANK1)->romd);
	assert_memory_equal(vmb_board_gpa_ptr(t.b, BANK1, sizeof(data)), data,
			    sizeof(data));
	for (unsigned i = 0; i < sizeof(data); i += 4) {
		uint32_t v;

		memcpy(&v, data + i, 4);
		assert_int_equal(tb_rd(&t, BANK1 + i, 4), v);
	}
	assert_int_equal(tb_rd(&t, BANK1 + sizeof(data), 4), 0xffffffff);
	tb_free(&t);
}

static void test_cfi_buffered_uboot_x32(void **state)
{
	static uint8_t data[2 * 4096];
	struct tb t;

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	assert_int_equal(tb_make(&t, virt_yaml), 0);
	/* upstream U-Boot with a 32-bit port: count 0x03ff03ff, 4 KiB chunks,
	 * here at the second block of bank 0 */
	uboot_buffer_write(&t, 0, 0x40000, 0x40000, data, 4096, 4);
	uboot_buffer_write(&t, 0, 0x40000, 0x41000, data + 4096, 4096, 4);
	assert_memory_equal(vmb_board_gpa_ptr(t.b, 0x40000, sizeof(data)), data,
			    sizeof(data));
	tb_free(&t);
}

static void test_cfi_buffered_errors(void **state)
{
	struct tb t;

	assert_int_equal(tb_make(&t, virt_yaml), 0);
	/* data crossing the 4 KiB write buffer window: program error, the
	 * window is not written */
	tb_wr(&t, BANK1, 4, 0x00e800e8);
	assert_int_equal(tb_rd(&t, BANK1, 4), 0x00800080);
	tb_wr(&t, BANK1, 4, 0x00010001);             /* 2 words */
	tb_wr(&t, BANK1 + 0xffc, 4, 0x11111111);
	tb_wr(&t, BANK1 + 0x1000, 4, 0x22222222);    /* outside */
	tb_wr(&t, BANK1, 4, 0x00d000d0);
	assert_int_equal(tb_rd(&t, BANK1, 4), 0x00900090);
	tb_wr(&t, BANK1, 4, 0x00ff00ff);
	assert_int_equal(tb_rd(&t, BANK1 + 0xffc, 4), 0xffffffff);
	assert_int_equal(tb_rd(&t, BANK1 + 0x1000, 4), 0xffffffff);
	/* a missing confirm: sequence error, nothing written */
	tb_wr(&t, BANK1, 4, 0x00500050);
	tb_wr(&t, BANK1, 4, 0x00e800e8);
	tb_wr(&t, BANK1, 4, 0);                      /* 1 word */
	tb_wr(&t, BANK1 + 0x20, 4, 0x33333333);
	tb_wr(&t, BANK1, 4, 0x00ff00ff);             /* not 0xD0 */
	assert_int_equal(tb_rd(&t, BANK1, 4), 0x00b000b0);
	tb_wr(&t, BANK1, 4, 0x00500050);
	assert_int_equal(tb_rd(&t, BANK1 + 0x20, 4), 0xffffffff);
	/* unknown command: back to read array */
	tb_wr(&t, BANK1, 4, 0x00420042);
	assert_true(bank_region(&t, BANK1)->romd);
	tb_free(&t);
}

static const char small_yaml[] =
	"arch: arm64\n"
	"devices:\n"
	"  - {name: flash, type: cfi-flash, base: 0, size: 2M, banks: 2,\n"
	"     block-size: 64K, files: [bank0.img, ~]}\n";

/* The file is written from the event loop, not by the guest's access:
 * nothing reaches it until the loop runs, then the programmed word does. */
static void test_cfi_writeback_on_loop(void **state)
{
	struct tb t;
	char path[512];
	uint8_t buf[4];
	int fd;

	assert_int_equal(tb_make(&t, small_yaml), 0);
	snprintf(path, sizeof(path), "%s/bank0.img", t.dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	tb_wr(&t, 0x200, 4, 0x00400040);
	tb_wr(&t, 0x200, 4, 0xa1b2c3d4);
	assert_int_equal(pread(fd, buf, 4, 0x200), 4);
	assert_int_equal(buf[0], 0xff); /* still queued */
	assert_true(vmb_loop_run_once(t.b->loop, 1000) >= 1);
	assert_int_equal(pread(fd, buf, 4, 0x200), 4);
	assert_int_equal(vmb_get_le32(buf), 0xa1b2c3d4);
	close(fd);
	tb_free(&t);
}

static void test_cfi_persistence(void **state)
{
	static uint8_t data[2048];
	struct tb t;
	struct stat st;
	char path[512];
	uint8_t buf[16];
	int fd;

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(255 - i);
	assert_int_equal(tb_make(&t, small_yaml), 0);
	snprintf(path, sizeof(path), "%s/bank0.img", t.dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 1 << 20);      /* created at the bank size */
	assert_int_equal(tb_rd(&t, 0x100, 4), 0xffffffff);
	/* program a word, a buffer, erase another block */
	tb_wr(&t, 0x100, 4, 0x00400040);
	tb_wr(&t, 0x100, 4, 0x01020304);
	uboot_buffer_write(&t, 0, 0x10000, 0x10800, data, sizeof(data), 4);
	tb_wr(&t, 0x100000, 4, 0x00400040);            /* bank 1: no file */
	tb_wr(&t, 0x100000, 4, 0x55667788);
	tb_wr(&t, 0x100000, 4, 0x00ff00ff);
	assert_int_equal(tb_rd(&t, 0x100000, 4), 0x55667788);
	tb_close(&t);

	/* the file has it */
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, 4, 0x100), 4);
	assert_int_equal(buf[0], 0x04);
	assert_int_equal(buf[3], 0x01);
	assert_int_equal(pread(fd, buf, 4, 0x10800 + 16), 4);
	assert_memory_equal(buf, data + 16, 4);
	assert_int_equal(pread(fd, buf, 4, 0x10000), 4);
	assert_int_equal(buf[0], 0xff);
	close(fd);

	/* a second board sees it; bank 1 (no file) starts erased again */
	assert_int_equal(tb_board(&t, small_yaml), 0);
	assert_int_equal(tb_rd(&t, 0x100, 4), 0x01020304);
	assert_memory_equal(vmb_board_gpa_ptr(t.b, 0x10800, sizeof(data)), data,
			    sizeof(data));
	assert_int_equal(tb_rd(&t, 0x100000, 4), 0xffffffff);
	/* erase persists too */
	tb_wr(&t, 0x10000, 4, 0x00200020);
	tb_wr(&t, 0x10000, 4, 0x00d000d0);
	tb_wr(&t, 0x10000, 4, 0x00ff00ff);
	tb_close(&t);
	assert_int_equal(tb_board(&t, small_yaml), 0);
	assert_int_equal(tb_rd(&t, 0x10800, 4), 0xffffffff);
	assert_int_equal(tb_rd(&t, 0x100, 4), 0x01020304);
	tb_free(&t);
}

static void test_cfi_file_errors(void **state)
{
	struct tb t;
	char path[512];
	int fd;

	tb_dir(&t);
	snprintf(path, sizeof(path), "%s/bank0.img", t.dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4096), 0);
	close(fd);
	tb_board_fails(&t, small_yaml, "m.yaml:4:", "bank0.img", "4096 bytes",
		       "1048576", NULL);

	/* files must give one entry per bank */
	tb_board_fails(&t,
		"arch: arm64\n"
		"devices:\n"
		"  - {name: flash, type: cfi-flash, base: 0, size: 2M, banks: 2,\n"
		"     block-size: 64K, files: [a.img]}\n",
		"one per bank", NULL);
	/* geometry */
	tb_board_fails(&t,
		"arch: arm64\n"
		"devices:\n"
		"  - {name: flash, type: cfi-flash, base: 0, size: 3M, banks: 2}\n",
		"power of two", NULL);
	tb_board_fails(&t,
		"arch: arm64\n"
		"devices:\n"
		"  - {name: flash, type: cfi-flash, base: 0, size: 2M, bank-width: 3}\n",
		"bank-width", NULL);
	tb_free(&t);
}

static void test_cfi_narrow_banks(void **state)
{
	struct tb t;

	tb_dir(&t);
	/* one x16 chip: 16-bit bank, query at offset * 2 */
	assert_int_equal(tb_board(&t,
		"arch: arm64\n"
		"devices:\n"
		"  - {name: flash, type: cfi-flash, base: 0, size: 1M, bank-width: 2,\n"
		"     device-width: 2, block-size: 64K}\n"), 0);
	tb_wr(&t, 0xaa, 2, 0x98);
	assert_int_equal(tb_rd(&t, 0x20, 2), 'Q');
	/* a 4-byte read combines two bank words */
	assert_int_equal(tb_rd(&t, 0x20, 4), 'Q' | 'R' << 16);
	assert_int_equal(tb_rd(&t, 0x2d * 2, 2), 15);   /* 16 blocks of 64 KiB */
	assert_int_equal(tb_rd(&t, 0x30 * 2, 2), 1);
	assert_int_equal(tb_rd(&t, 0x27 * 2, 2), 20);   /* 1 MiB chip */
	tb_wr(&t, 0, 1, 0xff);                          /* byte command */
	assert_true(vmb_addrmap_find(&t.b->map, 0)->romd);
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfi_query_virt),
		cmocka_unit_test(test_cfi_id_and_status),
		cmocka_unit_test(test_cfi_romd_toggles),
		cmocka_unit_test(test_cfi_program_erase),
		cmocka_unit_test(test_cfi_buffered_uboot_x16),
		cmocka_unit_test(test_cfi_buffered_uboot_x32),
		cmocka_unit_test(test_cfi_buffered_errors),
		cmocka_unit_test(test_cfi_persistence),
		cmocka_unit_test(test_cfi_writeback_on_loop),
		cmocka_unit_test(test_cfi_file_errors),
		cmocka_unit_test(test_cfi_narrow_banks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
