/* SPDX-License-Identifier: MIT */
/*
 * Device tree core (src/fdt/fdt.c): trees built from hand-made boards and
 * read back with libfdt. The test device types below are never registered,
 * so they cannot clash with the real ones in src/devices.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <libfdt.h>

#include "unit.h"

#include "board/board.h"
#include "fdt/fdt.h"

#include "fixture.h"

/* ---- hand-made boards ---------------------------------------------------- */

struct fixture {
	struct vmb_spec spec;
	struct vmb_board board;
	struct vmb_region mem[4];
	struct vmb_dev_spec ds[8];
	struct vmb_device dev[8];
	struct vmb_device *devp[8];
	void *blob;
	struct vmb_err err;
};

static const char test_file[] = "test.yaml";

static struct fixture *fixture_new(unsigned ncpus)
{
	struct fixture *x = calloc(1, sizeof(*x));

	fx_spec_init(&x->spec, NULL, "test", VMB_ARCH_ARM64, ncpus);
	x->spec.file = (char *)test_file;
	x->spec.model = (char *)"linux,dummy-virt";
	x->board.spec = &x->spec;
	x->board.arch = VMB_ARCH_ARM64;
	x->board.ncpus = ncpus;
	x->board.mem = x->mem;
	x->board.dev = x->devp;
	return x;
}

static void fixture_free(struct fixture *x)
{
	free(x->blob);
	free(x);
}

static void add_mem(struct fixture *x, enum vmb_region_kind kind, uint64_t gpa,
		    uint64_t size)
{
	struct vmb_region *r = &x->mem[x->board.nmem++];

	snprintf(r->name, sizeof(r->name), "mem%u", x->board.nmem);
	r->kind = kind;
	r->gpa = gpa;
	r->size = size;
}

static struct vmb_device *add_dev(struct fixture *x, const struct vmb_device_type *t,
				  const char *name, uint64_t base, int line)
{
	unsigned i = x->board.ndev++;
	struct vmb_dev_spec *ds = &x->ds[i];
	struct vmb_device *d = &x->dev[i];

	ds->name = (char *)name;
	ds->type = (char *)t->name;
	ds->has_base = true;
	ds->base = base;
	ds->loc = (struct vmb_loc){ test_file, line, 5 };
	d->type = t;
	d->spec = ds;
	d->board = &x->board;
	d->name = name;
	d->base = base;
	d->size = 0x1000;
	d->priv = NULL;
	x->devp[i] = d;
	return d;
}

static void *build(struct fixture *x, uint64_t initrd_start, uint64_t initrd_end)
{
	free(x->blob);
	x->err.msg[0] = '\0';
	x->blob = vmb_fdt_build(&x->board, initrd_start, initrd_end, &x->err);
	if (x->blob)
		assert_int_equal(fdt_check_full(x->blob, fdt_totalsize(x->blob)), 0);
	return x->blob;
}

static void *build_ok(struct fixture *x)
{
	void *b = build(x, 0, 0);

	if (!b)
		fail_msg("vmb_fdt_build failed: %s", x->err.msg);
	return b;
}

/* ---- test device types --------------------------------------------------- */

/* GIC-like: owns phandle under its device name, as the real gic device does. */
static int gic_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	int n = vmb_fdt_add_node(f, 0, "intc", dev->base, err);

	if (n < 0)
		return -1;
	return vmb_fdt_prop_empty(f, n, "interrupt-controller", err) ||
	       vmb_fdt_prop_u32(f, n, "phandle", vmb_fdt_phandle(f, dev->name), err);
}

static const struct vmb_device_type gic_v2_type = {
	.name = "gic-v2", .fdt_node = gic_fdt,
};
static const struct vmb_device_type gic_v3_type = {
	.name = "gic-v3", .fdt_node = gic_fdt,
};

/* Clock: owns its phandle. */
static int clock_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	int n = vmb_fdt_add_node(f, 0, dev->name, VMB_FDT_NO_UNIT, err);

	if (n < 0)
		return -1;
	return vmb_fdt_prop_u32(f, n, "phandle", vmb_fdt_phandle(f, dev->name), err);
}

static const struct vmb_device_type clock_type = {
	.name = "test-clock", .fdt_node = clock_fdt,
};

