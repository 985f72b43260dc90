/* SPDX-License-Identifier: MIT */
/*
 * arm64 boot: Image header parser, ELF loader, and where the boot protocol
 * puts kernel, initrd and device tree (Linux booting.rst, QEMU hw/arm/boot.c
 * placement). Boards are built from hand-made specs (no YAML), with RAM at
 * 0x80000000 so nothing passes by assuming virt's 0x40000000.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libfdt.h>

#include "arch/arm64/image.h"
#include "arch/boot.h"
#include "arch/elf.h"
#include "board/board.h"
#include "util/bytes.h"

#include "fixture.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (64ull << 20)
#define MiB (1ull << 20)

/* ---- helpers ------------------------------------------------------------ */

/* An Image of len bytes whose code words are recognisable. */
static uint8_t *make_image(size_t len, uint64_t text_offset, uint64_t image_size,
			   uint64_t flags)
{
	uint8_t *b = calloc(1, len);

	vmb_put_le32(b, 0x14000010);        /* b +0x40 */
	vmb_put_le64(b + 0x08, text_offset);
	vmb_put_le64(b + 0x10, image_size);
	vmb_put_le64(b + 0x18, flags);
	vmb_put_le32(b + 0x38, VMB_ARM64_IMAGE_MAGIC);
	return b;
}

static char *write_tmp(const void *buf, size_t len)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *path = malloc(strlen(dir) + 32);
	int fd;

	sprintf(path, "%s/vmb-test-XXXXXX", dir);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	return path;
}

/* A tiny user device tree (so placement tests do not depend on fdt.c). */
static void *make_user_dtb(size_t *len)
{
	void *fdt = calloc(1, 4096);

	assert_int_equal(fdt_create_empty_tree(fdt, 4096), 0);
	assert_int_equal(fdt_setprop_string(fdt, 0, "model", "test"), 0);
	assert_int_equal(fdt_pack(fdt), 0);
	*len = fdt_totalsize(fdt);
	return fdt;
}

struct fixture {
	struct vmb_spec spec;
	struct vmb_mem_spec mem[2];
	struct vmb_board *b;
	char *files[8];
	unsigned nfiles;
};

static char *fx_file(struct fixture *fx, const void *buf, size_t len)
{
	return fx->files[fx->nfiles++] = write_tmp(buf, len);
}

/* RAM at RAM_BASE; with rom, also 1 MiB of ROM at 0. */
static struct fixture *fx_new(bool rom)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	fx_spec_init(&fx->spec, fx->mem, "test", VMB_ARCH_ARM64, 1);
	fx_spec_add_mem(&fx->spec, "ram", VMB_MEM_RAM, RAM_BASE, RAM_SIZE);
	if (rom)
		fx_spec_add_mem(&fx->spec, "rom", VMB_MEM_ROM, 0, MiB);
	return fx;
}

static struct vmb_board *fx_board(struct fixture *fx)
{
	struct vmb_err err = { "" };

	fx->b = vmb_board_create(&fx->spec, NULL, &err);
	if (!fx->b)
		fail_msg("board: %s", err.msg);
	return fx->b;
}

static void fx_free(struct fixture *fx)
{
	vmb_board_destroy(fx->b);
	for (unsigned i = 0; i < fx->nfiles; i++) {
		unlink(fx->files[i]);
		free(fx->files[i]);
	}
	free(fx);
}

static int fx_boot(struct fixture *fx, struct vmb_boot_state *st, struct vmb_err *err)
{
	if (!fx->b)
		fx_board(fx);
	memset(err, 0, sizeof(*err));
	return vmb_boot_prepare(fx->b, st, err);
}

/* The kernel: a 0x2000-byte Image file with this header. */
static void fx_kernel_image(struct fixture *fx, uint64_t text_offset,
			    uint64_t image_size)
{
	uint8_t *img = make_image(0x2000, text_offset, image_size, 0);

	fx->spec.boot.kernel = fx_file(fx, img, 0x2000);
	free(img);
}

/* Boot preparation must succeed; fails the test with the message if not. */
static void boot_ok(struct fixture *fx, struct vmb_boot_state *st)
{
	struct vmb_err err;

	if (fx_boot(fx, st, &err))
		fail_msg("%s", err.msg);
}

