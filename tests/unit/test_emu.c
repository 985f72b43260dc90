/* SPDX-License-Identifier: MIT */
/*
 * The emu backend (Unicorn) on a hand-built board: RAM at 0x40000000, a
 * ROM at 0x100000, a romd-capable "flash" at 0x200000 and a test device at
 * 0x09000000, with small A64 programs given as encoded instruction words
 * (the assembly is in the comments). Each program ends with PSCI
 * SYSTEM_OFF (hvc, x0 = 0x84000008), which the test hypercall handler
 * turns into a power-off stop.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "unit.h"

#include "board/board.h"
#include "board/clock.h"
#include "hv/hv.h"

#include "fixture.h"

extern const struct vmb_hv_ops vmb_hv_emu;

#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x100000ull
#define ROM_BASE 0x100000ull
#define ROM_SIZE 0x10000ull
#define FLASH_BASE 0x200000ull
#define FLASH_SIZE 0x10000ull
#define DEV_BASE 0x09000000ull
#define DEV_SIZE 0x20ull

#define PSCI_SYSTEM_OFF 0x84000008u

struct fx {
	struct vmb_spec spec;
	struct vmb_mem_spec mem[2];
	struct vmb_board *b;
	struct vmb_vm vm;
	struct vmb_err err;
	uint8_t *flash;
	struct vmb_region *flash_r;
	/* test device log */
	unsigned nwrites;
	uint64_t woff[8], wval[8];
	unsigned wsize[8];
	unsigned nreads;
	/* flash: command mode answers 0x89; writes logged */
	bool flash_cmd;
	unsigned nfw;
	uint64_t fwoff[16], fwval[16];
	unsigned fwsize[16];
	unsigned nhvc;
};

static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
	struct fx *f = opaque;

	f->nreads++;
	return off == 0 ? 0xabcd : 0;
}

static void dev_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct fx *f = opaque;

	if (f->nwrites < 8) {
		f->woff[f->nwrites] = off;
		f->wval[f->nwrites] = val;
		f->wsize[f->nwrites] = size;
	}
	f->nwrites++;
}

static const struct vmb_io_ops dev_ops = { .read = dev_read, .write = dev_write };

/* A two-command flash: 0x90 enters command mode (reads 0x89, romd off),
 * 0xff returns to read-array (romd on), as CFI flash does. */
static uint64_t flash_read(void *opaque, uint64_t off, unsigned size)
{
	struct fx *f = opaque;

	return f->flash_cmd ? 0x89 : 0xeeeeeeee;
}

static void flash_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct fx *f = opaque;

	if (f->nfw < 16) {
		f->fwoff[f->nfw] = off;
		f->fwval[f->nfw] = val;
		f->fwsize[f->nfw] = size;
	}
	f->nfw++;
	if ((val & 0xff) == 0x90)
		f->flash_cmd = true;
	else if ((val & 0xff) == 0xff)
		f->flash_cmd = false;
	vmb_region_set_romd(f->b, f->flash_r, !f->flash_cmd);
}

static const struct vmb_io_ops flash_ops = { .read = flash_read, .write = flash_write };

static int hypercall(void *opaque, unsigned cpu, uint64_t x[8])
{
	struct fx *f = opaque;

	f->nhvc++;
	if (x[0] == PSCI_SYSTEM_OFF) {
		vmb_board_request_stop(f->b, VMB_STOP_POWEROFF, "off");
		x[0] = 0;
		return 0;
	}
	if (x[0] == 0x1234) {
		x[0] = x[1] + 1;
		return 0;
	}
	return -1;
}

static struct fx *fx_new(enum vmb_arch arch, unsigned ncpus)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fx_spec_init(&f->spec, f->mem, "emu-test", arch, ncpus);
	fx_spec_add_mem(&f->spec, "ram", VMB_MEM_RAM, RAM_BASE, RAM_SIZE);
	fx_spec_add_mem(&f->spec, "rom", VMB_MEM_ROM, ROM_BASE, ROM_SIZE);
	f->b = vmb_board_create(&f->spec, NULL, &f->err);
	assert_non_null(f->b);
	assert_non_null(vmb_board_map_mmio(f->b, NULL, "testdev", DEV_BASE, DEV_SIZE,
					   &dev_ops, f, NULL, &f->err));
	f->flash = mmap(NULL, FLASH_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(f->flash != MAP_FAILED);
	memset(f->flash, 0x11, FLASH_SIZE);
	f->flash_r = vmb_board_map_mmio(f->b, NULL, "flash", FLASH_BASE, FLASH_SIZE,
					&flash_ops, f, f->flash, &f->err);
	assert_non_null(f->flash_r);
	f->flash_r->romd = true;
	f->b->hypercall = hypercall;
	f->b->hypercall_opaque = f;
	memset(vmb_board_gpa_ptr(f->b, ROM_BASE, ROM_SIZE), 0x5a, ROM_SIZE);
	f->vm.board = f->b;
	f->vm.ops = &vmb_hv_emu;
	f->vm.boot.pc = RAM_BASE;
	return f;
}

