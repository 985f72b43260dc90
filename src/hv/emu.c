/* SPDX-License-Identifier: MIT */
/*
 * "emu" backend: arm64 guests on Unicorn 2.0.1 (QEMU 5 TCG as a library),
 * on any host. For firmware and bare-metal guests (U-Boot), not Linux.
 * This file has the engine, the board's mapping into it, the hooks, the
 * run loop and the backend operations; emu-replay.c finds the instruction
 * behind an access Unicorn stopped on and replays ROM/flash stores
 * (private declarations in emu.h).
 *
 * What it does, and why (facts measured with Debian's libunicorn 2.0.1,
 * see docs/backends.md):
 *  - Start state as QEMU 7.2 gives a -bios boot: non-secure EL1h, DAIF
 *    masked, PC = boot.pc, x0..x3 = boot.x, everything else zero. Unicorn
 *    starts in secure EL1 with no API that switches security state, and it
 *    caches PSTATE-derived flags that register writes do not refresh. So we
 *    set SCR_EL3 = NS|HCE|RW (0x501), HCR_EL2.RW, CNTHCTL_EL2 = EL1PCEN|
 *    EL1PCTEN (else counter reads trap to EL2), and run "eret; wfi" from a
 *    scratch page outside the board's map with ELR_EL1 = the wfi and
 *    SPSR_EL1 = EL1h|DAIF (0x3c5): the eret recomputes the flags, the wfi
 *    hands control back. The page is then unmapped and ELR/SPSR zeroed.
 *  - Memory: RAM mapped on the board's host memory (uc_mem_map_ptr, no
 *    copy); ROM and flash banks in read-array ("romd") mode the same way
 *    but read+exec only, so firmware executes in place. Device regions are
 *    uc_mmio_map windows (page-granular; regions sharing a page share a
 *    window) whose callbacks dispatch through vmb_region_access() (device
 *    lock, queue notifiers), as vCPU 0.
 *    No UC_HOOK_MEM_READ/WRITE hook is installed anywhere: any such hook
 *    puts every guest access on the slow path (crc32 of 256 MiB: 1.4 s ->
 *    4.5 s), and with 2.0.1 it does not even make the PC precise.
 *  - Unicorn reports a faulting access with the PC of the start of the
 *    translation block, after it has executed the instructions before the
 *    access, and resuming there would run them twice; uc_emu_stop() called
 *    from a callback has the same effect. Hence:
 *      * a write to ROM or to a flash bank in romd mode stops emulation
 *        (UC_ERR_WRITE_PROT, store not done); emu-replay.c finds the store
 *        by decoding (capstone) the straight-line code from the reported
 *        PC to the first store whose address and data, computed from the
 *        current registers, are the ones the hook saw, then replays it
 *        through the board (ROM: ignored; flash: the device, which may
 *        leave romd mode), applies its base-register writeback and
 *        resumes after it;
 *      * a flash bank leaving romd mode is remapped as MMIO there, outside
 *        the emulator; one returning to romd mode from inside a callback is
 *        remapped at the next stop (its reads are served from memory by
 *        the MMIO path meanwhile; an instruction fetch from it stops
 *        emulation precisely and triggers the remap);
 *      * faults are located the same way for the crash report;
 *      * a stop from inside a callback is only made when the machine stops
 *        for good (fault, power-off, reset), where the rerun is moot.
 *  - HVC and SMC (exceptions 11 and 13, PC already past the instruction)
 *    go to vmb_board_hypercall(): x0..x7 in, x0..x3 out, x0 = -1 if nobody
 *    handles the call (SMCCC NOT_SUPPORTED).
 *  - Other exceptions (SVC, BRK, undefined instruction, aborts) are not
 *    delivered to the guest's VBAR_EL1 by Unicorn: they stop the machine
 *    with VMB_STOP_FAULT. There is no API to raise an interrupt, so device
 *    interrupt lines are ignored; WFI returns from uc_emu_start() and is
 *    treated as a 1 ms pause. Memory checks use the virtual address (VA
 *    must equal PA, as in firmware with the MMU off or identity-mapped).
 *  - A stop request from another thread (C-a x, signals) calls
 *    uc_emu_stop() from a small kicker thread until the run loop has seen
 *    it: a stop that lands between two uc_emu_start() calls is otherwise
 *    lost.
 *  - Reset (PSCI SYSTEM_RESET): the engine is closed and opened again
 *    (about 1 ms, then code is translated afresh), the only way to get
 *    every system register and the translation cache back to power-on.
 *    Guest memory (RAM, flash) lives in the board, so nothing is lost.
 *  - Speed: Unicorn 2.0.1 never marks RAM dirty, so every guest store to
 *    RAM takes the softmmu slow path (notdirty_write, which allocates a
 *    tree per store): store-heavy code runs about 10x slower than QEMU 7.2
 *    TCG. Nothing outside the library avoids it; U-Boot's 16 MiB heap
 *    memset is most of its time to the prompt (docs/backends.md).
 *  - --trace insn (debug/trace.h): a UC_HOOK_CODE hook records each
 *    instruction before it runs; installed only under that option, since
 *    it makes Unicorn call out per instruction (U-Boot ~1.3x slower to
 *    its prompt, bench/trace.sh).
 *  - Device accesses wider than 4 bytes reach the device as 4-byte halves,
 *    low address first (Unicorn's MMIO regions); replayed stores do the
 *    same, so a device sees one behaviour. One that crosses a page reaches
 *    the board as two accesses of half its width, low address first:
 *    Unicorn would deliver it in bytes or aligned blocks, which the window
 *    callbacks catch (vmb_emu_split_access).
 */
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch/arm64/image.h"
#include "debug/trace.h"
#include "hv/emu.h"
#include "util/bytes.h"
#include "util/deadline.h"
#include "util/file.h"

#define PAGE_SIZE 0x1000ull
#define PAGE_MASK (~(PAGE_SIZE - 1))

/* Exception numbers Unicorn passes to UC_HOOK_INTR (QEMU target/arm/cpu.h). */
enum {
	EXC_UDEF = 1,
	EXC_SVC = 2,
	EXC_PREFETCH_ABORT = 3,
	EXC_DATA_ABORT = 4,
	EXC_IRQ = 5,
	EXC_FIQ = 6,
	EXC_BKPT = 7,
	EXC_HVC = 11,
	EXC_HYP_TRAP = 12,
	EXC_SMC = 13,
	EXC_VIRQ = 14,
	EXC_VFIQ = 15,
	EXC_SEMIHOST = 16,
	EXC_UNALIGNED = 22,
};

#define A64_WFI 0xd503207fu
#define A64_ERET 0xd69f03e0u

