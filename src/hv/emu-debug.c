/* SPDX-License-Identifier: MIT */
/*
 * Guest debugging on the "emu" backend (hv.h set_debug / write_virt),
 * with Unicorn hooks that exist only while something needs them: Unicorn
 * calls a UC_HOOK_CODE hook only for instructions inside its address
 * range, so a breakpoint costs one call at its address and nothing
 * elsewhere, but any UC_HOOK_MEM_* hook sends every guest access through
 * the slow path (emu.c). Hence:
 *  - one code hook per breakpoint, its range the breakpoint's address
 *    (checked by the pause hook instead when that one exists, below);
 *    software (Z0) and hardware (Z1) breakpoints are the same hook, no
 *    guest memory is patched (flash stays as the guest wrote it);
 *  - while single-stepping, one code hook over all addresses that lets
 *    the first instruction of the run through and stops at the second
 *    (Unicorn stops before an instruction whose hook called
 *    uc_emu_stop(); its instruction count limit is not used: after a run
 *    with it, Unicorn 2.0.1 ran on forever past later code hooks);
 *  - memory hooks only while watchpoints exist. A watchpoint stops at the
 *    end of the translation block that made the access (Unicorn runs a
 *    block to its end after a stop from a memory hook), so the PC gdb is
 *    shown may be a few instructions past the access; the value has been
 *    written.
 *  - while a stub serves (--gdb), a pause hook that stops the engine
 *    when a pause was requested (e->kick_req), instead of the kicker's
 *    uc_emu_stop() from another thread: a block hook (the stop comes
 *    before the next translation block) while no breakpoint or step needs
 *    a code hook, else a code hook over all addresses (before the next
 *    instruction; it also checks the breakpoints). Why a hook at all:
 *    Unicorn 2.0.1 does not synchronise the PC on such an
 *    asynchronous stop: after chained translation blocks it reports the
 *    start of an earlier block whose instructions have already run, so
 *    resuming there runs them twice (seen: `ldr x0, [x0]` run twice in
 *    U-Boot's console loop, then a fault). Where the stale PC comes from
 *    (Unicorn's source): cpu_tb_exec() puts the PC back to the start of
 *    the block an exit request left, and Unicorn checks exit requests
 *    after every guest load and store too (check_exit_request), so part
 *    of that block has run; with any code hook present not even that.
 *    Unicorn 2.1.4 (not in Debian) makes that check leave through
 *    cpu_loop_exit_restore, but the asynchronous stop is still not exact
 *    there: with a local build of 2.1.4 and no pause hook, U-Boot at its
 *    prompt jumped to a corrupt address within 2 to 22 continue/Ctrl-C
 *    cycles in 6 runs of 7 (the loop tests/integration/gdb-interrupts.py
 *    runs), so the hook stays for every version.
 *    A block hook's call comes before the block's entry check, so a stop
 *    from it runs nothing of the block; the PC is taken from the hook's
 *    address. It costs about 5-7 % of U-Boot's time to prompt, the code
 *    hook 15-23 % (`make bench`); gdb-interrupts.py checks both exact
 *    (a session-4 block hook had lost a Ctrl-C under load).
 * Unicorn decides at translation time whether an instruction calls the
 * code hooks, so every change of the hook set flushes the translation
 * cache (code is translated afresh, a few ms for U-Boot).
 * Hooks live in the engine, which a reset replaces: the configuration is
 * kept and installed again by every engine_open().
 */
#include <string.h>

#include "hv/emu.h"

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static void stop_with(struct vmb_emu *e, enum vmb_debug_reason why, uint64_t addr,
		      enum vmb_wp_kind kind)
{
	struct vmb_emu_debug *d = &e->dbg;

	if (!d->hit) {
		d->hit = true;
		d->ev = (struct vmb_debug_event){ why, addr, kind };
	}
	uc_emu_stop(e->uc);
}

static void hook_bp(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct vmb_emu *e = opaque;
	struct vmb_emu_debug *d = &e->dbg;
	bool hw = false;

	/* The run resumed on this breakpoint: it was reported already. */
	if (d->skip && addr == d->skip_pc) {
		d->skip = false;
		return;
	}
	d->skip = false;
	for (unsigned i = 0; i < d->cfg.nbp; i++)
		if (d->cfg.bp[i].addr == addr)
			hw = d->cfg.bp[i].hw;
	stop_with(e, hw ? VMB_DEBUG_HWBREAK : VMB_DEBUG_SWBREAK, 0, 0);
}

