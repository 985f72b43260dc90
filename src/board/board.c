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
#include "util/bytes.h"
#include "util/file.h"

/* Highest interrupt number tracked for clash detection (GIC SPIs are
 * < 988; x86 GSIs < 256). */
#define MAX_IRQ 1024

static void region_describe(const struct vmb_region *r, char *buf, size_t len)
{
	snprintf(buf, len, "'%s' [0x%llx-0x%llx]", r->name,
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
		vmb_err_append(err, "%s is defined at %s:%d:%d", clash->name,
			       clash->loc.file, clash->loc.line, clash->loc.col);
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
		vmb_errf(err, &n->loc, "bad value '%s' for '%s' of %s device '%s', "
			 "expected one of:", s, p->name, t->name, devname);
		for (const char *const *c = p->choices; *c; c++)
			strncat(err->msg, c == p->choices ? " " : ", ",
				sizeof(err->msg) - strlen(err->msg) - 1),
			strncat(err->msg, *c, sizeof(err->msg) - strlen(err->msg) - 1);
		return -1;
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

		vmb_errf(err, &ds->type_loc, "unknown device type '%s' for device "
			 "'%s', expected one of:", ds->type, ds->name);
		for (unsigned i = 0; i < nt; i++) {
			strncat(err->msg, i ? ", " : " ",
				sizeof(err->msg) - strlen(err->msg) - 1);
			strncat(err->msg, all[i]->name,
				sizeof(err->msg) - strlen(err->msg) - 1);
		}
		return -1;
	}
	if (t->needs_base && !ds->has_base)
		return vmb_errf(err, &ds->loc, "missing required field 'base' in "
				"%s device '%s'", t->name, ds->name);
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
	for (const struct vmb_prop_desc *p = t->props; p && p->name; p++)
		if (n < 63)
			allowed[n++] = p->name;
	allowed[n] = NULL;
	snprintf(what, sizeof(what), "%s device '%s' (generic keys: name, type, "
		 "base, size, irq, trigger, count, stride, irq-stride)",
		 t->name, ds->name);
	if (vmb_node_check_keys(ds->props, allowed, what, err))
		return -1;
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
			if (owner[irq]) {
				rc = vmb_errf(err, &ds->irq_loc, "irq %u of device '%s' "
					      "is already used by device '%s'", irq,
					      ds->name, owner[irq]->name);
				vmb_err_append(err, "'%s' is defined at %s:%d:%d",
					       owner[irq]->name, owner[irq]->loc.file,
					       owner[irq]->loc.line, owner[irq]->loc.col);
				break;
			}
			owner[irq] = ds;
		}
	}
	free(owner);
	return rc;
}

