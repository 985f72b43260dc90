/* SPDX-License-Identifier: MIT */
/*
 * Machine-readable output: "vmb devices --json" (the registry) and
 * "vmb check --json" (memory map, interrupts, devices with resolved
 * properties, boot plan, which backends can run the machine and why not).
 * Numbers are JSON integers (addresses and sizes in bytes); locations are
 * "FILE:LINE:COL". The shapes are documented in docs/machine-format.md.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/boot.h"
#include "board/board.h"
#include "cli/cli.h"
#include "hv/hv.h"
#include "util/json.h"

static const char *kind_name(enum vmb_prop_kind k)
{
	switch (k) {
	case VMB_PROP_U64: return "number";
	case VMB_PROP_SIZE: return "size";
	case VMB_PROP_BOOL: return "bool";
	case VMB_PROP_STR: return "string";
	case VMB_PROP_PATH: return "path";
	case VMB_PROP_ENUM: return "enum";
	case VMB_PROP_LIST: return "list";
	}
	return "?";
}

static void type_json(struct vmb_json *j, const struct vmb_device_type *t)
{
	const char *key;

	vmb_json_open(j, NULL, '{');
	vmb_json_str(j, "name", t->name);
	vmb_json_str(j, "summary", t->summary);
	vmb_json_bool(j, "needs-base", t->needs_base);
	vmb_json_u64(j, "default-size", t->default_size);
	vmb_json_u64(j, "min-irqs", t->min_irqs);
	vmb_json_u64(j, "max-irqs", t->max_irqs);
	vmb_json_open(j, "properties", '[');
	for (const struct vmb_prop_desc *p = t->props; p && p->name; p++) {
		vmb_json_open(j, NULL, '{');
		vmb_json_str(j, "name", p->name);
		vmb_json_str(j, "kind", kind_name(p->kind));
		vmb_json_str(j, "default", p->def);
		vmb_json_str(j, "help", p->help);
		if (p->kind == VMB_PROP_ENUM) {
			vmb_json_open(j, "choices", '[');
			for (const char *const *c = p->choices; c && *c; c++)
				vmb_json_str(j, NULL, *c);
			vmb_json_close(j);
		}
		vmb_json_bool(j, "files", p->kind == VMB_PROP_PATH ||
			      vmb_prop_path_list(t, p->name, &key));
		vmb_json_bool(j, "written", vmb_prop_listed(t->writes, p->name));
		vmb_json_close(j);
	}
	vmb_json_close(j);
	vmb_json_close(j);
}

int vmb_devices_json(FILE *f, const char *only)
{
	struct vmb_json j = { .f = f };
	const struct vmb_device_type *const *all;
	unsigned n;

	all = vmb_device_types(&n);
	if (only && !vmb_device_type_find(only))
		return -1;
	vmb_json_open(&j, NULL, '{');
	vmb_json_raw(&j, "generic-keys", "[\"name\", \"type\", \"base\", \"size\", "
		     "\"irq\", \"trigger\", \"count\", \"stride\", \"irq-stride\"]");
	vmb_json_open(&j, "types", '[');
	for (unsigned i = 0; i < n; i++)
		if (!only || !strcmp(only, all[i]->name))
			type_json(&j, all[i]);
	vmb_json_close(&j);
	vmb_json_close(&j);
	return 0;
}

/* ---- check --json ----------------------------------------------------------- */

static void loc_json(struct vmb_json *j, const char *key, const struct vmb_loc *l)
{
	char buf[600];

	if (!l || !l->file) {
		vmb_json_str(j, key, NULL);
		return;
	}
	snprintf(buf, sizeof(buf), "%s:%d:%d", l->file, l->line, l->col);
	vmb_json_str(j, key, buf);
}

/* A document node as JSON: unquoted numbers become numbers, booleans
 * booleans, null null, everything else strings. */
