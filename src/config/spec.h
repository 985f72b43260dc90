/* SPDX-License-Identifier: MIT */
/*
 * Machine spec: the typed, validated form of a machine file.
 *
 * Loading = parse the file, resolve its "include:" list (depth first; a later
 * document overrides an earlier one: maps merge key by key, sequences of maps
 * that carry a "name" merge entry by entry, Renode-style, other values are
 * replaced), apply --set overrides, expand repeated devices ("count"), then
 * check keys, types and required fields. The spec knows nothing of device
 * types: each device's type-specific keys stay as a node map (dev->props)
 * that the board validates against the type's property table.
 *
 * Paths in a file are relative to that file's directory; paths given with
 * --set are relative to the current directory. All paths in the spec are
 * stored resolved.
 */
#ifndef VMB_CONFIG_SPEC_H
#define VMB_CONFIG_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "config/node.h"

enum vmb_arch {
	VMB_ARCH_ARM64,
	VMB_ARCH_X86_64,
};

const char *vmb_arch_name(enum vmb_arch a); /* "arm64", "x86_64" */

enum vmb_mem_kind {
	VMB_MEM_RAM,
	VMB_MEM_ROM,
};

struct vmb_mem_spec {
	char *name;
	enum vmb_mem_kind kind;
	uint64_t base;       /* GPA */
	uint64_t size;       /* bytes */
	char *image;         /* optional file copied in at reset (resolved path) */
	uint64_t image_offset; /* byte offset in the region where image goes */
	struct vmb_loc loc;  /* the entry */
	struct vmb_loc image_loc;
};

enum vmb_irq_trigger {
	VMB_IRQ_LEVEL_HIGH, /* default */
	VMB_IRQ_EDGE_RISING,
};

#define VMB_DEV_MAX_IRQS 8

struct vmb_dev_spec {
	char *name;
	char *type;
	bool has_base;
	uint64_t base;       /* GPA, or I/O port for port-mapped devices */
	bool has_size;
	uint64_t size;
	unsigned nirq;
	uint32_t irq[VMB_DEV_MAX_IRQS]; /* interrupt-controller numbering:
					   SPI number on GIC, GSI on x86 */
	enum vmb_irq_trigger trigger;
	struct vmb_node *props; /* map of the remaining (type-specific) keys;
				   never NULL (empty map if none) */
	struct vmb_loc loc, type_loc, base_loc, irq_loc;
};

struct vmb_boot_spec {
	char *firmware;  bool has_firmware_addr; uint64_t firmware_addr;
	char *kernel;    bool has_kernel_addr;   uint64_t kernel_addr;
	char *initrd;    bool has_initrd_addr;   uint64_t initrd_addr;
	char *dtb;       bool has_dtb_addr;      uint64_t dtb_addr;
	char *cmdline;
	bool has_entry;  uint64_t entry;
	struct vmb_loc loc, firmware_loc, kernel_loc, initrd_loc, dtb_loc;
};

struct vmb_spec {
	char *file;          /* the top-level machine file */
	char *name;          /* "name:", default: file's basename without .yaml */
	char *model;         /* DT /model; default per arch */
	enum vmb_arch arch;
	unsigned ncpus;      /* cpus.count, default 1 */
	char *cpu_model;     /* cpus.model, default "cortex-a57" / "host" */
	struct vmb_loc cpus_loc;

	unsigned nmem;
	struct vmb_mem_spec *mem;
	unsigned ndev;
	struct vmb_dev_spec *dev;
	struct vmb_boot_spec boot;

	struct vmb_node *root; /* merged tree; owns every node referenced above */
	char **interned;       /* file names used in locations */
	unsigned ninterned;
};

/* One --set KEY=VALUE. "path" is dot-separated: map keys, sequence indexes,
 * or the "name" of a sequence entry (devices.uart0.base=0x9000000). A missing
 * final map key is created; "LIST.+" appends a named entry
 * (devices.+={name: d, type: ...}). */
struct vmb_override {
	const char *path;
	const char *value;
};

/* Load, merge, override and validate. Returns NULL with err set. */
struct vmb_spec *vmb_spec_load(const char *path, const struct vmb_override *ov,
			       unsigned nov, struct vmb_err *err);
/* The same; labels (NULL, or nov entries each NULL or text) name the
 * overrides in messages: "<--drive disk.img,ro>" instead of "<--set N>"
 * for device shorthands (config/devopt.h). */
struct vmb_spec *vmb_spec_load_labeled(const char *path, const struct vmb_override *ov,
				       const char *const *labels, unsigned nov,
				       struct vmb_err *err);
void vmb_spec_free(struct vmb_spec *s);

/* Lookup by name; NULL if absent. */
const struct vmb_dev_spec *vmb_spec_find_dev(const struct vmb_spec *s,
					     const char *name);

#endif
