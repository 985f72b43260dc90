/* SPDX-License-Identifier: MIT */
/*
 * arm64 Linux Image header parser (Linux Documentation/arch/arm64/booting.rst
 * §4). Pure function of the file's bytes so it can be tested without a board.
 */
#include "arch/arm64/image.h"
#include "util/bytes.h"

int vmb_arm64_image_parse(const uint8_t *hdr, size_t hdr_len, uint64_t file_size,
			  const char *name, struct vmb_arm64_image *img,
			  struct vmb_err *err)
{
	static const unsigned page_sizes[4] = { 0, 4096, 16384, 65536 };
	uint64_t size;

	if (hdr_len < 0x3c || file_size < 0x3c ||
	    vmb_get_le32(hdr + 0x38) != VMB_ARM64_IMAGE_MAGIC)
		return 0;
	/* The magic is there, so this claims to be a kernel: from here on a
	 * problem is an error, not a reason to fall back to a raw load. */
	if (file_size <= VMB_ARM64_IMAGE_HDR_SIZE || hdr_len < VMB_ARM64_IMAGE_HDR_SIZE)
		return vmb_errf(err, NULL, "'%s': truncated arm64 Image: %llu bytes, "
				"but the header alone is %d", name,
				(unsigned long long)file_size, VMB_ARM64_IMAGE_HDR_SIZE);

	img->text_offset = vmb_get_le64(hdr + 0x08);
	size = vmb_get_le64(hdr + 0x10);
	img->flags = vmb_get_le64(hdr + 0x18);
	img->legacy = size == 0;
	if (img->legacy) {
		/* Before v3.17 text_offset was in the kernel's endianness and
		 * flags did not exist; booting.rst says to assume 0x80000. */
		img->text_offset = VMB_ARM64_IMAGE_LEGACY_TEXT_OFFSET;
		img->flags = 0;
		size = file_size;
	} else if (size < file_size) {
		return vmb_errf(err, NULL, "'%s': malformed arm64 Image: the file "
				"is %llu bytes but its header's image_size is only "
				"%llu", name, (unsigned long long)file_size,
				(unsigned long long)size);
	}
	if (img->text_offset >= (1ull << 48) || size >= (1ull << 48))
		return vmb_errf(err, NULL, "'%s': malformed arm64 Image: text_offset "
				"0x%llx / image_size 0x%llx exceed the 48-bit physical "
				"address space", name,
				(unsigned long long)img->text_offset,
				(unsigned long long)size);
	img->image_size = size;
	img->big_endian = img->flags & 1;
	img->page_size = page_sizes[(img->flags >> 1) & 3];
	img->anywhere = (img->flags >> 3) & 1;
	return 1;
}
