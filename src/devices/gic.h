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
#include <stdio.h>

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

/* --- for gic-v2.c and gic-v3.c ------------------------------------------ */

struct vmb_gic;

/*
 * Register model of one GIC frame. gic.c serves reads of 1, 2, 4 or 8 bytes
 * from read_word (aligned 32-bit words): 8 bytes = two words from a word
 * boundary, low first; narrower reads take the addressed bytes of the word;
 * a 4- or 8-byte read off a word boundary or a 2-byte read at an odd offset
 * reads zero. Writes are passed on as the guest made them (write NULL:
 * writes ignored).
 */
struct vmb_gic_frame_ops {
	uint32_t (*read_word)(struct vmb_gic *gic, uint64_t off);
	void (*write)(struct vmb_gic *gic, uint64_t off, uint64_t val, unsigned size);
	/* Register names (traces); a GICv3 redistributor's are those of one
	 * CPU's 128 KiB (RD_base, SGI_base at +0x10000), gic.c adds "(cpuN)". */
	const struct vmb_reg_name *regs;
};

/* Register-name entries the distributors share (IHI0048B Table 4-1,
 * IHI0069 Table 12-25), and the ID block of a frame whose PIDR4 is at
 * "at" (PIDR4-7, PIDR0-3, CIDR0-3). */
#define VMB_GICD_REG_NAMES                                                   \
	{ 0x000, 4, 0, "GICD_CTLR" }, { 0x004, 4, 0, "GICD_TYPER" },        \
	{ 0x008, 4, 0, "GICD_IIDR" },                                       \
	{ 0x080, 0x80, 4, "GICD_IGROUPR" },                                 \
	{ 0x100, 0x80, 4, "GICD_ISENABLER" },                               \
	{ 0x180, 0x80, 4, "GICD_ICENABLER" },                               \
	{ 0x200, 0x80, 4, "GICD_ISPENDR" },                                 \
	{ 0x280, 0x80, 4, "GICD_ICPENDR" },                                 \
	{ 0x300, 0x80, 4, "GICD_ISACTIVER" },                               \
	{ 0x380, 0x80, 4, "GICD_ICACTIVER" },                               \
	{ 0x400, 0x400, 4, "GICD_IPRIORITYR" },                             \
	{ 0x800, 0x400, 4, "GICD_ITARGETSR" },                              \
	{ 0xc00, 0x100, 4, "GICD_ICFGR" },                                  \
	{ 0xe00, 0x100, 4, "GICD_NSACR" },                                  \
	{ 0xf00, 4, 0, "GICD_SGIR" },                                       \
	{ 0xf10, 0x10, 4, "GICD_CPENDSGIR" },                               \
	{ 0xf20, 0x10, 4, "GICD_SPENDSGIR" }
#define VMB_GIC_ID_REG_NAMES(P, at)                                          \
	{ (at), 4, 0, P "_PIDR4" }, { (at) + 4, 4, 0, P "_PIDR5" },         \
	{ (at) + 8, 4, 0, P "_PIDR6" }, { (at) + 12, 4, 0, P "_PIDR7" },    \
	{ (at) + 16, 4, 0, P "_PIDR0" }, { (at) + 20, 4, 0, P "_PIDR1" },   \
	{ (at) + 24, 4, 0, P "_PIDR2" }, { (at) + 28, 4, 0, P "_PIDR3" },   \
	{ (at) + 32, 0x10, 4, P "_CIDR" }

/* What a GIC device type gives gic.c: its frames' registers and DT names. */
struct vmb_gic_model {
	unsigned version;              /* 2 or 3 */
	const char *compatible;        /* intc node */
	const char *frame_name;        /* second frame: "cpu" (v2), "redist" (v3) */
	const char *msi_name;          /* MSI frame "v2m"/"its": region name,
					* DT node name and phandle key */
	const char *msi_compatible;
	struct vmb_gic_frame_ops dist, frame, msi;
};

/* One mapped frame: the opaque of its MMIO region. */
struct vmb_gic_frame {
	struct vmb_gic *gic;
	const struct vmb_gic_frame_ops *ops;
};

/* State both device types keep first in theirs. */
struct vmb_gic {
	struct vmb_gic_desc desc;      /* first: vmb_gic_describe copies it */
	struct vmb_device *dev;
	const struct vmb_gic_model *model;
	struct vmb_gic_frame frame[3]; /* distributor, second frame, MSI frame */
};

/*
 * Start of create(): set dev->priv = gic, fill the description's version,
 * distributor (the device's base and size) and nr_spis from "spis"
 * (a multiple of 32 from 32 to 960, else an error at the property).
 */
int vmb_gic_init(struct vmb_gic *gic, struct vmb_device *dev,
		 const struct vmb_gic_model *model, struct vmb_err *err);

/* Read the required address property key into *gpa; error at the device
 * entry if it is missing. */
int vmb_gic_prop_base(struct vmb_device *dev, const char *key, uint64_t *gpa,
		      struct vmb_err *err);

/*
 * End of create(): check every device's SPIs fit below nr_spis, then map
 * the distributor, the second frame (v2: cpu_base/size, v3: redist_base/
 * size) and the MSI frame if the description has one.
 */
int vmb_gic_map(struct vmb_gic *gic, struct vmb_err *err);

/*
 * Write the intc node and its MSI frame child as QEMU 7.2 create_gic(),
 * fdt_add_v2m_gic_node() and create_its() do (GICv3 adds
 * #redistributor-regions = 1, its ITS #msi-cells = 1); the fdt_node()
 * callback of both device types.
 */
int vmb_gic_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err);

/*
 * The part of a GIC register dump both versions share (after their own
 * registers): which SPIs devices wire and which of those lines are high
 * now, as INTID lists (INTID = 32 + SPI), and what the model does not
 * keep. Under a backend with an in-kernel GIC (KVM: the board has kernel
 * irqfd hooks) the kernel serves these frames and holds the enable,
 * pending and active state; the model's registers are then unused, and
 * the dump says so first (vmb_gic_dump_kernel_note), and ends with the
 * kernel's SPI enable, pending and active bits when the backend can read
 * them (hv.irqchip_dist_read: KVM's vGIC, only while no vCPU runs).
 */
void vmb_gic_dump_lines(const struct vmb_gic *gic, FILE *out);
void vmb_gic_dump_kernel_note(const struct vmb_gic *gic, FILE *out);

/* Peripheral/Component ID registers PIDR4-7, PIDR0-3, CIDR0-3 starting at
 * frame offset idbase (GICv2: 0xFD0, GICv3: 0xFFD0), ArchRev in PIDR2
 * bits 7:4. Returns true and sets *val for those offsets. */
bool vmb_gic_id_read(unsigned arch_rev, uint64_t off, uint64_t idbase, uint32_t *val);

#endif
