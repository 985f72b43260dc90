/* SPDX-License-Identifier: MIT */
/*
 * Machine spec: load (include.c), override (override.c), then turn the
 * merged document into the typed struct vmb_spec, checking every key.
 * Device entries are validated here only for their generic keys; the rest
 * is kept as a node map for the board (spec.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/loader.h"

#define MAX_CPUS 512
#define MAX_COUNT 1024    /* copies from one "count:" entry */
#define MAX_DEVICES 4096  /* after expansion */

static const char *const machine_keys[] = {
	"include", "name", "model", "arch", "cpus", "memory", "boot", "devices",
	NULL
};
/* cpuid-clear: x86 CPU features to hide, read by the x86 KVM backend
 * (src/hv/kvm-x86_64.c validates the names). */
static const char *const cpus_keys[] = { "count", "model", "cpuid-clear", NULL };
static const char *const mem_keys[] = {
	"name", "type", "base", "size", "image", "image-offset", NULL
};
static const char *const boot_keys[] = {
	"firmware", "firmware-address", "kernel", "kernel-address", "initrd",
	"initrd-address", "dtb", "dtb-address", "cmdline", "entry", NULL
};
/* Generic device keys; every other key is a type-specific property. */
static const char *const dev_keys[] = {
	"name", "type", "base", "size", "irq", "trigger", "count", "stride",
	"irq-stride", NULL
};

const char *vmb_arch_name(enum vmb_arch a)
{
	return a == VMB_ARCH_X86_64 ? "x86_64" : "arm64";
}

/* ---- small helpers ----------------------------------------------------- */

/* "memory entry 'ram'", or "memory entry 2" (1-based) before a name. */
static void entry_what(const struct vmb_node *item, const char *kind, size_t idx,
		       char *buf, size_t len)
{
	const char *name = vmb_node_entry_name(item);

	if (name)
		snprintf(buf, len, "%s '%s'", kind, name);
	else
		snprintf(buf, len, "%s %zu", kind, idx + 1);
}

static int want_map(const struct vmb_node *n, const char *what, struct vmb_err *err)
{
	if (n->kind == VMB_NODE_MAP)
		return 0;
	return vmb_errf(err, &n->loc, "wrong type for %s: expected a mapping, "
			"got %s", what, vmb_node_kind_name(n));
}

/* The value of map[key] unless absent or null. */
static const struct vmb_node *given(const struct vmb_node *map, const char *key)
{
	const struct vmb_node *v = vmb_node_get(map, key);

	return v && !vmb_node_is_null(v) ? v : NULL;
}

static int req_str(const struct vmb_node *map, const char *key, const char *what,
		   const char **out, struct vmb_err *err)
{
	if (!vmb_node_require(map, key, what, err))
		return -1;
	return vmb_node_get_str(map, key, out, err) < 0 ? -1 : 0;
}

static int req_u64(const struct vmb_node *map, const char *key, const char *what,
		   uint64_t *out, struct vmb_err *err)
{
	if (!vmb_node_require(map, key, what, err))
		return -1;
	return vmb_node_get_u64(map, key, out, err) < 0 ? -1 : 0;
}

static int req_size(const struct vmb_node *map, const char *key, const char *what,
		    uint64_t *out, struct vmb_err *err)
{
	if (!vmb_node_require(map, key, what, err))
		return -1;
	return vmb_node_get_size(map, key, out, err) < 0 ? -1 : 0;
}

/*
 * Names are --set path components and DT node name parts: letters, digits,
 * '-' and '_', starting with a letter or digit (no '.', which --set uses).
 */
static int check_name(const struct vmb_node *map, const char *kind,
		      const char *what, const char **out, struct vmb_err *err)
{
	const char *s;

	if (req_str(map, "name", what, &s, err))
		return -1;
	for (const char *p = s; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') ||
			  (p != s && (*p == '-' || *p == '_'));

		if (!ok)
			return vmb_errf(err, &vmb_node_get(map, "name")->loc,
					"bad %s name '%s': expected letters, digits, "
					"'-' and '_', starting with a letter or "
					"digit", kind, s);
	}
	*out = s;
	return 0;
}

