/* SPDX-License-Identifier: MIT */
/*
 * Architecture-neutral KVM plumbing shared by the x86_64 and arm64 KVM
 * backends (Linux Documentation/virt/kvm/api.rst).
 *
 * The generic part owns what every KVM VMM does the same way:
 *  - /dev/kvm, KVM_GET_API_VERSION (12), KVM_CREATE_VM;
 *  - one memslot per board RAM/ROM region (KVM_SET_USER_MEMORY_REGION); ROM
 *    and romd MMIO regions are KVM_MEM_READONLY slots, so reads run at memory
 *    speed and writes exit as MMIO to the board (flash commands, ignored ROM
 *    writes); a romd flip re-slots the region (region_changed hook);
 *  - vCPU creation, the shared kvm_run mapping, one long-lived thread per
 *    vCPU (hv/vcpu.h): created with the VM, parked between runs, resets
 *    and register accesses run on it, joined at destroy;
 *  - the exit loop: KVM_EXIT_IO / KVM_EXIT_MMIO dispatched to
 *    vmb_board_pio_* / vmb_board_mmio_*, KVM_EXIT_SYSTEM_EVENT, internal
 *    errors and failed entries reported as guest faults;
 *  - interrupt lines that ask for it as irqfds (KVM_IRQFD, resamplefd for
 *    level lines) and queue notifiers as ioeventfds (KVM_IOEVENTFD with
 *    datamatch), through the board hooks of board/irq.h;
 *  - kicks: a real-time signal plus kvm_run.immediate_exit (api.rst §5,
 *    "immediate_exit"), so a stop request reaches a vCPU whether it is in
 *    the guest, halted in the kernel, or about to enter;
 *  - a halt watchdog: a vCPU that has not exited for VMB_KVM_TICK_MS is
 *    kicked and asked (arch vcpu_dead hook) whether it can ever run again;
 *    when none can at VMB_KVM_DEAD_TICKS ticks in a row, the machine powers
 *    off. Not two: a Linux guest with KVM's paravirtual spinlocks waits
 *    for a contended lock in HLT with interrupts off until the holder's
 *    KVM_HC_KICK_CPU (Linux arch/x86/kernel/kvm.c, kvm_wait()), handled
 *    in the kernel without an exit; on a slow host both vCPUs were once
 *    caught so at two ticks in a row during a boot, which was powered off;
 *  - --stats: exits per vCPU by reason and by board region, and the time
 *    spent inside KVM_RUN (guest) against the time outside it (VMM).
 *
 * An architecture supplies a struct vmb_kvm_arch (irqchip, vCPU register
 * set-up, interrupt lines, its own exit reasons) and a struct vmb_hv_ops
 * whose create/reset/run/print_stats/destroy are the vmb_kvm_* functions
 * below and whose probe/get_state/read_virt are its own.
 */
#ifndef VMB_HV_KVM_H
#define VMB_HV_KVM_H

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hv/hv.h"
#include "hv/vcpu.h"

struct kvm_run;
struct vmb_kvm;

/* Exit reasons counted individually (KVM_EXIT_* are below this). */
#define VMB_KVM_NR_EXITS 64
/* Halt watchdog period. */
#define VMB_KVM_TICK_MS 50
/* Ticks every vCPU must be found dead in a row (1 s). */
#define VMB_KVM_DEAD_TICKS 20

struct vmb_kvm_stats {
	uint64_t exits;                      /* every return from KVM_RUN */
	uint64_t reason[VMB_KVM_NR_EXITS];   /* by KVM_EXIT_* (EINTR: INTR) */
	uint64_t *region;                    /* by vmb_kvm.reg[] index */
	uint64_t unassigned_pio, unassigned_mmio;
	uint64_t guest_ns, vmm_ns;           /* inside / outside KVM_RUN */
};

struct vmb_kvm_vcpu {
	struct vmb_kvm *kvm;
	unsigned id;
	int fd;
	struct kvm_run *run;
	struct vmb_vcpu_thread t; /* long-lived, from create to destroy */
	volatile bool probe;   /* watchdog: "check whether you are dead" */
	volatile bool dead;    /* arch says it can never run again */
	uint64_t probe_exits;  /* exits caused by watchdog probes */
	uint64_t seen;         /* exits - probe_exits at the last tick */
	uint64_t exams;        /* vcpu_dead examinations done (atomic) */
	uint64_t exams_seen;   /* exams at the last tick */
	struct vmb_kvm_stats st;
	void *arch;            /* arch per-vCPU state */
};

/* What the generic code keeps per board region (region->hv_data). */
struct vmb_kvm_region {
	struct vmb_region *r;
	unsigned idx;          /* into vmb_kvm.reg[] and stats.region[] */
	bool pio;
	int slot;              /* memslot, or -1 */
};

