/* SPDX-License-Identifier: MIT */
/*
 * arm64 boot protocol: what a boot loader does before the first instruction.
 *
 * Firmware boot (boot.firmware), as QEMU 7.2 does for -bios on -M virt:
 *   the file is copied to boot.firmware-address (default 0x0, flash bank 0),
 *   the device tree goes to the start of the lowest RAM region (U-Boot's
 *   qemu-arm board looks for it there), PC = firmware address, x0..x3 = 0.
 *   boot.kernel/initrd are then for the firmware to fetch through fw_cfg.
 *
 * Kernel boot (boot.kernel), per Linux Documentation/arch/arm64/booting.rst:
 *   - arm64 Image (magic "ARM\x64" at 0x38): placed text_offset bytes above
 *     a 2 MiB aligned base, the lowest one in the lowest RAM region (flags
 *     bit 3 clear asks for "as close as possible to the base of DRAM"; with
 *     it set that is still a valid choice); image_size bytes from the start
 *     of the image are kept free. boot.kernel-address, if given, is the
 *     image address and must be 2 MiB aligned + text_offset.
 *   - ELF64: PT_LOAD segments at their physical addresses, PC = entry.
 *   - anything else: raw binary at boot.kernel-address (default: start of
 *     the lowest RAM region), PC = boot.entry (default: the load address).
 *   initrd: at boot.initrd-address, else where QEMU's hw/arm/boot.c puts it:
 *     RAM base + min(RAM size / 2, 128 MiB), or above the kernel if the
 *     kernel reaches further, page aligned. It must lie with the kernel in a
 *     1 GiB aligned window of at most 32 GiB (booting.rst).
 *   device tree: at boot.dtb-address (8-byte aligned), else after the
 *     initrd on a 2 MiB boundary, as QEMU does, so that a tree of at most
 *     2 MiB never straddles a 2 MiB block; x0 = its address, x1..x3 = 0.
 *   Every placement must lie in RAM and not overlap another; each error
 *   names the file and both ranges.
 *
 * Neither: execute in place at boot.firmware-address (flash or ROM the board
 * filled itself), device tree at the start of RAM, as QEMU does with no
 * -bios/-kernel.
 *
 * boot.dtb replaces the generated tree; it is loaded as given, except that
 * /chosen gets bootargs and the initrd range when those are set (QEMU does
 * the same for -dtb).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#include "arch/arm64/image.h"
#include "arch/boot.h"
#include "arch/elf.h"
#include "fdt/fdt.h"
#include "util/bytes.h"
#include "util/file.h"

#define SZ_4K   0x1000ull
#define SZ_2M   0x200000ull
#define SZ_128M 0x8000000ull
#define SZ_1G   0x40000000ull
#define SZ_32G  0x800000000ull
#define MAX_FDT_SIZE SZ_2M /* booting.rst §2; arch/arm64/include/asm/boot.h */

/* A guest-physical range the boot loader filled, for overlap checks. */
struct span {
	const char *what;  /* "kernel", "initrd", "device tree" */
	const char *file;  /* NULL for the generated device tree */
	uint64_t lo, hi;   /* [lo, hi) */
};

static void describe(const struct span *s, char *buf, size_t len)
{
	if (s->file)
		snprintf(buf, len, "%s '%s' [0x%llx-0x%llx)", s->what, s->file,
			 (unsigned long long)s->lo, (unsigned long long)s->hi);
	else
		snprintf(buf, len, "%s [0x%llx-0x%llx)", s->what,
			 (unsigned long long)s->lo, (unsigned long long)s->hi);
}

static int check_overlap(const struct span *a, const struct span *b,
			 struct vmb_err *err)
{
	char da[512], db[512];

	if (a->hi <= b->lo || b->hi <= a->lo)
		return 0;
	describe(a, da, sizeof(da));
	describe(b, db, sizeof(db));
	return vmb_errf(err, NULL, "%s overlaps %s; move one with "
			"boot.kernel-address, boot.initrd-address or "
			"boot.dtb-address", da, db);
}

