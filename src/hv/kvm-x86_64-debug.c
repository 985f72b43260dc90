/* SPDX-License-Identifier: MIT */
/*
 * Guest debugging on x86_64 KVM (hv.h set_debug, for the gdb stub):
 * KVM_SET_GUEST_DEBUG per vCPU (Linux Documentation/virt/kvm/api.rst 4.63),
 * stops as KVM_EXIT_DEBUG with the vector, DR6 and the linear PC.
 *  - single step: KVM_GUESTDBG_SINGLESTEP (KVM sets RFLAGS.TF and hides it
 *    from the guest), a #DB with DR6.BS (Intel SDM Vol. 3B §18.2.3). With
 *    KVM_GUESTDBG_BLOCKIRQ where KVM offers it (KVM_CAP_SET_GUEST_DEBUG2),
 *    as QEMU does: otherwise a step after a long stop lands in the handler
 *    of the timer interrupt that came due meanwhile, not on the next
 *    instruction;
 *  - Z0: INT3 (0xcc) written over the instruction's first byte
 *    (kvm-swbp.c) with KVM_GUESTDBG_USE_SW_BP; the #BP exit leaves RIP on
 *    the INT3, the breakpoint's address, which is what gdb is told. Linux
 *    patches its own code with INT3 (text_poke_bp: jump labels, static
 *    calls, kprobes), so an INT3 that is not ours is normal: it is given
 *    back with KVM_GUESTDBG_INJECT_BP, which KVM delivers as the soft
 *    exception INT3 raises (return address after it);
 *  - Z1, Z2, Z4: DR0-DR3 and DR7 (vmb_x86_dregs_encode) with
 *    KVM_GUESTDBG_USE_HW_BP, which also makes every #DB exit to us: DR6
 *    B0-B3 name the register that matched. Instruction breakpoints are
 *    faults (RIP on the instruction); data breakpoints are traps (RIP after
 *    the access, the value written). A #DB that none of ours explains is
 *    the guest's own, given back with KVM_GUESTDBG_INJECT_DB (its DR6 may
 *    not name the cause: the debugger owns the debug registers meanwhile).
 * With nothing to trap, guest debugging is off (control 0) and the guest
 * keeps its own debug registers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/kvm-x86_64.h"

/* R/W and LEN fields of DR7 (SDM Vol. 3B Figure 18-1). */
enum { RW_EXEC = 0, RW_WRITE = 1, RW_ACCESS = 3 };

static unsigned len_bits(unsigned len)
{
	return len == 1 ? 0 : len == 2 ? 1 : len == 8 ? 2 : 3;
}

/* DR7: Gn (global enable, kept across task switches) for register n, its
 * R/W and LEN, and GE with the reserved bit 10 set as the SDM shows it. */
static int add_slot(struct vmb_x86_dregs *d, uint64_t addr, unsigned rw,
		    unsigned len, bool wp, unsigned idx)
{
	unsigned n = d->n;

	if (n == VMB_X86_NDR)
		return -1;
	d->dr[n] = addr;
	d->dr7 |= 2ull << (2 * n) | (uint64_t)rw << (16 + 4 * n) |
		  (uint64_t)len_bits(len) << (18 + 4 * n);
	d->slot[n].wp = wp;
	d->slot[n].idx = idx;
	d->n++;
	return 0;
}

int vmb_x86_dregs_encode(const struct vmb_debug_cfg *c, struct vmb_x86_dregs *d,
			 struct vmb_err *err)
{
	memset(d, 0, sizeof(*d));
	for (unsigned i = 0; i < c->nbp; i++)
		if (c->bp[i].hw && add_slot(d, c->bp[i].addr, RW_EXEC, 1, false, i))
			return vmb_errf(err, NULL, "x86 has %u debug registers for "
					"hardware breakpoints and watchpoints together",
					VMB_X86_NDR);
	for (unsigned i = 0; i < c->nwp; i++) {
		uint64_t a = c->wp[i].addr, left = c->wp[i].len;

		if (c->wp[i].kind == VMB_WP_READ)
			return vmb_errf(err, NULL, "x86 cannot watch reads alone: "
					"use an access watchpoint (awatch)");
		while (left) {
			unsigned len = 8;

			while (len > left || a % len)
				len /= 2;
			if (add_slot(d, a, c->wp[i].kind == VMB_WP_WRITE ? RW_WRITE :
				     RW_ACCESS, len, true, i))
				return vmb_errf(err, NULL, "cannot watch %llu bytes at "
						"0x%llx: x86 has %u debug registers, "
						"each watching an aligned 1, 2, 4 or "
						"8 bytes",
						(unsigned long long)c->wp[i].len,
						(unsigned long long)c->wp[i].addr,
						VMB_X86_NDR);
			a += len;
			left -= len;
		}
	}
	if (d->n)
		d->dr7 |= 0x600;
	return 0;
}

