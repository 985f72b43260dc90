/* SPDX-License-Identifier: MIT */
/*
 * Crash reports: vmb_disasm on known A64 and x86-64 encodings, and the
 * full report for a fault between two regions (registers, code with the
 * "=>" mark, nearest regions with their file:line:col), using a stand-in
 * backend that returns a fixed register state.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

#include "board/board.h"
#include "debug/crash.h"
#include "hv/hv.h"

static char *capture_disasm(enum vmb_arch arch, const uint8_t *code, size_t len,
			    uint64_t addr, uint64_t mark, int *n)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	assert_non_null(out);
	*n = vmb_disasm(arch, code, len, addr, mark, out);
	fclose(out);
	return text;
}

static void test_disasm_arm64(void **state)
{
	static const uint8_t code[] = {
		0x25, 0x00, 0x80, 0xd2, /* mov x5, #1 */
		0x02, 0x00, 0x00, 0xd4, /* hvc #0 */
		0x64, 0x00, 0x40, 0xb9, /* ldr w4, [x3] */
		0xff, 0xff, 0xff, 0xff, /* not an instruction */
	};
	int n;
	char *t = capture_disasm(VMB_ARCH_ARM64, code, sizeof(code), 0x40000000,
				 0x40000004, &n);

	assert_int_equal(n, 4);
	assert_non_null(strstr(t, "   40000000:  d2800025  movz x5, #0x1\n"));
	assert_non_null(strstr(t, "=> 40000004:  d4000002  hvc #0\n"));
	assert_non_null(strstr(t, "   40000008:  b9400064  ldr w4, [x3]\n"));
	assert_non_null(strstr(t, "   4000000c:  ffffffff  .inst\n"));
	free(t);
}

static void test_disasm_x86_64(void **state)
{
	static const uint8_t code[] = {
		0x48, 0x89, 0xc3,             /* mov rbx, rax */
		0x0f, 0x05,                   /* syscall */
		0xb8, 0x01, 0x00, 0x00, 0x00, /* mov eax, 1 */
		0xc3,                         /* ret */
	};
	int n;
	char *t = capture_disasm(VMB_ARCH_X86_64, code, sizeof(code), 0x100000,
				 0x100003, &n);

	assert_int_equal(n, 4);
	assert_non_null(strstr(t, "   00100000:  48 89 c3"));
	assert_non_null(strstr(t, "mov rbx, rax\n"));
	assert_non_null(strstr(t, "=> 00100003:  0f 05"));
	assert_non_null(strstr(t, "syscall\n"));
	assert_non_null(strstr(t, "mov eax, 1\n"));
	assert_non_null(strstr(t, "ret\n"));
	free(t);
}

/* A backend stand-in: fixed registers, no memory of its own. */
static uint64_t fake_pc;

static int fake_state(struct vmb_vm *vm, unsigned cpu, struct vmb_cpu_state *st)
{
	memset(st, 0, sizeof(*st));
	st->arch = VMB_ARCH_ARM64;
	st->pc = fake_pc;
	for (unsigned i = 0; i < 6; i++) {
		snprintf(st->reg[i].name, sizeof(st->reg[i].name), "x%u", i);
		st->reg[i].val = 0x1111111111111111ull * i;
	}
	st->reg[6] = (struct vmb_reg){ "pc", fake_pc };
	st->nreg = 7;
	return 0;
}

static const struct vmb_hv_ops fake_ops = {
	.name = "fake",
	.get_state = fake_state,
};

