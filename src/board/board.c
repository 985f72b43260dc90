/* SPDX-License-Identifier: MIT */
/*
 * Board construction from a machine spec, guest access dispatch, image
 * loading and the "vmb check" listing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/board.h"
#include "board/clock.h"
#include "board/entropy.h"
#include "config/pin.h"
#include "debug/trace.h"
#include "util/bytes.h"
#include "util/file.h"
#include "util/loop.h"

/* Highest interrupt number tracked for clash detection (GIC SPIs are
 * < 988; x86 GSIs < 256). */
#define MAX_IRQ 1024

const char *vmb_region_label(const struct vmb_region *r, char *buf, size_t len)
{
	if (r->dev && strcmp(r->dev->name, r->name))
		snprintf(buf, len, "%s:%s", r->dev->name, r->name);
	else
		snprintf(buf, len, "%s", r->name);
	return buf;
}

static void region_describe(const struct vmb_region *r, char *buf, size_t len)
{
	char name[96];

	snprintf(buf, len, "'%s' [0x%llx-0x%llx]", vmb_region_label(r, name, sizeof(name)),
		 (unsigned long long)r->gpa,
		 (unsigned long long)(r->gpa + r->size - 1));
}

static int insert_region(struct vmb_addrmap *m, struct vmb_region *r,
			 struct vmb_err *err)
{
	struct vmb_region *clash;
	char a[128], b[128];

	if (vmb_addrmap_insert(m, r, &clash) == 0)
		return 0;
	region_describe(r, a, sizeof(a));
	if (clash == r)
		return vmb_errf(err, &r->loc, "region %s is empty or wraps around "
				"the end of the address space", a);
	region_describe(clash, b, sizeof(b));
	vmb_errf(err, &r->loc, "region %s overlaps %s", a, b);
	if (clash->loc.file)
		vmb_err_append(err, "'%s' is defined at %s",
			       vmb_region_label(clash, a, sizeof(a)),
			       vmb_loc_str(&clash->loc, b, sizeof(b)));
	return -1;
}

static struct vmb_region *new_region(const char *name, enum vmb_region_kind kind,
				     uint64_t gpa, uint64_t size)
{
	struct vmb_region *r = vmb_zalloc(sizeof(*r));

	snprintf(r->name, sizeof(r->name), "%s", name);
	r->kind = kind;
	r->gpa = gpa;
	r->size = size;
	return r;
}

