/* SPDX-License-Identifier: MIT */
/*
 * KVM backend for arm64 guests on arm64 Linux hosts ("kvm").
 *
 * Follows the KVM API (Linux Documentation/virt/kvm/api.rst; arm64 vGIC:
 * devices/arm-vgic-v3.rst, arm-vgic.rst, arm-vgic-its.rst) and reproduces
 * what QEMU 7.2 does for -M virt -accel kvm:
 *  - VM type: IPA size from the board's highest GPA (KVM_CAP_ARM_VM_IPA_SIZE,
 *    api.rst 4.2), e.g. 39 bits for the virt board's high PCIe ECAM.
 *  - Memslots (the generic code's, kvm.c): RAM read-write; ROM and both
 *    flash banks read-only, so guest writes exit as MMIO (KVM_MEM_READONLY)
 *    and reach the device; a bank out of romd mode has no slot (reads exit
 *    too). Without the slot for bank 1, U-Boot's byte-wise environment CRC
 *    costs one exit (~250 us nested) per byte.
 *  - vCPUs: KVM_ARM_PREFERRED_TARGET + KVM_ARM_VCPU_INIT with PSCI 0.2
 *    (and PMUv3 on the armv8-pmu device's PPI when the board has one and
 *    KVM offers it); secondaries start powered off and are started by the
 *    guest's PSCI CPU_ON, handled in the kernel. One host thread per vCPU
 *    (kvm.c).
 *  - PSCI SYSTEM_OFF / SYSTEM_RESET arrive as KVM_EXIT_SYSTEM_EVENT and
 *    become VMB_STOP_POWEROFF / VMB_STOP_RESET; after a reset the run loop
 *    resets the board and calls reset(), which re-inits every vCPU.
 *  - Interrupts: in-kernel vGICv3 (distributor + redistributors, ITS if the
 *    board has one) or vGICv2 (distributor + CPU interface) at the board's
 *    addresses; device lines are KVM_IRQ_LINE on SPIs (INTID 32 + n); the
 *    architected timer PPIs are the kernel's (virtual 27, physical 30, as
 *    the DT's PPI 11 / 14).
 *  - Guest exceptions are the guest's business. KVM_RUN failures, internal
 *    errors, failed entries, MMIO nobody owns and accesses KVM cannot decode
 *    stop the machine with VMB_STOP_FAULT and a register dump; the crash
 *    report reads code through the guest's stage-1 tables.
 *
 * On hosts other than aarch64 the backend is compiled in but its probe
 * fails; the board-only helpers of kvm-arm64.h work everywhere.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "devices/gic.h"
#include "hv/hv.h"
#include "hv/kvm-arm64.h"
#include "util/bytes.h"

/* GICv3 redistributor: RD_base + SGI_base frames, 64 KiB each. */
#define GICV3_REDIST_SIZE 0x20000ull

unsigned vmb_kvm_arm64_ipa_bits(const struct vmb_board *b)
{
	uint64_t last = 0;
	unsigned bits = 32;

	for (unsigned i = 0; i < b->map.n; i++) {
		const struct vmb_region *r = b->map.r[i];

		if (r->gpa + (r->size - 1) > last)
			last = r->gpa + (r->size - 1);
	}
	while (bits < 64 && (last >> bits))
		bits++;
	return bits;
}

uint32_t vmb_kvm_arm64_spi_line(uint32_t spi)
{
	/* irq_type SPI (1) in bits 24..27, vcpu_index 0, INTID in bits 0..15. */
	return 1u << 24 | ((32 + spi) & 0xffff);
}

int vmb_kvm_arm64_vgic(const struct vmb_board *b, unsigned ncpus,
		       struct vmb_kvm_vgic *g, struct vmb_err *err)
{
	struct vmb_gic_desc d;

	memset(g, 0, sizeof(*g));
	if (vmb_gic_describe(b, &d))
		return vmb_errf(err, NULL, "kvm: the board has no interrupt "
				"controller (a gic-v2 or gic-v3 device)");
	g->version = d.version;
	g->dist = d.dist_base;
	g->nr_irqs = 32 + d.nr_spis;
	if (d.version == 2) {
		g->cpu = d.cpu_base;
		if (ncpus > 8)
			return vmb_errf(err, &b->spec->cpus_loc, "kvm: a GICv2 "
					"serves at most 8 vCPUs, the board has %u "
					"(use a gic-v3)", ncpus);
	} else {
		g->redist = d.redist_base;
		g->redist_size = d.redist_size;
		g->has_its = d.has_its;
		g->its = d.its_base;
		if ((uint64_t)ncpus * GICV3_REDIST_SIZE > g->redist_size)
			return vmb_errf(err, &d.dev->spec->loc, "kvm: the "
					"redistributor region of '%s' (0x%llx bytes) "
					"holds %llu vCPUs, the board has %u",
					d.dev->name,
					(unsigned long long)g->redist_size,
					(unsigned long long)(g->redist_size /
							     GICV3_REDIST_SIZE),
					ncpus);
	}
	if (g->nr_irqs < 64 || g->nr_irqs > 1024 || g->nr_irqs % 32)
		return vmb_errf(err, &d.dev->spec->loc, "kvm: gic '%s' has %u "
				"SPIs; KVM takes 32 to 992 in steps of 32",
				d.dev->name, d.nr_spis);
	return 0;
}

#define OA_MASK 0x0000fffffffff000ull /* output address bits 47:12 */

