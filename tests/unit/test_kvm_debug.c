/* SPDX-License-Identifier: MIT */
/*
 * Guest debugging under KVM, the parts that need no KVM: the x86 debug
 * registers the gdb stub's Z1/Z2/Z4 become (vmb_x86_dregs_encode, values
 * worked out by hand from Intel SDM Vol. 3B §18.2.4, Figure 18-1: Gn at
 * bit 2n+1, R/Wn at 16+4n, LENn at 18+4n, LEN 00/01/11/10 for 1/2/4/8
 * bytes), and the software-breakpoint table both KVM backends patch guest
 * memory with (vmb_kvm_swbp_sync): inserted, kept, restored, and refused
 * where there is no guest memory; and the x87 tag word gdb is shown,
 * rebuilt from KVM's abridged one (vmb_x86_fpu_tag, SDM Vol. 1 §8.1.7);
 * and the arm64 single step's IRQ/FIQ mask and what is put back after it
 * (vmb_a64_step_begin/end; encodings from the Arm ARM C6.2: MSR DAIFSet
 * 0xd50340df | CRm << 8, DAIFClr 0xd50340ff | CRm << 8, MSR DAIF, Xt
 * 0xd51b4220 | Rt, ERET 0xd69f03e0).
 */
#include <string.h>

#include "fixture.h"
#include "unit.h"

#include "arch/x86_64/fpu.h"
#include "hv/kvm-arm64.h"
#include "hv/kvm-x86_64.h"
#include "hv/kvm.h"

static struct vmb_debug_cfg cfg(void)
{
	struct vmb_debug_cfg c;

	memset(&c, 0, sizeof(c));
	return c;
}

static void test_dregs_breakpoints(void **state)
{
	struct vmb_debug_cfg c = cfg();
	struct vmb_x86_dregs d;
	struct vmb_err err = { "" };

	(void)state;
	assert_int_equal(vmb_x86_dregs_encode(&c, &d, &err), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(d.dr7, 0);           /* nothing: DR7 off */
	c.bp[c.nbp].addr = 0xffffffff81000000ull;
	c.bp[c.nbp++].hw = true;
	c.bp[c.nbp++].addr = 0x1234;          /* Z0: no debug register */
	c.bp[c.nbp].addr = 0x5000;
	c.bp[c.nbp++].hw = true;
	assert_int_equal(vmb_x86_dregs_encode(&c, &d, &err), 0);
	assert_int_equal(d.n, 2);
	assert_true(d.dr[0] == 0xffffffff81000000ull);
	assert_int_equal(d.dr[1], 0x5000);
	/* G0, G1, GE, bit 10; R/W and LEN 0 (instruction, 1 byte) */
	assert_int_equal(d.dr7, 0x60a);
	assert_false(d.slot[1].wp);
	assert_int_equal(d.slot[1].idx, 2);
	/* a fifth register */
	for (unsigned i = 0; i < 3; i++) {
		c.bp[c.nbp].addr = 0x6000 + i;
		c.bp[c.nbp++].hw = true;
	}
	assert_int_equal(vmb_x86_dregs_encode(&c, &d, &err), -1);
	assert_non_null(strstr(err.msg, "4 debug registers"));
}

static void test_dregs_watchpoints(void **state)
{
	struct vmb_debug_cfg c = cfg();
	struct vmb_x86_dregs d;
	struct vmb_err err = { "" };

	(void)state;
	/* 8 aligned bytes, write: R/W0 01, LEN0 10 */
	c.wp[0].addr = 0x1000, c.wp[0].len = 8, c.wp[0].kind = VMB_WP_WRITE;
	/* 2 bytes, any access: R/W1 11, LEN1 01 */
	c.wp[1].addr = 0x2002, c.wp[1].len = 2, c.wp[1].kind = VMB_WP_ACCESS;
	c.nwp = 2;
	assert_int_equal(vmb_x86_dregs_encode(&c, &d, &err), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.dr7, 0x79060a);
	assert_true(d.slot[1].wp);
	assert_int_equal(d.slot[1].idx, 1);
	/* 7 bytes at an odd address: 1 + 2 + 4 aligned pieces */
	c.wp[0].addr = 0x3001, c.wp[0].len = 7, c.wp[0].kind = VMB_WP_WRITE;
	c.nwp = 1;
	assert_int_equal(vmb_x86_dregs_encode(&c, &d, &err), 0);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.dr[0], 0x3001);
	assert_int_equal(d.dr[1], 0x3002);
	assert_int_equal(d.dr[2], 0x3004);
	/* LEN 00, 01, 11; R/W 01 each */
	assert_int_equal(d.dr7 >> 16, 0xd51);
	/* 64 bytes need 8 registers */
	c.wp[0].addr = 0x4000, c.wp[0].len = 64;
	assert_int_equal(vmb_x86_dregs_encode(&c, &d, &err), -1);
	assert_non_null(strstr(err.msg, "cannot watch 64 bytes at 0x4000"));
	/* reads alone: not on x86 */
	c.wp[0].len = 4, c.wp[0].kind = VMB_WP_READ;
	assert_int_equal(vmb_x86_dregs_encode(&c, &d, &err), -1);
	assert_non_null(strstr(err.msg, "cannot watch reads alone"));
}