/* The span must lie inside one RAM region. */
static int check_in_ram(struct vmb_board *b, const struct span *s,
			struct vmb_err *err)
{
	const struct vmb_region *r = vmb_board_ram_at(b, s->lo);
	char d[512];

	if (r && s->hi >= s->lo && s->hi - r->gpa <= r->size)
		return 0;
	describe(s, d, sizeof(d));
	if (!r)
		return vmb_errf(err, NULL, "%s is not in RAM", d);
	return vmb_errf(err, NULL, "%s does not fit in RAM '%s', which ends at "
			"0x%llx", d, r->name, (unsigned long long)(r->gpa + r->size));
}

/* Read up to len bytes of the start of a file; *size gets its full size. */
static int read_head(const char *path, uint8_t *buf, size_t len, size_t *got,
		     uint64_t *size, struct vmb_err *err)
{
	ssize_t n;
	int fd = vmb_file_open(path, NULL, size, err);

	if (fd < 0)
		return -1;
	do
		n = pread(fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return vmb_errf(err, NULL, "cannot read '%s': %s", path, strerror(errno));
	*got = (size_t)n;
	return 0;
}

/* Set /chosen bootargs and initrd range in a copy of a user device tree. */
static void *patch_user_dtb(void *in, const char *path, const char *cmdline,
			    uint64_t initrd_lo, uint64_t initrd_hi,
			    struct vmb_err *err)
{
	size_t cap = fdt_totalsize(in) + 256 + (cmdline ? strlen(cmdline) : 0);
	void *out = vmb_zalloc(cap);
	int rc, node;

	rc = fdt_open_into(in, out, (int)cap);
	if (rc)
		goto fail;
	node = fdt_path_offset(out, "/chosen");
	if (node == -FDT_ERR_NOTFOUND)
		node = fdt_add_subnode(out, 0, "chosen");
	if ((rc = node) < 0)
		goto fail;
	if (cmdline && (rc = fdt_setprop_string(out, node, "bootargs", cmdline)))
		goto fail;
	if (initrd_hi > initrd_lo) {
		/* One cell when it fits, as QEMU 7.2 writes them; Linux reads
		 * either width. */
		if (initrd_hi <= UINT32_MAX)
			rc = fdt_setprop_u32(out, node, "linux,initrd-start",
					     (uint32_t)initrd_lo) ||
			     fdt_setprop_u32(out, node, "linux,initrd-end",
					     (uint32_t)initrd_hi);
		else
			rc = fdt_setprop_u64(out, node, "linux,initrd-start", initrd_lo) ||
			     fdt_setprop_u64(out, node, "linux,initrd-end", initrd_hi);
		if (rc) {
			rc = -FDT_ERR_NOSPACE;
			goto fail;
		}
	}
	if ((rc = fdt_pack(out)))
		goto fail;
	return out;
fail:
	free(out);
	return vmb_errf(err, NULL, "'%s': cannot update /chosen: %s", path,
			fdt_strerror(rc)), NULL;
}

/*
 * The device tree to hand over: the user's boot.dtb (validated, /chosen
 * updated) or a generated one. Returns a malloc'd blob; *size its length.
 */
static void *make_dtb(struct vmb_board *b, uint64_t initrd_lo, uint64_t initrd_hi,
		      size_t *size, struct vmb_err *err)
{
	const struct vmb_boot_spec *bs = &b->spec->boot;
	void *blob;
	size_t len;
	int rc;

	if (!bs->dtb) {
		blob = vmb_fdt_build(b, initrd_lo, initrd_hi, err);
		if (!blob)
			return NULL;
		*size = fdt_totalsize(blob);
		return blob;
	}
	blob = vmb_file_read(bs->dtb, NULL, &len, err);
	if (!blob)
		return NULL;
	rc = len < sizeof(struct fdt_header) ? -FDT_ERR_TRUNCATED : fdt_check_header(blob);
	if (!rc && fdt_totalsize(blob) > len)
		rc = -FDT_ERR_TRUNCATED;
	if (rc) {
		free(blob);
		return vmb_errf(err, &bs->dtb_loc, "'%s' is not a valid device tree "
				"blob: %s", bs->dtb, fdt_strerror(rc)), NULL;
	}
	if ((bs->cmdline && bs->cmdline[0]) || initrd_hi > initrd_lo) {
		void *p = patch_user_dtb(blob, bs->dtb, bs->cmdline, initrd_lo,
					 initrd_hi, err);

		free(blob);
		if (!(blob = p))
			return NULL;
	}
	*size = fdt_totalsize(blob);
	return blob;
}

/* Copy the tree into guest memory at gpa (already checked to be RAM). */
static int place_dtb(struct vmb_board *b, void *blob, size_t size, uint64_t gpa,
		     struct vmb_boot_state *st, struct vmb_err *err)
{
	uint8_t *dst = vmb_board_gpa_ptr(b, gpa, size);

	if (!dst)
		return vmb_errf(err, NULL, "no RAM for the device tree (%zu bytes) "
				"at 0x%llx", size, (unsigned long long)gpa);
	memcpy(dst, blob, size);
	st->dtb = gpa;
	st->dtb_size = size;
	return 0;
}

static int check_dtb_size(const struct vmb_boot_spec *bs, size_t size,
			  struct vmb_err *err)
{
	if (size <= MAX_FDT_SIZE)
		return 0;
	return vmb_errf(err, NULL, "the device tree%s%s%s is %zu bytes; arm64 "
			"allows at most 2 MiB", bs->dtb ? " '" : "",
			bs->dtb ? bs->dtb : "", bs->dtb ? "'" : "", size);
}

/* The first instruction word is erased flash (all ones) or zeroed memory
 * (all zeroes, UDF #0): nothing was put there to run. */
static bool erased(const uint8_t *p)
{
	return (p[0] == 0xff && p[1] == 0xff && p[2] == 0xff && p[3] == 0xff) ||
	       !(p[0] | p[1] | p[2] | p[3]);
}

/* Firmware or execute-in-place: tree at the start of the lowest RAM. */
static int boot_firmware(struct vmb_board *b, struct vmb_boot_state *st,
			 struct vmb_err *err)
{
	const struct vmb_boot_spec *bs = &b->spec->boot;
	const struct vmb_region *ram = vmb_board_first_ram(b);
	uint64_t pc = bs->has_firmware_addr ? bs->firmware_addr : 0;
	struct span fw = { "firmware", bs->firmware, pc, pc };
	struct span dt = { "device tree", bs->dtb, 0, 0 };
	size_t size;
	void *blob;
	int rc;

	if (bs->firmware) {
		int64_t n = vmb_board_load_file(b, bs->firmware, pc, err);

		if (n < 0)
			return -1;
		if (!n)
			return vmb_errf(err, NULL, "firmware '%s' is empty", bs->firmware);
		fw.hi = pc + (uint64_t)n;
		if ((bs->kernel || bs->initrd) &&
		    !vmb_board_find_type(b, "fw-cfg-mmio"))
			return vmb_errf(err, &bs->loc, "boot.firmware is set, so "
					"boot.kernel/boot.initrd would be fetched by "
					"the firmware through fw_cfg, but this board "
					"has no fw-cfg-mmio device");
	} else if (!vmb_board_gpa_ptr(b, pc, 4)) {
		return vmb_errf(err, &bs->loc, "nothing to boot: set boot.firmware "
				"or boot.kernel (--firmware FILE, --kernel FILE); "
				"there is no memory at 0x%llx to execute in place",
				(unsigned long long)pc);
	} else if (erased(vmb_board_gpa_ptr(b, pc, 4))) {
		/* Erased flash or zeroed memory at the reset vector: running
		 * it only ends in an undefined-instruction fault at pc. */
		const struct vmb_region *r = vmb_addrmap_find(&b->map, pc);

		return vmb_errf(err, NULL, "nothing to boot in '%s': '%s' at 0x%llx "
				"is erased (no image, flash file or ROM contents "
				"there) and neither boot.firmware nor boot.kernel "
				"is set; pass --firmware FILE (for U-Boot, Debian's "
				"u-boot-qemu has /usr/lib/u-boot/qemu_arm64/"
				"u-boot.bin) or --kernel FILE (a Linux Image or a "
				"bare-metal program)", b->spec->name,
				r ? r->name : "memory",
				(unsigned long long)pc);
	}
	st->pc = pc;
	if (!ram)
		return 0; /* a ROM-only board: nowhere to put a tree */

	blob = make_dtb(b, 0, 0, &size, err);
	if (!blob)
		return -1;
	dt.lo = bs->has_dtb_addr ? bs->dtb_addr : ram->gpa;
	dt.hi = dt.lo + size;
	rc = check_dtb_size(bs, size, err);
	if (!rc)
		rc = check_in_ram(b, &dt, err);
	if (!rc && bs->firmware)
		rc = check_overlap(&fw, &dt, err);
	if (!rc)
		rc = place_dtb(b, blob, size, dt.lo, st, err);
	free(blob);
	return rc;
}

/* Load the kernel; fills k (its span) and st->pc. */
static int load_kernel(struct vmb_board *b, struct span *k,
		       struct vmb_boot_state *st, bool *is_linux,
		       struct vmb_err *err)
{
	const struct vmb_boot_spec *bs = &b->spec->boot;
	const struct vmb_region *ram = vmb_board_first_ram(b);
	uint8_t head[VMB_ARM64_IMAGE_HDR_SIZE];
	struct vmb_arm64_image img;
	uint64_t fsize = 0;
	size_t got = 0;
	int rc;

	if (read_head(bs->kernel, head, sizeof(head), &got, &fsize, err))
		return -1;
	if (!fsize)
		return vmb_errf(err, NULL, "kernel '%s' is empty", bs->kernel);
	rc = vmb_arm64_image_parse(head, got, fsize, bs->kernel, &img, err);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		*is_linux = true;
		if (bs->has_kernel_addr) {
			k->lo = bs->kernel_addr;
			if ((k->lo - img.text_offset) % SZ_2M)
				return vmb_errf(err, &bs->loc, "boot.kernel-address "
						"0x%llx: an arm64 Image with text_offset "
						"0x%llx must start text_offset bytes above "
						"a 2 MiB boundary", (unsigned long long)k->lo,
						(unsigned long long)img.text_offset);
		} else {
			if (!ram)
				return vmb_errf(err, &bs->loc, "'%s': the board has "
						"no RAM to load a kernel into", bs->kernel);
			k->lo = vmb_align_up(ram->gpa, SZ_2M) + img.text_offset;
		}
		k->hi = k->lo + img.image_size;
		if (check_in_ram(b, k, err))
			return -1;
		if (vmb_board_load_file(b, bs->kernel, k->lo, err) < 0)
			return -1;
		st->pc = k->lo;
	} else if (vmb_elf_is_elf(head, got)) {
		struct vmb_elf_info info;
		uint8_t *buf;
		size_t len;

		buf = vmb_file_read(bs->kernel, NULL, &len, err);
		if (!buf)
			return -1;
		rc = vmb_elf_load(b, buf, len, bs->kernel, VMB_EM_AARCH64, &info, err);
		free(buf);
		if (rc)
			return -1;
		k->lo = info.lo;
		k->hi = info.hi;
		st->pc = info.entry;
	} else {
		int64_t n;

		if (!bs->has_kernel_addr && !ram)
			return vmb_errf(err, &bs->loc, "'%s': the board has no RAM; "
					"set boot.kernel-address", bs->kernel);
		k->lo = bs->has_kernel_addr ? bs->kernel_addr : ram->gpa;
		n = vmb_board_load_file(b, bs->kernel, k->lo, err);
		if (n < 0)
			return -1;
		k->hi = k->lo + (uint64_t)n;
		st->pc = k->lo;
	}
	if (bs->has_entry)
		st->pc = bs->entry;
	return 0;
}

