/* SPDX-License-Identifier: MIT */
/*
 * Device tree generation: the core nodes (root, /cpus, /memory, /chosen),
 * the growing-buffer property helpers every device's fdt_node() uses, and
 * phandle bookkeeping. See fdt.h.
 *
 * Reproduces what QEMU 7.2 emits for -M virt (hw/arm/virt.c create_fdt,
 * fdt_add_cpu_nodes; hw/arm/boot.c arm_load_dtb), checked by
 * tests/integration/dtb-compare.sh; deliberate differences are listed in
 * docs/devices.md. Bindings: Devicetree Specification v0.4 §3 (root, /cpus,
 * /memory, /chosen), Linux Documentation/devicetree/bindings/cpu/
 * cpu-topology.txt (cpu-map), .../chosen.txt (rng-seed, kaslr-seed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#include "board/board.h"
#include "board/entropy.h"
#include "fdt/fdt.h"

#define FIRST_PHANDLE 0x8000 /* QEMU's first phandle (qemu_fdt_alloc_phandle) */
#define INITIAL_SIZE 4096
#define MAX_SIZE (64u << 20) /* far beyond any real tree; stops a runaway loop */

/* "device 'uart0' (pl011): " when a device's fdt_node is running. */
static void who(const struct vmb_fdt *f, char *buf, size_t len)
{
	if (f->cur_dev)
		snprintf(buf, len, "device '%s' (%s): ", f->cur_dev->name,
			 f->cur_dev->type->name);
	else
		buf[0] = '\0';
}

static void node_path(const struct vmb_fdt *f, int node, char *buf, int len)
{
	if (fdt_get_path(f->blob, node, buf, len) < 0)
		snprintf(buf, (size_t)len, "<node at offset %d>", node);
}

static int fdt_fail(struct vmb_fdt *f, struct vmb_err *err, const char *what,
		    int node, const char *name, int rc)
{
	char w[160], path[256];

	who(f, w, sizeof(w));
	node_path(f, node, path, sizeof(path));
	return vmb_errf(err, NULL, "%sdevice tree: cannot %s '%s' in '%s': %s",
			w, what, name, path, fdt_strerror(rc));
}

/* Double the buffer. fdt_open_into keeps the structure block where it is,
 * so node offsets stay valid across growth. */
static int grow(struct vmb_fdt *f, struct vmb_err *err)
{
	size_t ncap = f->cap * 2;
	void *nb;
	int rc;

	if (ncap > MAX_SIZE)
		return vmb_errf(err, NULL, "device tree: larger than %u MiB, giving up",
				MAX_SIZE >> 20);
	nb = vmb_realloc(f->blob, ncap);
	rc = fdt_open_into(nb, nb, (int)ncap);
	f->blob = nb;
	if (rc)
		return vmb_errf(err, NULL, "device tree: cannot grow to %zu bytes: %s",
				ncap, fdt_strerror(rc));
	f->cap = ncap;
	return 0;
}

int vmb_fdt_init(struct vmb_fdt *f, struct vmb_board *b, struct vmb_err *err)
{
	int rc;

	memset(f, 0, sizeof(*f));
	f->board = b;
	f->next_phandle = FIRST_PHANDLE;
	f->cap = INITIAL_SIZE;
	f->blob = vmb_zalloc(f->cap);
	rc = fdt_create_empty_tree(f->blob, (int)f->cap);
	if (rc) {
		vmb_fdt_release(f);
		return vmb_errf(err, NULL, "device tree: cannot create: %s",
				fdt_strerror(rc));
	}
	if (b) {
		f->gic = vmb_board_find_type(b, "gic-v2");
		if (!f->gic)
			f->gic = vmb_board_find_type(b, "gic-v3");
	}
	return 0;
}

void vmb_fdt_release(struct vmb_fdt *f)
{
	for (unsigned i = 0; i < f->nph; i++)
		free(f->ph[i].name);
	free(f->ph);
	free(f->stdout_buf);
	free(f->blob);
	memset(f, 0, sizeof(*f));
}

int vmb_fdt_add_node(struct vmb_fdt *f, int parent, const char *name, uint64_t unit,
		     struct vmb_err *err)
{
	char full[256];
	int off;

	if (unit == VMB_FDT_NO_UNIT)
		snprintf(full, sizeof(full), "%s", name);
	else
		snprintf(full, sizeof(full), "%s@%llx", name, (unsigned long long)unit);
	while ((off = fdt_add_subnode(f->blob, parent, full)) == -FDT_ERR_NOSPACE)
		if (grow(f, err))
			return -1;
	if (off == -FDT_ERR_EXISTS) {
		char w[160], path[256];

		who(f, w, sizeof(w));
		node_path(f, parent, path, sizeof(path));
		return vmb_errf(err, NULL, "%sdevice tree: node '%s' already exists in "
				"'%s' (two devices of one kind at the same address?)",
				w, full, path);
	}
	if (off < 0)
		return fdt_fail(f, err, "add node", parent, full, off);
	return off;
}

