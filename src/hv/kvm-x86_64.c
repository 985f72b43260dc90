/* SPDX-License-Identifier: MIT */
/*
 * KVM backend for x86_64 boards on x86_64 Linux hosts ("kvm").
 *
 * Sources: Linux Documentation/virt/kvm/api.rst (KVM_CREATE_IRQCHIP,
 * KVM_CREATE_PIT2, KVM_SET_TSS_ADDR, KVM_SET_IDENTITY_MAP_ADDR,
 * KVM_GET_SUPPORTED_CPUID, KVM_SET_CPUID2, KVM_SET_MSRS, KVM_SET_LAPIC,
 * KVM_IRQ_LINE, KVM_SET_MP_STATE, KVM_TRANSLATE); Intel SDM vol. 3A §9.1
 * (processor state after reset), §4.5 (4-level paging); Firecracker's
 * x86_64 vCPU set-up for the MSR list and LINT0/LINT1 wiring.
 *
 * Machine: in-kernel PIC, IOAPIC (24 pins at 0xfec00000, GSI n = pin n) and
 * local APICs (0xfee00000), and the PIT (KVM_PIT_SPEAKER_DUMMY, so port 0x61
 * is handled in the kernel too). The TSS and identity-map pages VMX needs
 * go to 0xfffbc000-0xfffbffff (as QEMU puts them), or into the highest
 * free 16 KiB hole below 4 GiB if the board uses that range. Board regions
 * may not overlap the APIC windows.
 *
 * CPUID: KVM_GET_SUPPORTED_CPUID, with the hypervisor bit and the KVM
 * leaves 0x40000000/0x40000001 (add_kvm_leaves), each vCPU's APIC ID
 * patched in (leaves 1, 0xb, 0x1f) and the machine file's
 * cpus.cpuid-clear features removed (arch/x86_64/cpuid.c).
 *
 * Reset: KVM has no vCPU reset ioctl, so the power-on state captured right
 * after KVM_CREATE_VCPU / KVM_CREATE_IRQCHIP / KVM_CREATE_PIT2 is written
 * back (sregs, LAPIC, XCRs, irqchips, PIT), then FPU (FCW 0x37f, MXCSR
 * 0x1f80), the MSRs Firecracker resets (SYSENTER, STAR/LSTAR/CSTAR,
 * SYSCALL mask, KERNEL_GS_BASE, TSC = 0, MISC_ENABLE = fast strings,
 * MTRRdefType = enabled, write-back), cleared pending events, LINT0 =
 * ExtINT and LINT1 = NMI. vCPU 0 then gets the boot state (arch/x86_64);
 * the others wait for INIT/SIPI (KVM_MP_STATE_UNINITIALIZED).
 *
 * How the guest stops:
 *  - i8042 reset pulse: the device decides (reset-action: exit or reboot);
 *  - every vCPU halted with interrupts disabled (or never started): the
 *    machine powers off (exit 0) — HLT with IF=0 can never wake except by
 *    NMI/INIT, which nothing on these boards sends to a halted machine;
 *  - KVM_EXIT_SHUTDOWN (triple fault): a guest fault with a crash report.
 *    A PC would reset, but a guest that triple-faults almost always does
 *    so because it is broken, and rebooting it forever hides why; Linux
 *    reboots through the i8042 first (reboot=k is its default order
 *    after ACPI);
 *  - KVM_EXIT_INTERNAL_ERROR (the instruction emulator gave up): a guest
 *    fault, reported with the instruction bytes.
 * Port I/O that no device claims reads as all ones and writes are dropped,
 * as on a PC's ISA bus (Linux probes many ports); MMIO that no device
 * claims is a guest fault.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__) && defined(__x86_64__)
#include <sys/ioctl.h>
#include <unistd.h>

#include <asm/kvm_para.h>
#include <cpuid.h>
#include <linux/kvm.h>
#endif

#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"
#include "hv/kvm.h"
#include "hv/kvm-x86_64.h"

#if defined(__linux__) && defined(__x86_64__)

#define IDENT_MAP_DEFAULT 0xfffbc000ull /* 1 page, then the 3 TSS pages */
#define SPECIAL_SIZE      0x4000ull

#define MSR_IA32_TSC            0x00000010
#define MSR_IA32_SYSENTER_CS    0x00000174
#define MSR_IA32_SYSENTER_ESP   0x00000175
#define MSR_IA32_SYSENTER_EIP   0x00000176
#define MSR_IA32_MISC_ENABLE    0x000001a0
#define MSR_MTRR_DEF_TYPE       0x000002ff
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_SYSCALL_MASK        0xc0000084
#define MSR_KERNEL_GS_BASE      0xc0000102

#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_MODE_NMI    0x4
#define APIC_MODE_EXTINT 0x7

static const char *const cpus_keys_clear = "cpuid-clear";