struct vmb_kvm_arch {
	const char *name;      /* "x86_64", "arm64" */
	/* KVM_CREATE_VM type argument (arm64: KVM_VM_TYPE_ARM_IPA_SIZE). */
	unsigned long (*vm_type)(struct vmb_kvm *k, struct vmb_err *err);
	/* After KVM_CREATE_VM, before memslots and vCPUs (irqchip, PIT, TSS). */
	int (*vm_init)(struct vmb_kvm *k, struct vmb_err *err);
	/* After each KVM_CREATE_VCPU (fd and kvm_run are ready). */
	int (*vcpu_init)(struct vmb_kvm_vcpu *v, struct vmb_err *err);
	/* After every vCPU exists (arm64: vGIC init). May be NULL. */
	int (*vm_init_late)(struct vmb_kvm *k, struct vmb_err *err);
	/* Machine reset before the vCPUs' (irqchip/timer state). May be NULL. */
	int (*vm_reset)(struct vmb_kvm *k, struct vmb_err *err);
	/* Power-on state of one vCPU; vCPU 0 enters at bs. */
	int (*vcpu_reset)(struct vmb_kvm_vcpu *v, const struct vmb_boot_state *bs,
			  struct vmb_err *err);
	/* Drive interrupt line irq (controller numbering). Any thread. */
	void (*set_irq)(struct vmb_kvm *k, uint32_t irq, int level);
	/* The in-kernel irqchip's distributor register at off (board.h
	 * irqchip_dist_read). May be NULL. */
	int (*irqchip_dist_read)(struct vmb_kvm *k, uint32_t off, uint32_t *val);
	/* The in-kernel irqchip routes GSI n to the board's line n, so lines
	 * may be irqfds (board/irq.h). */
	bool irqfd;
	/* Exit reasons the generic loop does not handle: 0 handled (the
	 * hook may have requested a stop), 1 handled and the vCPU parks (a
	 * debug stop reported to vm->debug_event), -1 unknown (reported as a
	 * fault). */
	int (*handle_exit)(struct vmb_kvm_vcpu *v);
	/* No region owns this access: 0 completes it (reads return all
	 * ones), -1 reports a guest fault. NULL: always a fault. */
	int (*unassigned)(struct vmb_kvm_vcpu *v, bool pio, bool write,
			  uint64_t addr, unsigned size);
	/* The vCPU was kicked out of a long KVM_RUN: true if it can never
	 * run again (halted with interrupts masked, never started). NULL: the
	 * watchdog is off. Called on the vCPU's own thread. */
	bool (*vcpu_dead)(struct vmb_kvm_vcpu *v);
	void (*vcpu_destroy)(struct vmb_kvm_vcpu *v); /* may be NULL */
	void (*destroy)(struct vmb_kvm *k);           /* may be NULL */
};

struct vmb_kvm {
	struct vmb_vm *vm;
	struct vmb_board *board;
	const struct vmb_kvm_arch *arch;
	int sys_fd;            /* /dev/kvm */
	int vm_fd;
	size_t run_size;
	unsigned nvcpus;
	struct vmb_kvm_vcpu *vcpu;
	struct vmb_kvm_region *reg; /* board map regions, then PIO regions */
	unsigned nreg;
	unsigned nslots;       /* slot numbers handed out */
	int *free_slots;       /* released slot numbers for reuse */
	unsigned nfree;
	bool readonly_mem;     /* KVM_CAP_READONLY_MEM */
	pthread_mutex_t slot_lock;
	sem_t wake;            /* posted by kicks: run() re-checks the stop */
	volatile int fault_claimed;
	volatile bool paused;  /* vmb_kvm_pause: the halt watchdog rests */
	void *arch_priv;
};

/* Open /dev/kvm and check the API version; returns the fd or -1 with err
 * set ("cannot open /dev/kvm: ..."). For probe(). */
int vmb_kvm_open(struct vmb_err *err);

/* Value of KVM_CHECK_EXTENSION on /dev/kvm (0 if absent). */
int vmb_kvm_cap(const struct vmb_kvm *k, long cap);
int vmb_kvm_vm_cap(const struct vmb_kvm *k, long cap);

/* hv_ops implementations. create() installs the board hooks (set_irq,
 * region_changed, kick). */
int vmb_kvm_create(struct vmb_vm *vm, const struct vmb_kvm_arch *arch,
		   struct vmb_err *err);
int vmb_kvm_reset(struct vmb_vm *vm, struct vmb_err *err);
enum vmb_stop_reason vmb_kvm_run(struct vmb_vm *vm);
void vmb_kvm_pause(struct vmb_vm *vm);
void vmb_kvm_resume(struct vmb_vm *vm);
void vmb_kvm_print_stats(struct vmb_vm *vm, FILE *out);
void vmb_kvm_destroy(struct vmb_vm *vm);

