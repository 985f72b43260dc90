/* SPDX-License-Identifier: MIT */
/*
 * x86_64 boot protocol: the boot loader's work before the first instruction,
 * entering the guest directly in 64-bit long mode (there is no firmware: the
 * BIOS's job — e820, MP tables — is done here from the board).
 *
 * Kernel images (boot.kernel):
 *  - bzImage, per Linux Documentation/arch/x86/boot.rst "64-bit BOOT
 *    PROTOCOL": setup header checked (bzimage.c: "HdrS", protocol >= 2.12,
 *    XLF_KERNEL_64, LOADED_HIGH, kernel_alignment), the protected-mode
 *    kernel (the file after (setup_sects + 1) * 512 bytes) copied to
 *    boot.kernel-address, else pref_address if init_size bytes of RAM are
 *    there, else (relocatable kernels) the lowest kernel_alignment-aligned
 *    address >= 1 MiB with init_size bytes of RAM; entry = load address +
 *    0x200 (startup_64). The zero page gets the kernel's setup header,
 *    type_of_loader 0xff, code32_start, the command line, the initrd, the
 *    e820 map.
 *  - ELF64 (EM_X86_64): PT_LOAD segments at their physical addresses
 *    (arch/elf.c), entry = e_entry.
 *  - anything else: raw binary at boot.kernel-address (default 1 MiB),
 *    entry = boot.entry (default: the load address).
 *  ELF and raw guests get the same zero page (RSI), so they can read the
 *  command line and memory map; RSP = 0x1f000. Their zero page also gets
 *  the setup-header fields Firecracker gives the uncompressed vmlinux it
 *  boots (boot_flag, "HdrS", type_of_loader 0xff, cmdline_size), so a Linux
 *  vmlinux entered at startup_64 boots too: Linux ignores the initrd when
 *  type_of_loader is 0 (arch/x86/kernel/setup.c, early_reserve_initrd).
 *  The vmlinux goes in as an ELF (its e_entry is a physical address, which
 *  arch/elf.c accepts) or as a raw image (objcopy -O binary,
 *  kernel-address = entry = its physical start, 16 MiB).
 *
 * Every guest starts on vCPU 0 in 64-bit mode at CPL 0, interrupts off,
 * CS = 0x10 and DS = ES = SS = 0x18 from a flat GDT, CR3 = an identity map
 * of the first 4 GiB (2 MiB pages), CR0 = PE|MP|ET|NE|WP|PG, CR4 = PAE|
 * OSFXSR|OSXMMEXCPT, EFER = LME|LMA (the backend loads these; x86.h has the
 * layout). Other vCPUs wait for INIT/SIPI, as after a PC's reset.
 *
 * initrd: at boot.initrd-address, else page-aligned at the top of the
 * highest RAM below the kernel's initrd_addr_max (0x7fffffff for ELF/raw),
 * below the kernel if it would overlap it.
 * Command line: boot.cmdline, then " virtio_mmio.device=SIZE@BASE:GSI" for
 * every virtio-mmio device (x86 kernels have no device tree; Linux
 * drivers/virtio/virtio_mmio.c parses these), at most cmdline_size bytes.
 * MP tables (mptable.c) end at 640 KiB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arch/boot.h"
#include "arch/elf.h"
#include "arch/x86_64/bzimage.h"
#include "arch/x86_64/e820.h"
#include "arch/x86_64/mptable.h"
#include "arch/x86_64/x86.h"
#include "devices/virtio-mmio.h"
#include "util/bytes.h"
#include "util/file.h"

#define SZ_4K 0x1000ull
#define SZ_2M 0x200000ull
#define SZ_4G 0x100000000ull
#define DEFAULT_INITRD_MAX 0x7fffffffull

struct span {
	uint64_t lo, hi; /* [lo, hi) */
};

static bool overlaps(const struct span *a, const struct span *b)
{
	return a->lo < b->hi && b->lo < a->hi;
}

/* Host pointer of [gpa, gpa+len) if it is inside one RAM region. */
static uint8_t *ram_ptr(struct vmb_board *b, uint64_t gpa, uint64_t len)
{
	const struct vmb_region *r = vmb_board_ram_at(b, gpa);

	if (!r || len > r->size || gpa - r->gpa > r->size - len)
		return NULL;
	return r->host + (gpa - r->gpa);
}

