/* SPDX-License-Identifier: MIT */
/*
 * x86_64 ACPI and paging (src/arch/x86_64): AML encodings (integers, EISA
 * IDs, PkgLength of every size, resource templates), the tables built
 * from a board (checksums, XSDT entries, FADT flags and registers, MADT
 * entries, DSDT devices, \_S5 only with an acpi-pm device), where a boot
 * puts them (0xe0000, or low RAM when the board has no memory there) and
 * the page walk used by the KVM backend and crash reports.
 * (iasl's verdict on the same tables: tests/integration/acpi.sh.)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "arch/boot.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/aml.h"
#include "arch/x86_64/bzimage.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"
#include "board/board.h"
#include "util/bytes.h"

#include "fixture.h"

/* ---- AML ------------------------------------------------------------------ */

static void test_aml_encodings(void **state)
{
	static const uint8_t want_ints[] = {
		0x00, 0x01, 0x0a, 0x05, 0x0b, 0x34, 0x12, 0x0c, 0x78, 0x56, 0x34, 0x12,
		0x0e, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
	};
	struct vmb_aml a = { 0 }, b = { 0 }, body = { 0 };
	uint8_t big[5000];

	vmb_aml_int(&a, 0);
	vmb_aml_int(&a, 1);
	vmb_aml_int(&a, 5);
	vmb_aml_int(&a, 0x1234);
	vmb_aml_int(&a, 0x12345678);
	vmb_aml_int(&a, 0x0102030405060708ull);
	assert_int_equal(a.len, sizeof(want_ints));
	assert_memory_equal(a.buf, want_ints, sizeof(want_ints));
	vmb_aml_free(&a);

	/* EisaId("PNP0A03") = 0x030ad041 (ACPI 6.4 §6.1.5's example). */
	vmb_aml_eisaid(&a, "PNP0A03");
	assert_int_equal(a.len, 5);
	assert_int_equal(a.buf[0], 0x0c);
	assert_int_equal(vmb_get_le32(a.buf + 1), 0x030ad041);
	vmb_aml_free(&a);

	/* PkgLength: 1 byte up to 63, then 2 (12 bits), 3 (20 bits). */
	vmb_aml_bytes(&body, "ABCD", 4);
	vmb_aml_scope(&a, "\\_SB_", &body);
	assert_int_equal(a.len, 11);
	assert_int_equal(a.buf[0], 0x10);
	assert_int_equal(a.buf[1], 10);             /* itself + 5 name + 4 */
	assert_memory_equal(a.buf + 2, "\\_SB_ABCD", 9);
	vmb_aml_free(&a);
	memset(big, 0x41, sizeof(big));
	vmb_aml_bytes(&body, big, 100);
	vmb_aml_device(&a, "DEV0", &body);          /* 2 + 4 + 100 = 106 */
	assert_int_equal(a.buf[0], 0x5b);
	assert_int_equal(a.buf[1], 0x82);
	assert_int_equal(a.buf[2], 0x40 | (106 & 0xf));
	assert_int_equal(a.buf[3], 106 >> 4);
	assert_int_equal(a.len, 2 + 106);
	vmb_aml_free(&a);
	vmb_aml_bytes(&body, big, sizeof(big));
	vmb_aml_device(&a, "DEV1", &body);          /* 3 + 4 + 5000 = 5007 */
	assert_int_equal(a.buf[2], 0x80 | (5007 & 0xf));
	assert_int_equal(a.buf[3], (5007 >> 4) & 0xff);
	assert_int_equal(a.buf[4], 5007 >> 12);
	vmb_aml_free(&a);

	/* Name(_S5_, Package(2) {5, 0}). */
	vmb_aml_int(&b, 5);
	vmb_aml_int(&b, 0);
	vmb_aml_package(&body, 2, &b);
	vmb_aml_name(&a, "\\_S5_", &body);
	{
		static const uint8_t want[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12,
						5, 2, 0x0a, 5, 0x00 };

		assert_int_equal(a.len, sizeof(want));
		assert_memory_equal(a.buf, want, sizeof(want));
	}
	vmb_aml_free(&a);

	/* ResourceTemplate() { IO(Decode16, 0x3f8, 0x3f8, 1, 8) IRQNoFlags() {4}
	 * Interrupt(ResourceConsumer, Level, ActiveHigh, Exclusive) {16} }. */
	vmb_aml_res_io(&b, 0x3f8, 8);
	vmb_aml_res_irq(&b, 4);
	vmb_aml_res_interrupt(&b, 16, 0, 0, 0);
	vmb_aml_resources(&a, &b);
	{
		static const uint8_t want[] = {
			0x11, 25, 0x0a, 22,
			0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
			0x22, 0x10, 0x00,
			0x89, 0x06, 0x00, 0x01, 0x01, 0x10, 0x00, 0x00, 0x00,
			0x79, 0x00,
		};

		assert_int_equal(a.len, sizeof(want));
		assert_memory_equal(a.buf, want, sizeof(want));
	}
	vmb_aml_free(&a);
}

