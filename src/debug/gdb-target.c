/* SPDX-License-Identifier: MIT */
/*
 * Target descriptions and register tables for the gdb stub (gdb-target.h).
 * The feature names and register names are the ones gdb's aarch64 and
 * amd64 support look up (gdb/features/aarch64-core.xml, aarch64-fpu.xml,
 * i386/64bit-core.xml, 64bit-sse.xml, 64bit-segments.xml); the XML below
 * is generated from vmb's own tables. Registers a backend does not report
 * (FP/SIMD state when has_fp is false) are sent as unavailable.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "debug/gdb-target.h"

enum reg_src {
	SRC_FIELD,     /* bytes at off in the arch's register struct */
	SRC_SP,        /* arm64: the SP PSTATE.SP and the EL select */
	SRC_FP,        /* valid only when the arch struct's has_fp */
	SRC_NONE,      /* not provided by any backend: unavailable */
};

struct vmb_gdb_reg {
	const char *name;
	unsigned bits;
	const char *type;
	const char *group;     /* NULL: gdb's default */
	unsigned feature;      /* index into the arch's feature names */
	enum reg_src src;
	size_t off;            /* within struct vmb_arm64_regs / _x86_64_regs */
	unsigned field;        /* bytes of the struct field (<= bits / 8) */
	bool ro;               /* G/P may not change it */
};

#define A64(f) offsetof(struct vmb_arm64_regs, f)
#define X86(f) offsetof(struct vmb_x86_64_regs, f)
#define X(n) { "x" #n, 64, "int", NULL, 0, SRC_FIELD, A64(x[n]), 8, false }
#define V(n) { "v" #n, 128, "vnq", NULL, 1, SRC_FP, A64(v[n]), 16, false }
#define SYS(nm, f) { nm, 64, "uint64", "system", 2, SRC_FIELD, A64(f), 8, false }

static const struct vmb_gdb_reg arm64_regs[] = {
	X(0), X(1), X(2), X(3), X(4), X(5), X(6), X(7), X(8), X(9), X(10),
	X(11), X(12), X(13), X(14), X(15), X(16), X(17), X(18), X(19), X(20),
	X(21), X(22), X(23), X(24), X(25), X(26), X(27), X(28), X(29), X(30),
	{ "sp", 64, "data_ptr", NULL, 0, SRC_SP, 0, 8, false },
	{ "pc", 64, "code_ptr", NULL, 0, SRC_FIELD, A64(pc), 8, false },
	{ "cpsr", 32, "uint32", NULL, 0, SRC_FIELD, A64(pstate), 4, false },
	V(0), V(1), V(2), V(3), V(4), V(5), V(6), V(7), V(8), V(9), V(10),
	V(11), V(12), V(13), V(14), V(15), V(16), V(17), V(18), V(19), V(20),
	V(21), V(22), V(23), V(24), V(25), V(26), V(27), V(28), V(29), V(30),
	V(31),
	{ "fpsr", 32, "uint32", NULL, 1, SRC_FP, A64(fpsr), 4, false },
	{ "fpcr", 32, "uint32", NULL, 1, SRC_FP, A64(fpcr), 4, false },
	SYS("sp_el0", sp_el0), SYS("sp_el1", sp_el1),
	SYS("elr_el1", elr_el1), SYS("spsr_el1", spsr_el1),
	SYS("esr_el1", esr_el1), SYS("far_el1", far_el1),
	SYS("sctlr_el1", sctlr_el1), SYS("tcr_el1", tcr_el1),
	SYS("ttbr0_el1", ttbr0_el1), SYS("ttbr1_el1", ttbr1_el1),
	SYS("vbar_el1", vbar_el1), SYS("mair_el1", mair_el1),
};

static const char *const arm64_features[] = {
	"org.gnu.gdb.aarch64.core", "org.gnu.gdb.aarch64.fpu",
	"org.vmb.aarch64.sys",
};

