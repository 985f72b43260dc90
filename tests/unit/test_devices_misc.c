/* SPDX-License-Identifier: MIT */
/*
 * PSCI calls, virtio-mmio empty slot, PCIe ECAM all-ones, GICv2/v3 register
 * files (RAZ/WI and identification), the GIC description helpers, and the
 * DT-only devices' PPI flags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"

#include <libfdt.h>

#include "board/board.h"
#include "config/spec.h"
#include "devices/gic.h"
#include "devices/psci.h"
#include "fdt/fdt.h"

#include "fixture.h"

static const char virt_yaml[] =
	"arch: arm64\n"
	"cpus: {count: 2}\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
	"devices:\n"
	"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000,\n"
	"     v2m-base: 0x08020000}\n"
	"  - {name: virtio, type: virtio-mmio, base: 0x0a000000, irq: 16,\n"
	"     trigger: edge}\n"
	"  - {name: pcie, type: pcie-host-ecam, base: 0x4010000000, size: 256M,\n"
	"     irq: [3, 4, 5, 6], mmio-base: 0x10000000, mmio-size: 0x2eff0000,\n"
	"     msi-parent: gic}\n"
	"  - {name: timer, type: armv8-timer}\n"
	"  - {name: pmu, type: armv8-pmu}\n"
	"  - {name: psci, type: psci, method: smc}\n";

static int64_t psci(struct tb *t, uint64_t fid, uint64_t a1, uint64_t a2)
{
	uint64_t x[8] = { fid, a1, a2, 0, 0, 0, 0, 0 };

	assert_int_equal(vmb_board_hypercall(t->b, 0, x), 0);
	return (int64_t)x[0];
}

static void test_psci(void **state)
{
	struct tb t;

	assert_int_equal(tb_make(&t, virt_yaml), 0);
	assert_int_equal(psci(&t, VMB_PSCI_VERSION, 0, 0), 0x10000);
	assert_int_equal(psci(&t, VMB_PSCI_FEATURES, VMB_PSCI_SYSTEM_RESET, 0), 0);
	assert_int_equal(psci(&t, VMB_PSCI_FEATURES, VMB_PSCI_CPU_ON64, 0), 0);
	assert_int_equal(psci(&t, VMB_PSCI_FEATURES, VMB_PSCI_MIGRATE, 0), -1);
	assert_int_equal(psci(&t, VMB_PSCI_FEATURES, 0x80000000, 0), -1);
	assert_int_equal(psci(&t, VMB_PSCI_MIGRATE_INFO_TYPE, 0, 0), 2);
	assert_int_equal(psci(&t, VMB_PSCI_CPU_ON64, 0, 0x40000000), -4);
	assert_int_equal(psci(&t, VMB_PSCI_CPU_ON64, 1, 0x40000000), -1);
	assert_int_equal(psci(&t, VMB_PSCI_CPU_ON64, 7, 0x40000000), -2);
	assert_int_equal(psci(&t, VMB_PSCI_AFFINITY_INFO64, 0, 0), 0);
	assert_int_equal(psci(&t, VMB_PSCI_AFFINITY_INFO64, 1, 0), 1);
	assert_int_equal(psci(&t, VMB_PSCI_AFFINITY_INFO64, 1, 1), -2);
	assert_int_equal(psci(&t, VMB_PSCI_CPU_OFF, 0, 0), -3);
	assert_int_equal(psci(&t, VMB_PSCI_CPU_SUSPEND64, 0, 0), 0);
	assert_int_equal(psci(&t, 0x80000000, 0, 0), -1);   /* SMCCC_VERSION */
	assert_int_equal(psci(&t, 0xc2001234, 0, 0), -1);
	assert_int_equal(t.b->stop, VMB_STOP_NONE);
	assert_string_equal(vmb_psci_method(t.b), "smc");
	psci(&t, VMB_PSCI_SYSTEM_OFF, 0, 0);
	assert_int_equal(t.b->stop, VMB_STOP_POWEROFF);
	tb_free(&t);

	assert_int_equal(tb_make(&t, virt_yaml), 0);
	psci(&t, VMB_PSCI_SYSTEM_RESET, 0, 0);
	assert_int_equal(t.b->stop, VMB_STOP_RESET);
	tb_free(&t);
}

static void test_psci_twice(void **state)
{
	tb_fails(
		"arch: arm64\n"
		"devices:\n"
		"  - {name: psci, type: psci}\n"
		"  - {name: psci2, type: psci}\n",
		"already", NULL);
}

#define VIRTIO 0x0a000000ull

