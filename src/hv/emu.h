/* SPDX-License-Identifier: MIT */
/*
 * Private to the "emu" backend (Unicorn 2.0.1), which is two files:
 *  - emu.c: the engine, the board's mapping into it, the hooks, the run
 *    loop and the backend operations;
 *  - emu-replay.c: finding the instruction behind a guest access Unicorn
 *    stopped on, by decoding the code with capstone, and replaying a store
 *    to ROM or to flash in read-array mode through the board.
 * Why the second is needed (Unicorn stops at the start of the translation
 * block, with the instructions before the access already run) is at the
 * top of emu.c.
 */
#ifndef VMB_HV_EMU_H
#define VMB_HV_EMU_H

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>

#include <capstone/capstone.h>
#include <unicorn/unicorn.h>

#include "hv/hv.h"
#include "hv/vcpu.h"

/* Per-region counters, hung on vmb_region.hv_data while the backend runs. */
struct vmb_emu_rstat {
	uint64_t reads, writes;
	bool as_rom;            /* romd region currently mapped as memory */
};

/* A guest access a hook saw (the error of uc_emu_start says which kind). */
struct vmb_emu_access {
	bool valid;
	uc_mem_type type;
	uint64_t addr;
	unsigned size;
	uint64_t val;
};

/* A capstone handle for A64 with operand details, and the instruction it
 * decodes into (cs_disasm_iter: no allocation per instruction). */
struct vmb_emu_decoder {
	csh cs;
	cs_insn *insn;           /* NULL while closed */
};

struct vmb_emu_window;

/* A device access crossing a page that Unicorn is delivering in pieces
 * (vmb_emu_split_access): the 16 bytes from "span" it may touch, which of
 * them it has delivered, and for a load the bytes read. */
struct vmb_emu_split {
	bool active, write;
	uint64_t span;
	uint16_t seen;
	uint8_t data[16];
};

/* Guest debugging state (emu-debug.c), touched on the vCPU thread only. */
struct vmb_emu_debug {
	struct vmb_debug_cfg cfg;    /* what the debugger asked for */
	uc_hook hook[VMB_DEBUG_MAX_BP + VMB_DEBUG_MAX_WP + 2];
	unsigned nhook;              /* installed in the open engine */
	bool skip;                   /* resumed on a breakpoint: pass it once */
	uint64_t skip_pc;
	unsigned executed;           /* instructions the step hook saw */
	bool hit;                    /* a hook stopped the engine for ev */
	struct vmb_debug_event ev;
	bool precise;                /* the pause hook serves stop requests
					(atomic: read by the kicker) */
	bool block_stop;             /* the block pause hook stopped the */
	uint64_t block_pc;           /* engine before the block at block_pc */
};

struct vmb_emu {
	struct vmb_vm *vm;
	struct vmb_board *b;
	uc_engine *uc;
	uint64_t scratch;        /* page for the start-state stub */

	struct vmb_emu_window *win;      /* device windows of the open engine */
	unsigned nwin;
	struct vmb_emu_window *romd_win; /* one per romd-capable region */
	unsigned nromd;

	/* uc_lock guards uc (open/close), in_emu and kick_req against the
	 * kicker thread. */
	pthread_mutex_t uc_lock;
	pthread_cond_t kick_cond;
	pthread_t kicker;
	bool kicker_started, kicker_quit;
	bool in_emu, kick_req;

	/* The vCPU thread (hv/vcpu.h): the engine is opened (at reset) and
	 * run on it; run() waits on wake, which stop kicks post. */
	struct vmb_vcpu_thread t;
	sem_t wake;

	bool remap_pending;      /* a romd region changed inside a callback */
	struct vmb_emu_access acc; /* last faulting access seen by a hook */
	bool exc_fault;          /* intr hook stopped on a guest exception */
	uint32_t exc;
	uint64_t exc_pc;
	bool mmio_fault;         /* device window access nobody owns */