/* Boot preparation must fail with want in the message (left in *err). */
static void boot_fails(struct fixture *fx, struct vmb_err *err, const char *want)
{
	struct vmb_boot_state st;

	assert_int_equal(fx_boot(fx, &st, err), -1);
	assert_contains(err->msg, want);
}

/* ---- Image header ------------------------------------------------------- */

/* The first hdr_len bytes of an Image of file_size bytes must be refused
 * with want in the message. */
static void image_fails(const uint8_t *b, size_t hdr_len, uint64_t file_size,
			const char *want)
{
	struct vmb_arm64_image img;
	struct vmb_err err = { "" };

	assert_int_equal(vmb_arm64_image_parse(b, hdr_len, file_size, "Image", &img,
					       &err), -1);
	assert_contains(err.msg, want);
}

static void test_image_good(void **state)
{
	uint8_t *b = make_image(4096, 0x80000, 0x1234000, 0xa); /* 4K, anywhere */
	struct vmb_arm64_image img;
	struct vmb_err err = { "" };

	assert_int_equal(vmb_arm64_image_parse(b, 64, 4096, "Image", &img, &err), 1);
	assert_int_equal(img.text_offset, 0x80000);
	assert_int_equal(img.image_size, 0x1234000);
	assert_false(img.legacy);
	assert_false(img.big_endian);
	assert_int_equal(img.page_size, 4096);
	assert_true(img.anywhere);
	free(b);
}

static void test_image_legacy(void **state)
{
	/* Pre-3.17: image_size 0, text_offset assumed 0x80000 whatever the
	 * field says, the kernel owns the file's size. */
	uint8_t *b = make_image(8192, 0x12345, 0, 0xff);
	struct vmb_arm64_image img;
	struct vmb_err err = { "" };

	assert_int_equal(vmb_arm64_image_parse(b, 64, 8192, "Image", &img, &err), 1);
	assert_true(img.legacy);
	assert_int_equal(img.text_offset, 0x80000);
	assert_int_equal(img.image_size, 8192);
	assert_int_equal(img.flags, 0);
	free(b);
}

static void test_image_bad_magic(void **state)
{
	uint8_t *b = make_image(4096, 0, 0x10000, 0);
	struct vmb_arm64_image img;
	struct vmb_err err = { "" };

	b[0x3b] = 0x65; /* "ARMe" */
	assert_int_equal(vmb_arm64_image_parse(b, 64, 4096, "x", &img, &err), 0);
	/* Too short to hold a magic at all: not an Image either. */
	assert_int_equal(vmb_arm64_image_parse(b, 16, 16, "x", &img, &err), 0);
	free(b);
}

static void test_image_truncated(void **state)
{
	uint8_t *b = make_image(64, 0, 0x10000, 0);

	/* Magic present, header cut short at 0x3e bytes. */
	image_fails(b, 0x3e, 0x3e, "'Image': truncated arm64 Image");
	/* Header only, no code behind it. */
	image_fails(b, 64, 64, "truncated");
	free(b);
}

static void test_image_size_smaller_than_file(void **state)
{
	uint8_t *b = make_image(4096, 0, 0x800, 0);

	image_fails(b, 64, 4096, "image_size is only 2048");
	free(b);
}

static void test_image_absurd_offsets(void **state)
{
	uint8_t *b = make_image(4096, 1ull << 60, 0x10000, 0);

	image_fails(b, 64, 4096, "48-bit");
	free(b);
}

/* ---- ELF loader ---------------------------------------------------------- */

struct seg {
	uint64_t vaddr, paddr, filesz, memsz;
};

/* ELF64 LE for machine with the given PT_LOAD segments; each segment's file
 * bytes are 0x11 * (index + 1). */
