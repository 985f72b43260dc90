/* SPDX-License-Identifier: MIT */
/*
 * bzImage setup header checks (Linux Documentation/arch/x86/boot.rst). See
 * bzimage.h.
 */
#include <string.h>

#include "arch/x86_64/bzimage.h"
#include "util/bytes.h"

bool vmb_bzimage_is_bzimage(const uint8_t *buf, size_t len)
{
	return len >= HDR_HEADER + 4 && vmb_get_le(buf + HDR_HEADER, 4) == HDR_MAGIC;
}

int vmb_bzimage_parse(const uint8_t *buf, size_t len, const char *name,
		      struct vmb_bzimage *bz, struct vmb_err *err)
{
	unsigned setup_sects;
	uint64_t syssize;

	memset(bz, 0, sizeof(*bz));
	if (len < HDR_END_MIN)
		return vmb_errf(err, NULL, "'%s' is too short for a bzImage setup "
				"header (%zu bytes)", name, len);
	if (vmb_get_le(buf + HDR_HEADER, 4) != HDR_MAGIC)
		return vmb_errf(err, NULL, "'%s' is not a bzImage: no \"HdrS\" "
				"magic at 0x202", name);
	if (vmb_get_le(buf + HDR_BOOT_FLAG, 2) != 0xaa55)
		return vmb_errf(err, NULL, "'%s': bad boot flag 0x%04x at 0x1fe, "
				"expected 0xaa55", name,
				(unsigned)vmb_get_le(buf + HDR_BOOT_FLAG, 2));
	bz->version = (uint16_t)vmb_get_le(buf + HDR_VERSION, 2);
	if (bz->version < BZ_MIN_VERSION)
		return vmb_errf(err, NULL, "'%s' uses boot protocol %u.%02u; vmb "
				"needs 2.12 or later (Linux 3.8+) for the 64-bit "
				"entry point", name, bz->version >> 8,
				bz->version & 0xff);
	bz->header_end = 0x202 + buf[HDR_JUMP + 1];
	if (bz->header_end < HDR_END_MIN || bz->header_end > len ||
	    bz->header_end > 0x290)
		return vmb_errf(err, NULL, "'%s': setup header length byte 0x%02x "
				"at 0x201 is out of range", name, buf[HDR_JUMP + 1]);
	bz->xloadflags = (uint16_t)vmb_get_le(buf + HDR_XLOADFLAGS, 2);
	if (!(bz->xloadflags & XLF_KERNEL_64))
		return vmb_errf(err, NULL, "'%s' has no 64-bit entry point "
				"(XLF_KERNEL_64 clear in xloadflags 0x%04x): a "
				"32-bit kernel cannot boot here", name, bz->xloadflags);
	if (!(buf[HDR_LOADFLAGS] & LOADFLAG_LOADED_HIGH))
		return vmb_errf(err, NULL, "'%s' is a zImage (LOADED_HIGH clear), "
				"not a bzImage", name);
	setup_sects = buf[HDR_SETUP_SECTS] ? buf[HDR_SETUP_SECTS] : 4;
	bz->setup_size = (setup_sects + 1) * 512;
	syssize = vmb_get_le(buf + HDR_SYSSIZE, 4) * 16;
	if (bz->setup_size >= len || syssize > len - bz->setup_size)
		return vmb_errf(err, NULL, "'%s' is truncated: %zu bytes, its header "
				"says %u bytes of setup and %llu of kernel", name,
				len, bz->setup_size, (unsigned long long)syssize);
	bz->kernel_size = len - bz->setup_size;
	bz->kernel_alignment = (uint32_t)vmb_get_le(buf + HDR_KERNEL_ALIGNMENT, 4);
	if (!bz->kernel_alignment ||
	    (bz->kernel_alignment & (bz->kernel_alignment - 1)))
		return vmb_errf(err, NULL, "'%s': kernel_alignment 0x%x is not a "
				"power of two", name, bz->kernel_alignment);
	bz->relocatable = buf[HDR_RELOCATABLE] != 0;
	bz->cmdline_size = (uint32_t)vmb_get_le(buf + HDR_CMDLINE_SIZE, 4);
	bz->initrd_addr_max = (uint32_t)vmb_get_le(buf + HDR_INITRD_ADDR_MAX, 4);
	bz->pref_address = vmb_get_le(buf + HDR_PREF_ADDRESS, 8);
	bz->init_size = (uint32_t)vmb_get_le(buf + HDR_INIT_SIZE, 4);
	if (!bz->init_size)
		return vmb_errf(err, NULL, "'%s': init_size is 0", name);
	if (bz->init_size < bz->kernel_size)
		bz->init_size = (uint32_t)bz->kernel_size;
	return 0;
}