/* A node-less device type (e.g. a pure I/O device). */
static const struct vmb_device_type silent_type = { .name = "test-silent" };

/* UART: refers to "apb-pclk", writes interrupts and claims stdout. */
static int uart_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	uint64_t reg[2] = { dev->base, dev->size };
	uint32_t clk = vmb_fdt_phandle(f, "apb-pclk");
	int n = vmb_fdt_add_node(f, 0, "pl011", dev->base, err);

	if (n < 0)
		return -1;
	return vmb_fdt_prop_reg(f, n, reg, 1, err) ||
	       vmb_fdt_prop_dev_interrupts(f, n, dev, err) ||
	       vmb_fdt_prop_u32(f, n, "clocks", clk, err) ||
	       vmb_fdt_set_stdout(f, n, err);
}

static const struct vmb_device_type uart_type = {
	.name = "test-uart", .fdt_node = uart_fdt,
};

/* Writes enough nodes to force the 4 KiB starting buffer to grow. */
static int big_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	for (unsigned i = 0; i < 200; i++) {
		uint64_t reg[2] = { dev->base + i * 0x200ull, 0x200 };
		int n = vmb_fdt_add_node(f, 0, "virtio_mmio", reg[0], err);

		if (n < 0 || vmb_fdt_prop_str(f, n, "compatible", "virtio,mmio", err) ||
		    vmb_fdt_prop_reg(f, n, reg, 1, err) ||
		    vmb_fdt_prop_empty(f, n, "dma-coherent", err))
			return -1;
	}
	return 0;
}

static const struct vmb_device_type big_type = {
	.name = "test-big", .fdt_node = big_fdt,
};

/* Fails without setting a message. */
static int broken_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	return -1;
}

static const struct vmb_device_type broken_type = {
	.name = "test-broken", .fdt_node = broken_fdt,
};

/* Claims the phandle of "gic" a second time. */
static int thief_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	int n = vmb_fdt_add_node(f, 0, "thief", VMB_FDT_NO_UNIT, err);

	return n < 0 ? -1 : vmb_fdt_prop_u32(f, n, "phandle", vmb_fdt_phandle(f, "gic"), err);
}

static const struct vmb_device_type thief_type = {
	.name = "test-thief", .fdt_node = thief_fdt,
};

/* ---- libfdt read-back helpers ------------------------------------------- */

static int node(const void *blob, const char *path)
{
	int off = fdt_path_offset(blob, path);

	if (off < 0)
		fail_msg("node %s missing: %s", path, fdt_strerror(off));
	return off;
}

static const void *prop(const void *blob, const char *path, const char *name, int *len)
{
	const void *p = fdt_getprop(blob, node(blob, path), name, len);

	if (!p)
		fail_msg("property %s:%s missing", path, name);
	return p;
}

static bool has_prop(const void *blob, const char *path, const char *name)
{
	return fdt_getprop(blob, node(blob, path), name, NULL) != NULL;
}

static uint32_t cell(const void *blob, const char *path, const char *name, int idx)
{
	int len;
	const fdt32_t *p = prop(blob, path, name, &len);

	assert_true(len >= (idx + 1) * 4);
	return fdt32_to_cpu(p[idx]);
}

static int ncells(const void *blob, const char *path, const char *name)
{
	int len;

	prop(blob, path, name, &len);
	return len / 4;
}

static const char *str(const void *blob, const char *path, const char *name)
{
	return prop(blob, path, name, NULL);
}

/* ---- tests -------------------------------------------------------------- */

static void test_root(void **state)
{
	struct fixture *x = fixture_new(1);
	void *b;

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	x->spec.model = (char *)"vmb,test-board";
	b = build_ok(x);
	assert_int_equal(cell(b, "/", "#address-cells", 0), 2);
	assert_int_equal(cell(b, "/", "#size-cells", 0), 2);
	assert_string_equal(str(b, "/", "compatible"), "vmb,test-board");
	assert_string_equal(str(b, "/", "model"), "vmb,test-board");
	/* No GIC on this board: nothing to inherit interrupts from. */
	assert_false(has_prop(b, "/", "interrupt-parent"));
	/* Packed: nothing after the strings block. */
	assert_int_equal(fdt_totalsize(b),
			 fdt_off_dt_strings(b) + fdt_size_dt_strings(b));
	fixture_free(x);
}