/* Start state, Arm ARM D13.2 (SCR_EL3, HCR_EL2, CNTHCTL_EL2) and C5.2.18
 * (SPSR_EL1): NS | HCE | RW; EL1 is AArch64; EL1 may use the physical
 * counter and timer; EL1h with D, A, I, F masked. */
#define START_SCR_EL3 0x501ull
#define START_HCR_EL2 (1ull << 31)
#define START_CNTHCTL_EL2 0x3ull
#define START_SPSR 0x3c5ull

/* The last page of a 40-bit physical space: reachable with every CPU model
 * Unicorn offers (Cortex-A53: 40-bit PARange), and above the virt board. */
#define SCRATCH_TOP ((1ull << 40) - PAGE_SIZE)

/* uc_emu_start()'s "until": an address no A64 PC can have (0, the natural
 * "none", would stop firmware that starts at address 0). */
#define UNTIL_NEVER 1ull

/* A system register as Unicorn's UC_ARM64_REG_CP_REG names it. */
struct sysreg {
	const char *name;
	uint8_t op0, op1, crn, crm, op2;
};

static const struct sysreg SCR_EL3 = { "scr_el3", 3, 6, 1, 1, 0 };
static const struct sysreg HCR_EL2 = { "hcr_el2", 3, 4, 1, 1, 0 };
static const struct sysreg CNTHCTL_EL2 = { "cnthctl", 3, 4, 14, 1, 0 };
static const struct sysreg SPSR_EL1 = { "spsr", 3, 0, 4, 0, 0 };
static const struct sysreg ELR_EL1 = { "elr_el1", 3, 0, 4, 0, 1 };

/* One uc_mmio_map()ed span of whole pages. */
struct vmb_emu_window {
	struct vmb_emu *e;
	uint64_t base, size;
	struct vmb_region *only; /* the single region in it, or NULL */
};

/* ---- small helpers ------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sysreg_get(uc_engine *uc, const struct sysreg *s, uint64_t *v)
{
	uc_arm64_cp_reg c = { .crn = s->crn, .crm = s->crm, .op0 = s->op0,
			      .op1 = s->op1, .op2 = s->op2 };

	if (uc_reg_read(uc, UC_ARM64_REG_CP_REG, &c) != UC_ERR_OK)
		return -1;
	*v = c.val;
	return 0;
}

static int sysreg_set(uc_engine *uc, const struct sysreg *s, uint64_t v)
{
	uc_arm64_cp_reg c = { .crn = s->crn, .crm = s->crm, .op0 = s->op0,
			      .op1 = s->op1, .op2 = s->op2, .val = v };

	return uc_reg_write(uc, UC_ARM64_REG_CP_REG, &c) == UC_ERR_OK ? 0 : -1;
}

static struct vmb_emu *emu_of(struct vmb_vm *vm)
{
	return vm->priv;
}

bool vmb_emu_mmu_on(struct vmb_emu *e)
{
	static const struct sysreg SCTLR_EL1 = { "sctlr", 3, 0, 1, 0, 0 };
	uint64_t v;

	return !sysreg_get(e->uc, &SCTLR_EL1, &v) && (v & 1);
}

/* ---- board checks -------------------------------------------------------- */

static bool page_aligned(uint64_t gpa, uint64_t size)
{
	return !(gpa & ~PAGE_MASK) && !(size & ~PAGE_MASK);
}

static int cpu_model(const char *name, int *model)
{
	static const struct { const char *name; int model; } models[] = {
		{ "cortex-a57", UC_CPU_ARM64_A57 },
		{ "cortex-a53", UC_CPU_ARM64_A53 },
		{ "cortex-a72", UC_CPU_ARM64_A72 },
		{ "max", UC_CPU_ARM64_MAX },
	};

	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (!name || !strcmp(name, models[i].name)) {
			*model = models[i].model;
			return 0;
		}
	return -1;
}

/* A Linux arm64 Image booted directly: the kernel needs its timer
 * interrupt and exceptions taken to VBAR_EL1, neither of which the emu
 * backend can deliver, and it turns on the MMU (Unicorn checks accesses
 * by VA). Refuse before starting rather than crash mid-boot. */
static int linux_image(const struct vmb_board *b, struct vmb_err *err)
{
	const struct vmb_boot_spec *bs = &b->spec->boot;
	uint8_t hdr[VMB_ARM64_IMAGE_HDR_SIZE];
	struct vmb_arm64_image img;
	struct vmb_err ignore;
	uint64_t size;
	int fd, rc;

	if (!bs->kernel || bs->firmware)
		return 0;
	fd = vmb_file_open(bs->kernel, &bs->kernel_loc, &size, &ignore);
	if (fd < 0)
		return 0; /* the boot protocol reports it */
	rc = size >= sizeof(hdr) &&
	     !vmb_file_read_fd(fd, bs->kernel, hdr, sizeof(hdr), NULL, &ignore) &&
	     vmb_arm64_image_parse(hdr, sizeof(hdr), size, bs->kernel, &img,
				   &ignore) == 1;
	close(fd);
	if (!rc)
		return 0;
	return vmb_errf(err, &bs->kernel_loc, "the emu backend cannot boot Linux: "
			"this kernel is a Linux arm64 Image, which needs "
			"interrupts (timer, GIC) and exceptions delivered to its "
			"vector table, and Unicorn gives neither; use --accel kvm "
			"on an arm64 Linux host");
}

static int emu_probe(const struct vmb_board *b, struct vmb_err *err)
{
	int model;

	if (b->arch != VMB_ARCH_ARM64)
		return vmb_errf(err, NULL, "the emu backend runs arm64 guests only, "
				"'%s' is %s", b->spec->name, vmb_arch_name(b->arch));
	if (b->ncpus != 1)
		return vmb_errf(err, &b->spec->cpus_count_loc, "the emu backend runs one "
				"vCPU, '%s' has %u; set cpus.count: 1 or use "
				"--accel kvm", b->spec->name, b->ncpus);
	if (linux_image(b, err))
		return -1;
	if (cpu_model(b->spec->cpu_model, &model))
		return vmb_errf(err, &b->spec->cpus_model_loc, "the emu backend models "
				"cortex-a53, cortex-a57, cortex-a72 and max, not "
				"'%s'", b->spec->cpu_model);
	for (unsigned i = 0; i < b->map.n; i++) {
		const struct vmb_region *r = b->map.r[i];

		if (r->host && !page_aligned(r->gpa, r->size))
			return vmb_errf(err, &r->loc, "the emu backend maps memory "
					"in 4 KiB pages: '%s' (0x%llx, %llu bytes) is "
					"not page-aligned", r->name,
					(unsigned long long)r->gpa,
					(unsigned long long)r->size);
	}
	return 0;
}

/* ---- device windows ------------------------------------------------------ */

/* The region owning [gpa, gpa+size), or NULL; w->only avoids the search for
 * the common one-device window (PL011 FR polling). */
