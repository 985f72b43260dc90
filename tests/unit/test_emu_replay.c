/* SPDX-License-Identifier: MIT */
/*
 * The emu backend's A64 load/store decoder (emu-replay.c, capstone 4):
 * encoded instruction words, as GNU as assembles the text beside them,
 * against the access they describe: direction, transfers, size, data and
 * base registers, offset, index register with its extend and shift, and
 * pre-/post-index writeback. Also the words that end a straight line of
 * code, and those that are neither. Replays through Unicorn are in
 * test_emu.c.
 */
#include "unit.h"

#include "hv/emu.h"

struct want {
	uint32_t word;
	const char *text;
	enum vmb_emu_insn_kind kind;
	struct vmb_emu_insn a;
};

/* single (ST, LD) and pair (ST2, LD2) accesses */
#define ACCESS(w, t, ...) { w, t, VMB_EMU_INSN_ACCESS, { __VA_ARGS__ } }
#define ST(w, t, ...) ACCESS(w, t, .store = true, .n = 1, __VA_ARGS__)
#define LD(w, t, ...) ACCESS(w, t, .n = 1, __VA_ARGS__)
#define ST2(w, t, ...) ACCESS(w, t, .store = true, .n = 2, __VA_ARGS__)
#define LD2(w, t, ...) ACCESS(w, t, .n = 2, __VA_ARGS__)
#define END(w, t) { w, t, VMB_EMU_INSN_BLOCK_END, { 0 } }
#define OTHER(w, t) { w, t, VMB_EMU_INSN_OTHER, { 0 } }

#define PRE .wb = VMB_EMU_WB_PRE
#define POST(i) .wb = VMB_EMU_WB_POST, .post = (i)
#define RM(m, e, s) .has_rm = true, .rm = (m), .ext = ARM64_EXT_##e, .shift = (s)

static const struct want stores[] = {
	/* STR/STRB/STRH, unsigned offset (scaled by capstone) */
	ST(0xb9000401, "str w1, [x0, #4]", .size = 4, .rt = { 1 }, .rn = 0, .disp = 4),
	ST(0xf9000401, "str x1, [x0, #8]", .size = 8, .rt = { 1 }, .disp = 8),
	ST(0x39004001, "strb w1, [x0, #16]", .size = 1, .rt = { 1 }, .disp = 16),
	ST(0x79000c01, "strh w1, [x0, #6]", .size = 2, .rt = { 1 }, .disp = 6),
	ST(0x39000fff, "strb wzr, [sp, #3]", .size = 1, .rt = { 31 }, .rn = 31,
	   .disp = 3),
	ST(0xf900001f, "str xzr, [x0]", .size = 8, .rt = { 31 }),
	ST(0xb90007be, "str w30, [x29, #4]", .size = 4, .rt = { 30 }, .rn = 29,
	   .disp = 4),
	/* pre-index: the offset is applied, then written back */
	ST(0xf81f0fe1, "str x1, [sp, #-16]!", .size = 8, .rt = { 1 }, .rn = 31,
	   .disp = -16, PRE),
	ST(0x381ffc41, "strb w1, [x2, #-1]!", .size = 1, .rt = { 1 }, .rn = 2,
	   .disp = -1, PRE),
	ST(0x381fcc83, "strb w3, [x4, #-4]!", .size = 1, .rt = { 3 }, .rn = 4,
	   .disp = -4, PRE),
	/* post-index: no offset, the increment written back after */
	ST(0xb8004462, "str w2, [x3], #4", .size = 4, .rt = { 2 }, .rn = 3, POST(4)),
	ST(0xf81f07e1, "str x1, [sp], #-16", .size = 8, .rt = { 1 }, .rn = 31,
	   POST(-16)),
	ST(0x78002441, "strh w1, [x2], #2", .size = 2, .rt = { 1 }, .rn = 2, POST(2)),
	ST(0x781fc483, "strh w3, [x4], #-4", .size = 2, .rt = { 3 }, .rn = 4,
	   POST(-4)),
	/* register offset, with extend and shift */
	ST(0xb8226801, "str w1, [x0, x2]", .size = 4, .rt = { 1 }, RM(2, INVALID, 0)),
	ST(0xb8227801, "str w1, [x0, x2, lsl #2]", .size = 4, .rt = { 1 },
	   RM(2, INVALID, 2)),
	ST(0xf8224801, "str x1, [x0, w2, uxtw]", .size = 8, .rt = { 1 },
	   RM(2, UXTW, 0)),
	ST(0xf8225801, "str x1, [x0, w2, uxtw #3]", .size = 8, .rt = { 1 },
	   RM(2, UXTW, 3)),
	ST(0xf822d801, "str x1, [x0, w2, sxtw #3]", .size = 8, .rt = { 1 },
	   RM(2, SXTW, 3)),
	ST(0xf822f801, "str x1, [x0, x2, sxtx #3]", .size = 8, .rt = { 1 },
	   RM(2, SXTX, 3)),
	ST(0x3822e801, "strb w1, [x0, x2, sxtx]", .size = 1, .rt = { 1 },
	   RM(2, SXTX, 0)),
	ST(0x38227801, "strb w1, [x0, x2, lsl #0]", .size = 1, .rt = { 1 },
	   RM(2, INVALID, 0)),
	ST(0x7822d801, "strh w1, [x0, w2, sxtw #1]", .size = 2, .rt = { 1 },
	   RM(2, SXTW, 1)),
	ST(0xb822d883, "str w3, [x4, w2, sxtw #2]", .size = 4, .rt = { 3 }, .rn = 4,
	   RM(2, SXTW, 2)),
	/* unscaled, unprivileged, release */
	ST(0xb81fc001, "stur w1, [x0, #-4]", .size = 4, .rt = { 1 }, .disp = -4),
	ST(0x38001001, "sturb w1, [x0, #1]", .size = 1, .rt = { 1 }, .disp = 1),
	ST(0x781fe001, "sturh w1, [x0, #-2]", .size = 2, .rt = { 1 }, .disp = -2),
	ST(0xf80ff001, "stur x1, [x0, #255]", .size = 8, .rt = { 1 }, .disp = 255),
	ST(0xb8004801, "sttr w1, [x0, #4]", .size = 4, .rt = { 1 }, .disp = 4),
	ST(0x889ffc01, "stlr w1, [x0]", .size = 4, .rt = { 1 }),
	ST(0x089ffc01, "stlrb w1, [x0]", .size = 1, .rt = { 1 }),
	/* ARMv8.1 LORegions, which capstone 4 does not decode */
	ST(0xc89f7c01, "stllr x1, [x0]", .size = 8, .rt = { 1 }),
	ST(0x089f7c41, "stllrb w1, [x2]", .size = 1, .rt = { 1 }, .rn = 2),
};