static uint8_t *make_elf(uint16_t machine, uint64_t entry, const struct seg *s,
			 unsigned n, size_t *len)
{
	size_t off = 64 + 56 * n, total = off;
	uint8_t *b;

	for (unsigned i = 0; i < n; i++)
		total += s[i].filesz;
	b = calloc(1, total);
	memcpy(b, "\177ELF", 4);
	b[4] = 2;
	b[5] = 1;
	b[6] = 1;
	vmb_put_le16(b + 0x10, 2);
	vmb_put_le16(b + 0x12, machine);
	vmb_put_le32(b + 0x14, 1);
	vmb_put_le64(b + 0x18, entry);
	vmb_put_le64(b + 0x20, 64);
	vmb_put_le16(b + 0x34, 64);
	vmb_put_le16(b + 0x36, 56);
	vmb_put_le16(b + 0x38, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *ph = b + 64 + 56 * i;

		vmb_put_le32(ph, 1);
		vmb_put_le32(ph + 4, 7);
		vmb_put_le64(ph + 0x08, off);
		vmb_put_le64(ph + 0x10, s[i].vaddr);
		vmb_put_le64(ph + 0x18, s[i].paddr);
		vmb_put_le64(ph + 0x20, s[i].filesz);
		vmb_put_le64(ph + 0x28, s[i].memsz);
		memset(b + off, 0x11 * (int)(i + 1), s[i].filesz);
		off += s[i].filesz;
	}
	*len = total;
	return b;
}

static void test_elf_load(void **state)
{
	struct fixture *fx = fx_new(false);
	struct vmb_board *b = fx_board(fx);
	/* Linked high (vmlinux-style), loaded at physical addresses. */
	const struct seg s[2] = {
		{ 0xffff000000000000ull, RAM_BASE + 0x1000, 0x100, 0x100 },
		{ 0xffff000000010000ull, RAM_BASE + 0x11000, 0x80, 0x200 },
	};
	struct vmb_elf_info info;
	struct vmb_err err = { "" };
	size_t len;
	uint8_t *elf = make_elf(VMB_EM_AARCH64, 0xffff000000000040ull, s, 2, &len);
	uint8_t *ram = vmb_board_gpa_ptr(b, RAM_BASE, RAM_SIZE);

	memset(ram, 0xaa, 0x20000);
	assert_int_equal(vmb_elf_load(b, elf, len, "k.elf", VMB_EM_AARCH64, &info, &err), 0);
	assert_int_equal(info.entry, RAM_BASE + 0x1040);
	assert_int_equal(info.lo, RAM_BASE + 0x1000);
	assert_int_equal(info.hi, RAM_BASE + 0x11200);
	assert_int_equal(info.nload, 2);
	assert_int_equal(ram[0x1000], 0x11);
	assert_int_equal(ram[0x10ff], 0x11);
	assert_int_equal(ram[0x1100], 0xaa);   /* untouched */
	assert_int_equal(ram[0x1107f], 0x22);
	assert_int_equal(ram[0x11080], 0);     /* BSS zeroed */
	assert_int_equal(ram[0x111ff], 0);
	assert_int_equal(ram[0x11200], 0xaa);
	free(elf);

	/* x86 vmlinux style: e_entry is the physical address of startup_64,
	 * in no segment's virtual range. */
	elf = make_elf(VMB_EM_AARCH64, RAM_BASE + 0x11010, s, 2, &len);
	assert_int_equal(vmb_elf_load(b, elf, len, "k.elf", VMB_EM_AARCH64, &info, &err), 0);
	assert_int_equal(info.entry, RAM_BASE + 0x11010);
	free(elf);
	fx_free(fx);
}

/* The first len bytes of elf must be refused by the aarch64 ELF loader with
 * want in the message (left in *err). */
static void elf_fails(struct vmb_board *b, const uint8_t *elf, size_t len,
		      struct vmb_err *err, const char *want)
{
	struct vmb_elf_info info;

	assert_int_equal(vmb_elf_load(b, elf, len, "k.elf", VMB_EM_AARCH64, &info,
				      err), -1);
	assert_contains(err->msg, want);
}