static struct vmb_region *window_region(struct vmb_emu_window *w, uint64_t gpa,
					unsigned size)
{
	struct vmb_region *r = w->only;

	if (!r || gpa - r->gpa >= r->size)
		r = vmb_addrmap_find(&w->e->b->map, gpa);
	if (!r || r->kind != VMB_REGION_MMIO || gpa - r->gpa + size > r->size)
		return NULL;
	return r;
}

/* An access inside a device window that no region owns: a fault, stopped
 * at once (the PC is fixed up by vmb_emu_fault_data()). */
static void window_fault(struct vmb_emu_window *w, uc_engine *uc,
			 uc_mem_type type, uint64_t gpa, unsigned size,
			 uint64_t val)
{
	struct vmb_emu *e = w->e;

	if (e->mmio_fault)
		return;
	e->mmio_fault = true;
	e->acc = (struct vmb_emu_access){ true, type, gpa, size, val };
	uc_emu_stop(uc);
}

static uint64_t window_read(uc_engine *uc, uint64_t off, unsigned size, void *opaque)
{
	struct vmb_emu_window *w = opaque;
	uint64_t gpa = w->base + off, v;
	struct vmb_region *r;
	struct vmb_access a = { .cpu = 0, .addr = gpa, .size = size };

	if (vmb_emu_split_access(w->e, false, gpa, size, &v))
		return v;
	r = window_region(w, gpa, size);
	if (!r) {
		window_fault(w, uc, UC_MEM_READ_UNMAPPED, gpa, size, 0);
		return 0;
	}
	if (r->hv_data)
		((struct vmb_emu_rstat *)r->hv_data)->reads++;
	/* Also serves a flash bank back in read-array mode, not yet remapped
	 * as memory, from its host memory. */
	vmb_region_access(w->e->b, r, &a);
	return a.val & vmb_emu_size_mask(size);
}

static void window_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t val,
			 void *opaque)
{
	struct vmb_emu_window *w = opaque;
	uint64_t gpa = w->base + off;
	struct vmb_region *r;
	struct vmb_access a = { .cpu = 0, .write = true, .addr = gpa, .size = size };

	if (vmb_emu_split_access(w->e, true, gpa, size, &val))
		return;
	r = window_region(w, gpa, size);
	if (!r) {
		window_fault(w, uc, UC_MEM_WRITE_UNMAPPED, gpa, size, val);
		return;
	}
	if (r->hv_data)
		((struct vmb_emu_rstat *)r->hv_data)->writes++;
	a.val = val & vmb_emu_size_mask(size);
	vmb_region_access(w->e->b, r, &a);
}

/* Device regions without host memory, grouped into page-granular windows:
 * regions that share a page share a window. Called on every engine open;
 * the map does not change while the board lives. */
static void build_windows(struct vmb_emu *e)
{
	const struct vmb_addrmap *m = &e->b->map;
	struct vmb_emu_window *cur = NULL;

	free(e->win);
	free(e->romd_win);
	e->win = vmb_zalloc((m->n ? m->n : 1) * sizeof(*e->win));
	e->romd_win = vmb_zalloc((m->n ? m->n : 1) * sizeof(*e->romd_win));
	e->nwin = e->nromd = 0;
	for (unsigned i = 0; i < m->n; i++) {
		struct vmb_region *r = m->r[i];
		uint64_t lo, hi;

		if (r->kind != VMB_REGION_MMIO)
			continue;
		if (r->host) {
			/* whole pages (emu_probe), mapped as memory or as
			 * this window as its romd flag says */
			e->romd_win[e->nromd++] = (struct vmb_emu_window){
				e, r->gpa, r->size, r };
			continue;
		}
		lo = r->gpa & PAGE_MASK;
		hi = (r->gpa + r->size + PAGE_SIZE - 1) & PAGE_MASK;
		if (cur && lo < cur->base + cur->size) {
			if (hi > cur->base + cur->size)
				cur->size = hi - cur->base;
			cur->only = NULL;
			continue;
		}
		cur = &e->win[e->nwin++];
		*cur = (struct vmb_emu_window){ e, lo, hi - lo, r };
	}
}

/* ---- engine -------------------------------------------------------------- */

/* Map a romd-capable region as memory (romd) or as a device window. */
static int map_romd(struct vmb_emu *e, struct vmb_region *r)
{
	struct vmb_emu_rstat *st = r->hv_data;
	uc_err rc;

	if (r->romd) {
		rc = uc_mem_map_ptr(e->uc, r->gpa, r->size, UC_PROT_READ | UC_PROT_EXEC,
				    r->host);
	} else {
		struct vmb_emu_window *w = NULL;

		for (unsigned i = 0; i < e->nromd; i++)
			if (e->romd_win[i].only == r)
				w = &e->romd_win[i];
		if (!w)
			return -1;
		rc = uc_mmio_map(e->uc, r->gpa, r->size, window_read, w,
				 window_write, w);
	}
	if (st)
		st->as_rom = r->romd;
	return rc == UC_ERR_OK ? 0 : -1;
}

static int remap_romd(struct vmb_emu *e, struct vmb_region *r)
{
	if (uc_mem_unmap(e->uc, r->gpa, r->size) != UC_ERR_OK)
		return -1;
	e->remaps++;
	return map_romd(e, r);
}

/* Bring every romd-capable region's mapping in line with its flag. */
static int sync_romd(struct vmb_emu *e)
{
	const struct vmb_addrmap *m = &e->b->map;

	e->remap_pending = false;
	for (unsigned i = 0; i < m->n; i++) {
		struct vmb_region *r = m->r[i];
		struct vmb_emu_rstat *st = r->hv_data;

		if (r->kind == VMB_REGION_MMIO && r->host && st &&
		    st->as_rom != r->romd && remap_romd(e, r))
			return -1;
	}
	return 0;
}

static bool hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
			  int64_t val, void *opaque)
{
	struct vmb_emu *e = opaque;

	e->acc = (struct vmb_emu_access){ true, type, addr, (unsigned)size,
				      (uint64_t)val };
	return false;
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *opaque)
{
	struct vmb_emu *e = opaque;
	uint64_t x[8];

	if (intno == EXC_HVC || intno == EXC_SMC) {
		e->hypercalls++;
		for (unsigned i = 0; i < 8; i++)
			x[i] = vmb_emu_reg_get(uc, vmb_emu_xreg_id(i));
		if (vmb_board_hypercall(e->b, 0, x)) {
			e->hvc_unknown++;
			vmb_emu_reg_set(uc, vmb_emu_xreg_id(0), (uint64_t)-1);
			return;
		}
		for (unsigned i = 0; i < 4; i++)
			vmb_emu_reg_set(uc, vmb_emu_xreg_id(i), x[i]);
		return;
	}
	/* Anything else would go to the guest's vector table, which Unicorn
	 * does not do: stop here (this runs between blocks, so the PC is
	 * exact). SVC reports the PC after the instruction. */
	e->exc_fault = true;
	e->exc = intno;
	e->exc_pc = vmb_emu_pc(e) - (intno == EXC_SVC ? 4 : 0);
	uc_emu_stop(uc);
}