static int boot_kernel(struct vmb_board *b, struct vmb_boot_state *st,
		       struct vmb_err *err)
{
	const struct vmb_boot_spec *bs = &b->spec->boot;
	const struct vmb_region *ram;
	struct span k = { "kernel", bs->kernel, 0, 0 };
	struct span rd = { "initrd", bs->initrd, 0, 0 };
	struct span dt = { "device tree", bs->dtb, 0, 0 };
	bool is_linux = false;
	uint64_t free_lo;
	size_t size;
	void *blob;
	int rc;

	if (load_kernel(b, &k, st, &is_linux, err))
		return -1;

	/* Everything else goes into the RAM region holding the kernel (the
	 * lowest one if the kernel sits in ROM). */
	ram = vmb_board_ram_at(b, k.lo);
	if (!ram)
		ram = vmb_board_first_ram(b);
	if (!ram)
		return vmb_errf(err, &bs->loc, "the board has no RAM for the device "
				"tree");
	free_lo = ram->gpa + (ram->size / 2 < SZ_128M ? ram->size / 2 : SZ_128M);
	if (k.hi > free_lo && k.lo < ram->gpa + ram->size)
		free_lo = k.hi;
	free_lo = vmb_align_up(free_lo, SZ_4K);

	if (bs->initrd) {
		int64_t n;

		rd.lo = bs->has_initrd_addr ? bs->initrd_addr : free_lo;
		n = vmb_board_load_file(b, bs->initrd, rd.lo, err);
		if (n < 0)
			return -1;
		if (!n)
			return vmb_errf(err, NULL, "initrd '%s' is empty", bs->initrd);
		rd.hi = rd.lo + (uint64_t)n;
		if (check_in_ram(b, &rd, err) || check_overlap(&k, &rd, err))
			return -1;
		if (is_linux) {
			uint64_t lo = (k.lo < rd.lo ? k.lo : rd.lo) & ~(SZ_1G - 1);
			uint64_t hi = k.hi > rd.hi ? k.hi : rd.hi;

			if (hi - lo > SZ_32G)
				return vmb_errf(err, NULL, "initrd '%s' at 0x%llx is too "
						"far from the kernel at 0x%llx: Linux needs "
						"both in one 1 GiB aligned window of at most "
						"32 GiB", bs->initrd,
						(unsigned long long)rd.lo,
						(unsigned long long)k.lo);
		}
	}