#if defined(__linux__) && defined(__x86_64__)
#include <sys/ioctl.h>

#define DB_VECTOR 1
#define BP_VECTOR 3
#define DR6_BS    (1u << 14)

struct vmb_kvm_x86_debug {
	struct vmb_kvm_swbp swbp;
	struct {
		struct kvm_guest_debug g;    /* as last given to KVM */
		struct vmb_x86_dregs dr;
		struct vmb_debug_cfg cfg;
	} *cpu;                          /* per vCPU */
};

static const uint8_t int3[1] = { 0xcc };

void vmb_kvm_x86_debug_free(struct vmb_kvm *k)
{
	struct x86_vm *x = k->arch_priv;

	if (x && x->dbg) {
		free(x->dbg->cpu);
		free(x->dbg);
		x->dbg = NULL;
	}
}

static struct vmb_kvm_x86_debug *debug_of(struct vmb_kvm *k)
{
	struct x86_vm *x = k->arch_priv;

	if (!x->dbg) {
		x->dbg = calloc(1, sizeof(*x->dbg));
		if (!x->dbg)
			return NULL;
		x->dbg->cpu = calloc(k->nvcpus, sizeof(*x->dbg->cpu));
		if (!x->dbg->cpu) {
			free(x->dbg);
			x->dbg = NULL;
			return NULL;
		}
		x->dbg->swbp.insn = int3;
		x->dbg->swbp.len = x->dbg->swbp.align = 1;
	}
	return x->dbg;
}

static int set_guest_debug(struct vmb_kvm_vcpu *v, void *arg)
{
	return ioctl(v->fd, KVM_SET_GUEST_DEBUG, arg);
}

int vmb_kvm_x86_set_debug(struct vmb_vm *vm, unsigned cpu, const struct vmb_debug_cfg *c,
			  struct vmb_err *err)
{
	struct vmb_kvm *k = vmb_kvm_of(vm);
	struct vmb_kvm_x86_debug *d;
	struct kvm_guest_debug g = { 0 };
	struct vmb_kvm_x86_xlate x = { .k = k };
	struct vmb_x86_dregs dr;

	if (!k || cpu >= k->nvcpus)
		return vmb_errf(err, NULL, "kvm: no vCPU %u", cpu);
	if (c->nbp > VMB_DEBUG_MAX_BP || c->nwp > VMB_DEBUG_MAX_WP)
		return vmb_errf(err, NULL, "kvm: too many breakpoints or watchpoints");
	if (vmb_kvm_cap(k, KVM_CAP_SET_GUEST_DEBUG) <= 0)
		return vmb_errf(err, NULL, "kvm: this host's KVM cannot debug guests "
				"(no KVM_CAP_SET_GUEST_DEBUG)");
	d = debug_of(k);
	if (!d)
		return vmb_errf(err, NULL, "out of memory");
	if (vmb_x86_dregs_encode(c, &dr, err))
		return -1;
	if (ioctl(k->vcpu[cpu].fd, KVM_GET_SREGS, &x.sregs))
		return vmb_errf(err, NULL, "kvm: cannot read vCPU %u's paging registers: %s",
				cpu, strerror(errno));
	if (vmb_kvm_swbp_sync(&d->swbp, vm->board, c, vmb_kvm_x86_xlate, &x, err))
		return -1;
	if (c->step) {
		g.control |= KVM_GUESTDBG_SINGLESTEP;
		if (vmb_kvm_cap(k, KVM_CAP_SET_GUEST_DEBUG2) & KVM_GUESTDBG_BLOCKIRQ)
			g.control |= KVM_GUESTDBG_BLOCKIRQ;
	}
	if (d->swbp.n)
		g.control |= KVM_GUESTDBG_USE_SW_BP;
	if (dr.n) {
		g.control |= KVM_GUESTDBG_USE_HW_BP;
		memcpy(g.arch.debugreg, dr.dr, sizeof(dr.dr));
		g.arch.debugreg[7] = dr.dr7;
	}
	if (g.control)
		g.control |= KVM_GUESTDBG_ENABLE;
	if (vmb_kvm_on_vcpu(vm, cpu, set_guest_debug, &g))
		return vmb_errf(err, NULL, "kvm: KVM_SET_GUEST_DEBUG on vCPU %u: %s",
				cpu, strerror(errno));
	d->cpu[cpu].g = g;
	d->cpu[cpu].dr = dr;
	d->cpu[cpu].cfg = *c;
	return 0;
}

