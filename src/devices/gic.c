/* SPDX-License-Identifier: MIT */
/*
 * Shared parts of the gic-v2 and gic-v3 devices (see gic.h).
 */
#include <string.h>

#include "devices/gic.h"

int vmb_gic_describe(const struct vmb_board *b, struct vmb_gic_desc *out)
{
	const struct vmb_device *d = vmb_board_find_type(b, "gic-v2");

	if (!d)
		d = vmb_board_find_type(b, "gic-v3");
	if (!d || !d->priv)
		return -1;
	/* Both device types keep their description first in their state. */
	memcpy(out, d->priv, sizeof(*out));
	return 0;
}

uint32_t vmb_gic_ppi_flags(const struct vmb_board *b)
{
	struct vmb_gic_desc g;
	unsigned n = b->ncpus ? b->ncpus : 1;

	if (!vmb_gic_describe(b, &g) && g.version == 3)
		return 4;
	return 4 | ((n >= 8 ? 0xffu : (1u << n) - 1) << 8);
}

const char *vmb_gic_msi_key(const struct vmb_board *b)
{
	struct vmb_gic_desc g;

	if (vmb_gic_describe(b, &g))
		return NULL;
	if (g.has_v2m)
		return "v2m";
	if (g.has_its)
		return "its";
	return NULL;
}

uint64_t vmb_gic_read_words(uint32_t (*word)(void *opaque, uint64_t off),
			    void *opaque, uint64_t off, unsigned size)
{
	uint64_t aligned = off & ~3ull;
	uint32_t w;

	if (size == 8)
		return (off & 3) ? 0 : word(opaque, off) |
					(uint64_t)word(opaque, off + 4) << 32;
	if (size == 4 && (off & 3))
		return 0;
	if (size == 2 && (off & 1))
		return 0;
	w = word(opaque, aligned) >> (8 * (off & 3));
	return size == 4 ? w : w & ((1u << (8 * size)) - 1);
}

bool vmb_gic_id_read(unsigned arch_rev, uint64_t off, uint64_t idbase, uint32_t *val)
{
	/* PIDR4..7, PIDR0..3, CIDR0..3 (ARM, GIC part 0x4B4 style values as
	 * QEMU reports them). */
	static const uint8_t id[12] = { 0x04, 0x00, 0x00, 0x00, 0x90, 0xb4, 0x0b, 0x00,
					0x0d, 0xf0, 0x05, 0xb1 };
	if (off < idbase || off >= idbase + 0x30 || (off & 3))
		return false;
	*val = id[(off - idbase) >> 2];
	if (off == idbase + 0x18)
		*val |= arch_rev << 4;
	return true;
}

int vmb_gic_check_spis(struct vmb_device *gic, unsigned nr_spis, struct vmb_err *err)
{
	const struct vmb_spec *s = gic->board->spec;

	for (unsigned i = 0; i < s->ndev; i++)
		for (unsigned j = 0; j < s->dev[i].nirq; j++)
			if (s->dev[i].irq[j] >= nr_spis)
				return vmb_errf(err, &s->dev[i].irq_loc, "device '%s' "
						"uses SPI %u, but %s '%s' has %u SPIs "
						"(0..%u; raise its 'spis')",
						s->dev[i].name, s->dev[i].irq[j],
						gic->type->name, gic->name, nr_spis,
						nr_spis - 1);
	return 0;
}