int vmb_arm64_stage1(const struct vmb_arm64_mmu *m, uint64_t va, uint64_t *pa,
		     int (*read64)(void *opaque, uint64_t gpa, uint64_t *val),
		     void *opaque)
{
	bool hi = (va >> 55) & 1;
	unsigned tsz, tg, g, stride, inputsize, top, level;
	uint64_t table, desc;

	if (!(m->sctlr & 1)) {
		*pa = va;
		return 0;
	}
	if (hi) {
		if (m->tcr & (1ull << 23))        /* EPD1 */
			return -1;
		tsz = (m->tcr >> 16) & 0x3f;
		tg = (m->tcr >> 30) & 3;          /* TG1: 1 16K, 2 4K, 3 64K */
		g = tg == 1 ? 14 : tg == 3 ? 16 : 12;
		top = (m->tcr >> 38) & 1 ? 56 : 64; /* TBI1 */
		table = m->ttbr1;
	} else {
		if (m->tcr & (1ull << 7))         /* EPD0 */
			return -1;
		tsz = m->tcr & 0x3f;
		tg = (m->tcr >> 14) & 3;          /* TG0: 0 4K, 1 64K, 2 16K */
		g = tg == 2 ? 14 : tg == 1 ? 16 : 12;
		top = (m->tcr >> 37) & 1 ? 56 : 64; /* TBI0 */
		table = m->ttbr0;
	}
	if (tsz < 16 || tsz > 39)
		return -1;
	inputsize = 64 - tsz;
	/* Bits from inputsize up to the top (below the tag byte with TBI)
	 * must all equal bit 55, or the address is in neither range. */
	for (unsigned b = inputsize; b < top; b++)
		if (((va >> b) & 1) != hi)
			return -1;
	stride = g - 3;
	level = 3 - (inputsize - 1 - g) / stride;
	table &= OA_MASK | 0xffe;   /* BADDR; bit 0 is CnP */
	for (;; level++) {
		unsigned shift = g + (3 - level) * stride;
		unsigned bits = shift + stride > inputsize ? inputsize - shift : stride;
		uint64_t idx = (va >> shift) & ((1ull << bits) - 1);
		uint64_t span = 1ull << shift;

		if (read64(opaque, table + 8 * idx, &desc) || !(desc & 1))
			return -1;
		if (level == 3) {
			if (!(desc & 2))            /* reserved at level 3 */
				return -1;
			*pa = (desc & OA_MASK & ~(span - 1)) | (va & (span - 1));
			return 0;
		}
		if (!(desc & 2)) {                  /* block */
			*pa = (desc & OA_MASK & ~(span - 1)) | (va & (span - 1));
			return 0;
		}
		table = desc & OA_MASK & ~((1ull << g) - 1);
	}
}

/* Arm ARM D2.9.3 (DBGBCR: E, PMC = EL1 and EL0, BAS = the whole A64
 * instruction, unlinked address match) and D2.10.3 (DBGWCR: E, PAC = EL1
 * and EL0, LSC load/store/both, BAS bytes of the doubleword at DBGWVR, or
 * MASK for an aligned power of two with BAS all ones). */
uint64_t vmb_kvm_arm64_bcr(uint64_t addr, unsigned long long *bvr)
{
	*bvr = addr & ~3ull;
	return 1 | 3u << 1 | 0xfu << 5;
}

int vmb_kvm_arm64_wcr(uint64_t addr, uint64_t len, enum vmb_wp_kind kind,
		      uint64_t *wcr, uint64_t *wvr)
{
	uint64_t lsc = kind == VMB_WP_READ ? 1 : kind == VMB_WP_WRITE ? 2 : 3;
	uint64_t ctl = 1 | 3u << 1 | lsc << 3;

	if (!len || len > 1ull << 31)
		return -1;
	if ((addr & 7) + len <= 8) {
		*wvr = addr & ~7ull;
		*wcr = ctl | (((1ull << len) - 1) << (addr & 7)) << 5;
		return 0;
	}
	if (len & (len - 1) || addr & (len - 1))
		return -1;
	*wvr = addr;
	*wcr = ctl | 0xffull << 5 | (uint64_t)__builtin_ctzll(len) << 24;
	return 0;
}

#if defined(__aarch64__)

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "hv/kvm.h"

/* Backend state beside the generic struct vmb_kvm (arch_priv). */
struct arm64 {
	struct kvm_vcpu_init init;   /* KVM_ARM_PREFERRED_TARGET + PSCI 0.2
					(+ PMUv3) */
	struct vmb_kvm_vgic vgic;
	int vgic_fd, its_fd;
	int pmu_intid;               /* PMU overflow PPI as INTID, 0: no PMU */
	/* Guest debugging (the gdb stub): per vCPU what KVM_SET_GUEST_DEBUG
	 * was given and the stub's configuration it came from; the software
	 * breakpoints are patched into guest memory (kvm-swbp.c). */
	struct kvm_guest_debug *gdbg;
	struct vmb_debug_cfg *dcfg;
	struct vmb_kvm_swbp swbp;
	struct vmb_a64_step *step;   /* per vCPU: a step's IRQ mask */
};

static int kvm_probe(const struct vmb_board *b, struct vmb_err *err)
{
	int fd;

	if (b->arch != VMB_ARCH_ARM64)
		return vmb_errf(err, NULL, "kvm on this arm64 host runs arm64 "
				"boards, '%s' is %s", b->spec->name,
				vmb_arch_name(b->arch));
	fd = vmb_kvm_open(err);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* --- VM and vCPUs --------------------------------------------------------- */

static unsigned long arm64_vm_type(struct vmb_kvm *k, struct vmb_err *err)
{
	unsigned need = vmb_kvm_arm64_ipa_bits(k->board);
	int max = vmb_kvm_cap(k, KVM_CAP_ARM_VM_IPA_SIZE);

	/* Without the capability the IPA space is fixed at 40 bits and the
	 * type must be 0. */
	if (max <= 0) {
		if (need <= 40)
			return 0;
		vmb_errf(err, NULL, "kvm: the board needs a %u-bit guest-physical "
			 "space, this host's KVM has 40", need);
		return (unsigned long)-1;
	}
	if (need > (unsigned)max) {
		vmb_errf(err, NULL, "kvm: the board needs a %u-bit guest-physical "
			 "space, this host's KVM offers at most %d", need, max);
		return (unsigned long)-1;
	}
	return KVM_VM_TYPE_ARM_IPA_SIZE(need);
}

static int arm64_vm_init(struct vmb_kvm *k, struct vmb_err *err)
{
	struct arm64 *a = vmb_zalloc(sizeof(*a));
	const struct vmb_device *pmu;

	a->vgic_fd = a->its_fd = -1;
	k->arch_priv = a;
	a->gdbg = vmb_zalloc(k->board->ncpus * sizeof(*a->gdbg));
	a->dcfg = vmb_zalloc(k->board->ncpus * sizeof(*a->dcfg));
	a->step = vmb_zalloc(k->board->ncpus * sizeof(*a->step));
	if (vmb_kvm_arm64_vgic(k->board, k->board->ncpus, &a->vgic, err))
		return -1;
	/* MMIO accesses without a valid syndrome (load/store pair, writeback)
	 * become an exit we can report, not an -ENOSYS from KVM_RUN. */
	if (vmb_kvm_cap(k, KVM_CAP_ARM_NISV_TO_USER) > 0) {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_NISV_TO_USER };

		ioctl(k->vm_fd, KVM_ENABLE_CAP, &cap);
	}
	if (ioctl(k->vm_fd, KVM_ARM_PREFERRED_TARGET, &a->init))
		return vmb_errf(err, NULL, "kvm: KVM_ARM_PREFERRED_TARGET: %s",
				strerror(errno));
	a->init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	/* A virtual PMUv3 when the board describes one, as QEMU gives it
	 * under KVM; without it Linux's armv8-pmu probe fails. */
	pmu = vmb_board_find_type(k->board, "armv8-pmu");
	if (pmu && vmb_kvm_cap(k, KVM_CAP_ARM_PMU_V3) > 0) {
		a->init.features[0] |= 1u << KVM_ARM_VCPU_PMU_V3;
		a->pmu_intid = 16 + (int)vmb_dev_prop_u64(pmu, "ppi");
	}
	return 0;
}