/* ---- tables from a board --------------------------------------------------- */

static const char board_yaml[] =
	"arch: x86_64\n"
	"cpus: { count: 3 }\n"
	"memory:\n"
	"  - { name: low, type: ram, base: 0, size: 640K }\n"
	"  - { name: bios, type: rom, base: 0xc0000, size: 256K }\n"
	"  - { name: ram, type: ram, base: 0x100000, size: 63M }\n"
	"devices:\n"
	"  - { name: uart0, type: uart16550, base: 0x3f8, irq: 4, trigger: edge }\n"
	"  - { name: pm, type: acpi-pm, base: 0x600 }\n"
	"  - { name: vio, type: virtio-mmio, base: 0xd0000000, size: 0x200,\n"
	"      count: 2, stride: 0x200, irq: 16 }\n"
	"  - { name: lvl, type: uart16550, base: 0x2f8, irq: 3 }\n";

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static const uint8_t *table(const struct vmb_acpi *t, const char *sig)
{
	for (unsigned i = 0; i < t->n; i++)
		if (!strcmp(t->table[i].sig, sig))
			return t->buf + t->table[i].off;
	fail_msg("no %s table", sig);
	return NULL;
}

static bool has_bytes(const uint8_t *p, size_t n, const void *what, size_t wn)
{
	for (size_t i = 0; i + wn <= n; i++)
		if (!memcmp(p + i, what, wn))
			return true;
	return false;
}