	struct vmb_emu_decoder dec; /* opened at the first access located */
	struct vmb_emu_split split; /* page-crossing device access under way */

	/* virtual clock of deterministic machines (emu-clock.c) */
	bool vclock;
	uint64_t vclock_ns;      /* atomic: read by device threads */
	uint64_t cntfrq;         /* CNTFRQ_EL0, Hz */

	/* --trace insn: the region the last traced PC was in (hook_code) */
	uint64_t code_gpa, code_size;
	const uint8_t *code_host;

	struct vmb_emu_debug dbg;   /* emu-debug.c */

	/* statistics (run thread only, except irqs) */
	uint64_t starts, hypercalls, hvc_unknown, wfis, rom_writes, remaps;
	uint64_t irqs;
	double guest_s;
};

/* Unicorn's id of general-purpose register Xn, n < 31. */
static inline int vmb_emu_xreg_id(unsigned n)
{
	if (n == 29)
		return UC_ARM64_REG_X29;
	if (n == 30)
		return UC_ARM64_REG_X30;
	return UC_ARM64_REG_X0 + (int)n;
}

static inline uint64_t vmb_emu_reg_get(uc_engine *uc, int id)
{
	uint64_t v = 0;

	uc_reg_read(uc, id, &v);
	return v;
}

static inline void vmb_emu_reg_set(uc_engine *uc, int id, uint64_t v)
{
	uc_reg_write(uc, id, &v);
}

static inline uint64_t vmb_emu_pc(struct vmb_emu *e)
{
	return vmb_emu_reg_get(e->uc, UC_ARM64_REG_PC);
}

static inline void vmb_emu_set_pc(struct vmb_emu *e, uint64_t pc)
{
	vmb_emu_reg_set(e->uc, UC_ARM64_REG_PC, pc);
}

/* The low size (1..8) bytes of a register. */
static inline uint64_t vmb_emu_size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* ---- emu-replay.c: decoding -------------------------------------------- */

/* What vmb_emu_decode() made of an instruction word. */
enum vmb_emu_insn_kind {
	VMB_EMU_INSN_OTHER,      /* neither of the two below */
	VMB_EMU_INSN_ACCESS,     /* a load or store of general-purpose registers */
	VMB_EMU_INSN_BLOCK_END,  /* branch, exception generation, ERET: ends a
				  * straight line of code */
};

enum vmb_emu_writeback {
	VMB_EMU_WB_NONE,
	VMB_EMU_WB_PRE,          /* base = the address accessed */
	VMB_EMU_WB_POST,         /* base = the address accessed + post */
};

/*
 * An A64 load or store with general-purpose data registers (Arm ARM C4.1.4
 * "Loads and Stores"): the forms a compiler emits for device and flash
 * accesses. Registers are numbered as the encoding numbers them: 31 is SP
 * as a base and the zero register as data or index. The address accessed
 * is Xn|SP + disp + (ext(Xm) << shift); a pair accesses it and the next
 * size bytes.
 */
struct vmb_emu_insn {
	bool store;
	unsigned n;              /* transfers: 1, or 2 for a pair */
	unsigned size;           /* bytes per transfer: 1, 2, 4 or 8 */
	unsigned rt[2];          /* data registers */
	unsigned rn;             /* base register */
	int64_t disp;            /* immediate offset (0 for post-index) */
	bool has_rm;             /* register offset form */
	unsigned rm;
	arm64_extender ext;      /* ARM64_EXT_UXTW, _SXTW, _SXTX, or
				  * ARM64_EXT_INVALID for LSL (none) */
	unsigned shift;          /* Xm is shifted left by this */
	enum vmb_emu_writeback wb;
	int64_t post;            /* post-index increment */
};

/* Open d (capstone, AArch64, operand details on). 0, or -1 if capstone
 * cannot (d is then closed). */
int vmb_emu_decoder_open(struct vmb_emu_decoder *d);