/* KVM_ARM_VCPU_INIT puts a vCPU in its reset state (EL1h, DAIF masked, MMU
 * off, PC 0); secondaries wait powered off for the guest's PSCI CPU_ON,
 * which the kernel handles. Calling it again is how a vCPU is reset. */
static int vcpu_arm_init(struct vmb_kvm_vcpu *v, struct vmb_err *err)
{
	struct arm64 *a = v->kvm->arch_priv;
	struct kvm_vcpu_init init = a->init;

	if (v->id)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (ioctl(v->fd, KVM_ARM_VCPU_INIT, &init))
		return vmb_errf(err, NULL, "kvm: KVM_ARM_VCPU_INIT of vCPU %u: %s",
				v->id, strerror(errno));
	return 0;
}

static int arm64_vcpu_init(struct vmb_kvm_vcpu *v, struct vmb_err *err)
{
	/* The vGIC (vm_init_late) wants initialised vCPUs. */
	return vcpu_arm_init(v, err);
}

#define CORE_REG(x) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
		     KVM_REG_ARM_CORE_REG(x))
/* System register encodings (Arm ARM D19, op0 op1 CRn CRm op2). */
#define REG_SCTLR_EL1 ARM64_SYS_REG(3, 0, 1, 0, 0)
#define REG_TTBR0_EL1 ARM64_SYS_REG(3, 0, 2, 0, 0)
#define REG_TTBR1_EL1 ARM64_SYS_REG(3, 0, 2, 0, 1)
#define REG_TCR_EL1   ARM64_SYS_REG(3, 0, 2, 0, 2)
#define REG_ESR_EL1   ARM64_SYS_REG(3, 0, 5, 2, 0)
#define REG_FAR_EL1   ARM64_SYS_REG(3, 0, 6, 0, 0)
#define REG_VBAR_EL1  ARM64_SYS_REG(3, 0, 12, 0, 0)

static int reg_set(int fd, uint64_t id, uint64_t v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&v };

	return ioctl(fd, KVM_SET_ONE_REG, &r);
}

static int reg_get(int fd, uint64_t id, uint64_t *v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)v };

	return ioctl(fd, KVM_GET_ONE_REG, &r);
}

static int arm64_vcpu_reset(struct vmb_kvm_vcpu *v, const struct vmb_boot_state *bs,
			    struct vmb_err *err)
{
	struct arm64 *a = v->kvm->arch_priv;

	a->step[v->id].active = false; /* power-on PSTATE: nothing to put back */
	if (vcpu_arm_init(v, err))
		return -1;
	/* the debugger's traps survive a machine reset */
	if (a->gdbg[v->id].control && ioctl(v->fd, KVM_SET_GUEST_DEBUG, &a->gdbg[v->id]))
		return vmb_errf(err, NULL, "kvm: KVM_SET_GUEST_DEBUG: %s", strerror(errno));
	if (v->id)
		return 0;
	if (reg_set(v->fd, CORE_REG(regs.pc), bs->pc))
		return vmb_errf(err, NULL, "kvm: cannot set PC: %s", strerror(errno));
	for (unsigned r = 0; r < 4; r++)
		if (reg_set(v->fd, CORE_REG(regs.regs[r]), bs->x[r]))
			return vmb_errf(err, NULL, "kvm: cannot set x%u: %s", r,
					strerror(errno));
	return 0;
}

/* --- interrupt controller -------------------------------------------------- */

static int dev_attr(int fd, uint32_t group, uint64_t attr, void *addr)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uintptr_t)addr,
	};

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a);
}

static int create_its(struct vmb_kvm *k, struct arm64 *a, struct vmb_err *err)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_ITS };
	uint64_t addr = a->vgic.its;

	if (ioctl(k->vm_fd, KVM_CREATE_DEVICE, &cd)) {
		/* The DT still has the node; Linux finds no ITS registers
		 * there and goes on without MSIs, which no device uses. */
		vmb_warn("kvm: no in-kernel ITS (%s): MSIs unavailable",
			 strerror(errno));
		return 0;
	}
	a->its_fd = cd.fd;
	if (dev_attr(a->its_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE,
		     &addr) ||
	    dev_attr(a->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
		     KVM_DEV_ARM_VGIC_CTRL_INIT, NULL))
		return vmb_errf(err, NULL, "kvm: ITS at 0x%llx: %s",
				(unsigned long long)addr, strerror(errno));
	return 0;
}

/* The PMU overflow interrupt and PMU init, per vCPU, once the vGIC is
 * initialised (devices/vcpu.rst, KVM_ARM_VCPU_PMU_V3_CTRL). */
static int init_pmu(struct vmb_kvm *k, struct arm64 *a, struct vmb_err *err)
{
	for (unsigned i = 0; a->pmu_intid && i < k->nvcpus; i++) {
		int irq = a->pmu_intid;

		if (dev_attr(k->vcpu[i].fd, KVM_ARM_VCPU_PMU_V3_CTRL,
			     KVM_ARM_VCPU_PMU_V3_IRQ, &irq) ||
		    dev_attr(k->vcpu[i].fd, KVM_ARM_VCPU_PMU_V3_CTRL,
			     KVM_ARM_VCPU_PMU_V3_INIT, NULL))
			return vmb_errf(err, NULL, "kvm: PMU of vCPU %u (INTID %d): "
					"%s", i, irq, strerror(errno));
	}
	return 0;
}

/* In-kernel vGIC at the board's addresses, after every vCPU exists
 * (arm-vgic-v3.rst: CTRL_INIT "after all VCPUs have been created"). */