/* Queue the guest's own exception for the next entry: the current
 * configuration once more, with the one-shot INJECT flag. */
static int give_back(struct vmb_kvm_vcpu *v, const struct kvm_guest_debug *cur,
		     uint32_t inject, uint64_t pc)
{
	struct kvm_guest_debug g = *cur;

	g.control |= inject;
	if (!ioctl(v->fd, KVM_SET_GUEST_DEBUG, &g))
		return 0;
	return vmb_kvm_fault(v, "kvm: cannot deliver the guest's own %s at 0x%llx: "
			     "KVM_SET_GUEST_DEBUG: %s",
			     inject == KVM_GUESTDBG_INJECT_BP ? "INT3" : "#DB",
			     (unsigned long long)pc, strerror(errno));
}

int vmb_kvm_x86_debug_exit(struct vmb_kvm_vcpu *v)
{
	struct vmb_kvm *k = v->kvm;
	struct x86_vm *x = k->arch_priv;
	const struct kvm_debug_exit_arch *ex = &v->run->debug.arch;
	struct vmb_debug_event ev = { VMB_DEBUG_STEP, 0, 0 };
	unsigned n;

	if (!x->dbg)
		return vmb_kvm_fault(v, "kvm: debug exit (vector %u) with guest "
				     "debugging never enabled", ex->exception);
	const struct vmb_x86_dregs *dr = &x->dbg->cpu[v->id].dr;
	const struct vmb_debug_cfg *c = &x->dbg->cpu[v->id].cfg;
	const struct kvm_guest_debug *g = &x->dbg->cpu[v->id].g;

	switch (ex->exception) {
	case BP_VECTOR:
		if (!vmb_kvm_swbp_has(&x->dbg->swbp, ex->pc))
			return give_back(v, g, KVM_GUESTDBG_INJECT_BP, ex->pc);
		ev.reason = VMB_DEBUG_SWBREAK;
		break;
	case DB_VECTOR:
		for (n = 0; n < dr->n && !(ex->dr6 & (1u << n)); n++)
			;
		if (n < dr->n && dr->slot[n].wp) {
			ev.reason = VMB_DEBUG_WATCH;
			ev.addr = c->wp[dr->slot[n].idx].addr;
			ev.kind = c->wp[dr->slot[n].idx].kind;
		} else if (n < dr->n) {
			ev.reason = VMB_DEBUG_HWBREAK;
		} else if (!(ex->dr6 & DR6_BS) || !(g->control & KVM_GUESTDBG_SINGLESTEP)) {
			return give_back(v, g, KVM_GUESTDBG_INJECT_DB, ex->pc);
		}
		break;
	default:
		return vmb_kvm_fault(v, "kvm: debug exit with vector %u", ex->exception);
	}
	/* A stop the debugger no longer wants (it detached meanwhile). */
	if (!k->vm->debug_event)
		return 0;
	k->vm->debug_event(k->vm, v->id, &ev);
	return 1;
}

#endif
