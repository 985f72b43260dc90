/* SPDX-License-Identifier: MIT */
/*
 * CPUID feature table and filter. See cpuid.h.
 */
#include <string.h>

#include "arch/x86_64/cpuid.h"

#define L1   0x00000001u
#define L7   0x00000007u
#define LD   0x0000000du
#define X1   0x80000001u
#define KVMF 0x40000001u

static const struct vmb_x86_feature features[] = {
	/* CPUID.1:ECX */
	{ "pni", L1, 0, VMB_ECX, 0, "ssse3" },
	{ "pclmulqdq", L1, 0, VMB_ECX, 1, "vpclmulqdq" },
	{ "monitor", L1, 0, VMB_ECX, 3, NULL },
	{ "ssse3", L1, 0, VMB_ECX, 9, "sse4_1" },
	{ "fma", L1, 0, VMB_ECX, 12, NULL },
	{ "cx16", L1, 0, VMB_ECX, 13, NULL },
	{ "pcid", L1, 0, VMB_ECX, 17, "invpcid" },
	{ "sse4_1", L1, 0, VMB_ECX, 19, "sse4_2" },
	{ "sse4_2", L1, 0, VMB_ECX, 20, NULL },
	{ "x2apic", L1, 0, VMB_ECX, 21, NULL },
	{ "movbe", L1, 0, VMB_ECX, 22, NULL },
	{ "popcnt", L1, 0, VMB_ECX, 23, NULL },
	{ "tsc_deadline_timer", L1, 0, VMB_ECX, 24, NULL },
	{ "aes", L1, 0, VMB_ECX, 25, "vaes" },
	{ "xsave", L1, 0, VMB_ECX, 26,
	  "avx xsaveopt xsavec xgetbv1 xsaves pku" },
	{ "avx", L1, 0, VMB_ECX, 28, "avx2 fma f16c avx512f vaes vpclmulqdq" },
	{ "f16c", L1, 0, VMB_ECX, 29, NULL },
	{ "rdrand", L1, 0, VMB_ECX, 30, NULL },
	/* CPUID.1:EDX */
	{ "mtrr", L1, 0, VMB_EDX, 12, NULL },
	{ "pge", L1, 0, VMB_EDX, 13, NULL },
	{ "pat", L1, 0, VMB_EDX, 16, NULL },
	{ "clflush", L1, 0, VMB_EDX, 19, "clflushopt clwb" },
	{ "ht", L1, 0, VMB_EDX, 28, NULL },
	/* CPUID.(7,0):EBX */
	{ "fsgsbase", L7, 0, VMB_EBX, 0, NULL },
	{ "bmi1", L7, 0, VMB_EBX, 3, NULL },
	{ "hle", L7, 0, VMB_EBX, 4, NULL },
	{ "avx2", L7, 0, VMB_EBX, 5, NULL },
	{ "smep", L7, 0, VMB_EBX, 7, NULL },
	{ "bmi2", L7, 0, VMB_EBX, 8, NULL },
	{ "erms", L7, 0, VMB_EBX, 9, NULL },
	{ "invpcid", L7, 0, VMB_EBX, 10, NULL },
	{ "rtm", L7, 0, VMB_EBX, 11, NULL },
	{ "avx512f", L7, 0, VMB_EBX, 16,
	  "avx512dq avx512ifma avx512cd avx512bw avx512vl" },
	{ "avx512dq", L7, 0, VMB_EBX, 17, NULL },
	{ "rdseed", L7, 0, VMB_EBX, 18, NULL },
	{ "adx", L7, 0, VMB_EBX, 19, NULL },
	{ "smap", L7, 0, VMB_EBX, 20, NULL },
	{ "avx512ifma", L7, 0, VMB_EBX, 21, NULL },
	{ "clflushopt", L7, 0, VMB_EBX, 23, NULL },
	{ "clwb", L7, 0, VMB_EBX, 24, NULL },
	{ "avx512cd", L7, 0, VMB_EBX, 28, NULL },
	{ "sha_ni", L7, 0, VMB_EBX, 29, NULL },
	{ "avx512bw", L7, 0, VMB_EBX, 30, NULL },
	{ "avx512vl", L7, 0, VMB_EBX, 31, NULL },
	/* CPUID.(7,0):ECX */
	{ "umip", L7, 0, VMB_ECX, 2, NULL },
	{ "pku", L7, 0, VMB_ECX, 3, NULL },
	{ "gfni", L7, 0, VMB_ECX, 8, NULL },
	{ "vaes", L7, 0, VMB_ECX, 9, NULL },
	{ "vpclmulqdq", L7, 0, VMB_ECX, 10, NULL },
	{ "rdpid", L7, 0, VMB_ECX, 22, NULL },
	{ "la57", L7, 0, VMB_ECX, 16, NULL },
	/* CPUID.(0xd,1):EAX */
	{ "xsaveopt", LD, 1, VMB_EAX, 0, NULL },
	{ "xsavec", LD, 1, VMB_EAX, 1, NULL },
	{ "xgetbv1", LD, 1, VMB_EAX, 2, NULL },
	{ "xsaves", LD, 1, VMB_EAX, 3, NULL },
	/* CPUID.80000001h */
	{ "lahf_lm", X1, 0, VMB_ECX, 0, NULL },
	{ "abm", X1, 0, VMB_ECX, 5, NULL },
	{ "sse4a", X1, 0, VMB_ECX, 6, NULL },
	{ "3dnowprefetch", X1, 0, VMB_ECX, 8, NULL },
	{ "nx", X1, 0, VMB_EDX, 20, NULL },
	{ "pdpe1gb", X1, 0, VMB_EDX, 26, NULL },
	{ "rdtscp", X1, 0, VMB_EDX, 27, NULL },
	/* KVM paravirtual features, CPUID 0x40000001:EAX
	 * (Linux Documentation/virt/kvm/x86/cpuid.rst) */
	{ "kvmclock", KVMF, 0, VMB_EAX, 0, "kvmclock2" },
	{ "kvmclock2", KVMF, 0, VMB_EAX, 3, NULL },
	{ "kvm-pv-eoi", KVMF, 0, VMB_EAX, 6, NULL },
	{ "kvm-steal-time", KVMF, 0, VMB_EAX, 5, NULL },
};

