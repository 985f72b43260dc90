/* SPDX-License-Identifier: MIT */
/*
 * The backend table and --accel selection.
 *
 * --accel auto order: KVM for the host's architecture, KVM for the other
 * one (its probe explains it needs another host), HVF, then emu. Each
 * backend lives in its own file and may be left out of a build (emu with
 * VMB_EMU=0; hvf outside macOS): every entry is declared weak here and has
 * a weak fallback definition whose probe says the backend is not built in,
 * so the table never holds a NULL before its end and a missing file links.
 * A fallback has no create() and is never selected.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hv/hv.h"

extern const struct vmb_hv_ops vmb_hv_kvm_arm64 __attribute__((weak));
extern const struct vmb_hv_ops vmb_hv_kvm_x86_64 __attribute__((weak));
extern const struct vmb_hv_ops vmb_hv_hvf __attribute__((weak));
extern const struct vmb_hv_ops vmb_hv_emu __attribute__((weak));

static int not_built(struct vmb_err *err, const char *what)
{
	return vmb_errf(err, NULL, "%s is not built into this vmb", what);
}

static int kvm_arm64_missing(const struct vmb_board *b, struct vmb_err *err)
{
	return not_built(err, "KVM for arm64 guests");
}

static int kvm_x86_64_missing(const struct vmb_board *b, struct vmb_err *err)
{
	return not_built(err, "KVM for x86_64 guests");
}

static int hvf_missing(const struct vmb_board *b, struct vmb_err *err)
{
	return not_built(err, "the hvf backend (macOS Hypervisor.framework)");
}

static int emu_missing(const struct vmb_board *b, struct vmb_err *err)
{
	return not_built(err, "the emu backend (Unicorn; built with VMB_EMU=0)");
}

__attribute__((weak)) const struct vmb_hv_ops vmb_hv_kvm_arm64 = {
	.name = "kvm",
	.host = "arm64",
	.summary = "Linux KVM, arm64 guests (not built in)",
	.probe = kvm_arm64_missing,
};

__attribute__((weak)) const struct vmb_hv_ops vmb_hv_kvm_x86_64 = {
	.name = "kvm",
	.host = "x86_64",
	.summary = "Linux KVM, x86_64 guests (not built in)",
	.probe = kvm_x86_64_missing,
};

__attribute__((weak)) const struct vmb_hv_ops vmb_hv_hvf = {
	.name = "hvf",
	.summary = "macOS Hypervisor.framework, arm64 guests (not built in)",
	.probe = hvf_missing,
};

__attribute__((weak)) const struct vmb_hv_ops vmb_hv_emu = {
	.name = "emu",
	.summary = "Unicorn emulation (not built in)",
	.probe = emu_missing,
};

const struct vmb_hv_ops *const vmb_hv_backends[] = {
#if defined(__aarch64__)
	&vmb_hv_kvm_arm64,
	&vmb_hv_kvm_x86_64,
#else
	&vmb_hv_kvm_x86_64,
	&vmb_hv_kvm_arm64,
#endif
	&vmb_hv_hvf,
	&vmb_hv_emu,
	NULL,
};

/* The guest architecture each backend runs, and whether this vmb can use
 * it on this host at all (built in, host architecture, /dev/kvm), with
 * the reason if not. Kept here, beside the table, so the backends need
 * not describe themselves twice. */
static enum vmb_arch guest_arch(const struct vmb_hv_ops *o)
{
	return o == &vmb_hv_kvm_x86_64 ? VMB_ARCH_X86_64 : VMB_ARCH_ARM64;
}

static const char *guest_arch_name(const struct vmb_hv_ops *o)
{
	return vmb_arch_name(guest_arch(o));
}

static int host_usable(const struct vmb_hv_ops *o, struct vmb_err *err)
{
	bool kvm = o == &vmb_hv_kvm_x86_64 || o == &vmb_hv_kvm_arm64;
	int fd;

	if (!o->create)
		return o->probe(NULL, err);
	if (!kvm)
		return 0;
#if defined(__x86_64__)
	if (o != &vmb_hv_kvm_x86_64)
		return o->probe(NULL, err);
#elif defined(__aarch64__)
	if (o != &vmb_hv_kvm_arm64)
		return o->probe(NULL, err);
#else
	return o->probe(NULL, err);
#endif
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vmb_errf(err, NULL, "cannot open /dev/kvm: %s", strerror(errno));
	close(fd);
	return 0;
}

/*
 * How much a backend's refusal says about this machine, most first:
 * 0 the backend works here and runs this architecture, so the machine
 *   itself asks for something it cannot do (the reason the user can act
 *   on); 1 it runs this architecture but not on this host; 2 it runs
 *   other guests.
 */
static int relevance(const struct vmb_hv_ops *o, const struct vmb_board *b)
{
	struct vmb_err e;

	if (guest_arch(o) != b->arch)
		return 2;
	return host_usable(o, &e) ? 1 : 0;
}

/* Probe o for b: 0, or -1 with the reason in err (never empty). */
static int probe(const struct vmb_hv_ops *o, const struct vmb_board *b,
		 struct vmb_err *err)
{
	err->msg[0] = '\0';
	if (!o->probe(b, err) && o->create)
		return 0;
	if (!err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "not available");
	return -1;
}

