/* SPDX-License-Identifier: MIT */
/*
 * emu backend: the instruction behind a guest access Unicorn 2.0.1 stopped
 * on, found and, for a store to ROM or to flash in read-array ("romd")
 * mode, replayed through the board.
 *
 * Why (facts measured with Debian's libunicorn 2.0.1; see the top of
 * emu.c): a faulting access is reported with the PC of the start of its
 * translation block, after the instructions before the access in that
 * block have run, and the store itself not done. Resuming at that PC would
 * run those instructions twice. So we walk the straight-line code from the
 * reported PC to the first load or store of the right direction whose
 * address, computed from the current registers, covers the access, and for
 * a store whose data is the value the hook saw. For a store to ROM or a
 * romd flash bank we then perform it through the board (ROM: ignored; a
 * flash bank: its command interface, which may leave romd mode), apply its
 * base-register writeback and resume after it. For a fault, the PC is set
 * to it for the crash report.
 *
 * Instructions are decoded by capstone 4 (Debian libcapstone4 4.0.2),
 * with operand details: the memory operand's base, index, extend, shift
 * and displacement, the writeback flag, and for post-index the increment
 * as a separate immediate operand after the memory operand. Capstone gives
 * no access size: it follows from the instruction (B, H, SB, SH, SW
 * forms) or from the data register's width. Where capstone 4.0.2 falls
 * short, a small supplement says why (block_end_id(), decode_undecoded()).
 *
 * Device stores wider than 4 bytes are replayed as 4-byte halves, low
 * address first, as Unicorn's MMIO regions split them: a device sees one
 * behaviour.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hv/emu.h"
#include "util/bytes.h"

/* Longest straight line searched for a faulting access (QEMU ends a block
 * at a page boundary and at 512 instructions). */
#define MAX_SCAN 1024

/* ---- decoding ------------------------------------------------------------ */

/*
 * The loads and stores located and replayed, by capstone id: single and
 * pair transfers of general-purpose registers in every addressing form
 * (unsigned offset, unscaled, pre- and post-index, register offset,
 * unprivileged, acquire/release). Exclusive, atomic and SIMD&FP forms are
 * not: a SIMD&FP data register is refused by decode_operands(), as
 * capstone gives LDR/STR of Qn the same id. size 0: the data register's
 * width.
 */
static const struct {
	unsigned id;
	bool store;
	unsigned size;
} mem_insns[] = {
	{ ARM64_INS_STR, true, 0 },    { ARM64_INS_STRB, true, 1 },
	{ ARM64_INS_STRH, true, 2 },   { ARM64_INS_STUR, true, 0 },
	{ ARM64_INS_STURB, true, 1 },  { ARM64_INS_STURH, true, 2 },
	{ ARM64_INS_STTR, true, 0 },   { ARM64_INS_STTRB, true, 1 },
	{ ARM64_INS_STTRH, true, 2 },  { ARM64_INS_STLR, true, 0 },
	{ ARM64_INS_STLRB, true, 1 },  { ARM64_INS_STLRH, true, 2 },
	{ ARM64_INS_STP, true, 0 },    { ARM64_INS_STNP, true, 0 },
	{ ARM64_INS_LDR, false, 0 },   { ARM64_INS_LDRB, false, 1 },
	{ ARM64_INS_LDRH, false, 2 },  { ARM64_INS_LDRSB, false, 1 },
	{ ARM64_INS_LDRSH, false, 2 }, { ARM64_INS_LDRSW, false, 4 },
	{ ARM64_INS_LDUR, false, 0 },  { ARM64_INS_LDURB, false, 1 },
	{ ARM64_INS_LDURH, false, 2 }, { ARM64_INS_LDURSB, false, 1 },
	{ ARM64_INS_LDURSH, false, 2 }, { ARM64_INS_LDURSW, false, 4 },
	{ ARM64_INS_LDTR, false, 0 },  { ARM64_INS_LDTRB, false, 1 },
	{ ARM64_INS_LDTRH, false, 2 }, { ARM64_INS_LDTRSB, false, 1 },
	{ ARM64_INS_LDTRSH, false, 2 }, { ARM64_INS_LDTRSW, false, 4 },
	{ ARM64_INS_LDAR, false, 0 },  { ARM64_INS_LDARB, false, 1 },
	{ ARM64_INS_LDARH, false, 2 }, { ARM64_INS_LDP, false, 0 },
	{ ARM64_INS_LDNP, false, 0 },  { ARM64_INS_LDPSW, false, 4 },
};