static void fx_load(struct fx *f, uint64_t gpa, const uint32_t *words, size_t n)
{
	uint8_t *p = vmb_board_gpa_ptr(f->b, gpa, n * 4);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		p[4 * i] = (uint8_t)words[i];
		p[4 * i + 1] = (uint8_t)(words[i] >> 8);
		p[4 * i + 2] = (uint8_t)(words[i] >> 16);
		p[4 * i + 3] = (uint8_t)(words[i] >> 24);
	}
}

static void fx_start(struct fx *f, const uint32_t *words, size_t n)
{
	fx_load(f, RAM_BASE, words, n);
	if (f->vm.ops->create(&f->vm, &f->err) || f->vm.ops->reset(&f->vm, &f->err))
		fail_msg("%s", f->err.msg);
}

static void fx_free(struct fx *f)
{
	if (f->vm.priv)
		f->vm.ops->destroy(&f->vm);
	vmb_board_destroy(f->b);
	munmap(f->flash, FLASH_SIZE);
	free(f);
}

static uint64_t reg(struct fx *f, const char *name)
{
	struct vmb_cpu_state st;

	assert_int_equal(f->vm.ops->get_state(&f->vm, 0, &st), 0);
	for (unsigned i = 0; i < st.nreg; i++)
		if (!strcmp(st.reg[i].name, name))
			return st.reg[i].val;
	fail_msg("no register %s", name);
	return 0;
}

/* What --stats prints for the backend; the caller frees it. */
static char *stats(struct fx *f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	f->vm.ops->print_stats(&f->vm, out);
	fclose(out);
	return text;
}

/* The end of a test program: PSCI SYSTEM_OFF through hvc, then spin. */
#define POWER_OFF							\
	0xd2b08000, /* movz x0, #0x8400, lsl #16 */			\
	0x91002000, /* add x0, x0, #8: PSCI SYSTEM_OFF */		\
	0xd4000002, /* hvc #0 */					\
	0x14000000  /* b . */

#define LOAD(f, prog) fx_start(f, prog, sizeof(prog) / sizeof(prog[0]))

static void test_probe(void **state)
{
	struct fx *f = fx_new(VMB_ARCH_X86_64, 1);
	struct vmb_err err = { "" };

	assert_int_equal(vmb_hv_emu.probe(f->b, &err), -1);
	assert_non_null(strstr(err.msg, "arm64 guests only"));
	fx_free(f);

	f = fx_new(VMB_ARCH_ARM64, 2);
	assert_int_equal(vmb_hv_emu.probe(f->b, &err), -1);
	assert_non_null(strstr(err.msg, "cpus.count: 1"));
	assert_non_null(strstr(err.msg, "--accel kvm"));
	fx_free(f);

	f = fx_new(VMB_ARCH_ARM64, 1);
	assert_int_equal(vmb_hv_emu.probe(f->b, &err), 0);
	/* auto picks emu for an arm64 board on a host without arm64 KVM */
#if !defined(__aarch64__)
	assert_ptr_equal(vmb_hv_select("auto", f->b, &err), &vmb_hv_emu);
#endif
	assert_null(vmb_hv_select("nosuch", f->b, &err));
	assert_non_null(strstr(err.msg, "emu"));
	fx_free(f);
}

static void test_mmio(void **state)
{
	static const uint32_t prog[] = {
		0xd2a12000, /* movz x0, #0x0900, lsl #16 */
		0x52800841, /* mov w1, #0x42 */
		0xb9000401, /* str w1, [x0, #4] */
		0xd28ef101, /* movz x1, #0x7788 */
		0xf2aaacc1, /* movk x1, #0x5566, lsl #16 */
		0xf2c66881, /* movk x1, #0x3344, lsl #32 */
		0xf2e22441, /* movk x1, #0x1122, lsl #48 */
		0xf9000401, /* str x1, [x0, #8] */
		0xb9400002, /* ldr w2, [x0] */
		0x39004001, /* strb w1, [x0, #0x10] */
		POWER_OFF,
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);

	LOAD(f, prog);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_POWEROFF);
	assert_int_equal(f->nwrites, 4);
	assert_int_equal(f->woff[0], 4);
	assert_int_equal(f->wval[0], 0x42);
	assert_int_equal(f->wsize[0], 4);
	/* Unicorn splits an 8-byte device access into two 4-byte ones */
	assert_int_equal(f->woff[1], 8);
	assert_int_equal(f->wval[1], 0x55667788);
	assert_int_equal(f->woff[2], 12);
	assert_int_equal(f->wval[2], 0x11223344);
	assert_int_equal(f->woff[3], 0x10);
	assert_int_equal(f->wval[3], 0x88);
	assert_int_equal(f->wsize[3], 1);
	assert_int_equal(reg(f, "x2"), 0xabcd);
	assert_int_equal(f->nhvc, 1);
	/* the start state: non-secure EL1h, DAIF masked */
	assert_int_equal(reg(f, "pstate") & 0x3cf, 0x3c5);
	fx_free(f);
}