/* Append "; NAME: reason" (or the reason alone) to why, unless that
 * reason is already there (two "kvm" entries say the same). */
static void add_reason(char *why, size_t len, const char *name, const char *msg)
{
	size_t n = strlen(why);

	if (strstr(why, msg))
		return;
	if (n && n + 2 < len) {
		strcpy(why + n, "; ");
		n += 2;
	}
	if (name && n + strlen(name) + 2 < len)
		n += (size_t)sprintf(why + n, "%s: ", name);
	strncat(why + n, msg, len - n - 1);
}

const struct vmb_hv_ops *vmb_hv_select(const char *name, const struct vmb_board *b,
				       struct vmb_err *err)
{
	char why[sizeof(err->msg) - 128] = "", names[128] = "auto";
	bool is_auto = !strcmp(name, "auto");
	struct vmb_err reason[8], last;
	const struct vmb_hv_ops *tried[8];
	unsigned n = 0;

	for (const struct vmb_hv_ops *const *o = vmb_hv_backends; *o; o++) {
		if (!is_auto && strcmp(name, (*o)->name))
			continue;
		if (!probe(*o, b, &last))
			return *o;
		if (n < 8) {
			tried[n] = *o;
			reason[n++] = last;
		}
	}
	if (n == 1) {
		/* its own words, with the location it may carry */
		*err = last;
		return NULL;
	}
	if (n) {
		/* the reason the user can act on first */
		for (int rank = 0; rank <= 2; rank++)
			for (unsigned i = 0; i < n; i++)
				if (relevance(tried[i], b) == rank)
					add_reason(why, sizeof(why),
						   is_auto ? tried[i]->name : NULL,
						   reason[i].msg);
		if (is_auto)
			vmb_errf(err, NULL, "no backend can run '%s': %s",
				 b->spec->name, why);
		else
			vmb_errf(err, NULL, "cannot use backend '%s': %s", name, why);
		return NULL;
	}
	for (const struct vmb_hv_ops *const *o = vmb_hv_backends; *o; o++) {
		size_t len = strlen(names);

		if (!strstr(names, (*o)->name))
			snprintf(names + len, sizeof(names) - len, ", %s", (*o)->name);
	}
	vmb_errf(err, NULL, "unknown backend '%s', expected one of: %s", name, names);
	return NULL;
}

void vmb_hv_print_board(const struct vmb_board *b, FILE *out)
{
	struct vmb_err e;

	fprintf(out, "backends (--accel; auto takes the first that can):\n");
	for (const struct vmb_hv_ops *const *o = vmb_hv_backends; *o; o++) {
		char label[32];

		snprintf(label, sizeof(label), "%s (%s)", (*o)->name,
			 guest_arch_name(*o));
		if (!probe(*o, b, &e))
			fprintf(out, "  %-14s can run '%s'\n", label, b->spec->name);
		else
			fprintf(out, "  %-14s cannot: %s\n", label, e.msg);
	}
}

void vmb_hv_print_host(FILE *out)
{
	struct vmb_err e;
	bool any = false;

	fprintf(out, "on this host, this vmb can run:\n");
	for (const struct vmb_hv_ops *const *o = vmb_hv_backends; *o; o++) {
		if (host_usable(*o, &e))
			continue;
		fprintf(out, "  %-5s %s\n", (*o)->name, (*o)->summary);
		any = true;
	}
	if (!any)
		fprintf(out, "  nothing: no backend is usable here\n");
	fprintf(out, "not usable here:\n");
	for (const struct vmb_hv_ops *const *o = vmb_hv_backends; *o; o++)
		if (host_usable(*o, &e))
			fprintf(out, "  %-5s (%s guests) %s\n", (*o)->name,
				guest_arch_name(*o), e.msg);
}

static void add_reg(struct vmb_cpu_state *st, const char *name, uint64_t v)
{
	if (st->nreg >= sizeof(st->reg) / sizeof(st->reg[0]))
		return;
	snprintf(st->reg[st->nreg].name, sizeof(st->reg[0].name), "%s", name);
	st->reg[st->nreg++].val = v;
}

void vmb_arm64_cpu_state(const struct vmb_arm64_regs *r, unsigned cpu,
			 struct vmb_cpu_state *st)
{
	const struct { const char *name; uint64_t v; } tail[] = {
		{ "sp_el0", r->sp_el0 }, { "sp_el1", r->sp_el1 },
		{ "pc", r->pc }, { "pstate", r->pstate },
		{ "elr_el1", r->elr_el1 }, { "spsr", r->spsr_el1 },
		{ "esr_el1", r->esr_el1 }, { "far_el1", r->far_el1 },
		{ "sctlr", r->sctlr_el1 }, { "tcr_el1", r->tcr_el1 },
		{ "ttbr0", r->ttbr0_el1 }, { "ttbr1", r->ttbr1_el1 },
		{ "vbar", r->vbar_el1 },
	};
	char name[8];

	memset(st, 0, sizeof(*st));
	st->arch = VMB_ARCH_ARM64;
	st->cpu = cpu;
	st->pc = r->pc;
	for (unsigned i = 0; i < 31; i++) {
		snprintf(name, sizeof(name), "x%u", i);
		add_reg(st, name, r->x[i]);
	}
	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		add_reg(st, tail[i].name, tail[i].v);
}
