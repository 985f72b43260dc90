/* SPDX-License-Identifier: MIT */
/*
 * Execution traces (debug/trace.h): --trace argument parsing and its
 * errors; the instruction ring's wrap-around and order, and its crash
 * report section; device register names (table entries, arrays, state-
 * dependent names, the fallback); the mmio log line format, and the log a
 * board writes through its dispatch.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

#include "board/board.h"
#include "debug/crash.h"
#include "debug/trace.h"
#include "hv/hv.h"

#include "fixture.h"

/* ---- --trace parsing ---------------------------------------------------- */

static void test_parse(void **state)
{
	struct vmb_trace_opts o = { 0 };
	struct vmb_err err = { "" };

	assert_int_equal(vmb_trace_parse("insn", &o, &err), 0);
	assert_int_equal(o.insn, VMB_TRACE_INSN_DEFAULT);
	assert_null(o.mmio_file);
	/* repeatable: a second --trace adds to the first */
	assert_int_equal(vmb_trace_parse("mmio=log.txt", &o, &err), 0);
	assert_string_equal(o.mmio_file, "log.txt");

	/* a comma list; FILE runs to the end of the argument */
	o = (struct vmb_trace_opts){ 0 };
	assert_int_equal(vmb_trace_parse("insn=0x100,mmio=a,b.log", &o, &err), 0);
	assert_int_equal(o.insn, 256);
	assert_string_equal(o.mmio_file, "a,b.log");
}

static void parse_fails(const char *arg, const char *sub)
{
	struct vmb_trace_opts o = { 0 };
	struct vmb_err err = { "" };
	char typed[128];

	assert_int_equal(vmb_trace_parse(arg, &o, &err), -1);
	snprintf(typed, sizeof(typed), "--trace %s:", arg);
	assert_contains(err.msg, typed); /* the option as typed */
	assert_contains(err.msg, sub);
}

static void test_parse_errors(void **state)
{
	parse_fails("insn=0", "N from 1 to 1048576");
	parse_fails("insn=2000000", "N from 1 to 1048576");
	parse_fails("insn=12x", "got '12x'");
	parse_fails("insn=", "got ''");
	parse_fails("insn=-3", "got '-3'");
	parse_fails("insn,insn=8", "insn is given twice");
	parse_fails("mmio", "mmio needs a file");
	parse_fails("mmio=", "mmio needs a file");
	parse_fails("exec", "unknown trace 'exec'");
	parse_fails("insn,", "unknown trace ''");
}

/* ---- instruction ring --------------------------------------------------- */

static void test_ring_wraps(void **state)
{
	struct vmb_insn_trace *t = vmb_insn_trace_new(2, 4);
	struct vmb_insn_ring *r = &t->cpu[1];
	uint8_t enc[4] = { 0 };

	assert_int_equal(vmb_insn_ring_count(r), 0);
	assert_null(vmb_insn_ring_get(r, 0));
	for (unsigned i = 0; i < 3; i++) {
		enc[0] = (uint8_t)i;
		vmb_insn_ring_add(r, 0x1000 + 4 * i, enc, 4);
	}
	/* not yet full: oldest first from the start */
	assert_int_equal(vmb_insn_ring_count(r), 3);
	assert_int_equal(vmb_insn_ring_get(r, 0)->pc, 0x1000);
	assert_int_equal(vmb_insn_ring_get(r, 2)->pc, 0x1008);
	for (unsigned i = 3; i < 10; i++) {
		enc[0] = (uint8_t)i;
		vmb_insn_ring_add(r, 0x1000 + 4 * i, i == 9 ? NULL : enc, 4);
	}
	/* wrapped twice and more: the last four, oldest first */
	assert_int_equal(vmb_insn_ring_count(r), 4);
	assert_int_equal(r->total, 10);
	for (unsigned i = 0; i < 4; i++) {
		const struct vmb_insn_rec *e = vmb_insn_ring_get(r, i);

		assert_int_equal(e->pc, 0x1000 + 4 * (6 + i));
		if (i < 3) {
			assert_int_equal(e->len, 4);
			assert_int_equal(e->bytes[0], 6 + i);
		}
	}
	assert_int_equal(vmb_insn_ring_get(r, 3)->len, 0); /* not readable */
	assert_null(vmb_insn_ring_get(r, 4));
	/* the other vCPU's ring is its own */
	assert_int_equal(vmb_insn_ring_count(&t->cpu[0]), 0);
	vmb_insn_trace_free(t);
}