static void test_unmapped_read(void **state)
{
	static const uint32_t prog[] = {
		0xd2a40000, /* movz x0, #0x2000, lsl #16 */
		0xd2800021, /* mov x1, #1 */
		0x91000421, /* add x1, x1, #1 */
		0xb9401002, /* ldr w2, [x0, #0x10] */
		0xd2800063, /* mov x3, #3 */
		0x14000000, /* b . */
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);

	LOAD(f, prog);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_FAULT);
	assert_true(f->vm.fault.has_addr);
	assert_int_equal(f->vm.fault.addr, 0x20000010);
	assert_false(f->vm.fault.is_write);
	assert_int_equal(f->vm.fault.size, 4);
	assert_non_null(strstr(f->vm.fault.what,
			       "read of unmapped address 0x20000010"));
	/* the pc is the load's, not the start of its block */
	assert_int_equal(reg(f, "pc"), RAM_BASE + 12);
	assert_int_equal(reg(f, "x1"), 2);
	assert_int_equal(reg(f, "x3"), 0);
	fx_free(f);
}

static void test_unowned_in_device_page(void **state)
{
	static const uint32_t prog[] = {
		0xd2a12000, /* movz x0, #0x0900, lsl #16 */
		0xb9410001, /* ldr w1, [x0, #0x100]: same page, no device */
		0x14000000, /* b . */
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);

	LOAD(f, prog);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_FAULT);
	assert_int_equal(f->vm.fault.addr, DEV_BASE + 0x100);
	assert_int_equal(reg(f, "pc"), RAM_BASE + 4);
	fx_free(f);
}

static void test_hypercall(void **state)
{
	static const uint32_t prog[] = {
		0xd2824680, /* mov x0, #0x1234 */
		0xd2800521, /* mov x1, #41 */
		0xd4000002, /* hvc #0 */
		0xaa0003f3, /* mov x19, x0 */
		0xd28aaaa0, /* mov x0, #0x5555: nobody handles it */
		0xd4000002, /* hvc #0 */
		0xaa0003f4, /* mov x20, x0 */
		0xd2824680, /* mov x0, #0x1234 */
		0xd2800c61, /* mov x1, #99 */
		0xd4000003, /* smc #0 */
		0xaa0003f5, /* mov x21, x0 */
		0xd503207f, /* wfi: nothing to wait for, goes on */
		0xd2800036, /* mov x22, #1 */
		POWER_OFF,
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);

	LOAD(f, prog);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_POWEROFF);
	assert_int_equal(reg(f, "x19"), 42);
	assert_int_equal(reg(f, "x20"), (uint64_t)-1);
	assert_int_equal(reg(f, "x21"), 100);
	assert_int_equal(reg(f, "x22"), 1);
	assert_int_equal(f->nhvc, 4);
	fx_free(f);
}

static void test_rom_write_ignored(void **state)
{
	static const uint32_t prog[] = {
		0xd2a00200, /* movz x0, #0x10, lsl #16: ROM */
		0xaa0003e3, /* mov x3, x0 */
		0xb9400001, /* ldr w1, [x0] */
		0x910004a5, /* add x5, x5, #1: must run once */
		0x529bd5a2, /* movz w2, #0xdead */
		0xb9000002, /* str w2, [x0] */
		0xb8004462, /* str w2, [x3], #4 */
		0x29010802, /* stp w2, w2, [x0, #8] */
		0xb9400004, /* ldr w4, [x0] */
		0x910004a5, /* add x5, x5, #1 */
		POWER_OFF,
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);
	const uint8_t *rom = vmb_board_gpa_ptr(f->b, ROM_BASE, 16);

	LOAD(f, prog);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_POWEROFF);
	assert_int_equal(reg(f, "x1"), 0x5a5a5a5a);
	assert_int_equal(reg(f, "x4"), 0x5a5a5a5a);
	assert_int_equal(reg(f, "x3"), ROM_BASE + 4);
	assert_int_equal(reg(f, "x5"), 2);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(rom[i], 0x5a);
	fx_free(f);
}

