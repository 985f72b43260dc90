/* SPDX-License-Identifier: MIT */
/*
 * ELF64 loader (System V gABI, "ELF Header" and "Program Loading"). See elf.h.
 */
#include <string.h>

#include "arch/elf.h"
#include "util/bytes.h"

#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define PT_LOAD 1
#define ET_EXEC 2
#define ET_DYN 3

struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

bool vmb_elf_is_elf(const uint8_t *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, "\177ELF", 4);
}

static void read_phdr(const uint8_t *p, struct phdr *ph)
{
	ph->type = (uint32_t)vmb_get_le(p, 4);
	ph->offset = vmb_get_le(p + 0x08, 8);
	ph->vaddr = vmb_get_le(p + 0x10, 8);
	ph->paddr = vmb_get_le(p + 0x18, 8);
	ph->filesz = vmb_get_le(p + 0x20, 8);
	ph->memsz = vmb_get_le(p + 0x28, 8);
}

/* Explain why [gpa, gpa+len) has no host memory behind it. */
static int segment_error(struct vmb_board *b, const char *name, unsigned idx,
			 const struct phdr *ph, struct vmb_err *err)
{
	struct vmb_region *r = vmb_addrmap_find(&b->map, ph->paddr), *below, *above;
	unsigned long long lo = ph->paddr, hi = ph->paddr + ph->memsz;

	if (r && r->host)
		return vmb_errf(err, NULL, "'%s': segment %u [0x%llx-0x%llx) runs "
				"past the end of '%s' at 0x%llx", name, idx, lo, hi,
				r->name, (unsigned long long)(r->gpa + r->size));
	if (r)
		return vmb_errf(err, NULL, "'%s': segment %u [0x%llx-0x%llx) falls "
				"on device registers '%s', not memory", name, idx,
				lo, hi, r->name);
	vmb_addrmap_neighbours(&b->map, ph->paddr, &below, &above);
	vmb_errf(err, NULL, "'%s': segment %u [0x%llx-0x%llx) is not in RAM or "
		 "ROM (is the file linked for this board's memory map?)", name,
		 idx, lo, hi);
	if (below)
		vmb_err_append(err, "below it: '%s' ends at 0x%llx", below->name,
			       (unsigned long long)(below->gpa + below->size));
	if (above)
		vmb_err_append(err, "above it: '%s' starts at 0x%llx", above->name,
			       (unsigned long long)above->gpa);
	return -1;
}

static int check_header(const uint8_t *buf, size_t len, const char *name,
			uint16_t machine, struct vmb_err *err)
{
	uint64_t phoff, phnum, phentsize;
	uint16_t type, em;

	if (!vmb_elf_is_elf(buf, len))
		return vmb_errf(err, NULL, "'%s': not an ELF file", name);
	if (len < EHDR_SIZE)
		return vmb_errf(err, NULL, "'%s': truncated ELF header (%zu bytes)",
				name, len);
	if (buf[4] != 2)
		return vmb_errf(err, NULL, "'%s': only 64-bit ELF files can be "
				"loaded (EI_CLASS %u)", name, buf[4]);
	if (buf[5] != 1)
		return vmb_errf(err, NULL, "'%s': only little-endian ELF files can "
				"be loaded (EI_DATA %u)", name, buf[5]);
	type = (uint16_t)vmb_get_le(buf + 0x10, 2);
	em = (uint16_t)vmb_get_le(buf + 0x12, 2);
	if (type != ET_EXEC && type != ET_DYN)
		return vmb_errf(err, NULL, "'%s': ELF type %u is not an executable "
				"(relocatable objects must be linked first)", name, type);
	if (em != machine)
		return vmb_errf(err, NULL, "'%s': ELF machine %u does not match "
				"this board's architecture (expected %u)", name, em,
				machine);
	phoff = vmb_get_le(buf + 0x20, 8);
	phentsize = vmb_get_le(buf + 0x36, 2);
	phnum = vmb_get_le(buf + 0x38, 2);
	if (phnum == 0xffff)
		return vmb_errf(err, NULL, "'%s': extended program header numbering "
				"is not supported", name);
	if (phnum && phentsize < PHDR_SIZE)
		return vmb_errf(err, NULL, "'%s': bad ELF program header size %llu",
				name, (unsigned long long)phentsize);
	if (phoff > len || phnum * phentsize > len - phoff)
		return vmb_errf(err, NULL, "'%s': ELF program headers lie beyond "
				"the end of the file", name);
	return 0;
}

int vmb_elf_load(struct vmb_board *b, const uint8_t *buf, size_t len,
		 const char *name, uint16_t machine, struct vmb_elf_info *info,
		 struct vmb_err *err)
{
	uint64_t phoff, phentsize, phnum, entry;
	bool entry_found = false, entry_phys = false;
	struct phdr ph;

	if (check_header(buf, len, name, machine, err))
		return -1;
	entry = vmb_get_le(buf + 0x18, 8);
	phoff = vmb_get_le(buf + 0x20, 8);
	phentsize = vmb_get_le(buf + 0x36, 2);
	phnum = vmb_get_le(buf + 0x38, 2);
	memset(info, 0, sizeof(*info));
	info->lo = UINT64_MAX;

	/* Validate everything before copying anything, so a bad file leaves
	 * guest memory as it was. */
	for (unsigned i = 0; i < phnum; i++) {
		read_phdr(buf + phoff + i * phentsize, &ph);
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		if (ph.filesz > ph.memsz)
			return vmb_errf(err, NULL, "'%s': segment %u has p_filesz "
					"0x%llx > p_memsz 0x%llx", name, i,
					(unsigned long long)ph.filesz,
					(unsigned long long)ph.memsz);
		if (ph.offset > len || ph.filesz > len - ph.offset)
			return vmb_errf(err, NULL, "'%s': segment %u lies beyond the "
					"end of the file (truncated?)", name, i);
		if (ph.paddr + ph.memsz < ph.paddr ||
		    !vmb_board_gpa_ptr(b, ph.paddr, ph.memsz))
			return segment_error(b, name, i, &ph, err);
		if (!entry_found && entry - ph.vaddr < ph.memsz) {
			info->entry = ph.paddr + (entry - ph.vaddr);
			entry_found = true;
		}
		/* Linux's vmlinux gives e_entry as a physical address (its
		 * startup_64) while its segments are linked at virtual ones. */
		if (entry - ph.paddr < ph.memsz)
			entry_phys = true;
		info->nload++;
	}
	if (!info->nload)
		return vmb_errf(err, NULL, "'%s': ELF file has no loadable segment",
				name);
	if (!entry_found && entry_phys) {
		info->entry = entry;
		entry_found = true;
	}
	if (!entry_found)
		return vmb_errf(err, NULL, "'%s': entry point 0x%llx is outside "
				"every loadable segment", name,
				(unsigned long long)entry);

	for (unsigned i = 0; i < phnum; i++) {
		uint8_t *dst;

		read_phdr(buf + phoff + i * phentsize, &ph);
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		dst = vmb_board_gpa_ptr(b, ph.paddr, ph.memsz);
		memcpy(dst, buf + ph.offset, ph.filesz);
		memset(dst + ph.filesz, 0, ph.memsz - ph.filesz);
		if (ph.paddr < info->lo)
			info->lo = ph.paddr;
		if (ph.paddr + ph.memsz > info->hi)
			info->hi = ph.paddr + ph.memsz;
	}
	return 0;
}