/* Low-memory boot structure at a fixed address (x86.h). */
static uint8_t *low_ptr(struct vmb_board *b, uint64_t gpa, uint64_t len,
			const char *what, struct vmb_err *err)
{
	uint8_t *p = ram_ptr(b, gpa, len);

	if (!p)
		vmb_errf(err, NULL, "x86_64 boot needs RAM at [0x%llx-0x%llx) for the "
			 "%s; give the board a RAM region from 0 to 640 KiB",
			 (unsigned long long)gpa, (unsigned long long)(gpa + len), what);
	return p;
}

/* RAM regions sorted by address (b->mem is in spec order). */
static unsigned sorted_ram(const struct vmb_board *b, const struct vmb_region **out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < b->nmem; i++) {
		const struct vmb_region *r = &b->mem[i];
		unsigned j;

		if (r->kind != VMB_REGION_RAM)
			continue;
		for (j = n; j > 0 && out[j - 1]->gpa > r->gpa; j--)
			out[j] = out[j - 1];
		out[j] = r;
		n++;
	}
	return n;
}

/* Where a bzImage's protected-mode kernel goes (see the file comment). */
static int place_bzimage(struct vmb_board *b, const struct vmb_bzimage *bz,
			 const char *path, uint64_t *load, struct vmb_err *err)
{
	const struct vmb_boot_spec *bs = &b->spec->boot;
	const struct vmb_region *ram[b->nmem + 1];
	unsigned n = sorted_ram(b, ram);

	if (bs->has_kernel_addr) {
		*load = bs->kernel_addr;
		if (*load < VMB_X86_HIGH_START)
			return vmb_errf(err, &bs->kernel_loc, "boot.kernel-address "
					"0x%llx: a bzImage loads at 1 MiB or above",
					(unsigned long long)*load);
		if (!bz->relocatable && *load != bz->pref_address)
			return vmb_errf(err, &bs->kernel_loc, "'%s' is not "
					"relocatable: it must load at 0x%llx, not 0x%llx",
					path, (unsigned long long)bz->pref_address,
					(unsigned long long)*load);
		if (!ram_ptr(b, *load, bz->init_size))
			return vmb_errf(err, &bs->kernel_loc, "'%s' at 0x%llx needs "
					"%u bytes of RAM (init_size) there", path,
					(unsigned long long)*load, bz->init_size);
		return 0;
	}
	if (bz->pref_address >= VMB_X86_HIGH_START &&
	    ram_ptr(b, bz->pref_address, bz->init_size)) {
		*load = bz->pref_address;
		return 0;
	}
	if (!bz->relocatable)
		return vmb_errf(err, NULL, "'%s' is not relocatable and needs %u bytes "
				"of RAM at 0x%llx", path, bz->init_size,
				(unsigned long long)bz->pref_address);
	for (unsigned i = 0; i < n; i++) {
		uint64_t a = vmb_align_up(ram[i]->gpa < VMB_X86_HIGH_START ?
				      VMB_X86_HIGH_START : ram[i]->gpa,
				      bz->kernel_alignment);

		if (ram_ptr(b, a, bz->init_size)) {
			*load = a;
			return 0;
		}
	}
	return vmb_errf(err, NULL, "no RAM region above 1 MiB has room for '%s' "
			"(init_size %u bytes, alignment 0x%x)", path, bz->init_size,
			bz->kernel_alignment);
}

static int load_bzimage(struct vmb_board *b, const uint8_t *img, size_t len,
			const char *path, uint8_t *zp, struct vmb_bzimage *bz,
			struct span *kspan, uint64_t *entry, struct vmb_err *err)
{
	uint64_t load = 0;
	uint8_t *dst;