static void test_romd(void **state)
{
	static const uint32_t prog[] = {
		0xd2a00400, /* movz x0, #0x20, lsl #16: flash */
		0xb9400001, /* ldr w1, [x0]: array data */
		0x910004a5, /* add x5, x5, #1 */
		0x52801202, /* mov w2, #0x90 */
		0xb9000002, /* str w2, [x0]: command mode, romd off */
		0xb9400003, /* ldr w3, [x0]: the device answers */
		0x52801fe2, /* mov w2, #0xff */
		0xb9000002, /* str w2, [x0]: read-array, romd on */
		0xb9400004, /* ldr w4, [x0] */
		0x91040007, /* add x7, x0, #0x100 */
		0xd63f00e0, /* blr x7: code in flash */
		0x910004a5, /* add x5, x5, #1 */
		POWER_OFF,
	};
	static const uint32_t in_flash[] = {
		0xd28000e6, /* mov x6, #7 */
		0xd65f03c0, /* ret */
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);
	char *text;

	fx_load(f, FLASH_BASE + 0x100, in_flash, 2);
	LOAD(f, prog);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_POWEROFF);
	assert_int_equal(reg(f, "x1"), 0x11111111);
	assert_int_equal(reg(f, "x3"), 0x89);
	assert_int_equal(reg(f, "x4"), 0x11111111);
	assert_int_equal(reg(f, "x6"), 7);
	assert_int_equal(reg(f, "x5"), 2);
	assert_false(f->flash_cmd);
	assert_true(f->flash_r->romd);
	/* the array was not written by the command cycles */
	assert_int_equal(f->flash[0], 0x11);
	text = stats(f);
	/* to MMIO at the command, back to memory at the fetch */
	assert_non_null(strstr(text, "flash remaps 2"));
	free(text);
	fx_free(f);
}

/* Stores to flash in read-array mode in each addressing form, replayed
 * with the address, size and value the instruction gives and its base
 * writeback; no instruction runs twice. */
static void test_replay_forms(void **state)
{
	static const uint32_t prog[] = {
		0xd2a00400, /* movz x0, #0x20, lsl #16: flash */
		0x91000529, /* add x9, x9, #1: must run once */
		0x91040004, /* add x4, x0, #0x100 */
		0xd2800201, /* mov x1, #0x10 */
		0x12800022, /* mov w2, #-2 */
		0x52824683, /* mov w3, #0x1234 */
		0x528acf05, /* mov w5, #0x5678 */
		0xd29bde06, /* mov x6, #0xdef0 */
		0xf2c15786, /* movk x6, #0xabc, lsl #32 */
		0xb822d883, /* str w3, [x4, w2, sxtw #2]: 0xf8 */
		0x781fc483, /* strh w3, [x4], #-4: 0x100, x4 = 0xfc */
		0x381fcc83, /* strb w3, [x4, #-4]!: 0xf8, x4 = 0xf8 */
		0x29021483, /* stp w3, w5, [x4, #16]: 0x108, 0x10c */
		0xf81f8086, /* stur x6, [x4, #-8]: 0xf0 and 0xf4 */
		0x9104001f, /* add sp, x0, #0x100 */
		0x29be17e3, /* stp w3, w5, [sp, #-16]!: 0xf0, 0xf4 */
		0x889ffc83, /* stlr w3, [x4]: 0xf8 */
		0xb8217883, /* str w3, [x4, x1, lsl #2]: 0x138 */
		0xb8214885, /* str w5, [x4, w1, uxtw]: 0x108 */
		POWER_OFF,
	};
	static const struct { uint64_t off, val; unsigned size; } want[] = {
		{ 0xf8, 0x1234, 4 }, { 0x100, 0x1234, 2 }, { 0xf8, 0x34, 1 },
		{ 0x108, 0x1234, 4 }, { 0x10c, 0x5678, 4 },
		{ 0xf0, 0xdef0, 4 }, { 0xf4, 0xabc, 4 },
		{ 0xf0, 0x1234, 4 }, { 0xf4, 0x5678, 4 },
		{ 0xf8, 0x1234, 4 }, { 0x138, 0x1234, 4 }, { 0x108, 0x5678, 4 },
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);
	char *text;

	LOAD(f, prog);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_POWEROFF);
	assert_int_equal(f->nfw, sizeof(want) / sizeof(want[0]));
	for (unsigned i = 0; i < f->nfw; i++) {
		assert_int_equal(f->fwoff[i], want[i].off);
		assert_int_equal(f->fwval[i], want[i].val);
		assert_int_equal(f->fwsize[i], want[i].size);
	}
	assert_int_equal(reg(f, "x4"), FLASH_BASE + 0xf8);
	assert_int_equal(reg(f, "sp_el1"), FLASH_BASE + 0xf0); /* EL1h */
	assert_int_equal(reg(f, "x9"), 1);
	assert_true(f->flash_r->romd);
	assert_int_equal(f->flash[0xf8], 0x11);
	text = stats(f);
	assert_non_null(strstr(text, "ROM/flash writes replayed 9,"));
	assert_non_null(strstr(text, "flash remaps 0"));
	free(text);
	fx_free(f);
}

