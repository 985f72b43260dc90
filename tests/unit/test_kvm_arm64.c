/* SPDX-License-Identifier: MIT */
/*
 * KVM on arm64, the parts that need no KVM: which regions of the shipped
 * virt boards become memslots and which are read-only (vmb_kvm_wants_slot,
 * kvm.h), the IPA size a board needs, the vGIC derived from the board's GIC
 * device, and the KVM_IRQ_LINE encoding of an SPI (kvm-arm64.h). The real
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
	};

	return cmocka_run_group_tests_name("kvm-arm64", tests, NULL, NULL);
}
