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

/* Try b with backend o; on failure append "name: reason" to why. */
static bool try_backend(const struct vmb_hv_ops *o, const struct vmb_board *b,
			char *why, size_t len)
{
	struct vmb_err e = { "" };
	size_t n = strlen(why);

	if (!o->probe(b, &e) && o->create)
		return true;
	if (!e.msg[0])
		snprintf(e.msg, sizeof(e.msg), "not available");
	/* The same reason twice (two "kvm" entries) is said once. */
	if (strstr(why, e.msg))
		return false;
	snprintf(why + n, len - n, "%s%s: %s", n ? "; " : "", o->name, e.msg);
	return false;
}

const struct vmb_hv_ops *vmb_hv_select(const char *name, const struct vmb_board *b,
				       struct vmb_err *err)
{
	char why[sizeof(err->msg) - 128] = "", names[128] = "auto";
	bool known = false, is_auto = !strcmp(name, "auto");

	for (const struct vmb_hv_ops *const *o = vmb_hv_backends; *o; o++) {
		if (!is_auto && strcmp(name, (*o)->name))
			continue;
		known = true;
		if (try_backend(*o, b, why, sizeof(why)))
			return *o;
	}
	if (known) {
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