/* "FILE:L:C: image file 'x' (resolved: y): No such file or directory" */
static int check_file_at(const struct vmb_loc *loc, const char *what,
			 const char *given_path, const char *resolved,
			 uint64_t *size, struct vmb_err *err)
{
	int e = vmb_check_file(resolved, size);

	if (!e)
		return 0;
	return vmb_errf(err, loc, "%s file '%s' (resolved: %s): %s", what,
			given_path, resolved, strerror(e));
}

/* ---- machine-level keys ------------------------------------------------ */

static int build_arch(struct vmb_spec *s, struct vmb_err *err)
{
	const char *a;

	if (req_str(s->root, "arch", "machine", &a, err))
		return -1;
	if (!strcmp(a, "arm64"))
		s->arch = VMB_ARCH_ARM64;
	else if (!strcmp(a, "x86_64"))
		s->arch = VMB_ARCH_X86_64;
	else
		return vmb_errf(err, &vmb_node_get(s->root, "arch")->loc,
				"unknown arch '%s', expected one of: arm64, x86_64", a);
	return 0;
}

/* "machines/virt.yaml" -> "virt" */
static char *default_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name = vmb_strdup(base ? base + 1 : path);
	size_t len = strlen(name);

	if (len > 5 && !strcmp(name + len - 5, ".yaml"))
		name[len - 5] = '\0';
	else if (len > 4 && !strcmp(name + len - 4, ".yml"))
		name[len - 4] = '\0';
	return name;
}

static int build_names(struct vmb_spec *s, struct vmb_err *err)
{
	const char *v;
	int rc;

	rc = vmb_node_get_str(s->root, "name", &v, err);
	if (rc < 0)
		return -1;
	s->name = rc ? vmb_strdup(v) : default_name(s->file);
	rc = vmb_node_get_str(s->root, "model", &v, err);
	if (rc < 0)
		return -1;
	if (!rc)
		v = s->arch == VMB_ARCH_ARM64 ? "linux,dummy-virt" : "vmb microvm";
	s->model = vmb_strdup(v);
	return 0;
}

static int build_cpus(struct vmb_spec *s, struct vmb_err *err)
{
	const struct vmb_node *c = given(s->root, "cpus");
	const char *model = s->arch == VMB_ARCH_ARM64 ? "cortex-a57" : "host";
	uint64_t count = 1;
	int rc;

	s->cpus_loc = c ? c->loc : s->root->loc;
	if (c) {
		if (vmb_node_check_keys(c, cpus_keys, "cpus", err))
			return -1;
		rc = vmb_node_get_u64(c, "count", &count, err);
		if (rc < 0)
			return -1;
		if (rc && (count < 1 || count > MAX_CPUS))
			return vmb_errf(err, &vmb_node_get(c, "count")->loc,
					"cpus count %" PRIu64 " out of range, "
					"expected 1..%d", count, MAX_CPUS);
		if (vmb_node_get_str(c, "model", &model, err) < 0)
			return -1;
	}
	s->ncpus = (unsigned)count;
	s->cpu_model = vmb_strdup(model);
	return 0;
}

/* ---- memory ------------------------------------------------------------ */

static int mem_image(struct vmb_mem_spec *m, const struct vmb_node *item,
		     const char *what, struct vmb_err *err)
{
	const struct vmb_node *img = given(item, "image");
	uint64_t fsize, room;
	const char *rel;
	int rc;

	rc = vmb_node_get_size(item, "image-offset", &m->image_offset, err);
	if (rc < 0)
		return -1;
	if (m->image_offset >= m->size)
		return vmb_errf(err, &vmb_node_get(item, "image-offset")->loc,
				"image-offset 0x%" PRIx64 " is outside %s, expected "
				"less than its size 0x%" PRIx64, m->image_offset,
				what, m->size);
	if (!img)
		return 0;
	if (vmb_node_get_str(item, "image", &rel, err) < 0)
		return -1;
	m->image = vmb_node_path(img);
	m->image_loc = img->loc;
	if (check_file_at(&img->loc, "image", rel, m->image, &fsize, err))
		return -1;
	room = m->size - m->image_offset;
	if (fsize > room)
		return vmb_errf(err, &img->loc, "image file '%s' (resolved: %s) is "
				"%" PRIu64 " bytes, too large for %s: expected at "
				"most %" PRIu64 " bytes (size minus image-offset)",
				rel, m->image, fsize, what, room);
	return 0;
}

