/* SPDX-License-Identifier: MIT */
/*
 * x86_64 boot protocol (src/arch/x86_64): the bzImage setup header parser
 * on a good and on malformed headers, the e820 map made from a board, the
 * MP tables (checksums and entries), and a whole boot preparation (zero
 * page, command line, initrd placement, page tables) on boards loaded from
 * YAML written to a temporary directory.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"

#include "arch/boot.h"
#include "arch/x86_64/bzimage.h"
#include "arch/x86_64/e820.h"
#include "arch/x86_64/mptable.h"
#include "arch/x86_64/x86.h"
#include "board/board.h"
#include "util/bytes.h"

#include "fixture.h"

/* ---- helpers -------------------------------------------------------------- */

#define KERNEL_BYTES 0x3000u

/* A synthetic bzImage: 2 setup sectors + 1 (boot sector), then the
 * protected-mode kernel, whose first bytes are a recognisable pattern. */
static uint8_t *make_bzimage(size_t *len)
{
	size_t setup = 3 * 512;
	uint8_t *b = calloc(1, setup + KERNEL_BYTES);

	b[HDR_SETUP_SECTS] = 2;
	vmb_put_le32(b + HDR_SYSSIZE, KERNEL_BYTES / 16);
	vmb_put_le16(b + HDR_BOOT_FLAG, 0xaa55);
	b[HDR_JUMP] = 0xeb;
	b[HDR_JUMP + 1] = 0x6a;                     /* header ends at 0x26c */
	memcpy(b + HDR_HEADER, "HdrS", 4);
	vmb_put_le16(b + HDR_VERSION, 0x020f);
	b[HDR_LOADFLAGS] = LOADFLAG_LOADED_HIGH;
	vmb_put_le32(b + HDR_CODE32_START, 0x100000);
	vmb_put_le32(b + HDR_INITRD_ADDR_MAX, 0x7fffffff);
	vmb_put_le32(b + HDR_KERNEL_ALIGNMENT, 0x200000);
	b[HDR_RELOCATABLE] = 1;
	vmb_put_le16(b + HDR_XLOADFLAGS, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	vmb_put_le32(b + HDR_CMDLINE_SIZE, 2047);
	vmb_put_le32(b + HDR_PREF_ADDRESS, 0x1000000);
	vmb_put_le32(b + HDR_INIT_SIZE, 0x400000);
	for (unsigned i = 0; i < KERNEL_BYTES; i++)
		b[setup + i] = (uint8_t)(i * 7 + 3);
	*len = setup + KERNEL_BYTES;
	return b;
}

static const char board_yaml[] =
	"arch: x86_64\n"
	"cpus: { count: 3 }\n"
	"memory:\n"
	"  - { name: high, type: ram, base: 0x100000000, size: 16M }\n"
	"  - { name: low, type: ram, base: 0, size: 640K }\n"
	"  - { name: bios, type: rom, base: 0xf0000, size: 64K }\n"
	"  - { name: ram, type: ram, base: 0x100000, size: 63M }\n"
	"boot: { cmdline: \"console=ttyS0\" }\n"
	"devices:\n"
	"  - { name: uart0, type: uart16550, base: 0x3f8, irq: 4, trigger: edge }\n"
	"  - { name: vio, type: virtio-mmio, base: 0xd0000000, size: 0x200,\n"
	"      count: 2, stride: 0x200, irq: 16 }\n";

/* ---- bzImage header -------------------------------------------------------- */

static void test_bzimage_good(void **state)
{
	struct vmb_bzimage bz;
	struct vmb_err err = { "" };
	size_t len;
	uint8_t *img = make_bzimage(&len);

	assert_true(vmb_bzimage_is_bzimage(img, len));
	assert_int_equal(vmb_bzimage_parse(img, len, "bz", &bz, &err), 0);
	assert_int_equal(bz.version, 0x020f);
	assert_int_equal(bz.setup_size, 3 * 512);
	assert_int_equal(bz.kernel_size, KERNEL_BYTES);
	assert_int_equal(bz.header_end, 0x26c);
	assert_int_equal(bz.kernel_alignment, 0x200000);
	assert_true(bz.relocatable);
	assert_int_equal(bz.cmdline_size, 2047);
	assert_int_equal(bz.initrd_addr_max, 0x7fffffff);
	assert_int_equal(bz.pref_address, 0x1000000);
	assert_int_equal(bz.init_size, 0x400000);
	/* setup_sects 0 means 4 (boot.rst). */
	img[HDR_SETUP_SECTS] = 0;
	vmb_put_le32(img + HDR_SYSSIZE, (KERNEL_BYTES - 2 * 512) / 16);
	assert_int_equal(vmb_bzimage_parse(img, len, "bz", &bz, &err), 0);
	assert_int_equal(bz.setup_size, 5 * 512);
	free(img);
}

struct malformed {
	const char *what;
	unsigned off;      /* byte to change */
	unsigned width;
	uint32_t val;
	size_t truncate;   /* new length, 0 = keep */
	const char *msg;   /* expected in the error */
};

static void test_bzimage_malformed(void **state)
{
	static const struct malformed cases[] = {
		{ "no magic", HDR_HEADER, 4, 0x12345678, 0, "no \"HdrS\" magic" },
		{ "boot flag", HDR_BOOT_FLAG, 2, 0x1234, 0, "bad boot flag" },
		{ "old protocol", HDR_VERSION, 2, 0x0209, 0, "boot protocol 2.09" },
		{ "32-bit only", HDR_XLOADFLAGS, 2, 0, 0, "XLF_KERNEL_64" },
		{ "zImage", HDR_LOADFLAGS, 1, 0, 0, "zImage" },
		{ "alignment", HDR_KERNEL_ALIGNMENT, 4, 0x300000, 0, "power of two" },
		{ "zero alignment", HDR_KERNEL_ALIGNMENT, 4, 0, 0, "power of two" },
		{ "truncated", 0, 0, 0, 3 * 512 + 100, "truncated" },
		{ "tiny", 0, 0, 0, 0x100, "too short" },
		{ "header length", HDR_JUMP + 1, 1, 0x10, 0, "out of range" },
		{ "init_size", HDR_INIT_SIZE, 4, 0, 0, "init_size is 0" },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct malformed *c = &cases[i];
		struct vmb_bzimage bz;
		struct vmb_err err = { "" };
		size_t len;
		uint8_t *img = make_bzimage(&len);

		for (unsigned b = 0; b < c->width; b++)
			img[c->off + b] = (uint8_t)(c->val >> (8 * b));
		if (c->truncate)
			len = c->truncate;
		if (vmb_bzimage_parse(img, len, "k.img", &bz, &err) != -1)
			fail_msg("case '%s' was accepted", c->what);
		if (!strstr(err.msg, c->msg) || !strstr(err.msg, "k.img"))
			fail_msg("case '%s': message '%s' lacks '%s'", c->what, err.msg,
				 c->msg);
		free(img);
	}
}

/* ---- e820 ------------------------------------------------------------------ */

static void test_e820_from_board(void **state)
{
	struct tb t;
	struct vmb_e820_entry e[8];
	struct vmb_err err = { "" };
	int n;

	tb_dir(&t);
	tb_board_ok(&t, board_yaml, NULL, 0);
	n = vmb_e820_build(t.b, e, 8, &err);
	assert_int_equal(n, 4);
	assert_int_equal(e[0].addr, 0);
	assert_int_equal(e[0].size, 640 * 1024);
	assert_int_equal(e[0].type, E820_TYPE_RAM);
	assert_int_equal(e[1].addr, 0xf0000);
	assert_int_equal(e[1].size, 0x10000);
	assert_int_equal(e[1].type, E820_TYPE_RESERVED);
	assert_int_equal(e[2].addr, 0x100000);
	assert_int_equal(e[2].size, 63ull << 20);
	assert_int_equal(e[2].type, E820_TYPE_RAM);
	assert_int_equal(e[3].addr, 0x100000000ull);
	assert_int_equal(e[3].size, 16ull << 20);
	assert_int_equal(e[3].type, E820_TYPE_RAM);
	/* Too small a table is an error, not a truncation. */
	assert_int_equal(vmb_e820_build(t.b, e, 3, &err), -1);
	assert_non_null(strstr(err.msg, "more than 3"));
	tb_close(&t);
	tb_free(&t);
}

static void test_e820_shipped_microvm(void **state)
{
	struct vmb_err err = { "" };
	struct vmb_spec *s = vmb_spec_load("machines/microvm-x86_64.yaml", NULL, 0, &err);
	struct vmb_board *b;
	struct vmb_e820_entry e[8];
	int n;

	if (!s)
		fail_msg("%s", err.msg);
	b = vmb_board_create(s, NULL, &err);
	if (!b)
		fail_msg("%s", err.msg);
	n = vmb_e820_build(b, e, 8, &err);
	assert_int_equal(n, 4);
	/* RAM below and above the 32-bit hole, nothing in 3-4 GiB. */
	for (int i = 0; i < n; i++)
		assert_false(e[i].addr < 0x100000000ull &&
			     e[i].addr + e[i].size > 0xc0000000ull);
	assert_int_equal(e[3].addr, 0x100000000ull);
	assert_int_equal(e[3].type, E820_TYPE_RAM);
	vmb_board_destroy(b);
	vmb_spec_free(s);
}

/* ---- MP tables ------------------------------------------------------------- */

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static void test_mptable(void **state)
{
	struct tb t;
	struct vmb_err err = { "" };
	const uint64_t gpa = 0x9f000;
	size_t size, got;
	uint8_t *buf, *fps, *p;
	unsigned nproc = 0, nbus = 0, nioapic = 0, nint = 0, nlint = 0;

	tb_dir(&t);
	tb_board_ok(&t, board_yaml, NULL, 0);
	size = vmb_mptable_size(t.b);
	buf = calloc(1, size);
	got = vmb_mptable_build(t.b, gpa, buf, size, &err);
	assert_int_equal(got, size);

	/* Floating pointer: last 16 bytes, checksum, points at the table. */
	fps = buf + size - 16;
	assert_memory_equal(fps, "_MP_", 4);
	assert_int_equal(sum(fps, 16), 0);
	assert_int_equal(vmb_get_le32(fps + 4), gpa);
	assert_int_equal(fps[8], 1);
	assert_int_equal(fps[9], 4);
	assert_int_equal(fps[11], 0);

	/* Configuration table header. */
	assert_memory_equal(buf, "PCMP", 4);
	assert_int_equal(sum(buf, vmb_get_le16(buf + 4)), 0);
	assert_int_equal(buf[6], 4);
	assert_int_equal(vmb_get_le32(buf + 36), VMB_X86_LAPIC_BASE);
	assert_true(vmb_get_le16(buf + 4) <= size - 16);

	p = buf + 44;
	for (unsigned i = 0; i < vmb_get_le16(buf + 34); i++) {
		switch (p[0]) {
		case 0: /* processor */
			assert_int_equal(p[1], nproc);          /* APIC ID */
			assert_int_equal(p[3] & 1, 1);          /* enabled */
			assert_int_equal(!!(p[3] & 2), nproc == 0); /* BSP */
			nproc++;
			p += 20;
			continue;
		case 1:
			assert_memory_equal(p + 2, "ISA   ", 6);
			nbus++;
			break;
		case 2:
			assert_int_equal(p[1], 3);              /* after the CPUs */
			assert_int_equal(p[3], 1);
			assert_int_equal(vmb_get_le32(p + 4), VMB_X86_IOAPIC_BASE);
			nioapic++;
			break;
		case 3: {
			uint8_t pin = p[7];

			assert_int_equal(p[1], 0);              /* INT */
			assert_int_equal(p[5], pin);            /* ISA IRQ n -> pin n */
			assert_int_equal(p[6], 3);              /* the I/O APIC */
			if (pin == 4)
				assert_int_equal(vmb_get_le16(p + 2), 0x5);  /* edge, high */
			else if (pin == 16 || pin == 17)
				assert_int_equal(vmb_get_le16(p + 2), 0xd);  /* level, high */
			else
				assert_int_equal(vmb_get_le16(p + 2), 0);    /* bus default */
			nint++;
			break;
		}
		case 4:
			assert_int_equal(p[1], nlint == 0 ? 3 : 1); /* ExtINT, NMI */
			assert_int_equal(p[7], nlint);              /* LINT0, LINT1 */
			nlint++;
			break;
		default:
			fail_msg("unknown entry type %u", p[0]);
		}
		p += 8;
	}
	assert_int_equal(nproc, 3);
	assert_int_equal(nbus, 1);
	assert_int_equal(nioapic, 1);
	assert_int_equal(nint, VMB_X86_IOAPIC_PINS);
	assert_int_equal(nlint, 2);
	assert_ptr_equal(p, buf + vmb_get_le16(buf + 4));

	/* Misaligned placement is refused. */
	assert_int_equal(vmb_mptable_build(t.b, gpa + 4, buf, size, &err), 0);
	free(buf);
	tb_close(&t);
	tb_free(&t);
}

/* ---- whole boot ------------------------------------------------------------ */

static void test_boot_bzimage(void **state)
{
	struct tb t;
	struct vmb_boot_state st;
	struct vmb_err err = { "" };
	size_t len;
	uint8_t *img = make_bzimage(&len), initrd[5000];
	const char *kpath, *ipath;
	struct vmb_override ov[4];
	char d0[600], d1[600];
	uint8_t *zp, *k, *mp;
	const char *cl;
	uint64_t rd;
	char want[512];

	memset(initrd, 0x5a, sizeof(initrd));
	tb_dir(&t);
	kpath = tb_file(&t, "bzImage", img, len);
	ipath = tb_file(&t, "initrd", initrd, sizeof(initrd));
	ov[0] = (struct vmb_override){ "boot.kernel", kpath };
	ov[1] = (struct vmb_override){ "boot.initrd", ipath };
	/* virtio-blk in a slot (announced by the slot) and one at its own
	 * base (announced itself) */
	snprintf(d0, sizeof(d0), "{name: d0, type: virtio-blk, read-only: true, file: %s}",
		 ipath);
	snprintf(d1, sizeof(d1), "{name: d1, type: virtio-blk, read-only: true, file: %s,"
		 " base: 0xd0001000, irq: 20}", ipath);
	ov[2] = (struct vmb_override){ "devices.+", d0 };
	ov[3] = (struct vmb_override){ "devices.+", d1 };
	tb_board_ok(&t, board_yaml, ov, 4);
	if (vmb_boot_prepare(t.b, &st, &err))
		fail_msg("%s", err.msg);

	/* Kernel at pref_address, entry at startup_64. */
	assert_int_equal(st.pc, 0x1000000 + 0x200);
	assert_int_equal(st.rsi, VMB_X86_ZERO_PAGE);
	assert_int_equal(st.cr3, VMB_X86_PML4);
	assert_int_equal(st.gdt, VMB_X86_GDT);
	assert_true(st.x86_long_mode);
	k = vmb_board_gpa_ptr(t.b, 0x1000000, KERNEL_BYTES);
	assert_memory_equal(k, img + 3 * 512, KERNEL_BYTES);

	zp = vmb_board_gpa_ptr(t.b, VMB_X86_ZERO_PAGE, BP_SIZE);
	assert_memory_equal(zp + HDR_HEADER, "HdrS", 4);
	assert_int_equal(zp[HDR_TYPE_OF_LOADER], 0xff);
	assert_int_equal(vmb_get_le32(zp + HDR_CODE32_START), 0x1000000);
	assert_int_equal(vmb_get_le16(zp + HDR_XLOADFLAGS), 3);
	assert_int_equal(zp[BP_SENTINEL], 0);

	/* Command line with the virtio-mmio announcements. */
	assert_int_equal(vmb_get_le32(zp + HDR_CMD_LINE_PTR), VMB_X86_CMDLINE);
	cl = (const char *)vmb_board_gpa_ptr(t.b, VMB_X86_CMDLINE, 1);
	snprintf(want, sizeof(want), "console=ttyS0 "
		 "virtio_mmio.device=512@0xd0000000:16 "
		 "virtio_mmio.device=512@0xd0000200:17 "
		 "virtio_mmio.device=512@0xd0001000:20");
	assert_string_equal(cl, want);

	/* initrd: top of the RAM below 4 GiB ("ram" ends at 64 MiB). */
	rd = vmb_get_le32(zp + HDR_RAMDISK_IMAGE) |
	     (uint64_t)vmb_get_le32(zp + BP_EXT_RAMDISK_IMAGE) << 32;
	assert_int_equal(rd, (0x4000000 - sizeof(initrd)) & ~0xfffull);
	assert_int_equal(vmb_get_le32(zp + HDR_RAMDISK_SIZE), sizeof(initrd));
	assert_memory_equal(vmb_board_gpa_ptr(t.b, rd, sizeof(initrd)), initrd,
			    sizeof(initrd));

	/* e820 in the zero page. */
	assert_int_equal(zp[BP_E820_ENTRIES], 4);
	assert_int_equal(vmb_get_le64(zp + BP_E820_TABLE + 2 * 20), 0x100000);
	assert_int_equal(vmb_get_le64(zp + BP_E820_TABLE + 2 * 20 + 8), 63ull << 20);
	assert_int_equal(vmb_get_le32(zp + BP_E820_TABLE + 1 * 20 + 16), E820_TYPE_RESERVED);

	/* GDT and identity map: 2 MiB pages, PD[2047] maps 4 GiB - 2 MiB. */
	assert_int_equal(vmb_get_le64(vmb_board_gpa_ptr(t.b, VMB_X86_GDT + 0x10, 8)),
			 VMB_X86_GDT_CODE64);
	assert_int_equal(vmb_get_le64(vmb_board_gpa_ptr(t.b, VMB_X86_PML4, 8)),
			 VMB_X86_PDPT | 3);
	assert_int_equal(vmb_get_le64(vmb_board_gpa_ptr(t.b, VMB_X86_PD + 2047 * 8, 8)),
			 0xffe00000ull | 0x83);

	/* MP floating pointer in the last KiB of base memory. */
	mp = vmb_board_gpa_ptr(t.b, 0xa0000 - 16, 16);
	assert_memory_equal(mp, "_MP_", 4);
	assert_int_equal(sum(mp, 16), 0);

	free(img);
	tb_close(&t);
	tb_free(&t);
}

static void test_boot_raw_and_errors(void **state)
{
	struct tb t;
	struct vmb_boot_state st;
	struct vmb_err err = { "" };
	static const uint8_t code[] = { 0xfa, 0xf4 }; /* cli; hlt */
	struct vmb_override ov[3] = {
		{ "boot.kernel", NULL },
		{ "boot.kernel-address", "0x200000" },
		{ "boot.entry", "0x200001" },
	};
	size_t len;
	uint8_t *img, *zp;

	tb_dir(&t);
	ov[0].value = tb_file(&t, "raw.bin", code, sizeof(code));
	tb_board_ok(&t, board_yaml, ov, 3);
	if (vmb_boot_prepare(t.b, &st, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(st.pc, 0x200001);
	assert_int_equal(st.sp, VMB_X86_STACK_TOP);
	assert_memory_equal(vmb_board_gpa_ptr(t.b, 0x200000, 2), code, 2);
	/* The setup header a Linux vmlinux needs (Firecracker's fields):
	 * without a loader type Linux ignores the initrd. */
	zp = vmb_board_gpa_ptr(t.b, VMB_X86_ZERO_PAGE, BP_SIZE);
	assert_int_equal(vmb_get_le16(zp + HDR_BOOT_FLAG), 0xaa55);
	assert_memory_equal(zp + HDR_HEADER, "HdrS", 4);
	assert_int_equal(zp[HDR_TYPE_OF_LOADER], 0xff);
	assert_int_equal(vmb_get_le32(zp + HDR_CMDLINE_SIZE), VMB_X86_CMDLINE_MAX - 1);
	assert_int_equal(vmb_get_le32(zp + HDR_CMD_LINE_PTR), VMB_X86_CMDLINE);
	tb_close(&t);

	/* A raw image over the boot area below 1 MiB is refused. */
	ov[1].value = "0x7000";
	ov[2].value = "0x7000";
	tb_board_ok(&t, board_yaml, ov, 3);
	assert_int_equal(vmb_boot_prepare(t.b, &st, &err), -1);
	assert_non_null(strstr(err.msg, "boot area"));
	tb_close(&t);

	/* A bzImage whose init_size does not fit anywhere. */
	img = make_bzimage(&len);
	vmb_put_le32(img + HDR_INIT_SIZE, 0x8000000); /* 128 MiB > every region */
	ov[0].value = tb_file(&t, "big", img, len);
	tb_board_ok(&t, board_yaml, ov, 1);
	assert_int_equal(vmb_boot_prepare(t.b, &st, &err), -1);
	assert_non_null(strstr(err.msg, "init_size"));
	tb_close(&t);
	free(img);

	/* No kernel at all. */
	tb_board_ok(&t, board_yaml, NULL, 0);
	assert_int_equal(vmb_boot_prepare(t.b, &st, &err), -1);
	assert_non_null(strstr(err.msg, "nothing to boot"));
	tb_close(&t);
	tb_free(&t);
}

/* virtio devices on the microvm board: in a slot (announced with the
 * slot) or with a transport of their own (announced by themselves); the
 * 16550 leaves the console to a virtio-console. */
static void test_boot_virtio_devices(void **state)
{
	struct tb t;
	struct vmb_boot_state st;
	struct vmb_err err = { "" };
	size_t len;
	uint8_t *img = make_bzimage(&len);
	struct vmb_override ov[1];
	char yaml[1024];

	(void)state;
	snprintf(yaml, sizeof(yaml), "%s"
		 "  - { name: console0, type: virtio-console }\n"
		 "  - { name: rng0, type: virtio-rng, base: 0xd0100000, irq: 20 }\n",
		 board_yaml);
	tb_dir(&t);
	t.con = vmb_console_memory();
	ov[0] = (struct vmb_override){ .path = "boot.kernel",
				       .value = tb_file(&t, "bzImage", img, len) };
	tb_board_ok(&t, yaml, ov, 1);
	if (vmb_boot_prepare(t.b, &st, &err))
		fail_msg("%s", err.msg);
	assert_string_equal((const char *)vmb_board_gpa_ptr(t.b, VMB_X86_CMDLINE, 1),
			    "console=ttyS0 "
			    "virtio_mmio.device=512@0xd0000000:16 "
			    "virtio_mmio.device=512@0xd0000200:17 "
			    "virtio_mmio.device=512@0xd0100000:20");
	assert_int_equal(tb_rd(&t, 0xd0000200 + 8, 4), 3);  /* console: top slot */
	assert_int_equal(tb_rd(&t, 0xd0000000 + 8, 4), 0);
	assert_int_equal(tb_rd(&t, 0xd0100000 + 8, 4), 4);
	assert_int_equal(vmb_board_pio_write(t.b, 0x3f8, 1, 'x'), 0); /* THR */
	assert_string_equal(vmb_console_output(t.con, NULL), "");
	free(img);
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bzimage_good),
		cmocka_unit_test(test_bzimage_malformed),
		cmocka_unit_test(test_e820_from_board),
		cmocka_unit_test(test_e820_shipped_microvm),
		cmocka_unit_test(test_mptable),
		cmocka_unit_test(test_boot_bzimage),
		cmocka_unit_test(test_boot_raw_and_errors),
		cmocka_unit_test(test_boot_virtio_devices),
	};

	return cmocka_run_group_tests_name("x86_boot", tests, NULL, NULL);
}
