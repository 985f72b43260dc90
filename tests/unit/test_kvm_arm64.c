/* SPDX-License-Identifier: MIT */
/*
 * KVM on arm64, the parts that need no KVM: which regions of the shipped
 * virt boards become memslots and which are read-only (vmb_kvm_wants_slot,
 * kvm.h), the IPA size a board needs, the vGIC derived from the board's GIC
 * device, the KVM_IRQ_LINE encoding of an SPI, and the stage-1 walk that
 * crash reports read guest code through (kvm-arm64.h). The real
 * machines/virt*.yaml boards are built (paths relative to the repository
 * root, where `make check-unit` runs); edge cases use hand-made maps.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/kvm.h>

#include "unit.h"

#include "board/board.h"
#include "hv/kvm-arm64.h"
#include "hv/kvm.h"

static struct vmb_board *load_board(const char *file, const char *smp,
				    struct vmb_spec **specp)
{
	struct vmb_override ov[] = { { "cpus.count", smp } };
	struct vmb_err err = { "" };
	struct vmb_spec *s = vmb_spec_load(file, ov, smp ? 1 : 0, &err);
	struct vmb_board *b;

	if (!s)
		fail_msg("%s: %s", file, err.msg);
	b = vmb_board_create(s, NULL, &err);
	if (!b)
		fail_msg("%s: %s", file, err.msg);
	*specp = s;
	return b;
}

static void free_board(struct vmb_board *b, struct vmb_spec *s)
{
	vmb_board_destroy(b);
	vmb_spec_free(s);
}

static struct vmb_region *region_at(struct vmb_board *b, uint64_t gpa)
{
	struct vmb_region *r = vmb_addrmap_find(&b->map, gpa);

	assert_non_null(r);
	return r;
}

/* QEMU virt: both flash banks and RAM are guest memory, the flash banks
 * read-only (writes exit to the CFI model); nothing else is. */
static void test_virt_memslots(void **state)
{
	struct vmb_spec *s;
	struct vmb_board *b = load_board("machines/virt-gicv3.yaml", NULL, &s);
	struct vmb_region *bank0 = region_at(b, 0x0), *bank1 = region_at(b, 0x4000000);
	struct vmb_region *ram = region_at(b, 0x40000000);
	unsigned nslots = 0;
	uint32_t flags;

	(void)state;
	for (unsigned i = 0; i < b->map.n; i++)
		if (vmb_kvm_wants_slot(b->map.r[i], true, &flags))
			nslots++;
	assert_int_equal(nslots, 3);

	assert_int_equal(bank0->size, 0x4000000);
	assert_true(vmb_kvm_wants_slot(bank0, true, &flags));
	assert_int_equal(flags, KVM_MEM_READONLY);
	assert_true(vmb_kvm_wants_slot(bank1, true, &flags));
	assert_int_equal(flags, KVM_MEM_READONLY);
	assert_true(vmb_kvm_wants_slot(ram, true, &flags));
	assert_int_equal(flags, 0);
	assert_int_equal(ram->size, 128 << 20);

	/* Device registers stay MMIO. */
	assert_false(vmb_kvm_wants_slot(region_at(b, 0x09000000), true, &flags));
	assert_false(vmb_kvm_wants_slot(region_at(b, 0x08000000), true, &flags));
	assert_false(vmb_kvm_wants_slot(region_at(b, 0x4010000000), true, &flags));

	/* A bank out of read-array mode (CFI command issued) loses its slot,
	 * so its reads exit to the device too; it comes back with romd. */
	vmb_region_set_romd(b, bank1, false);
	assert_false(vmb_kvm_wants_slot(bank1, true, &flags));
	vmb_region_set_romd(b, bank1, true);
	assert_true(vmb_kvm_wants_slot(bank1, true, &flags));

	/* Without read-only memslots only RAM can be guest memory. */
	assert_false(vmb_kvm_wants_slot(bank0, false, &flags));
	assert_true(vmb_kvm_wants_slot(ram, false, &flags));
	free_board(b, s);
}

static void test_rom_and_unaligned(void **state)
{
	static uint8_t mem[0x3000] __attribute__((aligned(4096)));
	struct vmb_region rom = { .kind = VMB_REGION_ROM, .gpa = 0x0, .size = 0x2000,
				  .host = mem };
	struct vmb_region odd = rom, oddhost = rom, nohost = rom;
	uint32_t flags;

	(void)state;
	assert_true(vmb_kvm_wants_slot(&rom, true, &flags));
	assert_int_equal(flags, KVM_MEM_READONLY);
	/* Not page aligned: served through MMIO exits, correct but slower. */
	odd.size = 0x800;
	assert_false(vmb_kvm_wants_slot(&odd, true, &flags));
	oddhost.host = mem + 8;
	assert_false(vmb_kvm_wants_slot(&oddhost, true, &flags));
	nohost.host = NULL;
	assert_false(vmb_kvm_wants_slot(&nohost, true, &flags));
}