/* The same stores again from code that already ran: a loop, and a
 * function called twice. Their blocks are entered by chained direct
 * branches, which leave a stale PC in the engine; each store must still be
 * found and replayed once (issue 12: the second one stopped the guest). */
static void test_replay_repeated(void **state)
{
	static const uint32_t prog[] = {
		0xd2a00400, /* movz x0, #0x20, lsl #16: flash */
		0x52801fe2, /* mov w2, #0xff: read-array, romd stays on */
		0xd2800063, /* mov x3, #3 */
		0xb9000002, /* 1: str w2, [x0] */
		0x91000529, /* add x9, x9, #1 */
		0xf1000463, /* subs x3, x3, #1 */
		0x54ffffa1, /* b.ne 1b */
		0xd2800043, /* mov x3, #2 */
		0x94000004, /* 2: bl 3f */
		0xf1000463, /* subs x3, x3, #1 */
		0x54ffffc1, /* b.ne 2b */
		0x14000004, /* b 4f */
		0x9100054a, /* 3: add x10, x10, #1 */
		0x79000402, /* strh w2, [x0, #2] */
		0xd65f03c0, /* ret */
		POWER_OFF,  /* 4: */
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);

	LOAD(f, prog);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_POWEROFF);
	assert_int_equal(f->nfw, 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(f->fwoff[i], i < 3 ? 0 : 2);
		assert_int_equal(f->fwsize[i], i < 3 ? 4 : 2);
		assert_int_equal(f->fwval[i], 0xff);
	}
	assert_int_equal(reg(f, "x9"), 3);
	assert_int_equal(reg(f, "x10"), 2);
	assert_int_equal(reg(f, "x3"), 0);
	fx_free(f);
}

/* A two-page device that logs every access and answers reads with a
 * pattern of the offset. */
struct wide_log {
	unsigned n;
	bool write[16];
	uint64_t off[16], val[16];
	unsigned size[16];
};

static uint64_t wide_read(void *opaque, uint64_t off, unsigned size)
{
	struct wide_log *l = opaque;

	if (l->n < 16) {
		l->write[l->n] = false;
		l->off[l->n] = off;
		l->size[l->n] = size;
	}
	l->n++;
	return (off * 0x00010001ull) & ((size >= 8 ? 0 : 1ull << (size * 8)) - 1);
}

static void wide_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct wide_log *l = opaque;

	if (l->n < 16) {
		l->write[l->n] = true;
		l->off[l->n] = off;
		l->val[l->n] = val;
		l->size[l->n] = size;
	}
	l->n++;
}

static const struct vmb_io_ops wide_ops = { wide_read, wide_write };

/* Device accesses that cross a page reach the device as two accesses of
 * half their width, low address first (docs/backends.md), not byte by
 * byte (stores) or as the aligned blocks around them (loads), as Unicorn
 * delivers them; a replayed store to flash in read-array mode likewise
 * (issue 12). */
static void test_page_crossing(void **state)
{
	static const uint32_t prog[] = {
		0xd2a12200, /* movz x0, #0x0910, lsl #16: the wide device */
		0xd28ef101, /* movz x1, #0x7788 */
		0xf2aaacc1, /* movk x1, #0x5566, lsl #16 */
		0xf2c66881, /* movk x1, #0x3344, lsl #32 */
		0xf2e22441, /* movk x1, #0x1122, lsl #48 */
		0x913ff004, /* add x4, x0, #0xffc */
		0xf9000081, /* str x1, [x4] */
		0x913ff805, /* add x5, x0, #0xffe */
		0xf90000a1, /* str x1, [x5] */
		0x913ffc06, /* add x6, x0, #0xfff */
		0xb90000c1, /* str w1, [x6] */
		0xd2a00408, /* movz x8, #0x20, lsl #16: flash, read-array */
		0x913ff908, /* add x8, x8, #0xffe */
		0xb9000101, /* str w1, [x8] */
		0x10000047, /* adr x7, 1f */
		0xd61f00e0, /* br x7 */
		0xf9400082, /* 1: ldr x2, [x4] */
		0x91000529, /* add x9, x9, #1 */
		POWER_OFF,
	};
	static const struct { bool write; uint64_t off, val; unsigned size; } want[] = {
		{ true, 0xffc, 0x55667788, 4 }, { true, 0x1000, 0x11223344, 4 },
		{ true, 0xffe, 0x55667788, 4 }, { true, 0x1002, 0x11223344, 4 },
		{ true, 0xfff, 0x7788, 2 },     { true, 0x1001, 0x5566, 2 },
		{ false, 0xffc, 0, 4 },         { false, 0x1000, 0, 4 },
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);
	struct wide_log l = { 0 };

	assert_non_null(vmb_board_map_mmio(f->b, NULL, "wide", 0x09100000, 0x2000,
					   &wide_ops, &l, NULL, &f->err));
	LOAD(f, prog);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_POWEROFF);
	assert_int_equal(l.n, sizeof(want) / sizeof(want[0]));
	for (unsigned i = 0; i < l.n; i++) {
		assert_int_equal(l.write[i], want[i].write);
		assert_int_equal(l.off[i], want[i].off);
		assert_int_equal(l.size[i], want[i].size);
		if (want[i].write)
			assert_int_equal(l.val[i], want[i].val);
	}
	/* the load: the two halves the device answered, low first */
	assert_int_equal(reg(f, "x2"), 0x0ffc0ffcull | 0x10001000ull << 32);
	assert_int_equal(reg(f, "x9"), 1);
	/* the flash store, replayed: two 2-byte halves */
	assert_int_equal(f->nfw, 2);
	assert_int_equal(f->fwoff[0], 0xffe);
	assert_int_equal(f->fwsize[0], 2);
	assert_int_equal(f->fwval[0], 0x7788);
	assert_int_equal(f->fwoff[1], 0x1000);
	assert_int_equal(f->fwsize[1], 2);
	assert_int_equal(f->fwval[1], 0x5566);
	fx_free(f);
}

