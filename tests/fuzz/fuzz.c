/* SPDX-License-Identifier: MIT */
/* Helpers shared by the fuzz targets (fuzz.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "util/err.h"
#include "util/file.h"

#ifndef VMB_SRCDIR
#define VMB_SRCDIR "."
#endif

static char dir[256];

static void remove_dir(void)
{
	fuzz_clean();
	if (dir[0])
		rmdir(dir);
}

const char *fuzz_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (dir[0])
		return dir;
	snprintf(dir, sizeof(dir), "%s/vmb-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		vmb_die("cannot create a scratch directory under %s", tmp ? tmp : "/tmp");
	atexit(remove_dir);
	return dir;
}

const char *fuzz_write(const char *name, const void *data, size_t len)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	f = fopen(path, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f))
		vmb_die("cannot write %s", path);
	return path;
}

void fuzz_clean(void)
{
	char path[512];
	struct dirent *e;
	DIR *d;

	if (!dir[0] || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

const char *fuzz_src(const char *rel)
{
	static char path[1024];
	const char *src = getenv("VMB_SRCDIR");

	snprintf(path, sizeof(path), "%s/%s", src && *src ? src : VMB_SRCDIR, rel);
	return path;
}

static void no_irq(void *opaque, uint32_t irq, int level)
{
}

static void no_region_change(void *opaque, struct vmb_region *r)
{
}

static void no_kick(void *opaque)
{
}

void fuzz_board_hooks(struct vmb_board *b)
{
	b->hv.set_irq = no_irq;
	b->hv.region_changed = no_region_change;
	b->hv.kick = no_kick;
	b->hv.opaque = NULL;
}

uint64_t fuzz_spec_mem(const struct vmb_spec *s)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < s->nmem; i++) {
		if (s->mem[i].size > UINT64_MAX - total)
			return UINT64_MAX;
		total += s->mem[i].size;
	}
	return total;
}