static const struct want pairs[] = {
	/* all three addressing forms, and non-temporal */
	ST2(0x29010802, "stp w2, w2, [x0, #8]", .size = 4, .rt = { 2, 2 },
	    .disp = 8),
	ST2(0xa9bf0be1, "stp x1, x2, [sp, #-16]!", .size = 8, .rt = { 1, 2 },
	    .rn = 31, .disp = -16, PRE),
	ST2(0xa8810be1, "stp x1, x2, [sp], #16", .size = 8, .rt = { 1, 2 },
	    .rn = 31, POST(16)),
	ST2(0xa9be7bfd, "stp x29, x30, [sp, #-32]!", .size = 8,
	    .rt = { 29, 30 }, .rn = 31, .disp = -32, PRE),
	ST2(0xa8010801, "stnp x1, x2, [x0, #16]", .size = 8, .rt = { 1, 2 },
	    .disp = 16),
	LD2(0xa9400801, "ldp x1, x2, [x0]", .size = 8, .rt = { 1, 2 }),
	LD2(0xa8c27bfd, "ldp x29, x30, [sp], #32", .size = 8,
	    .rt = { 29, 30 }, .rn = 31, POST(32)),
	LD2(0x29ff0801, "ldp w1, w2, [x0, #-8]!", .size = 4, .rt = { 1, 2 },
	    .disp = -8, PRE),
	LD2(0x69410801, "ldpsw x1, x2, [x0, #8]", .size = 4, .rt = { 1, 2 },
	    .disp = 8),
};

static const struct want loads[] = {
	LD(0xb9400001, "ldr w1, [x0]", .size = 4, .rt = { 1 }),
	LD(0xf947fc01, "ldr x1, [x0, #4088]", .size = 8, .rt = { 1 }, .disp = 4088),
	LD(0x38401401, "ldrb w1, [x0], #1", .size = 1, .rt = { 1 }, POST(1)),
	LD(0x38801c01, "ldrsb x1, [x0, #1]!", .size = 1, .rt = { 1 }, .disp = 1,
	   PRE),
	LD(0x78e27801, "ldrsh w1, [x0, x2, lsl #1]", .size = 2, .rt = { 1 },
	   RM(2, INVALID, 1)),
	LD(0xb9800401, "ldrsw x1, [x0, #4]", .size = 4, .rt = { 1 }, .disp = 4),
	LD(0xf85f8001, "ldur x1, [x0, #-8]", .size = 8, .rt = { 1 }, .disp = -8),
	LD(0xf8400801, "ldtr x1, [x0]", .size = 8, .rt = { 1 }),
	LD(0xc8dffc01, "ldar x1, [x0]", .size = 8, .rt = { 1 }),
	LD(0x48df7fe3, "ldlarh w3, [sp]", .size = 2, .rt = { 3 }, .rn = 31),
};

