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
 * A64 direct branches (Arm ARM C4.1.3 "Branches, Exception Generating and
 * System instructions"): B, BL (imm26), B.cond (imm19), CBZ/CBNZ (imm19),
 * TBZ/TBNZ (imm14). *off gets the byte offset of the target; *cond whether
 * the branch may fall through. Decoded from the word, not by capstone,
 * which gives targets relative to the address it was handed.
 */
static bool direct_branch(uint32_t w, int64_t *off, bool *cond)
{
	if ((w & 0x7c000000) == 0x14000000) {             /* B, BL */
		*off = (int64_t)((uint64_t)(w & 0x3ffffff) << 38) >> 36;
		*cond = false;
		return true;
	}
	if ((w & 0xff000010) == 0x54000000) {             /* B.cond */
		*off = (int64_t)((uint64_t)((w >> 5) & 0x7ffff) << 45) >> 43;
		*cond = (w & 0xe) != 0xe;                 /* AL, NV: always */
		return true;
	}
	if ((w & 0x7e000000) == 0x34000000) {             /* CBZ, CBNZ */
		*off = (int64_t)((uint64_t)((w >> 5) & 0x7ffff) << 45) >> 43;
		*cond = true;
		return true;
	}
	if ((w & 0x7e000000) == 0x36000000) {             /* TBZ, TBNZ */
		*off = (int64_t)((uint64_t)((w >> 5) & 0x3fff) << 50) >> 48;
		*cond = true;
		return true;
	}
	return false;
}

/* Paths followed from the reported PC (each a branch target). */
#define MAX_PATHS 64

/*
 * Could transfer k of a (at address at) have made the access acc? A
 * store's data must agree on the bytes acc names. Unicorn reports a whole
 * access with its width (an 8-byte store to ROM as 8 bytes): a width that
 * differs only fits an access crossing a page, else an STR X and an STRH
 * to the same base register would both "cover" a 2-byte store. With
 * "piece", acc is one piece Unicorn delivered to a device window (a byte
 * of a store; for a load crossing a page, part of the two naturally
 * aligned blocks around it; but also a byte of an unaligned access it
 * split without crossing anything), so any width fits.
 */
static bool transfer_matches(struct vmb_emu *e, const struct vmb_emu_insn *a,
			     unsigned k, uint64_t at, bool piece)
{
	const struct vmb_emu_access *acc = &e->acc;
	uint64_t lo = at, hi = at + a->size;
	bool crosses = (at ^ (hi - 1)) & ~0xfffull;

	if (!piece && !crosses && acc->size != a->size)
		return false;
	if (piece && crosses && !a->store) {
		lo = at & ~(uint64_t)(a->size - 1);
		hi = lo + 2 * a->size;
	}
	if (acc->addr >= hi || lo >= acc->addr + acc->size)
		return false;
	if (a->store && acc->addr >= at && acc->addr + acc->size <= at + a->size) {
		uint64_t v = xreg(e->uc, a->rt[k]) >> ((acc->addr - at) * 8);
		uint64_t mask = vmb_emu_size_mask(acc->size);

		if ((v & mask) != (acc->val & mask))
			return false;
	}
	return true;
}

/*
 * Find the instruction that made access e->acc. Every instruction before
 * the access has run, so the registers are those the access used; the
 * first load/store (of the right direction) whose address covers the
 * access, and for a store whose data matches, is it.
 *
 * Where to look: the PC Unicorn reports is the last one the emulator
 * wrote back, which is the start of the translation block only when that
 * block was entered from the run loop. Blocks chained by a direct branch
 * (QEMU's goto_tb: loops, calls, code that already ran once) do not write
 * the PC back, so the access may lie in a later block reached from there
 * by direct branches. So the search follows the straight line from the
 * reported PC and, at each direct branch, its target too (both ways for a
 * conditional one; at most MAX_PATHS targets, MAX_SCAN instructions in
 * all). Indirect branches (BR, BLR, RET) and exceptions write the PC back,
 * so a path ends there. Returns the instruction's PC (*out, *kout: it and
 * the matching transfer), or 0. With "piece" (see transfer_matches) the
 * whole search is made and an ambiguous answer (two instructions could
 * have made the piece, one of which may already have run) is refused: 0.
 */
static uint64_t locate(struct vmb_emu *e, bool store, bool piece,
		       struct vmb_emu_insn *out, unsigned *kout)
{
	uint64_t path[MAX_PATHS], found = 0;
	unsigned npaths = 1, scanned = 0;

	if (!e->dec.insn && vmb_emu_decoder_open(&e->dec))
		return 0;
	path[0] = vmb_emu_pc(e);
	for (unsigned next = 0; next < npaths; next++) {
		for (uint64_t pc = path[next]; scanned < MAX_SCAN; pc += 4, scanned++) {
			const uint8_t *p = vmb_board_gpa_ptr(e->b, pc, 4);
			enum vmb_emu_insn_kind kind;
			struct vmb_emu_insn a;
			uint32_t w;
			uint64_t addr;
			int64_t off;
			bool cond, seen = false;

			if (!p)
				break;
			w = (uint32_t)vmb_get_le(p, 4);
			if (direct_branch(w, &off, &cond)) {
				uint64_t to = pc + (uint64_t)off;

				for (unsigned k = 0; k < npaths; k++)
					seen |= path[k] == to;
				if (!seen && npaths < MAX_PATHS)
					path[npaths++] = to;
				if (cond)
					continue;
				break;
			}
			kind = vmb_emu_decode(&e->dec, w, &a);
			if (kind == VMB_EMU_INSN_BLOCK_END)
				break;
			if (kind != VMB_EMU_INSN_ACCESS || a.store != store)
				continue;
			addr = insn_address(e->uc, &a);
			for (unsigned k = 0; k < a.n; k++) {
				if (!transfer_matches(e, &a, k, addr + k * a.size, piece))
					continue;
				if (found && found != pc)
					return 0;      /* piece: ambiguous */
				if (!found) {
					found = pc;
					if (out)
						*out = a;
					if (kout)
						*kout = k;
				}
				if (!piece)
					return found;
			}
		}
	}
	return found;
}

static uint64_t locate_access(struct vmb_emu *e, bool store,
			      struct vmb_emu_insn *out)
{
	return locate(e, store, false, out, NULL);
}

/* ---- replaying and reporting --------------------------------------------- */

#define EMU_PAGE 0x1000ull

static bool crosses_page(uint64_t gpa, unsigned size)
{
	return ((gpa ^ (gpa + size - 1)) & ~(EMU_PAGE - 1)) != 0;
}

/* One access through the board; *bad gets gpa when nobody owns it. */
static int board_one(struct vmb_emu *e, bool write, uint64_t gpa, unsigned size,
		     uint64_t *val, uint64_t *bad)
{
	struct vmb_region *r = vmb_addrmap_find(&e->b->map, gpa);
	/* as vCPU 0, the one that made it (traces, per-CPU registers) */
	struct vmb_access a = { .cpu = 0, .write = write, .addr = gpa, .size = size,
				.val = write ? *val : 0 };
	int rc;

	if (r && r->hv_data) {
		if (write)
			((struct vmb_emu_rstat *)r->hv_data)->writes++;
		else
			((struct vmb_emu_rstat *)r->hv_data)->reads++;
	}
	rc = vmb_board_access(e->b, &a);
	if (!write)
		*val = a.val;
	if (rc)
		*bad = gpa;
	return rc;
}

/* Does [gpa, gpa+size) end outside the region it starts in? */
static bool straddles(struct vmb_region *r, uint64_t gpa, unsigned size)
{
	return r && gpa + size - 1 - r->gpa >= r->size;
}

/*
 * A guest access through the board as the device windows deliver it: an
 * 8-byte device access as two 4-byte ones (Unicorn's MMIO regions split
 * it so), and an access crossing a page as its two halves; low address
 * first. A half that still spans two regions (an 8-byte store across the
 * two flash banks) is halved again, so no device sees bytes of another.
 * Returns 0, or -1 with *bad the address nobody owns.
 */
static int board_access(struct vmb_emu *e, bool write, uint64_t gpa, unsigned size,
			uint64_t *val, uint64_t *bad)
{
	struct vmb_region *r = vmb_addrmap_find(&e->b->map, gpa);
	unsigned h = size / 2;
	uint64_t lo, hi;

	if (size < 2 || (!crosses_page(gpa, size) && !straddles(r, gpa, size) &&
			 !(size == 8 && r && r->kind == VMB_REGION_MMIO)))
		return board_one(e, write, gpa, size, val, bad);
	lo = *val & vmb_emu_size_mask(h);
	hi = (*val >> (h * 8)) & vmb_emu_size_mask(h);
	if (straddles(r, gpa, h) ? board_access(e, write, gpa, h, &lo, bad)
				 : board_one(e, write, gpa, h, &lo, bad))
		return -1;
	r = vmb_addrmap_find(&e->b->map, gpa + h);
	if (straddles(r, gpa + h, h) ? board_access(e, write, gpa + h, h, &hi, bad)
				     : board_one(e, write, gpa + h, h, &hi, bad))
		return -1;
	*val = lo | hi << (h * 8);
	return 0;
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
	f->addr_is_va = a->valid && vmb_emu_mmu_on(e);
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
		uint64_t at = addr + k * a.size, bad = at;
		uint64_t v = xreg(e->uc, a.rt[k]) & vmb_emu_size_mask(a.size);

		/* A page-crossing store whose other page is a device window
		 * was made whole there (vmb_emu_split_access). */
		if (e->split.active && e->split.write && at >= e->split.span &&
		    at + a.size <= e->split.span + 16)
			continue;

		if (board_access(e, true, at, a.size, &v, &bad)) {
			e->acc = (struct vmb_emu_access){ true, UC_MEM_WRITE_UNMAPPED,
							  bad, a.size, v };
			vmb_emu_set_pc(e, pc);
			vmb_emu_set_fault(e, true, "write to unmapped address 0x%llx",
					  (unsigned long long)bad);
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

/* Bits of e->split.seen for [gpa, gpa+size) (the part inside the span). */
static uint16_t span_bits(uint64_t span, uint64_t gpa, unsigned size)
{
	return (uint16_t)(((1u << size) - 1) << (gpa - span));
}

bool vmb_emu_split_access(struct vmb_emu *e, bool write, uint64_t gpa,
			  unsigned size, uint64_t *val)
{
	struct vmb_emu_split *sp = &e->split;
	struct vmb_emu_access saved = e->acc;
	struct vmb_emu_insn a;
	uint64_t at, v = 0, bad = 0, pc;
	unsigned k = 0;

	/* A further piece of the access under way (a byte, or a block, not
	 * delivered before: a repeat is the next access). */
	if (sp->active && sp->write == write && gpa >= sp->span &&
	    gpa - sp->span < 16 &&
	    gpa + size <= sp->span + 16 &&
	    !(sp->seen & span_bits(sp->span, gpa, size))) {
		sp->seen |= span_bits(sp->span, gpa, size);
		if (!write)
			*val = vmb_get_le(sp->data + (gpa - sp->span), size);
		return true;
	}
	sp->active = false;
	/* Pieces are bytes (stores) or blocks (loads) within 8 bytes of a
	 * page boundary; anything else is an ordinary access, not decoded. */
	if ((write && size != 1) || ((gpa + 8) & (EMU_PAGE - 1)) >= 16)
		return false;
	e->acc = (struct vmb_emu_access){ true, write ? UC_MEM_WRITE : UC_MEM_READ,
					  gpa, size, write ? *val : 0 };
	pc = locate(e, write, true, &a, &k);
	e->acc = saved;
	if (!pc)
		return false;
	at = insn_address(e->uc, &a) + k * a.size;
	if (!crosses_page(at, a.size))
		return false;  /* an unaligned access Unicorn split, no more */
	if (write)
		v = xreg(e->uc, a.rt[k]) & vmb_emu_size_mask(a.size);
	if (board_access(e, write, at, a.size, &v, &bad)) {
		if (!e->mmio_fault) {
			e->mmio_fault = true;
			e->acc = (struct vmb_emu_access){ true, write ?
				UC_MEM_WRITE_UNMAPPED : UC_MEM_READ_UNMAPPED,
				bad, a.size, v };
			uc_emu_stop(e->uc);
		}
		*val = 0;
		return true;
	}
	memset(sp, 0, sizeof(*sp));
	sp->active = true;
	sp->write = write;
	sp->span = at & ~7ull;
	vmb_put_le(sp->data + (at - sp->span), a.size, v);
	/* Only the pieces still to come may be absorbed: a store's other
	 * bytes, a load's two aligned blocks; the rest count as seen. */
	if (write) {
		sp->seen = (uint16_t)~span_bits(sp->span, at, a.size);
	} else {
		uint64_t blk = at & ~(uint64_t)(a.size - 1);

		sp->seen = (uint16_t)~(span_bits(sp->span, blk, a.size) |
				       span_bits(sp->span, blk + a.size, a.size));
	}
	if (gpa >= sp->span)
		sp->seen |= span_bits(sp->span, gpa, size);
	if (!write)
		*val = vmb_get_le(sp->data + (gpa - sp->span), size);
	return true;
}
