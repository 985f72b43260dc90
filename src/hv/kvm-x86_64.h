/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of the x86_64 KVM backend (kvm-x86_64*.c): the page
 * walk every guest-virtual access goes through, and guest debugging
 * (kvm-x86_64-debug.c). The debug-register encoding is pure and compiled
 * on every host, for the unit tests.
 */
#ifndef VMB_HV_KVM_X86_64_H
#define VMB_HV_KVM_X86_64_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hv.h"

/*
 * DR0-DR3 and DR7 (Intel SDM Vol. 3B §18.2.4, "Debug Control Register")
 * for the gdb stub's Z1 breakpoints and Z2/Z4 watchpoints: an instruction
 * breakpoint takes one register (R/W 00, LEN 00); a watchpoint one register
 * per naturally aligned 1/2/4/8-byte piece of its range (R/W 01 write, 11
 * read or write). slot[i] says what DRi serves. -1 with err when more than
 * four registers are needed or a read-only watchpoint (Z3) is asked: x86
 * cannot trap reads alone (QEMU refuses it too).
 */
#define VMB_X86_NDR 4

struct vmb_x86_dregs {
	uint64_t dr[VMB_X86_NDR];
	uint64_t dr7;
	unsigned n;                    /* registers in use */
	struct {
		bool wp;               /* cfg->wp[idx], else cfg->bp[idx] */
		unsigned idx;
	} slot[VMB_X86_NDR];
};

int vmb_x86_dregs_encode(const struct vmb_debug_cfg *c, struct vmb_x86_dregs *d,
			 struct vmb_err *err);

#if defined(__linux__) && defined(__x86_64__)
#include <linux/kvm.h>

#include "hv/kvm.h"

struct vmb_kvm_x86_debug;

/* k->arch_priv */
struct x86_vm {
	struct kvm_cpuid2 *cpuid;     /* filtered supported CPUID */
	struct kvm_irqchip chip0[3];  /* PIC master, PIC slave, IOAPIC */
	struct kvm_pit_state2 pit0;
	uint32_t *msrs;               /* KVM_GET_MSR_INDEX_LIST */
	unsigned nmsrs;
	bool has_xcrs;
	uint64_t special;             /* identity-map page GPA */
	struct vmb_kvm_x86_debug *dbg; /* a debugger's traps, NULL: none yet */
};

/* vmb_kvm_vcpu.arch */
struct x86_vcpu {
	struct kvm_sregs sregs0;
	struct kvm_lapic_state lapic0;
	struct kvm_xcrs xcrs0;
	struct kvm_xsave xsave0;  /* valid when has_xsave */
	bool has_xsave;
};

/* vmb_kvm_xlate_fn context: one vCPU's paging registers. */
struct vmb_kvm_x86_xlate {
	struct vmb_kvm *k;
	struct kvm_sregs sregs;
};

int vmb_kvm_x86_xlate(void *ctx, uint64_t va, uint64_t *pa, uint64_t *page_left);

/* hv.h set_debug. */
int vmb_kvm_x86_set_debug(struct vmb_vm *vm, unsigned cpu,
			  const struct vmb_debug_cfg *c, struct vmb_err *err);
/* KVM_EXIT_DEBUG on v's thread: 1 a stop reported to vm->debug_event (the
 * vCPU parks), 0 the guest's own #BP/#DB given back to it, -1 a fault. */
int vmb_kvm_x86_debug_exit(struct vmb_kvm_vcpu *v);
/* Freed with the VM. */
void vmb_kvm_x86_debug_free(struct vmb_kvm *k);
#endif

#endif
