/* SPDX-License-Identifier: MIT */
/*
 * Single steps with interrupts held off, for KVM arm64 (kvm-arm64.h).
 *
 * KVM arm64 steps (KVM_GUESTDBG_SINGLESTEP) with the guest's interrupts
 * as they are, and after any stop the timer's interrupt is usually
 * pending: the step then takes it and ends on the IRQ vector
 * (VBAR_EL1 + 0x280) with the instruction not run. x86 KVM has
 * KVM_GUESTDBG_BLOCKIRQ for this and QEMU's TCG steps with interrupts off
 * by default; arm64 KVM has neither, so the step runs with PSTATE.I and
 * PSTATE.F set (Arm ARM D1.3.6: an IRQ or FIQ to EL1 is masked at EL1 and
 * EL0 by them) and the guest's own values are put back afterwards — except
 * where the stepped instruction itself decided them:
 *  - MSR DAIFSet / DAIFClr, #imm (C5.2.2, C5.2.3): the guest's values with
 *    the instruction's bits set or cleared;
 *  - MSR DAIF, Xt and ERET / ERETAA / ERETAB: PSTATE as they left it;
 *  - an exception taken by the instruction (SVC, HVC, an abort; D1.10.2):
 *    its entry masked DAIF itself and saved PSTATE in SPSR_EL1, so that is
 *    where the guest's values go back (its return restores them). It is
 *    recognised by the PC on a vector (128-byte aligned, within 2 KiB of
 *    VBAR_EL1) and ELR_EL1 at the stepped instruction or the next one.
 * A step that did not run (PC unchanged: the machine stopped for another
 * vCPU first) gets the guest's values back as they were.
 */
#include "hv/kvm-arm64.h"

#define A64_ERET      0xd69f03e0u
#define A64_ERETAA    0xd69f0bffu
#define A64_ERETAB    0xd69f0fffu
#define A64_DAIFSET   0xd50340dfu /* MSR DAIFSet, #CRm */
#define A64_DAIFCLR   0xd50340ffu /* MSR DAIFClr, #CRm */
#define A64_MSR_IMM_MASK 0xfffff0ffu
#define A64_MSR_DAIF  0xd51b4220u /* MSR DAIF, Xt */

uint64_t vmb_a64_step_begin(struct vmb_a64_step *s, uint64_t pc, uint64_t pstate,
			    const uint32_t *insn)
{
	s->active = (pstate & VMB_A64_PSTATE_IF) != VMB_A64_PSTATE_IF;
	if (!s->active)
		return pstate;
	s->pc = pc;
	s->if_bits = pstate & VMB_A64_PSTATE_IF;
	s->have_insn = insn != NULL;
	s->insn = insn ? *insn : 0;
	return pstate | VMB_A64_PSTATE_IF;
}

/* The I and F bits of an MSR DAIFSet/DAIFClr immediate (CRm: D A I F). */
static uint64_t imm_if(uint32_t insn)
{
	return ((uint64_t)(insn >> 8 & 0xf) << 6) & VMB_A64_PSTATE_IF;
}

unsigned vmb_a64_step_end(struct vmb_a64_step *s, struct vmb_a64_step_regs *r)
{
	uint64_t want = s->if_bits;

	if (!s->active)
		return 0;
	s->active = false;
	if (r->pc != s->pc && r->pc - r->vbar < 0x800 && !(r->pc & 0x7f) &&
	    (r->elr == s->pc || r->elr == s->pc + 4)) {
		r->spsr = (r->spsr & ~VMB_A64_PSTATE_IF) | want;
		return VMB_A64_STEP_SPSR;
	}
	if (r->pc != s->pc && s->have_insn) {
		if (s->insn == A64_ERET || s->insn == A64_ERETAA ||
		    s->insn == A64_ERETAB || (s->insn & ~0x1fu) == A64_MSR_DAIF)
			return 0;
		if ((s->insn & A64_MSR_IMM_MASK) == A64_DAIFSET)
			want |= imm_if(s->insn);
		else if ((s->insn & A64_MSR_IMM_MASK) == A64_DAIFCLR)
			want &= ~imm_if(s->insn);
	}
	r->pstate = (r->pstate & ~VMB_A64_PSTATE_IF) | want;
	return VMB_A64_STEP_PSTATE;
}