static void test_report_between_regions(void **state)
{
	static const uint8_t code[] = {
		0x00, 0x00, 0xa4, 0xd2, /* movz x0, #0x2000, lsl #16 */
		0x02, 0x10, 0x40, 0xb9, /* ldr w2, [x0, #0x10] */
		0x00, 0x00, 0x00, 0x14, /* b . */
	};
	struct vmb_mem_spec mem[2] = {
		{ .name = "low", .kind = VMB_MEM_RAM, .base = 0x40000000,
		  .size = 0x10000, .loc = { "test.yaml", 7, 5 } },
		{ .name = "high", .kind = VMB_MEM_ROM, .base = 0x50000000,
		  .size = 0x1000, .loc = { "test.yaml", 11, 5 } },
	};
	struct vmb_spec spec = { .name = "t", .arch = VMB_ARCH_ARM64, .ncpus = 1,
				 .cpu_model = "cortex-a57", .nmem = 2, .mem = mem };
	struct vmb_err err;
	struct vmb_board *b = vmb_board_create(&spec, NULL, &err);
	struct vmb_vm vm = { .board = b, .ops = &fake_ops };
	char *text = NULL;
	size_t size = 0;
	FILE *out;

	assert_non_null(b);
	memcpy(vmb_board_gpa_ptr(b, 0x40000100, sizeof(code)), code, sizeof(code));
	fake_pc = 0x40000104;
	vm.fault = (struct vmb_fault){ .cpu = 0, .has_addr = true,
				       .addr = 0x48000010, .size = 4 };
	snprintf(vm.fault.what, sizeof(vm.fault.what),
		 "read of unmapped address 0x48000010");
	out = open_memstream(&text, &size);
	vmb_crash_report(&vm, out);
	fclose(out);

	assert_non_null(strstr(text, "read of unmapped address 0x48000010\n"));
	assert_non_null(strstr(text, "access: 4-byte read at GPA 0x48000010\n"));
	/* four registers to a row, aligned */
	assert_non_null(strstr(text, "  x0 0000000000000000  x1 1111111111111111  "
			       "x2 2222222222222222  x3 3333333333333333\n"));
	assert_non_null(strstr(text, "=> 40000104:  b9401002  ldr w2, [x0, #0x10]\n"));
	assert_non_null(strstr(text, "   40000100:  d2a40000  movz x0, #0x2000, "
			       "lsl #16\n"));
	assert_non_null(strstr(text, "address 0x48000010 is not mapped"));
	assert_non_null(strstr(text, "below: 'low' (ram 0x40000000-0x4000ffff, "
			       "test.yaml:7:5)"));
	assert_non_null(strstr(text, "above: 'high' (rom 0x50000000-0x50000fff, "
			       "test.yaml:11:5)"));
	free(text);

	/* an address inside a region names it and the offset */
	vm.fault.addr = 0x50000008;
	text = NULL;
	out = open_memstream(&text, &size);
	vmb_crash_report(&vm, out);
	fclose(out);
	assert_non_null(strstr(text, "address 0x50000008 is offset 0x8 in 'high' "
			       "(rom 0x50000000-0x50000fff, test.yaml:11:5)"));
	free(text);

	/* an address the backend saw before the guest's MMU translated it
	 * (emu, MMU on) is a VA: labelled so and not looked up in the
	 * board's GPA map */
	vm.fault.addr = 0xffffb8cacdeedaa8ull;
	vm.fault.addr_is_va = true;
	vm.fault.is_write = true;
	vm.fault.size = 8;
	text = NULL;
	out = open_memstream(&text, &size);
	vmb_crash_report(&vm, out);
	fclose(out);
	assert_non_null(strstr(text, "access: 8-byte write at VA 0xffffb8cacdeedaa8\n"));
	assert_null(strstr(text, "GPA 0xffffb8cacdeedaa8"));
	assert_null(strstr(text, "is not mapped"));
	assert_non_null(strstr(text, "is a virtual address"));
	free(text);
	vm.fault.addr_is_va = false;

	/* a pc outside guest memory is said so */
	fake_pc = 0x60000000;
	text = NULL;
	out = open_memstream(&text, &size);
	vmb_crash_report(&vm, out);
	fclose(out);
	assert_non_null(strstr(text, "pc 0x60000000 is not in guest memory"));
	free(text);
	vmb_board_destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disasm_arm64),
		cmocka_unit_test(test_disasm_x86_64),
		cmocka_unit_test(test_report_between_regions),
	};

	return cmocka_run_group_tests_name("crash", tests, NULL, NULL);
}