/* Identity "page tables" with 4 KiB pages. */
static int ident(void *ctx, uint64_t va, uint64_t *pa, uint64_t *left)
{
	(void)ctx;
	*pa = va;
	*left = 4096 - (va & 4095);
	return 0;
}

#define RAM "arch: arm64\nmemory:\n  - name: ram\n    type: ram\n    base: 0x40000000\n    size: 1M\n"

static void test_swbp(void **state)
{
	static const uint8_t brk[4] = { 0x00, 0x00, 0x20, 0xd4 };
	static const uint8_t code[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct vmb_kvm_swbp s = { .insn = brk, .len = 4, .align = 4 };
	struct vmb_debug_cfg c = cfg();
	struct tb t;
	uint8_t *p;

	(void)state;
	assert_int_equal(tb_make(&t, RAM), 0);
	p = vmb_board_gpa_ptr(t.b, 0x40000100, 8);
	memcpy(p, code, 8);
	c.bp[c.nbp++].addr = 0x40000104;
	c.bp[c.nbp].addr = 0x40000200;
	c.bp[c.nbp++].hw = true;            /* debug registers: not patched */
	assert_int_equal(vmb_kvm_swbp_sync(&s, t.b, &c, ident, NULL, &t.err), 0);
	assert_int_equal(s.n, 1);
	assert_memory_equal(p, code, 4);
	assert_memory_equal(p + 4, brk, 4);
	assert_true(vmb_kvm_swbp_has(&s, 0x40000104));
	assert_false(vmb_kvm_swbp_has(&s, 0x40000100));
	/* the same set again changes nothing (one call per vCPU) */
	assert_int_equal(vmb_kvm_swbp_sync(&s, t.b, &c, ident, NULL, &t.err), 0);
	assert_int_equal(s.n, 1);
	/* removed: the instruction is back */
	c.nbp = 0;
	assert_int_equal(vmb_kvm_swbp_sync(&s, t.b, &c, ident, NULL, &t.err), 0);
	assert_int_equal(s.n, 0);
	assert_memory_equal(p, code, 8);
	/* the guest rewrote the word meanwhile: its bytes stay */
	c.bp[c.nbp++].addr = 0x40000100;
	assert_int_equal(vmb_kvm_swbp_sync(&s, t.b, &c, ident, NULL, &t.err), 0);
	memcpy(p, "\x11\x22\x33\x44", 4);
	c.nbp = 0;
	assert_int_equal(vmb_kvm_swbp_sync(&s, t.b, &c, ident, NULL, &t.err), 0);
	assert_memory_equal(p, "\x11\x22\x33\x44", 4);
	/* not guest memory, misaligned */
	c.bp[0].addr = 0x1000;
	c.nbp = 1;
	assert_int_equal(vmb_kvm_swbp_sync(&s, t.b, &c, ident, NULL, &t.err), -1);
	assert_non_null(strstr(t.err.msg, "0x1000: not mapped to guest memory"));
	c.bp[0].addr = 0x40000102;
	assert_int_equal(vmb_kvm_swbp_sync(&s, t.b, &c, ident, NULL, &t.err), -1);
	assert_non_null(strstr(t.err.msg, "misaligned"));
	assert_int_equal(s.n, 0);
	tb_free(&t);
}

static void test_fpu_tag(void **state)
{
	uint8_t fpr[8][16];

	(void)state;
	memset(fpr, 0, sizeof(fpr));
	/* empty stack: every register 11 */
	assert_int_equal(vmb_x86_fpu_tag(0, 0, fpr), 0xffff);
	/* TOP = 6 after two loads: ST0 = 1.0 in physical 6 (valid 00), ST1
	 * = +0 in physical 7 (zero 01) */
	fpr[0][7] = 0x80;                 /* J bit */
	fpr[0][8] = 0xff, fpr[0][9] = 0x3f; /* exponent 0x3fff */
	assert_int_equal(vmb_x86_fpu_tag(6 << 11, 0xc0, fpr), 0x4fff);
	/* ST0 an infinity instead: special 10 */
	fpr[0][8] = 0xff, fpr[0][9] = 0x7f;
	assert_int_equal(vmb_x86_fpu_tag(6 << 11, 0xc0, fpr), 0x6fff);
	/* J bit clear with a normal exponent (unnormal): special */
	fpr[0][7] = 0, fpr[0][9] = 0x3f;
	assert_int_equal(vmb_x86_fpu_tag(6 << 11, 0xc0, fpr), 0x6fff);
}

/* A step from pc 0x1000, EL1h with interrupts enabled (e.g. PSTATE 0x305:
 * D and A set, I and F clear, EL1h), instruction insn. */
static struct vmb_a64_step_regs a64_step(struct vmb_a64_step *s, uint32_t insn,
					 uint64_t pstate)
{
	struct vmb_a64_step_regs r = { .pc = 0x1004, .vbar = 0x8000, .elr = 0x77,
				       .spsr = 0x3c5 };

	r.pstate = vmb_a64_step_begin(s, 0x1000, pstate, &insn);
	return r;
}

static void test_a64_step_mask(void **state)
{
	struct vmb_a64_step s = { 0 };
	struct vmb_a64_step_regs r;
	uint32_t nop = 0xd503201f;

	(void)state;
	/* an ordinary instruction: stepped with I and F set, then back */
	r = a64_step(&s, nop, 0x60000305);
	assert_true(s.active);
	assert_true(r.pstate == 0x600003c5);
	r.pstate |= 0x80000000; /* the instruction set N */
	assert_int_equal(vmb_a64_step_end(&s, &r), VMB_A64_STEP_PSTATE);
	assert_true(r.pstate == 0xe0000305);
	assert_false(s.active);
	assert_int_equal(vmb_a64_step_end(&s, &r), 0); /* once only */
	/* already masked by the guest: nothing to do either way */
	r = a64_step(&s, nop, 0x3c5);
	assert_false(s.active);
	assert_true(r.pstate == 0x3c5);
	assert_int_equal(vmb_a64_step_end(&s, &r), 0);
	/* only F masked by the guest: I added, F stays */
	r = a64_step(&s, nop, 0x345);
	assert_true(r.pstate == 0x3c5);
	assert_int_equal(vmb_a64_step_end(&s, &r), VMB_A64_STEP_PSTATE);
	assert_true(r.pstate == 0x345);
	/* not stepped (PC unchanged): the guest's values back */
	r = a64_step(&s, 0xd50342df, 0x305);
	r.pc = 0x1000;
	assert_int_equal(vmb_a64_step_end(&s, &r), VMB_A64_STEP_PSTATE);
	assert_true(r.pstate == 0x305);
	/* the instruction without its word (unreadable): restored */
	r.pstate = vmb_a64_step_begin(&s, 0x1000, 0x305, NULL);
	r.pc = 0x1004;
	assert_int_equal(vmb_a64_step_end(&s, &r), VMB_A64_STEP_PSTATE);
	assert_true(r.pstate == 0x305);
}

static void test_a64_step_daif(void **state)
{
	struct vmb_a64_step s = { 0 };
	struct vmb_a64_step_regs r;

	(void)state;
	/* msr daifset, #2 (I): the guest's I set, F as it was */
	r = a64_step(&s, 0xd50342df, 0x305);
	assert_int_equal(vmb_a64_step_end(&s, &r), VMB_A64_STEP_PSTATE);
	assert_true(r.pstate == 0x385);
	/* msr daifset, #0xf: all of them */
	r = a64_step(&s, 0xd5034fdf, 0x305);
	vmb_a64_step_end(&s, &r);
	assert_true((r.pstate & 0xc0) == 0xc0);
	/* msr daifclr, #2 from I and F masked... by the guest: no mask armed */
	r = a64_step(&s, 0xd50342ff, 0x3c5);
	assert_false(s.active);
	/* msr daifclr, #1 (F) with I clear: F stays clear, I clear */
	r = a64_step(&s, 0xd50341ff, 0x305);
	r.pstate &= ~0x40ull; /* what the instruction did */
	assert_int_equal(vmb_a64_step_end(&s, &r), VMB_A64_STEP_PSTATE);
	assert_true((r.pstate & 0xc0) == 0);
	/* msr daif, x3: PSTATE as the instruction left it */
	r = a64_step(&s, 0xd51b4223, 0x305);
	r.pstate = 0x3c5;
	assert_int_equal(vmb_a64_step_end(&s, &r), 0);
	assert_true(r.pstate == 0x3c5);
	/* eret: PSTATE from SPSR_EL1, left alone */
	r = a64_step(&s, 0xd69f03e0, 0x3c5 & ~0x80ull);
	r.pc = 0x400000, r.pstate = 0x0;
	assert_int_equal(vmb_a64_step_end(&s, &r), 0);
	assert_true(r.pstate == 0);
}

static void test_a64_step_exception(void **state)
{
	struct vmb_a64_step s = { 0 };
	struct vmb_a64_step_regs r;

	(void)state;
	/* svc #0 from EL0 (PSTATE 0): the entry went to VBAR + 0x400 with
	 * ELR the next instruction; SPSR got the masked bits and gets the
	 * guest's back, PSTATE (the handler's, all masked) is left */
	r = a64_step(&s, 0xd4000001, 0x0);
	r.pc = 0x8400, r.elr = 0x1004, r.spsr = 0xc0, r.pstate = 0x3c5;
	assert_int_equal(vmb_a64_step_end(&s, &r), VMB_A64_STEP_SPSR);
	assert_true(r.spsr == 0);
	assert_true(r.pstate == 0x3c5);
	/* a data abort at EL1h: ELR the instruction itself, VBAR + 0x200 */
	r = a64_step(&s, 0xf9400000, 0x305);
	r.pc = 0x8200, r.elr = 0x1000, r.spsr = 0x3c5, r.pstate = 0x3c5;
	assert_int_equal(vmb_a64_step_end(&s, &r), VMB_A64_STEP_SPSR);
	assert_true(r.spsr == 0x305);
	/* a branch that happens to land on a vector: ELR elsewhere, so
	 * PSTATE is restored as for any instruction */
	r = a64_step(&s, 0x14000000, 0x305);
	r.pc = 0x8200, r.elr = 0x5550, r.pstate = 0x3c5;
	assert_int_equal(vmb_a64_step_end(&s, &r), VMB_A64_STEP_PSTATE);
	assert_true(r.pstate == 0x305);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dregs_breakpoints),
		cmocka_unit_test(test_dregs_watchpoints),
		cmocka_unit_test(test_swbp),
		cmocka_unit_test(test_fpu_tag),
		cmocka_unit_test(test_a64_step_mask),
		cmocka_unit_test(test_a64_step_daif),
		cmocka_unit_test(test_a64_step_exception),
	};

	return cmocka_run_group_tests_name("kvm-debug", tests, NULL, NULL);
}