static void check_gic_parent(const struct vmb_device_type *t)
{
	struct fixture *x = fixture_new(1);
	void *b;
	uint32_t ph;

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	add_dev(x, t, "intc0", 0x08000000, 10);
	b = build_ok(x);
	ph = fdt_get_phandle(b, node(b, "/intc@8000000"));
	assert_true(ph >= 0x8000);
	assert_int_equal(cell(b, "/", "interrupt-parent", 0), ph);
	fixture_free(x);
}

static void test_root_interrupt_parent_gic_v2(void **state)
{
	check_gic_parent(&gic_v2_type);
}

static void test_root_interrupt_parent_gic_v3(void **state)
{
	check_gic_parent(&gic_v3_type);
}

static void test_one_cpu(void **state)
{
	struct fixture *x = fixture_new(1);
	void *b;

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	x->spec.cpu_model = (char *)"cortex-a53";
	b = build_ok(x);
	assert_int_equal(cell(b, "/cpus", "#address-cells", 0), 1);
	assert_int_equal(cell(b, "/cpus", "#size-cells", 0), 0);
	assert_string_equal(str(b, "/cpus/cpu@0", "device_type"), "cpu");
	assert_string_equal(str(b, "/cpus/cpu@0", "compatible"), "arm,cortex-a53");
	assert_int_equal(cell(b, "/cpus/cpu@0", "reg", 0), 0);
	assert_int_equal(ncells(b, "/cpus/cpu@0", "reg"), 1);
	/* QEMU writes enable-method only when there are CPUs to start. */
	assert_false(has_prop(b, "/cpus/cpu@0", "enable-method"));
	assert_int_equal(fdt_path_offset(b, "/cpus/cpu@1"), -FDT_ERR_NOTFOUND);
	assert_int_equal(cell(b, "/cpus/cpu-map/socket0/cluster0/core0", "cpu", 0),
			 fdt_get_phandle(b, node(b, "/cpus/cpu@0")));
	assert_int_equal(fdt_path_offset(b, "/cpus/cpu-map/socket0/cluster0/core1"),
			 -FDT_ERR_NOTFOUND);
	fixture_free(x);
}

static void test_smp_cpus(void **state)
{
	struct fixture *x = fixture_new(4);
	uint32_t ph[4];
	int prev = -1;
	void *b;

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	b = build_ok(x);
	for (unsigned i = 0; i < 4; i++) {
		char cpu[32], core[64];
		int off;

		snprintf(cpu, sizeof(cpu), "/cpus/cpu@%u", i);
		snprintf(core, sizeof(core), "/cpus/cpu-map/socket0/cluster0/core%u", i);
		off = node(b, cpu);
		assert_true(off > prev); /* cpu@0 first, as in QEMU's tree */
		prev = off;
		assert_string_equal(str(b, cpu, "enable-method"), "psci");
		assert_int_equal(cell(b, cpu, "reg", 0), i);
		ph[i] = fdt_get_phandle(b, off);
		assert_true(ph[i] >= 0x8000);
		for (unsigned j = 0; j < i; j++)
			assert_int_not_equal(ph[i], ph[j]);
		assert_int_equal(cell(b, core, "cpu", 0), ph[i]);
	}
	fixture_free(x);
}

static void test_cpu_mpidr(void **state)
{
	assert_int_equal(vmb_fdt_cpu_mpidr(0), 0);
	assert_int_equal(vmb_fdt_cpu_mpidr(7), 7);
	assert_int_equal(vmb_fdt_cpu_mpidr(15), 15);
	assert_int_equal(vmb_fdt_cpu_mpidr(16), 0x100);
	assert_int_equal(vmb_fdt_cpu_mpidr(17), 0x101);
	assert_int_equal(vmb_fdt_cpu_mpidr(4096), 0x10000);
}

