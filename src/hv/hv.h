/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor backend interface.
 *
 * A backend turns a board into running vCPUs: it maps the board's RAM/ROM
 * regions as guest memory (memslots, Unicorn memory), routes every other
 * guest access to vmb_board_mmio_*() / vmb_board_pio_*(), hands HVC/SMC to
 * vmb_board_hypercall(), implements the board's interrupt lines, and returns
 * from run() when the board's stop reason is set or the guest faults.
 *
 * Backends: "kvm" (Linux, x86_64 and arm64 hosts), "hvf" (macOS arm64),
 * "emu" (Unicorn: arm64 firmware and bare-metal guests on any host; no
 * interrupts, no guest exceptions). --accel auto picks the first one whose
 * probe() accepts the board.
 */
#ifndef VMB_HV_HV_H
#define VMB_HV_HV_H

#include <stdbool.h>
#include <stdint.h>

#include "board/board.h"

struct vmb_insn_trace;

/* Initial vCPU state chosen by the boot protocol (arch/). */
struct vmb_boot_state {
	uint64_t pc;       /* entry point (GPA; MMU is off) */
	uint64_t x[4];     /* arm64: x0..x3 (x0 = DTB GPA for Linux) */
	/* x86_64 64-bit entry: rsi = zero page; paging set up by arch code */
	uint64_t rsi;
	uint64_t cr3;      /* identity page tables GPA (x86_64) */
	uint64_t gdt;      /* GDT GPA (x86_64) */
	uint64_t sp;
	bool x86_long_mode;
	/* Where the boot protocol put the device tree (GPA, bytes; 0 if none),
	 * for --dtb-out and diagnostics. Not a register. */
	uint64_t dtb;
	uint64_t dtb_size;
};

/*
 * vCPU registers as structured data (get_regs/set_regs): what debuggers,
 * snapshots and the crash report need, in the architecture's own terms.
 */
struct vmb_arm64_regs {
	uint64_t x[31];
	uint64_t sp_el0, sp_el1; /* the SP in use follows PSTATE.SP */
	uint64_t pc, pstate;
	uint64_t elr_el1, spsr_el1;
	/* EL1 system registers: exception syndrome and MMU state. */
	uint64_t esr_el1, far_el1, sctlr_el1, tcr_el1, ttbr0_el1, ttbr1_el1,
		 vbar_el1, mair_el1;
	/* FP/SIMD (Arm ARM C1.2.5): V0..V31 as {low, high} 64-bit halves,
	 * FPSR, FPCR. Valid only when has_fp: backends that do not read them
	 * leave it false (gdb then shows them as unavailable) and ignore them
	 * in set_regs. */
	bool has_fp;
	uint64_t v[32][2];
	uint32_t fpsr, fpcr;
};

struct vmb_x86_64_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
	uint64_t cr0, cr2, cr3, cr4, efer;
	uint64_t fs_base, gs_base;
	/* Segment selectors: reported; set_regs leaves the segments alone
	 * (a selector without its descriptor cache means nothing to KVM). */
	uint16_t cs, ds, es, fs, gs, ss;
	/* x87 and SSE (Intel SDM Vol. 1 §8.1, §10.2.3), as gdb's i386 fpu and
	 * sse features name them: ST0-ST7 (80 bits each), the x87 control,
	 * status and full tag words, the last instruction and operand
	 * pointers and opcode, XMM0-XMM15, MXCSR. Valid only when has_fp. */
	bool has_fp;
	uint8_t st[8][10];
	uint32_t fctrl, fstat, ftag, fiseg, fioff, foseg, fooff, fop;
	uint8_t xmm[16][16];
	uint32_t mxcsr;
};

struct vmb_regs {
	enum vmb_arch arch;
	union {
		struct vmb_arm64_regs arm64;
		struct vmb_x86_64_regs x86_64;
	};
};

/* One register for crash reports, in the architecture's own names. */
struct vmb_reg {
	char name[8];
	uint64_t val;
};

