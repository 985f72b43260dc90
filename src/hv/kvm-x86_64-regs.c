/* SPDX-License-Identifier: MIT */
/*
 * Structured register get/set for the x86_64 KVM backend (hv.h get_regs /
 * set_regs), kept apart from kvm-x86_64.c's set-up and crash report.
 * Source: Linux Documentation/virt/kvm/api.rst §4.11-4.14 KVM_GET_REGS,
 * KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS, and §4.22-4.23 KVM_GET_FPU /
 * KVM_SET_FPU for x87 and SSE. Both run on the vCPU's own thread
 * (vmb_kvm_on_vcpu). set_regs writes the general registers, RIP and
 * RFLAGS, CR0/2/3/4, EFER, the FS/GS bases and the FPU state; segment
 * selectors are reported only (their descriptor caches are what the CPU
 * uses).
 */
#if defined(__linux__) && defined(__x86_64__)
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "arch/x86_64/fpu.h"
#include "hv/kvm.h"

static void fpu_to_regs(const struct kvm_fpu *f, struct vmb_x86_64_regs *r)
{
	for (unsigned i = 0; i < 8; i++)
		memcpy(r->st[i], f->fpr[i], 10);
	r->fctrl = f->fcw;
	r->fstat = f->fsw;
	r->ftag = vmb_x86_fpu_tag(f->fsw, f->ftwx, f->fpr);
	/* 64-bit FXSAVE layout: 64-bit pointers, no selectors */
	r->fioff = (uint32_t)f->last_ip;
	r->fooff = (uint32_t)f->last_dp;
	r->fiseg = r->foseg = 0;
	r->fop = f->last_opcode;
	memcpy(r->xmm, f->xmm, sizeof(r->xmm));
	r->mxcsr = f->mxcsr;
	r->has_fp = true;
}

static void regs_to_fpu(const struct vmb_x86_64_regs *r, struct kvm_fpu *f)
{
	for (unsigned i = 0; i < 8; i++)
		memcpy(f->fpr[i], r->st[i], 10);
	f->fcw = (uint16_t)r->fctrl;
	f->fsw = (uint16_t)r->fstat;
	f->ftwx = 0;
	for (unsigned phys = 0; phys < 8; phys++)
		if (((r->ftag >> (2 * phys)) & 3) != 3)
			f->ftwx |= (uint8_t)(1u << phys);
	f->last_opcode = (uint16_t)r->fop;
	memcpy(f->xmm, r->xmm, sizeof(f->xmm));
	f->mxcsr = r->mxcsr;
}

static int regs_get(struct vmb_kvm_vcpu *v, void *arg)
{
	struct vmb_x86_64_regs *r = arg;
	struct kvm_regs g;
	struct kvm_sregs s;
	struct kvm_fpu f;

	if (ioctl(v->fd, KVM_GET_REGS, &g) || ioctl(v->fd, KVM_GET_SREGS, &s))
		return -1;
	*r = (struct vmb_x86_64_regs){
		.rax = g.rax, .rbx = g.rbx, .rcx = g.rcx, .rdx = g.rdx,
		.rsi = g.rsi, .rdi = g.rdi, .rsp = g.rsp, .rbp = g.rbp,
		.r8 = g.r8, .r9 = g.r9, .r10 = g.r10, .r11 = g.r11,
		.r12 = g.r12, .r13 = g.r13, .r14 = g.r14, .r15 = g.r15,
		.rip = g.rip, .rflags = g.rflags,
		.cr0 = s.cr0, .cr2 = s.cr2, .cr3 = s.cr3, .cr4 = s.cr4,
		.efer = s.efer, .fs_base = s.fs.base, .gs_base = s.gs.base,
		.cs = s.cs.selector, .ds = s.ds.selector, .es = s.es.selector,
		.fs = s.fs.selector, .gs = s.gs.selector, .ss = s.ss.selector,
	};
	if (!ioctl(v->fd, KVM_GET_FPU, &f))
		fpu_to_regs(&f, r);
	return 0;
}

static int regs_set(struct vmb_kvm_vcpu *v, void *arg)
{
	const struct vmb_x86_64_regs *r = arg;
	struct kvm_fpu f;
	struct kvm_regs g = {
		.rax = r->rax, .rbx = r->rbx, .rcx = r->rcx, .rdx = r->rdx,
		.rsi = r->rsi, .rdi = r->rdi, .rsp = r->rsp, .rbp = r->rbp,
		.r8 = r->r8, .r9 = r->r9, .r10 = r->r10, .r11 = r->r11,
		.r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
		.rip = r->rip, .rflags = r->rflags,
	};
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_SREGS, &s))
		return -1;
	s.cr0 = r->cr0;
	s.cr2 = r->cr2;
	s.cr3 = r->cr3;
	s.cr4 = r->cr4;
	s.efer = r->efer;
	s.fs.base = r->fs_base;
	s.gs.base = r->gs_base;
	if (ioctl(v->fd, KVM_SET_SREGS, &s) || ioctl(v->fd, KVM_SET_REGS, &g))
		return -1;
	if (!r->has_fp)
		return 0;
	if (ioctl(v->fd, KVM_GET_FPU, &f))
		return -1;
	regs_to_fpu(r, &f);
	return ioctl(v->fd, KVM_SET_FPU, &f) ? -1 : 0;
}

int vmb_kvm_x86_get_regs(struct vmb_vm *vm, unsigned cpu, struct vmb_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->arch = VMB_ARCH_X86_64;
	return vmb_kvm_on_vcpu(vm, cpu, regs_get, &r->x86_64);
}

int vmb_kvm_x86_set_regs(struct vmb_vm *vm, unsigned cpu, const struct vmb_regs *r)
{
	if (r->arch != VMB_ARCH_X86_64)
		return -1;
	return vmb_kvm_on_vcpu(vm, cpu, regs_set, (void *)&r->x86_64);
}

#endif