static int arm64_vm_init_late(struct vmb_kvm *k, struct vmb_err *err)
{
	struct arm64 *a = k->arch_priv;
	const struct vmb_kvm_vgic *g = &a->vgic;
	struct kvm_create_device cd = {
		.type = g->version == 3 ? KVM_DEV_TYPE_ARM_VGIC_V3
					: KVM_DEV_TYPE_ARM_VGIC_V2,
	};
	uint32_t nr = g->nr_irqs;
	uint64_t addr;

	if (ioctl(k->vm_fd, KVM_CREATE_DEVICE, &cd))
		return vmb_errf(err, NULL, "kvm: this host has no in-kernel "
				"vGICv%u (%s)%s", g->version, strerror(errno),
				g->version == 2 ? "; a GICv3 host without GICv2 "
				"compatibility cannot run a gic-v2 board: use a "
				"gic-v3 one such as machines/virt-gicv3.yaml" : "");
	a->vgic_fd = cd.fd;
	addr = g->dist;
	if (dev_attr(a->vgic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, g->version == 3 ?
		     KVM_VGIC_V3_ADDR_TYPE_DIST : KVM_VGIC_V2_ADDR_TYPE_DIST, &addr))
		return vmb_errf(err, NULL, "kvm: vGIC distributor at 0x%llx: %s",
				(unsigned long long)addr, strerror(errno));
	addr = g->version == 3 ? g->redist : g->cpu;
	if (dev_attr(a->vgic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, g->version == 3 ?
		     KVM_VGIC_V3_ADDR_TYPE_REDIST : KVM_VGIC_V2_ADDR_TYPE_CPU, &addr))
		return vmb_errf(err, NULL, "kvm: vGIC %s at 0x%llx: %s",
				g->version == 3 ? "redistributors" : "CPU interface",
				(unsigned long long)addr, strerror(errno));
	if (dev_attr(a->vgic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr))
		return vmb_errf(err, NULL, "kvm: vGIC with %u interrupts: %s", nr,
				strerror(errno));
	if (dev_attr(a->vgic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
		     KVM_DEV_ARM_VGIC_CTRL_INIT, NULL))
		return vmb_errf(err, NULL, "kvm: vGIC init: %s", strerror(errno));
	if (g->has_its && create_its(k, a, err))
		return -1;
	return init_pmu(k, a, err);
}

/* GIC register offsets (IHI0048B §4.1.2, IHI0069 §12.8-12.11). */
#define GICD_CTLR      0x000
#define GICD_ICENABLER 0x180
#define GICD_ICPENDR   0x280
#define GICD_ICACTIVER 0x380
#define GICR_CTLR      0x0000
#define GICR_PROPBASER 0x0070
#define GICR_PENDBASER 0x0078
#define GICR_SGI       0x10000 /* SGI_base frame */

static int gic_reg_write(int fd, uint32_t group, uint64_t attr, uint32_t v)
{
	return dev_attr(fd, group, attr, &v);
}

/* KVM_GET_DEVICE_ATTR of the vGIC's distributor group (arm-vgic.rst and
 * arm-vgic-v3.rst: offset in the attribute, a 32-bit value; EBUSY while
 * any vCPU runs, since KVM locks them all for the access). */
static int arm64_dist_read(struct vmb_kvm *k, uint32_t off, uint32_t *val)
{
	struct arm64 *a = k->arch_priv;
	struct kvm_device_attr attr = {
		.group = KVM_DEV_ARM_VGIC_GRP_DIST_REGS, .attr = off,
		.addr = (uintptr_t)val,
	};

	if (a->vgic_fd < 0) {
		errno = ENODEV;
		return -1;
	}
	return ioctl(a->vgic_fd, KVM_GET_DEVICE_ATTR, &attr);
}

/*
 * Machine reset: the in-kernel GIC keeps its state across KVM_ARM_VCPU_INIT,
 * so a guest rebooted by PSCI SYSTEM_RESET would find interrupts enabled,
 * pending or active, LPIs on and the ITS running from its previous life.
 * Put back what a guest may rely on being reset (QEMU resets the whole
 * vGIC): distributor and CPU groups off, every interrupt disabled, not
 * pending, not active; GICv3 LPIs off with their tables unset, ITS reset.
 * Priorities, groups and trigger modes are left: every guest programs them.
 * Failures are reported but not fatal, the guest may well cope.
 */
static int arm64_vm_reset(struct vmb_kvm *k, struct vmb_err *err)
{
	struct arm64 *a = k->arch_priv;
	const struct vmb_kvm_vgic *g = &a->vgic;
	const uint32_t dist = KVM_DEV_ARM_VGIC_GRP_DIST_REGS;
	const uint32_t rdist = KVM_DEV_ARM_VGIC_GRP_REDIST_REGS;
	int bad = 0;

	if (a->vgic_fd < 0)
		return 0;
	bad |= gic_reg_write(a->vgic_fd, dist, GICD_CTLR, 0);
	for (unsigned n = 1; n < g->nr_irqs / 32; n++)
		for (unsigned r = GICD_ICENABLER; r <= GICD_ICACTIVER; r += 0x100)
			bad |= gic_reg_write(a->vgic_fd, dist, r + 4 * n, ~0u);
	for (unsigned i = 0; i < k->nvcpus; i++) {
		/* GICv3: redistributor by MPIDR affinity as KVM numbers vCPUs
		 * (Aff1 = id / 16, Aff0 = id % 16); GICv2: banked registers
		 * by CPU index. */
		uint64_t who = g->version == 3 ? ((uint64_t)(i / 16) << 8 | i % 16)
					       : i;
		uint64_t sel = who << 32;

		if (g->version == 2) {
			for (unsigned r = GICD_ICENABLER; r <= GICD_ICACTIVER; r += 0x100)
				bad |= gic_reg_write(a->vgic_fd, dist, sel | r, ~0u);
			continue;
		}
		for (unsigned r = GICD_ICENABLER; r <= GICD_ICACTIVER; r += 0x100)
			bad |= gic_reg_write(a->vgic_fd, rdist, sel | (GICR_SGI + r), ~0u);
		bad |= gic_reg_write(a->vgic_fd, rdist, sel | GICR_CTLR, 0);
		for (unsigned half = 0; half < 8; half += 4) {
			bad |= gic_reg_write(a->vgic_fd, rdist,
					     sel | (GICR_PROPBASER + half), 0);
			bad |= gic_reg_write(a->vgic_fd, rdist,
					     sel | (GICR_PENDBASER + half), 0);
		}
	}
	if (a->its_fd >= 0)
		bad |= dev_attr(a->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
				KVM_DEV_ARM_ITS_CTRL_RESET, NULL);
	if (bad)
		vmb_warn("kvm: the vGIC state was not fully reset: %s",
			 strerror(errno));
	(void)err;
	return 0;
}