uint32_t vmb_fdt_phandle(struct vmb_fdt *f, const char *key)
{
	for (unsigned i = 0; i < f->nph; i++)
		if (!strcmp(f->ph[i].name, key))
			return f->ph[i].phandle;
	if (!f->next_phandle)
		f->next_phandle = FIRST_PHANDLE;
	f->ph = vmb_realloc(f->ph, (f->nph + 1) * sizeof(*f->ph));
	f->ph[f->nph].name = vmb_strdup(key);
	f->ph[f->nph].phandle = f->next_phandle++;
	f->ph[f->nph].user = f->cur_dev;
	return f->ph[f->nph++].phandle;
}

int vmb_fdt_prop_bytes(struct vmb_fdt *f, int node, const char *name,
		       const void *val, size_t len, struct vmb_err *err)
{
	int rc;

	while ((rc = fdt_setprop(f->blob, node, name, val, (int)len)) ==
	       -FDT_ERR_NOSPACE)
		if (grow(f, err))
			return -1;
	if (rc)
		return fdt_fail(f, err, "set property", node, name, rc);
	return 0;
}

int vmb_fdt_prop_cells(struct vmb_fdt *f, int node, const char *name,
		       const uint32_t *cells, unsigned n, struct vmb_err *err)
{
	fdt32_t *be = vmb_zalloc(n * sizeof(*be));
	int rc;

	for (unsigned i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	rc = vmb_fdt_prop_bytes(f, node, name, be, n * sizeof(*be), err);
	free(be);
	return rc;
}

int vmb_fdt_prop_u32(struct vmb_fdt *f, int node, const char *name, uint32_t v,
		     struct vmb_err *err)
{
	return vmb_fdt_prop_cells(f, node, name, &v, 1, err);
}

int vmb_fdt_prop_u64(struct vmb_fdt *f, int node, const char *name, uint64_t v,
		     struct vmb_err *err)
{
	uint32_t c[2] = { (uint32_t)(v >> 32), (uint32_t)v };

	return vmb_fdt_prop_cells(f, node, name, c, 2, err);
}

int vmb_fdt_prop_str(struct vmb_fdt *f, int node, const char *name, const char *s,
		     struct vmb_err *err)
{
	return vmb_fdt_prop_bytes(f, node, name, s, strlen(s) + 1, err);
}

int vmb_fdt_prop_strs(struct vmb_fdt *f, int node, const char *name,
		      const char *const *strs, struct vmb_err *err)
{
	size_t len = 0, off = 0;
	char *buf;
	int rc;

	for (const char *const *s = strs; *s; s++)
		len += strlen(*s) + 1;
	buf = vmb_zalloc(len);
	for (const char *const *s = strs; *s; s++) {
		memcpy(buf + off, *s, strlen(*s) + 1);
		off += strlen(*s) + 1;
	}
	rc = vmb_fdt_prop_bytes(f, node, name, buf, len, err);
	free(buf);
	return rc;
}

int vmb_fdt_prop_empty(struct vmb_fdt *f, int node, const char *name, struct vmb_err *err)
{
	return vmb_fdt_prop_bytes(f, node, name, NULL, 0, err);
}

int vmb_fdt_prop_reg(struct vmb_fdt *f, int node, const uint64_t *addr_size_pairs,
		     unsigned npairs, struct vmb_err *err)
{
	uint32_t *c = vmb_zalloc(npairs * 4 * sizeof(*c));
	int rc;

	for (unsigned i = 0; i < npairs * 2; i++) {
		c[2 * i] = (uint32_t)(addr_size_pairs[i] >> 32);
		c[2 * i + 1] = (uint32_t)addr_size_pairs[i];
	}
	rc = vmb_fdt_prop_cells(f, node, "reg", c, npairs * 4, err);
	free(c);
	return rc;
}

/* Without a GIC there is no interrupt controller node to interpret the
 * specifier, so the property is left out rather than written wrongly; a
 * bare-metal board without a GIC still gets a usable tree. */
int vmb_fdt_prop_dev_interrupts(struct vmb_fdt *f, int node,
				const struct vmb_device *dev, struct vmb_err *err)
{
	const struct vmb_dev_spec *ds = dev->spec;
	uint32_t c[3 * VMB_DEV_MAX_IRQS];
	/* GIC binding: <type number flags>, type 0 = SPI; flags 4 =
	 * IRQ_TYPE_LEVEL_HIGH, 1 = IRQ_TYPE_EDGE_RISING. */
	uint32_t flags = ds->trigger == VMB_IRQ_EDGE_RISING ? 1 : 4;

	if (!ds->nirq || !f->gic)
		return 0;
	for (unsigned i = 0; i < ds->nirq && i < VMB_DEV_MAX_IRQS; i++) {
		c[3 * i] = 0;
		c[3 * i + 1] = ds->irq[i];
		c[3 * i + 2] = flags;
	}
	return vmb_fdt_prop_cells(f, node, "interrupts", c, 3 * ds->nirq, err);
}

int vmb_fdt_set_stdout(struct vmb_fdt *f, int node, struct vmb_err *err)
{
	char path[256];
	int rc;

	/* Devices run last first (see write_devices): an earlier one in
	 * spec order replaces a later one. */
	if (f->stdout_path && (!f->cur_dev || f->stdout_idx <= f->cur_idx))
		return 0;
	rc = fdt_get_path(f->blob, node, path, sizeof(path));
	if (rc)
		return fdt_fail(f, err, "get the path of", node, "stdout node", rc);
	free(f->stdout_buf);
	f->stdout_buf = vmb_strdup(path);
	f->stdout_path = f->stdout_buf;
	f->stdout_idx = f->cur_idx;
	return 0;
}

uint64_t vmb_fdt_cpu_mpidr(unsigned idx)
{
	return (uint64_t)(idx & 0xf) | (uint64_t)((idx >> 4) & 0xff) << 8 |
	       (uint64_t)((idx >> 12) & 0xff) << 16;
}

/*
 * /chosen as QEMU 7.2 fills it: rng-seed (32 bytes) and kaslr-seed (8 bytes)
 * from create_randomness(); bootargs only for a non-empty command line;
 * linux,initrd-start/end as one cell each (QEMU 7.2 uses
 * qemu_fdt_setprop_cell) when they fit in 32 bits, else two cells (as later
 * QEMU does with #address-cells); Linux reads either by property length.
 * Written after the devices, so stdout-path (set by the console UART's
 * fdt_node) is known.
 */
static int write_chosen(struct vmb_fdt *f, uint64_t initrd_start,
			uint64_t initrd_end, struct vmb_err *err)
{
	const struct vmb_spec *s = f->board->spec;
	uint8_t seed[32], kaslr[8];
	int node;

	node = vmb_fdt_add_node(f, 0, "chosen", VMB_FDT_NO_UNIT, err);
	if (node < 0)
		return -1;
	/* Seeded from "determinism:" when set (board/entropy.h). */
	vmb_board_entropy_for(f->board, "rng-seed", seed, sizeof(seed));
	vmb_board_entropy_for(f->board, "kaslr-seed", kaslr, sizeof(kaslr));
	if (vmb_fdt_prop_bytes(f, node, "rng-seed", seed, sizeof(seed), err) ||
	    vmb_fdt_prop_bytes(f, node, "kaslr-seed", kaslr, sizeof(kaslr), err))
		return -1;
	if (f->stdout_path &&
	    vmb_fdt_prop_str(f, node, "stdout-path", f->stdout_path, err))
		return -1;
	if (s->boot.cmdline && s->boot.cmdline[0] &&
	    vmb_fdt_prop_str(f, node, "bootargs", s->boot.cmdline, err))
		return -1;
	if (initrd_end > initrd_start) {
		if (initrd_end <= UINT32_MAX) {
			if (vmb_fdt_prop_u32(f, node, "linux,initrd-start",
					     (uint32_t)initrd_start, err) ||
			    vmb_fdt_prop_u32(f, node, "linux,initrd-end",
					     (uint32_t)initrd_end, err))
				return -1;
		} else if (vmb_fdt_prop_u64(f, node, "linux,initrd-start",
					    initrd_start, err) ||
			   vmb_fdt_prop_u64(f, node, "linux,initrd-end",
					    initrd_end, err)) {
			return -1;
		}
	}
	return 0;
}

/*
 * /cpus as QEMU 7.2 fdt_add_cpu_nodes() writes it: CPUs created from the
 * last down (libfdt puts each new node first, so they end up in order),
 * phandles allocated in that order, enable-method only with more than one
 * CPU (a single CPU needs no way to be started), and a cpu-map of one
 * socket and one cluster holding one core per CPU, QEMU's -smp N default.
 */
static int write_cpus(struct vmb_fdt *f, struct vmb_err *err)
{
	const struct vmb_spec *s = f->board->spec;
	unsigned n = f->board->ncpus ? f->board->ncpus : 1;
	char compat[128], name[32];
	int cpus, map, sock, clus;

	snprintf(compat, sizeof(compat), "arm,%s",
		 s->cpu_model ? s->cpu_model : "cortex-a57");
	cpus = vmb_fdt_add_node(f, 0, "cpus", VMB_FDT_NO_UNIT, err);
	if (cpus < 0 ||
	    vmb_fdt_prop_u32(f, cpus, "#address-cells", 1, err) ||
	    vmb_fdt_prop_u32(f, cpus, "#size-cells", 0, err))
		return -1;
	for (unsigned i = n; i-- > 0;) {
		int cpu = vmb_fdt_add_node(f, cpus, "cpu", i, err);

		snprintf(name, sizeof(name), "cpu%u", i);
		if (cpu < 0 ||
		    vmb_fdt_prop_str(f, cpu, "device_type", "cpu", err) ||
		    vmb_fdt_prop_str(f, cpu, "compatible", compat, err) ||
		    (n > 1 && vmb_fdt_prop_str(f, cpu, "enable-method", "psci", err)) ||
		    vmb_fdt_prop_u32(f, cpu, "reg", (uint32_t)vmb_fdt_cpu_mpidr(i), err) ||
		    vmb_fdt_prop_u32(f, cpu, "phandle", vmb_fdt_phandle(f, name), err))
			return -1;
	}
	/* cpus' own properties are written, so these offsets stay valid. */
	map = vmb_fdt_add_node(f, cpus, "cpu-map", VMB_FDT_NO_UNIT, err);
	if (map < 0)
		return -1;
	sock = vmb_fdt_add_node(f, map, "socket0", VMB_FDT_NO_UNIT, err);
	if (sock < 0)
		return -1;
	clus = vmb_fdt_add_node(f, sock, "cluster0", VMB_FDT_NO_UNIT, err);
	if (clus < 0)
		return -1;
	for (unsigned i = n; i-- > 0;) {
		char core[32];
		int c;

		snprintf(core, sizeof(core), "core%u", i);
		snprintf(name, sizeof(name), "cpu%u", i);
		c = vmb_fdt_add_node(f, clus, core, VMB_FDT_NO_UNIT, err);
		if (c < 0 || vmb_fdt_prop_u32(f, c, "cpu", vmb_fdt_phandle(f, name), err))
			return -1;
	}
	return 0;
}

/* One /memory@BASE per RAM region (DT spec §3.4), in spec order; ROM
 * regions are not memory the OS may use, so they get no node. */
static int write_memory(struct vmb_fdt *f, struct vmb_err *err)
{
	const struct vmb_board *b = f->board;

	for (unsigned i = b->nmem; i-- > 0;) {
		const struct vmb_region *r = &b->mem[i];
		uint64_t reg[2] = { r->gpa, r->size };
		int node;

		if (r->kind != VMB_REGION_RAM)
			continue;
		node = vmb_fdt_add_node(f, 0, "memory", r->gpa, err);
		if (node < 0 ||
		    vmb_fdt_prop_str(f, node, "device_type", "memory", err) ||
		    vmb_fdt_prop_reg(f, node, reg, 1, err))
			return -1;
	}
	return 0;
}

static int write_root(struct vmb_fdt *f, struct vmb_err *err)
{
	const char *model = f->board->spec->model;

	/* The loader sets a default model; this only guards hand-made specs. */
	if (!model)
		model = "linux,dummy-virt";
	return vmb_fdt_prop_u32(f, 0, "#address-cells", 2, err) ||
	       vmb_fdt_prop_u32(f, 0, "#size-cells", 2, err) ||
	       vmb_fdt_prop_str(f, 0, "compatible", model, err) ||
	       vmb_fdt_prop_str(f, 0, "model", model, err) ? -1 : 0;
}

/* Last device first: libfdt inserts each node first among its siblings,
 * so the tree lists devices in machine-file order (virtio-mmio transports
 * lowest address first, as QEMU lays them out for the guest to enumerate). */
static int write_devices(struct vmb_fdt *f, struct vmb_err *err)
{
	const struct vmb_board *b = f->board;

	for (unsigned i = b->ndev; i-- > 0;) {
		struct vmb_device *d = b->dev[i];
		int rc;

		if (!d->type->fdt_node)
			continue;
		f->cur_dev = d;
		f->cur_idx = i;
		if (err)
			err->msg[0] = '\0';
		rc = d->type->fdt_node(d, f, err);
		f->cur_dev = NULL;
		if (rc) {
			if (err && !err->msg[0])
				vmb_errf(err, &d->spec->loc, "device '%s' (%s): cannot "
					 "write its device tree node", d->name,
					 d->type->name);
			return -1;
		}
	}
	return 0;
}

/* Explain an allocated phandle that no node carries. */
static int unclaimed(struct vmb_fdt *f, unsigned i, struct vmb_err *err)
{
	const struct vmb_device *user = f->ph[i].user;
	const struct vmb_device *owner = vmb_board_find_dev(f->board, f->ph[i].name);
	const char *key = f->ph[i].name;
	char by[160];

	if (user)
		snprintf(by, sizeof(by), "device '%s' (%s)", user->name,
			 user->type->name);
	else
		snprintf(by, sizeof(by), "the board's core nodes");
	vmb_errf(err, user ? &user->spec->loc : NULL,
		 "device tree: nothing provides phandle '%s' (referenced by %s)",
		 key, by);
	if (owner)
		vmb_err_append(err, "device '%s' exists, but a %s device writes no "
			       "node that can be referenced", owner->name,
			       owner->type->name);
	else
		vmb_err_append(err, "no device is named '%s': add one (for a clock, "
			       "a fixed-clock device) or change the reference",
			       key);
	return -1;
}

/*
 * Every phandle handed out must be carried by exactly one node, and every
 * "phandle" property must be one we handed out; a dangling reference would
 * make the guest fail much later and far less clearly.
 */
static int check_phandles(struct vmb_fdt *f, struct vmb_err *err)
{
	unsigned n = f->next_phandle - FIRST_PHANDLE;
	int *owner = vmb_zalloc((n ? n : 1) * sizeof(*owner));
	char p1[256], p2[256];
	int rc = 0;

	for (int off = 0; off >= 0 && !rc; off = fdt_next_node(f->blob, off, NULL)) {
		uint32_t ph = fdt_get_phandle(f->blob, off);

		if (!ph)
			continue;
		if (ph < FIRST_PHANDLE || ph >= f->next_phandle) {
			node_path(f, off, p1, sizeof(p1));
			rc = vmb_errf(err, NULL, "device tree: node '%s' has phandle "
				      "0x%x, which vmb_fdt_phandle() never handed out",
				      p1, ph);
		} else if (owner[ph - FIRST_PHANDLE]) {
			node_path(f, owner[ph - FIRST_PHANDLE] - 1, p1, sizeof(p1));
			node_path(f, off, p2, sizeof(p2));
			rc = vmb_errf(err, NULL, "device tree: nodes '%s' and '%s' both "
				      "carry phandle 0x%x", p1, p2, ph);
		} else {
			owner[ph - FIRST_PHANDLE] = off + 1;
		}
	}
	for (unsigned i = 0; i < f->nph && !rc; i++)
		if (!owner[f->ph[i].phandle - FIRST_PHANDLE])
			rc = unclaimed(f, i, err);
	free(owner);
	return rc;
}

static int finish(struct vmb_fdt *f, struct vmb_err *err)
{
	/* As QEMU's create_gic(): devices without their own interrupt-parent
	 * inherit the GIC from the root. */
	if (f->gic && vmb_fdt_prop_u32(f, 0, "interrupt-parent",
				       vmb_fdt_phandle(f, f->gic->name), err))
		return -1;
	return check_phandles(f, err);
}

void *vmb_fdt_build(struct vmb_board *b, uint64_t initrd_start, uint64_t initrd_end,
		    struct vmb_err *err)
{
	struct vmb_fdt f;
	void *blob;
	int rc;

	if (b->arch != VMB_ARCH_ARM64)
		return vmb_errf(err, NULL, "device tree: %s machines have no device "
				"tree (x86 kernels get the boot parameters and the "
				"e820 memory map instead)", vmb_arch_name(b->arch)), NULL;
	if (vmb_fdt_init(&f, b, err))
		return NULL;
	/* Created in reverse of the order they end up in: see write_devices. */
	if (write_root(&f, err) || write_devices(&f, err) ||
	    write_memory(&f, err) || write_cpus(&f, err) ||
	    write_chosen(&f, initrd_start, initrd_end, err) || finish(&f, err)) {
		vmb_fdt_release(&f);
		return NULL;
	}
	rc = fdt_pack(f.blob);
	if (rc) {
		vmb_errf(err, NULL, "device tree: cannot pack: %s", fdt_strerror(rc));
		vmb_fdt_release(&f);
		return NULL;
	}
	blob = vmb_realloc(f.blob, fdt_totalsize(f.blob));
	f.blob = NULL;
	vmb_fdt_release(&f);
	return blob;
}