/* An 8-byte store across two device regions (as across virt's two flash
 * banks): its halves, each split again where it spans both, so no
 * device sees bytes of the other; low address first. */
static void test_page_crossing_regions(void **state)
{
	static const uint32_t prog[] = {
		0xd2840001, /* movz x1, #0x2000 */
		0xf2a12201, /* movk x1, #0x0910, lsl #16 */
		0xd1000c21, /* sub x1, x1, #3: 0x09101ffd */
		0xd28ef10a, /* movz x10, #0x7788 */
		0xf2aaacca, /* movk x10, #0x5566, lsl #16 */
		0xf2c6688a, /* movk x10, #0x3344, lsl #32 */
		0xf2e2244a, /* movk x10, #0x1122, lsl #48 */
		0xf900002a, /* str x10, [x1] */
		POWER_OFF,
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);
	struct wide_log a = { 0 }, b = { 0 };

	assert_non_null(vmb_board_map_mmio(f->b, NULL, "a", 0x09100000, 0x2000,
					   &wide_ops, &a, NULL, &f->err));
	assert_non_null(vmb_board_map_mmio(f->b, NULL, "b", 0x09102000, 0x1000,
					   &wide_ops, &b, NULL, &f->err));
	LOAD(f, prog);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_POWEROFF);
	/* [0x1ffd, +4) spans both: 2 bytes, then [0x1fff, +2): 1 + 1 */
	assert_int_equal(a.n, 2);
	assert_int_equal(a.off[0], 0x1ffd);
	assert_int_equal(a.size[0], 2);
	assert_int_equal(a.val[0], 0x7788);
	assert_int_equal(a.off[1], 0x1fff);
	assert_int_equal(a.size[1], 1);
	assert_int_equal(a.val[1], 0x66);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.off[0], 0);
	assert_int_equal(b.size[0], 1);
	assert_int_equal(b.val[0], 0x55);
	assert_int_equal(b.off[1], 1);
	assert_int_equal(b.size[1], 4);
	assert_int_equal(b.val[1], 0x11223344);
	fx_free(f);
}

/* A 4-byte load across a page is read as its two 2-byte halves; the
 * bytes of the aligned blocks Unicorn asks for that are not part of it
 * are not taken for pieces: the next load of them reaches the device. */
static void test_page_crossing_load(void **state)
{
	static const uint32_t prog[] = {
		0xd2a12200, /* movz x0, #0x0910, lsl #16 */
		0x913ff804, /* add x4, x0, #0xffe */
		0xb9400082, /* ldr w2, [x4] */
		0x10000047, /* adr x7, 1f */
		0xd61f00e0, /* br x7 */
		0xb94ff803, /* 1: ldr w3, [x0, #0xff8] */
		POWER_OFF,
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);
	struct wide_log l = { 0 };

	assert_non_null(vmb_board_map_mmio(f->b, NULL, "wide", 0x09100000, 0x2000,
					   &wide_ops, &l, NULL, &f->err));
	LOAD(f, prog);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_POWEROFF);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.off[0], 0xffe);
	assert_int_equal(l.size[0], 2);
	assert_int_equal(l.off[1], 0x1000);
	assert_int_equal(l.size[1], 2);
	assert_int_equal(l.off[2], 0xff8);
	assert_int_equal(l.size[2], 4);
	assert_int_equal(reg(f, "x2"), 0x10000ffe);
	assert_int_equal(reg(f, "x3"), 0x0ff80ff8);
	fx_free(f);
}

