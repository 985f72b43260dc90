/* SPDX-License-Identifier: MIT */
/*
 * Board model: what the machine spec becomes before any backend sees it.
 *
 *  - Guest-physical address map: RAM, ROM and device MMIO regions, kept
 *    sorted and non-overlapping; lookups are O(log n) binary searches.
 *  - An I/O-port map of the same shape (x86 port I/O).
 *  - Device instances created from the registry (device.h).
 *  - Interrupt routing: devices raise lines in the interrupt controller's
 *    numbering (SPI on GIC, GSI on x86); the backend delivers them.
 *  - Hypercall (PSCI) handler, console, stop requests.
 *
 * Concurrency (lock order in docs/architecture.md, "Locks"): every device
 * has its own lock, taken by the dispatch code around its callbacks
 * (vmb_board_mmio/pio/hypercall do so themselves), unless its type
 * synchronises itself (device.h). The board lock guards the machine's life
 * cycle only: reset, pause, later snapshots; it is taken before any device
 * lock, never inside one.
 */
#ifndef VMB_BOARD_BOARD_H
#define VMB_BOARD_BOARD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "board/device.h"
#include "board/gmem.h"
#include "board/irq.h"
#include "config/spec.h"

/*
 * A named device register, or an array of them, for --trace mmio and
 * debuggers: [off, off+size) in the region. stride 0: one register (an
 * access inside it is "NAME+0xK"); else size/stride registers named as
 * the spec numbers them, "NAME<n>" (n = (offset - off) / stride).
 * Tables end with an entry whose name is NULL.
 */
struct vmb_reg_name {
	uint32_t off, size, stride;
	const char *name;
};

/* Device register access. size is 1, 2, 4 or 8 bytes; off is relative to the
 * region base. Devices decide what a bad width does (documented per device). */
struct vmb_io_ops {
	uint64_t (*read)(void *opaque, uint64_t off, unsigned size);
	void (*write)(void *opaque, uint64_t off, uint64_t val, unsigned size);
	/* Optional, used instead of read/write when set: the same with the
	 * accessing vCPU (VMB_CPU_NONE when no vCPU made the access), for
	 * per-CPU banked registers and debuggers. */
	uint64_t (*read_cpu)(void *opaque, unsigned cpu, uint64_t off, unsigned size);
	void (*write_cpu)(void *opaque, unsigned cpu, uint64_t off, uint64_t val,
			  unsigned size);
	/* Optional register names (vmb_region_reg_name): the table regs, and
	 * reg_name for names that depend on state or direction (a 16550's
	 * DLAB), tried first with the device lock held: true with the name
	 * in buf, false to use regs. */
	const struct vmb_reg_name *regs;
	bool (*reg_name)(void *opaque, uint64_t off, bool write, char *buf,
			 size_t len);
};

/* "No vCPU": accesses from tests, loaders, the event loop. */
#define VMB_CPU_NONE (~0u)

enum vmb_region_kind {
	VMB_REGION_RAM,  /* host memory, guest read/write */
	VMB_REGION_ROM,  /* host memory, guest read-only; writes ignored */
	VMB_REGION_MMIO, /* device registers; may also be "romd" (see below) */
};

struct vmb_region {
	char name[64];
	enum vmb_region_kind kind;
	uint64_t gpa;      /* or port number in the PIO map */
	uint64_t size;
	uint8_t *host;     /* RAM/ROM: backing; MMIO: backing for romd, or NULL */
	/* MMIO with host != NULL: while romd is true, guest reads may be
	 * served straight from host memory (QEMU "romd" mode, used by CFI flash
	 * in read-array mode) and only writes reach ops->write. */
	bool romd;
	const struct vmb_io_ops *ops;
	void *opaque;
	struct vmb_device *dev;   /* owner, NULL for memory regions */
	struct vmb_loc loc;       /* where it was declared */
	void *hv_data;            /* backend's per-region data (memslot, ...) */
	unsigned nioevents;       /* notifiers inside (irq.h); atomic */
};

