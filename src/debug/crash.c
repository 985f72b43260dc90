/* SPDX-License-Identifier: MIT */
/*
 * Crash report for VMB_STOP_FAULT, laid out like a Linux oops: what
 * happened, the vCPU's registers four to a row, the code around the PC
 * (capstone 4: AArch64 or x86-64 Intel syntax, "=>" on the faulting
 * instruction), the page walk of the PC when the backend can print it
 * (kvm x86_64: each entry read, its flags, the GPA reached), the last
 * instructions the vCPU executed under --trace insn (debug/trace.h) and
 * where the faulting address sits in the board's map,
 * with the file:line:col of the regions involved.
 *
 * Code is read through the backend's read_virt (the vCPU's view), falling
 * back to guest-physical memory; device registers are never read (reads
 * have side effects).
 */
#include <inttypes.h>
#include <string.h>

#include <capstone/capstone.h>

#include "board/board.h"
#include "debug/crash.h"
#include "debug/trace.h"

#define ARM64_BEFORE 8   /* instructions shown before and after the PC */
#define ARM64_AFTER 8
#define X86_BACK 48      /* bytes searched before the PC for a boundary */
#define X86_AHEAD 64     /* bytes read from the PC on */

static unsigned hex_digits(uint64_t v)
{
	unsigned n = 1;

	while (v >>= 4)
		n++;
	return n;
}