static bool range_free(const struct vmb_board *b, uint64_t lo, uint64_t size,
		       const struct vmb_region **clash)
{
	for (unsigned i = 0; i < b->map.n; i++) {
		const struct vmb_region *r = b->map.r[i];

		if (r->gpa < lo + size && lo < r->gpa + r->size) {
			*clash = r;
			return false;
		}
	}
	return true;
}

static int check_apics(const struct vmb_board *b, struct vmb_err *err)
{
	static const struct { const char *name; uint64_t base; } win[] = {
		{ "I/O APIC", VMB_X86_IOAPIC_BASE },
		{ "local APIC", VMB_X86_LAPIC_BASE },
	};
	const struct vmb_region *r;

	for (unsigned i = 0; i < 2; i++)
		if (!range_free(b, win[i].base, VMB_X86_APIC_SIZE, &r))
			return vmb_errf(err, &r->loc, "region '%s' [0x%llx-0x%llx] "
					"overlaps the in-kernel %s at 0x%llx", r->name,
					(unsigned long long)r->gpa,
					(unsigned long long)(r->gpa + r->size - 1),
					win[i].name, (unsigned long long)win[i].base);
	for (unsigned i = 0; i < b->spec->ndev; i++) {
		const struct vmb_dev_spec *d = &b->spec->dev[i];

		for (unsigned j = 0; j < d->nirq; j++)
			if (d->irq[j] >= VMB_X86_IOAPIC_PINS)
				return vmb_errf(err, &d->irq_loc, "GSI %u of device "
						"'%s': the I/O APIC has pins 0-%u",
						d->irq[j], d->name,
						VMB_X86_IOAPIC_PINS - 1);
	}
	return 0;
}

/* Identity map + TSS: 16 KiB below 4 GiB that no region or APIC uses. */
static int place_special(const struct vmb_board *b, uint64_t *gpa, struct vmb_err *err)
{
	const struct vmb_region *r;

	for (uint64_t a = IDENT_MAP_DEFAULT; a >= 0x100000; a -= SPECIAL_SIZE) {
		if ((a < VMB_X86_LAPIC_BASE + VMB_X86_APIC_SIZE &&
		     VMB_X86_LAPIC_BASE < a + SPECIAL_SIZE) ||
		    (a < VMB_X86_IOAPIC_BASE + VMB_X86_APIC_SIZE &&
		     VMB_X86_IOAPIC_BASE < a + SPECIAL_SIZE))
			continue;
		if (range_free(b, a, SPECIAL_SIZE, &r)) {
			*gpa = a;
			return 0;
		}
	}
	return vmb_errf(err, NULL, "no free 16 KiB below 4 GiB for KVM's TSS and "
			"identity-map pages");
}

/* ---- CPUID ----------------------------------------------------------- */

static struct kvm_cpuid2 *get_supported_cpuid(int sys_fd, struct vmb_err *err)
{
	for (unsigned n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = vmb_zalloc(sizeof(*c) + n * sizeof(c->entries[0]));

		c->nent = n;
		if (!ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, c))
			return c;
		free(c);
		if (errno != E2BIG)
			break;
	}
	return vmb_errf(err, NULL, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno)),
	       NULL;
}

/*
 * What a guest needs to see that it runs under KVM (as QEMU and
 * Firecracker set it up): CPUID.1:ECX[31], the hypervisor-present bit
 * (Linux looks for hypervisor leaves only when it is set), and the KVM
 * leaves (Linux Documentation/virt/kvm/x86/cpuid.rst): 0x40000000 with
 * "KVMKVMKVM\0\0\0" in EBX:ECX:EDX and the highest KVM leaf in EAX,
 * 0x40000001 with the paravirtual features (kvm-clock, PV EOI, ...).
 * KVM_GET_SUPPORTED_CPUID normally holds both KVM leaves already; a KVM
 * that lacks them gets the signature and an empty feature leaf, so no
 * feature is claimed that KVM did not offer.
 * CPUID.1:ECX[24] (TSC-deadline timer) is set when KVM emulates it
 * (KVM_CAP_TSC_DEADLINE_TIMER; KVM_GET_SUPPORTED_CPUID leaves it to the
 * VMM, as QEMU and Firecracker set it): with hardware-reduced ACPI Linux
 * uses no PIT, so the local APIC timer needs no calibration against one.
 * The invariant-TSC bit (0x80000007:EDX[8]) is hidden, as QEMU's CPU
 * models do unless asked (+invtsc): with it Linux prefers the TSC to
 * kvm-clock, and a TSC that stays constant across host CPU migration and
 * (later) snapshot restore is not something vmb can promise.
 */