/* Sorted, non-overlapping set of regions; O(log n) lookup. */
struct vmb_addrmap {
	struct vmb_region **r;
	unsigned n, cap;
};

/* Returns the region containing addr, or NULL. */
struct vmb_region *vmb_addrmap_find(const struct vmb_addrmap *m, uint64_t addr);
/* Inserts; on overlap returns -1 and sets *clash to the region in the way. */
int vmb_addrmap_insert(struct vmb_addrmap *m, struct vmb_region *r,
		       struct vmb_region **clash);
/* The regions nearest below and above addr (either may be NULL). */
void vmb_addrmap_neighbours(const struct vmb_addrmap *m, uint64_t addr,
			    struct vmb_region **below, struct vmb_region **above);

enum vmb_stop_reason {
	VMB_STOP_NONE = 0,
	VMB_STOP_POWEROFF,  /* PSCI SYSTEM_OFF, i8042 off, ...: exit 0 */
	VMB_STOP_RESET,     /* PSCI SYSTEM_RESET, i8042 0xFE: reset and go on */
	VMB_STOP_QUIT,      /* user typed the console escape: exit 0 */
	VMB_STOP_FAULT,     /* guest fault or unmapped access: report, exit 2 */
	VMB_STOP_ERROR,     /* host-side error (backend failure): exit 1 */
};

/* Backend hooks the board calls; set by the backend at create time. */
struct vmb_board_hv_hooks {
	void *opaque;
	/* Drive interrupt line "irq" (controller numbering) to level. */
	void (*set_irq)(void *opaque, uint32_t irq, int level);
	/* A region's romd flag changed (remap it as memory or as MMIO). */
	void (*region_changed)(void *opaque, struct vmb_region *r);
	/* Make running vCPUs return to the run loop (a stop was requested). */
	void (*kick)(void *opaque);
	/* Optional (irq.h): deliver line l through the kernel: register l->fd
	 * as an irqfd (with l->resample_fd as its resamplefd when that is not
	 * -1). 0 on success; -1 keeps set_irq for this line. */
	int (*irq_attach)(void *opaque, struct vmb_irq_line *l);
	void (*irq_detach)(void *opaque, struct vmb_irq_line *l);
	/* Optional (irq.h): have the kernel signal ev->fd on matching guest
	 * writes instead of exiting. 0 on success; -1 leaves it to the board's
	 * dispatch. */
	int (*ioevent_add)(void *opaque, struct vmb_ioevent *ev);
	void (*ioevent_del)(void *opaque, struct vmb_ioevent *ev);
	/* Deterministic machines: the backend's virtual clock in ns since the
	 * board was created, or NULL to use host time (board/clock.h). */
	uint64_t (*clock_ns)(void *opaque);
	/* Optional: read the 32-bit distributor register at offset off
	 * (GICD_*, IHI0048B §4.3, IHI0069 §12.9) of the backend's in-kernel
	 * interrupt controller, for dumps. 0 on success; -1 with errno set
	 * (EBUSY: a vCPU is running). */
	int (*irqchip_dist_read)(void *opaque, uint32_t off, uint32_t *val);
};

/* Hypercall (HVC/SMC) handler: x[0..7] in, x[0..3] out. Returns 0 if
 * handled; -1 makes the backend treat the call as unknown. */
typedef int (*vmb_hypercall_fn)(void *opaque, unsigned cpu, uint64_t x[8]);

struct vmb_console;
struct vmb_loop;
struct vmb_mmio_trace;

struct vmb_board {
	const struct vmb_spec *spec;
	enum vmb_arch arch;
	unsigned ncpus;

	struct vmb_region *mem;    /* RAM/ROM regions from spec->mem */
	unsigned nmem;
	struct vmb_gmem gmem;      /* RAM regions, for device DMA (gmem.h) */
	struct vmb_addrmap map;    /* all guest-physical regions */
	struct vmb_addrmap pio;    /* x86 I/O ports */