static int build_mem_entry(struct vmb_mem_spec *m, const struct vmb_node *item,
			   size_t idx, struct vmb_err *err)
{
	char what[160];
	const char *name, *type;

	entry_what(item, "memory entry", idx, what, sizeof(what));
	m->loc = item->loc;
	if (want_map(item, what, err) ||
	    vmb_node_check_keys(item, mem_keys, what, err) ||
	    check_name(item, "memory", what, &name, err))
		return -1;
	m->name = vmb_strdup(name);
	if (req_str(item, "type", what, &type, err))
		return -1;
	if (!strcmp(type, "ram"))
		m->kind = VMB_MEM_RAM;
	else if (!strcmp(type, "rom"))
		m->kind = VMB_MEM_ROM;
	else
		return vmb_errf(err, &vmb_node_get(item, "type")->loc, "unknown "
				"memory type '%s' in %s, expected one of: ram, rom",
				type, what);
	if (req_u64(item, "base", what, &m->base, err) ||
	    req_size(item, "size", what, &m->size, err))
		return -1;
	if (!m->size)
		return vmb_errf(err, &vmb_node_get(item, "size")->loc, "size of "
				"%s is 0, expected at least 1 byte", what);
	if (m->base + (m->size - 1) < m->base)
		return vmb_errf(err, &item->loc, "%s (base 0x%" PRIx64 ", size "
				"0x%" PRIx64 ") runs past the end of the address "
				"space", what, m->base, m->size);
	return mem_image(m, item, what, err);
}

static int build_memory(struct vmb_spec *s, struct vmb_err *err)
{
	const struct vmb_node *mem = given(s->root, "memory");

	if (!mem)
		return 0;
	if (mem->kind != VMB_NODE_SEQ)
		return vmb_errf(err, &mem->loc, "wrong type for 'memory': expected "
				"a list of memory entries, got %s",
				vmb_node_kind_name(mem));
	s->mem = vmb_zalloc(mem->n * sizeof(*s->mem));
	for (size_t i = 0; i < mem->n; i++) {
		/* Counted before filling so vmb_spec_free sees partial entries. */
		s->nmem = (unsigned)i + 1;
		if (build_mem_entry(&s->mem[i], mem->items[i], i, err))
			return -1;
	}
	for (unsigned i = 1; i < s->nmem; i++) {
		for (unsigned j = 0; j < i; j++) {
			if (strcmp(s->mem[i].name, s->mem[j].name))
				continue;
			vmb_errf(err, &s->mem[i].loc, "duplicate memory name '%s'",
				 s->mem[i].name);
			vmb_err_append(err, "first defined at %s:%d:%d",
				       s->mem[j].loc.file, s->mem[j].loc.line,
				       s->mem[j].loc.col);
			return -1;
		}
	}
	return 0;
}

/* ---- boot -------------------------------------------------------------- */

static int boot_file(const struct vmb_node *boot, const char *key, char **out,
		     struct vmb_loc *loc, struct vmb_err *err)
{
	const struct vmb_node *v = given(boot, key);
	const char *rel;

	if (!v)
		return 0;
	if (vmb_node_get_str(boot, key, &rel, err) < 0)
		return -1;
	*out = vmb_node_path(v);
	*loc = v->loc;
	return check_file_at(loc, key, rel, *out, NULL, err);
}

static int boot_addr(const struct vmb_node *boot, const char *key, bool *has,
		     uint64_t *out, struct vmb_err *err)
{
	int rc = vmb_node_get_u64(boot, key, out, err);

	*has = rc == 1;
	return rc < 0 ? -1 : 0;
}