static void test_memory_nodes(void **state)
{
	struct fixture *x = fixture_new(1);
	void *b;
	int off;

	add_mem(x, VMB_REGION_ROM, 0x0, 0x100000);
	add_mem(x, VMB_REGION_RAM, 0x40000000, 1ull << 30);
	add_mem(x, VMB_REGION_RAM, 0x100000000ull, 0x280000000ull);
	b = build_ok(x);
	assert_string_equal(str(b, "/memory@40000000", "device_type"), "memory");
	assert_int_equal(ncells(b, "/memory@40000000", "reg"), 4);
	assert_int_equal(cell(b, "/memory@40000000", "reg", 0), 0);
	assert_int_equal(cell(b, "/memory@40000000", "reg", 1), 0x40000000);
	assert_int_equal(cell(b, "/memory@40000000", "reg", 2), 0);
	assert_int_equal(cell(b, "/memory@40000000", "reg", 3), 0x40000000);
	assert_string_equal(str(b, "/memory@100000000", "device_type"), "memory");
	assert_int_equal(cell(b, "/memory@100000000", "reg", 0), 1);
	assert_int_equal(cell(b, "/memory@100000000", "reg", 1), 0);
	assert_int_equal(cell(b, "/memory@100000000", "reg", 2), 2);
	assert_int_equal(cell(b, "/memory@100000000", "reg", 3), 0x80000000);
	/* The ROM is not usable memory: no node for it. */
	assert_int_equal(fdt_path_offset(b, "/memory@0"), -FDT_ERR_NOTFOUND);
	/* Exactly two memory nodes. */
	off = fdt_node_offset_by_prop_value(b, -1, "device_type", "memory", 7);
	assert_true(off >= 0);
	off = fdt_node_offset_by_prop_value(b, off, "device_type", "memory", 7);
	assert_true(off >= 0);
	off = fdt_node_offset_by_prop_value(b, off, "device_type", "memory", 7);
	assert_int_equal(off, -FDT_ERR_NOTFOUND);
	fixture_free(x);
}

static void test_chosen(void **state)
{
	struct fixture *x = fixture_new(1);
	uint8_t seed1[32];
	const void *p;
	void *b;
	int len;

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	x->spec.boot.cmdline = (char *)"console=ttyAMA0 root=/dev/vda";
	b = build(x, 0x44000000, 0x44123457);
	assert_non_null(b);
	assert_string_equal(str(b, "/chosen", "bootargs"), "console=ttyAMA0 root=/dev/vda");
	/* As QEMU 7.2: one cell each when the initrd is below 4 GiB. */
	assert_int_equal(ncells(b, "/chosen", "linux,initrd-start"), 1);
	assert_int_equal(cell(b, "/chosen", "linux,initrd-start", 0), 0x44000000);
	assert_int_equal(cell(b, "/chosen", "linux,initrd-end", 0), 0x44123457);
	p = prop(b, "/chosen", "rng-seed", &len);
	assert_int_equal(len, 32);
	memcpy(seed1, p, 32);
	prop(b, "/chosen", "kaslr-seed", &len);
	assert_int_equal(len, 8);
	/* No console device: no stdout-path. */
	assert_false(has_prop(b, "/chosen", "stdout-path"));

	/* Fresh seeds every build (2^-256 chance of a false failure). */
	b = build(x, 0x44000000, 0x44123457);
	p = prop(b, "/chosen", "rng-seed", &len);
	assert_memory_not_equal(seed1, p, 32);
	fixture_free(x);
}

static void test_chosen_initrd_high(void **state)
{
	struct fixture *x = fixture_new(1);
	void *b;

	add_mem(x, VMB_REGION_RAM, 0x40000000, 8ull << 30);
	b = build(x, 0x1f0000000ull, 0x1f8000010ull);
	assert_non_null(b);
	assert_int_equal(ncells(b, "/chosen", "linux,initrd-start"), 2);
	assert_int_equal(cell(b, "/chosen", "linux,initrd-start", 0), 1);
	assert_int_equal(cell(b, "/chosen", "linux,initrd-start", 1), 0xf0000000);
	assert_int_equal(ncells(b, "/chosen", "linux,initrd-end"), 2);
	assert_int_equal(cell(b, "/chosen", "linux,initrd-end", 0), 1);
	assert_int_equal(cell(b, "/chosen", "linux,initrd-end", 1), 0xf8000010);
	fixture_free(x);
}

static void test_chosen_empty(void **state)
{
	struct fixture *x = fixture_new(1);
	void *b;

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	x->spec.boot.cmdline = (char *)"";
	b = build_ok(x);
	assert_false(has_prop(b, "/chosen", "bootargs"));
	assert_false(has_prop(b, "/chosen", "linux,initrd-start"));
	assert_false(has_prop(b, "/chosen", "linux,initrd-end"));
	x->spec.boot.cmdline = NULL;
	b = build_ok(x);
	assert_false(has_prop(b, "/chosen", "bootargs"));
	fixture_free(x);
}