static void test_exception(void **state)
{
	static const uint32_t prog[] = {
		0xd2800021, /* mov x1, #1 */
		0xd4000001, /* svc #0 */
		0x14000000, /* b . */
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);

	LOAD(f, prog);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_FAULT);
	assert_non_null(strstr(f->vm.fault.what, "SVC"));
	assert_non_null(strstr(f->vm.fault.what, "--accel kvm"));
	assert_false(f->vm.fault.has_addr);
	assert_int_equal(reg(f, "pc"), RAM_BASE + 4);
	fx_free(f);
}

static void *stop_later(void *arg)
{
	struct fx *f = arg;
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	vmb_board_request_stop(f->b, VMB_STOP_QUIT, "test");
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_kick_and_reset(void **state)
{
	static const uint32_t prog[] = {
		0xd2a80000, /* movz x0, #0x4000, lsl #16 */
		0x91200000, /* add x0, x0, #0x800 */
		0xf9400001, /* 1: ldr x1, [x0] */
		0x91000421, /* add x1, x1, #1 */
		0xf9000001, /* str x1, [x0] */
		0x17fffffd, /* b 1b */
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);
	const uint64_t *counter;
	uint64_t first;
	pthread_t t;
	double t0;

	LOAD(f, prog);
	counter = (const uint64_t *)vmb_board_gpa_ptr(f->b, RAM_BASE + 0x800, 8);
	/* a stop requested from another thread ends the run promptly */
	t0 = now();
	assert_int_equal(pthread_create(&t, NULL, stop_later, f), 0);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_QUIT);
	pthread_join(t, NULL);
	assert_true(now() - t0 < 5.0);
	first = *counter;
	assert_true(first > 0);

	/* a stop requested before run: run returns at once */
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_QUIT);

	/* reset: registers back to the start state, guest memory kept */
	f->b->stop = VMB_STOP_NONE;
	f->vm.boot.x[0] = 0x1234;
	assert_int_equal(f->vm.ops->reset(&f->vm, &f->err), 0);
	assert_int_equal(reg(f, "pc"), RAM_BASE);
	assert_int_equal(reg(f, "x0"), 0x1234);
	assert_int_equal(reg(f, "x1"), 0);
	assert_int_equal(reg(f, "pstate") & 0x3cf, 0x3c5);
	assert_int_equal(pthread_create(&t, NULL, stop_later, f), 0);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_QUIT);
	pthread_join(t, NULL);
	assert_true(*counter > first);
	fx_free(f);
}

/* pause/resume from another thread while run() runs: the guest stops
 * making progress, its registers can be read, then it goes on. */
static struct {
	bool parked, regs_read, resumed;
} pr;

static void *pause_resume(void *arg)
{
	struct fx *f = arg;
	const volatile uint64_t *counter =
		(const uint64_t *)vmb_board_gpa_ptr(f->b, RAM_BASE + 0x800, 8);
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	struct vmb_regs r;
	uint64_t c0, c1;

	while (!*counter)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	f->vm.ops->pause(&f->vm);
	c0 = *counter;
	nanosleep(&ts, NULL);
	c1 = *counter;
	pr.parked = c0 == c1;
	pr.regs_read = !f->vm.ops->get_regs(&f->vm, 0, &r) && r.arm64.x[1] == c1;
	f->vm.ops->resume(&f->vm);
	nanosleep(&ts, NULL);
	pr.resumed = *counter > c1;
	vmb_board_request_stop(f->b, VMB_STOP_QUIT, "test");
	return NULL;
}

static void test_pause_resume(void **state)
{
	static const uint32_t prog[] = {
		0xd2a80000, /* movz x0, #0x4000, lsl #16 */
		0x91200000, /* add x0, x0, #0x800 */
		0xf9400001, /* 1: ldr x1, [x0] */
		0x91000421, /* add x1, x1, #1 */
		0xf9000001, /* str x1, [x0] */
		0x17fffffd, /* b 1b */
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);
	pthread_t t;

	LOAD(f, prog);
	assert_int_equal(pthread_create(&t, NULL, pause_resume, f), 0);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_QUIT);
	pthread_join(t, NULL);
	assert_true(pr.parked);
	assert_true(pr.regs_read);
	assert_true(pr.resumed);
	fx_free(f);
}

/* Structured registers: set before a run, read after it, on the vCPU
 * thread; a PSTATE change Unicorn cannot follow is refused. */