/* Device lines are SPIs; KVM serialises, so any thread may call. */
static void arm64_set_irq(struct vmb_kvm *k, uint32_t irq, int level)
{
	struct kvm_irq_level l = {
		.irq = vmb_kvm_arm64_spi_line(irq), .level = level ? 1 : 0,
	};

	if (ioctl(k->vm_fd, KVM_IRQ_LINE, &l))
		vmb_warn("kvm: SPI %u level %d: %s", irq, level, strerror(errno));
}

static int arm64_debug_exit(struct vmb_kvm_vcpu *v);

static int arm64_handle_exit(struct vmb_kvm_vcpu *v)
{
	struct kvm_run *run = v->run;

	if (run->exit_reason == KVM_EXIT_DEBUG)
		return arm64_debug_exit(v);
	if (run->exit_reason != KVM_EXIT_ARM_NISV)
		return -1;
	return vmb_kvm_fault_access(v, false, false, run->arm_nisv.fault_ipa, 0,
				    "MMIO access at 0x%llx that KVM cannot "
				    "decode (no instruction syndrome: load/store "
				    "pair, writeback or SIMD to device memory?)",
				    (unsigned long long)run->arm_nisv.fault_ipa);
}

static void arm64_destroy(struct vmb_kvm *k)
{
	struct arm64 *a = k->arch_priv;

	if (!a)
		return;
	if (a->its_fd >= 0)
		close(a->its_fd);
	if (a->vgic_fd >= 0)
		close(a->vgic_fd);
	free(a->gdbg);
	free(a->dcfg);
	free(a->step);
	free(a);
	k->arch_priv = NULL;
}

static const struct vmb_kvm_arch arm64_arch = {
	.name = "arm64",
	.vm_type = arm64_vm_type,
	.vm_init = arm64_vm_init,
	.vcpu_init = arm64_vcpu_init,
	.vm_init_late = arm64_vm_init_late,
	.vm_reset = arm64_vm_reset,
	.vcpu_reset = arm64_vcpu_reset,
	.irqchip_dist_read = arm64_dist_read,
	.set_irq = arm64_set_irq,
	.irqfd = true,
	.handle_exit = arm64_handle_exit,
	.destroy = arm64_destroy,
};

static int kvm_create(struct vmb_vm *vm, struct vmb_err *err)
{
	return vmb_kvm_create(vm, &arm64_arch, err);
}

/* --- diagnostics ---------------------------------------------------------- */

#define REG_MAIR_EL1  ARM64_SYS_REG(3, 0, 10, 2, 0)

/* struct vmb_arm64_regs fields other than x[] and their KVM register ids. */
static const struct {
	size_t off;
	uint64_t id;
} reg_ids[] = {
	{ offsetof(struct vmb_arm64_regs, sp_el0), CORE_REG(regs.sp) },
	{ offsetof(struct vmb_arm64_regs, sp_el1), CORE_REG(sp_el1) },
	{ offsetof(struct vmb_arm64_regs, pc), CORE_REG(regs.pc) },
	{ offsetof(struct vmb_arm64_regs, pstate), CORE_REG(regs.pstate) },
	{ offsetof(struct vmb_arm64_regs, elr_el1), CORE_REG(elr_el1) },
	{ offsetof(struct vmb_arm64_regs, spsr_el1), CORE_REG(spsr[KVM_SPSR_EL1]) },
	{ offsetof(struct vmb_arm64_regs, esr_el1), REG_ESR_EL1 },
	{ offsetof(struct vmb_arm64_regs, far_el1), REG_FAR_EL1 },
	{ offsetof(struct vmb_arm64_regs, sctlr_el1), REG_SCTLR_EL1 },
	{ offsetof(struct vmb_arm64_regs, tcr_el1), REG_TCR_EL1 },
	{ offsetof(struct vmb_arm64_regs, ttbr0_el1), REG_TTBR0_EL1 },
	{ offsetof(struct vmb_arm64_regs, ttbr1_el1), REG_TTBR1_EL1 },
	{ offsetof(struct vmb_arm64_regs, vbar_el1), REG_VBAR_EL1 },
	{ offsetof(struct vmb_arm64_regs, mair_el1), REG_MAIR_EL1 },
};

/* FP/SIMD state as core registers (api.rst 4.68, arm64 core registers:
 * fp_regs.vregs[] 128 bits each, fpsr and fpcr 32 bits). */
#define VREG(i) (KVM_REG_ARM64 | KVM_REG_SIZE_U128 | KVM_REG_ARM_CORE | \
		 KVM_REG_ARM_CORE_REG(fp_regs.vregs[i]))
#define FP32(x) (KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_CORE | \
		 KVM_REG_ARM_CORE_REG(fp_regs.x))

static int one_reg(int fd, unsigned long req, uint64_t id, void *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)val };

	return ioctl(fd, req, &r);
}

/* V0-V31 as {low, high} halves: a little-endian host's __uint128_t
 * layout, which KVM copies. has_fp stays false if KVM refuses (a vCPU
 * without FP/SIMD): gdb then shows them unavailable. */
static void fp_get(int fd, struct vmb_arm64_regs *r)
{
	for (unsigned i = 0; i < 32; i++)
		if (one_reg(fd, KVM_GET_ONE_REG, VREG(i), r->v[i]))
			return;
	if (one_reg(fd, KVM_GET_ONE_REG, FP32(fpsr), &r->fpsr) ||
	    one_reg(fd, KVM_GET_ONE_REG, FP32(fpcr), &r->fpcr))
		return;
	r->has_fp = true;
}

static int fp_set(int fd, const struct vmb_arm64_regs *r)
{
	if (!r->has_fp)
		return 0;
	for (unsigned i = 0; i < 32; i++)
		if (one_reg(fd, KVM_SET_ONE_REG, VREG(i), (void *)r->v[i]))
			return -1;
	return one_reg(fd, KVM_SET_ONE_REG, FP32(fpsr), (void *)&r->fpsr) ||
	       one_reg(fd, KVM_SET_ONE_REG, FP32(fpcr), (void *)&r->fpcr) ? -1 : 0;
}

