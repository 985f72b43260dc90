/* SPDX-License-Identifier: MIT */
/*
 * Architecture-neutral KVM backend core (see kvm.h). Source: Linux
 * Documentation/virt/kvm/api.rst — §4.1 KVM_GET_API_VERSION, §4.2
 * KVM_CREATE_VM, §4.7 KVM_CREATE_VCPU, §4.10 KVM_RUN, §4.35
 * KVM_SET_USER_MEMORY_REGION (KVM_MEM_READONLY: "writes ... will be
 * posted to userspace as KVM_EXIT_MMIO exits"), §5 "The kvm_run structure"
 * (immediate_exit, KVM_EXIT_IO data_offset/count, KVM_EXIT_MMIO,
 * KVM_EXIT_SYSTEM_EVENT, KVM_EXIT_INTERNAL_ERROR).
 *
 * Threads: create() starts one long-lived thread per vCPU (hv/vcpu.h);
 * run() sets them running and waits on a semaphore that kicks post, waking
 * every VMB_KVM_TICK_MS for the halt watchdog; at the stop it parks them. A stop
 * request sets board->stop first, then immediate_exit = 1 in every vCPU's
 * kvm_run, then signals each vCPU thread; a vCPU clears immediate_exit only
 * before re-reading board->stop (with a full barrier), so no stop is lost.
 */
#ifdef __linux__
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "hv/kvm.h"
#include "util/bytes.h"
#include "util/deadline.h"

#define PAGE_SIZE 4096ull

/* The kick signal: the first real-time signal glibc leaves to programs. */
#define KICK_SIGNAL (SIGRTMIN)

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "unknown",
	[KVM_EXIT_EXCEPTION] = "exception",
	[KVM_EXIT_IO] = "io",
	[KVM_EXIT_HYPERCALL] = "hypercall",
	[KVM_EXIT_DEBUG] = "debug",
	[KVM_EXIT_HLT] = "hlt",
	[KVM_EXIT_MMIO] = "mmio",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "irq-window",
	[KVM_EXIT_SHUTDOWN] = "shutdown",
	[KVM_EXIT_FAIL_ENTRY] = "fail-entry",
	[KVM_EXIT_INTR] = "intr",
	[KVM_EXIT_SET_TPR] = "set-tpr",
	[KVM_EXIT_TPR_ACCESS] = "tpr-access",
	[KVM_EXIT_NMI] = "nmi",
	[KVM_EXIT_INTERNAL_ERROR] = "internal-error",
	[KVM_EXIT_WATCHDOG] = "watchdog",
	[KVM_EXIT_EPR] = "epr",
	[KVM_EXIT_SYSTEM_EVENT] = "system-event",
	[KVM_EXIT_IOAPIC_EOI] = "ioapic-eoi",
	[KVM_EXIT_HYPERV] = "hyperv",
	[KVM_EXIT_ARM_NISV] = "arm-nisv",
	[KVM_EXIT_X86_RDMSR] = "rdmsr",
	[KVM_EXIT_X86_WRMSR] = "wrmsr",
	[KVM_EXIT_DIRTY_RING_FULL] = "dirty-ring-full",
	[KVM_EXIT_AP_RESET_HOLD] = "ap-reset-hold",
	[KVM_EXIT_X86_BUS_LOCK] = "bus-lock",
	[KVM_EXIT_XEN] = "xen",
	[KVM_EXIT_NOTIFY] = "notify",
};

const char *vmb_kvm_exit_name(unsigned reason)
{
	if (reason < sizeof(exit_names) / sizeof(exit_names[0]) && exit_names[reason])
		return exit_names[reason];
	return "other";
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void kick_handler(int sig)
{
	(void)sig; /* only there to make KVM_RUN return -EINTR */
}

int vmb_kvm_open(struct vmb_err *err)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int ver;

	if (fd < 0)
		return vmb_errf(err, NULL, "cannot open /dev/kvm: %s", strerror(errno));
	ver = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION) {
		close(fd);
		return vmb_errf(err, NULL, "/dev/kvm speaks API version %d, vmb needs %d",
				ver, KVM_API_VERSION);
	}
	return fd;
}