static void node_json(struct vmb_json *j, const char *key, const struct vmb_node *n)
{
	uint64_t v;
	bool b;
	struct vmb_err ignore;

	if (!n || vmb_node_is_null(n)) {
		vmb_json_raw(j, key, "null");
		return;
	}
	switch (n->kind) {
	case VMB_NODE_SCALAR:
		if (!n->quoted && !vmb_node_size(n, &v, &ignore))
			vmb_json_u64(j, key, v);
		else if (!n->quoted && !vmb_node_bool(n, &b, &ignore))
			vmb_json_bool(j, key, b);
		else
			vmb_json_str(j, key, n->scalar);
		return;
	case VMB_NODE_SEQ:
		vmb_json_open(j, key, '[');
		for (size_t i = 0; i < n->n; i++)
			node_json(j, NULL, n->items[i]);
		vmb_json_close(j);
		return;
	case VMB_NODE_MAP:
		vmb_json_open(j, key, '{');
		for (size_t i = 0; i < n->n; i++)
			node_json(j, n->keys[i], n->items[i]);
		vmb_json_close(j);
		return;
	}
}

/* A property's value as the device sees it: given, else the default. */
static void prop_json(struct vmb_json *j, const struct vmb_device *d,
		      const struct vmb_prop_desc *p)
{
	const struct vmb_node *n = vmb_node_get(d->spec->props, p->name);
	struct vmb_node *def;
	struct vmb_err err;

	if (n && !vmb_node_is_null(n)) {
		node_json(j, p->name, n);
		return;
	}
	if (!p->def) {
		vmb_json_raw(j, p->name, "null");
		return;
	}
	if (p->kind == VMB_PROP_STR || p->kind == VMB_PROP_ENUM ||
	    p->kind == VMB_PROP_PATH) {
		vmb_json_str(j, p->name, p->def);
		return;
	}
	/* Numbers, sizes, booleans and lists: the default is YAML text. */
	def = vmb_node_parse_string(p->def, "<default>", &err);
	node_json(j, p->name, def);
	vmb_node_free(def);
}

static void regions_json(struct vmb_json *j, const char *key, const struct vmb_addrmap *m)
{
	vmb_json_open(j, key, '[');
	for (unsigned i = 0; i < m->n; i++) {
		const struct vmb_region *r = m->r[i];

		vmb_json_open(j, NULL, '{');
		vmb_json_str(j, "name", r->name);
		vmb_json_str(j, "kind", vmb_region_kind_name(r));
		vmb_json_u64(j, "base", r->gpa);
		vmb_json_u64(j, "size", r->size);
		vmb_json_str(j, "device", r->dev ? r->dev->name : NULL);
		loc_json(j, "defined-at", &r->loc);
		vmb_json_close(j);
	}
	vmb_json_close(j);
}

static void devices_json(struct vmb_json *j, const struct vmb_board *b)
{
	vmb_json_open(j, "interrupts", '[');
	for (unsigned i = 0; i < b->ndev; i++) {
		const struct vmb_dev_spec *ds = b->dev[i]->spec;

		for (unsigned k = 0; k < ds->nirq; k++) {
			vmb_json_open(j, NULL, '{');
			vmb_json_str(j, "controller", b->arch == VMB_ARCH_ARM64 ?
				     "SPI" : "GSI");
			vmb_json_u64(j, "number", ds->irq[k]);
			vmb_json_str(j, "trigger", ds->trigger == VMB_IRQ_EDGE_RISING ?
				     "edge" : "level");
			vmb_json_str(j, "device", ds->name);
			vmb_json_close(j);
		}
	}
	vmb_json_close(j);
	vmb_json_open(j, "devices", '[');
	for (unsigned i = 0; i < b->ndev; i++) {
		const struct vmb_device *d = b->dev[i];
		const struct vmb_dev_spec *ds = d->spec;

		vmb_json_open(j, NULL, '{');
		vmb_json_str(j, "name", d->name);
		vmb_json_str(j, "type", d->type->name);
		if (ds->has_base)
			vmb_json_u64(j, "base", d->base);
		else
			vmb_json_raw(j, "base", "null");
		vmb_json_u64(j, "size", d->size);
		vmb_json_open(j, "irq", '[');
		for (unsigned k = 0; k < ds->nirq; k++)
			vmb_json_u64(j, NULL, ds->irq[k]);
		vmb_json_close(j);
		vmb_json_str(j, "trigger", ds->trigger == VMB_IRQ_EDGE_RISING ?
			     "edge" : "level");
		vmb_json_open(j, "properties", '{');
		for (const struct vmb_prop_desc *p = d->type->props; p && p->name; p++)
			prop_json(j, d, p);
		vmb_json_close(j);
		loc_json(j, "defined-at", &ds->loc);
		vmb_json_close(j);
	}
	vmb_json_close(j);
}

