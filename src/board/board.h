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
 * Concurrency: one board lock serialises all device callbacks. Backends take
 * it around dispatch (vmb_board_mmio/pio/hypercall do so themselves).
 */
#ifndef VMB_BOARD_BOARD_H
#define VMB_BOARD_BOARD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "board/device.h"
#include "config/spec.h"

/* Device register access. size is 1, 2, 4 or 8 bytes; off is relative to the
 * region base. Devices decide what a bad width does (documented per device). */
struct vmb_io_ops {
	uint64_t (*read)(void *opaque, uint64_t off, unsigned size);
	void (*write)(void *opaque, uint64_t off, uint64_t val, unsigned size);
};

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
	/* Deterministic machines: the backend's virtual clock in ns since the
	 * board was created, or NULL to use host time (board/clock.h). */
	uint64_t (*clock_ns)(void *opaque);
};

/* Hypercall (HVC/SMC) handler: x[0..7] in, x[0..3] out. Returns 0 if
 * handled; -1 makes the backend treat the call as unknown. */
typedef int (*vmb_hypercall_fn)(void *opaque, unsigned cpu, uint64_t x[8]);

struct vmb_console;

struct vmb_board {
	const struct vmb_spec *spec;
	enum vmb_arch arch;
	unsigned ncpus;

	struct vmb_region *mem;    /* RAM/ROM regions from spec->mem */
	unsigned nmem;
	struct vmb_addrmap map;    /* all guest-physical regions */
	struct vmb_addrmap pio;    /* x86 I/O ports */

	struct vmb_device **dev;
	unsigned ndev;

	/* IRQ ownership for clash detection: irq number -> device. */
	pthread_mutex_t lock;
	struct vmb_board_hv_hooks hv;

	vmb_hypercall_fn hypercall;
	void *hypercall_opaque;
	struct vmb_device *hypercall_dev;

	struct vmb_console *console; /* stdio console, NULL in tests */
	struct vmb_entropy *entropy; /* board/entropy.h */
	uint64_t created_ns;         /* host monotonic time at creation */

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

/*
 * Dispatch guest accesses (backends call these; they take the board lock).
 * Return 0 when a region handled it, -1 when no region owns the address
 * (the caller reports a fault). Reads of RAM/ROM/romd regions are served
 * from host memory; writes to ROM are ignored.
 */
int vmb_board_mmio_read(struct vmb_board *b, uint64_t gpa, unsigned size, uint64_t *val);
int vmb_board_mmio_write(struct vmb_board *b, uint64_t gpa, unsigned size, uint64_t val);
int vmb_board_pio_read(struct vmb_board *b, uint64_t port, unsigned size, uint64_t *val);
int vmb_board_pio_write(struct vmb_board *b, uint64_t port, unsigned size, uint64_t val);
int vmb_board_hypercall(struct vmb_board *b, unsigned cpu, uint64_t x[8]);

/* Host pointer for [gpa, gpa+len) if it lies in one region with host
 * memory (RAM, ROM, or romd-capable MMIO), else NULL. For loaders and
 * debuggers, not for guest accesses. */
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

/* "ram", "rom", "mmio" or "mmio+rom" (romd-capable), as maps print it. */
const char *vmb_region_kind_name(const struct vmb_region *r);

#endif