static struct kvm_cpuid2 *add_kvm_leaves(struct kvm_cpuid2 *c, bool tsc_deadline)
{
	static const char sig[12] = "KVMKVMKVM\0\0\0";
	bool have_sig = false, have_feat = false;
	unsigned extra;

	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1)
			e->ecx |= (1u << 31) | (tsc_deadline ? 1u << 24 : 0);
		else if (e->function == 0x80000007)
			e->edx &= ~(1u << 8);
		have_sig |= e->function == KVM_CPUID_SIGNATURE;
		have_feat |= e->function == KVM_CPUID_FEATURES;
	}
	extra = !have_sig + !have_feat;
	if (extra) {
		size_t sz = sizeof(*c) + (c->nent + extra) * sizeof(c->entries[0]);
		struct kvm_cpuid2 *n = vmb_zalloc(sz);

		memcpy(n, c, sizeof(*c) + c->nent * sizeof(c->entries[0]));
		free(c);
		c = n;
		if (!have_sig) {
			struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];

			e->function = KVM_CPUID_SIGNATURE;
			e->eax = KVM_CPUID_FEATURES;
			memcpy(&e->ebx, sig, 4);
			memcpy(&e->ecx, sig + 4, 4);
			memcpy(&e->edx, sig + 8, 4);
		}
		if (!have_feat)
			c->entries[c->nent++].function = KVM_CPUID_FEATURES;
	}
	return c;
}

/* cpus.cpuid-clear from the machine file: a list of feature names. */
static int apply_cpuid_filter(struct vmb_kvm *k, struct kvm_cpuid2 *c,
			      struct vmb_err *err)
{
	const struct vmb_node *cpus = vmb_node_get(k->board->spec->root, "cpus");
	const struct vmb_node *list = cpus ? vmb_node_get(cpus, cpus_keys_clear) : NULL;
	struct vmb_cpuid_entry *e;
	int rc = 0;

	if (!list || vmb_node_is_null(list))
		return 0;
	if (list->kind != VMB_NODE_SEQ)
		return vmb_errf(err, &list->loc, "wrong type for 'cpuid-clear': "
				"expected a list of CPU feature names");
	e = vmb_zalloc(c->nent * sizeof(*e));
	for (unsigned i = 0; i < c->nent; i++) {
		e[i].leaf = c->entries[i].function;
		e[i].subleaf = c->entries[i].index;
		e[i].r[VMB_EAX] = c->entries[i].eax;
		e[i].r[VMB_EBX] = c->entries[i].ebx;
		e[i].r[VMB_ECX] = c->entries[i].ecx;
		e[i].r[VMB_EDX] = c->entries[i].edx;
	}
	for (size_t i = 0; i < list->n && !rc; i++) {
		const struct vmb_node *item = list->items[i];
		const struct vmb_x86_feature *f;
		const char *name;

		if (vmb_node_str(item, &name, err)) {
			rc = -1;
			break;
		}
		f = vmb_x86_feature_find(name);
		if (!f) {
			unsigned nf;
			const struct vmb_x86_feature *all = vmb_x86_features(&nf);

			rc = vmb_errf(err, &item->loc, "unknown CPU feature '%s' in "
				      "cpuid-clear; known:", name);
			for (unsigned j = 0; j < nf; j++)
				vmb_err_append(err, "%s", all[j].name);
			break;
		}
		if (vmb_x86_feature_clear(e, c->nent, f))
			rc = vmb_errf(err, &item->loc, "internal error clearing '%s'",
				      name);
	}
	for (unsigned i = 0; i < c->nent && !rc; i++) {
		c->entries[i].eax = e[i].r[VMB_EAX];
		c->entries[i].ebx = e[i].r[VMB_EBX];
		c->entries[i].ecx = e[i].r[VMB_ECX];
		c->entries[i].edx = e[i].r[VMB_EDX];
	}
	free(e);
	return rc;
}

static int set_vcpu_cpuid(struct vmb_kvm_vcpu *v, struct vmb_err *err)
{
	struct x86_vm *x = v->kvm->arch_priv;
	size_t sz = sizeof(*x->cpuid) + x->cpuid->nent * sizeof(x->cpuid->entries[0]);
	struct kvm_cpuid2 *c = vmb_zalloc(sz);
	int rc;

	memcpy(c, x->cpuid, sz);
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1: /* EBX[31:24] initial APIC ID, [23:16] logical CPUs */
			e->ebx = (e->ebx & 0x0000ffffu) | (v->id << 24) |
				 ((v->kvm->nvcpus & 0xff) << 16);
			if (v->kvm->nvcpus > 1)
				e->edx |= 1u << 28; /* HTT: the count is valid */
			break;
		case 0xb:
		case 0x1f: /* EDX: x2APIC ID */
			e->edx = v->id;
			break;
		}
	}
	rc = ioctl(v->fd, KVM_SET_CPUID2, c);
	free(c);
	if (rc)
		return vmb_errf(err, NULL, "KVM_SET_CPUID2 on vCPU %u: %s", v->id,
				strerror(errno));
	return 0;
}

/* ---- VM ------------------------------------------------------------- */