static void boot_json(struct vmb_json *j, const struct vmb_spec *s,
		      const struct vmb_boot_state *st, const char *why_not)
{
	const struct vmb_boot_spec *bs = &s->boot;

	vmb_json_open(j, "boot", '{');
	vmb_json_str(j, "firmware", bs->firmware);
	vmb_json_str(j, "kernel", bs->kernel);
	vmb_json_str(j, "initrd", bs->initrd);
	vmb_json_str(j, "dtb", bs->dtb);
	vmb_json_str(j, "cmdline", bs->cmdline);
	if (why_not) {
		vmb_json_str(j, "error", why_not);
	} else {
		vmb_json_u64(j, "entry", st->pc);
		if (s->arch == VMB_ARCH_ARM64)
			vmb_json_u64(j, "x0", st->x[0]);
		if (st->dtb_size) {
			vmb_json_u64(j, "device-tree", st->dtb);
			vmb_json_u64(j, "device-tree-size", st->dtb_size);
		}
	}
	vmb_json_close(j);
}

int vmb_check_json(const struct vmb_spec *s, FILE *f, struct vmb_err *err)
{
	struct vmb_board *b = vmb_board_create(s, NULL, err);
	struct vmb_json j = { .f = f };
	struct vmb_boot_state st;
	const char *why_not = NULL;
	char rtc[32];

	if (!b)
		return -1;
	if (vmb_boot_prepare(b, &st, err)) {
		if (s->boot.firmware || s->boot.kernel) {
			vmb_board_destroy(b);
			return -1;
		}
		why_not = "nothing to boot yet: set boot.firmware or boot.kernel";
	}
	vmb_json_open(&j, NULL, '{');
	vmb_json_open(&j, "machine", '{');
	vmb_json_str(&j, "file", s->file);
	vmb_json_str(&j, "name", s->name);
	vmb_json_str(&j, "model", s->model);
	vmb_json_str(&j, "arch", vmb_arch_name(s->arch));
	vmb_json_u64(&j, "cpus", s->ncpus);
	vmb_json_str(&j, "cpu-model", s->cpu_model);
	vmb_json_close(&j);
	regions_json(&j, "memory-map", &b->map);
	regions_json(&j, "io-ports", &b->pio);
	devices_json(&j, b);
	boot_json(&j, s, &st, why_not);
	vmb_json_open(&j, "determinism", '{');
	vmb_json_bool(&j, "enabled", s->det.enabled);
	vmb_json_u64(&j, "seed", s->det.seed);
	vmb_format_utc(s->det.rtc_start, rtc, sizeof(rtc));
	vmb_json_str(&j, "rtc-start", rtc);
	vmb_json_close(&j);
	vmb_json_open(&j, "backends", '[');
	for (const struct vmb_hv_ops *const *o = vmb_hv_backends; *o; o++) {
		struct vmb_err why = { "" };
		bool ok = !(*o)->probe(b, &why);

		vmb_json_open(&j, NULL, '{');
		vmb_json_str(&j, "name", (*o)->name);
		vmb_json_bool(&j, "can-run", ok);
		vmb_json_str(&j, "why-not", ok ? NULL : why.msg);
		vmb_json_close(&j);
	}
	vmb_json_close(&j);
	vmb_json_close(&j);
	vmb_board_destroy(b);
	return 0;
}
