/* SPDX-License-Identifier: MIT */
/*
 * arm64 Linux "Image" header (Linux Documentation/arch/arm64/booting.rst,
 * section 4 "Call the kernel image").
 *
 * The uncompressed kernel starts with a 64-byte header:
 *   0x00 code0, 0x04 code1      branch to stext
 *   0x08 text_offset (u64 LE)   image load offset from a 2 MiB aligned base
 *   0x10 image_size  (u64 LE)   effective size including BSS (0 before v3.17)
 *   0x18 flags       (u64 LE)   bit 0 BE, bits 1-2 page size, bit 3 placement
 *   0x20 res2..res4
 *   0x38 magic "ARM\x64"        (0x644d5241 little-endian)
 *   0x3c res5                   PE/COFF header offset for EFI
 */
#ifndef VMB_ARCH_ARM64_IMAGE_H
#define VMB_ARCH_ARM64_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define VMB_ARM64_IMAGE_MAGIC 0x644d5241u
#define VMB_ARM64_IMAGE_HDR_SIZE 64
/* The kernel's base alignment (booting.rst: "2MB aligned base address"). */
#define VMB_ARM64_IMAGE_ALIGN 0x200000ull
/* text_offset assumed for pre-v3.17 kernels, whose image_size is 0. */
#define VMB_ARM64_IMAGE_LEGACY_TEXT_OFFSET 0x80000ull

struct vmb_arm64_image {
	uint64_t text_offset; /* bytes above the 2 MiB aligned base */
	uint64_t image_size;  /* bytes the kernel owns from its start: the
				 header's image_size, or the file size for
				 pre-v3.17 kernels (image_size == 0) */
	uint64_t flags;
	bool legacy;          /* header image_size was 0 */
	bool big_endian;      /* flags bit 0 */
	unsigned page_size;   /* flags bits 1-2: 0 (unspecified), 4096, 16384,
				 65536 */
	bool anywhere;        /* flags bit 3: base may be anywhere in memory
				 (else as close as possible to DRAM start) */
};

/*
 * Parse the header: hdr holds the file's first hdr_len bytes (at least
 * min(file_size, VMB_ARM64_IMAGE_HDR_SIZE)); file_size is the whole file's
 * size; "name" is used in messages. Returns 1 and fills *img for an arm64 Image; 0 when buf is not one (no
 * magic: a raw binary or another format); -1 with err set when the magic is
 * there but the header is unusable: truncated, file larger than its
 * image_size, or offsets so large they wrap the address space. Reserved
 * flag bits are ignored, as booting.rst reserves them for future kernels.
 */
int vmb_arm64_image_parse(const uint8_t *hdr, size_t hdr_len, uint64_t file_size,
			  const char *name, struct vmb_arm64_image *img,
			  struct vmb_err *err);

#endif