static int build_boot(struct vmb_spec *s, struct vmb_err *err)
{
	const struct vmb_node *n = given(s->root, "boot");
	struct vmb_boot_spec *b = &s->boot;
	const char *cmdline;
	int rc;

	b->loc = n ? n->loc : s->root->loc;
	if (!n)
		return 0;
	if (vmb_node_check_keys(n, boot_keys, "boot", err) ||
	    boot_file(n, "firmware", &b->firmware, &b->firmware_loc, err) ||
	    boot_addr(n, "firmware-address", &b->has_firmware_addr, &b->firmware_addr, err) ||
	    boot_file(n, "kernel", &b->kernel, &b->kernel_loc, err) ||
	    boot_addr(n, "kernel-address", &b->has_kernel_addr, &b->kernel_addr, err) ||
	    boot_file(n, "initrd", &b->initrd, &b->initrd_loc, err) ||
	    boot_addr(n, "initrd-address", &b->has_initrd_addr, &b->initrd_addr, err) ||
	    boot_file(n, "dtb", &b->dtb, &b->dtb_loc, err) ||
	    boot_addr(n, "dtb-address", &b->has_dtb_addr, &b->dtb_addr, err) ||
	    boot_addr(n, "entry", &b->has_entry, &b->entry, err))
		return -1;
	rc = vmb_node_get_str(n, "cmdline", &cmdline, err);
	if (rc < 0)
		return -1;
	if (rc)
		b->cmdline = vmb_strdup(cmdline);
	return 0;
}

/* ---- devices ----------------------------------------------------------- */

/* One device entry's generic keys, before "count" expansion. */
struct dev_entry {
	struct vmb_dev_spec d;  /* template: name/type point into the tree */
	const char *name, *type;
	bool has_count;
	uint64_t count, stride, irq_stride;
	struct vmb_node *props;
};

static int dev_irqs(const struct vmb_node *item, struct vmb_dev_spec *d,
		    const char *what, struct vmb_err *err)
{
	const struct vmb_node *v = given(item, "irq");
	const struct vmb_node *const *list;
	size_t n;

	if (!v)
		return 0;
	d->irq_loc = v->loc;
	if (v->kind == VMB_NODE_SCALAR) {
		list = &v;
		n = 1;
	} else if (v->kind == VMB_NODE_SEQ) {
		list = (const struct vmb_node *const *)v->items;
		n = v->n;
	} else {
		return vmb_errf(err, &v->loc, "wrong type for 'irq': expected an "
				"integer or a list of integers, got %s",
				vmb_node_kind_name(v));
	}
	if (n > VMB_DEV_MAX_IRQS)
		return vmb_errf(err, &v->loc, "too many interrupts for %s: %zu, "
				"expected at most %d", what, n, VMB_DEV_MAX_IRQS);
	for (size_t i = 0; i < n; i++) {
		const struct vmb_node *it = list[i];
		uint64_t irq;

		if (it->kind != VMB_NODE_SCALAR || it->quoted || vmb_node_is_null(it))
			return vmb_errf(err, &it->loc, "wrong type for 'irq': "
					"expected an integer, got %s",
					vmb_node_kind_name(it));
		if (vmb_node_u64(it, &irq, err))
			return -1;
		if (irq > UINT32_MAX)
			return vmb_errf(err, &it->loc, "irq %" PRIu64 " out of "
					"range, expected at most %" PRIu32,
					irq, UINT32_MAX);
		d->irq[i] = (uint32_t)irq;
	}
	d->nirq = (unsigned)n;
	return 0;
}

static int dev_trigger(const struct vmb_node *item, struct vmb_dev_spec *d,
		       const char *what, struct vmb_err *err)
{
	const char *t;
	int rc = vmb_node_get_str(item, "trigger", &t, err);

	d->trigger = VMB_IRQ_LEVEL_HIGH;
	if (rc <= 0)
		return rc;
	if (!strcmp(t, "edge"))
		d->trigger = VMB_IRQ_EDGE_RISING;
	else if (strcmp(t, "level"))
		return vmb_errf(err, &vmb_node_get(item, "trigger")->loc, "unknown "
				"trigger '%s' for %s, expected one of: level, edge",
				t, what);
	return 0;
}

static int dev_count(const struct vmb_node *item, struct dev_entry *e,
		     const char *what, struct vmb_err *err)
{
	int rc = vmb_node_get_u64(item, "count", &e->count, err);

	if (rc < 0)
		return -1;
	e->has_count = rc == 1;
	if (!e->has_count)
		e->count = 1;
	if (e->count < 1 || e->count > MAX_COUNT)
		return vmb_errf(err, &vmb_node_get(item, "count")->loc, "count %"
				PRIu64 " out of range, expected 1..%d", e->count,
				MAX_COUNT);
	rc = vmb_node_get_size(item, "stride", &e->stride, err);
	if (rc < 0)
		return -1;
	if (!rc && e->count > 1 && e->d.has_base)
		return vmb_errf(err, &item->loc, "missing required field 'stride' "
				"in %s (needed when count > 1 and base is given)",
				what);
	e->irq_stride = 1;
	return vmb_node_get_u64(item, "irq-stride", &e->irq_stride, err) < 0 ? -1 : 0;
}

