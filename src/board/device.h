/* SPDX-License-Identifier: MIT */
/*
 * Device types and instances.
 *
 * A device type is a const struct vmb_device_type registered by name from
 * its own file (VMB_DEVICE_TYPE(x) at file scope); nothing else in vmb lists
 * device types, so adding one touches no loader or backend code.
 *
 * Life of an instance: the board validates the spec entry's type-specific
 * keys against type->props, allocates struct vmb_device, calls
 * type->create(), which maps its MMIO/PIO regions and claims resources; at
 * every machine reset type->reset(); at DT generation type->fdt_node();
 * at exit type->destroy().
 *
 * Locking: each instance has a lock (dev->lock) that the board's dispatch
 * holds around mmio/pio callbacks, the hypercall handler, reset, save/load
 * and the device's queue-notifier callbacks (irq.h), so device code needs
 * no locking of its own. Code that enters a device from elsewhere (console
 * input, the device's own timers or event-loop watches) takes it with
 * vmb_dev_lock(). A type that synchronises itself (finer locks, lock-free
 * rings) sets locks_itself, and then dispatch takes no lock for it. Lock
 * order: board lock, then one device lock; never two device locks.
 *
 * State apart from runtime resources: save() serialises what the guest can
 * observe (registers, FIFO contents, queue indices) and nothing of the host
 * (fds, threads, pointers); load() restores it into a created instance of
 * the same machine. This is the basis for snapshots (vmb_dev_save/load add
 * the type name, a version and the length around it).
 */
#ifndef VMB_BOARD_DEVICE_H
#define VMB_BOARD_DEVICE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/spec.h"
#include "util/statebuf.h"

struct vmb_board;
struct vmb_fdt;
struct vmb_device;
struct vmb_irq_line;

enum vmb_prop_kind {
	VMB_PROP_U64,   /* number */
	VMB_PROP_SIZE,  /* number or size with K/M/G suffix */
	VMB_PROP_BOOL,
	VMB_PROP_STR,
	VMB_PROP_PATH,  /* string, resolved relative to the machine file */
	VMB_PROP_ENUM,  /* string, one of choices[] */
	VMB_PROP_LIST,  /* sequence; the device reads it from the node itself */
};

/* One type-specific key a device accepts. */
struct vmb_prop_desc {
	const char *name;
	enum vmb_prop_kind kind;
	const char *def;            /* default as text, NULL if none */
	const char *help;           /* one line for docs and "vmb check" */
	const char *const *choices; /* ENUM: NULL-terminated */
};

struct vmb_device_type {
	const char *name;     /* as written in "type:" */
	const char *summary;  /* one line: what it models, and the spec it follows */
	const struct vmb_prop_desc *props; /* terminated by {NULL}; may be NULL */
	bool needs_base;      /* "base:" is required */
	uint64_t default_size;/* used when "size:" is absent (0 = size required
				 if needs_base) */
	unsigned min_irqs;    /* "irq:" entries required */
	unsigned max_irqs;
	/*
	 * Files the properties name, for "vmb resolve" and "vmb pack", which
	 * pin, rebase and bundle them without knowing the device. A PATH
	 * property always names a file. path_lists: LIST properties whose
	 * items name files: "files" = each item is a file name or null;
	 * "files.file" = each item is a mapping whose "file" key (if any) is
	 * one. Each such file may be pinned ({ path, sha256 }); the board
	 * checks and unpins it; the device resolves it with vmb_node_path.
	 * writes: PATH or path-list properties whose files the device writes
	 * (flash, disks): a bundle runs on a copy. Both NULL-terminated, or
	 * NULL.
	 */
	const char *const *path_lists;
	const char *const *writes;
	/*
	 * read_only: a BOOL property that, when true, means the device only
	 * reads its "writes" files (a read-only disk): they are then pinned
	 * and bundled as inputs. uris: PATH properties that also take a URI
	 * (vmb_path_is_uri: nbd://...), which is no file: left as written,
	 * never rebased, pinned nor bundled. dirs: PATH properties naming a
	 * directory (a TFTP root): resolve writes its absolute path unpinned;
	 * pack refuses it (a bundle holds files). NULL, or NULL-terminated.
	 */
	const char *read_only;
	const char *const *uris;
	const char *const *dirs;

	/* Map regions, allocate state. Return -1 with err set (use the spec's
	 * locations) on bad properties or missing files. */
	int (*create)(struct vmb_device *dev, struct vmb_err *err);
	/* Power-on state; also called after create() before the first run. */
	void (*reset)(struct vmb_device *dev);
	/* Write this device's DT node(s); see fdt/fdt.h. Return -1 on libfdt
	 * failure (err set). NULL: device has no node. */
	int (*fdt_node)(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err);
	void (*destroy)(struct vmb_device *dev);