int vmb_emu_decoder_open(struct vmb_emu_decoder *d)
{
	memset(d, 0, sizeof(*d));
	if (cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &d->cs) != CS_ERR_OK)
		return -1;
	if (cs_option(d->cs, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK ||
	    !(d->insn = cs_malloc(d->cs))) {
		cs_close(&d->cs);
		return -1;
	}
	return 0;
}

void vmb_emu_decoder_close(struct vmb_emu_decoder *d)
{
	if (!d->insn)
		return;
	cs_free(d->insn, 1);
	cs_close(&d->cs);
	memset(d, 0, sizeof(*d));
}

/* A general-purpose register as the encoding numbers it (SP, WSP, XZR and
 * WZR are 31) and its width in bytes; -1 for any other register. */
static int gpr(arm64_reg r, unsigned *width)
{
	*width = 8;
	if (r >= ARM64_REG_X0 && r <= ARM64_REG_X28)
		return (int)(r - ARM64_REG_X0);
	if (r == ARM64_REG_X29 || r == ARM64_REG_X30)
		return 29 + (int)(r - ARM64_REG_X29);
	if (r == ARM64_REG_SP || r == ARM64_REG_XZR)
		return 31;
	*width = 4;
	if (r >= ARM64_REG_W0 && r <= ARM64_REG_W30)
		return (int)(r - ARM64_REG_W0);
	if (r == ARM64_REG_WSP || r == ARM64_REG_WZR)
		return 31;
	return -1;
}

/*
 * Capstone 4.0.2 puts B, BL, B.cond, CB(N)Z, TB(N)Z, BR and BLR in
 * ARM64_GRP_JUMP, RET in ARM64_GRP_RET and SVC in ARM64_GRP_INT, but ERET,
 * DRPS, HVC, SMC, BRK, HLT and DCPSn in no group at all: those are named
 * here.
 */
static bool block_end_id(unsigned id)
{
	switch (id) {
	case ARM64_INS_ERET: case ARM64_INS_DRPS:
	case ARM64_INS_HVC: case ARM64_INS_SMC: case ARM64_INS_BRK:
	case ARM64_INS_HLT: case ARM64_INS_DCPS1: case ARM64_INS_DCPS2:
	case ARM64_INS_DCPS3:
		return true;
	default:
		return false;
	}
}

static bool block_end(csh cs, const cs_insn *ci)
{
	return cs_insn_group(cs, ci, ARM64_GRP_JUMP) ||
	       cs_insn_group(cs, ci, ARM64_GRP_CALL) ||
	       cs_insn_group(cs, ci, ARM64_GRP_RET) ||
	       cs_insn_group(cs, ci, ARM64_GRP_INT) || block_end_id(ci->id);
}

/*
 * Words capstone 4.0.2 does not decode at all, though Unicorn 2.0.1 runs
 * them on its "max" CPU model:
 *  - LDLAR/STLLR (ARMv8.1 LORegions, Arm ARM C6.2): shaped as LDAR/STLR,
 *    one register, no offset; o2 = 1, o1 = 0, o0 = 0;
 *  - the ARMv8.3 pointer-authentication branches and returns (BRAA, BLRAA,
 *    RETAA, ERETAA, ...): everything in the "unconditional branch
 *    (register)" class ends a block.
 */
static enum vmb_emu_insn_kind decode_undecoded(uint32_t w, struct vmb_emu_insn *a)
{
	if ((w & 0x3fa08000) == 0x08800000) {
		a->store = !(w & (1u << 22));
		a->n = 1;
		a->size = 1u << (w >> 30);
		a->rt[0] = w & 31;
		a->rn = (w >> 5) & 31;
		return VMB_EMU_INSN_ACCESS;
	}
	if ((w & 0xfe000000) == 0xd6000000)
		return VMB_EMU_INSN_BLOCK_END;
	return VMB_EMU_INSN_OTHER;
}

/* The memory operand and the operands around it (see the top of the file
 * for capstone's way with post-index). */
static enum vmb_emu_insn_kind decode_operands(const cs_arm64 *d, unsigned size,
					      struct vmb_emu_insn *a)
{
	unsigned nreg = 0, width = 0, w;
	int k, m;