/*
 * --trace insn: called before each instruction (UC_HOOK_CODE, installed
 * only while tracing: it makes Unicorn call out per instruction). The
 * encoding is copied from the board's memory at the PC (Unicorn's view:
 * VA = PA) through a cached region, so most calls do no lookup.
 */
static void hook_code(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct vmb_emu *e = opaque;
	const uint8_t *p = NULL;

	if (addr - e->code_gpa > e->code_size - 4 || e->code_size < 4) {
		struct vmb_region *r = vmb_addrmap_find(&e->b->map, addr);

		e->code_gpa = e->code_size = 0;
		if (r && r->host && r->size >= 4) {
			e->code_gpa = r->gpa;
			e->code_size = r->size;
			e->code_host = r->host;
		}
	}
	if (e->code_size >= 4 && addr - e->code_gpa <= e->code_size - 4)
		p = e->code_host + (addr - e->code_gpa);
	vmb_insn_ring_add(&e->vm->insn_trace->cpu[0], addr, p, 4);
}

static void engine_close(struct vmb_emu *e)
{
	pthread_mutex_lock(&e->uc_lock);
	if (e->uc)
		uc_close(e->uc);
	e->uc = NULL;
	e->dbg.nhook = 0;       /* the hooks went with the engine */
	pthread_mutex_unlock(&e->uc_lock);
}

static int uc_fail(struct vmb_err *err, const char *what, uint64_t a, uc_err rc)
{
	return vmb_errf(err, NULL, "emu: %s 0x%llx: %s", what,
			(unsigned long long)a, uc_strerror(rc));
}

static int map_board(struct vmb_emu *e, struct vmb_err *err)
{
	const struct vmb_addrmap *m = &e->b->map;
	uc_err rc;

	build_windows(e);
	for (unsigned i = 0; i < m->n; i++) {
		struct vmb_region *r = m->r[i];

		switch (r->kind) {
		case VMB_REGION_RAM:
			rc = uc_mem_map_ptr(e->uc, r->gpa, r->size, UC_PROT_ALL,
					    r->host);
			if (rc)
				return uc_fail(err, "cannot map RAM at", r->gpa, rc);
			break;
		case VMB_REGION_ROM:
			rc = uc_mem_map_ptr(e->uc, r->gpa, r->size,
					    UC_PROT_READ | UC_PROT_EXEC, r->host);
			if (rc)
				return uc_fail(err, "cannot map ROM at", r->gpa, rc);
			break;
		case VMB_REGION_MMIO:
			if (r->host && map_romd(e, r))
				return vmb_errf(err, NULL, "emu: cannot map flash '%s' "
						"at 0x%llx", r->name,
						(unsigned long long)r->gpa);
			break;
		}
	}
	for (unsigned i = 0; i < e->nwin; i++) {
		struct vmb_emu_window *w = &e->win[i];

		rc = uc_mmio_map(e->uc, w->base, w->size, window_read, w,
				 window_write, w);
		if (rc)
			return uc_fail(err, "cannot map device window at", w->base, rc);
	}
	return 0;
}

/* Non-secure EL1h with the flags Unicorn caches recomputed: see the top of
 * the file. Leaves no trace in guest memory or EL1 registers. */
static int enter_el1(struct vmb_emu *e, struct vmb_err *err)
{
	const uint32_t stub[2] = { A64_ERET, A64_WFI };
	uint64_t pc, pstate;
	uc_err rc;

	rc = uc_mem_map(e->uc, e->scratch, PAGE_SIZE, UC_PROT_ALL);
	if (rc)
		return uc_fail(err, "cannot map the start-up page at", e->scratch, rc);
	uc_mem_write(e->uc, e->scratch, stub, sizeof(stub));
	if (sysreg_set(e->uc, &SCR_EL3, START_SCR_EL3) ||
	    sysreg_set(e->uc, &HCR_EL2, START_HCR_EL2) ||
	    sysreg_set(e->uc, &CNTHCTL_EL2, START_CNTHCTL_EL2) ||
	    sysreg_set(e->uc, &ELR_EL1, e->scratch + 4) ||
	    sysreg_set(e->uc, &SPSR_EL1, START_SPSR)) {
		uc_mem_unmap(e->uc, e->scratch, PAGE_SIZE);
		return vmb_errf(err, NULL, "emu: cannot set the EL2/EL3 controls");
	}
	rc = uc_emu_start(e->uc, e->scratch, UNTIL_NEVER, 0, 0);
	pc = vmb_emu_pc(e);
	pstate = vmb_emu_reg_get(e->uc, UC_ARM64_REG_PSTATE);
	uc_mem_unmap(e->uc, e->scratch, PAGE_SIZE);
	if (rc || e->exc_fault || pc != e->scratch + 8 ||
	    (pstate & 0x3cf) != START_SPSR) {
		e->exc_fault = false;
		return vmb_errf(err, NULL, "emu: cannot enter non-secure EL1 (%s, pc "
				"0x%llx, pstate 0x%llx)", uc_strerror(rc),
				(unsigned long long)pc, (unsigned long long)pstate);
	}
	sysreg_set(e->uc, &ELR_EL1, 0);
	sysreg_set(e->uc, &SPSR_EL1, 0);
	return 0;
}

static int engine_open(struct vmb_emu *e, struct vmb_err *err)
{
	uc_engine *uc;
	uc_hook h;
	int model;
	uc_err rc;

	rc = uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc);
	if (rc)
		return vmb_errf(err, NULL, "emu: uc_open: %s", uc_strerror(rc));
	cpu_model(e->b->spec->cpu_model, &model);
	rc = uc_ctl_set_cpu_model(uc, model);
	if (rc) {
		uc_close(uc);
		return vmb_errf(err, NULL, "emu: cannot select CPU model '%s': %s",
				e->b->spec->cpu_model, uc_strerror(rc));
	}
	pthread_mutex_lock(&e->uc_lock);
	e->uc = uc;
	pthread_mutex_unlock(&e->uc_lock);
	if (map_board(e, err))
		return -1;
	if (uc_hook_add(uc, &h, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT,
			(void *)hook_unmapped, e, 1, 0) ||
	    uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)hook_intr, e, 1, 0))
		return vmb_errf(err, NULL, "emu: cannot install hooks");
	if (vmb_emu_clock_install(e, err) || enter_el1(e, err))
		return -1;
	/* After the start-up stub, which is not the guest's. */
	if (e->vm->insn_trace &&
	    uc_hook_add(uc, &h, UC_HOOK_CODE, (void *)hook_code, e, 1, 0))
		return vmb_errf(err, NULL, "emu: cannot install the --trace insn "
				"hook");
	/* after the start-up stub too, which must not stop on them */
	return vmb_emu_debug_install(e, err);
}