/* On the vCPU thread: KVM_GET_ONE_REG / KVM_SET_ONE_REG for each. */
static int regs_get(struct vmb_kvm_vcpu *v, void *arg)
{
	struct vmb_arm64_regs *r = arg;

	for (unsigned i = 0; i < 31; i++)
		if (reg_get(v->fd, CORE_REG(regs.regs[i]), &r->x[i]))
			return -1;
	for (size_t i = 0; i < sizeof(reg_ids) / sizeof(reg_ids[0]); i++)
		if (reg_get(v->fd, reg_ids[i].id, (uint64_t *)((char *)r + reg_ids[i].off)))
			return -1;
	fp_get(v->fd, r);
	return 0;
}

static int regs_set(struct vmb_kvm_vcpu *v, void *arg)
{
	const struct vmb_arm64_regs *r = arg;

	for (unsigned i = 0; i < 31; i++)
		if (reg_set(v->fd, CORE_REG(regs.regs[i]), r->x[i]))
			return -1;
	for (size_t i = 0; i < sizeof(reg_ids) / sizeof(reg_ids[0]); i++)
		if (reg_set(v->fd, reg_ids[i].id,
			    *(const uint64_t *)((const char *)r + reg_ids[i].off)))
			return -1;
	return fp_set(v->fd, r);
}

static int kvm_get_regs(struct vmb_vm *vm, unsigned cpu, struct vmb_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->arch = VMB_ARCH_ARM64;
	return vmb_kvm_on_vcpu(vm, cpu, regs_get, &r->arm64);
}

static int kvm_set_regs(struct vmb_vm *vm, unsigned cpu, const struct vmb_regs *r)
{
	if (r->arch != VMB_ARCH_ARM64)
		return -1;
	return vmb_kvm_on_vcpu(vm, cpu, regs_set, (void *)&r->arm64);
}

static int kvm_get_state(struct vmb_vm *vm, unsigned cpu, struct vmb_cpu_state *st)
{
	struct vmb_regs r;

	if (kvm_get_regs(vm, cpu, &r))
		return -1;
	vmb_arm64_cpu_state(&r.arm64, cpu, st);
	return 0;
}

static int read_desc(void *opaque, uint64_t gpa, uint64_t *val)
{
	const uint8_t *p = vmb_board_gpa_ptr(opaque, gpa, 8);

	if (!p)
		return -1;
	memcpy(val, p, 8);   /* descriptors are little-endian, as the host */
	return 0;
}

/* Guest memory as vCPU cpu sees it: its stage-1 tables walked page by
 * page (vmb_arm64_stage1), RAM/ROM/flash only. */
struct arm64_xlate {
	struct vmb_arm64_mmu m;
	struct vmb_board *board;
};

static int arm64_xlate(void *ctx, uint64_t va, uint64_t *pa, uint64_t *page_left)
{
	struct arm64_xlate *x = ctx;

	/* 4 KiB is the smallest granule: no page boundary inside. */
	*page_left = 0x1000 - (va & 0xfff);
	return vmb_arm64_stage1(&x->m, va, pa, read_desc, x->board);
}

/* The vCPU's stage-1 MMU registers into x; its KVM, or NULL. */
static struct vmb_kvm *xlate_of(struct vmb_vm *vm, unsigned cpu, struct arm64_xlate *x)
{
	struct vmb_kvm *k = vmb_kvm_of(vm);
	int fd;

	if (!k || cpu >= k->nvcpus)
		return NULL;
	fd = k->vcpu[cpu].fd;
	x->board = vm->board;
	if (reg_get(fd, REG_SCTLR_EL1, &x->m.sctlr) || reg_get(fd, REG_TCR_EL1, &x->m.tcr) ||
	    reg_get(fd, REG_TTBR0_EL1, &x->m.ttbr0) || reg_get(fd, REG_TTBR1_EL1, &x->m.ttbr1))
		return NULL;
	return k;
}

static int kvm_read_virt(struct vmb_vm *vm, unsigned cpu, uint64_t va, void *buf,
			 unsigned len)
{
	struct arm64_xlate x = { 0 };
	struct vmb_kvm *k = xlate_of(vm, cpu, &x);

	return k ? vmb_kvm_copy_virt(k, arm64_xlate, &x, va, buf, len) : -1;
}

static int kvm_write_virt(struct vmb_vm *vm, unsigned cpu, uint64_t va,
			  const void *buf, unsigned len)
{
	struct arm64_xlate x = { 0 };
	struct vmb_kvm *k = xlate_of(vm, cpu, &x);

	return k ? vmb_kvm_write_virt(k, arm64_xlate, &x, va, buf, len) : -1;
}

/* --- guest debugging -------------------------------------------------------
 *
 * KVM_SET_GUEST_DEBUG (api.rst 4.63) per vCPU, the exits as KVM_EXIT_DEBUG
 * with the ESR of the debug exception (Arm ARM D17.2.37, ESR_ELx.EC):
 *  - single step: KVM_GUESTDBG_SINGLESTEP, EC 0x32/0x33, with IRQ and FIQ
 *    masked for the step (kvm-arm64-step.c: KVM arm64 has no BLOCKIRQ);
 *  - software breakpoints (Z0): BRK #0 written over the instruction (by
 *    VA, through the vCPU's stage-1 tables), KVM_GUESTDBG_USE_SW_BP only
 *    while some exist, EC 0x3c. A BRK at another PC is the guest's own
 *    (Linux's BUG/WARN, kgdb): it is delivered to the guest as the BRK
 *    exception it would have taken, as QEMU does;
 *  - hardware breakpoints (Z1) and watchpoints (Z2-Z4): the debug
 *    registers through KVM_GUESTDBG_USE_HW, DBGBCR/DBGWCR encoded as Arm
 *    ARM D2.9/D2.10 (EL1 and EL0, address match; a watchpoint is at most
 *    8 bytes inside an aligned doubleword, or a naturally aligned power
 *    of two (MASK)); KVM_CAP_GUEST_DEBUG_HW_BPS/WPS give the counts; EC
 *    0x30/0x31 and 0x34/0x35 (FAR: the address accessed).
 * With nothing to trap, guest debugging is off (control 0): the guest
 * keeps its own debug registers and runs at full speed.
 */
/* BRK #0, little-endian */
static const uint8_t a64_brk0[4] = { 0x00, 0x00, 0x20, 0xd4 };

enum { EC_HW_BP_LOW = 0x30, EC_HW_BP = 0x31, EC_SS_LOW = 0x32, EC_SS = 0x33,
       EC_WP_LOW = 0x34, EC_WP = 0x35, EC_BRK = 0x3c };