static int get_msr_list(struct vmb_kvm *k, struct x86_vm *x, struct vmb_err *err)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *l;

	if (ioctl(k->sys_fd, KVM_GET_MSR_INDEX_LIST, &probe) && errno != E2BIG)
		return vmb_errf(err, NULL, "KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
	l = vmb_zalloc(sizeof(*l) + probe.nmsrs * sizeof(uint32_t));
	l->nmsrs = probe.nmsrs;
	if (ioctl(k->sys_fd, KVM_GET_MSR_INDEX_LIST, l)) {
		free(l);
		return vmb_errf(err, NULL, "KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
	}
	x->nmsrs = l->nmsrs;
	x->msrs = vmb_zalloc((l->nmsrs + 1) * sizeof(uint32_t));
	memcpy(x->msrs, l->indices, l->nmsrs * sizeof(uint32_t));
	free(l);
	return 0;
}

static int x86_vm_init(struct vmb_kvm *k, struct vmb_err *err)
{
	struct vmb_board *b = k->board;
	struct x86_vm *x = vmb_zalloc(sizeof(*x));
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t ident;
	int max;

	k->arch_priv = x;
	max = vmb_kvm_cap(k, KVM_CAP_MAX_VCPUS);
	if (!max)
		max = vmb_kvm_cap(k, KVM_CAP_NR_VCPUS);
	if (b->ncpus > VMB_X86_MAX_CPUS || (max > 0 && b->ncpus > (unsigned)max))
		return vmb_errf(err, &b->spec->cpus_count_loc, "%u vCPUs: this host's KVM "
				"and the xAPIC allow at most %u", b->ncpus,
				max > 0 && max < VMB_X86_MAX_CPUS ? (unsigned)max :
								    VMB_X86_MAX_CPUS);
	if (!vmb_kvm_cap(k, KVM_CAP_IRQCHIP) || !vmb_kvm_cap(k, KVM_CAP_PIT2) ||
	    !vmb_kvm_cap(k, KVM_CAP_SET_TSS_ADDR) || !vmb_kvm_cap(k, KVM_CAP_EXT_CPUID))
		return vmb_errf(err, NULL, "this KVM lacks the in-kernel irqchip, "
				"PIT2, TSS or CPUID support vmb needs");
	if (check_apics(b, err) || place_special(b, &ident, err))
		return -1;
	x->special = ident;
	if (vmb_kvm_cap(k, KVM_CAP_SET_IDENTITY_MAP_ADDR) &&
	    ioctl(k->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident))
		return vmb_errf(err, NULL, "KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
	if (ioctl(k->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)(ident + 0x1000)))
		return vmb_errf(err, NULL, "KVM_SET_TSS_ADDR: %s", strerror(errno));
	if (ioctl(k->vm_fd, KVM_CREATE_IRQCHIP, 0))
		return vmb_errf(err, NULL, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
	if (ioctl(k->vm_fd, KVM_CREATE_PIT2, &pit))
		return vmb_errf(err, NULL, "KVM_CREATE_PIT2: %s", strerror(errno));
	for (unsigned i = 0; i < 3; i++) {
		x->chip0[i].chip_id = i;
		if (ioctl(k->vm_fd, KVM_GET_IRQCHIP, &x->chip0[i]))
			return vmb_errf(err, NULL, "KVM_GET_IRQCHIP: %s", strerror(errno));
	}
	if (ioctl(k->vm_fd, KVM_GET_PIT2, &x->pit0))
		return vmb_errf(err, NULL, "KVM_GET_PIT2: %s", strerror(errno));
	x->cpuid = get_supported_cpuid(k->sys_fd, err);
	if (x->cpuid)
		x->cpuid = add_kvm_leaves(x->cpuid, vmb_kvm_cap(k,
					  KVM_CAP_TSC_DEADLINE_TIMER) > 0);
	if (!x->cpuid || apply_cpuid_filter(k, x->cpuid, err) || get_msr_list(k, x, err))
		return -1;
	x->has_xcrs = vmb_kvm_cap(k, KVM_CAP_XCRS) > 0;
	return 0;
}

static int x86_vcpu_init(struct vmb_kvm_vcpu *v, struct vmb_err *err)
{
	struct x86_vm *x = v->kvm->arch_priv;
	struct x86_vcpu *xv = vmb_zalloc(sizeof(*xv));

	v->arch = xv;
	if (set_vcpu_cpuid(v, err))
		return -1;
	if (ioctl(v->fd, KVM_GET_SREGS, &xv->sregs0) ||
	    ioctl(v->fd, KVM_GET_LAPIC, &xv->lapic0))
		return vmb_errf(err, NULL, "reading vCPU %u's power-on state: %s",
				v->id, strerror(errno));
	if (x->has_xcrs && ioctl(v->fd, KVM_GET_XCRS, &xv->xcrs0))
		x->has_xcrs = false;
	/* The whole XSAVE area (AVX and later state) for reset; KVM refuses
	 * KVM_GET_XSAVE when the area outgrows 4 KiB (AMX), KVM_SET_FPU
	 * alone then resets the legacy part. */
	xv->has_xsave = vmb_kvm_cap(v->kvm, KVM_CAP_XSAVE) > 0 &&
			!ioctl(v->fd, KVM_GET_XSAVE, &xv->xsave0);
	return 0;
}

static int x86_vm_reset(struct vmb_kvm *k, struct vmb_err *err)
{
	struct x86_vm *x = k->arch_priv;

	for (unsigned i = 0; i < 3; i++)
		if (ioctl(k->vm_fd, KVM_SET_IRQCHIP, &x->chip0[i]))
			return vmb_errf(err, NULL, "KVM_SET_IRQCHIP: %s", strerror(errno));
	if (ioctl(k->vm_fd, KVM_SET_PIT2, &x->pit0))
		return vmb_errf(err, NULL, "KVM_SET_PIT2: %s", strerror(errno));
	return 0;
}

/* ---- vCPU reset ------------------------------------------------------ */

static bool msr_supported(const struct x86_vm *x, uint32_t idx)
{
	for (unsigned i = 0; i < x->nmsrs; i++)
		if (x->msrs[i] == idx)
			return true;
	return false;
}

static int set_msrs(struct vmb_kvm_vcpu *v, struct vmb_err *err)
{
	static const struct { uint32_t idx; uint64_t val; } init[] = {
		{ MSR_IA32_SYSENTER_CS, 0 }, { MSR_IA32_SYSENTER_ESP, 0 },
		{ MSR_IA32_SYSENTER_EIP, 0 }, { MSR_STAR, 0 }, { MSR_CSTAR, 0 },
		{ MSR_KERNEL_GS_BASE, 0 }, { MSR_SYSCALL_MASK, 0 }, { MSR_LSTAR, 0 },
		{ MSR_IA32_TSC, 0 },
		{ MSR_IA32_MISC_ENABLE, 1 },              /* fast strings */
		{ MSR_MTRR_DEF_TYPE, (1u << 11) | 6 },    /* enabled, WB */
	};
	struct x86_vm *x = v->kvm->arch_priv;
	const unsigned max = sizeof(init) / sizeof(init[0]);
	struct kvm_msrs *m = vmb_zalloc(sizeof(*m) + max * sizeof(m->entries[0]));
	int rc;

	for (unsigned i = 0; i < max; i++) {
		if (!msr_supported(x, init[i].idx))
			continue;
		m->entries[m->nmsrs].index = init[i].idx;
		m->entries[m->nmsrs].data = init[i].val;
		m->nmsrs++;
	}
	rc = ioctl(v->fd, KVM_SET_MSRS, m);
	if (rc >= 0 && (unsigned)rc != m->nmsrs)
		rc = vmb_errf(err, NULL, "KVM_SET_MSRS on vCPU %u: MSR 0x%x refused",
			      v->id, m->entries[rc].index);
	else if (rc < 0)
		rc = vmb_errf(err, NULL, "KVM_SET_MSRS on vCPU %u: %s", v->id,
			      strerror(errno));
	else
		rc = 0;
	free(m);
	return rc;
}

/*
 * KVM's paravirtual MSRs back at their power-on values (Linux
 * Documentation/virt/kvm/x86/msr.rst). A guest turns them off itself
 * before it reboots (kvm_guest_cpu_offline); a reset from outside (a
 * debugger's `monitor reset`) finds them as the old kernel left them, and
 * KVM goes on writing kvm-clock and steal time into the old kernel's
 * addresses, now the new boot's memory (seen: the bzImage's decompressor
 * finding its payload corrupt and halting). One MSR per call, refusals
 * ignored: KVM refuses a PV MSR whose feature it does not offer (steal
 * time without the host's sched_info), and then the guest never had it.
 */
static void reset_pv_msrs(struct vmb_kvm_vcpu *v)
{
	static const struct { uint32_t idx; uint64_t val; } pv[] = {
		{ MSR_KVM_SYSTEM_TIME_NEW, 0 }, { MSR_KVM_SYSTEM_TIME, 0 },
		{ MSR_KVM_ASYNC_PF_EN, 0 }, { MSR_KVM_ASYNC_PF_INT, 0 },
		{ MSR_KVM_STEAL_TIME, 0 }, { MSR_KVM_PV_EOI_EN, 0 },
		{ MSR_KVM_POLL_CONTROL, 1 },
	};
	struct x86_vm *x = v->kvm->arch_priv;
	struct kvm_msrs *m = vmb_zalloc(sizeof(*m) + sizeof(m->entries[0]));

	for (unsigned i = 0; i < sizeof(pv) / sizeof(pv[0]); i++) {
		if (!msr_supported(x, pv[i].idx))
			continue;
		m->nmsrs = 1;
		m->entries[0].index = pv[i].idx;
		m->entries[0].data = pv[i].val;
		(void)ioctl(v->fd, KVM_SET_MSRS, m);
	}
	free(m);
}

static void set_lvt(struct kvm_lapic_state *l, unsigned reg, uint32_t mode)
{
	uint32_t v;

	memcpy(&v, l->regs + reg, 4);
	v = (v & ~0x700u) | (mode << 8);
	memcpy(l->regs + reg, &v, 4);
}

static void flat_segment(struct kvm_segment *s, uint16_t sel, bool code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = code ? 0xb : 0x3; /* execute/read accessed; read/write accessed */
	s->present = 1;
	s->dpl = 0;
	s->db = code ? 0 : 1;       /* L=1 code must have D=0 */
	s->s = 1;
	s->l = code ? 1 : 0;
	s->g = 1;
}

static int x86_vcpu_reset(struct vmb_kvm_vcpu *v, const struct vmb_boot_state *bs,
			  struct vmb_err *err)
{
	struct x86_vm *x = v->kvm->arch_priv;
	struct x86_vcpu *xv = v->arch;
	struct kvm_sregs sregs = xv->sregs0;
	struct kvm_regs regs;
	struct kvm_fpu fpu;
	struct kvm_lapic_state lapic = xv->lapic0;
	struct kvm_vcpu_events ev;
	struct kvm_debugregs dregs;
	struct kvm_mp_state mp;
	bool bsp = v->id == 0;

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	if (bsp) {
		flat_segment(&sregs.cs, VMB_X86_BOOT_CS, true);
		flat_segment(&sregs.ds, VMB_X86_BOOT_DS, false);
		sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
		sregs.gdt.base = bs->gdt;
		sregs.gdt.limit = VMB_X86_GDT_ENTRIES * 8 - 1;
		sregs.idt.base = 0;
		sregs.idt.limit = 0;
		sregs.cr0 = VMB_X86_CR0_PE | VMB_X86_CR0_MP | VMB_X86_CR0_ET |
			    VMB_X86_CR0_NE | VMB_X86_CR0_WP | VMB_X86_CR0_PG;
		sregs.cr3 = bs->cr3;
		sregs.cr4 = VMB_X86_CR4_PAE | VMB_X86_CR4_OSFXSR |
			    VMB_X86_CR4_OSXMMEXCPT;
		sregs.efer = VMB_X86_EFER_LME | VMB_X86_EFER_LMA;
		regs.rip = bs->pc;
		regs.rsi = bs->rsi;
		regs.rsp = bs->sp;
	} else {
		regs.rip = 0xfff0; /* reset vector, CS base 0xffff0000 (SDM §9.1.4) */
	}
	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	set_lvt(&lapic, APIC_LVT_LINT0, APIC_MODE_EXTINT);
	set_lvt(&lapic, APIC_LVT_LINT1, APIC_MODE_NMI);
	/* Power-on has no NMI, SMI or interrupt shadow pending either: KVM
	 * keeps each unless its VALID flag says to set it (api.rst,
	 * KVM_SET_VCPU_EVENTS), and an NMI the old kernel had sent this vCPU
	 * (a backtrace IPI) would reach the new boot before its IDT. */
	memset(&ev, 0, sizeof(ev));
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |
		   KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM;
	/* DR6/DR7 at their reset values (SDM §17.2.4): no guest breakpoint
	 * of the old kernel stays armed. */
	memset(&dregs, 0, sizeof(dregs));
	dregs.dr6 = 0xffff0ff0;
	dregs.dr7 = 0x400;
	mp.mp_state = bsp ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED;

	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) || ioctl(v->fd, KVM_SET_REGS, &regs) ||
	    (xv->has_xsave && ioctl(v->fd, KVM_SET_XSAVE, &xv->xsave0)) ||
	    ioctl(v->fd, KVM_SET_FPU, &fpu) || ioctl(v->fd, KVM_SET_LAPIC, &lapic) ||
	    ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) ||
	    ioctl(v->fd, KVM_SET_DEBUGREGS, &dregs) ||
	    (x->has_xcrs && ioctl(v->fd, KVM_SET_XCRS, &xv->xcrs0)) ||
	    ioctl(v->fd, KVM_SET_MP_STATE, &mp))
		return vmb_errf(err, NULL, "setting vCPU %u's reset state: %s", v->id,
				strerror(errno));
	reset_pv_msrs(v);
	return set_msrs(v, err);
}