/* Close d; a closed d is left alone. */
void vmb_emu_decoder_close(struct vmb_emu_decoder *d);

/* Decode one A64 instruction word; *a is filled for VMB_EMU_INSN_ACCESS. */
enum vmb_emu_insn_kind vmb_emu_decode(struct vmb_emu_decoder *d, uint32_t word,
				      struct vmb_emu_insn *a);

/* ---- emu-replay.c: for the run loop -------------------------------------- */

/* UC_ERR_WRITE_PROT: a store to ROM or to flash in romd mode (e->acc).
 * Replay it through the board and step over it. 0: done; 1: it faulted
 * (vm->fault set); -1: the store was not found or cannot be replayed. */
int vmb_emu_replay_store(struct vmb_emu *e);

/*
 * Called by the device-window callbacks first. Unicorn 2.0.1 delivers a
 * device access that crosses a page boundary in pieces: a store byte by
 * byte, a load as the naturally aligned blocks around it (so a device
 * would see bytes and registers the guest never named). When the callback
 * for [gpa, gpa+size) is such a piece, the instruction is located, its
 * whole access is made once through the board as two accesses of half
 * its width, low address first (docs/backends.md), and the remaining
 * pieces are absorbed (a load's served from the bytes read). Returns true
 * when the piece was handled (*val: the bytes of a load); false for an
 * ordinary access, which the caller dispatches itself. An access the board
 * does not own stops the machine with a fault, as the window would.
 */
bool vmb_emu_split_access(struct vmb_emu *e, bool write, uint64_t gpa,
			  unsigned size, uint64_t *val);

/* Fill vm->fault for the data access e->acc the hooks stopped on, with the
 * PC moved to the faulting instruction when it can be found. */
void vmb_emu_fault_data(struct vmb_emu *e);

/* Fill vm->fault from e->acc and a message; "exact" says whether the PC is
 * the faulting instruction's (else the message says it is not). */
/* SCTLR_EL1.M: the guest's stage-1 MMU is on, so the addresses Unicorn's
 * memory hooks report are virtual (Unicorn checks them before
 * translation). */
bool vmb_emu_mmu_on(struct vmb_emu *e);

void vmb_emu_set_fault(struct vmb_emu *e, bool exact, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Virtual clock (emu-clock.c), on when the machine is deterministic:
 * install the counter hook in a freshly opened engine; advance on a WFI;
 * the board's hv.clock_ns. */
int vmb_emu_clock_install(struct vmb_emu *e, struct vmb_err *err);
void vmb_emu_clock_wfi(struct vmb_emu *e);
uint64_t vmb_emu_clock_ns(void *opaque);

/* Guest debugging (emu-debug.c). install: (re)install the hooks of
 * e->dbg.cfg in the open engine (engine_open, set_debug). arm: before each
 * uc_emu_start() at pc. stopped: after it (ran: the engine ran guest code
 * to a normal end); true if a breakpoint, watchpoint or finished step
 * stopped the vCPU, which was then reported to vm->debug_event. */
int vmb_emu_debug_install(struct vmb_emu *e, struct vmb_err *err);
/* A gdb stub serves: stop requests are served by a code hook at an exact
 * instruction boundary, so the kicker must not stop the engine
 * asynchronously (emu-debug.c says why). */
static inline bool vmb_emu_debug_precise(struct vmb_emu *e)
{
	return __atomic_load_n(&e->dbg.precise, __ATOMIC_ACQUIRE);
}
void vmb_emu_debug_arm(struct vmb_emu *e, uint64_t pc);
bool vmb_emu_debug_stopped(struct vmb_emu *e, bool ran);
int vmb_emu_set_debug(struct vmb_vm *vm, unsigned cpu, const struct vmb_debug_cfg *cfg,
		      struct vmb_err *err);
int vmb_emu_write_virt(struct vmb_vm *vm, unsigned cpu, uint64_t va, const void *buf,
		       unsigned len);

#endif
