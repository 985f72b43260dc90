/* SPDX-License-Identifier: MIT */
/*
 * --trace options and the per-vCPU instruction ring (trace.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "debug/crash.h"
#include "debug/trace.h"
#include "util/err.h"

static int parse_n(const char *arg, const char *s, size_t n, unsigned *out,
		   struct vmb_err *err)
{
	char buf[24], *end;
	unsigned long long v;

	if (n == 0 || n >= sizeof(buf))
		goto bad;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		goto bad;
	errno = 0;
	v = strtoull(buf, &end, 0);
	if (errno || *end || v < 1 || v > VMB_TRACE_INSN_MAX)
		goto bad;
	*out = (unsigned)v;
	return 0;
bad:
	return vmb_errf(err, NULL, "--trace %s: insn=N needs N from 1 to %u "
			"(instructions kept per vCPU), got '%.*s'", arg,
			VMB_TRACE_INSN_MAX, (int)n, s);
}

int vmb_trace_parse(const char *arg, struct vmb_trace_opts *o, struct vmb_err *err)
{
	const char *p = arg;

	for (;;) {
		size_t n = strcspn(p, ",");
		const char *eq = memchr(p, '=', n);
		size_t key = eq ? (size_t)(eq - p) : n;

		if (key == 4 && !strncmp(p, "insn", 4)) {
			if (o->insn)
				return vmb_errf(err, NULL, "--trace %s: insn is "
						"given twice", arg);
			o->insn = VMB_TRACE_INSN_DEFAULT;
			if (eq && parse_n(arg, eq + 1, n - key - 1, &o->insn, err))
				return -1;
		} else if (key == 4 && !strncmp(p, "mmio", 4)) {
			if (o->mmio_file)
				return vmb_errf(err, NULL, "--trace %s: mmio is "
						"given twice (one log file)", arg);
			if (!eq || !eq[1])
				return vmb_errf(err, NULL, "--trace %s: mmio needs a "
						"file: mmio=FILE ('-' for stderr)",
						arg);
			o->mmio_file = eq + 1; /* to the end: FILE may hold commas */
			return 0;
		} else {
			return vmb_errf(err, NULL, "--trace %s: unknown trace "
					"'%.*s'; traces are insn[=N] (emu: the "
					"last N instructions in crash reports) and "
					"mmio=FILE (device accesses)", arg, (int)n, p);
		}
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

struct vmb_insn_trace *vmb_insn_trace_new(unsigned ncpus, unsigned n)
{
	struct vmb_insn_trace *t = vmb_zalloc(sizeof(*t) + ncpus * sizeof(t->cpu[0]));

	t->ncpus = ncpus;
	for (unsigned i = 0; i < ncpus; i++) {
		t->cpu[i].rec = vmb_zalloc((size_t)n * sizeof(struct vmb_insn_rec));
		t->cpu[i].cap = n;
	}
	return t;
}

void vmb_insn_trace_free(struct vmb_insn_trace *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->ncpus; i++)
		free(t->cpu[i].rec);
	free(t);
}

unsigned vmb_insn_ring_count(const struct vmb_insn_ring *r)
{
	return r->total < r->cap ? (unsigned)r->total : r->cap;
}

const struct vmb_insn_rec *vmb_insn_ring_get(const struct vmb_insn_ring *r,
					     unsigned i)
{
	unsigned n = vmb_insn_ring_count(r), first = n < r->cap ? 0 : r->pos;

	if (i >= n)
		return NULL;
	return &r->rec[(first + i) % r->cap];
}

void vmb_insn_ring_print(const struct vmb_insn_ring *r, unsigned cpu,
			 enum vmb_arch arch, uint64_t pc, FILE *out)
{
	unsigned n = vmb_insn_ring_count(r);

	fprintf(out, "\nrecent instructions (vCPU %u, oldest first; last %u of %"
		PRIu64 " executed):\n", cpu, n, r->total);
	if (!n)
		fprintf(out, "   (none recorded)\n");
	for (unsigned i = 0; i < n; i++) {
		const struct vmb_insn_rec *e = vmb_insn_ring_get(r, i);
		/* Only the newest is the faulting one; loops repeat PCs. */
		uint64_t mark = i + 1 == n ? pc : ~e->pc;

		if (!e->len)
			fprintf(out, "%s%08" PRIx64 ":  (code not in guest memory)\n",
				e->pc == mark ? "=> " : "   ", e->pc);
		else
			vmb_disasm(arch, e->bytes, e->len, e->pc, mark, out);
	}
}