/* ---- run-time hooks -------------------------------------------------- */

static void x86_set_irq(struct vmb_kvm *k, uint32_t irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level ? 1 : 0 };

	ioctl(k->vm_fd, KVM_IRQ_LINE, &l);
}

static bool halted_for_good(struct vmb_kvm_vcpu *v)
{
	struct kvm_regs regs;

	return !ioctl(v->fd, KVM_GET_REGS, &regs) && !(regs.rflags & VMB_X86_RFLAGS_IF);
}

/* AMD (and Hygon) SVM: KVM's shutdown intercept clears the VMCB and INITs
 * the vCPU before KVM_EXIT_SHUTDOWN (Linux arch/x86/kvm/svm/svm.c,
 * shutdown_interception); Intel VMX keeps the faulting state. */
static bool host_is_amd(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(0, &a, &b, &c, &d))
		return false;
	return (b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163) || /* AuthenticAMD */
	       (b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975);   /* HygonGenuine */
}

static int x86_handle_exit(struct vmb_kvm_vcpu *v)
{
	switch (v->run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		return vmb_kvm_fault(v, "triple fault (KVM_EXIT_SHUTDOWN): an "
				     "exception could not be delivered (no IDT, "
				     "bad stack or page tables?)%s", host_is_amd() ?
				     "; AMD host: KVM INITs the vCPU at a shutdown, "
				     "so the registers below are not where it "
				     "faulted" : "");
	case KVM_EXIT_HLT: /* only without an in-kernel LAPIC */
		if (halted_for_good(v))
			vmb_board_request_stop(v->kvm->board, VMB_STOP_POWEROFF,
					       "vCPU %u halted with interrupts "
					       "disabled", v->id);
		return 0;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
	case KVM_EXIT_NMI:
		return 0;
	case KVM_EXIT_DEBUG:
		return vmb_kvm_x86_debug_exit(v);
	}
	return -1;
}