/* Lowest-risk place for the start-up stub: the highest free page of a
 * 40-bit space. */
static uint64_t pick_scratch(const struct vmb_board *b)
{
	uint64_t p = SCRATCH_TOP;
	bool moved = true;

	while (moved && p) {
		moved = false;
		for (unsigned i = 0; i < b->map.n; i++) {
			const struct vmb_region *r = b->map.r[i];

			if (r->gpa < p + PAGE_SIZE && p < r->gpa + r->size) {
				p = r->gpa >= PAGE_SIZE ?
				    (r->gpa & PAGE_MASK) - PAGE_SIZE : 0;
				moved = true;
			}
		}
	}
	return p;
}

/* ---- board hooks --------------------------------------------------------- */

static void emu_set_irq(void *opaque, uint32_t irq, int level)
{
	struct vmb_emu *e = opaque;

	__atomic_fetch_add(&e->irqs, 1, __ATOMIC_RELAXED);
}

static void emu_region_changed(void *opaque, struct vmb_region *r)
{
	struct vmb_emu *e = opaque;
	struct vmb_emu_rstat *st = r->hv_data;

	if (!e->uc || !st || st->as_rom == r->romd)
		return;
	if (!e->in_emu) {
		if (remap_romd(e, r))
			vmb_board_request_stop(e->b, VMB_STOP_ERROR, "emu: cannot "
					       "remap flash '%s'", r->name);
		return;
	}
	/* Inside a device callback the mapping cannot change under the
	 * running block. Back to romd: reads are right meanwhile (served from
	 * memory by the window), remap at the next stop. Out of romd while
	 * mapped as memory can only come from an access to another region
	 * (a bank's own writes arrive through vmb_emu_replay_store(), outside
	 * the emulator), and stopping here would rerun the start of the
	 * block: refuse it plainly rather than run on with stale reads. */
	if (r->romd) {
		e->remap_pending = true;
		return;
	}
	vmb_board_request_stop(e->b, VMB_STOP_ERROR, "emu: '%s' left read-array "
			       "mode through another region's access, which the "
			       "emu backend cannot follow", r->name);
}

static void emu_kick(void *opaque)
{
	struct vmb_emu *e = opaque;

	pthread_mutex_lock(&e->uc_lock);
	e->kick_req = true;
	if (e->uc && e->in_emu && !vmb_emu_debug_precise(e))
		uc_emu_stop(e->uc);
	pthread_cond_signal(&e->kick_cond);
	pthread_mutex_unlock(&e->uc_lock);
	sem_post(&e->wake);
}

/* Repeats uc_emu_stop() every millisecond until the run loop has seen the
 * stop request (see the top of the file). */
static void *kicker_main(void *arg)
{
	struct vmb_emu *e = arg;

	pthread_mutex_lock(&e->uc_lock);
	while (!e->kicker_quit) {
		struct timespec ts;

		if (!e->kick_req) {
			pthread_cond_wait(&e->kick_cond, &e->uc_lock);
			continue;
		}
		if (e->uc && e->in_emu && !vmb_emu_debug_precise(e))
			uc_emu_stop(e->uc);
		ts = vmb_deadline_ms(1);
		pthread_cond_timedwait(&e->kick_cond, &e->uc_lock, &ts);
	}
	pthread_mutex_unlock(&e->uc_lock);
	return NULL;
}

/* ---- faults ------------------------------------------------------------- */

static const char *exception_name(uint32_t n)
{
	switch (n) {
	case EXC_UDEF: return "undefined instruction";
	case EXC_SVC: return "SVC (supervisor call)";
	case EXC_PREFETCH_ABORT: return "instruction abort";
	case EXC_DATA_ABORT: return "data abort";
	case EXC_IRQ: case EXC_VIRQ: return "IRQ";
	case EXC_FIQ: case EXC_VFIQ: return "FIQ";
	case EXC_BKPT: return "BRK (breakpoint)";
	case EXC_HYP_TRAP: return "trap to EL2";
	case EXC_SEMIHOST: return "semihosting call";
	case EXC_UNALIGNED: return "alignment fault";
	default: return NULL;
	}
}

static void fault_exception(struct vmb_emu *e)
{
	struct vmb_fault *f = &e->vm->fault;
	const char *name = exception_name(e->exc);
	char num[32];

	if (!name) {
		snprintf(num, sizeof(num), "CPU exception %u", e->exc);
		name = num;
	}
	memset(f, 0, sizeof(*f));
	vmb_emu_set_pc(e, e->exc_pc);
	snprintf(f->what, sizeof(f->what), "guest exception: %s at pc 0x%llx; the "
		 "emu backend cannot deliver exceptions to the guest's vector "
		 "table (VBAR_EL1) and Unicorn gives no syndrome (ESR/FAR); "
		 "use --accel kvm", name, (unsigned long long)e->exc_pc);
}

static void fault_fetch(struct vmb_emu *e, bool unmapped)
{
	uint64_t pc = e->acc.valid ? e->acc.addr : vmb_emu_pc(e);
	struct vmb_region *r = vmb_addrmap_find(&e->b->map, pc);

	e->acc = (struct vmb_emu_access){ true, unmapped ? UC_MEM_FETCH_UNMAPPED :
					  UC_MEM_FETCH_PROT, pc, 4, 0 };
	vmb_emu_set_pc(e, pc);
	if (unmapped)
		vmb_emu_set_fault(e, true, "instruction fetch from unmapped "
				  "address 0x%llx", (unsigned long long)pc);
	else if (r && r->kind == VMB_REGION_MMIO)
		vmb_emu_set_fault(e, true, "instruction fetch from device region "
				  "'%s' at 0x%llx: the emu backend executes code "
				  "only from RAM, ROM and flash in read-array mode",
				  r->name, (unsigned long long)pc);
	else
		vmb_emu_set_fault(e, true, "instruction fetch from non-executable "
				  "address 0x%llx", (unsigned long long)pc);
}

/* ---- backend operations -------------------------------------------------- */

static void emu_destroy(struct vmb_vm *vm);
static void emu_run_body(void *arg);
static int emu_call_open(struct vmb_emu *e, struct vmb_err *err);

static void close_on_thread(void *arg)
{
	engine_close(arg);
}