static void test_phandle_allocation(void **state)
{
	struct vmb_fdt f;
	struct vmb_err err;

	assert_int_equal(vmb_fdt_init(&f, NULL, &err), 0);
	assert_int_equal(vmb_fdt_phandle(&f, "apb-pclk"), 0x8000);
	assert_int_equal(vmb_fdt_phandle(&f, "cpu0"), 0x8001);
	assert_int_equal(vmb_fdt_phandle(&f, "gic"), 0x8002);
	assert_int_equal(vmb_fdt_phandle(&f, "apb-pclk"), 0x8000);
	assert_int_equal(vmb_fdt_phandle(&f, "gic"), 0x8002);
	assert_int_equal(vmb_fdt_phandle(&f, "gic/v2m"), 0x8003);
	assert_int_equal(f.nph, 4);
	vmb_fdt_release(&f);
}

static void test_phandle_reference_resolved(void **state)
{
	struct fixture *x = fixture_new(1);
	void *b;
	uint32_t clk;

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	add_dev(x, &gic_v2_type, "gic", 0x08000000, 10);
	/* The UART refers to the clock before the clock's node exists. */
	add_dev(x, &uart_type, "uart0", 0x09000000, 20);
	x->ds[1].nirq = 1;
	x->ds[1].irq[0] = 1;
	add_dev(x, &clock_type, "apb-pclk", 0, 30);
	b = build_ok(x);
	clk = fdt_get_phandle(b, node(b, "/apb-pclk"));
	assert_true(clk >= 0x8000);
	assert_int_equal(cell(b, "/pl011@9000000", "clocks", 0), clk);
	assert_string_equal(str(b, "/chosen", "stdout-path"), "/pl011@9000000");
	fixture_free(x);
}

static void test_phandle_unclaimed(void **state)
{
	struct fixture *x = fixture_new(1);

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	add_dev(x, &uart_type, "uart0", 0x09000000, 42);
	assert_null(build(x, 0, 0));
	assert_non_null(strstr(x->err.msg, "test.yaml:42:5: "));
	assert_non_null(strstr(x->err.msg,
			       "nothing provides phandle 'apb-pclk' (referenced by "
			       "device 'uart0' (test-uart))"));
	assert_non_null(strstr(x->err.msg, "no device is named 'apb-pclk'"));
	fixture_free(x);
}

static void test_phandle_owner_without_node(void **state)
{
	struct fixture *x = fixture_new(1);

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	add_dev(x, &uart_type, "uart0", 0x09000000, 42);
	add_dev(x, &silent_type, "apb-pclk", 0, 50);
	assert_null(build(x, 0, 0));
	assert_non_null(strstr(x->err.msg, "nothing provides phandle 'apb-pclk'"));
	assert_non_null(strstr(x->err.msg, "device 'apb-pclk' exists, but a "
			       "test-silent device writes no node"));
	fixture_free(x);
}

static void test_phandle_claimed_twice(void **state)
{
	struct fixture *x = fixture_new(1);

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	add_dev(x, &gic_v2_type, "gic", 0x08000000, 10);
	add_dev(x, &thief_type, "thief", 0, 20);
	assert_null(build(x, 0, 0));
	assert_non_null(strstr(x->err.msg, "both carry phandle"));
	assert_non_null(strstr(x->err.msg, "/thief"));
	assert_non_null(strstr(x->err.msg, "/intc@8000000"));
	fixture_free(x);
}

