/* SPDX-License-Identifier: MIT */
/*
 * Software breakpoints for the KVM backends (kvm.h vmb_kvm_swbp_*): the
 * trap instruction (arm64 BRK #0, Arm ARM C6.2.38; x86 INT3, SDM Vol. 2A
 * "INT n/INTO/INT3") written over guest code, as QEMU's and kvmtool's
 * gdb stubs do under KVM, where the CPU has no other way to trap at an
 * unlimited number of addresses. KVM_GUESTDBG_USE_SW_BP (api.rst 4.63)
 * turns the trap into KVM_EXIT_DEBUG; the architecture code decides from
 * vmb_kvm_swbp_has() whether the trap was ours or the guest's own.
 */
#include <string.h>

#include "board/board.h"
#include "hv/kvm.h"

static bool wanted(const struct vmb_debug_cfg *c, uint64_t va)
{
	for (unsigned i = 0; i < c->nbp; i++)
		if (!c->bp[i].hw && c->bp[i].addr == va)
			return true;
	return false;
}

/* Host pointer p: the bytes are guest code; on hosts whose instruction
 * cache does not snoop (arm64) it is cleaned over them. */
static void poke(uint8_t *p, const uint8_t *bytes, unsigned len)
{
	memcpy(p, bytes, len);
	__builtin___clear_cache((char *)p, (char *)p + len);
}

bool vmb_kvm_swbp_has(const struct vmb_kvm_swbp *s, uint64_t va)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->bp[i].va == va)
			return true;
	return false;
}

int vmb_kvm_swbp_sync(struct vmb_kvm_swbp *s, struct vmb_board *b,
		      const struct vmb_debug_cfg *c, vmb_kvm_xlate_fn xlate,
		      void *ctx, struct vmb_err *err)
{
	for (unsigned i = 0; i < s->n;) {
		uint8_t *p = vmb_board_gpa_ptr(b, s->bp[i].gpa, s->len);

		if (wanted(c, s->bp[i].va)) {
			i++;
			continue;
		}
		if (p && !memcmp(p, s->insn, s->len))
			poke(p, s->bp[i].orig, s->len);
		s->bp[i] = s->bp[--s->n];
	}
	for (unsigned i = 0; i < c->nbp; i++) {
		uint64_t va = c->bp[i].addr, gpa = 0, left = 0;
		uint8_t *p = NULL;

		if (c->bp[i].hw || vmb_kvm_swbp_has(s, va))
			continue;
		if (s->n == VMB_DEBUG_MAX_BP)
			return vmb_errf(err, NULL, "kvm: too many breakpoints");
		if (!(va % s->align) && !xlate(ctx, va, &gpa, &left) && left >= s->len)
			p = vmb_board_gpa_ptr(b, gpa, s->len);
		if (!p)
			return vmb_errf(err, NULL, "kvm: cannot insert a breakpoint at "
					"0x%llx: %s", (unsigned long long)va,
					va % s->align ? "misaligned" :
					"not mapped to guest memory");
		s->bp[s->n].va = va;
		s->bp[s->n].gpa = gpa;
		memcpy(s->bp[s->n++].orig, p, s->len);
		poke(p, s->insn, s->len);
	}
	return 0;
}