/* The vector view of V registers, as gdb's aarch64-fpu.xml names it. */
static const char arm64_types[] =
	"<vector id=\"v2d\" type=\"uint64\" count=\"2\"/>"
	"<vector id=\"v4s\" type=\"uint32\" count=\"4\"/>"
	"<vector id=\"v8h\" type=\"uint16\" count=\"8\"/>"
	"<vector id=\"v16b\" type=\"uint8\" count=\"16\"/>"
	"<union id=\"vnq\"><field name=\"d\" type=\"v2d\"/>"
	"<field name=\"s\" type=\"v4s\"/><field name=\"h\" type=\"v8h\"/>"
	"<field name=\"b\" type=\"v16b\"/><field name=\"q\" type=\"uint128\"/>"
	"</union>";

#define G64(nm, f) { nm, 64, "int64", NULL, 0, SRC_FIELD, X86(f), 8, false }
#define SEG(nm, f) { nm, 32, "int32", NULL, 0, SRC_FIELD, X86(f), 2, true }
#define ST(n) { "st" #n, 80, "i387_ext", NULL, 0, SRC_FP, X86(st[n]), 10, false }
#define FPC(nm) { #nm, 32, "int", "float", 0, SRC_FP, X86(nm), 4, false }
#define XMM(n) { "xmm" #n, 128, "vec128", NULL, 1, SRC_FP, X86(xmm[n]), 16, false }
#define CR(nm, f) { nm, 64, "uint64", "system", 3, SRC_FIELD, X86(f), 8, true }

static const struct vmb_gdb_reg x86_64_regs[] = {
	G64("rax", rax), G64("rbx", rbx), G64("rcx", rcx), G64("rdx", rdx),
	G64("rsi", rsi), G64("rdi", rdi),
	{ "rbp", 64, "data_ptr", NULL, 0, SRC_FIELD, X86(rbp), 8, false },
	{ "rsp", 64, "data_ptr", NULL, 0, SRC_FIELD, X86(rsp), 8, false },
	G64("r8", r8), G64("r9", r9), G64("r10", r10), G64("r11", r11),
	G64("r12", r12), G64("r13", r13), G64("r14", r14), G64("r15", r15),
	{ "rip", 64, "code_ptr", NULL, 0, SRC_FIELD, X86(rip), 8, false },
	{ "eflags", 32, "int32", NULL, 0, SRC_FIELD, X86(rflags), 4, false },
	SEG("cs", cs), SEG("ss", ss), SEG("ds", ds), SEG("es", es),
	SEG("fs", fs), SEG("gs", gs),
	ST(0), ST(1), ST(2), ST(3), ST(4), ST(5), ST(6), ST(7),
	FPC(fctrl), FPC(fstat), FPC(ftag), FPC(fiseg), FPC(fioff),
	FPC(foseg), FPC(fooff), FPC(fop),
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13), XMM(14), XMM(15),
	{ "mxcsr", 32, "int", "vector", 1, SRC_FP, X86(mxcsr), 4, false },
	{ "fs_base", 64, "int", NULL, 2, SRC_FIELD, X86(fs_base), 8, false },
	{ "gs_base", 64, "int", NULL, 2, SRC_FIELD, X86(gs_base), 8, false },
	CR("cr0", cr0), CR("cr2", cr2), CR("cr3", cr3), CR("cr4", cr4),
	CR("efer", efer),
};

static const char *const x86_64_features[] = {
	"org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse",
	"org.gnu.gdb.i386.segments", "org.vmb.x86_64.sys",
};

static const char x86_64_types[] =
	"<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
	"<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
	"<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
	"<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
	"<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
	"<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
	"<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
	"<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
	"<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/>"
	"</union>";

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct arch_def {
	struct vmb_gdb_arch a;
	const char *const *features;
	unsigned nfeatures;
	const char *types;            /* put in the feature that uses them */
	unsigned types_feature;
	char xml[16384];
};

static struct arch_def arm64 = {
	{ "aarch64", arm64_regs, N(arm64_regs), 4, NULL },
	arm64_features, N(arm64_features), arm64_types, 1, "",
};