static int map_memory(struct vmb_board *b, struct vmb_err *err)
{
	const struct vmb_spec *s = b->spec;

	b->nmem = s->nmem;
	b->mem = vmb_zalloc(s->nmem * sizeof(*b->mem));
	for (unsigned i = 0; i < s->nmem; i++) {
		const struct vmb_mem_spec *ms = &s->mem[i];
		struct vmb_region *r = &b->mem[i];
		void *p;

		snprintf(r->name, sizeof(r->name), "%s", ms->name);
		r->kind = ms->kind == VMB_MEM_RAM ? VMB_REGION_RAM : VMB_REGION_ROM;
		r->gpa = ms->base;
		r->size = ms->size;
		r->loc = ms->loc;
		/* Anonymous mappings are lazily zero-filled, so a large RAM
		 * costs nothing until the guest touches it. */
		p = mmap(NULL, ms->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return vmb_errf(err, &ms->loc, "cannot allocate %llu bytes for "
					"'%s': %s", (unsigned long long)ms->size,
					ms->name, strerror(errno));
		r->host = p;
		if (insert_region(&b->map, r, err))
			return -1;
		if (r->kind == VMB_REGION_RAM &&
		    vmb_gmem_add(&b->gmem, r->gpa, r->size, r->host))
			return vmb_errf(err, &ms->loc, "'%s': more than %d RAM regions",
					ms->name, VMB_GMEM_MAX_RANGES);
	}
	return 0;
}

static int check_pinned(const struct vmb_prop_desc *p, struct vmb_node *n,
			const char *devname, struct vmb_err *err)
{
	struct vmb_pin pin;
	char what[96];
	int rc;

	snprintf(what, sizeof(what), "'%s' of device '%s'", p->name, devname);
	rc = vmb_pin_take(n, what, &pin, err);
	if (rc <= 0)
		return rc;
	rc = vmb_pin_verify(&pin, err);
	vmb_pin_clear(&pin);
	return rc;
}

static int check_prop(const struct vmb_device_type *t, const struct vmb_prop_desc *p,
		      struct vmb_node *n, const char *devname, struct vmb_err *err)
{
	uint64_t v;
	bool bv;
	const char *s, *key;

	if (vmb_node_is_null(n))
		return 0; /* explicit null: use the default */
	switch (p->kind) {
	case VMB_PROP_U64:
		return vmb_node_u64(n, &v, err);
	case VMB_PROP_SIZE:
		return vmb_node_size(n, &v, err);
	case VMB_PROP_BOOL:
		return vmb_node_bool(n, &bv, err);
	case VMB_PROP_STR:
		return vmb_node_str(n, &s, err);
	case VMB_PROP_PATH:
		/* A URI (nbd://...) where the type takes one is no file: not
		 * pinned, not rebased (device.h "uris"). */
		if (n->kind == VMB_NODE_SCALAR && vmb_prop_listed(t->uris, p->name) &&
		    vmb_path_is_uri(n->scalar))
			return 0;
		/* A pinned image ({ path, sha256 }) becomes its path once its
		 * digest matches (config/pin.h). */
		if (check_pinned(p, n, devname, err))
			return -1;
		/* Resolved in place, relative to the file it was written in,
		 * so the device reads a usable path. */
		if (vmb_node_str(n, &s, err))
			return -1;
		s = vmb_node_path(n);
		free(n->scalar);
		n->scalar = (char *)s;
		return 0;
	case VMB_PROP_ENUM:
		if (vmb_node_str(n, &s, err))
			return -1;
		for (const char *const *c = p->choices; *c; c++)
			if (!strcmp(*c, s))
				return 0;
		vmb_errf(err, &n->loc, "bad value '%s' for '%s' of %s device '%s'",
			 s, p->name, t->name, devname);
		return vmb_err_choices(err, s, p->choices);
	case VMB_PROP_LIST:
		if (n->kind != VMB_NODE_SEQ)
			return vmb_errf(err, &n->loc, "wrong type for '%s': expected "
					"a list", p->name);
		if (!vmb_prop_path_list(t, p->name, &key))
			return 0;
		for (size_t i = 0; i < n->n; i++)
			if (check_pinned(p, vmb_path_list_file(n->items[i], key),
					 devname, err))
				return -1;
		return 0;
	}
	return 0;
}

/* Keys every device entry takes (src/config/spec.c reads them). */
static const char *const generic_keys[] = {
	"name", "type", "base", "size", "irq", "trigger", "count", "stride",
	"irq-stride", NULL
};

/* Validate a device entry against its type: known type, base/size/irq
 * presence, and every type-specific key declared with the right type. */
static int validate_dev(const struct vmb_dev_spec *ds,
			const struct vmb_device_type **out, struct vmb_err *err)
{
	const struct vmb_device_type *t = vmb_device_type_find(ds->type);
	const char *allowed[64];
	char what[160];
	unsigned n = 0;

	if (!t) {
		unsigned nt;
		const struct vmb_device_type *const *all = vmb_device_types(&nt);
		const char **names = vmb_zalloc((nt + 1) * sizeof(*names));

		for (unsigned i = 0; i < nt; i++)
			names[i] = all[i]->name;
		vmb_errf(err, &ds->type_loc, "unknown device type '%s' for device "
			 "'%s'", ds->type, ds->name);
		vmb_err_choices(err, ds->type, names);
		free(names);
		return -1;
	}
	/* Keys first: a misspelt key ("irqs: 5") is the cause of the
	 * missing-field errors below, so name it rather than them. The
	 * generic keys are listed for the "did you mean" hint only (the
	 * loader took them out of props). */
	for (const char *const *g = generic_keys; *g; g++)
		allowed[n++] = *g;
	for (const struct vmb_prop_desc *p = t->props; p && p->name; p++)
		if (n < 63)
			allowed[n++] = p->name;
	allowed[n] = NULL;
	snprintf(what, sizeof(what), "%s device '%s'", t->name, ds->name);
	if (vmb_node_check_keys(ds->props, allowed, what, err))
		return -1;
	if (t->needs_base && !ds->has_base) {
		if (memcmp(&ds->base_loc, &ds->loc, sizeof(ds->loc)))
			return vmb_errf(err, &ds->base_loc, "required field 'base' "
					"of %s device '%s' has no value", t->name,
					ds->name);
		return vmb_errf(err, &ds->loc, "missing required field 'base' in "
				"%s device '%s'", t->name, ds->name);
	}
	if (t->needs_base && !ds->has_size && !t->default_size)
		return vmb_errf(err, &ds->loc, "missing required field 'size' in "
				"%s device '%s'", t->name, ds->name);
	if (ds->nirq < t->min_irqs || ds->nirq > t->max_irqs) {
		if (t->max_irqs == 0)
			return vmb_errf(err, &ds->irq_loc, "%s device '%s' has no "
					"interrupt line, remove 'irq'", t->name, ds->name);
		return vmb_errf(err, ds->nirq ? &ds->irq_loc : &ds->loc,
				"%s device '%s' needs %u%s interrupt%s in 'irq', got %u",
				t->name, ds->name, t->min_irqs,
				t->max_irqs > t->min_irqs ? " or more" : "",
				t->min_irqs == 1 ? "" : "s", ds->nirq);
	}
	for (const struct vmb_prop_desc *p = t->props; p && p->name; p++) {
		struct vmb_node *v = vmb_node_get(ds->props, p->name);

		if (v && check_prop(t, p, v, ds->name, err))
			return -1;
	}
	*out = t;
	return 0;
}

static int check_irqs(struct vmb_board *b, struct vmb_err *err)
{
	const struct vmb_dev_spec **owner = vmb_zalloc(MAX_IRQ * sizeof(*owner));
	char at[256];
	int rc = 0;

	for (unsigned i = 0; i < b->spec->ndev && !rc; i++) {
		const struct vmb_dev_spec *ds = &b->spec->dev[i];

		for (unsigned j = 0; j < ds->nirq; j++) {
			uint32_t irq = ds->irq[j];

			if (irq >= MAX_IRQ) {
				rc = vmb_errf(err, &ds->irq_loc, "irq %u of device '%s' "
					      "is out of range, expected < %u",
					      irq, ds->name, MAX_IRQ);
				break;
			}
			if (owner[irq] == ds) {
				rc = vmb_errf(err, &ds->irq_loc, "irq %u is listed "
					      "twice in 'irq' of device '%s', expected "
					      "a different interrupt for each line",
					      irq, ds->name);
				break;
			}
			if (owner[irq]) {
				rc = vmb_errf(err, &ds->irq_loc, "irq %u of device '%s' "
					      "is already used by device '%s'", irq,
					      ds->name, owner[irq]->name);
				vmb_err_append(err, "'%s' is defined at %s",
					       owner[irq]->name,
					       vmb_loc_str(&owner[irq]->loc, at, sizeof(at)));
				break;
			}
			owner[irq] = ds;
		}
	}
	free(owner);
	return rc;
}

/* Every device entry against its type before anything is placed, so that
 * a wrong key or type is reported rather than what follows from it. */
static const struct vmb_device_type **validate_devices(const struct vmb_spec *s,
							struct vmb_err *err)
{
	const struct vmb_device_type **types = vmb_zalloc((s->ndev + 1) *
							  sizeof(*types));

	for (unsigned i = 0; i < s->ndev; i++)
		if (validate_dev(&s->dev[i], &types[i], err)) {
			free(types);
			return NULL;
		}
	return types;
}

static int create_devices(struct vmb_board *b, const struct vmb_device_type **types,
			  struct vmb_err *err)
{
	const struct vmb_spec *s = b->spec;

	b->dev = vmb_zalloc(s->ndev * sizeof(*b->dev));
	for (unsigned i = 0; i < s->ndev; i++) {
		const struct vmb_dev_spec *ds = &s->dev[i];
		const struct vmb_device_type *t = types[i];
		struct vmb_device *d;

		d = vmb_zalloc(sizeof(*d));
		d->type = t;
		d->spec = ds;
		d->board = b;
		d->name = ds->name;
		d->base = ds->base;
		d->size = ds->has_size ? ds->size : t->default_size;
		pthread_mutex_init(&d->lock, NULL);
		d->nirq = ds->nirq;
		d->irq = vmb_zalloc((ds->nirq + 1) * sizeof(*d->irq));
		for (unsigned j = 0; j < ds->nirq; j++)
			vmb_irq_line_init(&d->irq[j], b, ds->irq[j],
					  ds->trigger == VMB_IRQ_EDGE_RISING);
		b->dev[b->ndev++] = d;
		if (t->create && t->create(d, err))
			return -1;
	}
	return 0;
}

struct vmb_board *vmb_board_create(const struct vmb_spec *spec,
				   struct vmb_console *console, struct vmb_err *err)
{
	struct vmb_board *b = vmb_zalloc(sizeof(*b));
	const struct vmb_device_type **types;
	int rc;

	b->spec = spec;
	b->arch = spec->arch;
	b->ncpus = spec->ncpus;
	b->console = console;
	b->entropy = vmb_entropy_create(spec);
	b->created_ns = vmb_host_monotonic_ns();
	pthread_mutex_init(&b->lock, NULL);
	pthread_mutex_init(&b->ioev_lock, NULL);
	b->loop = vmb_loop_create(err);
	types = b->loop ? validate_devices(spec, err) : NULL;
	rc = !types || map_memory(b, err) || check_irqs(b, err) ||
	     create_devices(b, types, err) || vmb_board_reset(b, err);
	free(types);
	if (rc) {
		vmb_board_destroy(b);
		return NULL;
	}
	return b;
}

static void free_map_regions(struct vmb_board *b, struct vmb_addrmap *m)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->r[i]->kind == VMB_REGION_MMIO)
			free(m->r[i]);
	free(m->r);
}