/* Print one line: marker, address, encoding, instruction text. */
static void print_line(FILE *out, bool mark, unsigned width, uint64_t addr,
		       enum vmb_arch arch, const uint8_t *bytes, size_t n,
		       const char *mnemonic, const char *ops)
{
	char enc[64] = "";

	if (arch == VMB_ARCH_ARM64 && n == 4) {
		snprintf(enc, sizeof(enc), "%08" PRIx32, (uint32_t)bytes[0] |
			 (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 |
			 (uint32_t)bytes[3] << 24);
	} else {
		for (size_t i = 0, p = 0; i < n && p + 4 < sizeof(enc); i++)
			p += (size_t)snprintf(enc + p, sizeof(enc) - p, "%s%02x",
					      i ? " " : "", bytes[i]);
	}
	fprintf(out, "%s%0*" PRIx64 ":  %-*s  %s%s%s\n", mark ? "=> " : "   ",
		(int)width, addr, arch == VMB_ARCH_ARM64 ? 8 : 20, enc, mnemonic,
		ops[0] ? " " : "", ops);
}

int vmb_disasm(enum vmb_arch arch, const uint8_t *code, size_t len, uint64_t addr,
	       uint64_t mark, FILE *out)
{
	unsigned width = hex_digits(addr + (len ? len - 1 : 0));
	size_t off = 0, bad = arch == VMB_ARCH_ARM64 ? 4 : 1;
	int printed = 0;
	csh h;

	if (width < 8)
		width = 8;
	if (cs_open(arch == VMB_ARCH_ARM64 ? CS_ARCH_ARM64 : CS_ARCH_X86,
		    arch == VMB_ARCH_ARM64 ? CS_MODE_ARM : CS_MODE_64,
		    &h) != CS_ERR_OK) {
		fprintf(out, "   (no disassembler for %s)\n", vmb_arch_name(arch));
		return 0;
	}
	while (off < len) {
		cs_insn *insn;
		size_t n = cs_disasm(h, code + off, len - off, addr + off, 0, &insn);

		for (size_t i = 0; i < n; i++) {
			print_line(out, insn[i].address == mark, width, insn[i].address,
				   arch, insn[i].bytes, insn[i].size, insn[i].mnemonic,
				   insn[i].op_str);
			off += insn[i].size;
			printed++;
		}
		if (n)
			cs_free(insn, n);
		if (off >= len)
			break;
		/* Undecodable (or a truncated tail): show the raw unit. */
		if (len - off < bad)
			bad = len - off;
		print_line(out, addr + off == mark, width, addr + off, arch,
			   code + off, bad, arch == VMB_ARCH_ARM64 && bad == 4 ?
			   ".inst" : "(bad)", "");
		off += bad;
		printed++;
	}
	cs_close(&h);
	return printed;
}

/* Guest code as the vCPU sees it, else by GPA; never device registers. */
static bool read_code(struct vmb_vm *vm, unsigned cpu, uint64_t va, uint8_t *buf,
		      size_t len)
{
	const uint8_t *p;

	if (vm->ops && vm->ops->read_virt &&
	    !vm->ops->read_virt(vm, cpu, va, buf, (unsigned)len))
		return true;
	p = vmb_board_gpa_ptr(vm->board, va, len);
	if (!p)
		return false;
	memcpy(buf, p, len);
	return true;
}

/* A readable window [lo, lo+len) holding pc: the full span first, then
 * shrinking either side (code may sit at the edge of its region). At
 * least "min" bytes from pc on. */
static bool read_around(struct vmb_vm *vm, unsigned cpu, uint64_t pc, size_t before,
			size_t after, size_t min, uint8_t *buf, uint64_t *lo,
			size_t *len)
{
	const size_t bs[] = { before, before / 2, 0 };
	const size_t as[] = { after, after / 2, min };

	for (unsigned i = 0; i < 3; i++)
		for (unsigned j = 0; j < 3; j++) {
			size_t b = bs[i], a = as[j] < min ? min : as[j];

			if (pc < b || !read_code(vm, cpu, pc - b, buf, b + a))
				continue;
			*lo = pc - b;
			*len = b + a;
			return true;
		}
	return false;
}

static void print_code_arm64(struct vmb_vm *vm, unsigned cpu, uint64_t pc, FILE *out)
{
	uint8_t buf[(ARM64_BEFORE + 1 + ARM64_AFTER) * 4];
	uint64_t lo;
	size_t len;

	if (pc & 3) {
		fprintf(out, "   pc 0x%" PRIx64 " is not 4-byte aligned\n", pc);
		pc &= ~3ull;
	}
	if (!read_around(vm, cpu, pc, ARM64_BEFORE * 4, (ARM64_AFTER + 1) * 4, 4,
			 buf, &lo, &len)) {
		fprintf(out, "   (no code: pc 0x%" PRIx64 " is not in guest memory)\n",
			pc);
		return;
	}
	vmb_disasm(VMB_ARCH_ARM64, buf, len, lo, pc, out);
}

/* x86 instructions have no fixed length: find a start before the PC from
 * which decoding lands exactly on it, then show 8 instructions either
 * side. */
static void print_code_x86(struct vmb_vm *vm, unsigned cpu, uint64_t pc, FILE *out)
{
	uint8_t buf[X86_BACK + X86_AHEAD];
	uint64_t lo, first = pc, last = pc;
	size_t len;
	csh h;

	if (!read_around(vm, cpu, pc, X86_BACK, X86_AHEAD, 1, buf, &lo, &len)) {
		fprintf(out, "   (no code: pc 0x%" PRIx64 " is not in guest memory)\n",
			pc);
		return;
	}
	last = lo + len;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) == CS_ERR_OK) {
		for (uint64_t start = lo; start <= pc; start++) {
			cs_insn *insn;
			size_t n = cs_disasm(h, buf + (start - lo), len - (start - lo),
					     start, 0, &insn), at = n;

			for (size_t i = 0; i < n; i++)
				if (insn[i].address == pc)
					at = i;
			if (at < n) {
				size_t end = at + 9 < n ? at + 9 : n;

				first = insn[at > 8 ? at - 8 : 0].address;
				last = insn[end - 1].address + insn[end - 1].size;
			}
			if (n)
				cs_free(insn, n);
			if (at < n)
				break;
		}
		cs_close(&h);
	}
	vmb_disasm(VMB_ARCH_X86_64, buf + (first - lo), (size_t)(last - first), first,
		   pc, out);
}

static void print_regs(const struct vmb_cpu_state *st, FILE *out)
{
	int w = 2;

	for (unsigned i = 0; i < st->nreg; i++) {
		int l = (int)strnlen(st->reg[i].name, sizeof(st->reg[i].name));

		if (l > w)
			w = l;
	}
	for (unsigned i = 0; i < st->nreg; i++)
		fprintf(out, "  %-*.*s %016" PRIx64 "%s", w,
			(int)sizeof(st->reg[i].name), st->reg[i].name, st->reg[i].val,
			i % 4 == 3 || i + 1 == st->nreg ? "\n" : "");
}