static void test_interrupts(void **state)
{
	struct fixture *x = fixture_new(1);
	void *b;

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	add_dev(x, &gic_v2_type, "gic", 0x08000000, 10);
	add_dev(x, &clock_type, "apb-pclk", 0, 20);
	add_dev(x, &uart_type, "uart0", 0x09000000, 30);
	add_dev(x, &uart_type, "uart1", 0x09040000, 40);
	x->ds[2].nirq = 1;
	x->ds[2].irq[0] = 1;
	x->ds[3].nirq = 2;
	x->ds[3].irq[0] = 16;
	x->ds[3].irq[1] = 17;
	x->ds[3].trigger = VMB_IRQ_EDGE_RISING;
	b = build_ok(x);
	assert_int_equal(ncells(b, "/pl011@9000000", "interrupts"), 3);
	assert_int_equal(cell(b, "/pl011@9000000", "interrupts", 0), 0);
	assert_int_equal(cell(b, "/pl011@9000000", "interrupts", 1), 1);
	assert_int_equal(cell(b, "/pl011@9000000", "interrupts", 2), 4);
	assert_int_equal(ncells(b, "/pl011@9040000", "interrupts"), 6);
	assert_int_equal(cell(b, "/pl011@9040000", "interrupts", 1), 16);
	assert_int_equal(cell(b, "/pl011@9040000", "interrupts", 2), 1);
	assert_int_equal(cell(b, "/pl011@9040000", "interrupts", 4), 17);
	assert_int_equal(cell(b, "/pl011@9040000", "interrupts", 5), 1);
	/* The first console UART in spec order wins stdout-path, though
	 * uart1's fdt_node ran (and claimed it) first. */
	assert_string_equal(str(b, "/chosen", "stdout-path"), "/pl011@9000000");
	assert_int_equal(cell(b, "/pl011@9040000", "reg", 1), 0x09040000);
	assert_int_equal(cell(b, "/pl011@9040000", "reg", 3), 0x1000);
	fixture_free(x);
}

static void test_interrupts_without_gic(void **state)
{
	struct fixture *x = fixture_new(1);
	void *b;

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	add_dev(x, &clock_type, "apb-pclk", 0, 20);
	add_dev(x, &uart_type, "uart0", 0x09000000, 30);
	x->ds[1].nirq = 1;
	x->ds[1].irq[0] = 1;
	b = build_ok(x);
	assert_false(has_prop(b, "/pl011@9000000", "interrupts"));
	fixture_free(x);
}

static void test_grows_and_packs(void **state)
{
	struct fixture *x = fixture_new(2);
	void *b;
	int n = 0;

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	add_dev(x, &big_type, "virtio", 0x0a000000, 10);
	b = build_ok(x);
	assert_true(fdt_totalsize(b) > 8192);
	assert_int_equal(fdt_totalsize(b),
			 fdt_off_dt_strings(b) + fdt_size_dt_strings(b));
	for (int off = fdt_node_offset_by_compatible(b, -1, "virtio,mmio"); off >= 0;
	     off = fdt_node_offset_by_compatible(b, off, "virtio,mmio"))
		n++;
	assert_int_equal(n, 200);
	assert_int_equal(cell(b, "/virtio_mmio@a018e00", "reg", 1), 0x0a018e00);
	/* Core nodes written before the growth are intact. */
	assert_string_equal(str(b, "/cpus/cpu@1", "enable-method"), "psci");
	fixture_free(x);
}

/* Offsets taken before the buffer grows stay valid (fdt.h promises it). */
static void test_grow_keeps_offsets(void **state)
{
	struct vmb_fdt f;
	struct vmb_err err;
	static char big[64 << 10];
	size_t cap0;
	int a, z;

	assert_int_equal(vmb_fdt_init(&f, NULL, &err), 0);
	cap0 = f.cap;
	z = vmb_fdt_add_node(&f, 0, "z", VMB_FDT_NO_UNIT, &err);
	assert_true(z >= 0);
	/* libfdt stores "a" before "z": "z" moves once, then no more. */
	a = vmb_fdt_add_node(&f, 0, "a", 0x1000, &err);
	assert_true(a >= 0);
	z = fdt_path_offset(f.blob, "/z");
	memset(big, 'x', sizeof(big));
	/* 256 KiB of properties on the last node: several doublings, and
	 * nothing is stored after "z", so only growth could move offsets. */
	for (int i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "blob%d", i);
		assert_int_equal(vmb_fdt_prop_bytes(&f, z, name, big, sizeof(big), &err), 0);
	}
	assert_true(f.cap > cap0);
	assert_true(f.cap >= 4 * sizeof(big));
	assert_string_equal(fdt_get_name(f.blob, a, NULL), "a@1000");
	assert_string_equal(fdt_get_name(f.blob, z, NULL), "z");
	assert_int_equal(vmb_fdt_prop_u32(&f, z, "late", 7, &err), 0);
	assert_int_equal(fdt_check_full(f.blob, f.cap), 0);
	vmb_fdt_release(&f);
}

