/* SPDX-License-Identifier: MIT */
/*
 * KVM arm64 backend: the decisions that depend only on the board, kept
 * free of ioctls so they can be unit-tested on any host (tests/unit/
 * test_kvm_arm64.c). The backend itself is vmb_hv_kvm_arm64 in kvm-arm64.c;
 * memslots are the generic code's (vmb_kvm_wants_slot in kvm.h).
 */
#ifndef VMB_HV_KVM_ARM64_H
#define VMB_HV_KVM_ARM64_H

#include <stdbool.h>
#include <stdint.h>

#include "board/board.h"
#include "hv/hv.h"
#include "util/err.h"

/*
 * IPA size (bits) the VM needs: enough for the highest guest-physical
 * address the board maps (RAM, ROM and every MMIO window, e.g. the high
 * PCIe ECAM at 0x4010000000 needs 39 bits), at least 32 (KVM's minimum).
 * Returns 32..64.
 */
unsigned vmb_kvm_arm64_ipa_bits(const struct vmb_board *b);

/* The in-kernel vGIC the board asks for, from its interrupt controller
 * device (gic-v2 / gic-v3). Addresses are GPAs. */
struct vmb_kvm_vgic {
	unsigned version;      /* 2 or 3 */
	uint64_t dist;         /* distributor base */
	uint64_t cpu;          /* v2: CPU interface base */
	uint64_t redist;       /* v3: redistributor region base */
	uint64_t redist_size;  /* v3: bytes the board reserves for it */
	bool has_its;          /* v3: an ITS is described */
	uint64_t its;
	unsigned nr_irqs;      /* KVM_DEV_ARM_VGIC_GRP_NR_IRQS: 32 private +
				  SPIs, multiple of 32, 64..1024 */
};

/*
 * Derive the vGIC from the board's gic device (vmb_gic_describe) for ncpus
 * vCPUs. Errors: no GIC device, a GICv2 with more than 8 vCPUs, a
 * redistributor region too small for ncpus (128 KiB each), an SPI count
 * KVM does not take.
 */
int vmb_kvm_arm64_vgic(const struct vmb_board *b, unsigned ncpus,
		       struct vmb_kvm_vgic *g, struct vmb_err *err);

/* What stage-1 translation of the EL1&0 regime depends on. */
struct vmb_arm64_mmu {
	uint64_t sctlr, tcr, ttbr0, ttbr1;  /* SCTLR_EL1, TCR_EL1, TTBRn_EL1 */
};

/*
 * Translate a guest virtual address as the vCPU's MMU would (Arm ARM
 * D5.2, VMSAv8-64 translation table walk): 4, 16 or 64 KiB granules,
 * TTBR0/TTBR1 by VA bit 55, TxSZ, TBI, EPDn; 48-bit output addresses (no
 * LPA/LPA2), no permission or access-flag checks. With the MMU off
 * (SCTLR_EL1.M clear) the PA is the VA. read64 reads an 8-byte descriptor
 * at a GPA (0 on success). Returns 0 with *pa set, -1 if the address is not
 * mapped or a table cannot be read. For crash reports (read_virt).
 */
int vmb_arm64_stage1(const struct vmb_arm64_mmu *m, uint64_t va, uint64_t *pa,
		     int (*read64)(void *opaque, uint64_t gpa, uint64_t *val),
		     void *opaque);

/* KVM_IRQ_LINE "irq" field for SPI n (GIC INTID 32 + n), KVM api.rst 4.25. */
uint32_t vmb_kvm_arm64_spi_line(uint32_t spi);

/*
 * Debug registers for the gdb stub's hardware breakpoints and watchpoints
 * (Arm ARM D2.9, D2.10): DBGBCR for a breakpoint at addr (DBGBVR in *bvr),
 * and DBGWCR/DBGWVR for a watchpoint of len bytes — at most 8 inside one
 * aligned doubleword (BAS), or a power of two aligned to its size (MASK).
 * Both match at EL1 and EL0. vmb_kvm_arm64_wcr returns -1 for any other
 * range.
 */
uint64_t vmb_kvm_arm64_bcr(uint64_t addr, unsigned long long *bvr);
int vmb_kvm_arm64_wcr(uint64_t addr, uint64_t len, enum vmb_wp_kind kind,
		      uint64_t *wcr, uint64_t *wvr);

/*
 * Single steps with IRQ and FIQ masked (kvm-arm64-step.c): before the
 * step, vmb_a64_step_begin gives the PSTATE to step with (I and F set) and
 * remembers the guest's; insn is the instruction at pc, NULL if it could
 * not be read. After it (or when the vCPU stopped before stepping),
 * vmb_a64_step_end puts the guest's values back into r->pstate, or into
 * r->spsr when the instruction took an exception, and says which it
 * changed (0: none, the instruction set them itself or no step was
 * armed). Bits are PSTATE's: I = 7, F = 6.
 */
#define VMB_A64_PSTATE_IF 0xc0ull

struct vmb_a64_step {
	bool active;
	bool have_insn;
	uint32_t insn;
	uint64_t pc;
	uint64_t if_bits;
};

struct vmb_a64_step_regs {
	uint64_t pc, pstate, vbar, elr, spsr;
};

enum { VMB_A64_STEP_PSTATE = 1, VMB_A64_STEP_SPSR = 2 };

uint64_t vmb_a64_step_begin(struct vmb_a64_step *s, uint64_t pc, uint64_t pstate,
			    const uint32_t *insn);
unsigned vmb_a64_step_end(struct vmb_a64_step *s, struct vmb_a64_step_regs *r);

#endif