static int x86_unassigned(struct vmb_kvm_vcpu *v, bool pio, bool write,
			  uint64_t addr, unsigned size)
{
	return pio ? 0 : -1;
}

static bool x86_vcpu_dead(struct vmb_kvm_vcpu *v)
{
	struct kvm_mp_state mp;

	if (ioctl(v->fd, KVM_GET_MP_STATE, &mp))
		return false;
	switch (mp.mp_state) {
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
		return true;
	case KVM_MP_STATE_HALTED:
		return halted_for_good(v);
	}
	return false;
}

static void x86_vcpu_destroy(struct vmb_kvm_vcpu *v)
{
	free(v->arch);
	v->arch = NULL;
}

static void x86_destroy(struct vmb_kvm *k)
{
	struct x86_vm *x = k->arch_priv;

	if (x) {
		vmb_kvm_x86_debug_free(k);
		free(x->cpuid);
		free(x->msrs);
		free(x);
	}
	k->arch_priv = NULL;
}

static const struct vmb_kvm_arch x86_arch = {
	.name = "x86_64",
	.vm_init = x86_vm_init,
	.vcpu_init = x86_vcpu_init,
	.vm_reset = x86_vm_reset,
	.vcpu_reset = x86_vcpu_reset,
	.set_irq = x86_set_irq,
	.irqfd = true,
	.handle_exit = x86_handle_exit,
	.unassigned = x86_unassigned,
	.vcpu_dead = x86_vcpu_dead,
	.vcpu_destroy = x86_vcpu_destroy,
	.destroy = x86_destroy,
};