	/* The type serialises access to its state itself: dispatch takes no
	 * device lock for it (see above). */
	bool locks_itself;
	/* Optional pair (see above): append the state to out / restore it
	 * from in. load() returns -1 with err set on values no save() could
	 * have written; the reader's own underrun check catches short data.
	 * Bump state_version whenever the layout changes. */
	void (*save)(struct vmb_device *dev, struct vmb_state_writer *out);
	int (*load)(struct vmb_device *dev, struct vmb_state_reader *in,
		    struct vmb_err *err);
	unsigned state_version;

	/*
	 * Optional: print the registers a guest sees, named as the device's
	 * spec names them, with their values and set bits, through
	 * regdump.h (gdb "monitor device NAME"). Called under the device
	 * lock (vmb_dev_dump). It must change nothing: it reads the model's
	 * fields and never goes through the read path, which can pop a FIFO,
	 * clear a status or raise an interrupt. NULL: the monitor falls back
	 * to the save() state in hex.
	 */
	void (*dump)(struct vmb_device *dev, FILE *out);
};

struct vmb_device {
	const struct vmb_device_type *type;
	const struct vmb_dev_spec *spec; /* name, base, size, irq[], props */
	struct vmb_board *board;
	const char *name;   /* == spec->name */
	uint64_t base;      /* spec->base */
	uint64_t size;      /* spec->size or type->default_size */
	void *priv;         /* device state, owned by the type */
	pthread_mutex_t lock;        /* see "Locking" above */
	struct vmb_irq_line *irq;    /* one per spec->irq[] entry */
	unsigned nirq;
};

/* Take / drop dev's lock (no-op for locks_itself types and dev == NULL). */
void vmb_dev_lock(struct vmb_device *dev);
void vmb_dev_unlock(struct vmb_device *dev);

/* The interrupt line object of irq[idx] (irq.h), NULL if idx is out of
 * range. */
struct vmb_irq_line *vmb_dev_irq(struct vmb_device *dev, unsigned idx);

/*
 * Snapshot one device: header (type name, state_version, payload length)
 * then type->save(). vmb_dev_load checks the header against dev's type,
 * runs type->load() under the device lock and requires the payload to be
 * consumed exactly. Both return -1 with err set; save fails only for types
 * without save/load ("device 'x' (type) cannot be saved").
 */
int vmb_dev_save(struct vmb_device *dev, struct vmb_state_writer *out,
		 struct vmb_err *err);
int vmb_dev_load(struct vmb_device *dev, struct vmb_state_reader *in,
		 struct vmb_err *err);

/* name is in the NULL-terminated list (writes; may be NULL). */
bool vmb_prop_listed(const char *const *list, const char *name);

/* Whether the device writes the files property "prop" names: listed in
 * its type's "writes" and not made read-only by its "read_only" property. */
bool vmb_dev_prop_writes(const struct vmb_device *dev, const char *prop);

/* "SCHEME://...", SCHEME = a letter then letters, digits, + - . (RFC 3986
 * §3.1): a URI, not a file name (for a type's "uris" properties). */
bool vmb_path_is_uri(const char *s);

/* Whether LIST property "prop" of t names files (path_lists): false if
 * not; else true with *item_key NULL (items are paths) or the key of each
 * item mapping that holds a path. */
bool vmb_prop_path_list(const struct vmb_device_type *t, const char *prop,
			const char **item_key);

/* The file node of a path-list item (the item, or item[item_key]), or
 * NULL when the item names none (null, or no such key). */
struct vmb_node *vmb_path_list_file(struct vmb_node *item, const char *item_key);

/* Registration (called from constructors generated by VMB_DEVICE_TYPE). */
void vmb_device_type_register(const struct vmb_device_type *t);
const struct vmb_device_type *vmb_device_type_find(const char *name);
/* Registered types sorted by name; *n set to the count. */
const struct vmb_device_type *const *vmb_device_types(unsigned *n);

#define VMB_DEVICE_TYPE(t)                                                   \
	static void __attribute__((constructor)) vmb_register_##t(void)     \
	{                                                                    \
		vmb_device_type_register(&(t));                              \
	}

/*
 * Property accessors for create(): the value given in the machine file or
 * the declared default. A key absent with no default: *_opt returns false.
 * Type errors were already reported by the board's validation, so these
 * cannot fail for declared properties. PATH values come back resolved.
 */
uint64_t vmb_dev_prop_u64(const struct vmb_device *dev, const char *name);
bool vmb_dev_prop_bool(const struct vmb_device *dev, const char *name);
const char *vmb_dev_prop_str(const struct vmb_device *dev, const char *name); /* NULL if unset */
const struct vmb_node *vmb_dev_prop_node(const struct vmb_device *dev, const char *name);
const struct vmb_loc *vmb_dev_prop_loc(const struct vmb_device *dev, const char *name);

/* Drive the device's irq[idx] line to level: vmb_irq_set() on
 * vmb_dev_irq(dev, idx), which delivers transitions only. */
void vmb_dev_set_irq(struct vmb_device *dev, unsigned idx, int level);

#endif