void vmb_board_destroy(struct vmb_board *b)
{
	if (!b)
		return;
	for (unsigned i = b->ndev; i-- > 0;) {
		struct vmb_device *d = b->dev[i];

		if (d->type->destroy)
			d->type->destroy(d);
		for (unsigned j = 0; j < d->nirq; j++)
			vmb_irq_line_detach(&d->irq[j]);
		free(d->irq);
		pthread_mutex_destroy(&d->lock);
		free(d);
	}
	free(b->dev);
	/* After the devices: their destroy() removes their watches. */
	vmb_loop_destroy(b->loop);
	free_map_regions(b, &b->map);
	free_map_regions(b, &b->pio);
	for (unsigned i = 0; i < b->nmem; i++)
		if (b->mem[i].host)
			munmap(b->mem[i].host, b->mem[i].size);
	free(b->mem);
	pthread_mutex_destroy(&b->ioev_lock);
	vmb_entropy_destroy(b->entropy);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

int vmb_board_reset(struct vmb_board *b, struct vmb_err *err)
{
	for (unsigned i = 0; i < b->nmem; i++) {
		const struct vmb_mem_spec *ms = &b->spec->mem[i];

		if (ms->image &&
		    vmb_board_load_file(b, ms->image, ms->base + ms->image_offset, err) < 0)
			return -1;
	}
	pthread_mutex_lock(&b->lock);
	for (unsigned i = 0; i < b->ndev; i++) {
		struct vmb_device *d = b->dev[i];

		vmb_dev_lock(d);
		/* Power-on: every line low; reset() raises what it must. */
		for (unsigned j = 0; j < d->nirq; j++)
			vmb_irq_set(&d->irq[j], 0);
		if (d->type->reset)
			d->type->reset(d);
		vmb_dev_unlock(d);
	}
	pthread_mutex_unlock(&b->lock);
	return 0;
}

static struct vmb_region *map_io(struct vmb_board *b, struct vmb_addrmap *m,
				 struct vmb_device *dev, const char *name,
				 uint64_t addr, uint64_t size,
				 const struct vmb_io_ops *ops, void *opaque,
				 uint8_t *host, struct vmb_err *err)
{
	struct vmb_region *r = new_region(name, VMB_REGION_MMIO, addr, size);

	r->ops = ops;
	r->opaque = opaque;
	r->dev = dev;
	r->host = host;
	if (dev)
		r->loc = dev->spec->base_loc.file ? dev->spec->base_loc : dev->spec->loc;
	if (insert_region(m, r, err)) {
		free(r);
		return NULL;
	}
	return r;
}

struct vmb_region *vmb_board_map_mmio(struct vmb_board *b, struct vmb_device *dev,
				      const char *name, uint64_t gpa, uint64_t size,
				      const struct vmb_io_ops *ops, void *opaque,
				      uint8_t *host, struct vmb_err *err)
{
	return map_io(b, &b->map, dev, name, gpa, size, ops, opaque, host, err);
}

struct vmb_region *vmb_board_map_pio(struct vmb_board *b, struct vmb_device *dev,
				     const char *name, uint64_t port, uint64_t size,
				     const struct vmb_io_ops *ops, void *opaque,
				     struct vmb_err *err)
{
	if (port + size > 0x10000 || port + size < port)
		return vmb_errf(err, dev ? &dev->spec->base_loc : NULL,
				"I/O ports 0x%llx+0x%llx of '%s' exceed the 64 KiB "
				"port space", (unsigned long long)port,
				(unsigned long long)size, name), NULL;
	return map_io(b, &b->pio, dev, name, port, size, ops, opaque, NULL, err);
}

void vmb_region_set_romd(struct vmb_board *b, struct vmb_region *r, bool romd)
{
	if (r->romd == romd)
		return;
	r->romd = romd;
	if (b->hv.region_changed)
		b->hv.region_changed(b->hv.opaque, r);
}

int vmb_board_set_hypercall(struct vmb_board *b, struct vmb_device *dev,
			    vmb_hypercall_fn fn, void *opaque, struct vmb_err *err)
{
	if (b->hypercall)
		return vmb_errf(err, &dev->spec->loc, "device '%s' handles "
				"hypercalls, but '%s' already does", dev->name,
				b->hypercall_dev->name);
	b->hypercall = fn;
	b->hypercall_opaque = opaque;
	b->hypercall_dev = dev;
	return 0;
}

/* An access must fit inside its region; one that straddles the end is
 * treated as unowned rather than silently split. */
static struct vmb_region *owner(const struct vmb_addrmap *m, uint64_t addr,
				unsigned size)
{
	struct vmb_region *r = vmb_addrmap_find(m, addr);

	if (!r || addr - r->gpa + size > r->size)
		return NULL;
	return r;
}

static void io_read(struct vmb_region *r, struct vmb_access *a)
{
	uint64_t off = a->addr - r->gpa;
	const struct vmb_io_ops *ops = r->ops;

	if (r->kind != VMB_REGION_MMIO || (r->romd && r->host)) {
		a->val = vmb_get_le(r->host + off, a->size);
		return;
	}
	a->val = 0;
	if (!ops || (!ops->read && !ops->read_cpu))
		return;
	vmb_dev_lock(r->dev);
	if (ops->read_cpu)
		a->val = ops->read_cpu(r->opaque, a->cpu, off, a->size);
	else
		a->val = ops->read(r->opaque, off, a->size);
	vmb_dev_unlock(r->dev);
}

static void io_write(struct vmb_board *b, struct vmb_region *r,
		     const struct vmb_access *a)
{
	uint64_t off = a->addr - r->gpa;
	const struct vmb_io_ops *ops = r->ops;

	switch (r->kind) {
	case VMB_REGION_RAM:
		vmb_put_le(r->host + off, a->size, a->val);
		return;
	case VMB_REGION_ROM:
		return; /* writes to ROM are ignored, as on QEMU's ROM regions */
	case VMB_REGION_MMIO:
		break;
	}
	/* The kernel did not take this notify (emu, or no ioeventfd):
	 * signal the same eventfd it would have. */
	if (__atomic_load_n(&r->nioevents, __ATOMIC_ACQUIRE) &&
	    vmb_ioevent_dispatch(b, a->pio, a->addr, a->size, a->val))
		return;
	if (!ops || (!ops->write && !ops->write_cpu))
		return;
	vmb_dev_lock(r->dev);
	if (ops->write_cpu)
		ops->write_cpu(r->opaque, a->cpu, off, a->val, a->size);
	else
		ops->write(r->opaque, off, a->val, a->size);
	vmb_dev_unlock(r->dev);
}

/* --trace mmio: the access, then its line (a read's value known). The
 * name is taken first: it may depend on state the access changes. */
static void __attribute__((noinline)) traced_access(struct vmb_board *b,
						    struct vmb_region *r,
						    struct vmb_access *a)
{
	char name[128];
	struct vmb_mmio_event ev = { .cpu = a->cpu, .name = name, .write = a->write,
				     .pio = a->pio, .size = a->size,
				     .addr = a->addr,
				     .type = r->dev ? r->dev->type->name : NULL };

	vmb_region_reg_name(r, a->addr - r->gpa, a->write, name, sizeof(name));
	if (a->write)
		io_write(b, r, a);
	else
		io_read(r, a);
	ev.val = a->val;
	ev.ns = vmb_board_elapsed_ns(b);
	vmb_mmio_trace_log(b->mmio_trace, &ev);
}

void vmb_region_access(struct vmb_board *b, struct vmb_region *r,
		       struct vmb_access *a)
{
	/* One predictable branch when not tracing. Memory regions reached
	 * here (ROM writes, romd reads) are not device accesses. */
	if (__builtin_expect(b->mmio_trace != NULL, 0) &&
	    r->kind == VMB_REGION_MMIO) {
		traced_access(b, r, a);
		return;
	}
	if (a->write)
		io_write(b, r, a);
	else
		io_read(r, a);
}

int vmb_board_access(struct vmb_board *b, struct vmb_access *a)
{
	struct vmb_region *r = owner(a->pio ? &b->pio : &b->map, a->addr, a->size);

	if (!r)
		return -1;
	vmb_region_access(b, r, a);
	return 0;
}

static int access_nocpu(struct vmb_board *b, bool pio, bool write, uint64_t addr,
			unsigned size, uint64_t *val)
{
	struct vmb_access a = { .cpu = VMB_CPU_NONE, .pio = pio, .write = write,
				.addr = addr, .size = size, .val = write ? *val : 0 };
	int rc = vmb_board_access(b, &a);

	*val = a.val;
	return rc;
}

int vmb_board_mmio_read(struct vmb_board *b, uint64_t gpa, unsigned size, uint64_t *val)
{
	return access_nocpu(b, false, false, gpa, size, val);
}

int vmb_board_mmio_write(struct vmb_board *b, uint64_t gpa, unsigned size, uint64_t val)
{
	return access_nocpu(b, false, true, gpa, size, &val);
}

int vmb_board_pio_read(struct vmb_board *b, uint64_t port, unsigned size, uint64_t *val)
{
	return access_nocpu(b, true, false, port, size, val);
}

int vmb_board_pio_write(struct vmb_board *b, uint64_t port, unsigned size, uint64_t val)
{
	return access_nocpu(b, true, true, port, size, &val);
}

int vmb_board_hypercall(struct vmb_board *b, unsigned cpu, uint64_t x[8])
{
	int rc;

	if (!b->hypercall)
		return -1;
	vmb_dev_lock(b->hypercall_dev);
	rc = b->hypercall(b->hypercall_opaque, cpu, x);
	vmb_dev_unlock(b->hypercall_dev);
	return rc;
}

void vmb_board_attach_hv(struct vmb_board *b)
{
	for (unsigned i = 0; i < b->ndev; i++)
		for (unsigned j = 0; j < b->dev[i]->nirq; j++)
			vmb_irq_line_attach(&b->dev[i]->irq[j]);
	vmb_ioevent_attach_all(b);
}

void vmb_board_detach_hv(struct vmb_board *b)
{
	vmb_ioevent_detach_all(b);
	for (unsigned i = 0; i < b->ndev; i++)
		for (unsigned j = 0; j < b->dev[i]->nirq; j++)
			vmb_irq_line_detach(&b->dev[i]->irq[j]);
}

uint8_t *vmb_board_gpa_ptr(struct vmb_board *b, uint64_t gpa, uint64_t len)
{
	struct vmb_region *r = vmb_addrmap_find(&b->map, gpa);

	if (!r || !r->host || len > r->size || gpa - r->gpa > r->size - len)
		return NULL;
	return r->host + (gpa - r->gpa);
}

int64_t vmb_board_load_file(struct vmb_board *b, const char *path, uint64_t gpa,
			    struct vmb_err *err)
{
	struct vmb_region *r = vmb_addrmap_find(&b->map, gpa);
	uint64_t size;
	uint8_t *dst;
	int fd;

	fd = vmb_file_open(path, NULL, &size, err);
	if (fd < 0)
		return -1;
	if (!r || !r->host) {
		close(fd);
		return vmb_errf(err, NULL, "cannot load '%s' at 0x%llx: no RAM, ROM or "
				"flash there", path, (unsigned long long)gpa);
	}
	dst = vmb_board_gpa_ptr(b, gpa, size);
	if (!dst || size > SIZE_MAX) {
		uint64_t end = r->gpa + r->size;
		char ebuf[24] = "0x10000000000000000";

		close(fd);
		/* A region at the top of the address space ends at 2^64,
		 * which wraps to 0 in 64 bits. */
		if (end)
			snprintf(ebuf, sizeof(ebuf), "0x%llx", (unsigned long long)end);
		return vmb_errf(err, NULL, "'%s' (%llu bytes) does not fit in '%s' "
				"at 0x%llx: region ends at %s", path,
				(unsigned long long)size, r->name,
				(unsigned long long)gpa, ebuf);
	}
	if (vmb_file_read_fd(fd, path, dst, (size_t)size, NULL, err)) {
		close(fd);
		return -1;
	}
	close(fd);
	return (int64_t)size;
}

void vmb_board_request_stop(struct vmb_board *b, enum vmb_stop_reason why,
			    const char *fmt, ...)
{
	va_list ap;

	if (__sync_bool_compare_and_swap(&b->stop, VMB_STOP_NONE, why)) {
		if (fmt) {
			va_start(ap, fmt);
			vsnprintf(b->stop_msg, sizeof(b->stop_msg), fmt, ap);
			va_end(ap);
		}
		if (b->hv.kick)
			b->hv.kick(b->hv.opaque);
	}
}

const struct vmb_region *vmb_board_ram_at(const struct vmb_board *b, uint64_t gpa)
{
	for (unsigned i = 0; i < b->nmem; i++)
		if (b->mem[i].kind == VMB_REGION_RAM &&
		    gpa - b->mem[i].gpa < b->mem[i].size)
			return &b->mem[i];
	return NULL;
}

const struct vmb_region *vmb_board_first_ram(const struct vmb_board *b)
{
	const struct vmb_region *best = NULL;

	for (unsigned i = 0; i < b->nmem; i++)
		if (b->mem[i].kind == VMB_REGION_RAM &&
		    (!best || b->mem[i].gpa < best->gpa))
			best = &b->mem[i];
	return best;
}

struct vmb_device *vmb_board_find_dev(const struct vmb_board *b, const char *name)
{
	for (unsigned i = 0; i < b->ndev; i++)
		if (!strcmp(b->dev[i]->name, name))
			return b->dev[i];
	return NULL;
}

struct vmb_device *vmb_board_find_type(const struct vmb_board *b, const char *type)
{
	for (unsigned i = 0; i < b->ndev; i++)
		if (!strcmp(b->dev[i]->type->name, type))
			return b->dev[i];
	return NULL;
}

const char *vmb_region_kind_name(const struct vmb_region *r)
{
	switch (r->kind) {
	case VMB_REGION_RAM: return "ram";
	case VMB_REGION_ROM: return "rom";
	case VMB_REGION_MMIO: return r->host ? "mmio+rom" : "mmio";
	}
	return "?";
}

static void print_map(const struct vmb_addrmap *m, FILE *out, int width)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct vmb_region *r = m->r[i];
		char sz[32], name[96];

		vmb_format_size(r->size, sz, sizeof(sz));
		fprintf(out, "  0x%0*llx-0x%0*llx  %-8s %6s  %s\n", width,
			(unsigned long long)r->gpa, width,
			(unsigned long long)(r->gpa + r->size - 1),
			vmb_region_kind_name(r), sz,
			vmb_region_label(r, name, sizeof(name)));
	}
}