static int emu_create(struct vmb_vm *vm, struct vmb_err *err)
{
	struct vmb_board *b = vm->board;
	struct vmb_emu *e;

	if (emu_probe(b, err))
		return -1;
	e = vmb_zalloc(sizeof(*e));
	e->vm = vm;
	e->b = b;
	vm->priv = e;
	pthread_mutex_init(&e->uc_lock, NULL);
	pthread_cond_init(&e->kick_cond, NULL);
	sem_init(&e->wake, 0, 0);
	e->scratch = pick_scratch(b);
	for (unsigned i = 0; i < b->map.n; i++) {
		struct vmb_region *r = b->map.r[i];

		if (r->kind == VMB_REGION_MMIO)
			r->hv_data = vmb_zalloc(sizeof(struct vmb_emu_rstat));
	}
	if (vmb_vcpu_thread_start(&e->t, 0, emu_run_body, emu_kick, e, err)) {
		emu_destroy(vm);
		return -1;
	}
	if (emu_call_open(e, err)) {
		emu_destroy(vm);
		return -1;
	}
	if (pthread_create(&e->kicker, NULL, kicker_main, e)) {
		emu_destroy(vm);
		return vmb_errf(err, NULL, "emu: cannot start a thread: %s",
				strerror(errno));
	}
	e->kicker_started = true;
	pthread_mutex_lock(&b->lock);
	b->hv.opaque = e;
	b->hv.set_irq = emu_set_irq;
	b->hv.region_changed = emu_region_changed;
	b->hv.kick = emu_kick;
	if (e->vclock)
		b->hv.clock_ns = vmb_emu_clock_ns;
	pthread_mutex_unlock(&b->lock);
	/* No kernel fds: lines use set_irq, notifiers the board's dispatch. */
	vmb_board_attach_hv(b);
	return 0;
}

struct emu_call {
	struct vmb_emu *e;
	struct vmb_err *err;
	int rc;
};

static void open_on_thread(void *arg)
{
	struct emu_call *c = arg;

	c->rc = engine_open(c->e, c->err);
}

/* The engine is made on the vCPU thread, where it will run. */
static int emu_call_open(struct vmb_emu *e, struct vmb_err *err)
{
	struct emu_call c = { e, err, 0 };

	vmb_vcpu_thread_call(&e->t, open_on_thread, &c);
	return c.rc;
}

static void reset_on_thread(void *arg)
{
	struct emu_call *c = arg;
	struct vmb_emu *e = c->e;
	struct vmb_vm *vm = e->vm;

	/* A fresh engine: every system register, the TLB and the translation
	 * cache at power-on (a few ms; see the top of the file). */
	engine_close(e);
	memset(&e->acc, 0, sizeof(e->acc));
	e->exc_fault = e->mmio_fault = e->remap_pending = false;
	c->rc = engine_open(e, c->err);
	if (c->rc)
		return;
	for (unsigned i = 0; i < 31; i++)
		vmb_emu_reg_set(e->uc, vmb_emu_xreg_id(i),
				i < 4 ? vm->boot.x[i] : 0);
	vmb_emu_reg_set(e->uc, UC_ARM64_REG_SP, 0);
	vmb_emu_set_pc(e, vm->boot.pc);
}

static int emu_reset(struct vmb_vm *vm, struct vmb_err *err)
{
	struct vmb_emu *e = emu_of(vm);
	struct emu_call c = { e, err, 0 };

	vmb_vcpu_thread_call(&e->t, reset_on_thread, &c);
	return c.rc;
}

/* A WFI with nothing able to wake it (no interrupts here): pause 1 ms so a
 * guest idling in a WFI loop does not spin, and look at stop requests and
 * console input again. */
static void wfi_pause(struct vmb_emu *e)
{
	struct timespec ts = { 0, 1000000 };
	uint64_t pc = vmb_emu_pc(e);
	const uint8_t *p = pc >= 4 ? vmb_board_gpa_ptr(e->b, pc - 4, 4) : NULL;

	if (!p || vmb_get_le(p, 4) != A64_WFI)
		return;
	e->wfis++;
	vmb_emu_clock_wfi(e);
	if (!e->b->stop)
		nanosleep(&ts, NULL);
}

static void stop_fault(struct vmb_emu *e)
{
	e->vm->fault.cpu = 0;
	vmb_board_request_stop(e->b, VMB_STOP_FAULT, NULL);
}

/* Run body of the vCPU thread: emulate until the board stops or the
 * thread is asked to pause. */
static void emu_run_body(void *arg)
{
	struct vmb_emu *e = arg;
	struct vmb_board *b = e->b;

	/* A kick that outlived the previous run (vmb_vcpu_thread_pause kicks
	 * until the body has returned) is stale: the loop condition below
	 * sees every request made since. */
	pthread_mutex_lock(&e->uc_lock);
	e->kick_req = false;
	pthread_mutex_unlock(&e->uc_lock);
	while (!b->stop && !vmb_vcpu_should_pause(&e->t)) {
		uint64_t pc;
		uc_err rc;
		double t0;

		if (e->remap_pending && sync_romd(e)) {
			vmb_board_request_stop(b, VMB_STOP_ERROR, "emu: cannot remap "
					       "a flash bank");
			break;
		}
		e->acc.valid = false;
		pc = vmb_emu_pc(e);
		vmb_emu_debug_arm(e, pc);
		pthread_mutex_lock(&e->uc_lock);
		e->in_emu = true;
		pthread_mutex_unlock(&e->uc_lock);
		t0 = now_s();
		rc = uc_emu_start(e->uc, pc, UNTIL_NEVER, 0, 0);
		e->guest_s += now_s() - t0;
		e->starts++;
		pthread_mutex_lock(&e->uc_lock);
		e->in_emu = false;
		pthread_mutex_unlock(&e->uc_lock);

		if (e->exc_fault) {
			e->exc_fault = false;
			fault_exception(e);
			stop_fault(e);
			break;
		}
		if (e->mmio_fault) {
			e->mmio_fault = false;
			vmb_emu_fault_data(e);
			stop_fault(e);
			break;
		}
		/* a debugger's breakpoint, watchpoint or step (emu-debug.c) */
		if (vmb_emu_debug_stopped(e, false))
			break;
		switch (rc) {
		case UC_ERR_OK:
			if (!b->stop)
				wfi_pause(e);
			break;
		case UC_ERR_WRITE_PROT:
			switch (vmb_emu_replay_store(e)) {
			case 0:
				break;
			case 1:
				stop_fault(e);
				break;
			default: {
				struct vmb_region *r = vmb_addrmap_find(&b->map,
									e->acc.addr);

				vmb_emu_set_fault(e, false, "write to read-only '%s' "
						  "at 0x%llx by an instruction the emu "
						  "backend cannot replay",
						  r ? r->name : "?",
						  (unsigned long long)e->acc.addr);
				stop_fault(e);
				break;
			}
			}
			break;
		case UC_ERR_FETCH_PROT: {
			struct vmb_region *r = vmb_addrmap_find(&b->map,
								vmb_emu_pc(e));
			struct vmb_emu_rstat *st = r ? r->hv_data : NULL;

			/* A flash bank back in read-array mode whose remap was
			 * deferred: the fetch stopped exactly, remap and go on. */
			if (r && r->kind == VMB_REGION_MMIO && r->host && r->romd &&
			    st && !st->as_rom) {
				e->remap_pending = true;
				break;
			}
			fault_fetch(e, false);
			stop_fault(e);
			break;
		}
		case UC_ERR_READ_UNMAPPED:
		case UC_ERR_WRITE_UNMAPPED:
		case UC_ERR_READ_PROT:
			vmb_emu_fault_data(e);
			stop_fault(e);
			break;
		case UC_ERR_FETCH_UNMAPPED:
			fault_fetch(e, true);
			stop_fault(e);
			break;
		case UC_ERR_INSN_INVALID:
		case UC_ERR_EXCEPTION:
			e->exc = EXC_UDEF;
			e->exc_pc = vmb_emu_pc(e);
			fault_exception(e);
			stop_fault(e);
			break;
		default:
			vmb_board_request_stop(b, VMB_STOP_ERROR, "emu: Unicorn "
					       "stopped at pc 0x%llx: %s",
					       (unsigned long long)
					       vmb_emu_pc(e),
					       uc_strerror(rc));
			break;
		}
		/* a step that ended with a WFI, a replayed store, ... */
		if (!b->stop && vmb_emu_debug_stopped(e, true))
			break;
	}
	/* The stop has been seen: the kicker can rest. */
	pthread_mutex_lock(&e->uc_lock);
	e->kick_req = false;
	pthread_mutex_unlock(&e->uc_lock);
}