static void hook_step(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct vmb_emu *e = opaque;

	if (e->dbg.executed++ == 0)
		return;
	stop_with(e, VMB_DEBUG_STEP, 0, 0);
}

static void hook_watch(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
		       int64_t val, void *opaque)
{
	struct vmb_emu *e = opaque;
	const struct vmb_debug_cfg *c = &e->dbg.cfg;
	bool write = type == UC_MEM_WRITE;

	for (unsigned i = 0; i < c->nwp; i++) {
		if (!overlaps(addr, (unsigned)size, c->wp[i].addr, c->wp[i].len))
			continue;
		if ((c->wp[i].kind == VMB_WP_WRITE && !write) ||
		    (c->wp[i].kind == VMB_WP_READ && write))
			continue;
		stop_with(e, VMB_DEBUG_WATCH, c->wp[i].addr, c->wp[i].kind);
		break;
	}
}

static void hook_pause(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct vmb_emu *e = opaque;

	/* the stop lands before this instruction, with the PC exact */
	if (__atomic_load_n(&e->kick_req, __ATOMIC_ACQUIRE)) {
		uc_emu_stop(uc);
		return;
	}
	/* Breakpoints share this hook: Unicorn calls every hook of the list
	 * on every instruction once one covers all addresses, and a second
	 * hook cost 40 % more than this check. */
	for (unsigned i = 0; i < e->dbg.cfg.nbp; i++)
		if (e->dbg.cfg.bp[i].addr == addr) {
			hook_bp(uc, addr, size, opaque);
			return;
		}
}

/*
 * The pause hook while no breakpoint or step needs a code hook: a stop
 * request is taken at the start of the next translation block. Unicorn
 * 2.0.1 generates the block hook's call before the block's own exit check
 * (translator_loop), so after uc_emu_stop() here none of the block runs
 * and the engine returns with the PC at the block's start; the PC is set
 * from addr afterwards all the same (vmb_emu_debug_stopped), not read back.
 */
static void hook_pause_block(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct vmb_emu *e = opaque;

	(void)size;
	if (__atomic_load_n(&e->kick_req, __ATOMIC_ACQUIRE) && !e->dbg.block_stop) {
		e->dbg.block_stop = true;
		e->dbg.block_pc = addr;
		uc_emu_stop(uc);
	}
}

static void remove_hooks(struct vmb_emu *e)
{
	struct vmb_emu_debug *d = &e->dbg;

	__atomic_store_n(&d->precise, false, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < d->nhook; i++)
		if (e->uc)
			uc_hook_del(e->uc, d->hook[i]);
	d->nhook = 0;
}

static int add_hook(struct vmb_emu *e, int type, void *cb, uint64_t lo, uint64_t hi)
{
	struct vmb_emu_debug *d = &e->dbg;

	if (d->nhook >= sizeof(d->hook) / sizeof(d->hook[0]) ||
	    uc_hook_add(e->uc, &d->hook[d->nhook], type, cb, e, lo, hi) != UC_ERR_OK)
		return -1;
	d->nhook++;
	return 0;
}

int vmb_emu_debug_install(struct vmb_emu *e, struct vmb_err *err)
{
	const struct vmb_debug_cfg *c = &e->dbg.cfg;
	bool had = e->dbg.nhook > 0;

	remove_hooks(e);
	if (!e->uc)
		return 0;
	/* Code translated before a hook was added has no call to it, and
	 * code translated while one existed keeps calling the hook list:
	 * drop the translation cache whenever the set changes. */
	if (had || c->attached || c->nbp || c->step || c->nwp)
		uc_ctl_flush_tlb(e->uc);
	if (c->attached) {
		bool code = c->nbp || c->step;

		if (add_hook(e, code ? UC_HOOK_CODE : UC_HOOK_BLOCK,
			     code ? (void *)hook_pause : (void *)hook_pause_block, 1, 0))
			goto fail;
		__atomic_store_n(&e->dbg.precise, true, __ATOMIC_RELEASE);
	}
	for (unsigned i = 0; i < c->nbp && !c->attached; i++)
		if (add_hook(e, UC_HOOK_CODE, (void *)hook_bp, c->bp[i].addr,
			     c->bp[i].addr))
			goto fail;
	if (c->step && add_hook(e, UC_HOOK_CODE, (void *)hook_step, 1, 0))
		goto fail;
	for (unsigned i = 0; i < c->nwp; i++) {
		/* An access is hooked by where it starts: reach back 7 bytes
		 * for the widest that can end inside the watched range. */
		uint64_t lo = c->wp[i].addr >= 7 ? c->wp[i].addr - 7 : 0;
		uint64_t hi = c->wp[i].addr + c->wp[i].len - 1;
		int type = c->wp[i].kind == VMB_WP_WRITE ? UC_HOOK_MEM_WRITE :
			   c->wp[i].kind == VMB_WP_READ ? UC_HOOK_MEM_READ :
			   UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE;

		if (add_hook(e, type, (void *)hook_watch, lo, hi))
			goto fail;
	}
	return 0;
fail:
	remove_hooks(e);
	return vmb_errf(err, NULL, "emu: cannot install a debug hook");
}