/* "'uart0' (mmio 0x09000000-0x09000fff, machines/virt.yaml:54:11)" */
static void describe_region(const struct vmb_region *r, bool pio, FILE *out)
{
	unsigned w = pio ? 4 : 8;
	char at[256], name[96];

	fprintf(out, "'%s'", vmb_region_label(r, name, sizeof(name)));
	fprintf(out, " (%s 0x%0*" PRIx64 "-0x%0*" PRIx64, vmb_region_kind_name(r),
		(int)w, r->gpa, (int)w, r->gpa + (r->size - 1));
	if (r->loc.file)
		fprintf(out, ", %s", vmb_loc_str(&r->loc, at, sizeof(at)));
	fprintf(out, ")");
}

/* Where addr sits: the region holding it, or the nearest ones around. */
static void print_where(const struct vmb_board *b, uint64_t addr, bool pio, FILE *out)
{
	const struct vmb_addrmap *m = pio ? &b->pio : &b->map;
	struct vmb_region *r = vmb_addrmap_find(m, addr), *below, *above;
	const char *what = pio ? "port" : "address";

	if (r) {
		fprintf(out, "%s 0x%" PRIx64 " is offset 0x%" PRIx64 " in ", what, addr,
			addr - r->gpa);
		describe_region(r, pio, out);
		fprintf(out, "\n");
		return;
	}
	vmb_addrmap_neighbours(m, addr, &below, &above);
	fprintf(out, "%s 0x%" PRIx64 " is not mapped", what, addr);
	if (!below && !above) {
		fprintf(out, " (the board maps nothing there)\n");
		return;
	}
	fprintf(out, "; nearest regions:\n");
	if (below) {
		fprintf(out, "  below: ");
		describe_region(below, pio, out);
		fprintf(out, ", ends 0x%" PRIx64 " bytes before it\n",
			addr - (below->gpa + below->size - 1));
	}
	if (above) {
		fprintf(out, "  above: ");
		describe_region(above, pio, out);
		fprintf(out, ", starts 0x%" PRIx64 " bytes after it\n",
			above->gpa - addr);
	}
}

void vmb_crash_report(struct vmb_vm *vm, FILE *out)
{
	const struct vmb_fault *f = &vm->fault;
	struct vmb_cpu_state st;
	bool have = false;

	fprintf(out, "\n---[ vmb: guest fault on vCPU %u (%s backend) ]---\n", f->cpu,
		vm->ops ? vm->ops->name : "?");
	fprintf(out, "%s\n", f->what[0] ? f->what : "fault (no description)");
	if (f->has_addr && f->size)
		fprintf(out, "access: %u-byte %s at %s 0x%" PRIx64 "\n", f->size,
			f->is_write ? "write" : "read",
			f->is_pio ? "port" : f->addr_is_va ? "VA" : "GPA", f->addr);

	memset(&st, 0, sizeof(st));
	if (vm->ops && vm->ops->get_state && !vm->ops->get_state(vm, f->cpu, &st))
		have = true;
	fprintf(out, "\nregisters (vCPU %u, %s):\n", f->cpu,
		vmb_arch_name(vm->board->arch));
	if (have)
		print_regs(&st, out);
	else
		fprintf(out, "  (not available)\n");

	if (have) {
		fprintf(out, "\ncode at pc 0x%" PRIx64 ":\n", st.pc);
		if (vm->board->arch == VMB_ARCH_ARM64)
			print_code_arm64(vm, f->cpu, st.pc, out);
		else
			print_code_x86(vm, f->cpu, st.pc, out);
		if (vm->ops->print_walk) {
			fprintf(out, "\n");
			vm->ops->print_walk(vm, f->cpu, st.pc,
					    vm->board->arch == VMB_ARCH_ARM64 ? "pc" : "rip",
					    out);
		}
	}

	if (vm->insn_trace && f->cpu < vm->insn_trace->ncpus)
		vmb_insn_ring_print(&vm->insn_trace->cpu[f->cpu], f->cpu,
				    vm->board->arch, have ? st.pc : ~0ull, out);

	if (f->has_addr && f->addr_is_va) {
		fprintf(out, "\nVA 0x%" PRIx64 " is a virtual address (the guest's "
			"MMU is on); the board's memory map is by GPA\n", f->addr);
	} else if (f->has_addr) {
		fprintf(out, "\n");
		print_where(vm->board, f->addr, f->is_pio, out);
	}
	fprintf(out, "---[ end of crash report ]---\n");
}