/* The Z0 breakpoints into guest memory, through vCPU cpu's stage 1. */
static int sync_swbp(struct vmb_vm *vm, struct arm64 *a, unsigned cpu,
		     const struct vmb_debug_cfg *c, struct vmb_err *err)
{
	struct arm64_xlate x = { .board = vm->board };
	int fd = vmb_kvm_of(vm)->vcpu[cpu].fd;

	if (reg_get(fd, REG_SCTLR_EL1, &x.m.sctlr) || reg_get(fd, REG_TCR_EL1, &x.m.tcr) ||
	    reg_get(fd, REG_TTBR0_EL1, &x.m.ttbr0) || reg_get(fd, REG_TTBR1_EL1, &x.m.ttbr1))
		return vmb_errf(err, NULL, "kvm: cannot read vCPU %u's MMU registers", cpu);
	a->swbp.insn = a64_brk0;
	a->swbp.len = a->swbp.align = 4;
	return vmb_kvm_swbp_sync(&a->swbp, vm->board, c, arm64_xlate, &x, err);
}

/* After a step (or a stop before it ran): the guest's own PSTATE.I/F
 * back (kvm-arm64-step.c). */
static int step_unmask(struct arm64 *a, int fd, unsigned cpu)
{
	struct vmb_a64_step_regs r;
	unsigned changed;

	if (!a->step[cpu].active)
		return 0;
	if (reg_get(fd, CORE_REG(regs.pc), &r.pc) ||
	    reg_get(fd, CORE_REG(regs.pstate), &r.pstate) ||
	    reg_get(fd, REG_VBAR_EL1, &r.vbar) || reg_get(fd, CORE_REG(elr_el1), &r.elr) ||
	    reg_get(fd, CORE_REG(spsr[KVM_SPSR_EL1]), &r.spsr))
		return -1;
	changed = vmb_a64_step_end(&a->step[cpu], &r);
	if ((changed & VMB_A64_STEP_PSTATE) && reg_set(fd, CORE_REG(regs.pstate), r.pstate))
		return -1;
	if ((changed & VMB_A64_STEP_SPSR) &&
	    reg_set(fd, CORE_REG(spsr[KVM_SPSR_EL1]), r.spsr))
		return -1;
	return 0;
}

/* Before a step: IRQ and FIQ masked for it. */
static int step_mask(struct vmb_vm *vm, struct arm64 *a, int fd, unsigned cpu)
{
	uint64_t pc, pstate, masked;
	uint8_t b[4];
	uint32_t insn;
	bool have;

	if (reg_get(fd, CORE_REG(regs.pc), &pc) || reg_get(fd, CORE_REG(regs.pstate), &pstate))
		return -1;
	have = !kvm_read_virt(vm, cpu, pc, b, sizeof(b));
	insn = vmb_get_le32(b);
	masked = vmb_a64_step_begin(&a->step[cpu], pc, pstate, have ? &insn : NULL);
	if (masked != pstate && reg_set(fd, CORE_REG(regs.pstate), masked)) {
		a->step[cpu].active = false;
		return -1;
	}
	return 0;
}

static int set_guest_debug(struct vmb_kvm_vcpu *v, void *arg)
{
	return ioctl(v->fd, KVM_SET_GUEST_DEBUG, arg);
}

static int kvm_set_debug(struct vmb_vm *vm, unsigned cpu, const struct vmb_debug_cfg *c,
			 struct vmb_err *err)
{
	struct vmb_kvm *k = vmb_kvm_of(vm);
	struct arm64 *a = k ? k->arch_priv : NULL;
	struct kvm_guest_debug g = { 0 };
	int max_bp, max_wp;
	unsigned nhw = 0;

	if (!a || cpu >= k->nvcpus)
		return vmb_errf(err, NULL, "kvm: no vCPU %u", cpu);
	if (c->nbp > VMB_DEBUG_MAX_BP || c->nwp > VMB_DEBUG_MAX_WP)
		return vmb_errf(err, NULL, "kvm: too many breakpoints or watchpoints");
	if (vmb_kvm_cap(k, KVM_CAP_SET_GUEST_DEBUG) <= 0)
		return vmb_errf(err, NULL, "kvm: this host's KVM cannot debug guests "
				"(no KVM_CAP_SET_GUEST_DEBUG)");
	max_bp = vmb_kvm_vm_cap(k, KVM_CAP_GUEST_DEBUG_HW_BPS);
	max_wp = vmb_kvm_vm_cap(k, KVM_CAP_GUEST_DEBUG_HW_WPS);
	if (max_bp > KVM_ARM_MAX_DBG_REGS)
		max_bp = KVM_ARM_MAX_DBG_REGS;
	if (max_wp > KVM_ARM_MAX_DBG_REGS)
		max_wp = KVM_ARM_MAX_DBG_REGS;
	for (unsigned i = 0; i < c->nbp; i++) {
		if (!c->bp[i].hw)
			continue;
		if ((int)nhw >= max_bp)
			return vmb_errf(err, NULL, "kvm: this host has %d hardware "
					"breakpoints", max_bp > 0 ? max_bp : 0);
		g.arch.dbg_bcr[nhw] = vmb_kvm_arm64_bcr(c->bp[i].addr,
							 &g.arch.dbg_bvr[nhw]);
		nhw++;
	}
	if ((int)c->nwp > max_wp)
		return vmb_errf(err, NULL, "kvm: this host has %d watchpoints",
				max_wp > 0 ? max_wp : 0);
	for (unsigned i = 0; i < c->nwp; i++) {
		uint64_t wcr, wvr;

		if (vmb_kvm_arm64_wcr(c->wp[i].addr, c->wp[i].len, c->wp[i].kind,
				      &wcr, &wvr))
			return vmb_errf(err, NULL, "kvm: cannot watch %llu bytes at "
					"0x%llx (at most 8 inside an aligned "
					"doubleword, or an aligned power of two)",
					(unsigned long long)c->wp[i].len,
					(unsigned long long)c->wp[i].addr);
		g.arch.dbg_wcr[i] = wcr;
		g.arch.dbg_wvr[i] = wvr;
	}
	if (sync_swbp(vm, a, cpu, c, err))
		return -1;
	if (step_unmask(a, k->vcpu[cpu].fd, cpu) ||
	    (c->step && step_mask(vm, a, k->vcpu[cpu].fd, cpu)))
		return vmb_errf(err, NULL, "kvm: cannot mask vCPU %u's interrupts "
				"for the step", cpu);
	if (c->step)
		g.control |= KVM_GUESTDBG_SINGLESTEP;
	if (a->swbp.n)
		g.control |= KVM_GUESTDBG_USE_SW_BP;
	if (nhw || c->nwp)
		g.control |= KVM_GUESTDBG_USE_HW;
	if (g.control)
		g.control |= KVM_GUESTDBG_ENABLE;
	if (vmb_kvm_on_vcpu(vm, cpu, set_guest_debug, &g))
		return vmb_errf(err, NULL, "kvm: KVM_SET_GUEST_DEBUG on vCPU %u: %s",
				cpu, strerror(errno));
	a->gdbg[cpu] = g;
	a->dcfg[cpu] = *c;
	return 0;
}

