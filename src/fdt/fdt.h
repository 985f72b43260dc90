/* SPDX-License-Identifier: MIT */
/*
 * Device tree generation (libfdt read-write API).
 *
 * The core writes the root properties, /chosen, /cpus and /memory; every
 * device's type->fdt_node() adds its own node(s). Node and property choices
 * reproduce what QEMU 7.2 hw/arm/virt.c emits so the same firmware and
 * kernels behave the same (docs/devices.md lists deliberate differences).
 *
 * Cells: the root uses #address-cells = <2>, #size-cells = <2>.
 * Phandles are allocated by name ("gic", "apb-pclk", "cpu0", ...) from
 * 0x8000 up, matching QEMU's numbering scheme, so nodes can refer to each
 * other regardless of creation order.
 *
 * Phandle keys: a device's key is its device name (spec "name:"), so a
 * machine file refers to it by that name (pl011 "clock: apb-pclk", pcie
 * "msi-parent: gic"); a device with further referable nodes names their
 * keys itself (the GIC's MSI frames are "v2m" and "its"); CPUs are "cpu0",
 * "cpu1"...
 * Whoever refers calls vmb_fdt_phandle(f, key); the node that OWNS the key
 * writes vmb_fdt_prop_u32(f, node, "phandle", vmb_fdt_phandle(f, key)).
 * vmb_fdt_build fails, naming the referring device, if a key was used but
 * no node carries its phandle.
 *
 * Order: device nodes appear in the tree in machine-file order (the
 * fdt_node callbacks run last device first, and libfdt inserts each new
 * node first among its siblings), so guests that enumerate in tree order
 * (virtio-mmio transports, UARTs) see them lowest address first, as on
 * QEMU; /chosen, /cpus and /memory come before them.
 *
 * Node offsets: libfdt offsets are byte positions, so adding a node or a
 * property moves every node stored after it. A node's own offset survives
 * changes to itself and to its descendants; offsets of its children do not
 * survive a later property added to the node. Write a node's properties
 * before adding its children, or look offsets up again (fdt_path_offset).
 * Growing the buffer keeps offsets valid.
 */
#ifndef VMB_FDT_FDT_H
#define VMB_FDT_FDT_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct vmb_board;
struct vmb_device;

struct vmb_fdt {
	void *blob;
	size_t cap;
	struct vmb_board *board;
	struct {
		char *name;
		uint32_t phandle;
		/* first device whose fdt_node asked for it (NULL: the core);
		 * named in the "nothing provides phandle" error */
		const struct vmb_device *user;
	} *ph;
	unsigned nph;
	uint32_t next_phandle;
	const char *stdout_path; /* set by the console UART's fdt_node
				    (use vmb_fdt_set_stdout) */
	char *stdout_buf;        /* owned copy behind stdout_path */
	const struct vmb_device *cur_dev; /* device whose fdt_node runs */
	unsigned cur_idx;                 /* its index in board->dev[] */
	unsigned stdout_idx;              /* index of the stdout device */
	const struct vmb_device *gic;     /* gic-v2/gic-v3 device, or NULL */
};

/*
 * Build the whole tree for board b. Returns a malloc'd blob (packed,
 * totalsize set; free() it) or NULL with err set. /chosen gets bootargs from
 * the spec (boot.cmdline) and linux,initrd-start/end = [initrd_start,
 * initrd_end) from the boot protocol (pass 0, 0 for no initrd). Fails for
 * x86_64 boards (no device tree there), on a phandle referenced but
 * provided by no node (error at the referring device's location), and on
 * any device's fdt_node failure.
 */
void *vmb_fdt_build(struct vmb_board *b, uint64_t initrd_start, uint64_t initrd_end,
		    struct vmb_err *err);

/* Add "name@unit" (or "name" if unit == VMB_FDT_NO_UNIT) under parent
 * offset. Returns the node offset, or -1 with err set. */
#define VMB_FDT_NO_UNIT UINT64_MAX
int vmb_fdt_add_node(struct vmb_fdt *f, int parent, const char *name, uint64_t unit,
		     struct vmb_err *err);

/* Phandle for a named node, allocated on first use. */
uint32_t vmb_fdt_phandle(struct vmb_fdt *f, const char *key);

/* Property helpers; each returns 0 or -1 with err set. Cells are big-endian
 * as the DT spec requires. */
int vmb_fdt_prop_u32(struct vmb_fdt *f, int node, const char *name, uint32_t v,
		     struct vmb_err *err);
int vmb_fdt_prop_cells(struct vmb_fdt *f, int node, const char *name,
		       const uint32_t *cells, unsigned n, struct vmb_err *err);
int vmb_fdt_prop_str(struct vmb_fdt *f, int node, const char *name, const char *s,
		     struct vmb_err *err);
/* NULL-terminated list of strings -> "a\0b\0" stringlist. */
int vmb_fdt_prop_strs(struct vmb_fdt *f, int node, const char *name,
		      const char *const *strs, struct vmb_err *err);
int vmb_fdt_prop_empty(struct vmb_fdt *f, int node, const char *name, struct vmb_err *err);
/* reg = <addr_hi addr_lo size_hi size_lo> x n (2 address, 2 size cells). */
int vmb_fdt_prop_reg(struct vmb_fdt *f, int node, const uint64_t *addr_size_pairs,
		     unsigned npairs, struct vmb_err *err);
/* GIC-style interrupts = <0 spi trig> for each of dev's irqs; trig 4 for
 * level-high, 1 for rising edge (dt-bindings/interrupt-controller/arm-gic.h). */
int vmb_fdt_prop_dev_interrupts(struct vmb_fdt *f, int node,
				const struct vmb_device *dev, struct vmb_err *err);

/* ---- Additions (fdt core) --------------------------------------------- */

/* Start an empty tree for board b (no nodes but the root, no properties):
 * for device unit tests that call a type's fdt_node() directly. Returns 0,
 * or -1 with err set. vmb_fdt_build does this itself. */
int vmb_fdt_init(struct vmb_fdt *f, struct vmb_board *b, struct vmb_err *err);
/* Free everything f owns, including f->blob. */
void vmb_fdt_release(struct vmb_fdt *f);

/* Make node the console: /chosen/stdout-path = its full path. The device
 * first in spec order wins (like the console claim), whatever order the
 * fdt_node callbacks run in. For a console UART's fdt_node, whether or not
 * a host console is attached (`vmb dtb` runs without one). Returns 0 or -1
 * with err set. */
int vmb_fdt_set_stdout(struct vmb_fdt *f, int node, struct vmb_err *err);

/* Raw bytes property (rng-seed, ...). */
int vmb_fdt_prop_bytes(struct vmb_fdt *f, int node, const char *name,
		       const void *val, size_t len, struct vmb_err *err);
/* One 64-bit value as two cells, high first (DT "u64"). */
int vmb_fdt_prop_u64(struct vmb_fdt *f, int node, const char *name, uint64_t v,
		     struct vmb_err *err);

/* The "reg" value of CPU idx: its MPIDR_EL1 affinity (Aff1 = idx / 16,
 * Aff0 = idx % 16, as KVM numbers vCPUs and QEMU virt does with GICv3;
 * identical to QEMU's 8-per-cluster GICv2 numbering for the 8 CPUs a GICv2
 * supports). Backends setting MPIDR_EL1 should use the same numbering. */
uint64_t vmb_fdt_cpu_mpidr(unsigned idx);

#endif