/* Every non-generic key, copied, for the board to check against the type. */
static struct vmb_node *dev_props(const struct vmb_node *item)
{
	struct vmb_node *props = vmb_node_new_map(&item->loc);
	bool generic;

	for (size_t i = 0; i < item->n; i++) {
		generic = false;
		for (const char *const *k = dev_keys; *k && !generic; k++)
			generic = !strcmp(*k, item->keys[i]);
		if (!generic)
			vmb_node_map_put(props, item->keys[i], &item->key_locs[i],
					 vmb_node_clone(item->items[i]));
	}
	return props;
}

static int parse_dev_entry(const struct vmb_node *item, size_t idx,
			   struct dev_entry *e, char *what, size_t wlen,
			   struct vmb_err *err)
{
	struct vmb_dev_spec *d = &e->d;
	int rc;

	entry_what(item, "device", idx, what, wlen);
	if (want_map(item, what, err) ||
	    check_name(item, "device", what, &e->name, err) ||
	    req_str(item, "type", what, &e->type, err))
		return -1;
	d->loc = d->base_loc = d->irq_loc = item->loc;
	d->type_loc = vmb_node_get(item, "type")->loc;
	rc = vmb_node_get_u64(item, "base", &d->base, err);
	if (rc < 0)
		return -1;
	if (rc) {
		d->has_base = true;
		d->base_loc = vmb_node_get(item, "base")->loc;
	}
	rc = vmb_node_get_size(item, "size", &d->size, err);
	if (rc < 0)
		return -1;
	d->has_size = rc == 1;
	if (dev_irqs(item, d, what, err) || dev_trigger(item, d, what, err) ||
	    dev_count(item, e, what, err))
		return -1;
	e->props = dev_props(item);
	return 0;
}

/* Copy i of an entry: NAMEi, base + i*stride, each irq + i*irq-stride. */
static int expand_one(const struct dev_entry *e, uint64_t i, const char *what,
		      struct vmb_dev_spec *out, struct vmb_err *err)
{
	uint64_t off, irq;
	char buf[32];

	*out = e->d;
	if (__builtin_mul_overflow(i, e->stride, &off) ||
	    __builtin_add_overflow(e->d.base, off, &out->base))
		return vmb_errf(err, &e->d.base_loc, "base of copy %" PRIu64 " of "
				"%s overflows 64 bits", i, what);
	for (unsigned j = 0; j < e->d.nirq; j++) {
		if (__builtin_mul_overflow(i, e->irq_stride, &off) ||
		    __builtin_add_overflow(e->d.irq[j], off, &irq) || irq > UINT32_MAX)
			return vmb_errf(err, &e->d.irq_loc, "irq of copy %" PRIu64
					" of %s is out of range, expected at "
					"most %" PRIu32, i, what, UINT32_MAX);
		out->irq[j] = (uint32_t)irq;
	}
	snprintf(buf, sizeof(buf), "%" PRIu64, i);
	out->name = vmb_zalloc(strlen(e->name) + strlen(buf) + 1);
	strcpy(out->name, e->name);
	if (e->has_count)
		strcat(out->name, buf);
	out->type = vmb_strdup(e->type);
	out->props = vmb_node_clone(e->props);
	return 0;
}

static int build_dev_entry(struct vmb_spec *s, const struct vmb_node *item,
			   size_t idx, struct vmb_err *err)
{
	struct dev_entry e = { 0 };
	char what[160];
	int rc = 0;

	if (parse_dev_entry(item, idx, &e, what, sizeof(what), err)) {
		vmb_node_free(e.props);
		return -1;
	}
	if (s->ndev + e.count > MAX_DEVICES) {
		vmb_node_free(e.props);
		return vmb_errf(err, &item->loc, "too many devices: more than %d "
				"after expanding counts", MAX_DEVICES);
	}
	s->dev = vmb_realloc(s->dev, (s->ndev + e.count) * sizeof(*s->dev));
	for (uint64_t i = 0; i < e.count && !rc; i++) {
		rc = expand_one(&e, i, what, &s->dev[s->ndev], err);
		if (!rc)
			s->ndev++;
	}
	vmb_node_free(e.props);
	return rc;
}