static char *print_ring(const struct vmb_insn_ring *r, uint64_t pc)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	assert_non_null(out);
	vmb_insn_ring_print(r, 0, VMB_ARCH_ARM64, pc, out);
	fclose(out);
	return text;
}

static void test_ring_print(void **state)
{
	static const uint8_t loop[3][4] = {
		{ 0x21, 0x04, 0x00, 0x91 }, /* add x1, x1, #1 */
		{ 0x3f, 0x00, 0x02, 0xeb }, /* cmp x1, x2 */
		{ 0xc3, 0xff, 0xff, 0x54 }, /* b.lo #-8 */
	};
	static const uint8_t ldr[4] = { 0x64, 0x00, 0x40, 0xb9 }; /* ldr w4, [x3] */
	struct vmb_insn_trace *t = vmb_insn_trace_new(1, 5);
	struct vmb_insn_ring *r = &t->cpu[0];
	char *text;

	text = print_ring(r, 0);
	assert_contains(text, "last 0 of 0 executed");
	assert_contains(text, "(none recorded)");
	free(text);

	/* two turns of a loop, then the faulting load: the ring keeps the
	 * last five, and only the newest is marked although PCs repeat */
	for (unsigned turn = 0; turn < 2; turn++)
		for (unsigned i = 0; i < 3; i++)
			vmb_insn_ring_add(r, 0x40000100 + 4 * i, loop[i], 4);
	vmb_insn_ring_add(r, 0x40000100, ldr, 4);
	text = print_ring(r, 0x40000100);
	assert_contains(text, "recent instructions (vCPU 0, oldest first; last 5 of "
			"7 executed):\n"
			"   40000108:  54ffffc3  b.lo #0x40000100\n"
			"   40000100:  91000421  add x1, x1, #1\n"
			"   40000104:  eb02003f  cmp x1, x2\n"
			"   40000108:  54ffffc3  b.lo #0x40000100\n"
			"=> 40000100:  b9400064  ldr w4, [x3]\n");
	free(text);

	/* a newest record that is not at the fault pc is not marked */
	text = print_ring(r, 0x50000000);
	assert_null(strstr(text, "=>"));
	free(text);
	vmb_insn_trace_free(t);
}

/* The crash report prints the ring of the faulting vCPU. */
static int fake_state(struct vmb_vm *vm, unsigned cpu, struct vmb_cpu_state *st)
{
	memset(st, 0, sizeof(*st));
	st->arch = VMB_ARCH_ARM64;
	st->pc = 0x40000004;
	st->reg[0] = (struct vmb_reg){ "pc", st->pc };
	st->nreg = 1;
	return 0;
}

static void test_crash_report_section(void **state)
{
	static const uint8_t code[8] = { 0x00, 0x00, 0xa4, 0xd2,   /* movz x0, ... */
					 0x02, 0x10, 0x40, 0xb9 }; /* ldr w2, ... */
	static const struct vmb_hv_ops fake_ops = { .name = "fake",
						    .get_state = fake_state };
	struct vmb_mem_spec mem[1];
	struct vmb_spec spec;
	struct vmb_err err;
	struct vmb_board *b;
	struct vmb_vm vm = { 0 };
	char *text = NULL;
	size_t size = 0;
	FILE *out;

	fx_spec_init(&spec, mem, "t", VMB_ARCH_ARM64, 1);
	fx_spec_add_mem(&spec, "ram", VMB_MEM_RAM, 0x40000000, 0x10000);
	b = vmb_board_create(&spec, NULL, &err);
	assert_non_null(b);
	memcpy(vmb_board_gpa_ptr(b, 0x40000000, sizeof(code)), code, sizeof(code));
	vm = (struct vmb_vm){ .board = b, .ops = &fake_ops };
	snprintf(vm.fault.what, sizeof(vm.fault.what), "read of unmapped address");

	/* without --trace insn: no section */
	out = open_memstream(&text, &size);
	vmb_crash_report(&vm, out);
	fclose(out);
	assert_null(strstr(text, "recent instructions"));
	free(text);

	vm.insn_trace = vmb_insn_trace_new(1, 64);
	vmb_insn_ring_add(&vm.insn_trace->cpu[0], 0x40000000, code, 4);
	vmb_insn_ring_add(&vm.insn_trace->cpu[0], 0x40000004, code + 4, 4);
	text = NULL;
	out = open_memstream(&text, &size);
	vmb_crash_report(&vm, out);
	fclose(out);
	/* after the code around the pc, which stays */
	assert_contains(text, "code at pc 0x40000004:\n");
	assert_contains(text, "recent instructions (vCPU 0, oldest first; last 2 of 2 "
			"executed):\n   40000000:  d2a40000  movz x0, #0x2000, lsl #16\n"
			"=> 40000004:  b9401002  ldr w2, [x0, #0x10]\n");
	assert_true(strstr(text, "recent instructions") > strstr(text, "code at pc"));
	free(text);
	vmb_insn_trace_free(vm.insn_trace);
	vmb_board_destroy(b);
}