static void test_elf_errors(void **state)
{
	struct fixture *fx = fx_new(false);
	struct vmb_board *b = fx_board(fx);
	struct seg s = { RAM_BASE, RAM_BASE, 0x100, 0x100 };
	struct vmb_elf_info info;
	struct vmb_err err = { "" };
	uint8_t *ram = vmb_board_gpa_ptr(b, RAM_BASE, 16);
	size_t len;
	uint8_t *elf;

	/* Wrong machine. */
	elf = make_elf(VMB_EM_X86_64, RAM_BASE, &s, 1, &len);
	elf_fails(b, elf, len, &err, "machine 62");
	free(elf);

	/* 32-bit. */
	elf = make_elf(VMB_EM_AARCH64, RAM_BASE, &s, 1, &len);
	elf[4] = 1;
	elf_fails(b, elf, len, &err, "64-bit");
	free(elf);

	/* Segment data beyond the end of the file. */
	elf = make_elf(VMB_EM_AARCH64, RAM_BASE, &s, 1, &len);
	elf_fails(b, elf, len - 1, &err, "beyond the end of the file");
	/* Program headers cut off. */
	elf_fails(b, elf, 100, &err, "program headers");
	free(elf);

	/* Linked for virt (0x40000000): not in this board's RAM, and guest
	 * memory must stay untouched. */
	s.paddr = s.vaddr = 0x40000000;
	ram[0] = 0x5a;
	elf = make_elf(VMB_EM_AARCH64, 0x40000000, &s, 1, &len);
	elf_fails(b, elf, len, &err,
		  "'k.elf': segment 0 [0x40000000-0x40000100) is not in RAM");
	assert_contains(err.msg, "'ram' starts at 0x80000000");
	free(elf);

	/* Runs off the end of RAM. */
	s.paddr = s.vaddr = RAM_BASE + RAM_SIZE - 0x80;
	elf = make_elf(VMB_EM_AARCH64, s.paddr, &s, 1, &len);
	elf_fails(b, elf, len, &err, "runs past the end of 'ram'");
	free(elf);

	/* Entry outside every segment. */
	s.paddr = s.vaddr = RAM_BASE;
	elf = make_elf(VMB_EM_AARCH64, RAM_BASE + 0x1000, &s, 1, &len);
	elf_fails(b, elf, len, &err, "entry point");
	assert_int_equal(ram[0], 0x5a);
	free(elf);

	assert_int_equal(vmb_elf_load(b, (const uint8_t *)"MZ\0\0", 4, "k", VMB_EM_AARCH64,
				      &info, &err), -1);
	assert_contains(err.msg, "not an ELF file");
	fx_free(fx);
}

/* ---- placement ---------------------------------------------------------- */

static void test_boot_image_placement(void **state)
{
	struct fixture *fx = fx_new(false);
	struct vmb_boot_state st;
	size_t dlen;
	void *dtb = make_user_dtb(&dlen);
	uint8_t *img = make_image(0x3000, 0, 0x600000, 0xa);
	uint8_t initrd[0x1800];
	const uint8_t *g;
	const fdt32_t *p;
	int len, node;

	memset(initrd, 0x42, sizeof(initrd));
	fx->spec.boot.kernel = fx_file(fx, img, 0x3000);
	fx->spec.boot.initrd = fx_file(fx, initrd, sizeof(initrd));
	fx->spec.boot.dtb = fx_file(fx, dtb, dlen);
	fx->spec.boot.cmdline = "console=ttyAMA0";
	boot_ok(fx, &st);

	/* text_offset 0: at the 2 MiB aligned start of RAM. */
	assert_int_equal(st.pc, RAM_BASE);
	g = vmb_board_gpa_ptr(fx->b, RAM_BASE, 0x3000);
	assert_memory_equal(g, img, 0x3000);
	/* Initrd at RAM + min(RAM/2, 128M) = +32 MiB (QEMU's rule); DTB on the
	 * next 2 MiB boundary after it. */
	g = vmb_board_gpa_ptr(fx->b, RAM_BASE + 32 * MiB, sizeof(initrd));
	assert_memory_equal(g, initrd, sizeof(initrd));
	assert_int_equal(st.x[0], RAM_BASE + 34 * MiB);
	assert_int_equal(st.x[1] | st.x[2] | st.x[3], 0);
	assert_int_equal(st.dtb, st.x[0]);

	/* The user tree got /chosen filled in. */
	g = vmb_board_gpa_ptr(fx->b, st.dtb, st.dtb_size);
	assert_int_equal(fdt_check_header(g), 0);
	node = fdt_path_offset(g, "/chosen");
	assert_true(node >= 0);
	assert_string_equal(fdt_getprop(g, node, "bootargs", NULL), "console=ttyAMA0");
	p = fdt_getprop(g, node, "linux,initrd-start", &len);
	assert_int_equal(len, 4);
	assert_int_equal(fdt32_to_cpu(*p), RAM_BASE + 32 * MiB);
	p = fdt_getprop(g, node, "linux,initrd-end", &len);
	assert_int_equal(fdt32_to_cpu(*p), RAM_BASE + 32 * MiB + sizeof(initrd));
	free(img);
	free(dtb);
	fx_free(fx);
}

