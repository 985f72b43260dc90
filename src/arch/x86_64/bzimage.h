/* SPDX-License-Identifier: MIT */
/*
 * Linux x86 bzImage setup header and zero page (struct boot_params).
 *
 * Offsets are from Linux Documentation/arch/x86/boot.rst ("THE REAL-MODE
 * KERNEL HEADER", "DETAILS OF HEADER FIELDS", "64-bit BOOT PROTOCOL") and
 * Documentation/arch/x86/zero-page.rst. The zero page is handled as bytes
 * at these offsets (little-endian), which keeps its layout explicit and
 * independent of host struct packing.
 */
#ifndef VMB_ARCH_X86_64_BZIMAGE_H
#define VMB_ARCH_X86_64_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* struct boot_params (zero-page.rst) */
#define BP_SIZE               0x1000
#define BP_ACPI_RSDP_ADDR     0x070  /* u64, protocol 2.14+ */
#define BP_EXT_RAMDISK_IMAGE  0x0c0  /* u32: ramdisk_image >> 32 */
#define BP_EXT_RAMDISK_SIZE   0x0c4  /* u32 */
#define BP_EXT_CMD_LINE_PTR   0x0c8  /* u32: cmd_line_ptr >> 32 */
#define BP_E820_ENTRIES       0x1e8  /* u8 */
#define BP_SENTINEL           0x1ef  /* u8 */
#define BP_HDR                0x1f1  /* struct setup_header */
#define BP_E820_TABLE         0x2d0  /* 128 x struct boot_e820_entry */
#define BP_E820_MAX           128
#define BP_E820_ENTRY_SIZE    20     /* u64 addr, u64 size, u32 type */

/* struct setup_header fields, as offsets in the image and the zero page */
#define HDR_SETUP_SECTS       0x1f1  /* u8; 0 means 4 */
#define HDR_SYSSIZE           0x1f4  /* u32, 16-byte paragraphs */
#define HDR_VID_MODE          0x1fa  /* u16 */
#define HDR_BOOT_FLAG         0x1fe  /* u16 0xaa55 */
#define HDR_JUMP              0x200  /* u8 0xeb, then the header length-0x202 */
#define HDR_HEADER            0x202  /* "HdrS" */
#define HDR_VERSION           0x206  /* u16 */
#define HDR_TYPE_OF_LOADER    0x210  /* u8 */
#define HDR_LOADFLAGS         0x211  /* u8 */
#define HDR_CODE32_START      0x214  /* u32 */
#define HDR_RAMDISK_IMAGE     0x218  /* u32 */
#define HDR_RAMDISK_SIZE      0x21c  /* u32 */
#define HDR_HEAP_END_PTR      0x224  /* u16 */
#define HDR_CMD_LINE_PTR      0x228  /* u32 */
#define HDR_INITRD_ADDR_MAX   0x22c  /* u32 */
#define HDR_KERNEL_ALIGNMENT  0x230  /* u32 */
#define HDR_RELOCATABLE       0x234  /* u8 */
#define HDR_MIN_ALIGNMENT     0x235  /* u8, log2 */
#define HDR_XLOADFLAGS        0x236  /* u16 */
#define HDR_CMDLINE_SIZE      0x238  /* u32 */
#define HDR_PREF_ADDRESS      0x258  /* u64 */
#define HDR_INIT_SIZE         0x260  /* u32 */
#define HDR_END_MIN           0x268  /* end of the fields vmb reads */

#define HDR_MAGIC             0x53726448u /* "HdrS" */
#define LOADFLAG_LOADED_HIGH  0x01
#define XLF_KERNEL_64         0x0001
#define XLF_CAN_BE_LOADED_ABOVE_4G 0x0002
#define LOADER_TYPE_UNDEFINED 0xff
#define BZ_MIN_VERSION        0x020c /* 2.12: xloadflags */

#define E820_TYPE_RAM         1
#define E820_TYPE_RESERVED    2

/* What the loader needs from a bzImage's setup header. */
struct vmb_bzimage {
	uint16_t version;          /* 0x020f = 2.15 */
	uint32_t setup_size;       /* (setup_sects + 1) * 512: file offset of
				      the protected-mode kernel */
	uint64_t kernel_size;      /* bytes of protected-mode kernel in the file */
	uint32_t header_end;       /* 0x202 + byte at 0x201: setup_header end */
	uint16_t xloadflags;
	uint32_t kernel_alignment; /* power of two */
	bool relocatable;
	uint32_t cmdline_size;     /* max bytes, without the NUL */
	uint32_t initrd_addr_max;  /* highest byte address of the initrd */
	uint64_t pref_address;
	uint32_t init_size;        /* bytes needed from the load address */
};

/* True if buf holds a bzImage setup header ("HdrS" at 0x202). */
bool vmb_bzimage_is_bzimage(const uint8_t *buf, size_t len);

/*
 * Check and decode the setup header of the image in buf (the whole file,
 * len bytes; name for messages). Errors (-1, err set): file shorter than
 * its header or than setup + syssize, no boot flag 0xaa55 or "HdrS" magic,
 * protocol older than 2.12, no 64-bit entry (XLF_KERNEL_64 clear), not a
 * bzImage (LOADED_HIGH clear), kernel_alignment not a power of two, zero
 * init_size.
 */
int vmb_bzimage_parse(const uint8_t *buf, size_t len, const char *name,
		      struct vmb_bzimage *bz, struct vmb_err *err);

#endif