	if (vmb_bzimage_parse(img, len, path, bz, err) ||
	    place_bzimage(b, bz, path, &load, err))
		return -1;
	dst = ram_ptr(b, load, bz->init_size);
	memcpy(dst, img + bz->setup_size, bz->kernel_size);
	/* The decompressor expects the rest of init_size to be scratch, not
	 * necessarily zero; clear it anyway so a reboot starts clean. */
	memset(dst + bz->kernel_size, 0, bz->init_size - bz->kernel_size);
	memcpy(zp + BP_HDR, img + BP_HDR, bz->header_end - BP_HDR);
	zp[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
	vmb_put_le16(zp + HDR_VID_MODE, 0xffff); /* "normal" */
	vmb_put_le32(zp + HDR_CODE32_START, (uint32_t)load);
	kspan->lo = load;
	kspan->hi = load + bz->init_size;
	*entry = load + 0x200; /* startup_64 */
	return 0;
}

/* The setup header of a bzImage-less Linux boot (see the file comment). */
static void put_minimal_header(uint8_t *zp)
{
	vmb_put_le16(zp + HDR_BOOT_FLAG, 0xaa55);
	vmb_put_le32(zp + HDR_HEADER, HDR_MAGIC);
	zp[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
	vmb_put_le32(zp + HDR_CMDLINE_SIZE, VMB_X86_CMDLINE_MAX - 1);
}

static int load_raw(struct vmb_board *b, const uint8_t *img, size_t len,
		    const char *path, struct span *kspan, uint64_t *entry,
		    struct vmb_err *err)
{
	const struct vmb_boot_spec *bs = &b->spec->boot;
	uint64_t load = bs->has_kernel_addr ? bs->kernel_addr : VMB_X86_HIGH_START;
	uint8_t *dst = vmb_board_gpa_ptr(b, load, len ? len : 1);

	if (!dst)
		return vmb_errf(err, bs->has_kernel_addr ? &bs->kernel_loc : NULL,
				"raw image '%s' (%zu bytes) does not fit in RAM at "
				"0x%llx", path, len, (unsigned long long)load);
	memcpy(dst, img, len);
	kspan->lo = load;
	kspan->hi = load + len;
	*entry = bs->has_entry ? bs->entry : load;
	return 0;
}

static int place_initrd(struct vmb_board *b, uint64_t size, uint64_t max,
			const struct span *kspan, uint64_t *addr, struct vmb_err *err)
{
	const struct vmb_boot_spec *bs = &b->spec->boot;
	const struct vmb_region *ram[b->nmem + 1];
	unsigned n = sorted_ram(b, ram);
	struct span s;

	if (bs->has_initrd_addr) {
		s.lo = bs->initrd_addr;
		s.hi = s.lo + size;
		if (!ram_ptr(b, s.lo, size))
			return vmb_errf(err, &bs->initrd_loc, "initrd '%s' (%llu bytes) "
					"does not fit in RAM at 0x%llx", bs->initrd,
					(unsigned long long)size,
					(unsigned long long)s.lo);
		if (overlaps(&s, kspan) || s.lo < VMB_X86_HIGH_START)
			return vmb_errf(err, &bs->initrd_loc, "initrd '%s' at "
					"[0x%llx-0x%llx) overlaps the kernel "
					"[0x%llx-0x%llx) or the boot area below 1 MiB",
					bs->initrd, (unsigned long long)s.lo,
					(unsigned long long)s.hi,
					(unsigned long long)kspan->lo,
					(unsigned long long)kspan->hi);
		if (s.hi - 1 > max)
			return vmb_errf(err, &bs->initrd_loc, "initrd '%s' at 0x%llx "
					"ends above the kernel's initrd_addr_max 0x%llx",
					bs->initrd, (unsigned long long)s.lo,
					(unsigned long long)max);
		*addr = s.lo;
		return 0;
	}
	for (unsigned i = n; i-- > 0;) {
		uint64_t lo = ram[i]->gpa < VMB_X86_HIGH_START ? VMB_X86_HIGH_START :
								 ram[i]->gpa;
		uint64_t hi = ram[i]->gpa + ram[i]->size;

		if (hi > max + 1)
			hi = max + 1;
		for (int try = 0; try < 2; try++) {
			if (hi < lo || hi - lo < size)
				break;
			s.hi = hi;
			s.lo = (hi - size) & ~(SZ_4K - 1);
			if (s.lo < lo)
				break;
			s.hi = s.lo + size;
			if (!overlaps(&s, kspan)) {
				*addr = s.lo;
				return 0;
			}
			hi = kspan->lo; /* try again just below the kernel */
		}
	}
	return vmb_errf(err, &bs->initrd_loc, "no room in RAM below 0x%llx for "
			"initrd '%s' (%llu bytes) beside the kernel [0x%llx-0x%llx)",
			(unsigned long long)max + 1, bs->initrd,
			(unsigned long long)size, (unsigned long long)kspan->lo,
			(unsigned long long)kspan->hi);
}

/* boot.cmdline plus the virtio-mmio announcements; malloc'd. */
static char *build_cmdline(const struct vmb_board *b)
{
	const char *base = b->spec->boot.cmdline ? b->spec->boot.cmdline : "";
	size_t cap = strlen(base) + 1, len;
	char *s;

	for (unsigned i = 0; i < b->ndev; i++)
		cap += 64;
	s = vmb_zalloc(cap);
	strcpy(s, base);
	len = strlen(s);
	for (unsigned i = 0; i < b->ndev; i++) {
		const struct vmb_device *d = b->dev[i], *owner;
		uint64_t at, size;

		/* every transport once: the slots, and devices with their own
		 * base (a device in a slot is announced by its slot) */
		if (vmb_virtio_mmio_where(d, &at, &size, &owner) || owner != d ||
		    !d->spec->nirq)
			continue;
		len += (size_t)snprintf(s + len, cap - len,
					"%svirtio_mmio.device=%llu@0x%llx:%u",
					len ? " " : "", (unsigned long long)size,
					(unsigned long long)at, d->spec->irq[0]);
	}
	return s;
}

/* Flat GDT and the 4 GiB identity map. */
static int write_cpu_tables(struct vmb_board *b, struct vmb_err *err)
{
	uint8_t *gdt = low_ptr(b, VMB_X86_GDT, VMB_X86_GDT_ENTRIES * 8, "GDT", err);
	uint8_t *pml4 = low_ptr(b, VMB_X86_PML4, 6 * SZ_4K, "page tables", err);

	if (!gdt || !pml4)
		return -1;
	memset(gdt, 0, VMB_X86_GDT_ENTRIES * 8);
	vmb_put_le64(gdt + VMB_X86_BOOT_CS, VMB_X86_GDT_CODE64);
	vmb_put_le64(gdt + VMB_X86_BOOT_DS, VMB_X86_GDT_DATA);
	memset(pml4, 0, 6 * SZ_4K);
	/* present | writable; PD entries add PS (2 MiB page) */
	vmb_put_le64(pml4, VMB_X86_PDPT | 0x3);
	for (uint64_t i = 0; i < 4; i++) {
		uint8_t *pd = pml4 + (VMB_X86_PD - VMB_X86_PML4) + i * SZ_4K;

		vmb_put_le64(pml4 + (VMB_X86_PDPT - VMB_X86_PML4) + i * 8,
		      (VMB_X86_PD + i * SZ_4K) | 0x3);
		for (uint64_t j = 0; j < 512; j++)
			vmb_put_le64(pd + j * 8, ((i * 512 + j) * SZ_2M) | 0x83);
	}
	return 0;
}

static int write_mptable(struct vmb_board *b, struct vmb_err *err)
{
	size_t size = vmb_mptable_size(b);
	uint64_t gpa = VMB_X86_BASE_MEM_END - size;
	uint8_t *p = low_ptr(b, gpa, size, "MP tables", err);

	if (!p || gpa < VMB_X86_CMDLINE + VMB_X86_CMDLINE_MAX)
		return p ? vmb_errf(err, NULL, "%u vCPUs: the MP table is too big",
				    b->ncpus) : -1;
	return vmb_mptable_build(b, gpa, p, size, err) ? 0 : -1;
}

int vmb_boot_prepare_x86_64(struct vmb_board *b, struct vmb_boot_state *st,
			    struct vmb_err *err)
{
	const struct vmb_boot_spec *bs = &b->spec->boot;
	struct vmb_e820_entry e820[BP_E820_MAX];
	struct vmb_bzimage bz;
	struct span kspan = { 0, 0 };
	uint64_t entry = 0, initrd_max = DEFAULT_INITRD_MAX, cmdline_max;
	uint8_t *img = NULL, *zp, *cl;
	size_t len = 0;
	bool is_bz = false;
	char *cmdline = NULL;
	int ne, rc = -1;

	memset(st, 0, sizeof(*st));
	if (bs->firmware)
		return vmb_errf(err, &bs->firmware_loc, "x86_64 boards boot "
				"boot.kernel directly in 64-bit mode; firmware (16-bit "
				"BIOS code) is not supported");
	if (!bs->kernel)
		return vmb_errf(err, &b->spec->boot.loc, "nothing to boot: set "
				"boot.kernel (--kernel) to a bzImage, ELF or raw image");
	zp = low_ptr(b, VMB_X86_ZERO_PAGE, BP_SIZE, "zero page", err);
	if (!zp || write_cpu_tables(b, err))
		return -1;
	memset(zp, 0, BP_SIZE);
	img = vmb_file_read(bs->kernel, NULL, &len, err);
	if (!img)
		return -1;

	if (vmb_bzimage_is_bzimage(img, len)) {
		is_bz = true;
		if (load_bzimage(b, img, len, bs->kernel, zp, &bz, &kspan, &entry, err))
			goto out;
		initrd_max = bz.initrd_addr_max ? bz.initrd_addr_max : 0x37ffffff;
	} else if (vmb_elf_is_elf(img, len)) {
		struct vmb_elf_info info;

		if (vmb_elf_load(b, img, len, bs->kernel, VMB_EM_X86_64, &info, err))
			goto out;
		kspan.lo = info.lo;
		kspan.hi = info.hi;
		entry = bs->has_entry ? bs->entry : info.entry;
	} else if (load_raw(b, img, len, bs->kernel, &kspan, &entry, err)) {
		goto out;
	}
	if (!is_bz)
		put_minimal_header(zp);
	if (entry >= SZ_4G) {
		vmb_errf(err, NULL, "entry point 0x%llx of '%s' is above 4 GiB, outside "
			 "the boot identity map", (unsigned long long)entry, bs->kernel);
		goto out;
	}
	if (kspan.lo < VMB_X86_HIGH_START && kspan.hi > VMB_X86_GDT) {
		vmb_errf(err, NULL, "'%s' at [0x%llx-0x%llx) overlaps the boot area "
			 "below 1 MiB (zero page, page tables, command line, MP "
			 "tables)", bs->kernel, (unsigned long long)kspan.lo,
			 (unsigned long long)kspan.hi);
		goto out;
	}

	if (bs->initrd) {
		struct stat sti;
		uint64_t addr = 0;

		if (stat(bs->initrd, &sti)) {
			vmb_errf(err, &bs->initrd_loc, "cannot open '%s': %s",
				 bs->initrd, strerror(errno));
			goto out;
		}
		if (place_initrd(b, (uint64_t)sti.st_size, initrd_max, &kspan, &addr,
				 err) ||
		    vmb_board_load_file(b, bs->initrd, addr, err) < 0)
			goto out;
		vmb_put_le32(zp + HDR_RAMDISK_IMAGE, (uint32_t)addr);
		vmb_put_le32(zp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(addr >> 32));
		vmb_put_le32(zp + HDR_RAMDISK_SIZE, (uint32_t)sti.st_size);
		vmb_put_le32(zp + BP_EXT_RAMDISK_SIZE,
			     (uint32_t)((uint64_t)sti.st_size >> 32));
	}

	cmdline = build_cmdline(b);
	cmdline_max = is_bz && bz.cmdline_size ? bz.cmdline_size :
						 VMB_X86_CMDLINE_MAX - 1;
	if (cmdline_max > VMB_X86_CMDLINE_MAX - 1)
		cmdline_max = VMB_X86_CMDLINE_MAX - 1;
	if (strlen(cmdline) > cmdline_max) {
		vmb_errf(err, NULL, "the kernel command line is %zu bytes (with the "
			 "virtio_mmio.device= entries); '%s' accepts %llu",
			 strlen(cmdline), bs->kernel, (unsigned long long)cmdline_max);
		goto out;
	}
	cl = low_ptr(b, VMB_X86_CMDLINE, strlen(cmdline) + 1, "command line", err);
	if (!cl)
		goto out;
	memcpy(cl, cmdline, strlen(cmdline) + 1);
	vmb_put_le32(zp + HDR_CMD_LINE_PTR, (uint32_t)VMB_X86_CMDLINE);

	ne = vmb_e820_build(b, e820, BP_E820_MAX, err);
	if (ne < 0)
		goto out;
	zp[BP_E820_ENTRIES] = (uint8_t)ne;
	for (int i = 0; i < ne; i++) {
		uint8_t *e = zp + BP_E820_TABLE + i * BP_E820_ENTRY_SIZE;

		vmb_put_le64(e, e820[i].addr);
		vmb_put_le64(e + 8, e820[i].size);
		vmb_put_le32(e + 16, e820[i].type);
	}
	if (write_mptable(b, err))
		goto out;

	st->pc = entry;
	st->rsi = VMB_X86_ZERO_PAGE;
	st->cr3 = VMB_X86_PML4;
	st->gdt = VMB_X86_GDT;
	st->sp = VMB_X86_STACK_TOP;
	st->x86_long_mode = true;
	rc = 0;
out:
	free(cmdline);
	free(img);
	return rc;
}