	struct vmb_device **dev;
	unsigned ndev;

	/* Life cycle: reset, pause, snapshot. Taken before device locks. */
	pthread_mutex_t lock;
	struct vmb_board_hv_hooks hv;

	/* Queue notifiers (irq.h); ioev_lock guards the list. */
	pthread_mutex_t ioev_lock;
	struct vmb_ioevent *ioevents;

	vmb_hypercall_fn hypercall;
	void *hypercall_opaque;
	struct vmb_device *hypercall_dev;

	struct vmb_console *console; /* stdio console, NULL in tests */
	/* The machine's event loop (util/loop.h): created with the board,
	 * its thread started by vm.c; threadless in tests and "vmb check". */
	struct vmb_loop *loop;
	struct vmb_entropy *entropy; /* board/entropy.h */
	uint64_t created_ns;         /* host monotonic time at creation */

	/* --trace mmio (debug/trace.h): every device access is logged while
	 * set. Set before the backend is created, cleared after it is gone. */
	struct vmb_mmio_trace *mmio_trace;

	/* Stop request: the first reason set wins until cleared by run loop. */
	volatile enum vmb_stop_reason stop;
	char stop_msg[256];
};

/*
 * Build the board from a spec: regions (RAM allocated with mmap, zeroed),
 * devices from the registry, overlap and IRQ-clash checks (errors name both
 * entries' file:line:col). Devices are created in spec order.
 * console may be NULL (no guest console I/O: tests).
 */
struct vmb_board *vmb_board_create(const struct vmb_spec *spec,
				   struct vmb_console *console, struct vmb_err *err);
void vmb_board_destroy(struct vmb_board *b);

/* Reset every device (spec order) and reload images into memory regions. */
int vmb_board_reset(struct vmb_board *b, struct vmb_err *err);

/* For device create(): map a device MMIO region / PIO range. host may be
 * NULL (pure MMIO). Overlaps are errors naming both declarations. */
struct vmb_region *vmb_board_map_mmio(struct vmb_board *b, struct vmb_device *dev,
				      const char *name, uint64_t gpa, uint64_t size,
				      const struct vmb_io_ops *ops, void *opaque,
				      uint8_t *host, struct vmb_err *err);
struct vmb_region *vmb_board_map_pio(struct vmb_board *b, struct vmb_device *dev,
				     const char *name, uint64_t port, uint64_t size,
				     const struct vmb_io_ops *ops, void *opaque,
				     struct vmb_err *err);
/* Flip a region between romd (reads from host memory) and MMIO mode. */
void vmb_region_set_romd(struct vmb_board *b, struct vmb_region *r, bool romd);

/* Register the HVC/SMC handler (PSCI). One per board. */
int vmb_board_set_hypercall(struct vmb_board *b, struct vmb_device *dev,
			    vmb_hypercall_fn fn, void *opaque, struct vmb_err *err);

/* One guest access, as a backend reports it. */
struct vmb_access {
	unsigned cpu;       /* accessing vCPU, or VMB_CPU_NONE */
	bool pio;           /* I/O-port space (x86) instead of memory */
	bool write;
	uint64_t addr;      /* GPA or port */
	unsigned size;      /* 1, 2, 4 or 8 */
	uint64_t val;       /* data written, or filled in by a read */
};

/*
 * Dispatch a guest access (backends call this). The owning device's lock
 * is held around its callback; a write that matches a queue notifier
 * (irq.h) signals it instead. Returns 0 when a region handled it, -1 when
 * no region owns the address (the caller reports a fault). Reads of
 * RAM/ROM/romd regions are served from host memory; writes to ROM are
 * ignored.
 */
int vmb_board_access(struct vmb_board *b, struct vmb_access *a);
/* The same for a backend that already found the region r owning the whole
 * access (Unicorn's MMIO windows). */