static enum vmb_stop_reason emu_run(struct vmb_vm *vm)
{
	struct vmb_emu *e = emu_of(vm);
	struct vmb_board *b = e->b;

	while (sem_trywait(&e->wake) == 0)
		;
	vmb_vcpu_thread_run(&e->t);
	while (!b->stop)
		sem_wait(&e->wake);
	vmb_vcpu_thread_pause(&e->t);
	return b->stop;
}

/* EL1 system registers of struct vmb_arm64_regs, as Unicorn names them. */
static const struct {
	struct sysreg r;
	size_t off;
} el1_regs[] = {
	{ { "elr_el1", 3, 0, 4, 0, 1 }, offsetof(struct vmb_arm64_regs, elr_el1) },
	{ { "spsr", 3, 0, 4, 0, 0 }, offsetof(struct vmb_arm64_regs, spsr_el1) },
	{ { "esr_el1", 3, 0, 5, 2, 0 }, offsetof(struct vmb_arm64_regs, esr_el1) },
	{ { "far_el1", 3, 0, 6, 0, 0 }, offsetof(struct vmb_arm64_regs, far_el1) },
	{ { "sctlr", 3, 0, 1, 0, 0 }, offsetof(struct vmb_arm64_regs, sctlr_el1) },
	{ { "tcr_el1", 3, 0, 2, 0, 2 }, offsetof(struct vmb_arm64_regs, tcr_el1) },
	{ { "ttbr0", 3, 0, 2, 0, 0 }, offsetof(struct vmb_arm64_regs, ttbr0_el1) },
	{ { "ttbr1", 3, 0, 2, 0, 1 }, offsetof(struct vmb_arm64_regs, ttbr1_el1) },
	{ { "vbar", 3, 0, 12, 0, 0 }, offsetof(struct vmb_arm64_regs, vbar_el1) },
	{ { "mair", 3, 0, 10, 2, 0 }, offsetof(struct vmb_arm64_regs, mair_el1) },
};

#define PSTATE_SP 1u          /* SPSel: SP_ELx, not SP_EL0 */
#define PSTATE_EL(p) (((p) >> 2) & 3)
#define PSTATE_NZCV 0xf0000000u

/* Unicorn's SP is the one in use; the banked copy of that one is stale. */
static bool sp_is_el1(uint64_t pstate)
{
	return (pstate & PSTATE_SP) && PSTATE_EL(pstate) == 1;
}

struct regs_call {
	struct vmb_emu *e;
	struct vmb_arm64_regs *r;
	int rc;
};

static void get_regs_on_thread(void *arg)
{
	struct regs_call *c = arg;
	uc_engine *uc = c->e->uc;
	struct vmb_arm64_regs *r = c->r;
	uint64_t sp = vmb_emu_reg_get(uc, UC_ARM64_REG_SP);

	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < 31; i++)
		r->x[i] = vmb_emu_reg_get(uc, vmb_emu_xreg_id(i));
	r->pc = vmb_emu_pc(c->e);
	r->pstate = vmb_emu_reg_get(uc, UC_ARM64_REG_PSTATE);
	r->sp_el0 = sp_is_el1(r->pstate) ? vmb_emu_reg_get(uc, UC_ARM64_REG_SP_EL0) : sp;
	r->sp_el1 = sp_is_el1(r->pstate) ? sp : vmb_emu_reg_get(uc, UC_ARM64_REG_SP_EL1);
	for (size_t i = 0; i < sizeof(el1_regs) / sizeof(el1_regs[0]); i++)
		if (sysreg_get(uc, &el1_regs[i].r,
			       (uint64_t *)((char *)r + el1_regs[i].off)))
			c->rc = -1;
	/* FP/SIMD for debuggers: Unicorn reads a V register as 16 bytes */
	for (unsigned i = 0; i < 32; i++)
		uc_reg_read(uc, UC_ARM64_REG_V0 + (int)i, r->v[i]);
	r->fpsr = (uint32_t)vmb_emu_reg_get(uc, UC_ARM64_REG_FPSR);
	r->fpcr = (uint32_t)vmb_emu_reg_get(uc, UC_ARM64_REG_FPCR);
	r->has_fp = true;
}

