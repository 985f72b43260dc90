/* SPDX-License-Identifier: MIT */
/*
 * vmb resolve: write a machine back as one canonical YAML file. See
 * resolve.h. The text is made from the typed spec and the board, not from
 * the source files, so every spelling of a machine resolves alike and a
 * resolved file resolves to itself.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli/resolve.h"
#include "util/sha256.h"
#include "vm.h"

struct out {
	FILE *f;
	const struct vmb_resolve_files *files;
	struct vmb_err *err;
	int rc;
};

/* ---- YAML scalars -------------------------------------------------------- */

static bool word_is(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcasecmp(s, *words))
			return true;
	return false;
}

/* Safe to write unquoted, in block and flow context alike, and read back
 * as the same string: letters, digits and _ . / + @ = -, not starting
 * with an indicator, not a word YAML 1.1 reads as null or a boolean. */
static bool plain_ok(const char *s)
{
	static const char *const special[] = {
		"null", "true", "false", "yes", "no", "on", "off", "y", "n", NULL,
	};
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789_./+@=-";

	if (!s[0] || !strchr(ok, s[0]) || strchr("-+@=", s[0]) ||
	    !strcmp(s, "...") || word_is(s, special))
		return false;
	return strspn(s, ok) == strlen(s);
}

static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* A string value: plain when that reads back as the same string. */
static void put_str(FILE *f, const char *s)
{
	if (plain_ok(s))
		fputs(s, f);
	else
		put_quoted(f, s);
}

/* A node as it was written (numbers stay numbers, quoted stays quoted),
 * in flow style. */
static void put_node(FILE *f, const struct vmb_node *n)
{
	if (!n || vmb_node_is_null(n)) {
		fputs("~", f);
		return;
	}
	switch (n->kind) {
	case VMB_NODE_SCALAR:
		/* An unquoted scalar written back unquoted means the same to
		 * the loader (a number stays a number) unless it has flow or
		 * comment indicators, which only quoting keeps literal. */
		if (n->quoted || !n->scalar[0] || strpbrk(n->scalar, ",[]{}#:\"'\n") ||
		    n->scalar[0] == ' ' || n->scalar[strlen(n->scalar) - 1] == ' ')
			put_quoted(f, n->scalar);
		else
			fputs(n->scalar, f);
		return;
	case VMB_NODE_SEQ:
		fputc('[', f);
		for (size_t i = 0; i < n->n; i++) {
			fputs(i ? ", " : "", f);
			put_node(f, n->items[i]);
		}
		fputc(']', f);
		return;
	case VMB_NODE_MAP:
		fputc('{', f);
		for (size_t i = 0; i < n->n; i++) {
			fputs(i ? ", " : " ", f);
			put_str(f, n->keys[i]);
			fputs(": ", f);
			put_node(f, n->items[i]);
		}
		fputs(n->n ? " }" : "}", f);
		return;
	}
}

static void put_hex(FILE *f, bool has, uint64_t v)
{
	if (has)
		fprintf(f, "0x%" PRIx64, v);
	else
		fputs("~", f);
}

static void put_size(FILE *f, uint64_t v)
{
	char buf[32];

	vmb_format_size(v, buf, sizeof(buf));
	fputs(buf, f);
}

/* ---- files --------------------------------------------------------------- */

/* A file the machine names: "{ path: P, sha256: D }", or "P" when it is
 * written by the device, is a directory or does not exist, or "~". */
static void put_file(struct out *o, const char *path, enum vmb_file_use use,
		     const char *what)
{
	uint8_t sha[VMB_SHA256_LEN];
	char text[PATH_MAX + 64], hex[VMB_SHA256_HEX_LEN + 1];
	bool have;

	if (!path) {
		fputs("~", o->f);
		return;
	}
	if (o->rc)
		return;
	have = use != VMB_FILE_DIR && !access(path, F_OK);
	if (have && vmb_sha256_file(path, sha, NULL, o->err)) {
		o->rc = -1;
		return;
	}
	if (o->files->file(o->files->ctx, path, have ? sha : NULL, use, what, text,
			   sizeof(text), o->err)) {
		o->rc = -1;
		return;
	}
	if (!text[0]) {
		fputs("~", o->f); /* the mapper leaves it out */
		return;
	}
	if (!have || use != VMB_FILE_INPUT) {
		put_str(o->f, text);
		return;
	}
	vmb_sha256_hex(sha, hex);
	fputs("{ path: ", o->f);
	put_str(o->f, text);
	fprintf(o->f, ", sha256: %s }", hex);
}