	for (k = 0; k < d->op_count && d->operands[k].type == ARM64_OP_REG; k++) {
		int r = gpr(d->operands[k].reg, &w);

		if (r < 0 || nreg == 2)
			return VMB_EMU_INSN_OTHER;
		a->rt[nreg++] = (unsigned)r;
		width = w;
	}
	if (!nreg || k >= d->op_count || d->operands[k].type != ARM64_OP_MEM)
		return VMB_EMU_INSN_OTHER;       /* e.g. LDR (literal) */
	m = gpr(d->operands[k].mem.base, &w);
	if (m < 0)
		return VMB_EMU_INSN_OTHER;
	a->n = nreg;
	a->size = size ? size : width;
	a->rn = (unsigned)m;
	a->disp = d->operands[k].mem.disp;
	if (d->operands[k].mem.index != ARM64_REG_INVALID) {
		m = gpr(d->operands[k].mem.index, &w);
		if (m < 0)
			return VMB_EMU_INSN_OTHER;
		a->has_rm = true;
		a->rm = (unsigned)m;
		a->ext = d->operands[k].ext;
		if (d->operands[k].shift.type == ARM64_SFT_LSL)
			a->shift = d->operands[k].shift.value;
	}
	if (d->writeback) {
		a->wb = VMB_EMU_WB_PRE;
		if (k + 1 < d->op_count && d->operands[k + 1].type == ARM64_OP_IMM) {
			a->wb = VMB_EMU_WB_POST;
			a->post = d->operands[k + 1].imm;
		}
	}
	return VMB_EMU_INSN_ACCESS;
}

enum vmb_emu_insn_kind vmb_emu_decode(struct vmb_emu_decoder *d, uint32_t word,
				      struct vmb_emu_insn *a)
{
	uint8_t code[4];
	const uint8_t *p = code;
	size_t len = sizeof(code);
	uint64_t addr = 0;

	memset(a, 0, sizeof(*a));
	vmb_put_le(code, 4, word);
	if (!cs_disasm_iter(d->cs, &p, &len, &addr, d->insn))
		return decode_undecoded(word, a);
	if (block_end(d->cs, d->insn))
		return VMB_EMU_INSN_BLOCK_END;
	for (size_t i = 0; i < sizeof(mem_insns) / sizeof(mem_insns[0]); i++)
		if (mem_insns[i].id == d->insn->id) {
			a->store = mem_insns[i].store;
			return decode_operands(&d->insn->detail->arm64,
					       mem_insns[i].size, a);
		}
	return VMB_EMU_INSN_OTHER;
}

/* ---- locating ------------------------------------------------------------ */

/* Register n as data or index: 31 is the zero register. */
static uint64_t xreg(uc_engine *uc, unsigned n)
{
	return n == 31 ? 0 : vmb_emu_reg_get(uc, vmb_emu_xreg_id(n));
}

/* Register n as a base address: 31 is the current stack pointer. */
static int base_id(unsigned n)
{
	return n == 31 ? UC_ARM64_REG_SP : vmb_emu_xreg_id(n);
}

static uint64_t insn_address(uc_engine *uc, const struct vmb_emu_insn *a)
{
	uint64_t addr = vmb_emu_reg_get(uc, base_id(a->rn)) + (uint64_t)a->disp;

	if (a->has_rm) {
		uint64_t m = xreg(uc, a->rm);

		if (a->ext == ARM64_EXT_UXTW)
			m = (uint32_t)m;
		else if (a->ext == ARM64_EXT_SXTW)
			m = (uint64_t)(int64_t)(int32_t)m;
		addr += m << a->shift;
	}
	return addr;
}

/*
 * Find the instruction that made access e->acc: the PC Unicorn reports is
 * the start of the straight line of code it was in, and every instruction
 * before the access has run, so the registers are those the access used.
 * The first load/store (of the right direction) whose address covers the
 * access, and for a store whose data matches, is it. Returns its PC, or 0.
 */
static uint64_t locate_access(struct vmb_emu *e, bool store,
			      struct vmb_emu_insn *out)
{
	uint64_t pc = vmb_emu_pc(e);
	const struct vmb_emu_access *acc = &e->acc;