/* ---- register names ----------------------------------------------------- */

static const char arm_yaml[] =
	"arch: arm64\n"
	"cpus: {count: 2}\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
	"devices:\n"
	"  - {name: flash, type: cfi-flash, base: 0, size: 2M, banks: 2,\n"
	"     bank-width: 4, device-width: 2}\n"
	"  - {name: gic, type: gic-v3, base: 0x08000000, redist-base: 0x080a0000}\n"
	"  - {name: apb-pclk, type: fixed-clock, frequency: 24000000}\n"
	"  - {name: uart0, type: pl011, base: 0x09000000, irq: 1}\n"
	"  - {name: rtc, type: pl031, base: 0x09010000, irq: 2}\n"
	"  - {name: fw-cfg, type: fw-cfg-mmio, base: 0x09020000}\n"
	"  - {name: gpio, type: pl061, base: 0x09030000, irq: 7}\n"
	"  - {name: virtio, type: virtio-mmio, base: 0x0a000000, size: 0x200,\n"
	"     count: 2, stride: 0x200, irq: 16, trigger: edge}\n";

static const char x86_yaml[] =
	"arch: x86_64\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0, size: 1M}\n"
	"devices:\n"
	"  - {name: com1, type: uart16550, base: 0x3f8, irq: 4}\n";

/* The name of an access at addr (pio: a port). */
static const char *name_at(struct tb *t, bool pio, uint64_t addr, bool write)
{
	static char buf[128];
	struct vmb_region *r = vmb_addrmap_find(pio ? &t->b->pio : &t->b->map, addr);

	assert_non_null(r);
	return vmb_region_reg_name(r, addr - r->gpa, write, buf, sizeof(buf));
}