static void test_virtio_empty_slot(void **state)
{
	struct tb t;

	assert_int_equal(tb_make(&t, virt_yaml), 0);
	assert_int_equal(tb_rd(&t, VIRTIO + 0x000, 4), 0x74726976);
	assert_int_equal(tb_rd(&t, VIRTIO + 0x004, 4), 2);
	assert_int_equal(tb_rd(&t, VIRTIO + 0x008, 4), 0);
	assert_int_equal(tb_rd(&t, VIRTIO + 0x00c, 4), 0x554d4551);
	tb_wr(&t, VIRTIO + 0x070, 4, 0xf);
	tb_wr(&t, VIRTIO + 0x030, 4, 0);
	assert_int_equal(tb_rd(&t, VIRTIO + 0x070, 4), 0);
	assert_int_equal(tb_rd(&t, VIRTIO + 0x034, 4), 0);
	assert_int_equal(tb_rd(&t, VIRTIO + 0x010, 4), 0);
	assert_int_equal(tb_rd(&t, VIRTIO + 0x100, 4), 0);
	assert_int_equal(tb_rd(&t, VIRTIO + 0x000, 2), 0); /* not 32-bit: RAZ */
	tb_free(&t);
}

#define ECAM 0x4010000000ull

static void test_pcie_ecam_all_ones(void **state)
{
	struct tb t;

	assert_int_equal(tb_make(&t, virt_yaml), 0);
	assert_int_equal(tb_rd(&t, ECAM, 4), 0xffffffff);
	assert_int_equal(tb_rd(&t, ECAM, 2), 0xffff);
	assert_int_equal(tb_rd(&t, ECAM + 3, 1), 0xff);
	assert_int_equal(tb_rd(&t, ECAM + 0x8000, 8), ~0ull);
	tb_wr(&t, ECAM + 0x04, 4, 0);
	assert_int_equal(tb_rd(&t, ECAM + 0x04, 4), 0xffffffff);
	assert_int_equal(tb_rd(&t, ECAM + (255 << 20) + 0xffc, 4), 0xffffffff);
	tb_free(&t);
}

#define GICD 0x08000000ull
#define GICC 0x08010000ull
#define V2M 0x08020000ull

static void test_gicv2_registers(void **state)
{
	struct tb t;
	struct vmb_gic_desc g;

	assert_int_equal(tb_make(&t, virt_yaml), 0);
	/* 256 SPIs -> ITLinesNumber 8; 2 CPUs -> CPUNumber 1 */
	assert_int_equal(tb_rd(&t, GICD + 0x004, 4), 8 | 1 << 5);
	assert_int_equal(tb_rd(&t, GICD + 0x008, 4), 0x0200043b);
	assert_int_equal(tb_rd(&t, GICD + 0xfe8, 4), 0x2b); /* ArchRev 2 */
	tb_wr(&t, GICD + 0x000, 4, 3);
	assert_int_equal(tb_rd(&t, GICD + 0x000, 4), 1);
	/* RAZ/WI */
	tb_wr(&t, GICD + 0x100, 4, 0xffffffff);
	assert_int_equal(tb_rd(&t, GICD + 0x100, 4), 0);
	assert_int_equal(tb_rd(&t, GICD + 0x400, 1), 0);
	assert_int_equal(tb_rd(&t, GICD + 0x800, 1), 1);  /* ITARGETSR: CPU 0 */
	assert_int_equal(tb_rd(&t, GICC + 0x00c, 4), 1023);
	assert_int_equal(tb_rd(&t, GICC + 0x0fc, 4), 0x0202043b);
	tb_wr(&t, GICC + 0x004, 4, 0xf0);
	assert_int_equal(tb_rd(&t, GICC + 0x004, 4), 0xf0);
	assert_int_equal(tb_rd(&t, V2M + 0x008, 4), (80u << 16) | 64);
	assert_int_equal(vmb_gic_describe(t.b, &g), 0);
	assert_int_equal(g.version, 2);
	assert_int_equal(g.cpu_base, GICC);
	assert_true(g.has_v2m);
	assert_int_equal(g.nr_spis, 256);
	assert_int_equal(vmb_gic_ppi_flags(t.b), 0x304);
	assert_string_equal(vmb_gic_msi_key(t.b), "v2m");
	tb_free(&t);
}

static const char v3_yaml[] =
	"arch: arm64\n"
	"cpus: {count: 3}\n"
	"devices:\n"
	"  - {name: gic, type: gic-v3, base: 0x08000000, redist-base: 0x080a0000,\n"
	"     its-base: 0x08080000}\n"
	"  - {name: timer, type: armv8-timer}\n";

#define GICR 0x080a0000ull