/* ---- hv_ops ---------------------------------------------------------- */

static int x86_probe(const struct vmb_board *b, struct vmb_err *err)
{
	int fd;

	if (b->arch != VMB_ARCH_X86_64)
		return vmb_errf(err, NULL, "kvm on an x86_64 host runs x86_64 boards, "
				"this board is %s", vmb_arch_name(b->arch));
	fd = vmb_kvm_open(err);
	if (fd < 0)
		return -1;
	if (ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0 ||
	    ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0) {
		close(fd);
		return vmb_errf(err, NULL, "/dev/kvm lacks the in-kernel irqchip or "
				"immediate_exit");
	}
	close(fd);
	return 0;
}

static int x86_create(struct vmb_vm *vm, struct vmb_err *err)
{
	return vmb_kvm_create(vm, &x86_arch, err);
}

static int x86_get_state(struct vmb_vm *vm, unsigned cpu, struct vmb_cpu_state *st)
{
	struct vmb_kvm *k = vmb_kvm_of(vm);
	struct kvm_regs r;
	struct kvm_sregs s;
	unsigned n = 0;

	if (!k || cpu >= k->nvcpus || ioctl(k->vcpu[cpu].fd, KVM_GET_REGS, &r) ||
	    ioctl(k->vcpu[cpu].fd, KVM_GET_SREGS, &s))
		return -1;
	memset(st, 0, sizeof(*st));
	st->arch = VMB_ARCH_X86_64;
	st->cpu = cpu;
	st->pc = r.rip;
#define REG(nm, v) do { snprintf(st->reg[n].name, sizeof(st->reg[n].name), "%s", nm); \
			st->reg[n++].val = (v); } while (0)
	REG("rax", r.rax); REG("rbx", r.rbx); REG("rcx", r.rcx); REG("rdx", r.rdx);
	REG("rsi", r.rsi); REG("rdi", r.rdi); REG("rbp", r.rbp); REG("rsp", r.rsp);
	REG("r8", r.r8); REG("r9", r.r9); REG("r10", r.r10); REG("r11", r.r11);
	REG("r12", r.r12); REG("r13", r.r13); REG("r14", r.r14); REG("r15", r.r15);
	REG("rip", r.rip); REG("rflags", r.rflags);
	REG("cs", s.cs.selector); REG("ss", s.ss.selector);
	REG("ds", s.ds.selector); REG("es", s.es.selector);
	REG("fs_base", s.fs.base); REG("gs_base", s.gs.base);
	REG("cr0", s.cr0); REG("cr2", s.cr2); REG("cr3", s.cr3); REG("cr4", s.cr4);
	REG("efer", s.efer); REG("gdt", s.gdt.base); REG("idt", s.idt.base);