static void test_reg_names(void **state)
{
	struct tb t;

	assert_int_equal(tb_make(&t, arm_yaml), 0);
	/* plain table entries, an ID array, an unnamed offset */
	assert_string_equal(name_at(&t, false, 0x09000000, true), "uart0:UARTDR");
	assert_string_equal(name_at(&t, false, 0x09000018, false), "uart0:UARTFR");
	assert_string_equal(name_at(&t, false, 0x0900002c, true), "uart0:UARTLCR_H");
	assert_string_equal(name_at(&t, false, 0x09000fe8, false), "uart0:PeriphID2");
	assert_string_equal(name_at(&t, false, 0x0900004c, false), "uart0+0x4c");
	assert_string_equal(name_at(&t, false, 0x09010000, false), "rtc:RTCDR");
	assert_string_equal(name_at(&t, false, 0x09020008, true), "fw-cfg:selector");
	assert_string_equal(name_at(&t, false, 0x09020014, true), "fw-cfg:dma+0x4");
	assert_string_equal(name_at(&t, false, 0x090303fc, false), "gpio:GPIODATA+0x3fc");
	assert_string_equal(name_at(&t, false, 0x09030400, true), "gpio:GPIODIR");
	/* virtio 1.2 §4.2.2 names, device config space by offset */
	assert_string_equal(name_at(&t, false, 0x0a000000, false), "virtio0:MagicValue");
	assert_string_equal(name_at(&t, false, 0x0a000250, true), "virtio1:QueueNotify");
	assert_string_equal(name_at(&t, false, 0x0a000070, true), "virtio0:Status");
	assert_string_equal(name_at(&t, false, 0x0a000114, false), "virtio0:Config+0x14");
	/* GIC: arrays numbered as the spec does, redistributors per CPU */
	assert_string_equal(name_at(&t, false, 0x08000000, true), "gic:GICD_CTLR");
	assert_string_equal(name_at(&t, false, 0x08000104, true), "gic:GICD_ISENABLER1");
	assert_string_equal(name_at(&t, false, 0x08000405, true),
			    "gic:GICD_IPRIORITYR1+0x1");
	assert_string_equal(name_at(&t, false, 0x08006100, true), "gic:GICD_IROUTER32");
	assert_string_equal(name_at(&t, false, 0x0800ffe8, false), "gic:GICD_PIDR2");
	assert_string_equal(name_at(&t, false, 0x080a0014, true), "gic:GICR_WAKER(cpu0)");
	assert_string_equal(name_at(&t, false, 0x080c0014, true), "gic:GICR_WAKER(cpu1)");
	assert_string_equal(name_at(&t, false, 0x080d0100, true),
			    "gic:GICR_ISENABLER0(cpu1)");
	assert_string_equal(name_at(&t, false, 0x080a0200, true), "gic:redist+0x200");
	/* flash: what the access means in the command state it meets */
	assert_string_equal(name_at(&t, false, 0x00000000, false), "flash:bank0.array");
	assert_string_equal(name_at(&t, false, 0x00100000, true), "flash:bank1.command");
	tb_wr(&t, 0x00100000, 4, 0x00900090); /* read ID */
	assert_string_equal(name_at(&t, false, 0x00100000, false), "flash:bank1.read-id");
	tb_wr(&t, 0x00100000, 4, 0x00400040); /* word program */
	assert_string_equal(name_at(&t, false, 0x00100010, true),
			    "flash:bank1.program-data");
	tb_free(&t);

	/* 16550: direction and LCR.DLAB choose the name */
	assert_int_equal(tb_make(&t, x86_yaml), 0);
	assert_string_equal(name_at(&t, true, 0x3f8, false), "com1:RBR");
	assert_string_equal(name_at(&t, true, 0x3f8, true), "com1:THR");
	assert_string_equal(name_at(&t, true, 0x3fa, false), "com1:IIR");
	assert_string_equal(name_at(&t, true, 0x3fa, true), "com1:FCR");
	assert_int_equal(vmb_board_pio_write(t.b, 0x3fb, 1, 0x80), 0);
	assert_string_equal(name_at(&t, true, 0x3f8, true), "com1:DLL");
	assert_string_equal(name_at(&t, true, 0x3f9, false), "com1:DLM");
	assert_string_equal(name_at(&t, true, 0x3fb, false), "com1:LCR");
	tb_free(&t);
}

static void test_reg_table(void **state)
{
	static const struct vmb_reg_name tab[] = {
		{ 0x10, 8, 0, "WIDE" },
		{ 0x100, 0x40, 8, "ARR" },
		{ 0, 0, 0, NULL },
	};
	char buf[32];

	assert_true(vmb_reg_table_name(tab, 0x10, buf, sizeof(buf)));
	assert_string_equal(buf, "WIDE");
	assert_true(vmb_reg_table_name(tab, 0x14, buf, sizeof(buf)));
	assert_string_equal(buf, "WIDE+0x4");
	assert_true(vmb_reg_table_name(tab, 0x138, buf, sizeof(buf)));
	assert_string_equal(buf, "ARR7");
	assert_true(vmb_reg_table_name(tab, 0x13c, buf, sizeof(buf)));
	assert_string_equal(buf, "ARR7+0x4");
	assert_false(vmb_reg_table_name(tab, 0x18, buf, sizeof(buf)));
	assert_false(vmb_reg_table_name(tab, 0x140, buf, sizeof(buf)));
	assert_false(vmb_reg_table_name(tab, 0x0f, buf, sizeof(buf)));
	assert_false(vmb_reg_table_name(NULL, 0, buf, sizeof(buf)));
	/* truncated, never overrun */
	assert_true(vmb_reg_table_name(tab, 0x13c, buf, 4));
	assert_string_equal(buf, "ARR");
}