/*
 * Report a guest fault from vCPU v: fills vm->fault (the first fault wins)
 * and requests VMB_STOP_FAULT. vmb_kvm_fault_access also records the
 * offending access. Return -1.
 */
int vmb_kvm_fault(struct vmb_kvm_vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int vmb_kvm_fault_access(struct vmb_kvm_vcpu *v, bool pio, bool write,
			 uint64_t addr, unsigned size, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Memslot policy, pure so it can be unit-tested without KVM: whether
 * region r is guest memory in its current state (RAM; ROM and romd MMIO
 * only with KVM_CAP_READONLY_MEM and page alignment), and its memslot
 * flags (KVM_MEM_READONLY for ROM and romd). (Added for the arm64 tests.) */
bool vmb_kvm_wants_slot(const struct vmb_region *r, bool readonly_mem,
			uint32_t *flags);

/* Run fn(v, arg) on vCPU cpu's own thread (it must be parked) and return
 * its result; -1 if cpu does not exist. For get_regs/set_regs. */
int vmb_kvm_on_vcpu(struct vmb_vm *vm, unsigned cpu,
		    int (*fn)(struct vmb_kvm_vcpu *v, void *arg), void *arg);

/* Name of a KVM_EXIT_* reason ("io", "mmio", "shutdown", ...). */
const char *vmb_kvm_exit_name(unsigned reason);

/*
 * Guest virtual -> physical for one vCPU's page tables: GPA of va and the
 * bytes left in its page (or block). -1 if va is not mapped.
 */
typedef int (*vmb_kvm_xlate_fn)(void *ctx, uint64_t va, uint64_t *pa,
				uint64_t *page_left);

/* Copy len bytes at guest virtual address va into buf, a page at a time,
 * for the arch backends' read_virt (they differ only in the page-table
 * walk). Returns 0, or -1 if any byte is unmapped or not guest memory. */
int vmb_kvm_copy_virt(struct vmb_kvm *k, vmb_kvm_xlate_fn xlate, void *ctx,
		      uint64_t va, void *buf, unsigned len);

/* The other direction, for write_virt: ROM and flash contents too (a
 * debugger's breakpoint), never device registers; the host's instruction
 * cache is cleaned over the bytes written. 0, or -1 if any byte is
 * unmapped (bytes before it may have been written). */
int vmb_kvm_write_virt(struct vmb_kvm *k, vmb_kvm_xlate_fn xlate, void *ctx,
		       uint64_t va, const void *buf, unsigned len);

/*
 * Software breakpoints (the gdb stub's Z0) patched into guest memory, one
 * table shared by every vCPU (kvm-swbp.c). Each entry keeps the VA gdb
 * named, the GPA the trap instruction went to (the original bytes go back
 * there even if the guest has remapped the VA since) and those bytes.
 */
struct vmb_kvm_swbp {
	const uint8_t *insn;   /* the trapping instruction: BRK #0, INT3 */
	unsigned len;          /* its size, 1..4 bytes */
	unsigned align;        /* breakpoint VAs must be multiples of it */
	unsigned n;
	struct {
		uint64_t va, gpa;
		uint8_t orig[4];
	} bp[VMB_DEBUG_MAX_BP];
};

/* Make guest memory hold the trap instruction exactly at c's Z0 addresses,
 * translated through xlate/ctx (the calling vCPU's page tables): removed
 * ones get their bytes back unless the guest rewrote them meanwhile (code
 * unloaded, page reused). -1 with err naming the address if one is not
 * guest RAM/ROM or misaligned; those already inserted stay. */
int vmb_kvm_swbp_sync(struct vmb_kvm_swbp *s, struct vmb_board *b,
		      const struct vmb_debug_cfg *c, vmb_kvm_xlate_fn xlate,
		      void *ctx, struct vmb_err *err);
/* Whether va holds one of the table's breakpoints (else a trap there is
 * the guest's own, to be delivered to it). */
bool vmb_kvm_swbp_has(const struct vmb_kvm_swbp *s, uint64_t va);

/* x86_64 get_regs / set_regs (kvm-x86_64-regs.c). */
int vmb_kvm_x86_get_regs(struct vmb_vm *vm, unsigned cpu, struct vmb_regs *r);
int vmb_kvm_x86_set_regs(struct vmb_vm *vm, unsigned cpu, const struct vmb_regs *r);

/* The backends (kvm-x86_64.c; kvm-arm64.c). Each probe() accepts only its
 * own host and board architecture. */
extern const struct vmb_hv_ops vmb_hv_kvm_x86_64;

static inline struct vmb_kvm *vmb_kvm_of(struct vmb_vm *vm)
{
	return vm->priv;
}

#endif