static void test_gicv3_registers(void **state)
{
	struct tb t;
	struct vmb_gic_desc g;

	assert_int_equal(tb_make(&t, v3_yaml), 0);
	assert_int_equal(tb_rd(&t, GICD + 0x0000, 4), 0x50);           /* DS | ARE */
	assert_int_equal(tb_rd(&t, GICD + 0x0004, 4) & 0x1f, 8);
	assert_int_equal(tb_rd(&t, GICD + 0x0004, 4) >> 17 & 1, 1);    /* LPIS */
	assert_int_equal(tb_rd(&t, GICD + 0xffe8, 4), 0x3b);           /* ArchRev 3 */
	/* redistributors: CPU 0 and the last one (CPU 2) */
	assert_int_equal(tb_rd(&t, GICR + 0x0008, 8), 0x0000000000000001ull);
	assert_int_equal(tb_rd(&t, GICR + 2 * 0x20000 + 0x0008, 8),
			 0x0000000200000211ull);
	assert_int_equal(tb_rd(&t, GICR + 3 * 0x20000 + 0x0008, 8), 0); /* no CPU 3 */
	assert_int_equal(tb_rd(&t, GICR + 0x0014, 4), 6);
	tb_wr(&t, GICR + 0x0014, 4, 0);
	assert_int_equal(tb_rd(&t, GICR + 0x0014, 4), 0);
	assert_int_equal(tb_rd(&t, GICR + 0x10000 + 0x100, 4), 0);     /* SGI frame */
	assert_int_equal(tb_rd(&t, 0x08080000 + 0x0000, 4), 0x80000000);
	assert_int_equal(vmb_gic_describe(t.b, &g), 0);
	assert_int_equal(g.version, 3);
	assert_int_equal(g.redist_size, 0xf60000);
	assert_true(g.has_its);
	assert_int_equal(vmb_gic_ppi_flags(t.b), 4);
	assert_string_equal(vmb_gic_msi_key(t.b), "its");
	tb_free(&t);
}

static void test_gic_errors(void **state)
{
	tb_fails(
		"arch: arm64\n"
		"cpus: {count: 9}\n"
		"devices:\n"
		"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000}\n",
		"at most 8 CPUs", NULL);
	tb_fails(
		"arch: arm64\n"
		"devices:\n"
		"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000,\n"
		"     spis: 64}\n"
		"  - {name: v, type: virtio-mmio, base: 0x0a000000, irq: 70}\n",
		"SPI 70", NULL);
	tb_fails(
		"arch: arm64\n"
		"cpus: {count: 4}\n"
		"devices:\n"
		"  - {name: gic, type: gic-v3, base: 0x08000000, redist-base: 0x080a0000,\n"
		"     redist-size: 0x40000}\n",
		"redist-size", NULL);
}

/* interrupts cells of node at path in a freshly built tree */
static void dt_cells(struct tb *t, const char *path, const char *prop,
		     uint32_t *out, int n)
{
	struct vmb_err err;
	void *blob = vmb_fdt_build(t->b, 0, 0, &err);
	const fdt32_t *p;
	int node, len;

	assert_non_null(blob);
	node = fdt_path_offset(blob, path);
	assert_true(node >= 0);
	p = fdt_getprop(blob, node, prop, &len);
	assert_non_null(p);
	assert_int_equal(len, n * 4);
	for (int i = 0; i < n; i++)
		out[i] = fdt32_to_cpu(p[i]);
	free(blob);
}

static void test_dt_ppis(void **state)
{
	struct tb t;
	uint32_t c[12];

	assert_int_equal(tb_make(&t, virt_yaml), 0);
	dt_cells(&t, "/timer", "interrupts", c, 12);
	assert_int_equal(c[0], 1);
	assert_int_equal(c[1], 13);
	assert_int_equal(c[2], 0x304);
	assert_int_equal(c[10], 10);
	dt_cells(&t, "/pmu", "interrupts", c, 3);
	assert_int_equal(c[1], 7);
	assert_int_equal(c[2], 0x304);
	dt_cells(&t, "/pcie@10000000", "bus-range", c, 2);
	assert_int_equal(c[1], 255);
	dt_cells(&t, "/virtio_mmio@a000000", "interrupts", c, 3);
	assert_int_equal(c[1], 16);
	assert_int_equal(c[2], 1);
	tb_free(&t);

	assert_int_equal(tb_make(&t, v3_yaml), 0);
	dt_cells(&t, "/timer", "interrupts", c, 12);
	assert_int_equal(c[2], 4);
	dt_cells(&t, "/intc@8000000", "reg", c, 8);
	assert_int_equal(c[5], 0x080a0000);
	assert_int_equal(c[7], 0xf60000);
	tb_free(&t);

	tb_fails(
		"arch: arm64\n"
		"devices:\n"
		"  - {name: timer, type: armv8-timer, ppis: [1, 2, 3]}\n",
		"4 or 5", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psci),
		cmocka_unit_test(test_psci_twice),
		cmocka_unit_test(test_virtio_empty_slot),
		cmocka_unit_test(test_pcie_ecam_all_ones),
		cmocka_unit_test(test_gicv2_registers),
		cmocka_unit_test(test_gicv3_registers),
		cmocka_unit_test(test_gic_errors),
		cmocka_unit_test(test_dt_ppis),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