static void test_ipa_bits_virt(void **state)
{
	struct vmb_spec *s;
	struct vmb_board *b = load_board("machines/virt-gicv3.yaml", NULL, &s);

	(void)state;
	/* The high PCIe ECAM, 0x4010000000 + 256 MiB, ends at 0x401fffffff. */
	assert_int_equal(vmb_kvm_arm64_ipa_bits(b), 39);
	free_board(b, s);
}

static void test_ipa_bits_edges(void **state)
{
	struct vmb_board b = { 0 };
	struct vmb_region r[3] = {
		{ .gpa = 0x40000000, .size = 0x8000000 },
		{ .gpa = 0xc0000000, .size = 0x40000000 },  /* ends at 4 GiB */
		{ .gpa = 0x8000000000, .size = 0x8000000000 }, /* ends at 1 TiB */
	};
	struct vmb_region *clash;

	(void)state;
	/* Nothing mapped, or everything below 4 GiB: KVM's minimum, 32. */
	assert_int_equal(vmb_kvm_arm64_ipa_bits(&b), 32);
	assert_int_equal(vmb_addrmap_insert(&b.map, &r[0], &clash), 0);
	assert_int_equal(vmb_kvm_arm64_ipa_bits(&b), 32);
	assert_int_equal(vmb_addrmap_insert(&b.map, &r[1], &clash), 0);
	assert_int_equal(vmb_kvm_arm64_ipa_bits(&b), 32);
	assert_int_equal(vmb_addrmap_insert(&b.map, &r[2], &clash), 0);
	assert_int_equal(vmb_kvm_arm64_ipa_bits(&b), 40);
	free(b.map.r);
}

static void test_vgic_v3(void **state)
{
	struct vmb_spec *s;
	struct vmb_board *b = load_board("machines/virt-gicv3.yaml", "2", &s);
	struct vmb_err err = { "" };
	struct vmb_kvm_vgic g;

	(void)state;
	assert_int_equal(vmb_kvm_arm64_vgic(b, 2, &g, &err), 0);
	assert_int_equal(g.version, 3);
	/* QEMU -M virt,gic-version=3 addresses. */
	assert_int_equal(g.dist, 0x08000000);
	assert_int_equal(g.redist, 0x080A0000);
	assert_int_equal(g.redist_size, 0xF60000);
	assert_true(g.has_its);
	assert_int_equal(g.its, 0x08080000);
	/* 256 SPIs + 32 private, as QEMU virt. */
	assert_int_equal(g.nr_irqs, 288);
	/* 0xF60000 holds 123 redistributors. */
	assert_int_equal(vmb_kvm_arm64_vgic(b, 123, &g, &err), 0);
	assert_int_equal(vmb_kvm_arm64_vgic(b, 124, &g, &err), -1);
	assert_non_null(strstr(err.msg, "holds 123 vCPUs"));
	free_board(b, s);
}

static void test_vgic_v2(void **state)
{
	struct vmb_spec *s;
	struct vmb_board *b = load_board("machines/virt.yaml", NULL, &s);
	struct vmb_err err = { "" };
	struct vmb_kvm_vgic g;

	(void)state;
	assert_int_equal(vmb_kvm_arm64_vgic(b, 1, &g, &err), 0);
	assert_int_equal(g.version, 2);
	assert_int_equal(g.dist, 0x08000000);
	assert_int_equal(g.cpu, 0x08010000);
	assert_int_equal(g.nr_irqs, 288);
	assert_int_equal(vmb_kvm_arm64_vgic(b, 9, &g, &err), -1);
	assert_non_null(strstr(err.msg, "at most 8 vCPUs"));
	free_board(b, s);
}

static void test_vgic_none(void **state)
{
	struct vmb_board b = { 0 };
	struct vmb_err err = { "" };
	struct vmb_kvm_vgic g;

	(void)state;
	assert_int_equal(vmb_kvm_arm64_vgic(&b, 1, &g, &err), -1);
	assert_non_null(strstr(err.msg, "no interrupt controller"));
}

static void test_spi_line(void **state)
{
	(void)state;
	/* irq_type 1 (SPI) << 24, INTID = 32 + SPI: PL011's SPI 1 is INTID 33. */
	assert_int_equal(vmb_kvm_arm64_spi_line(1), 0x01000021);
	assert_int_equal(vmb_kvm_arm64_spi_line(47), 0x0100004f);
}