#define NFEATURES (sizeof(features) / sizeof(features[0]))

const struct vmb_x86_feature *vmb_x86_feature_find(const char *name)
{
	for (unsigned i = 0; i < NFEATURES; i++)
		if (!strcmp(features[i].name, name))
			return &features[i];
	return NULL;
}

const struct vmb_x86_feature *vmb_x86_features(unsigned *n)
{
	*n = NFEATURES;
	return features;
}

static int clear_depth(struct vmb_cpuid_entry *e, unsigned n,
		       const struct vmb_x86_feature *f, int depth)
{
	const char *p = f->implies;

	if (depth > 8)
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (e[i].leaf == f->leaf && e[i].subleaf == f->subleaf)
			e[i].r[f->reg] &= ~(1u << f->bit);
	if (!strcmp(f->name, "xsave"))
		for (unsigned i = 0; i < n; i++)
			if (e[i].leaf == LD)
				memset(e[i].r, 0, sizeof(e[i].r));
	while (p && *p) {
		char name[32];
		size_t len = strcspn(p, " ");
		const struct vmb_x86_feature *g;

		if (len >= sizeof(name))
			return -1;
		memcpy(name, p, len);
		name[len] = '\0';
		g = vmb_x86_feature_find(name);
		if (!g || clear_depth(e, n, g, depth + 1))
			return -1;
		p += len;
		p += strspn(p, " ");
	}
	return 0;
}

int vmb_x86_feature_clear(struct vmb_cpuid_entry *e, unsigned n,
			  const struct vmb_x86_feature *f)
{
	return clear_depth(e, n, f, 0);
}