	blob = make_dtb(b, rd.lo, rd.hi, &size, err);
	if (!blob)
		return -1;
	if (bs->has_dtb_addr)
		dt.lo = bs->dtb_addr;
	else
		dt.lo = vmb_align_up(rd.hi > free_lo ? rd.hi : free_lo, SZ_2M);
	dt.hi = dt.lo + size;
	rc = check_dtb_size(bs, size, err);
	if (!rc && dt.lo % 8)
		rc = vmb_errf(err, &bs->loc, "boot.dtb-address 0x%llx must be 8-byte "
			      "aligned", (unsigned long long)dt.lo);
	if (!rc && (rc = check_in_ram(b, &dt, err)) && !bs->has_dtb_addr)
		vmb_err_append(err, "no room after the kernel and initrd; set "
			       "boot.dtb-address or give the board more RAM");
	if (!rc)
		rc = check_overlap(&k, &dt, err);
	if (!rc && bs->initrd)
		rc = check_overlap(&rd, &dt, err);
	if (!rc)
		rc = place_dtb(b, blob, size, dt.lo, st, err);
	free(blob);
	/* booting.rst: x0 = DTB, x1..x3 reserved, zero. */
	st->x[0] = st->dtb;
	return rc;
}

int vmb_boot_prepare_arm64(struct vmb_board *b, struct vmb_boot_state *st,
			   struct vmb_err *err)
{
	memset(st, 0, sizeof(*st));
	if (b->spec->boot.kernel && !b->spec->boot.firmware)
		return boot_kernel(b, st, err);
	return boot_firmware(b, st, err);
}