/* ---- sections ------------------------------------------------------------ */

static void put_header(FILE *f)
{
	struct utsname u;

	fputs("# Resolved machine: includes merged, overrides applied, every\n"
	      "# default written out, input images pinned (vmb resolve).\n", f);
	if (!uname(&u))
		fprintf(f, "# vmb %s on %s (%s %s %s)\n", VMB_VERSION, u.nodename,
			u.sysname, u.release, u.machine);
	else
		fprintf(f, "# vmb %s\n", VMB_VERSION);
}

static void put_cpus(struct out *o, const struct vmb_spec *s)
{
	const struct vmb_node *c = vmb_node_get(s->root, "cpus");
	const struct vmb_node *clear = c ? vmb_node_get(c, "cpuid-clear") : NULL;

	fprintf(o->f, "cpus:\n  count: %u\n  model: ", s->ncpus);
	put_str(o->f, s->cpu_model);
	fputs("\n  cpuid-clear: ", o->f);
	if (clear && !vmb_node_is_null(clear))
		put_node(o->f, clear);
	else
		fputs("[]", o->f);
	fputc('\n', o->f);
}

static void put_memory(struct out *o, const struct vmb_spec *s)
{
	fputs(s->nmem ? "memory:\n" : "memory: []\n", o->f);
	for (unsigned i = 0; i < s->nmem; i++) {
		const struct vmb_mem_spec *m = &s->mem[i];

		fputs("  - name: ", o->f);
		put_str(o->f, m->name);
		fprintf(o->f, "\n    type: %s\n    base: 0x%" PRIx64 "\n    size: ",
			m->kind == VMB_MEM_RAM ? "ram" : "rom", m->base);
		put_size(o->f, m->size);
		fputs("\n    image: ", o->f);
		put_file(o, m->image, VMB_FILE_INPUT, "memory image");
		fputs("\n    image-offset: ", o->f);
		put_size(o->f, m->image_offset);
		fputc('\n', o->f);
	}
}

static void put_boot(struct out *o, const struct vmb_spec *s)
{
	const struct vmb_boot_spec *b = &s->boot;
	const struct {
		const char *key;
		const char *file;
		bool has;
		uint64_t addr;
	} files[] = {
		{ "firmware", b->firmware, b->has_firmware_addr, b->firmware_addr },
		{ "kernel", b->kernel, b->has_kernel_addr, b->kernel_addr },
		{ "initrd", b->initrd, b->has_initrd_addr, b->initrd_addr },
		{ "dtb", b->dtb, b->has_dtb_addr, b->dtb_addr },
	};

	fputs("boot:\n", o->f);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		fprintf(o->f, "  %s: ", files[i].key);
		put_file(o, files[i].file, VMB_FILE_INPUT, files[i].key);
		fprintf(o->f, "\n  %s-address: ", files[i].key);
		put_hex(o->f, files[i].has, files[i].addr);
		fputc('\n', o->f);
	}
	fputs("  cmdline: ", o->f);
	if (b->cmdline)
		put_quoted(o->f, b->cmdline);
	else
		fputs("~", o->f);
	fputs("\n  entry: ", o->f);
	put_hex(o->f, b->has_entry, b->entry);
	fputc('\n', o->f);
}

/* Off is written as null, not "enabled: false": then "--set
 * determinism.seed=N" turns it on for the resolved file exactly as for
 * the original. */