struct set_call {
	struct vmb_emu *e;
	const struct vmb_debug_cfg *cfg;
	struct vmb_err *err;
	int rc;
};

static void set_on_thread(void *arg)
{
	struct set_call *c = arg;

	/* unchanged: keep the hooks and the translated code */
	if (!memcmp(&c->e->dbg.cfg, c->cfg, sizeof(*c->cfg)) && c->e->uc &&
	    (c->e->dbg.nhook || (!c->cfg->attached && !c->cfg->nbp &&
				  !c->cfg->step && !c->cfg->nwp)))
		return;
	c->e->dbg.cfg = *c->cfg;
	c->rc = vmb_emu_debug_install(c->e, c->err);
}

int vmb_emu_set_debug(struct vmb_vm *vm, unsigned cpu, const struct vmb_debug_cfg *cfg,
		      struct vmb_err *err)
{
	struct vmb_emu *e = vm->priv;
	struct set_call c = { e, cfg, err, 0 };

	if (!e || cpu != 0)
		return vmb_errf(err, NULL, "emu: no vCPU %u", cpu);
	if (cfg->nbp > VMB_DEBUG_MAX_BP || cfg->nwp > VMB_DEBUG_MAX_WP)
		return vmb_errf(err, NULL, "emu: too many breakpoints or watchpoints");
	vmb_vcpu_thread_call(&e->t, set_on_thread, &c);
	return c.rc;
}

void vmb_emu_debug_arm(struct vmb_emu *e, uint64_t pc)
{
	struct vmb_emu_debug *d = &e->dbg;

	d->hit = false;
	d->executed = 0;
	d->skip = false;
	d->block_stop = false;
	for (unsigned i = 0; i < d->cfg.nbp; i++)
		if (d->cfg.bp[i].addr == pc)
			d->skip = true;
	d->skip_pc = pc;
}

bool vmb_emu_debug_stopped(struct vmb_emu *e, bool ran)
{
	struct vmb_emu_debug *d = &e->dbg;

	if (d->block_stop) {
		d->block_stop = false;
		uc_reg_write(e->uc, UC_ARM64_REG_PC, &d->block_pc);
	}

	if (!d->hit && d->cfg.step && ran && d->executed) {
		d->hit = true;
		d->ev = (struct vmb_debug_event){ VMB_DEBUG_STEP, 0, 0 };
	}
	if (!d->hit)
		return false;
	d->hit = false;
	if (e->vm->debug_event)
		e->vm->debug_event(e->vm, 0, &d->ev);
	return true;
}

struct write_call {
	struct vmb_emu *e;
	uint64_t va;
	const void *buf;
	unsigned len;
	int rc;
};

static void write_on_thread(void *arg)
{
	struct write_call *c = arg;
	struct vmb_emu *e = c->e;
	struct vmb_region *r = vmb_addrmap_find(&e->b->map, c->va);
	uint8_t *p = vmb_board_gpa_ptr(e->b, c->va, c->len);
	struct vmb_emu_rstat *st = r ? r->hv_data : NULL;

	if (!p || !r) {
		c->rc = -1;
		return;
	}
	/* Memory the engine maps (RAM, ROM, flash in read-array mode) goes
	 * through it, which drops translated code of the bytes changed; a
	 * flash bank in command mode is a device window to the engine, so
	 * its array is written directly (no code runs from it meanwhile). */
	if (r->kind != VMB_REGION_MMIO || (st && st->as_rom))
		c->rc = uc_mem_write(e->uc, c->va, c->buf, c->len) == UC_ERR_OK ? 0 : -1;
	else
		memcpy(p, c->buf, c->len);
}

int vmb_emu_write_virt(struct vmb_vm *vm, unsigned cpu, uint64_t va, const void *buf,
		       unsigned len)
{
	struct vmb_emu *e = vm->priv;
	struct write_call c = { e, va, buf, len, 0 };

	if (!e || !e->uc || cpu != 0 || !len)
		return -1;
	vmb_vcpu_thread_call(&e->t, write_on_thread, &c);
	return c.rc;
}