/* Tree order: /chosen, /cpus, /memory first, then devices in machine-file
 * order (what guests that enumerate in tree order see). */
static void test_node_order(void **state)
{
	static const char *const want[] = {
		"chosen", "cpus", "memory@40000000", "memory@100000000",
		"intc@8000000", "apb-pclk", "pl011@9000000", "pl011@9040000",
		"pl011@9080000",
	};
	const unsigned nwant = sizeof(want) / sizeof(want[0]);
	struct fixture *x = fixture_new(1);
	unsigned i = 0;
	int off;
	void *b;

	add_mem(x, VMB_REGION_RAM, 0x40000000, 1ull << 30);
	add_mem(x, VMB_REGION_RAM, 0x100000000ull, 1ull << 30);
	add_dev(x, &gic_v2_type, "gic", 0x08000000, 10);
	add_dev(x, &clock_type, "apb-pclk", 0, 20);
	add_dev(x, &uart_type, "uart0", 0x09000000, 30);
	add_dev(x, &uart_type, "uart1", 0x09040000, 40);
	add_dev(x, &uart_type, "uart2", 0x09080000, 50);
	b = build_ok(x);
	fdt_for_each_subnode(off, b, 0) {
		assert_true(i < nwant);
		assert_string_equal(fdt_get_name(b, off, NULL), want[i]);
		i++;
	}
	assert_int_equal(i, nwant);
	fixture_free(x);
}

static void test_device_error_generic(void **state)
{
	struct fixture *x = fixture_new(1);

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	add_dev(x, &broken_type, "oops", 0x1000, 77);
	assert_null(build(x, 0, 0));
	assert_string_equal(x->err.msg, "test.yaml:77:5: device 'oops' (test-broken): "
			    "cannot write its device tree node");
	fixture_free(x);
}

static void test_duplicate_node(void **state)
{
	struct fixture *x = fixture_new(1);

	add_mem(x, VMB_REGION_RAM, 0x40000000, 128 << 20);
	add_dev(x, &clock_type, "apb-pclk", 0, 20);
	add_dev(x, &clock_type, "apb-pclk", 0, 21);
	assert_null(build(x, 0, 0));
	assert_non_null(strstr(x->err.msg, "device 'apb-pclk' (test-clock): device "
			       "tree: node 'apb-pclk' already exists in '/'"));
	fixture_free(x);
}

static void test_x86_64_has_no_dt(void **state)
{
	struct fixture *x = fixture_new(1);

	add_mem(x, VMB_REGION_RAM, 0, 128 << 20);
	x->spec.arch = VMB_ARCH_X86_64;
	x->board.arch = VMB_ARCH_X86_64;
	assert_null(build(x, 0, 0));
	assert_non_null(strstr(x->err.msg, "x86_64 machines have no device tree"));
	fixture_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_root_interrupt_parent_gic_v2),
		cmocka_unit_test(test_root_interrupt_parent_gic_v3),
		cmocka_unit_test(test_one_cpu),
		cmocka_unit_test(test_smp_cpus),
		cmocka_unit_test(test_cpu_mpidr),
		cmocka_unit_test(test_memory_nodes),
		cmocka_unit_test(test_chosen),
		cmocka_unit_test(test_chosen_initrd_high),
		cmocka_unit_test(test_chosen_empty),
		cmocka_unit_test(test_phandle_allocation),
		cmocka_unit_test(test_phandle_reference_resolved),
		cmocka_unit_test(test_phandle_unclaimed),
		cmocka_unit_test(test_phandle_owner_without_node),
		cmocka_unit_test(test_phandle_claimed_twice),
		cmocka_unit_test(test_interrupts),
		cmocka_unit_test(test_interrupts_without_gic),
		cmocka_unit_test(test_grows_and_packs),
		cmocka_unit_test(test_grow_keeps_offsets),
		cmocka_unit_test(test_node_order),
		cmocka_unit_test(test_device_error_generic),
		cmocka_unit_test(test_duplicate_node),
		cmocka_unit_test(test_x86_64_has_no_dt),
	};

	return cmocka_run_group_tests_name("fdt", tests, NULL, NULL);
}