#undef REG
	st->nreg = n;
	return 0;
}

static int read_pte(void *ctx, uint64_t gpa, uint64_t *pte)
{
	const uint8_t *p = vmb_board_gpa_ptr(ctx, gpa, 8);

	if (!p)
		return -1;
	memcpy(pte, p, 8);
	return 0;
}

/* Linear -> physical through the vCPU's page tables, in software
 * (arch/x86_64/paging.c): KVM_TRANSLATE is not implemented by every KVM
 * (kvm_pvm answers "invalid" for everything). */
static int translate(struct vmb_kvm *k, const struct kvm_sregs *s, uint64_t va,
		     uint64_t *pa, uint64_t *page_left)
{
	struct vmb_x86_walk w;

	if (vmb_x86_walk(s->cr0, s->cr3, s->cr4, s->efer, va, read_pte, k->board, &w))
		return -1;
	*pa = w.pa;
	*page_left = w.page_size - (va & (w.page_size - 1));
	return 0;
}

/* Crash reports: each page-table entry of va's translation. */
static void x86_print_walk(struct vmb_vm *vm, unsigned cpu, uint64_t va,
			   const char *what, FILE *out)
{
	struct vmb_kvm *k = vmb_kvm_of(vm);
	struct kvm_sregs s;
	struct vmb_x86_walk w;

	if (!k || cpu >= k->nvcpus || ioctl(k->vcpu[cpu].fd, KVM_GET_SREGS, &s))
		return;
	vmb_x86_walk(s.cr0, s.cr3, s.cr4, s.efer, va, read_pte, k->board, &w);
	vmb_x86_walk_print(&w, what, va, out);
}

int vmb_kvm_x86_xlate(void *ctx, uint64_t va, uint64_t *pa, uint64_t *page_left)
{
	struct vmb_kvm_x86_xlate *x = ctx;

	return translate(x->k, &x->sregs, va, pa, page_left);
}

/* The calling context of read_virt / write_virt: vCPU cpu's paging. */
static struct vmb_kvm *xlate_of(struct vmb_vm *vm, unsigned cpu,
				struct vmb_kvm_x86_xlate *x)
{
	x->k = vmb_kvm_of(vm);
	if (!x->k || cpu >= x->k->nvcpus ||
	    ioctl(x->k->vcpu[cpu].fd, KVM_GET_SREGS, &x->sregs))
		return NULL;
	return x->k;
}

static int x86_read_virt(struct vmb_vm *vm, unsigned cpu, uint64_t va, void *buf,
			 unsigned len)
{
	struct vmb_kvm_x86_xlate x;
	struct vmb_kvm *k = xlate_of(vm, cpu, &x);

	return k ? vmb_kvm_copy_virt(k, vmb_kvm_x86_xlate, &x, va, buf, len) : -1;
}

static int x86_write_virt(struct vmb_vm *vm, unsigned cpu, uint64_t va,
			  const void *buf, unsigned len)
{
	struct vmb_kvm_x86_xlate x;
	struct vmb_kvm *k = xlate_of(vm, cpu, &x);

	return k ? vmb_kvm_write_virt(k, vmb_kvm_x86_xlate, &x, va, buf, len) : -1;
}

const struct vmb_hv_ops vmb_hv_kvm_x86_64 = {
	.name = "kvm",
	.host = "x86_64",
	.summary = "Linux KVM, x86_64 guests: in-kernel PIC/IOAPIC/LAPIC and PIT, "
		   "one thread per vCPU",
	.probe = x86_probe,
	.create = x86_create,
	.reset = vmb_kvm_reset,
	.run = vmb_kvm_run,
	.pause = vmb_kvm_pause,
	.resume = vmb_kvm_resume,
	.get_state = x86_get_state,
	.get_regs = vmb_kvm_x86_get_regs,
	.set_regs = vmb_kvm_x86_set_regs,
	.read_virt = x86_read_virt,
	.write_virt = x86_write_virt,
	.set_debug = vmb_kvm_x86_set_debug,
	.print_walk = x86_print_walk,
	.print_stats = vmb_kvm_print_stats,
	.destroy = vmb_kvm_destroy,
};

#else /* not an x86_64 Linux host */

static int x86_probe_other(const struct vmb_board *b, struct vmb_err *err)
{
	return vmb_errf(err, NULL, "kvm runs x86_64 boards on x86_64 hosts only");
}

const struct vmb_hv_ops vmb_hv_kvm_x86_64 = {
	.name = "kvm",
	.host = "x86_64",
	.summary = "Linux KVM, x86_64 guests (not this host)",
	.probe = x86_probe_other,
};

#endif