static void put_determinism(struct out *o, const struct vmb_spec *s)
{
	char t[32];

	if (!s->det.enabled) {
		fputs("determinism: ~\n", o->f);
		return;
	}
	vmb_format_utc(s->det.rtc_start, t, sizeof(t));
	fprintf(o->f, "determinism:\n  enabled: %s\n  seed: %" PRIu64
		"\n  rtc-start: %s\n", s->det.enabled ? "true" : "false",
		s->det.seed, t);
}

/* One item of a path list: the file, or a mapping with the file at key
 * and its other keys as written. */
static void put_path_item(struct out *o, struct vmb_node *item, const char *key,
			  enum vmb_file_use use, const char *what)
{
	struct vmb_node *file = vmb_path_list_file(item, key);
	char *path = file ? vmb_node_path(file) : NULL;

	if (!key || item->kind != VMB_NODE_MAP) {
		put_file(o, path, use, what);
	} else {
		fputc('{', o->f);
		for (size_t i = 0; i < item->n; i++) {
			fputs(i ? ", " : " ", o->f);
			put_str(o->f, item->keys[i]);
			fputs(": ", o->f);
			if (item->items[i] == file)
				put_file(o, path, use, what);
			else
				put_node(o->f, item->items[i]);
		}
		fputs(item->n ? " }" : "}", o->f);
	}
	free(path);
}

/* One type-specific property: the value given, else the default. */
static void put_prop(struct out *o, const struct vmb_device *d,
		     const struct vmb_prop_desc *p)
{
	const struct vmb_device_type *t = d->type;
	const struct vmb_node *n = vmb_node_get(d->spec->props, p->name);
	enum vmb_file_use use = vmb_prop_listed(t->dirs, p->name) ? VMB_FILE_DIR :
				vmb_dev_prop_writes(d, p->name) ? VMB_FILE_WRITTEN :
				VMB_FILE_INPUT;
	const char *key;
	char what[160];

	snprintf(what, sizeof(what), "devices.%s.%s", d->spec->name, p->name);
	fprintf(o->f, "    %s: ", p->name);
	if (!n || vmb_node_is_null(n)) {
		if (!p->def)
			fputs("~", o->f);
		else if (p->kind == VMB_PROP_STR || p->kind == VMB_PROP_ENUM ||
			 p->kind == VMB_PROP_PATH)
			put_str(o->f, p->def);
		else
			fputs(p->def, o->f); /* YAML text in the type's table */
	} else if (p->kind == VMB_PROP_PATH && vmb_prop_listed(t->uris, p->name) &&
		   vmb_path_is_uri(n->scalar)) {
		put_str(o->f, n->scalar); /* nbd://...: no file */
	} else if (p->kind == VMB_PROP_PATH) {
		/* The board resolved it in place (board.c check_prop). */
		put_file(o, n->scalar, use, what);
	} else if (n->kind == VMB_NODE_SEQ && vmb_prop_path_list(t, p->name, &key)) {
		fputc('[', o->f);
		for (size_t i = 0; i < n->n; i++) {
			fputs(i ? ", " : "", o->f);
			put_path_item(o, n->items[i], key, use, what);
		}
		fputc(']', o->f);
	} else {
		put_node(o->f, n);
	}
	fputc('\n', o->f);
}

static void put_devices(struct out *o, const struct vmb_board *b)
{
	fputs(b->ndev ? "devices:\n" : "devices: []\n", o->f);
	for (unsigned i = 0; i < b->ndev; i++) {
		const struct vmb_device *d = b->dev[i];
		const struct vmb_dev_spec *ds = d->spec;

		fputs("  - name: ", o->f);
		put_str(o->f, ds->name);
		fputs("\n    type: ", o->f);
		put_str(o->f, ds->type);
		fputs("\n    base: ", o->f);
		put_hex(o->f, ds->has_base, ds->base);
		fputs("\n    size: ", o->f);
		if (ds->has_size || d->size)
			put_size(o->f, d->size);
		else
			fputs("~", o->f);
		fputs("\n    irq: [", o->f);
		for (unsigned j = 0; j < ds->nirq; j++)
			fprintf(o->f, "%s%" PRIu32, j ? ", " : "", ds->irq[j]);
		fprintf(o->f, "]\n    trigger: %s\n",
			ds->trigger == VMB_IRQ_EDGE_RISING ? "edge" : "level");
		for (const struct vmb_prop_desc *p = d->type->props; p && p->name; p++)
			put_prop(o, d, p);
	}
}