/* ---- the mmio log ------------------------------------------------------- */

static void test_line_format(void **state)
{
	char line[160];
	struct vmb_mmio_event ev = { .ns = 1234567890123ull, .cpu = 3,
				     .name = "uart0:UARTDR", .write = true,
				     .size = 4, .val = 0x48, .addr = 0x09000000,
				     .type = "pl011" };

	vmb_mmio_trace_format(line, sizeof(line), &ev);
	assert_string_equal(line, "1234.567890123 cpu3 uart0:UARTDR W 4 0x00000048 "
			    "mmio:0x09000000 pl011\n");
	ev = (struct vmb_mmio_event){ .ns = 5, .cpu = VMB_CPU_NONE, .name = "com1:LSR",
				      .pio = true, .size = 1, .val = 0x60,
				      .addr = 0x3fd };
	vmb_mmio_trace_format(line, sizeof(line), &ev);
	assert_string_equal(line, "0.000000005 - com1:LSR R 1 0x60 pio:0x03fd -\n");
	ev.size = 8;
	ev.val = 0x1122334455667788ull;
	vmb_mmio_trace_format(line, sizeof(line), &ev);
	assert_contains(line, " R 8 0x1122334455667788 ");
}

static void test_board_log(void **state)
{
	struct tb t;
	struct vmb_access a = { .cpu = 1, .write = true, .addr = 0x0a000050,
				.size = 4, .val = 0 };
	char path[320], *text = NULL, line[256];
	size_t size = 0;
	FILE *f;
	unsigned n = 0;

	assert_int_equal(tb_make(&t, arm_yaml), 0);
	snprintf(path, sizeof(path), "%s/mmio.log", t.dir);
	t.b->mmio_trace = vmb_mmio_trace_open(path, &t.err);
	assert_non_null(t.b->mmio_trace);
	tb_wr(&t, 0x09000000, 4, 'H');
	assert_int_equal(tb_rd(&t, 0x09000018, 4) & 0x80, 0x80); /* TXFE */
	assert_int_equal(vmb_board_access(t.b, &a), 0);
	/* memory is no device access */
	assert_int_equal(vmb_board_mmio_write(t.b, 0x40000000, 4, 1), 0);
	/* nothing is written before a flush or close: buffered */
	f = fopen(path, "r");
	assert_non_null(f);
	assert_null(fgets(line, sizeof(line), f) ? line + strlen(line) : NULL);
	fclose(f);
	vmb_mmio_trace_close(t.b->mmio_trace);
	t.b->mmio_trace = NULL;

	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);

		text = realloc(text, size + l + 1);
		memcpy(text + size, line, l + 1);
		size += l;
		n++;
	}
	fclose(f);
	assert_int_equal(n, 4); /* header + three accesses */
	assert_true(!strncmp(text, "# vmb device access trace", 25));
	assert_contains(text, " - uart0:UARTDR W 4 0x00000048 mmio:0x09000000 pl011\n");
	assert_contains(text, " - uart0:UARTFR R 4 0x00000090 mmio:0x09000018 pl011\n");
	assert_contains(text, " cpu1 virtio0:QueueNotify W 4 0x00000000 "
			"mmio:0x0a000050 virtio-mmio\n");
	free(text);
	tb_free(&t);
}

static void test_open_fails(void **state)
{
	struct vmb_err err = { "" };

	assert_null(vmb_mmio_trace_open("/nonexistent-dir/x.log", &err));
	assert_contains(err.msg, "--trace mmio=/nonexistent-dir/x.log: cannot create");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_ring_wraps),
		cmocka_unit_test(test_ring_print),
		cmocka_unit_test(test_crash_report_section),
		cmocka_unit_test(test_reg_table),
		cmocka_unit_test(test_reg_names),
		cmocka_unit_test(test_line_format),
		cmocka_unit_test(test_board_log),
		cmocka_unit_test(test_open_fails),
	};

	return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