static int build_devices(struct vmb_spec *s, struct vmb_err *err)
{
	const struct vmb_node *devs = given(s->root, "devices");

	if (!devs)
		return 0;
	if (devs->kind != VMB_NODE_SEQ)
		return vmb_errf(err, &devs->loc, "wrong type for 'devices': "
				"expected a list of devices, got %s",
				vmb_node_kind_name(devs));
	for (size_t i = 0; i < devs->n; i++)
		if (build_dev_entry(s, devs->items[i], i, err))
			return -1;
	for (unsigned i = 1; i < s->ndev; i++) {
		for (unsigned j = 0; j < i; j++) {
			const struct vmb_dev_spec *a = &s->dev[j], *b = &s->dev[i];

			if (strcmp(a->name, b->name))
				continue;
			vmb_errf(err, &b->loc, "duplicate device name '%s'", b->name);
			vmb_err_append(err, "first defined at %s:%d:%d",
				       a->loc.file, a->loc.line, a->loc.col);
			return -1;
		}
	}
	return 0;
}

/* ---- public ------------------------------------------------------------ */

static int build(struct vmb_spec *s, struct vmb_err *err)
{
	if (vmb_node_check_keys(s->root, machine_keys, "machine", err) ||
	    build_arch(s, err) || build_names(s, err) || build_cpus(s, err) ||
	    build_memory(s, err) || build_boot(s, err) || build_devices(s, err))
		return -1;
	return 0;
}

struct vmb_spec *vmb_spec_load(const char *path, const struct vmb_override *ov,
			       unsigned nov, struct vmb_err *err)
{
	return vmb_spec_load_labeled(path, ov, NULL, nov, err);
}

struct vmb_spec *vmb_spec_load_labeled(const char *path, const struct vmb_override *ov,
				       const char *const *labels, unsigned nov,
				       struct vmb_err *err)
{
	struct vmb_spec *s;

	if (!path || !path[0]) {
		vmb_errf(err, NULL, "no machine file given");
		return NULL;
	}
	s = vmb_zalloc(sizeof(*s));
	s->file = vmb_strdup(path);
	s->root = vmb_load_tree(s, vmb_spec_intern(s, path), err);
	if (!s->root || vmb_node_strip_removes(s->root, "", err))
		goto fail;
	for (unsigned i = 0; ov && i < nov; i++) {
		char name[200];

		if (!ov[i].path) {
			vmb_errf(err, NULL, "--set: override %u has no path", i + 1);
			goto fail;
		}
		if (labels && labels[i])
			snprintf(name, sizeof(name), "<%s>", labels[i]);
		else
			snprintf(name, sizeof(name), "<--set %u>", i + 1);
		if (vmb_override_apply(s->root, &ov[i], vmb_spec_intern(s, name), err))
			goto fail;
	}
	if (build(s, err))
		goto fail;
	return s;
fail:
	vmb_spec_free(s);
	return NULL;
}

void vmb_spec_free(struct vmb_spec *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->nmem; i++) {
		free(s->mem[i].name);
		free(s->mem[i].image);
	}
	free(s->mem);
	for (unsigned i = 0; i < s->ndev; i++) {
		free(s->dev[i].name);
		free(s->dev[i].type);
		vmb_node_free(s->dev[i].props);
	}
	free(s->dev);
	free(s->boot.firmware);
	free(s->boot.kernel);
	free(s->boot.initrd);
	free(s->boot.dtb);
	free(s->boot.cmdline);
	free(s->name);
	free(s->model);
	free(s->cpu_model);
	free(s->file);
	vmb_node_free(s->root);
	for (unsigned i = 0; i < s->ninterned; i++)
		free(s->interned[i]);
	free(s->interned);
	free(s);
}

const struct vmb_dev_spec *vmb_spec_find_dev(const struct vmb_spec *s,
					     const char *name)
{
	for (unsigned i = 0; s && i < s->ndev; i++)
		if (!strcmp(s->dev[i].name, name))
			return &s->dev[i];
	return NULL;
}