/* Deliver the guest's own BRK to it: the synchronous exception entry to
 * EL1 (Arm ARM D1.10): ESR_EL1 the syndrome, ELR_EL1 the BRK itself (its
 * preferred return address), SPSR_EL1 the PSTATE, then EL1h with DAIF
 * masked at VBAR_EL1 + 0x000 (EL1t), 0x200 (EL1h) or 0x400 (from EL0). */
static int inject_brk(struct vmb_kvm_vcpu *v, uint64_t pc, uint32_t esr)
{
	uint64_t pstate, vbar, off;

	if (reg_get(v->fd, CORE_REG(regs.pstate), &pstate) ||
	    reg_get(v->fd, REG_VBAR_EL1, &vbar))
		return -1;
	off = (pstate & 0xc) == 0 ? 0x400 : (pstate & 1) ? 0x200 : 0;
	if (reg_set(v->fd, REG_ESR_EL1, esr) ||
	    reg_set(v->fd, CORE_REG(elr_el1), pc) ||
	    reg_set(v->fd, CORE_REG(spsr[KVM_SPSR_EL1]), pstate) ||
	    reg_set(v->fd, CORE_REG(regs.pstate), 0x3c5) ||
	    reg_set(v->fd, CORE_REG(regs.pc), vbar + off))
		return -1;
	return 0;
}

static int arm64_debug_exit(struct vmb_kvm_vcpu *v)
{
	struct vmb_kvm *k = v->kvm;
	struct arm64 *a = k->arch_priv;
	const struct vmb_debug_cfg *c = &a->dcfg[v->id];
	uint32_t esr = v->run->debug.arch.hsr;
	uint64_t far = v->run->debug.arch.far, pc;
	struct vmb_debug_event ev = { VMB_DEBUG_STEP, 0, 0 };
	unsigned i;

	if (step_unmask(a, v->fd, v->id))
		return vmb_kvm_fault(v, "kvm: debug exit: cannot unmask the "
				     "interrupts masked for the step");
	if (reg_get(v->fd, CORE_REG(regs.pc), &pc))
		return vmb_kvm_fault(v, "kvm: debug exit: cannot read the PC");
	switch (esr >> 26) {
	case EC_BRK:
		if (!vmb_kvm_swbp_has(&a->swbp, pc))
			return inject_brk(v, pc, esr) ?
			       vmb_kvm_fault(v, "kvm: cannot deliver the guest's "
					     "BRK at 0x%llx", (unsigned long long)pc) : 0;
		ev.reason = VMB_DEBUG_SWBREAK;
		break;
	case EC_SS_LOW:
	case EC_SS:
		break;
	case EC_HW_BP_LOW:
	case EC_HW_BP:
		ev.reason = VMB_DEBUG_HWBREAK;
		break;
	case EC_WP_LOW:
	case EC_WP:
		ev.reason = VMB_DEBUG_WATCH;
		ev.addr = far;
		ev.kind = VMB_WP_ACCESS;
		for (i = 0; i < c->nwp; i++)
			if (far + 8 > c->wp[i].addr && far < c->wp[i].addr + c->wp[i].len) {
				ev.addr = far < c->wp[i].addr ? c->wp[i].addr : far;
				ev.kind = c->wp[i].kind;
				break;
			}
		break;
	default:
		return vmb_kvm_fault(v, "kvm: debug exit with ESR 0x%08x", esr);
	}
	/* A stop the debugger no longer wants (it detached meanwhile). */
	if (!k->vm->debug_event)
		return 0;
	k->vm->debug_event(k->vm, v->id, &ev);
	return 1;
}

const struct vmb_hv_ops vmb_hv_kvm_arm64 = {
	.name = "kvm",
	.host = "arm64",
	.summary = "Linux KVM, arm64 guests: in-kernel vGICv2/v3, PSCI, "
		   "one thread per vCPU",
	.probe = kvm_probe,
	.create = kvm_create,
	.reset = vmb_kvm_reset,
	.run = vmb_kvm_run,
	.pause = vmb_kvm_pause,
	.resume = vmb_kvm_resume,
	.get_state = kvm_get_state,
	.get_regs = kvm_get_regs,
	.set_regs = kvm_set_regs,
	.read_virt = kvm_read_virt,
	.write_virt = kvm_write_virt,
	.set_debug = kvm_set_debug,
	.print_stats = vmb_kvm_print_stats,
	.destroy = vmb_kvm_destroy,
};

#else /* !__aarch64__ */

/* Compiled everywhere so the backend list is the same on every host; the
 * probe says why it cannot run here. The other hooks are never reached. */
static int kvm_probe(const struct vmb_board *b, struct vmb_err *err)
{
	(void)b;
	return vmb_errf(err, NULL, "kvm for arm64 guests needs an arm64 Linux "
			"host (vmb was built for another architecture)");
}

static int kvm_create(struct vmb_vm *vm, struct vmb_err *err)
{
	(void)vm;
	return kvm_probe(NULL, err);
}

static int kvm_reset(struct vmb_vm *vm, struct vmb_err *err)
{
	(void)vm;
	return kvm_probe(NULL, err);
}

static enum vmb_stop_reason kvm_run(struct vmb_vm *vm)
{
	(void)vm;
	return VMB_STOP_ERROR;
}

static int kvm_get_state(struct vmb_vm *vm, unsigned cpu, struct vmb_cpu_state *st)
{
	(void)vm, (void)cpu, (void)st;
	return -1;
}

static void kvm_destroy(struct vmb_vm *vm)
{
	(void)vm;
}

const struct vmb_hv_ops vmb_hv_kvm_arm64 = {
	.name = "kvm",
	.host = "arm64",
	.summary = "Linux KVM, arm64 guests (not this host)",
	.probe = kvm_probe,
	.create = kvm_create,
	.reset = kvm_reset,
	.run = kvm_run,
	.get_state = kvm_get_state,
	.destroy = kvm_destroy,
};

#endif
