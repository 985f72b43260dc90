/* SPDX-License-Identifier: MIT */
/*
 * --trace mmio=FILE: the device access log (trace.h). stdio with a 1 MiB
 * buffer under one mutex: a line costs a format and a copy; the file is
 * written when the buffer fills, at flush (crash report) and at close.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>

#include "board/board.h"
#include "debug/trace.h"

#define TRACE_BUF (1u << 20)

struct vmb_mmio_trace {
	pthread_mutex_t lock;
	FILE *f;
	bool is_stderr;
	char *buf;
	const char *path;
	bool failed;            /* a write failed: said once */
};

struct vmb_mmio_trace *vmb_mmio_trace_open(const char *path, struct vmb_err *err)
{
	struct vmb_mmio_trace *t;
	FILE *f = strcmp(path, "-") ? fopen(path, "we") : stderr;

	if (!f) {
		vmb_errf(err, NULL, "--trace mmio=%s: cannot create '%s': %s", path,
			 path, strerror(errno));
		return NULL;
	}
	t = vmb_zalloc(sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->f = f;
	t->path = path;
	t->is_stderr = f == stderr;
	if (!t->is_stderr) {
		t->buf = malloc(TRACE_BUF);
		if (t->buf)
			setvbuf(f, t->buf, _IOFBF, TRACE_BUF);
	}
	fprintf(f, "# vmb device access trace: seconds vcpu device:register "
		"R|W width value space:address device-type\n");
	return t;
}

static void check_write(struct vmb_mmio_trace *t)
{
	if (ferror(t->f) && !t->failed) {
		t->failed = true;
		vmb_warn("--trace mmio=%s: write failed; the log is incomplete",
			 t->path);
	}
}

void vmb_mmio_trace_flush(struct vmb_mmio_trace *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	fflush(t->f);
	check_write(t);
	pthread_mutex_unlock(&t->lock);
}

void vmb_mmio_trace_close(struct vmb_mmio_trace *t)
{
	if (!t)
		return;
	vmb_mmio_trace_flush(t);
	if (!t->is_stderr && fclose(t->f) && !t->failed)
		vmb_warn("--trace mmio=%s: %s", t->path, strerror(errno));
	free(t->buf);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

int vmb_mmio_trace_format(char *buf, size_t len, const struct vmb_mmio_event *ev)
{
	char cpu[16] = "-";
	unsigned w = ev->size ? ev->size : 1;

	if (ev->cpu != VMB_CPU_NONE)
		snprintf(cpu, sizeof(cpu), "cpu%u", ev->cpu);
	return snprintf(buf, len, "%" PRIu64 ".%09" PRIu64 " %s %s %c %u 0x%0*" PRIx64
			" %s:0x%0*" PRIx64 " %s\n", ev->ns / 1000000000u,
			ev->ns % 1000000000u, cpu, ev->name, ev->write ? 'W' : 'R',
			ev->size, (int)(2 * w), ev->val, ev->pio ? "pio" : "mmio",
			ev->pio ? 4 : 8, ev->addr, ev->type ? ev->type : "-");
}

void vmb_mmio_trace_log(struct vmb_mmio_trace *t, const struct vmb_mmio_event *ev)
{
	char line[256];
	int n = vmb_mmio_trace_format(line, sizeof(line), ev);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	pthread_mutex_lock(&t->lock);
	fwrite(line, 1, (size_t)n, t->f);
	check_write(t);
	pthread_mutex_unlock(&t->lock);
}