static void test_acpi_tables(void **state)
{
	struct tb t;
	struct vmb_acpi a;
	struct vmb_err err = { "" };
	const uint8_t *rsdp, *xsdt, *fadt, *dsdt, *madt, *e;
	unsigned lapics = 0, iso = 0;

	tb_dir(&t);
	tb_board_ok(&t, board_yaml, NULL, 0);
	assert_int_equal(vmb_acpi_build(t.b, 0xe0008, &a, &err), -1);
	assert_non_null(strstr(err.msg, "16-byte aligned"));
	if (vmb_acpi_build(t.b, VMB_X86_ACPI, &a, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(a.n, 5);
	for (unsigned i = 1; i < a.n; i++) {
		const uint8_t *h = a.buf + a.table[i].off;

		assert_int_equal(a.table[i].off % 16, 0);
		assert_memory_equal(h, a.table[i].sig, 4);
		assert_int_equal(vmb_get_le32(h + 4), a.table[i].len);
		assert_int_equal(sum(h, a.table[i].len), 0);
	}
	rsdp = table(&a, "RSDP");
	assert_memory_equal(rsdp, "RSD PTR ", 8);
	assert_int_equal(sum(rsdp, 20), 0);
	assert_int_equal(sum(rsdp, 36), 0);
	assert_int_equal(rsdp[15], 2);
	xsdt = table(&a, "XSDT");
	assert_int_equal(vmb_get_le64(rsdp + 24), VMB_X86_ACPI + (xsdt - a.buf));
	fadt = table(&a, "FACP");
	madt = table(&a, "APIC");
	dsdt = table(&a, "DSDT");
	assert_int_equal(vmb_get_le64(xsdt + 36), VMB_X86_ACPI + (fadt - a.buf));
	assert_int_equal(vmb_get_le64(xsdt + 44), VMB_X86_ACPI + (madt - a.buf));

	/* FADT: revision 6, hardware-reduced, DSDT, acpi-pm's registers. */
	assert_int_equal(vmb_get_le32(fadt + 4), 276);
	assert_int_equal(fadt[8], 6);
	assert_true(vmb_get_le32(fadt + 112) & (1u << 20));
	assert_true(vmb_get_le32(fadt + 112) & (1u << 10));
	assert_int_equal(vmb_get_le64(fadt + 140), VMB_X86_ACPI + (dsdt - a.buf));
	assert_int_equal(vmb_get_le32(fadt + 40), VMB_X86_ACPI + (dsdt - a.buf));
	assert_int_equal(fadt[116], 1);                      /* system I/O */
	assert_int_equal(vmb_get_le64(fadt + 120), 0x602);   /* reset */
	assert_int_equal(fadt[128], 1);
	assert_int_equal(vmb_get_le64(fadt + 248), 0x600);   /* sleep control */
	assert_int_equal(vmb_get_le64(fadt + 260), 0x601);   /* sleep status */

	/* MADT: 3 enabled local APICs, the I/O APIC (ID 3), one override for
	 * the level-triggered ISA IRQ 3, NMI on LINT1. */
	assert_int_equal(vmb_get_le32(madt + 36), 0xfee00000);
	for (e = madt + 44; e < madt + vmb_get_le32(madt + 4); e += e[1]) {
		assert_true(e[1] >= 2);
		switch (e[0]) {
		case 0:
			assert_int_equal(e[3], lapics);
			assert_int_equal(vmb_get_le32(e + 4), 1);
			lapics++;
			break;
		case 1:
			assert_int_equal(e[2], 3);
			assert_int_equal(vmb_get_le32(e + 4), 0xfec00000);
			break;
		case 2:
			assert_int_equal(e[3], 3);
			assert_int_equal(vmb_get_le32(e + 4), 3);
			assert_int_equal(vmb_get_le16(e + 8), 0xd);  /* level, high */
			iso++;
			break;
		case 4:
			assert_int_equal(e[2], 0xff);
			assert_int_equal(e[5], 1);
			break;
		default:
			fail_msg("unexpected MADT entry type %u", e[0]);
		}
	}
	assert_int_equal(lapics, 3);
	assert_int_equal(iso, 1);

	/* DSDT: two COM ports, two LNRO0005 transports, \_S5. */
	{
		static const uint8_t pnp0501[] = { 0x0c, 0x41, 0xd0, 0x05, 0x01 };
		static const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12 };
		size_t n = vmb_get_le32(dsdt + 4);

		assert_true(has_bytes(dsdt, n, pnp0501, sizeof(pnp0501)));
		assert_true(has_bytes(dsdt, n, "COM0", 4));
		assert_true(has_bytes(dsdt, n, "COM1", 4));
		assert_true(has_bytes(dsdt, n, "VR00", 4));
		assert_true(has_bytes(dsdt, n, "VR01", 4));
		assert_true(has_bytes(dsdt, n, "LNRO0005", 9));
		assert_true(has_bytes(dsdt, n, s5, sizeof(s5)));
	}
	vmb_acpi_free(&a);
	tb_close(&t);

	/* Without an acpi-pm device: no \_S5, no reset or sleep registers. */
	tb_board_ok(&t, "arch: x86_64\n"
		    "memory: [{ name: low, type: ram, base: 0, size: 640K }]\n", NULL, 0);
	if (vmb_acpi_build(t.b, VMB_X86_ACPI, &a, &err))
		fail_msg("%s", err.msg);
	fadt = table(&a, "FACP");
	dsdt = table(&a, "DSDT");
	assert_false(vmb_get_le32(fadt + 112) & (1u << 10));
	assert_int_equal(vmb_get_le64(fadt + 248), 0);
	assert_false(has_bytes(dsdt, vmb_get_le32(dsdt + 4), "_S5_", 4));
	vmb_acpi_free(&a);
	tb_close(&t);
	tb_free(&t);
}

/* A boot puts the tables at 0xe0000 when the board has memory there, else
 * in low RAM under the MP table; acpi_rsdp_addr points at the RSDP. */
static void test_acpi_placement(void **state)
{
	static const uint8_t guest[] = { 0xf4 }; /* hlt */
	static const char *const yaml[] = {
		board_yaml,
		"arch: x86_64\n"
		"memory:\n"
		"  - { name: low, type: ram, base: 0, size: 640K }\n"
		"  - { name: ram, type: ram, base: 0x100000, size: 15M }\n",
	};
	struct tb t;
	struct vmb_boot_state st;
	struct vmb_err err = { "" };
	struct vmb_override ov;

	tb_dir(&t);
	ov = (struct vmb_override){ "boot.kernel", tb_file(&t, "k.bin", guest, 1) };
	for (unsigned i = 0; i < 2; i++) {
		const uint8_t *zp, *rsdp;
		uint64_t at;

		tb_board_ok(&t, yaml[i], &ov, 1);
		if (vmb_boot_prepare(t.b, &st, &err))
			fail_msg("%s", err.msg);
		zp = vmb_board_gpa_ptr(t.b, VMB_X86_ZERO_PAGE, BP_SIZE);
		at = vmb_get_le64(zp + BP_ACPI_RSDP_ADDR);
		if (i == 0)
			assert_int_equal(at, VMB_X86_ACPI);
		else
			assert_true(at > VMB_X86_CMDLINE && at < VMB_X86_BASE_MEM_END - 0x100);
		rsdp = vmb_board_gpa_ptr(t.b, at, 36);
		assert_non_null(rsdp);
		assert_memory_equal(rsdp, "RSD PTR ", 8);
		assert_int_equal(sum(rsdp, 36), 0);
		assert_int_equal(at % 16, 0);
		tb_close(&t);
	}
	tb_free(&t);
}

/* ---- page walk -------------------------------------------------------------- */

static uint8_t mem[0x10000];

static int rd(void *ctx, uint64_t gpa, uint64_t *pte)
{
	if (gpa + 8 > sizeof(mem))
		return -1;
	*pte = vmb_get_le64(mem + gpa);
	return 0;
}

static void test_page_walk(void **state)
{
	const uint64_t cr0 = VMB_X86_CR0_PG | VMB_X86_CR0_PE, efer = VMB_X86_EFER_LMA;
	uint64_t va = 0x7f0000201123ull; /* PML4 254, PDPT 0, PD 1, PT 1 */
	struct vmb_x86_walk w;
	char out[2048];
	FILE *f;

	memset(mem, 0, sizeof(mem));
	vmb_put_le64(mem + 0x1000 + 254 * 8, 0x2000 | 0x7);
	vmb_put_le64(mem + 0x2000 + 0 * 8, 0x3000 | 0x7);
	vmb_put_le64(mem + 0x3000 + 1 * 8, 0x4000 | 0x7);
	vmb_put_le64(mem + 0x4000 + 1 * 8, 0xabcd000 | 0x5 | (1ull << 63));
	vmb_put_le64(mem + 0x3000 + 2 * 8, 0x40000000 | 0x83); /* 2 MiB page */

	assert_int_equal(vmb_x86_walk(cr0, 0x1000, 0, efer, va, rd, NULL, &w), 0);
	assert_int_equal(w.levels, 4);
	assert_int_equal(w.n, 4);
	assert_int_equal(w.pa, 0xabcd123);
	assert_int_equal(w.page_size, 0x1000);
	assert_int_equal(w.e[0].index, 254);
	assert_int_equal(w.e[3].gpa, 0x4008);

	assert_int_equal(vmb_x86_walk(cr0, 0x1000, 0, efer, 0x7f0000456789ull, rd,
				      NULL, &w), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.page_size, 0x200000);
	assert_int_equal(w.pa, 0x40056789);

	/* Not present at the PD level; paging off; a table outside RAM. */
	assert_int_equal(vmb_x86_walk(cr0, 0x1000, 0, efer, 0x7f0000600000ull, rd,
				      NULL, &w), -1);
	assert_string_equal(w.why, "not present");
	assert_int_equal(w.n, 3);
	assert_int_equal(vmb_x86_walk(0, 0x1000, 0, 0, 0x1234, rd, NULL, &w), 0);
	assert_int_equal(w.pa, 0x1234);
	assert_int_equal(vmb_x86_walk(cr0, 0x100000, 0, efer, va, rd, NULL, &w), -1);
	assert_string_equal(w.why, "page table outside guest RAM");

	/* The report: one line per entry, flags, the GPA reached. */
	vmb_x86_walk(cr0, 0x1000, 0, efer, va, rd, NULL, &w);
	f = fmemopen(out, sizeof(out), "w");
	vmb_x86_walk_print(&w, "rip", va, f);
	fclose(f);
	assert_contains(out, "page walk of rip 0x7f0000201123: 4-level paging");
	assert_contains(out, "PML4E[254] at GPA 0x0000017f0");
	assert_contains(out, "PTE  [  1] at GPA 0x000004008 = 0x800000000abcd005  P RO user NX");
	assert_contains(out, "-> GPA 0xabcd123 (4 KiB page)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aml_encodings),
		cmocka_unit_test(test_acpi_tables),
		cmocka_unit_test(test_acpi_placement),
		cmocka_unit_test(test_page_walk),
	};

	return cmocka_run_group_tests_name("x86_acpi", tests, NULL, NULL);
}
