/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: board MMIO / port-I/O dispatch into every device of the
 * shipped boards (machines/virt.yaml, virt-gicv3.yaml, microvm-x86_64.yaml),
 * as a hostile guest would drive it: any register, any width 1/2/4/8,
 * unaligned, straddling region ends, DMA descriptors (fw_cfg) written into
 * RAM and aimed anywhere, PSCI calls.
 *
 * Input: byte 0 picks the board; then 16-byte records
 *   [0] op    low 3 bits: 0 MMIO read, 1 MMIO write, 2 port read,
 *             3 port write, 4 RAM write, 5 MMIO write of a RAM address
 *             (value = RAM base + value mod RAM size; bit 3 of op:
 *             byte-swapped, for big-endian registers such as fw_cfg DMA),
 *             6 hypercall (x0 = value), 7 read at the raw address "value"
 *   [1] region index into the board's MMIO (or port) map, modulo its size
 *   [2] access size: 1 << (byte & 3)
 *   [3] unused
 *   [4..7]  offset into the region, little-endian, modulo its size + 8
 *           (so accesses may straddle the end)
 *   [8..15] value, little-endian
 * Each board is created once (RAM and flash shrunk with --set overrides)
 * and put back to power-on state before every input: RAM and ROM zeroed,
 * flash arrays erased (0xff), every device reset. So an input's effect
 * does not depend on the inputs before it, and a crash reproduces from its
 * input alone (creating the board per input ran at ~250 execs/s).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util/bytes.h"

struct board_file {
	const char *file;
	struct vmb_override ov[4];
	unsigned nov;
	struct vmb_spec *spec;
	struct vmb_board *b;
};

static struct board_file boards[] = {
	{ .file = "machines/virt.yaml", .nov = 2,
	  .ov = { { "memory.ram.size", "1M" }, { "devices.flash.size", "1M" } } },
	{ .file = "machines/virt-gicv3.yaml", .nov = 2,
	  .ov = { { "memory.ram.size", "1M" }, { "devices.flash.size", "1M" } } },
	{ .file = "machines/microvm-x86_64.yaml", .nov = 2,
	  .ov = { { "memory.ram.size", "1M" }, { "memory.high-ram.size", "1M" } } },
};
#define NBOARDS (sizeof(boards) / sizeof(boards[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vmb_err err;

	for (unsigned i = 0; i < NBOARDS; i++) {
		boards[i].spec = vmb_spec_load(fuzz_src(boards[i].file), boards[i].ov,
					       boards[i].nov, &err);
		if (!boards[i].spec)
			vmb_die("%s", err.msg);
		boards[i].b = vmb_board_create(boards[i].spec, NULL, &err);
		if (!boards[i].b)
			vmb_die("%s", err.msg);
		fuzz_board_hooks(boards[i].b);
	}
	return 0;
}

static void power_on(struct vmb_board *b)
{
	struct vmb_err err;

	for (unsigned i = 0; i < b->map.n; i++) {
		struct vmb_region *r = b->map.r[i];

		if (r->host)
			memset(r->host, r->kind == VMB_REGION_MMIO ? 0xff : 0, r->size);
	}
	if (vmb_board_reset(b, &err))
		vmb_die("%s", err.msg);
}

static void one_access(struct vmb_board *b, const uint8_t *rec,
		       const struct vmb_region *ram)
{
	unsigned op = rec[0] & 7, size = 1u << (rec[2] & 3);
	const struct vmb_addrmap *m = (op == 2 || op == 3) ? &b->pio : &b->map;
	uint64_t val = vmb_get_le(rec + 8, 8), x[8] = { val };
	const struct vmb_region *r;
	uint64_t addr, out;

	if (op == 7) {
		vmb_board_mmio_read(b, val, size, &out);
		return;
	}
	if (op == 6) {
		vmb_board_hypercall(b, rec[1] % b->ncpus, x);
		return;
	}
	if (op == 4) {
		if (ram)
			vmb_put_le(ram->host + vmb_get_le(rec + 4, 4) % (ram->size - 7),
				   8, val);
		return;
	}
	if (!m->n)
		return;
	r = m->r[rec[1] % m->n];
	addr = r->gpa + vmb_get_le(rec + 4, 4) % (r->size + 8);
	switch (op) {
	case 0:
		vmb_board_mmio_read(b, addr, size, &out);
		break;
	case 1:
		vmb_board_mmio_write(b, addr, size, val);
		break;
	case 2:
		vmb_board_pio_read(b, addr, size, &out);
		break;
	case 3:
		vmb_board_pio_write(b, addr, size, val);
		break;
	case 5:
		if (!ram)
			return;
		val = ram->gpa + val % ram->size;
		if (rec[0] & 8)
			val = __builtin_bswap64(val);
		vmb_board_mmio_write(b, addr, size, val);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vmb_region *ram;
	struct vmb_board *b;

	if (!size)
		return 0;
	b = boards[data[0] % NBOARDS].b;
	power_on(b);
	ram = vmb_board_first_ram(b);
	if (ram && ram->size < 8)
		ram = NULL;
	for (size_t i = 1; i + 16 <= size; i += 16)
		one_access(b, data + i, ram);
	return 0;
}