int vmb_resolve_write(const struct vmb_board *b, FILE *f,
		      const struct vmb_resolve_files *files, struct vmb_err *err)
{
	const struct vmb_spec *s = b->spec;
	const struct vmb_node *desc;
	struct out o = { f, files, err, 0 };

	put_header(f);
	fputs("name: ", f);
	put_str(f, s->name);
	if ((desc = vmb_node_get(s->root, "description")) && !vmb_node_is_null(desc)) {
		fputs("\ndescription: ", f);
		put_node(f, desc);
	}
	fputs("\nmodel: ", f);
	put_str(f, s->model);
	fprintf(f, "\narch: %s\n", vmb_arch_name(s->arch));
	put_cpus(&o, s);
	put_memory(&o, s);
	put_boot(&o, s);
	put_determinism(&o, s);
	put_devices(&o, b);
	return o.rc;
}

/* ---- the command ----------------------------------------------------------- */

/*
 * Canonical absolute path (the directory's, for a file not created yet):
 * the output may be read from anywhere (stdout redirected, -o elsewhere),
 * so only an absolute path means the same file wherever it lands, and
 * resolving the output again from any directory gives the same bytes. A
 * machine moves to another host as a bundle (vmb pack), not as paths.
 */
static int file_absolute(void *ctx, const char *path, const uint8_t *sha,
			 enum vmb_file_use use, const char *what, char *out,
			 size_t len, struct vmb_err *err)
{
	char real[PATH_MAX], dir[PATH_MAX];
	const char *slash;

	if (realpath(path, real)) {
		if ((size_t)snprintf(out, len, "%s", real) >= len)
			return vmb_errf(err, NULL, "resolve: path too long: '%s'", real);
		return 0;
	}
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? (slash == path ? "/" : path) : ".");
	if (!realpath(dir, real))
		return vmb_errf(err, NULL, "resolve: cannot find the directory of "
				"'%s': %s", path, strerror(errno));
	if ((size_t)snprintf(out, len, "%s/%s", strcmp(real, "/") ? real : "",
			     slash ? slash + 1 : path) >= len)
		return vmb_errf(err, NULL, "resolve: path too long: '%s'", path);
	return 0;
}

int vmb_resolve_to_file(const struct vmb_spec *spec, const char *out_path,
			struct vmb_err *err)
{
	struct vmb_board *b = vmb_board_create(spec, NULL, err);
	struct vmb_resolve_files files = { file_absolute, NULL };
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (!b)
		return -1;
	f = open_memstream(&text, &len);
	rc = vmb_resolve_write(b, f, &files, err);
	fclose(f);
	if (!rc)
		rc = vmb_write_file(out_path, text, len, err);
	free(text);
	vmb_board_destroy(b);
	return rc;
}

const char vmb_resolve_help[] =
"usage: vmb resolve MACHINE.yaml [options] [-o OUT.yaml]\n"
"\n"
"Write the machine as one self-contained file: includes merged, --set and\n"
"the other machine options applied, devices with 'count' expanded, every\n"
"default written out, every input image pinned as { path, sha256 }, and a\n"
"comment with the vmb version and this host. Paths are written absolute\n"
"and canonical (to move a machine and its images, use 'vmb pack').\n"
"Resolving the result again gives the same file, and it\n"
"builds the same board and device tree. Files a device writes (flash\n"
"backing files, disks) are written as plain paths, not pinned.\n"
"\n"
"options:\n"
"  -o, --output FILE     where to write it (default '-': stdout)\n"
"  -h, --help            this text\n";