/* vCPU snapshot for crash reports. */
struct vmb_cpu_state {
	enum vmb_arch arch;
	unsigned cpu;
	uint64_t pc;
	unsigned nreg;
	struct vmb_reg reg[64];
};

/* What went wrong when run() stops with VMB_STOP_FAULT. */
struct vmb_fault {
	unsigned cpu;
	bool has_addr;
	uint64_t addr;      /* GPA (or port) of the offending access; a VA
			       when addr_is_va */
	bool addr_is_va;    /* the backend saw the address before the
			       guest's MMU translated it (emu with the MMU
			       on): a virtual address, not a GPA */
	bool is_write;
	unsigned size;
	bool is_pio;
	char what[256];     /* "read of unmapped address", "guest exception:
			       ESR 0x..." , "KVM internal error: ..." */
};

/*
 * Guest debugging (the gdb stub, src/debug/gdbstub.c). A vCPU traps on
 * what its struct vmb_debug_cfg lists; when it does, the backend calls
 * vm->debug_event() on the vCPU's thread and returns from its run body,
 * so the vCPU stays parked (hv/vcpu.h) until the debugger resumes it.
 */
#define VMB_DEBUG_MAX_BP 64
#define VMB_DEBUG_MAX_WP 16

enum vmb_wp_kind {            /* as gdb's Z2 / Z3 / Z4 */
	VMB_WP_WRITE = 2,
	VMB_WP_READ = 3,
	VMB_WP_ACCESS = 4,
};

struct vmb_debug_cfg {
	bool attached;          /* a debugger may stop the machine at any time
				   (a gdb stub serves): pause() must stop the
				   vCPU at an exact instruction boundary */
	bool step;              /* stop after one instruction */
	unsigned nbp;           /* breakpoints, by virtual address */
	struct {
		uint64_t addr;
		bool hw;            /* Z1 (debug registers) rather than Z0 */
	} bp[VMB_DEBUG_MAX_BP];
	unsigned nwp;
	struct {
		uint64_t addr, len; /* virtual address, bytes (1..4096) */
		enum vmb_wp_kind kind;
	} wp[VMB_DEBUG_MAX_WP];
};

enum vmb_debug_reason {
	VMB_DEBUG_STEP,
	VMB_DEBUG_SWBREAK,
	VMB_DEBUG_HWBREAK,
	VMB_DEBUG_WATCH,
};

struct vmb_debug_event {
	enum vmb_debug_reason reason;
	uint64_t addr;          /* WATCH: the data address accessed */
	enum vmb_wp_kind kind;  /* WATCH: which watchpoint kind matched */
};

struct vmb_vm {
	struct vmb_board *board;
	const struct vmb_hv_ops *ops;
	struct vmb_boot_state boot;
	struct vmb_fault fault;
	void *priv;         /* backend state */
	bool stats;         /* --stats: count exits */
	/* --trace insn (debug/trace.h): one ring per vCPU the backend fills
	 * with every instruction executed; NULL when off. */
	struct vmb_insn_trace *insn_trace;
	/* Debugger attached (NULL: none). debug_event is called by a vCPU
	 * thread that hit its vmb_debug_cfg; debug_gate by the run loop
	 * before every run(): it blocks while the debugger holds the machine
	 * stopped (--gdb-wait, a reset while stopped). */
	void *debugger;
	void (*debug_event)(struct vmb_vm *vm, unsigned cpu,
			    const struct vmb_debug_event *ev);
	void (*debug_gate)(struct vmb_vm *vm);
};

