/* SPDX-License-Identifier: MIT */
/*
 * Arm Generic Interrupt Controller devices (gic-v2: IHI0048B GICv2
 * architecture specification; gic-v3: IHI0069 GICv3/v4 architecture
 * specification): what backends and other devices need to know about the
 * board's interrupt controller, without parsing its properties.
 *
 * The device models themselves (gic-v2.c, gic-v3.c) are minimal register
 * files for backends without an interrupt controller of their own (emu):
 * identification and configuration registers read back sensibly, the rest
 * reads as zero and ignores writes. KVM and HVF create an in-kernel GIC at
 * the addresses given here instead, which then handles these regions.
 */
#ifndef VMB_DEVICES_GIC_H
#define VMB_DEVICES_GIC_H

#include <stdbool.h>
#include <stdint.h>

#include "board/board.h"

#define VMB_GIC_REDIST_STRIDE 0x20000 /* GICv3: RD_base + SGI_base per CPU */

/* Where the GIC's frames are (GPAs) and what it implements. */
struct vmb_gic_desc {
	unsigned version;            /* 2 or 3 */
	const struct vmb_device *dev;
	unsigned nr_spis;            /* SPIs 0..nr_spis-1 = INTID 32.. */
	uint64_t dist_base, dist_size;
	/* GICv2 */
	uint64_t cpu_base, cpu_size;
	bool has_v2m;
	uint64_t v2m_base, v2m_size;
	uint32_t v2m_spi_base, v2m_nr_spis; /* MSI SPIs (SPI numbers) */
	/* GICv3: one redistributor region, VMB_GIC_REDIST_STRIDE per CPU */
	uint64_t redist_base, redist_size;
	bool has_its;
	uint64_t its_base, its_size;
};

/* Fill *out from the board's gic-v2/gic-v3 device. Returns 0, or -1 if the
 * board has none. */
int vmb_gic_describe(const struct vmb_board *b, struct vmb_gic_desc *out);

/*
 * Flags cell of a level-triggered PPI specifier <1 ppi flags> in the DT,
 * as QEMU writes it: GICv2 adds the CPU target mask in bits 15:8
 * (GIC_FDT_IRQ_PPI_CPU_MASK, one bit per CPU, at most 8), GICv3 has none.
 * A board without a GIC gets the GICv2 form.
 */
uint32_t vmb_gic_ppi_flags(const struct vmb_board *b);

/* Phandle key of the GIC's MSI controller node ("v2m" frame or "its"), or
 * NULL if it has none. */
const char *vmb_gic_msi_key(const struct vmb_board *b);

/*
 * For gic-v2.c/gic-v3.c: serve a read of 1, 2, 4 or 8 bytes at off from a
 * function returning aligned 32-bit words (8 bytes = two words, low first;
 * narrower reads take the addressed bytes of the word).
 */
uint64_t vmb_gic_read_words(uint32_t (*word)(void *opaque, uint64_t off),
			    void *opaque, uint64_t off, unsigned size);

/* Peripheral/Component ID registers PIDR4-7, PIDR0-3, CIDR0-3 starting at
 * frame offset idbase (GICv2: 0xFD0, GICv3: 0xFFD0), ArchRev in PIDR2
 * bits 7:4. Returns true and sets *val for those offsets. */
bool vmb_gic_id_read(unsigned arch_rev, uint64_t off, uint64_t idbase, uint32_t *val);

/* For create(): check every device's SPIs fit below nr_spis. */
int vmb_gic_check_spis(struct vmb_device *gic, unsigned nr_spis, struct vmb_err *err);

#endif