static int create_devices(struct vmb_board *b, struct vmb_err *err)
{
	const struct vmb_spec *s = b->spec;

	b->dev = vmb_zalloc(s->ndev * sizeof(*b->dev));
	for (unsigned i = 0; i < s->ndev; i++) {
		const struct vmb_dev_spec *ds = &s->dev[i];
		const struct vmb_device_type *t;
		struct vmb_device *d;

		if (validate_dev(ds, &t, err))
			return -1;
		d = vmb_zalloc(sizeof(*d));
		d->type = t;
		d->spec = ds;
		d->board = b;
		d->name = ds->name;
		d->base = ds->base;
		d->size = ds->has_size ? ds->size : t->default_size;
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

	b->spec = spec;
	b->arch = spec->arch;
	b->ncpus = spec->ncpus;
	b->console = console;
	b->entropy = vmb_entropy_create(spec);
	b->created_ns = vmb_host_monotonic_ns();
	pthread_mutex_init(&b->lock, NULL);
	if (map_memory(b, err) || check_irqs(b, err) || create_devices(b, err) ||
	    vmb_board_reset(b, err)) {
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
		if (b->dev[i]->type->destroy)
			b->dev[i]->type->destroy(b->dev[i]);
		free(b->dev[i]);
	}
	free(b->dev);
	free_map_regions(b, &b->map);
	free_map_regions(b, &b->pio);
	for (unsigned i = 0; i < b->nmem; i++)
		if (b->mem[i].host)
			munmap(b->mem[i].host, b->mem[i].size);
	free(b->mem);
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
	for (unsigned i = 0; i < b->ndev; i++)
		if (b->dev[i]->type->reset)
			b->dev[i]->type->reset(b->dev[i]);
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

static int io_read(struct vmb_board *b, const struct vmb_addrmap *m,
		   uint64_t addr, unsigned size, uint64_t *val)
{
	struct vmb_region *r = owner(m, addr, size);
	uint64_t off;

	if (!r)
		return -1;
	off = addr - r->gpa;
	if (r->kind != VMB_REGION_MMIO || (r->romd && r->host)) {
		*val = vmb_get_le(r->host + off, size);
		return 0;
	}
	pthread_mutex_lock(&b->lock);
	*val = r->ops && r->ops->read ? r->ops->read(r->opaque, off, size) : 0;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

static int io_write(struct vmb_board *b, const struct vmb_addrmap *m,
		    uint64_t addr, unsigned size, uint64_t val)
{
	struct vmb_region *r = owner(m, addr, size);
	uint64_t off;

	if (!r)
		return -1;
	off = addr - r->gpa;
	switch (r->kind) {
	case VMB_REGION_RAM:
		vmb_put_le(r->host + off, size, val);
		return 0;
	case VMB_REGION_ROM:
		return 0; /* writes to ROM are ignored, as on QEMU's ROM regions */
	case VMB_REGION_MMIO:
		break;
	}
	pthread_mutex_lock(&b->lock);
	if (r->ops && r->ops->write)
		r->ops->write(r->opaque, off, val, size);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int vmb_board_mmio_read(struct vmb_board *b, uint64_t gpa, unsigned size, uint64_t *val)
{
	return io_read(b, &b->map, gpa, size, val);
}

int vmb_board_mmio_write(struct vmb_board *b, uint64_t gpa, unsigned size, uint64_t val)
{
	return io_write(b, &b->map, gpa, size, val);
}

int vmb_board_pio_read(struct vmb_board *b, uint64_t port, unsigned size, uint64_t *val)
{
	return io_read(b, &b->pio, port, size, val);
}

int vmb_board_pio_write(struct vmb_board *b, uint64_t port, unsigned size, uint64_t val)
{
	return io_write(b, &b->pio, port, size, val);
}

int vmb_board_hypercall(struct vmb_board *b, unsigned cpu, uint64_t x[8])
{
	int rc;

	if (!b->hypercall)
		return -1;
	pthread_mutex_lock(&b->lock);
	rc = b->hypercall(b->hypercall_opaque, cpu, x);
	pthread_mutex_unlock(&b->lock);
	return rc;
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
	struct stat st;
	uint8_t *dst;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vmb_errf(err, NULL, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		close(fd);
		return vmb_errf(err, NULL, "cannot stat '%s': %s", path, strerror(errno));
	}
	if (!r || !r->host) {
		close(fd);
		return vmb_errf(err, NULL, "cannot load '%s' at 0x%llx: no RAM, ROM or "
				"flash there", path, (unsigned long long)gpa);
	}
	dst = vmb_board_gpa_ptr(b, gpa, (uint64_t)st.st_size);
	if (!dst) {
		close(fd);
		return vmb_errf(err, NULL, "'%s' (%lld bytes) does not fit in '%s' "
				"at 0x%llx: region ends at 0x%llx", path,
				(long long)st.st_size, r->name,
				(unsigned long long)gpa,
				(unsigned long long)(r->gpa + r->size));
	}
	if (vmb_file_read_fd(fd, path, dst, (size_t)st.st_size, NULL, err)) {
		close(fd);
		return -1;
	}
	close(fd);
	return (int64_t)st.st_size;
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
		char sz[32];

		vmb_format_size(r->size, sz, sizeof(sz));
		fprintf(out, "  0x%0*llx-0x%0*llx  %-8s %6s  %s%s%s\n", width,
			(unsigned long long)r->gpa, width,
			(unsigned long long)(r->gpa + r->size - 1),
			vmb_region_kind_name(r), sz,
			r->dev ? r->dev->name : r->name,
			r->dev && strcmp(r->dev->name, r->name) ? ":" : "",
			r->dev && strcmp(r->dev->name, r->name) ? r->name : "");
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