/* ---- stage-1 walks over hand-built tables ------------------------------- */

struct desc {
	uint64_t gpa, val;
};

/* Guest memory holding only the descriptors listed; the rest reads 0
 * (invalid). A GPA of 0xdead000 is unreadable. */
static int read_descs(void *opaque, uint64_t gpa, uint64_t *val)
{
	const struct desc *d = opaque;

	if (gpa == 0xdead000)
		return -1;
	*val = 0;
	for (; d->gpa; d++)
		if (d->gpa == gpa)
			*val = d->val;
	return 0;
}

/* 4 KiB granule, 48-bit VAs: L0 at 0x1000 -> L1 0x2000 -> L2 0x3000 ->
 * L3 0x4000 for VA bits 47:0 = 0x12345678 (indexes 0, 0, 0x91, 0x145),
 * a 2 MiB block at L2 index 0x92, a table nobody can read at index 0x93. */
static const struct desc tables_4k[] = {
	{ 0x1000, 0x2000 | 3 },
	{ 0x2000, 0x3000 | 3 },
	{ 0x3000 + 8 * 0x91, 0x4000 | 3 },
	{ 0x3000 + 8 * 0x92, 0x40200000 | 0x701 },     /* block */
	{ 0x4000 + 8 * 0x145, 0x40005000 | 0x703 },    /* page */
	{ 0x3000 + 8 * 0x93, 0xdead000 | 3 },          /* unreadable table */
	{ 0, 0 },
};

#define TCR_T0SZ(n) ((uint64_t)(n))
#define TCR_T1SZ(n) ((uint64_t)(n) << 16)
#define TCR_TG1_4K  (2ull << 30)
#define TCR_TG1_64K (3ull << 30)
#define TCR_EPD1    (1ull << 23)
#define TCR_TBI0    (1ull << 37)

static void test_stage1_4k(void **state)
{
	struct vmb_arm64_mmu m = {
		.sctlr = 1, .tcr = TCR_T0SZ(16) | TCR_T1SZ(16) | TCR_TG1_4K,
		.ttbr0 = 0x1000, .ttbr1 = 0x1000 | 1 /* CnP, ignored */,
	};
	void *mem = (void *)tables_4k;
	uint64_t pa = 0;

	(void)state;
	/* Kernel half (TTBR1) and user half (TTBR0), same tables. */
	assert_int_equal(vmb_arm64_stage1(&m, 0xffff000012345678, &pa, read_descs, mem), 0);
	assert_int_equal(pa, 0x40005678);
	assert_int_equal(vmb_arm64_stage1(&m, 0x0000000012345678, &pa, read_descs, mem), 0);
	assert_int_equal(pa, 0x40005678);
	/* 2 MiB block. */
	assert_int_equal(vmb_arm64_stage1(&m, 0xffff000012401234, &pa, read_descs, mem), 0);
	assert_int_equal(pa, 0x40201234);
	/* Invalid descriptor, unreadable table, non-canonical address. */
	assert_int_equal(vmb_arm64_stage1(&m, 0xffff000012346000, &pa, read_descs, mem), -1);
	assert_int_equal(vmb_arm64_stage1(&m, 0xffff000012600000, &pa, read_descs, mem), -1);
	assert_int_equal(vmb_arm64_stage1(&m, 0xff7f000012345678, &pa, read_descs, mem), -1);
	/* A tag in the top byte: only with TBI0. */
	assert_int_equal(vmb_arm64_stage1(&m, 0x5a00000012345678, &pa, read_descs, mem), -1);
	m.tcr |= TCR_TBI0;
	assert_int_equal(vmb_arm64_stage1(&m, 0x5a00000012345678, &pa, read_descs, mem), 0);
	assert_int_equal(pa, 0x40005678);
	/* EPD1: no walks through TTBR1. */
	m.tcr |= TCR_EPD1;
	assert_int_equal(vmb_arm64_stage1(&m, 0xffff000012345678, &pa, read_descs, mem), -1);
	/* MMU off: the VA is the PA. */
	m.sctlr = 0;
	assert_int_equal(vmb_arm64_stage1(&m, 0xffff000012345678, &pa, read_descs, mem), 0);
	assert_int_equal(pa, 0xffff000012345678);
}

static void test_stage1_4k_39bit(void **state)
{
	/* T1SZ 25: 39-bit VAs start at level 1 (L1 table at 0x2000 here). */
	struct vmb_arm64_mmu m = {
		.sctlr = 1, .tcr = TCR_T1SZ(25) | TCR_TG1_4K, .ttbr1 = 0x2000,
	};
	uint64_t pa = 0;

	(void)state;
	assert_int_equal(vmb_arm64_stage1(&m, 0xffffff8012345678, &pa, read_descs,
					  (void *)tables_4k), 0);
	assert_int_equal(pa, 0x40005678);
	/* Bits 63:39 must all be ones in the TTBR1 range. */
	assert_int_equal(vmb_arm64_stage1(&m, 0xffff000012345678, &pa, read_descs,
					  (void *)tables_4k), -1);
}