static void test_boot_image_text_offset_and_big_kernel(void **state)
{
	struct fixture *fx = fx_new(false);
	struct vmb_boot_state st;
	size_t dlen;
	void *dtb = make_user_dtb(&dlen);

	/* Legacy kernel: text_offset 0x80000. A 40 MiB image_size pushes the
	 * initrd/DTB area above the kernel. */
	fx_kernel_image(fx, 0x80000, 40 * MiB);
	fx->spec.boot.dtb = fx_file(fx, dtb, dlen);
	boot_ok(fx, &st);
	assert_int_equal(st.pc, RAM_BASE + 0x80000);
	/* Kernel ends at +0x80000 + 40M; DTB on the next 2 MiB boundary. */
	assert_int_equal(st.x[0], RAM_BASE + 42 * MiB);
	free(dtb);
	fx_free(fx);
}

static void test_boot_image_too_big(void **state)
{
	struct fixture *fx = fx_new(false);
	struct vmb_err err;

	fx_kernel_image(fx, 0, 128 * MiB);
	boot_fails(fx, &err, fx->spec.boot.kernel);
	assert_contains(err.msg, "does not fit in RAM 'ram', which ends at 0x84000000");
	fx_free(fx);
}

static void test_boot_image_malformed(void **state)
{
	struct fixture *fx = fx_new(false);
	struct vmb_err err;

	/* Magic, but the file is bigger than its image_size: not silently
	 * loaded as a raw binary. */
	fx_kernel_image(fx, 0, 0x1000);
	boot_fails(fx, &err, "malformed arm64 Image");
	fx_free(fx);
}

static void test_boot_kernel_address_alignment(void **state)
{
	struct fixture *fx = fx_new(false);
	struct vmb_err err;

	fx_kernel_image(fx, 0, 0x10000);
	fx->spec.boot.has_kernel_addr = true;
	fx->spec.boot.kernel_addr = RAM_BASE + 0x100000;
	boot_fails(fx, &err, "2 MiB boundary");
	fx_free(fx);
}

static void test_boot_overlap(void **state)
{
	struct fixture *fx = fx_new(false);
	struct vmb_err err;
	uint8_t initrd[64] = { 0 };

	fx_kernel_image(fx, 0, 4 * MiB);
	fx->spec.boot.initrd = fx_file(fx, initrd, sizeof(initrd));
	fx->spec.boot.has_initrd_addr = true;
	fx->spec.boot.initrd_addr = RAM_BASE + 2 * MiB;
	boot_fails(fx, &err, "overlaps initrd");
	assert_contains(err.msg, "[0x80000000-0x80400000)");
	fx_free(fx);
}

static void test_boot_dtb_address(void **state)
{
	struct fixture *fx = fx_new(false);
	struct vmb_boot_state st;
	struct vmb_err err;
	uint8_t raw[256] = { 0 };
	size_t dlen;
	void *dtb = make_user_dtb(&dlen);

	fx->spec.boot.kernel = fx_file(fx, raw, sizeof(raw));
	fx->spec.boot.dtb = fx_file(fx, dtb, dlen);
	fx->spec.boot.has_dtb_addr = true;
	fx->spec.boot.dtb_addr = RAM_BASE + 0x1004;
	boot_fails(fx, &err, "8-byte aligned");

	fx->spec.boot.dtb_addr = RAM_BASE + 0x1000;
	boot_ok(fx, &st);
	assert_int_equal(st.x[0], RAM_BASE + 0x1000);

	/* Past the end of RAM. */
	fx->spec.boot.dtb_addr = RAM_BASE + RAM_SIZE - 8;
	boot_fails(fx, &err, "does not fit in RAM");
	free(dtb);
	fx_free(fx);
}