struct vmb_hv_ops {
	const char *name;
	/* Host architecture it runs on ("x86_64", "arm64"), NULL for any:
	 * `vmb run --help` tells the same-named KVM backends apart by it. */
	const char *host;
	const char *summary;
	/* Fills vm->insn_trace (--trace insn): it sees every instruction. */
	bool trace_insn;
	/* 0 if this backend can run this board on this host; else -1 with a
	 * reason in err ("no /dev/kvm", "emu runs arm64 guests only", ...). */
	int (*probe)(const struct vmb_board *b, struct vmb_err *err);
	/* Create the VM and vCPUs, map memory, install board hooks. */
	int (*create)(struct vmb_vm *vm, struct vmb_err *err);
	/* Set every vCPU to the power-on state from vm->boot (boot CPU) /
	 * powered-off (secondaries). Called before the first run and after a
	 * board reset. */
	int (*reset)(struct vmb_vm *vm, struct vmb_err *err);
	/* Run until board->stop is set; returns the reason. On FAULT, fill
	 * vm->fault. */
	enum vmb_stop_reason (*run)(struct vmb_vm *vm);
	/* From another thread while run() runs (a debugger, a snapshot):
	 * park every vCPU and return once none executes guest code; resume
	 * lets them go on. run() keeps waiting for a stop meanwhile. May be
	 * NULL. */
	void (*pause)(struct vmb_vm *vm);
	void (*resume)(struct vmb_vm *vm);
	/* Snapshot a vCPU for a crash report. */
	int (*get_state)(struct vmb_vm *vm, unsigned cpu, struct vmb_cpu_state *st);
	/* Read / write a parked vCPU's registers (between runs, or paused);
	 * the backend does it on the vCPU's own thread. set_regs takes the
	 * whole set (get, change, set). -1 on a bad cpu or a refused value.
	 * May be NULL. */
	int (*get_regs)(struct vmb_vm *vm, unsigned cpu, struct vmb_regs *r);
	int (*set_regs)(struct vmb_vm *vm, unsigned cpu, const struct vmb_regs *r);
	/* Read guest memory by virtual address as the vCPU sees it (through its
	 * page tables); -1 if not mapped. May be NULL (then GPA is used). */
	int (*read_virt)(struct vmb_vm *vm, unsigned cpu, uint64_t va, void *buf,
			 unsigned len);
	/* Write guest memory by virtual address, as the vCPU sees it; ROM
	 * and flash contents too (a debugger patching code), never device
	 * registers. -1 if not mapped. May be NULL. */
	int (*write_virt)(struct vmb_vm *vm, unsigned cpu, uint64_t va,
			  const void *buf, unsigned len);
	/* What vCPU cpu (parked) traps on from its next run; replaces the
	 * previous set, and survives a reset. -1 with err set if the backend
	 * cannot (too many hardware breakpoints, a watchpoint it cannot
	 * express). May be NULL: no debugging on this backend. */
	int (*set_debug)(struct vmb_vm *vm, unsigned cpu,
			 const struct vmb_debug_cfg *cfg, struct vmb_err *err);
	/* Crash reports: print how va translates for the vCPU, entry by entry
	 * (the page walk), titled "page walk of WHAT va". May be NULL. */
	void (*print_walk)(struct vmb_vm *vm, unsigned cpu, uint64_t va,
			   const char *what, FILE *out);
	/* Print backend statistics (--stats). May be NULL. */
	void (*print_stats)(struct vmb_vm *vm, FILE *out);
	void (*destroy)(struct vmb_vm *vm);
};

/* A crash-report snapshot of arm64 registers (names as the report prints
 * them), shared by the arm64 backends' get_state. */
void vmb_arm64_cpu_state(const struct vmb_arm64_regs *r, unsigned cpu,
			 struct vmb_cpu_state *st);

/* Backends compiled in, in --accel auto preference order (NULL-terminated). */
extern const struct vmb_hv_ops *const vmb_hv_backends[];

/*
 * Pick a backend: name "auto" tries each in order and returns the first
 * whose probe succeeds; a name selects that one (error if its probe fails,
 * with its reason; unknown names list the known ones).
 */
const struct vmb_hv_ops *vmb_hv_select(const char *name, const struct vmb_board *b,
				       struct vmb_err *err);

/* "vmb check": each backend, and whether it can run b or why not (the
 * same probe as vmb_hv_select). */
void vmb_hv_print_board(const struct vmb_board *b, FILE *out);

/* "vmb --help": the backends usable on this host (built in, right host
 * architecture, /dev/kvm there), then the others with the reason. */
void vmb_hv_print_host(FILE *out);

#endif