void vmb_region_access(struct vmb_board *b, struct vmb_region *r,
		       struct vmb_access *a);
/* The same for callers with no vCPU (tests, tools): cpu = VMB_CPU_NONE. */
int vmb_board_mmio_read(struct vmb_board *b, uint64_t gpa, unsigned size, uint64_t *val);
int vmb_board_mmio_write(struct vmb_board *b, uint64_t gpa, unsigned size, uint64_t val);
int vmb_board_pio_read(struct vmb_board *b, uint64_t port, unsigned size, uint64_t *val);
int vmb_board_pio_write(struct vmb_board *b, uint64_t port, unsigned size, uint64_t val);
/* HVC/SMC from vCPU cpu; the handler device's lock is held. */
int vmb_board_hypercall(struct vmb_board *b, unsigned cpu, uint64_t x[8]);

/* A backend installed its hooks in b->hv: hand it the interrupt lines that
 * want irqfds and the queue notifiers made so far. Before removing its
 * hooks, the backend calls vmb_board_detach_hv(). */
void vmb_board_attach_hv(struct vmb_board *b);
void vmb_board_detach_hv(struct vmb_board *b);

/* Host pointer for [gpa, gpa+len) if it lies in one region with host
 * memory (RAM, ROM, or romd-capable MMIO), else NULL. For loaders and
 * debuggers, not for guest accesses: devices use b->gmem (gmem.h). */
uint8_t *vmb_board_gpa_ptr(struct vmb_board *b, uint64_t gpa, uint64_t len);

/* Copy a file into guest memory at gpa. Errors name the file, the address
 * and the region it would overflow. Returns bytes loaded or -1. */
int64_t vmb_board_load_file(struct vmb_board *b, const char *path, uint64_t gpa,
			    struct vmb_err *err);

/* Ask the machine to stop (any thread). First reason wins; msg may be NULL. */
void vmb_board_request_stop(struct vmb_board *b, enum vmb_stop_reason why,
			    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The RAM region containing gpa / the first RAM region (NULL if none). */
const struct vmb_region *vmb_board_ram_at(const struct vmb_board *b, uint64_t gpa);
const struct vmb_region *vmb_board_first_ram(const struct vmb_board *b);

/* Device by name, or by type name (first match); NULL if absent. */
struct vmb_device *vmb_board_find_dev(const struct vmb_board *b, const char *name);
struct vmb_device *vmb_board_find_type(const struct vmb_board *b, const char *type);

/* Print the resolved memory map and interrupt table ("vmb check"). */
void vmb_board_print(const struct vmb_board *b, FILE *out);

/* A region's name as every message and listing gives it: "DEVICE:REGION"
 * for a device's extra regions ("gic:dist"), else the region's own name
 * ("uart0", "ram"). Into buf (truncated); returns buf. */
const char *vmb_region_label(const struct vmb_region *r, char *buf, size_t len);

/*
 * "DEVICE:REGISTER" for an access at off in device region r ("uart0:UARTDR",
 * "gic:GICD_ISENABLER1", "virtio0:Config+0x14"), from the region's
 * vmb_io_ops names; without a name, the region's label and the offset
 * ("uart0+0x40", "gic:redist+0x10080"). Into buf (truncated); returns buf.
 */
const char *vmb_region_reg_name(const struct vmb_region *r, uint64_t off,
				bool write, char *buf, size_t len);

/* The name of off in table t ("GICD_ISENABLER3", "Config+0x4") into buf;
 * false if no entry covers off. For reg_name callbacks with several
 * tables. */
bool vmb_reg_table_name(const struct vmb_reg_name *t, uint64_t off, char *buf,
			size_t len);

/* "ram", "rom", "mmio" or "mmio+rom" (romd-capable), as maps print it. */
const char *vmb_region_kind_name(const struct vmb_region *r);

#endif