static void test_boot_raw_and_entry(void **state)
{
	struct fixture *fx = fx_new(false);
	struct vmb_boot_state st;
	uint8_t raw[256];
	size_t dlen;
	void *dtb = make_user_dtb(&dlen);

	memset(raw, 0x77, sizeof(raw));
	fx->spec.boot.kernel = fx_file(fx, raw, sizeof(raw));
	fx->spec.boot.dtb = fx_file(fx, dtb, dlen);
	boot_ok(fx, &st);
	assert_int_equal(st.pc, RAM_BASE);
	assert_int_equal(st.x[0], RAM_BASE + 32 * MiB);
	assert_memory_equal(vmb_board_gpa_ptr(fx->b, RAM_BASE, 256), raw, 256);

	fx->spec.boot.has_kernel_addr = true;
	fx->spec.boot.kernel_addr = RAM_BASE + 0x10000;
	fx->spec.boot.has_entry = true;
	fx->spec.boot.entry = RAM_BASE + 0x10080;
	boot_ok(fx, &st);
	assert_int_equal(st.pc, RAM_BASE + 0x10080);
	free(dtb);
	fx_free(fx);
}

static void test_boot_firmware(void **state)
{
	struct fixture *fx = fx_new(true);
	struct vmb_boot_state st;
	struct vmb_err err;
	uint8_t fw[512];
	const uint8_t *g;

	memset(fw, 0xd5, sizeof(fw));
	fx->spec.boot.firmware = fx_file(fx, fw, sizeof(fw));
	/* Generated tree (fdt.c), at the very start of RAM, as QEMU -bios. */
	boot_ok(fx, &st);
	assert_int_equal(st.pc, 0);
	assert_int_equal(st.x[0] | st.x[1] | st.x[2] | st.x[3], 0);
	assert_int_equal(st.dtb, RAM_BASE);
	g = vmb_board_gpa_ptr(fx->b, RAM_BASE, 64);
	assert_int_equal(fdt_check_header(g), 0);
	assert_memory_equal(vmb_board_gpa_ptr(fx->b, 0, sizeof(fw)), fw, sizeof(fw));

	/* Firmware bigger than the ROM. */
	vmb_board_destroy(fx->b);
	fx->b = NULL;
	fx->mem[1].size = 256;
	boot_fails(fx, &err, fx->spec.boot.firmware);
	fx_free(fx);
}

static void test_boot_nothing(void **state)
{
	struct fixture *fx = fx_new(false);
	struct vmb_err err;

	boot_fails(fx, &err, "nothing to boot");
	fx_free(fx);
}

static void test_boot_empty_files(void **state)
{
	struct fixture *fx = fx_new(false);
	struct vmb_err err;
	uint8_t raw[64] = { 0 };

	fx->spec.boot.kernel = fx_file(fx, raw, 0);
	boot_fails(fx, &err, "is empty");
	fx->spec.boot.kernel = fx_file(fx, raw, sizeof(raw));
	fx->spec.boot.initrd = fx_file(fx, raw, 0);
	boot_fails(fx, &err, "initrd");
	assert_contains(err.msg, "is empty");
	fx_free(fx);
}

static void test_boot_bad_user_dtb(void **state)
{
	struct fixture *fx = fx_new(false);
	struct vmb_err err;
	uint8_t raw[64] = { 0 };

	fx->spec.boot.kernel = fx_file(fx, raw, sizeof(raw));
	fx->spec.boot.dtb = fx_file(fx, "not a dtb at all, no sir", 24);
	boot_fails(fx, &err, "is not a valid device tree blob");
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_good),
		cmocka_unit_test(test_image_legacy),
		cmocka_unit_test(test_image_bad_magic),
		cmocka_unit_test(test_image_truncated),
		cmocka_unit_test(test_image_size_smaller_than_file),
		cmocka_unit_test(test_image_absurd_offsets),
		cmocka_unit_test(test_elf_load),
		cmocka_unit_test(test_elf_errors),
		cmocka_unit_test(test_boot_image_placement),
		cmocka_unit_test(test_boot_image_text_offset_and_big_kernel),
		cmocka_unit_test(test_boot_image_too_big),
		cmocka_unit_test(test_boot_image_malformed),
		cmocka_unit_test(test_boot_kernel_address_alignment),
		cmocka_unit_test(test_boot_overlap),
		cmocka_unit_test(test_boot_dtb_address),
		cmocka_unit_test(test_boot_raw_and_entry),
		cmocka_unit_test(test_boot_firmware),
		cmocka_unit_test(test_boot_nothing),
		cmocka_unit_test(test_boot_empty_files),
		cmocka_unit_test(test_boot_bad_user_dtb),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