static void test_stage1_64k(void **state)
{
	/* 64 KiB granule, 48-bit: levels 1 (6 bits), 2, 3 (13 bits each). */
	static const struct desc t[] = {
		{ 0x10000, 0x20000 | 3 },
		{ 0x20000, 0x30000 | 3 },
		{ 0x30000 + 8 * 0x1234, 0x50000000 | 0x703 },
		{ 0, 0 },
	};
	struct vmb_arm64_mmu m = {
		.sctlr = 1, .tcr = TCR_T1SZ(16) | TCR_TG1_64K, .ttbr1 = 0x10000,
	};
	uint64_t pa = 0;

	(void)state;
	assert_int_equal(vmb_arm64_stage1(&m, 0xffff000012345678, &pa, read_descs,
					  (void *)t), 0);
	assert_int_equal(pa, 0x50005678);
}

/* Debug register encodings, worked out by hand from the Arm ARM (D2.9.3
 * DBGBCR, D2.10.3 DBGWCR): E bit 0, PMC/PAC bits 2:1, LSC bits 4:3, BAS
 * from bit 5, MASK bits 28:24. */
static void test_debug_regs(void **state)
{
	unsigned long long bvr;
	uint64_t wcr, wvr;

	(void)state;
	assert_int_equal(vmb_kvm_arm64_bcr(0xffff8000083a8ba2ull, &bvr), 0x1e7);
	assert_true(bvr == 0xffff8000083a8ba0ull);
	/* 4-byte write watch at +4 of a doubleword: BAS 0xf0 */
	assert_int_equal(vmb_kvm_arm64_wcr(0x1004, 4, VMB_WP_WRITE, &wcr, &wvr), 0);
	assert_int_equal(wcr, 0x1e17);
	assert_int_equal(wvr, 0x1000);
	/* one byte read at +7: BAS 0x80, LSC load */
	assert_int_equal(vmb_kvm_arm64_wcr(0x1007, 1, VMB_WP_READ, &wcr, &wvr), 0);
	assert_int_equal(wcr, 0x100f);
	assert_int_equal(wvr, 0x1000);
	/* a whole doubleword, any access */
	assert_int_equal(vmb_kvm_arm64_wcr(0x2000, 8, VMB_WP_ACCESS, &wcr, &wvr), 0);
	assert_int_equal(wcr, 0x1fff);
	assert_int_equal(wvr, 0x2000);
	/* 16 aligned bytes: MASK 4, BAS all ones */
	assert_int_equal(vmb_kvm_arm64_wcr(0x3000, 16, VMB_WP_WRITE, &wcr, &wvr), 0);
	assert_int_equal(wcr, 0x04001ff7);
	assert_int_equal(wvr, 0x3000);
	assert_int_equal(vmb_kvm_arm64_wcr(0x4000, 4096, VMB_WP_READ, &wcr, &wvr), 0);
	assert_int_equal(wcr >> 24, 12);
	/* not expressible: across doublewords, not a power of two, misaligned,
	 * empty */
	assert_int_equal(vmb_kvm_arm64_wcr(0x1006, 4, VMB_WP_WRITE, &wcr, &wvr), -1);
	assert_int_equal(vmb_kvm_arm64_wcr(0x1000, 12, VMB_WP_WRITE, &wcr, &wvr), -1);
	assert_int_equal(vmb_kvm_arm64_wcr(0x1008, 16, VMB_WP_WRITE, &wcr, &wvr), -1);
	assert_int_equal(vmb_kvm_arm64_wcr(0x1000, 0, VMB_WP_WRITE, &wcr, &wvr), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virt_memslots),
		cmocka_unit_test(test_rom_and_unaligned),
		cmocka_unit_test(test_ipa_bits_virt),
		cmocka_unit_test(test_ipa_bits_edges),
		cmocka_unit_test(test_vgic_v3),
		cmocka_unit_test(test_vgic_v2),
		cmocka_unit_test(test_vgic_none),
		cmocka_unit_test(test_spi_line),
		cmocka_unit_test(test_stage1_4k),
		cmocka_unit_test(test_stage1_4k_39bit),
		cmocka_unit_test(test_stage1_64k),
		cmocka_unit_test(test_debug_regs),
	};

	return cmocka_run_group_tests_name("kvm-arm64", tests, NULL, NULL);
}