int vmb_kvm_cap(const struct vmb_kvm *k, long cap)
{
	int r = ioctl(k->sys_fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

int vmb_kvm_vm_cap(const struct vmb_kvm *k, long cap)
{
	int r = ioctl(k->vm_fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

/* Both directions of the page-by-page copy (a debugger's m and M). */
static int copy_virt(struct vmb_kvm *k, vmb_kvm_xlate_fn xlate, void *ctx,
		     uint64_t va, uint8_t *buf, unsigned len, bool to_guest)
{
	while (len) {
		uint64_t pa, left;
		uint8_t *p;
		unsigned n;

		if (xlate(ctx, va, &pa, &left) || !left)
			return -1;
		n = left < len ? (unsigned)left : len;
		p = vmb_board_gpa_ptr(k->board, pa, n);
		if (!p)
			return -1;
		if (to_guest) {
			memcpy(p, buf, n);
			/* patched code (a breakpoint) must be fetched afresh */
			__builtin___clear_cache((char *)p, (char *)p + n);
		} else {
			memcpy(buf, p, n);
		}
		buf += n;
		va += n;
		len -= n;
	}
	return 0;
}

int vmb_kvm_copy_virt(struct vmb_kvm *k, vmb_kvm_xlate_fn xlate, void *ctx,
		      uint64_t va, void *buf, unsigned len)
{
	return copy_virt(k, xlate, ctx, va, buf, len, false);
}

int vmb_kvm_write_virt(struct vmb_kvm *k, vmb_kvm_xlate_fn xlate, void *ctx,
		       uint64_t va, const void *buf, unsigned len)
{
	return copy_virt(k, xlate, ctx, va, (uint8_t *)buf, len, true);
}

/* ---- faults ---------------------------------------------------------- */

static int fault_v(struct vmb_kvm_vcpu *v, bool has_addr, bool pio, bool write,
		   uint64_t addr, unsigned size, const char *fmt, va_list ap)
{
	struct vmb_kvm *k = v->kvm;
	struct vmb_fault *f = &k->vm->fault;

	if (k->board->stop == VMB_STOP_NONE &&
	    __sync_bool_compare_and_swap(&k->fault_claimed, 0, 1)) {
		memset(f, 0, sizeof(*f));
		f->cpu = v->id;
		f->has_addr = has_addr;
		f->addr = addr;
		f->is_write = write;
		f->size = size;
		f->is_pio = pio;
		vsnprintf(f->what, sizeof(f->what), fmt, ap);
		vmb_board_request_stop(k->board, VMB_STOP_FAULT, "vCPU %u: %s",
				       v->id, f->what);
	}
	return -1;
}

int vmb_kvm_fault(struct vmb_kvm_vcpu *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fault_v(v, false, false, false, 0, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int vmb_kvm_fault_access(struct vmb_kvm_vcpu *v, bool pio, bool write,
			 uint64_t addr, unsigned size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fault_v(v, true, pio, write, addr, size, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- memslots -------------------------------------------------------- */

static int alloc_slot(struct vmb_kvm *k)
{
	if (k->nfree)
		return k->free_slots[--k->nfree];
	return (int)k->nslots++;
}

static void release_slot(struct vmb_kvm *k, int slot)
{
	k->free_slots = vmb_realloc(k->free_slots, (k->nfree + 1) * sizeof(int));
	k->free_slots[k->nfree++] = slot;
}

static bool page_aligned(const struct vmb_region *r)
{
	return !(r->gpa % PAGE_SIZE) && !(r->size % PAGE_SIZE) &&
	       !((uintptr_t)r->host % PAGE_SIZE);
}

static int set_slot(struct vmb_kvm *k, int slot, const struct vmb_region *r,
		    uint32_t flags, bool remove)
{
	struct kvm_userspace_memory_region m = {
		.slot = (uint32_t)slot,
		.flags = flags,
		.guest_phys_addr = r->gpa,
		.memory_size = remove ? 0 : r->size,
		.userspace_addr = (uintptr_t)r->host,
	};

	return ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &m);
}

/* Should region r be guest memory now (RAM, ROM, or romd MMIO)? */
bool vmb_kvm_wants_slot(const struct vmb_region *r, bool readonly_mem,
			uint32_t *flags)
{
	*flags = 0;
	if (!r->host)
		return false;
	switch (r->kind) {
	case VMB_REGION_RAM:
		return true;
	case VMB_REGION_ROM:
		*flags = KVM_MEM_READONLY;
		return readonly_mem && page_aligned(r);
	case VMB_REGION_MMIO:
		*flags = KVM_MEM_READONLY;
		return r->romd && readonly_mem && page_aligned(r);
	}
	return false;
}

static bool wants_slot(const struct vmb_kvm *k, const struct vmb_region *r,
		       uint32_t *flags)
{
	return vmb_kvm_wants_slot(r, k->readonly_mem, flags);
}

/* Bring the region's memslot in line with its kind and romd flag. */
static int sync_slot(struct vmb_kvm *k, struct vmb_kvm_region *kr, struct vmb_err *err)
{
	const struct vmb_region *r = kr->r;
	uint32_t flags;
	bool want = wants_slot(k, r, &flags);

	if (want && kr->slot < 0) {
		if (r->kind == VMB_REGION_RAM && !page_aligned(r))
			return vmb_errf(err, &r->loc, "RAM region '%s' at 0x%llx size "
					"0x%llx is not 4 KiB aligned, which KVM "
					"memslots need", r->name,
					(unsigned long long)r->gpa,
					(unsigned long long)r->size);
		kr->slot = alloc_slot(k);
		if (set_slot(k, kr->slot, r, flags, false)) {
			int e = errno;

			release_slot(k, kr->slot);
			kr->slot = -1;
			return vmb_errf(err, &r->loc, "KVM_SET_USER_MEMORY_REGION for "
					"'%s' [0x%llx, +0x%llx): %s", r->name,
					(unsigned long long)r->gpa,
					(unsigned long long)r->size, strerror(e));
		}
	} else if (!want && kr->slot >= 0) {
		if (set_slot(k, kr->slot, r, 0, true))
			return vmb_errf(err, &r->loc, "cannot remove the memslot of "
					"'%s': %s", r->name, strerror(errno));
		release_slot(k, kr->slot);
		kr->slot = -1;
	}
	return 0;
}

/* Board hook: a region went in or out of romd mode (CFI flash). Called
 * with the flash's device lock held, possibly from a vCPU thread. */
static void hook_region_changed(void *opaque, struct vmb_region *r)
{
	struct vmb_kvm *k = opaque;
	struct vmb_kvm_region *kr = r->hv_data;
	struct vmb_err err;

	if (!kr)
		return;
	pthread_mutex_lock(&k->slot_lock);
	if (sync_slot(k, kr, &err))
		vmb_board_request_stop(k->board, VMB_STOP_ERROR, "%s", err.msg);
	pthread_mutex_unlock(&k->slot_lock);
}

static void hook_set_irq(void *opaque, uint32_t irq, int level)
{
	struct vmb_kvm *k = opaque;

	k->arch->set_irq(k, irq, level);
}

static void kick_vcpu(struct vmb_kvm_vcpu *v)
{
	v->run->immediate_exit = 1;
	__sync_synchronize();
	if (v->t.started)
		pthread_kill(v->t.thread, KICK_SIGNAL);
}

/* Board hook: a stop was requested (board->stop is already set). */
static void hook_kick(void *opaque)
{
	struct vmb_kvm *k = opaque;

	for (unsigned i = 0; i < k->nvcpus; i++)
		if (k->vcpu[i].run)
			kick_vcpu(&k->vcpu[i]);
	sem_post(&k->wake);
}

/* Board hook (irq.h): line l as a KVM irqfd, with its resamplefd for a
 * level line (api.rst §4.75 KVM_IRQFD). The GSI is the board's number:
 * arm64's default routing maps GSI n to SPI n, x86's to IOAPIC/PIC pin n. */
static int hook_irq_attach(void *opaque, struct vmb_irq_line *l)
{
	struct vmb_kvm *k = opaque;
	struct kvm_irqfd f = { .fd = (uint32_t)l->fd, .gsi = l->irq };

	if (!k->arch->irqfd || vmb_kvm_vm_cap(k, KVM_CAP_IRQFD) <= 0)
		return -1;
	if (l->resample_fd >= 0) {
		if (vmb_kvm_vm_cap(k, KVM_CAP_IRQFD_RESAMPLE) <= 0)
			return -1;
		f.flags = KVM_IRQFD_FLAG_RESAMPLE;
		f.resamplefd = (uint32_t)l->resample_fd;
	}
	return ioctl(k->vm_fd, KVM_IRQFD, &f) ? -1 : 0;
}

static void hook_irq_detach(void *opaque, struct vmb_irq_line *l)
{
	struct vmb_kvm *k = opaque;
	struct kvm_irqfd f = { .fd = (uint32_t)l->fd, .gsi = l->irq,
			       .flags = KVM_IRQFD_FLAG_DEASSIGN };

	ioctl(k->vm_fd, KVM_IRQFD, &f);
}

/* Board hook (irq.h): a queue notifier as a KVM ioeventfd (api.rst §4.59). */
static int ioeventfd(struct vmb_kvm *k, const struct vmb_ioevent *ev, uint32_t flags)
{
	struct kvm_ioeventfd io = {
		.datamatch = ev->data,
		.addr = ev->addr,
		.len = ev->size,
		.fd = ev->fd,
		.flags = flags | (ev->match ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
			 (ev->pio ? KVM_IOEVENTFD_FLAG_PIO : 0),
	};

	return ioctl(k->vm_fd, KVM_IOEVENTFD, &io) ? -1 : 0;
}

static int hook_irqchip_dist_read(void *opaque, uint32_t off, uint32_t *val)
{
	struct vmb_kvm *k = opaque;

	return k->arch->irqchip_dist_read(k, off, val);
}

static int hook_ioevent_add(void *opaque, struct vmb_ioevent *ev)
{
	struct vmb_kvm *k = opaque;

	if (vmb_kvm_vm_cap(k, KVM_CAP_IOEVENTFD) <= 0)
		return -1;
	return ioeventfd(k, ev, 0);
}

static void hook_ioevent_del(void *opaque, struct vmb_ioevent *ev)
{
	ioeventfd(opaque, ev, KVM_IOEVENTFD_FLAG_DEASSIGN);
}

static void add_regions(struct vmb_kvm *k, const struct vmb_addrmap *m, bool pio)
{
	for (unsigned i = 0; i < m->n; i++) {
		struct vmb_kvm_region *kr = &k->reg[k->nreg];

		kr->r = m->r[i];
		kr->idx = k->nreg++;
		kr->pio = pio;
		kr->slot = -1;
		m->r[i]->hv_data = kr;
	}
}

/* ---- life cycle ------------------------------------------------------ */

static int create_vcpu(struct vmb_kvm *k, unsigned id, struct vmb_err *err)
{
	struct vmb_kvm_vcpu *v = &k->vcpu[id];
	void *run;

	v->kvm = k;
	v->id = id;
	v->fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0)
		return vmb_errf(err, NULL, "KVM_CREATE_VCPU %u: %s", id, strerror(errno));
	run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (run == MAP_FAILED)
		return vmb_errf(err, NULL, "mmap of vCPU %u's kvm_run: %s", id,
				strerror(errno));
	v->run = run;
	v->st.region = vmb_zalloc((k->nreg + 1) * sizeof(uint64_t));
	return k->arch->vcpu_init(v, err);
}

static void vcpu_run(void *arg);
static void vcpu_kick(void *arg);

int vmb_kvm_create(struct vmb_vm *vm, const struct vmb_kvm_arch *arch,
		   struct vmb_err *err)
{
	struct vmb_board *b = vm->board;
	struct vmb_kvm *k = vmb_zalloc(sizeof(*k));
	struct sigaction sa;
	unsigned long type;
	long sz;

	k->vm = vm;
	k->board = b;
	k->arch = arch;
	k->vm_fd = -1;
	pthread_mutex_init(&k->slot_lock, NULL);
	sem_init(&k->wake, 0, 0);
	vm->priv = k; /* from here on destroy() cleans up */

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler; /* no SA_RESTART: KVM_RUN must return */
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);

	k->sys_fd = vmb_kvm_open(err);
	if (k->sys_fd < 0)
		return -1;
	if (!vmb_kvm_cap(k, KVM_CAP_IMMEDIATE_EXIT) ||
	    !vmb_kvm_cap(k, KVM_CAP_USER_MEMORY))
		return vmb_errf(err, NULL, "this KVM lacks KVM_CAP_IMMEDIATE_EXIT or "
				"KVM_CAP_USER_MEMORY (Linux >= 4.11 needed)");
	sz = ioctl(k->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		return vmb_errf(err, NULL, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	k->run_size = (size_t)sz;
	type = arch->vm_type ? arch->vm_type(k, err) : 0;
	if (type == (unsigned long)-1)
		return -1;
	do
		k->vm_fd = ioctl(k->sys_fd, KVM_CREATE_VM, type);
	while (k->vm_fd < 0 && errno == EINTR);
	if (k->vm_fd < 0)
		return vmb_errf(err, NULL, "KVM_CREATE_VM: %s", strerror(errno));
	k->readonly_mem = vmb_kvm_vm_cap(k, KVM_CAP_READONLY_MEM) > 0;
	if (arch->vm_init(k, err))
		return -1;

	k->reg = vmb_zalloc((b->map.n + b->pio.n + 1) * sizeof(*k->reg));
	add_regions(k, &b->map, false);
	add_regions(k, &b->pio, true);
	for (unsigned i = 0; i < k->nreg; i++)
		if (!k->reg[i].pio && sync_slot(k, &k->reg[i], err))
			return -1;

	k->nvcpus = b->ncpus;
	k->vcpu = vmb_zalloc(k->nvcpus * sizeof(*k->vcpu));
	for (unsigned i = 0; i < k->nvcpus; i++)
		k->vcpu[i].fd = -1;
	for (unsigned i = 0; i < k->nvcpus; i++)
		if (create_vcpu(k, i, err))
			return -1;
	if (arch->vm_init_late && arch->vm_init_late(k, err))
		return -1;
	for (unsigned i = 0; i < k->nvcpus; i++)
		if (vmb_vcpu_thread_start(&k->vcpu[i].t, i, vcpu_run, vcpu_kick,
					  &k->vcpu[i], err))
			return -1;

	b->hv.opaque = k;
	b->hv.set_irq = hook_set_irq;
	b->hv.region_changed = hook_region_changed;
	b->hv.kick = hook_kick;
	b->hv.irq_attach = hook_irq_attach;
	b->hv.irq_detach = hook_irq_detach;
	b->hv.ioevent_add = hook_ioevent_add;
	b->hv.ioevent_del = hook_ioevent_del;
	if (arch->irqchip_dist_read)
		b->hv.irqchip_dist_read = hook_irqchip_dist_read;
	vmb_board_attach_hv(b);
	return 0;
}

struct on_vcpu_call {
	struct vmb_kvm_vcpu *v;
	int (*fn)(struct vmb_kvm_vcpu *v, void *arg);
	void *arg;
	int rc;
};

static void on_vcpu_thread(void *arg)
{
	struct on_vcpu_call *c = arg;

	c->rc = c->fn(c->v, c->arg);
}

int vmb_kvm_on_vcpu(struct vmb_vm *vm, unsigned cpu,
		    int (*fn)(struct vmb_kvm_vcpu *v, void *arg), void *arg)
{
	struct vmb_kvm *k = vmb_kvm_of(vm);
	struct on_vcpu_call c;

	if (!k || cpu >= k->nvcpus || k->vcpu[cpu].fd < 0)
		return -1;
	c = (struct on_vcpu_call){ &k->vcpu[cpu], fn, arg, 0 };
	vmb_vcpu_thread_call(&k->vcpu[cpu].t, on_vcpu_thread, &c);
	return c.rc;
}

struct vcpu_reset_call {
	struct vmb_kvm_vcpu *v;
	const struct vmb_boot_state *bs;
	struct vmb_err *err;
	int rc;
};

static void vcpu_reset_on_thread(void *arg)
{
	struct vcpu_reset_call *c = arg;

	c->rc = c->v->kvm->arch->vcpu_reset(c->v, c->bs, c->err);
}

int vmb_kvm_reset(struct vmb_vm *vm, struct vmb_err *err)
{
	struct vmb_kvm *k = vmb_kvm_of(vm);

	k->fault_claimed = 0;
	if (k->arch->vm_reset && k->arch->vm_reset(k, err))
		return -1;
	for (unsigned i = 0; i < k->nvcpus; i++) {
		struct vcpu_reset_call c = { &k->vcpu[i], &vm->boot, err, 0 };

		vmb_vcpu_thread_call(&k->vcpu[i].t, vcpu_reset_on_thread, &c);
		if (c.rc)
			return -1;
	}
	return 0;
}

/* ---- the exit loop --------------------------------------------------- */

static void count_region(struct vmb_kvm_vcpu *v, const struct vmb_addrmap *m,
			 uint64_t addr, bool pio)
{
	struct vmb_region *r = vmb_addrmap_find(m, addr);
	struct vmb_kvm_region *kr = r ? r->hv_data : NULL;

	if (kr)
		v->st.region[kr->idx]++;
	else if (pio)
		v->st.unassigned_pio++;
	else
		v->st.unassigned_mmio++;
}

static int unassigned(struct vmb_kvm_vcpu *v, bool pio, bool write,
		      uint64_t addr, unsigned size)
{
	const struct vmb_kvm_arch *a = v->kvm->arch;

	if (a->unassigned && !a->unassigned(v, pio, write, addr, size))
		return 0;
	return vmb_kvm_fault_access(v, pio, write, addr, size,
				    "%s of unmapped %s 0x%llx (%u byte%s)",
				    write ? "write" : "read", pio ? "I/O port" : "address",
				    (unsigned long long)addr, size, size == 1 ? "" : "s");
}

static int handle_io(struct vmb_kvm_vcpu *v)
{
	struct kvm_run *run = v->run;
	struct vmb_board *b = v->kvm->board;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	struct vmb_access a = { .cpu = v->id, .pio = true,
				.write = run->io.direction == KVM_EXIT_IO_OUT,
				.addr = run->io.port, .size = run->io.size };

	if (v->kvm->vm->stats)
		count_region(v, &b->pio, a.addr, true);
	for (uint32_t i = 0; i < run->io.count; i++, data += a.size) {
		if (a.write)
			a.val = vmb_get_le(data, a.size);
		if (vmb_board_access(b, &a)) {
			if (unassigned(v, true, a.write, a.addr, a.size))
				return -1;
			a.val = ~0ull;
		}
		if (!a.write)
			vmb_put_le(data, a.size, a.val);
	}
	return 0;
}

static int handle_mmio(struct vmb_kvm_vcpu *v)
{
	struct kvm_run *run = v->run;
	struct vmb_board *b = v->kvm->board;
	struct vmb_access a = { .cpu = v->id, .write = run->mmio.is_write,
				.addr = run->mmio.phys_addr, .size = run->mmio.len };

	if (v->kvm->vm->stats)
		count_region(v, &b->map, a.addr, false);
	if (a.size == 0 || a.size > 8)
		return vmb_kvm_fault_access(v, false, a.write, a.addr, a.size,
					    "MMIO access of unsupported width %u",
					    a.size);
	if (a.write)
		a.val = vmb_get_le(run->mmio.data, a.size);
	if (vmb_board_access(b, &a)) {
		if (unassigned(v, false, a.write, a.addr, a.size))
			return -1;
		a.val = ~0ull;
	}
	if (!a.write)
		vmb_put_le(run->mmio.data, a.size, a.val);
	return 0;
}

static int handle_system_event(struct vmb_kvm_vcpu *v)
{
	struct vmb_board *b = v->kvm->board;

	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vmb_board_request_stop(b, VMB_STOP_POWEROFF, "vCPU %u: guest powered "
				       "off (system event)", v->id);
		return 0;
	case KVM_SYSTEM_EVENT_RESET:
		vmb_board_request_stop(b, VMB_STOP_RESET, "vCPU %u: guest reset "
				       "(system event)", v->id);
		return 0;
	case KVM_SYSTEM_EVENT_CRASH:
		return vmb_kvm_fault(v, "guest reported a crash (system event)");
	}
	return vmb_kvm_fault(v, "unknown KVM system event %u",
			     v->run->system_event.type);
}

static int handle_internal_error(struct vmb_kvm_vcpu *v)
{
	struct kvm_run *run = v->run;
	char buf[200] = "";
	size_t n = 0;
	const char *what;

	switch (run->internal.suberror) {
	case KVM_INTERNAL_ERROR_EMULATION:
		what = "emulation failure";
		break;
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		what = "exception while delivering an exception";
		break;
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		what = "event delivery failed";
		break;
	default:
		what = "internal error";
		break;
	}
	if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    (run->emulation_failure.flags &
	     KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) &&
	    run->emulation_failure.ndata >= 2) {
		unsigned len = run->emulation_failure.insn_size;

		if (len > sizeof(run->emulation_failure.insn_bytes))
			len = sizeof(run->emulation_failure.insn_bytes);
		n += (size_t)snprintf(buf, sizeof(buf), "; instruction bytes:");
		for (unsigned i = 0; i < len && n < sizeof(buf) - 4; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %02x",
					      run->emulation_failure.insn_bytes[i]);
	} else {
		for (unsigned i = 0; i < run->internal.ndata && i < 4 &&
				     n < sizeof(buf) - 24; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s0x%llx",
					      i ? " " : "; data ",
					      (unsigned long long)run->internal.data[i]);
	}
	return vmb_kvm_fault(v, "KVM internal error: %s (suberror %u)%s", what,
			     run->internal.suberror, buf);
}

static int handle_exit(struct vmb_kvm_vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(v);
	case KVM_EXIT_MMIO:
		return handle_mmio(v);
	case KVM_EXIT_INTR:
		return 0;
	case KVM_EXIT_SYSTEM_EVENT:
		return handle_system_event(v);
	case KVM_EXIT_INTERNAL_ERROR:
		return handle_internal_error(v);
	case KVM_EXIT_FAIL_ENTRY:
		return vmb_kvm_fault(v, "KVM could not enter the guest (hardware "
				     "entry failure reason 0x%llx)",
				     (unsigned long long)
				     run->fail_entry.hardware_entry_failure_reason);
	}
	if (v->kvm->arch->handle_exit) {
		int rc = v->kvm->arch->handle_exit(v);

		if (rc >= 0)
			return rc;
	}
	return vmb_kvm_fault(v, "unexpected KVM exit reason %u (%s)", run->exit_reason,
			     vmb_kvm_exit_name(run->exit_reason));
}

/* Run body of the vCPU thread: KVM_RUN and exits until the board stops or
 * the thread is asked to pause. */
static void vcpu_run(void *arg)
{
	struct vmb_kvm_vcpu *v = arg;
	struct vmb_kvm *k = v->kvm;
	struct vmb_board *b = k->board;
	bool stats = k->vm->stats;
	uint64_t t_out = stats ? now_ns() : 0;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	while (b->stop == VMB_STOP_NONE && !vmb_vcpu_should_pause(&v->t)) {
		uint64_t t_in = 0;
		bool intr;
		int rc;

		if (stats) {
			t_in = now_ns();
			v->st.vmm_ns += t_in - t_out;
		}
		rc = ioctl(v->fd, KVM_RUN, 0);
		if (stats) {
			t_out = now_ns();
			v->st.guest_ns += t_out - t_in;
		}
		v->st.exits++;
		if (rc < 0) {
			if (errno != EINTR && errno != EAGAIN) {
				vmb_board_request_stop(b, VMB_STOP_ERROR, "vCPU %u: "
						       "KVM_RUN: %s", v->id,
						       strerror(errno));
				break;
			}
			v->st.reason[KVM_EXIT_INTR]++;
			intr = true;
		} else {
			unsigned r = v->run->exit_reason;

			v->st.reason[r < VMB_KVM_NR_EXITS ? r : 0]++;
			intr = r == KVM_EXIT_INTR;
			if (!intr)
				v->dead = false;
			if (handle_exit(v))
				break;
		}
		if (v->probe) {
			if (intr)
				v->probe_exits++; /* the kick's exit is not activity */
			v->probe = false;
			v->dead = k->arch->vcpu_dead && k->arch->vcpu_dead(v);
			__atomic_add_fetch(&v->exams, 1, __ATOMIC_RELEASE);
		}
		if (v->run->immediate_exit) {
			v->run->immediate_exit = 0;
			__sync_synchronize(); /* pairs with the CAS in request_stop */
		}
	}
	if (stats)
		v->st.vmm_ns += now_ns() - t_out;
}

static void vcpu_kick(void *arg)
{
	kick_vcpu(arg);
}

/*
 * Halt watchdog, once a tick: a vCPU with no exits of its own since the last
 * tick (probe kicks do not count) is kicked and re-examines itself (arch
 * vcpu_dead). Returns true when every vCPU was idle and dead at its latest
 * examination.
 */
static bool watchdog(struct vmb_kvm *k)
{
	bool all_dead = true;

	for (unsigned i = 0; i < k->nvcpus; i++) {
		struct vmb_kvm_vcpu *v = &k->vcpu[i];
		uint64_t act = __atomic_load_n(&v->st.exits, __ATOMIC_RELAXED) -
			       __atomic_load_n(&v->probe_exits, __ATOMIC_RELAXED);
		uint64_t ex = __atomic_load_n(&v->exams, __ATOMIC_ACQUIRE);
		bool idle = act == v->seen;

		v->seen = act;
		/* Only an examination made since the last tick counts: a
		 * probe still pending leaves the verdict of an older one. */
		all_dead &= idle && ex != v->exams_seen && v->dead;
		v->exams_seen = ex;
		/* Kick again while a probe is pending: a kick that lands just
		 * before the vCPU re-enters KVM_RUN can be absorbed. */
		if (idle) {
			v->probe = true;
			kick_vcpu(v);
		}
	}
	return all_dead;
}

enum vmb_stop_reason vmb_kvm_run(struct vmb_vm *vm)
{
	struct vmb_kvm *k = vmb_kvm_of(vm);
	struct vmb_board *b = k->board;
	unsigned dead_ticks = 0;

	while (sem_trywait(&k->wake) == 0)
		;
	/* Every vCPU starts now, also after a debugger held the machine
	 * through a reset (vmb_kvm_pause, no resume): the halt watchdog
	 * watches again. */
	k->paused = false;
	for (unsigned i = 0; i < k->nvcpus; i++) {
		struct vmb_kvm_vcpu *v = &k->vcpu[i];

		v->dead = v->probe = false;
		v->seen = v->st.exits - v->probe_exits;
		v->run->immediate_exit = 0;
	}
	__sync_synchronize();
	for (unsigned i = 0; i < k->nvcpus; i++)
		vmb_vcpu_thread_run(&k->vcpu[i].t);
	while (b->stop == VMB_STOP_NONE) {
		struct timespec ts = vmb_deadline_ms(VMB_KVM_TICK_MS);

		if (sem_timedwait(&k->wake, &ts) == 0 || b->stop != VMB_STOP_NONE)
			continue;
		if (!k->arch->vcpu_dead || k->paused)
			continue;
		dead_ticks = watchdog(k) ? dead_ticks + 1 : 0;
		/* Ticks in a row, so no vCPU woke between its probe and ours
		 * (kvm.h: halt watchdog). */
		if (dead_ticks >= VMB_KVM_DEAD_TICKS)
			vmb_board_request_stop(b, VMB_STOP_POWEROFF, "guest halted: "
					       "every vCPU is stopped with "
					       "interrupts disabled");
	}
	/* Every vCPU parks (the stop's kick reached the running ones; pause
	 * kicks again any that was about to enter the guest). */
	for (unsigned i = 0; i < k->nvcpus; i++)
		vmb_vcpu_thread_pause(&k->vcpu[i].t);
	return b->stop;
}

void vmb_kvm_pause(struct vmb_vm *vm)
{
	struct vmb_kvm *k = vmb_kvm_of(vm);

	k->paused = true;
	for (unsigned i = 0; i < k->nvcpus; i++)
		vmb_vcpu_thread_pause(&k->vcpu[i].t);
}

void vmb_kvm_resume(struct vmb_vm *vm)
{
	struct vmb_kvm *k = vmb_kvm_of(vm);

	for (unsigned i = 0; i < k->nvcpus; i++) {
		k->vcpu[i].dead = k->vcpu[i].probe = false;
		vmb_vcpu_thread_run(&k->vcpu[i].t);
	}
	k->paused = false;
}

/* ---- statistics ------------------------------------------------------ */

static void print_vcpu_stats(struct vmb_kvm *k, const char *who,
			     const struct vmb_kvm_stats *s, FILE *out)
{
	double g = s->guest_ns / 1e9, m = s->vmm_ns / 1e9;

	fprintf(out, "kvm: %s: %llu exits, guest %.3f s, VMM %.3f s (%.1f%% in VMM)\n",
		who, (unsigned long long)s->exits, g, m,
		g + m > 0 ? 100.0 * m / (g + m) : 0.0);
	for (unsigned r = 0; r < VMB_KVM_NR_EXITS; r++)
		if (s->reason[r])
			fprintf(out, "kvm: %s:   exit %-16s %10llu\n", who,
				vmb_kvm_exit_name(r), (unsigned long long)s->reason[r]);
	for (unsigned i = 0; i < k->nreg; i++) {
		const struct vmb_region *r = k->reg[i].r;
		char name[160];

		if (!s->region[i])
			continue;
		snprintf(name, sizeof(name), "%s%s%s", r->dev ? r->dev->name : r->name,
			 r->dev && strcmp(r->dev->name, r->name) ? ":" : "",
			 r->dev && strcmp(r->dev->name, r->name) ? r->name : "");
		fprintf(out, "kvm: %s:   device %-14s %-4s %10llu\n", who, name,
			k->reg[i].pio ? "pio" : "mmio",
			(unsigned long long)s->region[i]);
	}
	if (s->unassigned_pio)
		fprintf(out, "kvm: %s:   device %-14s %-4s %10llu\n", who,
			"(unassigned)", "pio", (unsigned long long)s->unassigned_pio);
	if (s->unassigned_mmio)
		fprintf(out, "kvm: %s:   device %-14s %-4s %10llu\n", who,
			"(unassigned)", "mmio", (unsigned long long)s->unassigned_mmio);
}

void vmb_kvm_print_stats(struct vmb_vm *vm, FILE *out)
{
	struct vmb_kvm *k = vmb_kvm_of(vm);
	struct vmb_kvm_stats sum = { 0 };
	char who[32];

	if (!k)
		return;
	sum.region = vmb_zalloc((k->nreg + 1) * sizeof(uint64_t));
	for (unsigned i = 0; i < k->nvcpus; i++) {
		const struct vmb_kvm_stats *s = &k->vcpu[i].st;

		snprintf(who, sizeof(who), "vCPU %u", i);
		print_vcpu_stats(k, who, s, out);
		sum.exits += s->exits;
		sum.guest_ns += s->guest_ns;
		sum.vmm_ns += s->vmm_ns;
		sum.unassigned_pio += s->unassigned_pio;
		sum.unassigned_mmio += s->unassigned_mmio;
		for (unsigned r = 0; r < VMB_KVM_NR_EXITS; r++)
			sum.reason[r] += s->reason[r];
		for (unsigned r = 0; r < k->nreg; r++)
			sum.region[r] += s->region[r];
	}
	if (k->nvcpus > 1)
		print_vcpu_stats(k, "total", &sum, out);
	free(sum.region);
}

/* ---- teardown -------------------------------------------------------- */

void vmb_kvm_destroy(struct vmb_vm *vm)
{
	struct vmb_kvm *k = vmb_kvm_of(vm);
	struct vmb_board *b = vm->board;

	if (!k)
		return;
	for (unsigned i = 0; k->vcpu && i < k->nvcpus; i++)
		vmb_vcpu_thread_exit(&k->vcpu[i].t);
	if (b && b->hv.opaque == k) {
		vmb_board_detach_hv(b);
		memset(&b->hv, 0, sizeof(b->hv));
	}
	for (unsigned i = 0; k->vcpu && i < k->nvcpus; i++) {
		struct vmb_kvm_vcpu *v = &k->vcpu[i];

		if (k->arch->vcpu_destroy && v->fd >= 0)
			k->arch->vcpu_destroy(v);
		if (v->run)
			munmap(v->run, k->run_size);
		if (v->fd >= 0)
			close(v->fd);
		free(v->st.region);
	}
	if (k->arch->destroy)
		k->arch->destroy(k);
	for (unsigned i = 0; i < k->nreg; i++)
		k->reg[i].r->hv_data = NULL;
	free(k->reg);
	free(k->vcpu);
	free(k->free_slots);
	if (k->vm_fd >= 0)
		close(k->vm_fd);
	if (k->sys_fd >= 0)
		close(k->sys_fd);
	sem_destroy(&k->wake);
	pthread_mutex_destroy(&k->slot_lock);
	free(k);
	vm->priv = NULL;
}

#endif /* __linux__ */