	if (!e->dec.insn && vmb_emu_decoder_open(&e->dec))
		return 0;
	for (unsigned i = 0; i < MAX_SCAN; i++, pc += 4) {
		const uint8_t *p = vmb_board_gpa_ptr(e->b, pc, 4);
		enum vmb_emu_insn_kind kind;
		struct vmb_emu_insn a;
		uint64_t addr;

		if (!p)
			return 0;
		kind = vmb_emu_decode(&e->dec, (uint32_t)vmb_get_le(p, 4), &a);
		if (kind == VMB_EMU_INSN_BLOCK_END)
			return 0;
		if (kind != VMB_EMU_INSN_ACCESS || a.store != store)
			continue;
		addr = insn_address(e->uc, &a);
		for (unsigned k = 0; k < a.n; k++) {
			uint64_t at = addr + k * a.size;
			uint64_t mask = vmb_emu_size_mask(a.size);

			if (acc->addr - at >= a.size)
				continue;
			if (store && acc->size == a.size &&
			    (xreg(e->uc, a.rt[k]) & mask) != (acc->val & mask))
				continue;
			if (out)
				*out = a;
			return pc;
		}
	}
	return 0;
}

/* ---- replaying and reporting --------------------------------------------- */

/* Write through the board as the MMIO path would: 8-byte device accesses
 * are split in two, as Unicorn splits them for uc_mmio_map regions. */
static int board_write(struct vmb_emu *e, uint64_t gpa, unsigned size, uint64_t val)
{
	struct vmb_region *r = vmb_addrmap_find(&e->b->map, gpa);
	struct vmb_access lo = { .cpu = 0, .write = true, .addr = gpa, .size = size,
				 .val = val };
	struct vmb_access hi = lo;

	if (r && r->hv_data)
		((struct vmb_emu_rstat *)r->hv_data)->writes++;
	if (r && r->kind == VMB_REGION_MMIO && size == 8) {
		lo.size = hi.size = 4;
		lo.val = (uint32_t)val;
		hi.addr = gpa + 4;
		hi.val = val >> 32;
		return vmb_board_access(e->b, &lo) || vmb_board_access(e->b, &hi);
	}
	return vmb_board_access(e->b, &lo);
}

void vmb_emu_set_fault(struct vmb_emu *e, bool exact, const char *fmt, ...)
{
	struct vmb_fault *f = &e->vm->fault;
	const struct vmb_emu_access *a = &e->acc;
	size_t n;
	va_list ap;

	memset(f, 0, sizeof(*f));
	f->has_addr = a->valid;
	f->addr = a->addr;
	f->size = a->size;
	f->is_write = a->type == UC_MEM_WRITE_UNMAPPED || a->type == UC_MEM_WRITE_PROT;
	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
	n = strlen(f->what);
	if (!exact)
		snprintf(f->what + n, sizeof(f->what) - n, " (the pc shown starts "
			 "the block the access is in: the emu backend could not "
			 "find the instruction)");
}

void vmb_emu_fault_data(struct vmb_emu *e)
{
	bool store = e->acc.type == UC_MEM_WRITE_UNMAPPED ||
		     e->acc.type == UC_MEM_WRITE_PROT;
	uint64_t pc = locate_access(e, store, NULL);

	if (pc)
		vmb_emu_set_pc(e, pc);
	vmb_emu_set_fault(e, pc != 0, "%s unmapped address 0x%llx",
			  store ? "write to" : "read of",
			  (unsigned long long)e->acc.addr);
}

int vmb_emu_replay_store(struct vmb_emu *e)
{
	struct vmb_emu_insn a;
	uint64_t pc = locate_access(e, true, &a), addr;

	if (!pc)
		return -1;
	addr = insn_address(e->uc, &a);
	for (unsigned k = 0; k < a.n; k++) {
		uint64_t at = addr + k * a.size;
		uint64_t v = xreg(e->uc, a.rt[k]) & vmb_emu_size_mask(a.size);

		if (board_write(e, at, a.size, v)) {
			e->acc = (struct vmb_emu_access){ true, UC_MEM_WRITE_UNMAPPED,
							  at, a.size, v };
			vmb_emu_set_pc(e, pc);
			vmb_emu_set_fault(e, true, "write to unmapped address 0x%llx",
					  (unsigned long long)at);
			return 1;
		}
	}
	if (a.wb == VMB_EMU_WB_PRE)
		vmb_emu_reg_set(e->uc, base_id(a.rn), addr);
	else if (a.wb == VMB_EMU_WB_POST)
		vmb_emu_reg_set(e->uc, base_id(a.rn), addr + (uint64_t)a.post);
	vmb_emu_set_pc(e, pc + 4);
	e->rom_writes++;
	return 0;
}
