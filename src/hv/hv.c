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