static void set_regs_on_thread(void *arg)
{
	struct regs_call *c = arg;
	uc_engine *uc = c->e->uc;
	const struct vmb_arm64_regs *r = c->r;
	uint64_t pstate = vmb_emu_reg_get(uc, UC_ARM64_REG_PSTATE);

	/* Unicorn caches flags derived from PSTATE that a register write does
	 * not refresh (see the top of the file): only NZCV may change. */
	if ((pstate ^ r->pstate) & ~(uint64_t)PSTATE_NZCV) {
		c->rc = -1;
		return;
	}
	for (unsigned i = 0; i < 31; i++)
		vmb_emu_reg_set(uc, vmb_emu_xreg_id(i), r->x[i]);
	vmb_emu_reg_set(uc, UC_ARM64_REG_PSTATE, r->pstate);
	vmb_emu_reg_set(uc, UC_ARM64_REG_SP, sp_is_el1(pstate) ? r->sp_el1 : r->sp_el0);
	vmb_emu_reg_set(uc, sp_is_el1(pstate) ? UC_ARM64_REG_SP_EL0 : UC_ARM64_REG_SP_EL1,
			sp_is_el1(pstate) ? r->sp_el0 : r->sp_el1);
	vmb_emu_set_pc(c->e, r->pc);
	for (size_t i = 0; i < sizeof(el1_regs) / sizeof(el1_regs[0]); i++)
		if (sysreg_set(uc, &el1_regs[i].r,
			       *(const uint64_t *)((const char *)r + el1_regs[i].off)))
			c->rc = -1;
	if (r->has_fp) {
		for (unsigned i = 0; i < 32; i++)
			uc_reg_write(uc, UC_ARM64_REG_V0 + (int)i, r->v[i]);
		vmb_emu_reg_set(uc, UC_ARM64_REG_FPSR, r->fpsr);
		vmb_emu_reg_set(uc, UC_ARM64_REG_FPCR, r->fpcr);
	}
}

static int emu_get_regs(struct vmb_vm *vm, unsigned cpu, struct vmb_regs *r)
{
	struct vmb_emu *e = emu_of(vm);
	struct regs_call c = { e, &r->arm64, 0 };

	if (!e || !e->uc || cpu != 0)
		return -1;
	r->arch = VMB_ARCH_ARM64;
	vmb_vcpu_thread_call(&e->t, get_regs_on_thread, &c);
	return c.rc;
}

static int emu_set_regs(struct vmb_vm *vm, unsigned cpu, const struct vmb_regs *r)
{
	struct vmb_emu *e = emu_of(vm);
	struct regs_call c = { e, (struct vmb_arm64_regs *)&r->arm64, 0 };

	if (!e || !e->uc || cpu != 0 || r->arch != VMB_ARCH_ARM64)
		return -1;
	vmb_vcpu_thread_call(&e->t, set_regs_on_thread, &c);
	return c.rc;
}

static void emu_pause(struct vmb_vm *vm)
{
	vmb_vcpu_thread_pause(&emu_of(vm)->t);
}

static void emu_resume(struct vmb_vm *vm)
{
	vmb_vcpu_thread_run(&emu_of(vm)->t);
}

static int emu_get_state(struct vmb_vm *vm, unsigned cpu, struct vmb_cpu_state *st)
{
	struct vmb_regs r;

	if (emu_get_regs(vm, cpu, &r))
		return -1;
	vmb_arm64_cpu_state(&r.arm64, cpu, st);
	return 0;
}

/* Unicorn addresses memory by VA as if it were the PA, so this reads the
 * board's memory at va; device regions are not read (side effects). */
static int emu_read_virt(struct vmb_vm *vm, unsigned cpu, uint64_t va, void *buf,
			 unsigned len)
{
	const uint8_t *p = vmb_board_gpa_ptr(vm->board, va, len);

	if (!p || cpu != 0)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

static void emu_print_stats(struct vmb_vm *vm, FILE *out)
{
	struct vmb_emu *e = emu_of(vm);
	const struct vmb_addrmap *m = &vm->board->map;

	if (!e)
		return;
	fprintf(out, "emu: %.3f s in the guest, %llu emulator entries\n",
		e->guest_s, (unsigned long long)e->starts);
	fprintf(out, "  hypercalls %llu (%llu unknown), WFI %llu, ROM/flash writes "
		"replayed %llu, flash remaps %llu, interrupt line changes ignored "
		"%llu\n", (unsigned long long)e->hypercalls,
		(unsigned long long)e->hvc_unknown, (unsigned long long)e->wfis,
		(unsigned long long)e->rom_writes, (unsigned long long)e->remaps,
		(unsigned long long)__atomic_load_n(&e->irqs, __ATOMIC_RELAXED));
	fprintf(out, "  %-24s %12s %12s\n", "device region", "reads", "writes");
	for (unsigned i = 0; i < m->n; i++) {
		const struct vmb_emu_rstat *st = m->r[i]->hv_data;
		const struct vmb_region *r = m->r[i];
		char name[80];

		if (!st || (!st->reads && !st->writes))
			continue;
		snprintf(name, sizeof(name), "%s%s%s", r->dev ? r->dev->name : "",
			 r->dev && strcmp(r->dev->name, r->name) ? ":" : "",
			 r->dev && !strcmp(r->dev->name, r->name) ? "" : r->name);
		fprintf(out, "  %-24s %12llu %12llu\n", name,
			(unsigned long long)st->reads, (unsigned long long)st->writes);
	}
}

static void emu_destroy(struct vmb_vm *vm)
{
	struct vmb_emu *e = emu_of(vm);
	struct vmb_board *b = vm->board;

	if (!e)
		return;
	if (e->t.started) {
		/* The engine goes with the thread that ran it. */
		vmb_vcpu_thread_pause(&e->t);
		vmb_vcpu_thread_call(&e->t, close_on_thread, e);
		vmb_vcpu_thread_exit(&e->t);
	}
	if (e->kicker_started) {
		pthread_mutex_lock(&e->uc_lock);
		e->kicker_quit = true;
		pthread_cond_signal(&e->kick_cond);
		pthread_mutex_unlock(&e->uc_lock);
		pthread_join(e->kicker, NULL);
	}
	pthread_mutex_lock(&b->lock);
	if (b->hv.opaque == e) {
		vmb_board_detach_hv(b);
		memset(&b->hv, 0, sizeof(b->hv));
	}
	pthread_mutex_unlock(&b->lock);
	engine_close(e);
	vmb_emu_decoder_close(&e->dec);
	for (unsigned i = 0; i < b->map.n; i++)
		if (b->map.r[i]->kind == VMB_REGION_MMIO) {
			free(b->map.r[i]->hv_data);
			b->map.r[i]->hv_data = NULL;
		}
	free(e->win);
	free(e->romd_win);
	pthread_cond_destroy(&e->kick_cond);
	pthread_mutex_destroy(&e->uc_lock);
	sem_destroy(&e->wake);
	free(e);
	vm->priv = NULL;
}

const struct vmb_hv_ops vmb_hv_emu = {
	.name = "emu",
	.summary = "Unicorn 2 emulation, any host: arm64 firmware and bare-metal "
		   "guests, one vCPU, no interrupts",
	.trace_insn = true,
	.probe = emu_probe,
	.create = emu_create,
	.reset = emu_reset,
	.run = emu_run,
	.pause = emu_pause,
	.resume = emu_resume,
	.get_state = emu_get_state,
	.get_regs = emu_get_regs,
	.set_regs = emu_set_regs,
	.read_virt = emu_read_virt,
	.write_virt = vmb_emu_write_virt,
	.set_debug = vmb_emu_set_debug,
	.print_stats = emu_print_stats,
	.destroy = emu_destroy,
};
