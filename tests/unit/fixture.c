/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"

#include "fixture.h"
#include "fdt/fdt.h"

static void record_irq(void *opaque, uint32_t irq, int level)
{
	struct tb *t = opaque;

	if (irq < TB_MAX_IRQS) {
		t->level[irq] = level;
		t->edges[irq]++;
	}
}

static void region_changed(void *opaque, struct vmb_region *r)
{
	((struct tb *)opaque)->romd_changes++;
}

void tb_dir(struct tb *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "%s/vmb-test-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(t->dir));
}

const char *tb_file(struct tb *t, const char *name, const void *data, size_t len)
{
	char full[sizeof(t->path[0])], *p = NULL;
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", t->dir, name);
	for (unsigned i = 0; i < t->nfiles && !p; i++)
		if (!strcmp(t->path[i], full))
			p = t->path[i]; /* rewritten: same path */
	if (!p) {
		assert_true(t->nfiles < TB_MAX_FILES);
		p = strcpy(t->path[t->nfiles++], full);
	}
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	return p;
}

int tb_board_ov(struct tb *t, const char *yaml, const struct vmb_override *ov,
		unsigned nov)
{
	const char *path = tb_file(t, "m.yaml", yaml, strlen(yaml));

	t->spec = vmb_spec_load(path, ov, nov, &t->err);
	if (!t->spec)
		return -1;
	t->b = vmb_board_create(t->spec, t->con, &t->err);
	if (!t->b)
		return -1;
	t->b->hv.set_irq = record_irq;
	t->b->hv.region_changed = region_changed;
	t->b->hv.opaque = t;
	return 0;
}

int tb_board(struct tb *t, const char *yaml)
{
	return tb_board_ov(t, yaml, NULL, 0);
}

void tb_board_ok(struct tb *t, const char *yaml, const struct vmb_override *ov,
		 unsigned nov)
{
	if (tb_board_ov(t, yaml, ov, nov))
		fail_msg("%s", t->err.msg);
}

int tb_make(struct tb *t, const char *yaml)
{
	tb_dir(t);
	return tb_board(t, yaml);
}

static void board_fails(struct tb *t, const char *yaml, va_list ap)
{
	const char *want;

	assert_int_equal(tb_board(t, yaml), -1);
	while ((want = va_arg(ap, const char *)))
		assert_contains(t->err.msg, want);
	tb_close(t);
}

void tb_board_fails(struct tb *t, const char *yaml, ...)
{
	va_list ap;

	va_start(ap, yaml);
	board_fails(t, yaml, ap);
	va_end(ap);
}

void tb_fails(const char *yaml, ...)
{
	struct tb t;
	va_list ap;

	tb_dir(&t);
	va_start(ap, yaml);
	board_fails(&t, yaml, ap);
	va_end(ap);
	tb_free(&t);
}

void tb_close(struct tb *t)
{
	vmb_board_destroy(t->b);
	vmb_spec_free(t->spec);
	vmb_console_destroy(t->con);
	t->b = NULL;
	t->spec = NULL;
	t->con = NULL;
}

void tb_free(struct tb *t)
{
	DIR *d;
	struct dirent *e;
	char p[512];

	tb_close(t);
	for (unsigned i = 0; i < t->nfiles; i++)
		unlink(t->path[i]); /* including those in subdirectories */
	d = opendir(t->dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", t->dir, e->d_name);
		if (unlink(p))
			rmdir(p); /* an emptied subdirectory */
	}
	if (d)
		closedir(d);
	rmdir(t->dir);
}

uint64_t tb_rd(struct tb *t, uint64_t gpa, unsigned size)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(vmb_board_mmio_read(t->b, gpa, size, &v), 0);
	return v;
}

void tb_wr(struct tb *t, uint64_t gpa, unsigned size, uint64_t v)
{
	assert_int_equal(vmb_board_mmio_write(t->b, gpa, size, v), 0);
}

void fx_spec_init(struct vmb_spec *s, struct vmb_mem_spec *mem, const char *name,
		  enum vmb_arch arch, unsigned ncpus)
{
	memset(s, 0, sizeof(*s));
	s->name = (char *)name;
	s->arch = arch;
	s->ncpus = ncpus;
	s->cpu_model = (char *)"cortex-a57";
	s->mem = mem;
}

void fx_spec_add_mem(struct vmb_spec *s, const char *name, enum vmb_mem_kind kind,
		     uint64_t base, uint64_t size)
{
	s->mem[s->nmem++] = (struct vmb_mem_spec){ .name = (char *)name, .kind = kind,
						   .base = base, .size = size };
}

void assert_contains(const char *s, const char *sub)
{
	if (!strstr(s, sub))
		fail_msg("expected \"%s\" in \"%s\"", sub, s);
}

void *fx_dtb(const char *path, const struct vmb_override *ov, unsigned nov)
{
	struct vmb_err err = { "" };
	struct vmb_spec *s = vmb_spec_load(path, ov, nov, &err);
	struct vmb_board *b;
	void *blob;

	if (!s)
		fail_msg("%s", err.msg);
	b = vmb_board_create(s, NULL, &err);
	if (!b)
		fail_msg("%s", err.msg);
	blob = vmb_fdt_build(b, 0, 0, &err);
	if (!blob)
		fail_msg("%s", err.msg);
	vmb_board_destroy(b);
	vmb_spec_free(s);
	return blob;
}
