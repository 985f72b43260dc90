/* SPDX-License-Identifier: MIT */
/*
 * emu backend: the virtual clock of deterministic machines.
 *
 * Unicorn's generic-timer counter (CNTPCT_EL0, CNTVCT_EL0) follows host
 * time, so a guest that reads it sees a different value on every run. When
 * the machine has "determinism:" on, every MRS of either counter is taken
 * (UC_HOOK_INSN, UC_ARM64_INS_MRS: the callback writes the destination
 * register and skips the read) and answered from a clock that advances
 * with the guest's own progress instead:
 *
 *   - each counter read advances it by VCLOCK_READ_NS (1 us): a guest can
 *     only see time pass by reading a clock, so a delay loop of N reads
 *     always sees the same times, however fast the host runs it;
 *   - each WFI advances it by VCLOCK_WFI_NS (1 ms), the pause the run loop
 *     takes there;
 *   - console input, MMIO and RTC reads do not move it, so when the guest
 *     polls its UART for a key makes no difference.
 *
 * The same clock drives the board's RTC (board/clock.h: rtc-start plus
 * this clock) and keeps counting across guest resets. Counter value =
 * ns * CNTFRQ_EL0 / 10^9 (Arm ARM D11.1.2: both counters count at
 * CNTFRQ; CNTVOFF is 0 here). Timer interrupts are not delivered by the
 * emu backend in any mode (see emu.c), so no compare value needs it.
 */
#include "hv/emu.h"

#define VCLOCK_READ_NS 1000ull
#define VCLOCK_WFI_NS 1000000ull

/* CNTFRQ_EL0, CNTPCT_EL0, CNTVCT_EL0: op0 3, op1 3, CRn 14, CRm 0. */
enum { CNT_OP2_FRQ = 0, CNT_OP2_PCT = 1, CNT_OP2_VCT = 2 };

static uint64_t ticks(const struct vmb_emu *e, uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * e->cntfrq / 1000000000u);
}

static uint32_t hook_mrs(uc_engine *uc, uc_arm64_reg reg,
			 const uc_arm64_cp_reg *cp, void *opaque)
{
	struct vmb_emu *e = opaque;
	uint64_t ns;

	if (cp->op0 != 3 || cp->op1 != 3 || cp->crn != 14 || cp->crm != 0 ||
	    (cp->op2 != CNT_OP2_PCT && cp->op2 != CNT_OP2_VCT))
		return 0; /* not a counter: let Unicorn do it */
	ns = __atomic_add_fetch(&e->vclock_ns, VCLOCK_READ_NS, __ATOMIC_RELAXED);
	vmb_emu_reg_set(uc, reg, ticks(e, ns));
	return 1;
}

uint64_t vmb_emu_clock_ns(void *opaque)
{
	struct vmb_emu *e = opaque;

	return __atomic_load_n(&e->vclock_ns, __ATOMIC_RELAXED);
}

void vmb_emu_clock_wfi(struct vmb_emu *e)
{
	if (e->vclock)
		__atomic_add_fetch(&e->vclock_ns, VCLOCK_WFI_NS, __ATOMIC_RELAXED);
}

int vmb_emu_clock_install(struct vmb_emu *e, struct vmb_err *err)
{
	uc_arm64_cp_reg frq = { .op0 = 3, .op1 = 3, .crn = 14, .crm = 0,
				.op2 = CNT_OP2_FRQ };
	uc_hook h;

	e->vclock = e->b->spec->det.enabled;
	if (!e->vclock)
		return 0;
	if (uc_reg_read(e->uc, UC_ARM64_REG_CP_REG, &frq) != UC_ERR_OK || !frq.val)
		return vmb_errf(err, NULL, "emu: cannot read CNTFRQ_EL0 for the "
				"virtual clock");
	e->cntfrq = frq.val;
	if (uc_hook_add(e->uc, &h, UC_HOOK_INSN, (void *)hook_mrs, e, 1, 0,
			UC_ARM64_INS_MRS) != UC_ERR_OK)
		return vmb_errf(err, NULL, "emu: cannot hook counter reads for "
				"the virtual clock");
	return 0;
}
