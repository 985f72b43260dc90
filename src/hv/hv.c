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
#include <stdio.h>
#include <string.h>

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
	.summary = "Linux KVM, arm64 guests (not built in)",
	.probe = kvm_arm64_missing,
};

__attribute__((weak)) const struct vmb_hv_ops vmb_hv_kvm_x86_64 = {
	.name = "kvm",
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

/* Try b with backend o; on failure append its reason to why, prefixed
 * with its name if "named". */
static bool try_backend(const struct vmb_hv_ops *o, const struct vmb_board *b,
			bool named, char *why, size_t len, struct vmb_err *last)
{
	size_t n = strlen(why);

	last->msg[0] = '\0';
	if (!o->probe(b, last) && o->create)
		return true;
	if (!last->msg[0])
		snprintf(last->msg, sizeof(last->msg), "not available");
	/* The same reason twice (two "kvm" entries) is said once. */
	if (strstr(why, last->msg))
		return false;
	if (n && n + 2 < len) {
		strcpy(why + n, "; ");
		n += 2;
	}
	if (named && n + strlen(o->name) + 2 < len)
		n += (size_t)sprintf(why + n, "%s: ", o->name);
	strncat(why + n, last->msg, len - n - 1);
	return false;
}

const struct vmb_hv_ops *vmb_hv_select(const char *name, const struct vmb_board *b,
				       struct vmb_err *err)
{
	char why[sizeof(err->msg) - 128] = "", names[128] = "auto";
	bool is_auto = !strcmp(name, "auto");
	unsigned tried = 0;
	struct vmb_err last;

	for (const struct vmb_hv_ops *const *o = vmb_hv_backends; *o; o++) {
		if (!is_auto && strcmp(name, (*o)->name))
			continue;
		tried++;
		if (try_backend(*o, b, is_auto, why, sizeof(why), &last))
			return *o;
	}
	if (tried == 1) {
		/* its own words, with the location it may carry */
		*err = last;
		return NULL;
	}
	if (tried) {
		if (is_auto)
			vmb_errf(err, NULL, "no backend can run '%s': %s",
				 b->spec->name, why);
		else
			vmb_errf(err, NULL, "cannot use backend '%s': %s", name, why);
		return NULL;
	}
	for (const struct vmb_hv_ops *const *o = vmb_hv_backends; *o; o++) {
		size_t n = strlen(names);

		if (!strstr(names, (*o)->name))
			snprintf(names + n, sizeof(names) - n, ", %s", (*o)->name);
	}
	vmb_errf(err, NULL, "unknown backend '%s', expected one of: %s", name, names);
	return NULL;
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
