/* SPDX-License-Identifier: MIT */
/*
 * x86 CPU feature names -> CPUID bits, for the machine file's
 * "cpus.cpuid-clear" list (features a VMM hides from the guest). Names are
 * Linux's /proc/cpuinfo flag names (arch/x86/include/asm/cpufeatures.h);
 * bit positions from the Intel SDM vol. 2A "CPUID" tables 3-8..3-11 and
 * the AMD APM vol. 3 appendix E.
 *
 * Clearing a feature also clears the features that depend on it (as
 * Linux's arch/x86/kernel/cpu/cpuid-deps.c does), e.g. xsave takes avx,
 * avx2, avx512*, fma, f16c and the XSAVE leaf 0xd with it.
 */
#ifndef VMB_ARCH_X86_64_CPUID_H
#define VMB_ARCH_X86_64_CPUID_H

#include <stdint.h>

enum vmb_cpuid_reg { VMB_EAX, VMB_EBX, VMB_ECX, VMB_EDX };

struct vmb_x86_feature {
	const char *name;
	uint32_t leaf;
	uint32_t subleaf;
	enum vmb_cpuid_reg reg;
	uint8_t bit;
	const char *implies; /* space-separated names cleared with it, or NULL */
};

/* The feature named name, or NULL. */
const struct vmb_x86_feature *vmb_x86_feature_find(const char *name);
/* All known features; *n set to the count. */
const struct vmb_x86_feature *vmb_x86_features(unsigned *n);

/* One CPUID entry, as KVM and the SDM lay it out. */
struct vmb_cpuid_entry {
	uint32_t leaf, subleaf;
	uint32_t r[4]; /* eax, ebx, ecx, edx */
};

/*
 * Clear feature f (and what it implies) in the entries e[0..n). Clearing
 * "xsave" also empties leaf 0xd. Returns 0, or -1 if an implied name is
 * unknown (a table bug).
 */
int vmb_x86_feature_clear(struct vmb_cpuid_entry *e, unsigned n,
			  const struct vmb_x86_feature *f);

#endif