/* Not accesses the backend locates: literal, SIMD&FP, prefetch, exclusive
 * and atomic forms, and other instructions. */
static const struct want others[] = {
	OTHER(0x58000001, "ldr x1, <literal>"),
	OTHER(0x3dc00000, "ldr q0, [x0]"),
	OTHER(0xfd000400, "str d0, [x0, #8]"),
	OTHER(0xad000400, "stp q0, q1, [x0]"),
	OTHER(0xf9800000, "prfm pldl1keep, [x0]"),
	OTHER(0xc85f7c01, "ldxr x1, [x0]"),
	OTHER(0xc8027c01, "stxr w2, x1, [x0]"),
	OTHER(0xf8210002, "ldadd x1, x2, [x0]"),
	OTHER(0xd503201f, "nop"),
	OTHER(0xd503207f, "wfi"),
	OTHER(0x910004a5, "add x5, x5, #1"),
	OTHER(0x00000000, "udf #0"),
};

/* Ends of a straight line of code. */
static const struct want block_ends[] = {
	END(0x14000000, "b ."),
	END(0x94000000, "bl ."),
	END(0x54000000, "b.eq ."),
	END(0xb4000000, "cbz x0, ."),
	END(0x37180001, "tbnz w1, #3, ."),
	END(0xd61f0020, "br x1"),
	END(0xd63f0040, "blr x2"),
	END(0xd65f03c0, "ret"),
	END(0xd69f03e0, "eret"),
	END(0xd6bf03e0, "drps"),
	END(0xd4000001, "svc #0"),
	END(0xd4000002, "hvc #0"),
	END(0xd4000003, "smc #0"),
	END(0xd4200000, "brk #0"),
	END(0xd4400000, "hlt #0"),
	END(0xd4a00001, "dcps1"),
	END(0xd65f0bff, "retaa"),
	END(0xd71f0822, "braa x1, x2"),
};

static void check(const struct want *w, enum vmb_emu_insn_kind kind,
		  const struct vmb_emu_insn *a)
{
	const struct vmb_emu_insn *e = &w->a;

	if (kind != w->kind)
		fail_msg("%08x %s: kind %d, want %d", w->word, w->text, kind, w->kind);
	if (kind != VMB_EMU_INSN_ACCESS)
		return;
	if (a->store != e->store || a->n != e->n || a->size != e->size ||
	    a->rt[0] != e->rt[0] || a->rt[1] != e->rt[1] || a->rn != e->rn ||
	    a->disp != e->disp || a->has_rm != e->has_rm || a->rm != e->rm ||
	    a->ext != e->ext || a->shift != e->shift || a->wb != e->wb ||
	    a->post != e->post)
		fail_msg("%08x %s: got store %d n %u size %u rt %u,%u rn %u disp "
			 "%lld rm %d:%u ext %d shift %u wb %d post %lld", w->word,
			 w->text, a->store, a->n, a->size, a->rt[0], a->rt[1], a->rn,
			 (long long)a->disp, a->has_rm, a->rm, a->ext, a->shift,
			 a->wb, (long long)a->post);
}

static void run_table(const struct want *t, size_t n)
{
	struct vmb_emu_decoder d;
	struct vmb_emu_insn a;

	assert_int_equal(vmb_emu_decoder_open(&d), 0);
	for (size_t i = 0; i < n; i++)
		check(&t[i], vmb_emu_decode(&d, t[i].word, &a), &a);
	vmb_emu_decoder_close(&d);
	vmb_emu_decoder_close(&d);   /* closing twice is harmless */
}

#define RUN(t) run_table(t, sizeof(t) / sizeof(t[0]))

static void test_stores(void **state)
{
	RUN(stores);
}

static void test_pairs(void **state)
{
	RUN(pairs);
}

static void test_loads(void **state)
{
	RUN(loads);
}

static void test_others(void **state)
{
	RUN(others);
}

static void test_block_ends(void **state)
{
	RUN(block_ends);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stores),
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_loads),
		cmocka_unit_test(test_others),
		cmocka_unit_test(test_block_ends),
	};

	return cmocka_run_group_tests_name("emu-replay", tests, NULL, NULL);
}