void vmb_board_print(const struct vmb_board *b, FILE *out)
{
	const struct vmb_spec *s = b->spec;
	bool any = false;

	fprintf(out, "machine %s: %s, %u vCPU%s (%s)\n", s->name,
		vmb_arch_name(s->arch), s->ncpus, s->ncpus == 1 ? "" : "s",
		s->cpu_model);
	fprintf(out, "memory map:\n");
	print_map(&b->map, out, 10);
	if (b->pio.n) {
		fprintf(out, "I/O ports:\n");
		print_map(&b->pio, out, 4);
	}
	fprintf(out, "interrupts:\n");
	/* By number, as a reader looks them up; irq numbers were checked
	 * unique and < MAX_IRQ at creation. */
	for (uint32_t irq = 0; irq < MAX_IRQ; irq++) {
		for (unsigned i = 0; i < b->ndev; i++) {
			const struct vmb_dev_spec *ds = b->dev[i]->spec;

			for (unsigned j = 0; j < ds->nirq; j++) {
				if (ds->irq[j] != irq)
					continue;
				fprintf(out, "  %s %-4u %-6s %s (%s)\n",
					s->arch == VMB_ARCH_ARM64 ? "SPI" : "GSI", irq,
					ds->trigger == VMB_IRQ_EDGE_RISING ? "edge" : "level",
					ds->name, ds->type);
				any = true;
			}
		}
	}
	if (!any)
		fprintf(out, "  (none)\n");
	fprintf(out, "devices:\n");
	for (unsigned i = 0; i < b->ndev; i++)
		fprintf(out, "  %-14s %s\n", b->dev[i]->name, b->dev[i]->type->name);
}