static struct arch_def x86_64 = {
	{ "i386:x86-64", x86_64_regs, N(x86_64_regs), 1, NULL },
	x86_64_features, N(x86_64_features), x86_64_types, 1, "",
};

static void build_xml(struct arch_def *d)
{
	size_t cap = sizeof(d->xml), o = 0;

#define OUT(...) do {							\
		int n_ = snprintf(d->xml + o, cap - o, __VA_ARGS__);	\
		if (n_ > 0)						\
			o = o + (size_t)n_ < cap ? o + (size_t)n_ : cap - 1; \
	} while (0)
	OUT("<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
	    "<target version=\"1.0\"><architecture>%s</architecture>", d->a.name);
	for (unsigned f = 0; f < d->nfeatures; f++) {
		OUT("<feature name=\"%s\">", d->features[f]);
		if (f == d->types_feature)
			OUT("%s", d->types);
		for (unsigned i = 0; i < d->a.nregs; i++) {
			const struct vmb_gdb_reg *r = &d->a.regs[i];

			if (r->feature != f)
				continue;
			OUT("<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"",
			    r->name, r->bits, r->type, i);
			if (r->group)
				OUT(" group=\"%s\"", r->group);
			OUT("/>");
		}
		OUT("</feature>");
	}
	OUT("</target>");
#undef OUT
	d->a.xml = d->xml;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build_all(void)
{
	build_xml(&arm64);
	build_xml(&x86_64);
}

const struct vmb_gdb_arch *vmb_gdb_arch_of(enum vmb_arch arch)
{
	pthread_once(&once, build_all);
	switch (arch) {
	case VMB_ARCH_ARM64: return &arm64.a;
	case VMB_ARCH_X86_64: return &x86_64.a;
	default: return NULL;
	}
}

unsigned vmb_gdb_reg_size(const struct vmb_gdb_arch *a, unsigned n)
{
	return n < a->nregs ? a->regs[n].bits / 8 : 0;
}

/* Where register n lives in r, NULL if nowhere. */
static uint8_t *field(const struct vmb_gdb_arch *a, const struct vmb_regs *r,
		      unsigned n)
{
	const struct vmb_gdb_reg *g = &a->regs[n];
	uint8_t *base = (uint8_t *)(r->arch == VMB_ARCH_ARM64 ? (void *)&r->arm64 :
				    (void *)&r->x86_64);

	switch (g->src) {
	case SRC_NONE:
		return NULL;
	case SRC_FP:
		if (!(r->arch == VMB_ARCH_ARM64 ? r->arm64.has_fp : r->x86_64.has_fp))
			return NULL;
		break;
	case SRC_SP: {
		const struct vmb_arm64_regs *x = &r->arm64;
		/* PSTATE.SP selects SP_ELx; at EL0 it is always SP_EL0 */
		bool el1 = (x->pstate & 1) && ((x->pstate >> 2) & 3) >= 1;

		return (uint8_t *)(el1 ? &x->sp_el1 : &x->sp_el0);
	}
	case SRC_FIELD:
		break;
	}
	return base + g->off;
}

unsigned vmb_gdb_reg_get(const struct vmb_gdb_arch *a, const struct vmb_regs *r,
			 unsigned n, uint8_t *out, bool *avail)
{
	unsigned size = vmb_gdb_reg_size(a, n);
	const uint8_t *p;

	if (!size)
		return 0;
	p = field(a, r, n);
	memset(out, 0, size);
	*avail = p != NULL;
	if (p)
		memcpy(out, p, a->regs[n].field); /* little-endian host and target */
	return size;
}

int vmb_gdb_reg_set(const struct vmb_gdb_arch *a, struct vmb_regs *r, unsigned n,
		    const uint8_t *in)
{
	uint8_t *p;

	if (n >= a->nregs || a->regs[n].ro)
		return -1;
	p = field(a, r, n);
	if (!p)
		return -1;
	memcpy(p, in, a->regs[n].field);
	return 0;
}