static void test_regs(void **state)
{
	static const uint32_t prog[] = {
		0x8b010002, /* add x2, x0, x1 */
		0x910043e3, /* add x3, sp, #16 */
		POWER_OFF,
	};
	struct fx *f = fx_new(VMB_ARCH_ARM64, 1);
	struct vmb_regs r;

	LOAD(f, prog);
	assert_int_equal(f->vm.ops->get_regs(&f->vm, 0, &r), 0);
	assert_int_equal(r.arch, VMB_ARCH_ARM64);
	assert_int_equal(r.arm64.pc, RAM_BASE);
	assert_int_equal(r.arm64.pstate & 0x3cf, 0x3c5); /* EL1h, DAIF */
	r.arm64.x[0] = 40;
	r.arm64.x[1] = 2;
	r.arm64.sp_el1 = RAM_BASE + 0x8000;
	r.arm64.vbar_el1 = RAM_BASE + 0x800;
	assert_int_equal(f->vm.ops->set_regs(&f->vm, 0, &r), 0);
	assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_POWEROFF);
	memset(&r, 0, sizeof(r));
	assert_int_equal(f->vm.ops->get_regs(&f->vm, 0, &r), 0);
	assert_int_equal(r.arm64.x[2], 42);
	assert_int_equal(r.arm64.x[3], RAM_BASE + 0x8010);
	assert_int_equal(r.arm64.sp_el1, RAM_BASE + 0x8000);
	assert_int_equal(r.arm64.vbar_el1, RAM_BASE + 0x800);
	assert_int_equal(r.arm64.pc, RAM_BASE + 5 * 4); /* after the hvc */
	assert_int_equal(reg(f, "x2"), 42); /* the crash report's view */
	r.arm64.pstate ^= 4; /* EL1 -> EL0 */
	assert_int_equal(f->vm.ops->set_regs(&f->vm, 0, &r), -1);
	assert_int_equal(f->vm.ops->get_regs(&f->vm, 1, &r), -1);
	fx_free(f);
}

/* Deterministic machines: the counter reads come from the virtual clock
 * (src/hv/emu-clock.c), 1 us per read, the same on every run, and the
 * board's clock (RTCs) follows it. */
static void test_virtual_clock(void **state)
{
	static const uint32_t prog[] = {
		0xd53be041, /* mrs x1, cntvct_el0 */
		0xd53be042, /* mrs x2, cntvct_el0 */
		0xd53be023, /* mrs x3, cntpct_el0 */
		0xd53be004, /* mrs x4, cntfrq_el0 */
		POWER_OFF,
	};
	uint64_t first[4];

	for (int run = 0; run < 2; run++) {
		struct fx *f = fx_new(VMB_ARCH_ARM64, 1);
		uint64_t frq;

		f->spec.det.enabled = true;
		f->spec.det.rtc_start = 1700000000;
		LOAD(f, prog);
		assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_POWEROFF);
		frq = reg(f, "x4");
		assert_true(frq > 0);
		assert_int_equal(reg(f, "x1"), 1000 * frq / 1000000000);
		assert_int_equal(reg(f, "x2"), 2000 * frq / 1000000000);
		assert_int_equal(reg(f, "x3"), 3000 * frq / 1000000000);
		assert_int_equal(vmb_board_elapsed_ns(f->b), 3000);
		assert_int_equal(vmb_board_time(f->b), 1700000000);
		if (!run) {
			first[0] = reg(f, "x1"), first[1] = reg(f, "x2");
			first[2] = reg(f, "x3"), first[3] = frq;
		} else {
			assert_int_equal(first[0], reg(f, "x1"));
			assert_int_equal(first[1], reg(f, "x2"));
			assert_int_equal(first[2], reg(f, "x3"));
			assert_int_equal(first[3], frq);
		}
		fx_free(f);
	}

	/* Off: Unicorn's own counter, and no virtual clock for the board. */
	{
		struct fx *f = fx_new(VMB_ARCH_ARM64, 1);

		LOAD(f, prog);
		assert_int_equal(f->vm.ops->run(&f->vm), VMB_STOP_POWEROFF);
		assert_null(f->b->hv.clock_ns);
		assert_true(reg(f, "x2") >= reg(f, "x1"));
		fx_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_mmio),
		cmocka_unit_test(test_unmapped_read),
		cmocka_unit_test(test_unowned_in_device_page),
		cmocka_unit_test(test_hypercall),
		cmocka_unit_test(test_rom_write_ignored),
		cmocka_unit_test(test_romd),
		cmocka_unit_test(test_replay_forms),
		cmocka_unit_test(test_replay_repeated),
		cmocka_unit_test(test_page_crossing),
		cmocka_unit_test(test_page_crossing_regions),
		cmocka_unit_test(test_page_crossing_load),
		cmocka_unit_test(test_exception),
		cmocka_unit_test(test_kick_and_reset),
		cmocka_unit_test(test_regs),
		cmocka_unit_test(test_pause_resume),
		cmocka_unit_test(test_virtual_clock),
	};

	if (!vmb_hv_emu.create) {
		printf("emu backend not built in (VMB_EMU=0): tests skipped\n");
		return 0;
	}
	return cmocka_run_group_tests_name("emu", tests, NULL, NULL);
}
