/* SPDX-License-Identifier: MIT */
/*
 * QEMU firmware configuration device, MMIO flavour (QEMU docs/specs/
 * fw_cfg.rst; register layout of hw/nvram/fw_cfg.c fw_cfg_init_mem_wide as
 * -M virt uses it). 0x18 bytes of registers:
 *   +0x00 data (8 bytes): a read of 1, 2, 4 or 8 bytes returns the next
 *         bytes of the selected item in memory order ("string preserving":
 *         a little-endian load sees the first byte in bits 7:0), zero past
 *         the end; writes are ignored
 *   +0x08 selector (16-bit, big-endian; other widths ignored, reads 0):
 *         selects an item and rewinds to its start
 *   +0x10 DMA address (64-bit big-endian; a 4-byte write at +0x10 sets the
 *         high half, one at +0x14 the low half and starts the transfer; an
 *         8-byte write at +0x10 does both). Reads return the signature
 *         "QEMU CFG" (0x51454d5520434647 as a big-endian quantity).
 * A DMA transfer reads struct FWCfgDmaAccess {be32 control; be32 length;
 * be64 address} from guest RAM; control bits: 0x01 error, 0x02 read, 0x04
 * skip, 0x08 select (item in bits 31:16), 0x10 write. Reads copy item bytes
 * to guest RAM (zeros past the end of the item), skips advance, writes fail
 * (no item is writable). When done, control is written back as 0, or 0x01
 * if any guest address was not in RAM or a write was asked for. A
 * descriptor that is not in RAM is ignored.
 *
 * Items: 0x0000 signature "QEMU", 0x0001 ID (le32 3: traditional + DMA),
 * 0x0002 UUID (16 zero bytes), 0x0003 RAM size (le64, all RAM regions),
 * 0x0005 number of CPUs (le16), 0x000F maximum CPUs (le16), 0x0019 file
 * directory (be32 count, then {be32 size, be16 select, be16 reserved,
 * char name[56]} per file, sorted by name, selectors from 0x0020 in that
 * order), and the user files from the "files" property. Bit 14 of a key
 * (write channel) is ignored; other keys (including 0x8000+ arch-local)
 * select nothing and read as zeros.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/board.h"
#include "board/regdump.h"
#include "config/node.h"
#include "fdt/fdt.h"
#include "util/bytes.h"
#include "util/file.h"

#define FW_CFG_SIZE		0x18
#define FW_CFG_DATA		0x00
#define FW_CFG_SELECTOR		0x08
#define FW_CFG_DMA		0x10

#define FW_CFG_SIGNATURE	0x0000
#define FW_CFG_ID		0x0001
#define FW_CFG_UUID		0x0002
#define FW_CFG_RAM_SIZE		0x0003
#define FW_CFG_NB_CPUS		0x0005
#define FW_CFG_MAX_CPUS		0x000f
#define FW_CFG_FILE_DIR		0x0019
#define FW_CFG_FILE_FIRST	0x0020
#define FW_CFG_WRITE_CHANNEL	0x4000
#define FW_CFG_INVALID		0xffff

#define FW_CFG_ID_TRADITIONAL	0x01
#define FW_CFG_ID_DMA		0x02

#define DMA_CTL_ERROR		0x01
#define DMA_CTL_READ		0x02
#define DMA_CTL_SKIP		0x04
#define DMA_CTL_SELECT		0x08
#define DMA_CTL_WRITE		0x10

#define DMA_SIGNATURE		0x51454d5520434647ull /* "QEMU CFG" */
#define FILE_NAME_LEN		56

struct item {
	uint8_t *data;
	uint32_t len;
	char name[FILE_NAME_LEN]; /* files only */
};

struct fw_cfg {
	struct vmb_device *dev;
	struct item std[FW_CFG_FILE_FIRST];
	struct item *files;
	unsigned nfiles;
	uint16_t key;         /* selected item, or FW_CFG_INVALID */
	uint32_t off;         /* read position in it */
	uint64_t dma_addr;
};

static void set_item(struct item *it, const void *data, uint32_t len)
{
	free(it->data);
	it->data = vmb_zalloc(len);
	memcpy(it->data, data, len);
	it->len = len;
}

static void put_be(uint8_t *p, unsigned n, uint64_t v)
{
	for (unsigned i = n; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Byte-swap the low n bytes: registers at +8/+16 are big-endian. */
static uint64_t swap(uint64_t v, unsigned n)
{
	uint64_t r = 0;

	for (unsigned i = 0; i < n; i++, v >>= 8)
		r = r << 8 | (v & 0xff);
	return r;
}

static struct item *current(struct fw_cfg *s)
{
	if (s->key < FW_CFG_FILE_FIRST)
		return &s->std[s->key];
	if (s->key != FW_CFG_INVALID && s->key - FW_CFG_FILE_FIRST < (int)s->nfiles)
		return &s->files[s->key - FW_CFG_FILE_FIRST];
	return NULL;
}

static void select_key(struct fw_cfg *s, uint16_t key)
{
	key &= (uint16_t)~FW_CFG_WRITE_CHANNEL;
	s->off = 0;
	if ((key < FW_CFG_FILE_FIRST && s->std[key].data) ||
	    (key >= FW_CFG_FILE_FIRST && key < FW_CFG_FILE_FIRST + s->nfiles))
		s->key = key;
	else
		s->key = FW_CFG_INVALID;
}

static void dma_transfer(struct fw_cfg *s)
{
	const struct vmb_gmem *m = &s->dev->board->gmem;
	uint64_t desc = s->dma_addr;
	uint8_t d[16], st[4];
	uint32_t control, length;
	uint64_t addr;
	bool read = false, write = false;

	s->dma_addr = 0;
	if (vmb_gmem_read(m, desc, d, sizeof(d)))
		return; /* nowhere to report the error */
	control = (uint32_t)get_be(d, 4);
	length = (uint32_t)get_be(d + 4, 4);
	addr = get_be(d + 8, 8);
	if (control & DMA_CTL_SELECT)
		select_key(s, (uint16_t)(control >> 16));
	if (control & DMA_CTL_READ)
		read = true;
	else if (control & DMA_CTL_WRITE)
		write = true;
	else if (!(control & DMA_CTL_SKIP))
		length = 0;
	control = 0;
	while (length && !(control & DMA_CTL_ERROR)) {
		struct item *it = current(s);
		uint32_t len;

		if (!it || s->off >= it->len) {
			len = length;
			if (read && vmb_gmem_fill(m, addr, 0, len))
				control |= DMA_CTL_ERROR;
		} else {
			len = it->len - s->off < length ? it->len - s->off : length;
			if (read && vmb_gmem_write(m, addr, it->data + s->off, len))
				control |= DMA_CTL_ERROR;
			s->off += len;
		}
		if (write)
			control |= DMA_CTL_ERROR;
		addr += len;
		length -= len;
	}
	put_be(st, 4, control & DMA_CTL_ERROR);
	vmb_gmem_write(m, desc, st, sizeof(st));
}

static uint64_t fw_cfg_read(void *opaque, uint64_t off, unsigned size)
{
	struct fw_cfg *s = opaque;

	if (off < FW_CFG_SELECTOR) {
		struct item *it = current(s);
		uint64_t v = 0;

		for (unsigned i = 0; i < size && it && s->off < it->len; i++)
			v |= (uint64_t)it->data[s->off++] << (8 * i);
		return v;
	}
	if (off >= FW_CFG_DMA && off + size <= FW_CFG_SIZE && (size == 4 || size == 8)) {
		unsigned shift = (unsigned)(FW_CFG_SIZE - off - size) * 8;
		uint64_t part = DMA_SIGNATURE >> shift;

		if (size < 8)
			part &= (1ull << (size * 8)) - 1;
		return swap(part, size);
	}
	return 0;
}

static void fw_cfg_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct fw_cfg *s = opaque;

	if (off == FW_CFG_SELECTOR && size == 2) {
		select_key(s, (uint16_t)swap(val, 2));
	} else if (off == FW_CFG_DMA && size == 8) {
		s->dma_addr = swap(val, 8);
		dma_transfer(s);
	} else if (off == FW_CFG_DMA && size == 4) {
		s->dma_addr = swap(val, 4) << 32;
	} else if (off == FW_CFG_DMA + 4 && size == 4) {
		s->dma_addr |= swap(val, 4);
		dma_transfer(s);
	}
	/* Data register writes and anything else: ignored. */
}

/* QEMU docs/specs/fw_cfg.rst, "Selector / Data / DMA Address Register";
 * the DMA address is written as two big-endian halves ("dma+0x4"). */
static const struct vmb_reg_name fw_cfg_regs[] = {
	{ FW_CFG_DATA, 8, 0, "data" },
	{ FW_CFG_SELECTOR, 8, 0, "selector" },
	{ FW_CFG_DMA, 8, 0, "dma" },
	{ 0, 0, 0, NULL },
};

static const struct vmb_io_ops fw_cfg_ops = {
	.read = fw_cfg_read,
	.write = fw_cfg_write,
	.regs = fw_cfg_regs,
};

/* A "file:" entry's contents; fw_cfg item sizes are 32-bit. */
static int read_whole(const char *path, const struct vmb_loc *loc, uint8_t **out,
		      uint32_t *len, struct vmb_err *err)
{
	uint64_t size;
	int rc, fd = vmb_file_open(path, loc, &size, err);

	if (fd < 0)
		return -1;
	if (size > UINT32_MAX) {
		close(fd);
		return vmb_errf(err, loc, "fw-cfg file '%s' is larger than 4 GiB", path);
	}
	*out = vmb_zalloc((size_t)size);
	rc = vmb_file_read_fd(fd, path, *out, (size_t)size, loc, err);
	close(fd);
	*len = (uint32_t)size;
	return rc;
}

static int cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->name, ((const struct item *)b)->name);
}

/* "files": [{name: opt/x, file: path} | {name: opt/x, string: text}] */
static int load_files(struct fw_cfg *s, struct vmb_err *err)
{
	static const char *const keys[] = { "name", "file", "string", NULL };
	const struct vmb_node *list = vmb_dev_prop_node(s->dev, "files");
	char what[128];

	if (!list)
		return 0;
	snprintf(what, sizeof(what), "fw-cfg file entry of '%s'", s->dev->name);
	s->files = vmb_zalloc((list->n ? list->n : 1) * sizeof(*s->files));
	for (size_t i = 0; i < list->n; i++) {
		const struct vmb_node *e = list->items[i];
		struct item *it = &s->files[s->nfiles];
		const char *name = NULL, *str = NULL;
		int has_file, has_str;

		if (e->kind != VMB_NODE_MAP)
			return vmb_errf(err, &e->loc, "%s: expected a mapping with "
					"'name' and 'file' or 'string'", what);
		if (vmb_node_check_keys(e, keys, what, err) ||
		    vmb_node_get_str(e, "name", &name, err) < 0 ||
		    (has_file = vmb_node_get_str(e, "file", &str, err)) < 0 ||
		    (has_str = vmb_node_get_str(e, "string", &str, err)) < 0)
			return -1;
		if (!vmb_node_get(e, "name") || vmb_node_is_null(vmb_node_get(e, "name")))
			return vmb_errf(err, &e->loc, "%s: missing required field 'name'",
					what);
		if (!name[0] || strlen(name) >= FILE_NAME_LEN)
			return vmb_errf(err, vmb_node_key_loc(e, "name"), "%s: name '%s' "
					"must be 1 to %d characters", what, name,
					FILE_NAME_LEN - 1);
		if (has_file == has_str)
			return vmb_errf(err, &e->loc, "%s '%s': give exactly one of "
					"'file' and 'string'", what, name);
		for (unsigned j = 0; j < s->nfiles; j++)
			if (!strcmp(s->files[j].name, name))
				return vmb_errf(err, vmb_node_key_loc(e, "name"), "%s: "
						"name '%s' is used twice", what, name);
		strcpy(it->name, name);
		s->nfiles++;
		if (has_file) {
			char *path = vmb_node_path(vmb_node_get(e, "file"));
			int rc = read_whole(path, &vmb_node_get(e, "file")->loc,
					    &it->data, &it->len, err);

			free(path);
			if (rc)
				return -1;
		} else {
			vmb_node_get_str(e, "string", &str, err);
			set_item(it, str, (uint32_t)strlen(str));
		}
	}
	qsort(s->files, s->nfiles, sizeof(*s->files), cmp_item);
	return 0;
}

static void build_items(struct fw_cfg *s)
{
	const struct vmb_board *b = s->dev->board;
	uint8_t buf[16] = { 0 }, *dir;
	uint64_t ram_size = 0;
	uint32_t dirlen = 4 + 64 * s->nfiles;

	set_item(&s->std[FW_CFG_SIGNATURE], "QEMU", 4);
	vmb_put_le(buf, 4, FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA);
	set_item(&s->std[FW_CFG_ID], buf, 4);
	memset(buf, 0, sizeof(buf));
	set_item(&s->std[FW_CFG_UUID], buf, 16);
	for (unsigned i = 0; i < b->nmem; i++)
		if (b->mem[i].kind == VMB_REGION_RAM)
			ram_size += b->mem[i].size;
	vmb_put_le(buf, 8, ram_size);
	set_item(&s->std[FW_CFG_RAM_SIZE], buf, 8);
	vmb_put_le(buf, 2, b->ncpus);
	set_item(&s->std[FW_CFG_NB_CPUS], buf, 2);
	set_item(&s->std[FW_CFG_MAX_CPUS], buf, 2);

	dir = vmb_zalloc(dirlen);
	put_be(dir, 4, s->nfiles);
	for (unsigned i = 0; i < s->nfiles; i++) {
		uint8_t *e = dir + 4 + 64 * i;

		put_be(e, 4, s->files[i].len);
		put_be(e + 4, 2, FW_CFG_FILE_FIRST + i);
		memcpy(e + 8, s->files[i].name, strlen(s->files[i].name));
	}
	set_item(&s->std[FW_CFG_FILE_DIR], dir, dirlen);
	free(dir);
}

static int fw_cfg_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct fw_cfg *s = vmb_zalloc(sizeof(*s));

	dev->priv = s;
	s->dev = dev;
	s->key = FW_CFG_INVALID;
	if (dev->size < FW_CFG_SIZE)
		return vmb_errf(err, &dev->spec->loc, "fw-cfg-mmio '%s': size must be "
				"at least 0x%x", dev->name, FW_CFG_SIZE);
	if (load_files(s, err))
		return -1;
	build_items(s);
	if (!vmb_board_map_mmio(dev->board, dev, dev->name, dev->base, dev->size,
				&fw_cfg_ops, s, NULL, err))
		return -1;
	return 0;
}

static void fw_cfg_reset(struct vmb_device *dev)
{
	struct fw_cfg *s = dev->priv;

	s->key = FW_CFG_INVALID;
	s->off = 0;
	s->dma_addr = 0;
}

static int fw_cfg_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	uint64_t reg[2] = { dev->base, FW_CFG_SIZE };
	int node = vmb_fdt_add_node(f, 0, "fw-cfg", dev->base, err);

	if (node < 0 ||
	    vmb_fdt_prop_str(f, node, "compatible", "qemu,fw-cfg-mmio", err) ||
	    vmb_fdt_prop_reg(f, node, reg, 1, err) ||
	    vmb_fdt_prop_empty(f, node, "dma-coherent", err))
		return -1;
	return 0;
}

static void fw_cfg_destroy(struct vmb_device *dev)
{
	struct fw_cfg *s = dev->priv;

	if (!s)
		return;
	for (unsigned i = 0; i < FW_CFG_FILE_FIRST; i++)
		free(s->std[i].data);
	for (unsigned i = 0; i < s->nfiles; i++)
		free(s->files[i].data);
	free(s->files);
	free(s);
	dev->priv = NULL;
}

/* Dump: the selector register and the read position in the item (the
 * data register has no state of its own), the DMA address register
 * (QEMU docs/specs/fw_cfg.rst "Selector Register", "Data Register", "DMA
 * Address Register"). */
static void fw_cfg_dump(struct vmb_device *dev, FILE *out)
{
	static const char *const std_names[FW_CFG_FILE_FIRST] = {
		[FW_CFG_SIGNATURE] = "FW_CFG_SIGNATURE", [FW_CFG_ID] = "FW_CFG_ID",
		[FW_CFG_UUID] = "FW_CFG_UUID", [FW_CFG_RAM_SIZE] = "FW_CFG_RAM_SIZE",
		[FW_CFG_NB_CPUS] = "FW_CFG_NB_CPUS",
		[FW_CFG_MAX_CPUS] = "FW_CFG_MAX_CPUS",
		[FW_CFG_FILE_DIR] = "FW_CFG_FILE_DIR",
	};
	struct fw_cfg *s = dev->priv;
	const struct item *it = current(s);
	const char *what = "selects no item";

	if (s->key < FW_CFG_FILE_FIRST && std_names[s->key])
		what = std_names[s->key];
	else if (it && s->key >= FW_CFG_FILE_FIRST)
		what = it->name;
	/* an unknown key leaves 0xffff: the model keeps no other */
	vmb_regdump_text(out, "selector", "0x%04x  (%s)", s->key, what);
	if (it)
		vmb_regdump_text(out, "data offset", "%u of %u bytes", s->off,
				 it->len);
	vmb_regdump(out, "DMA address", 64, s->dma_addr, NULL);
	if (s->nfiles)
		vmb_regdump_text(out, "files", "%u (keys 0x%04x-0x%04x)", s->nfiles,
				 FW_CFG_FILE_FIRST, FW_CFG_FILE_FIRST + s->nfiles - 1);
}

static const struct vmb_prop_desc fw_cfg_props[] = {
	{ "files", VMB_PROP_LIST, NULL,
	  "user items: [{name: opt/x, file: path} or {name: opt/x, string: text}]",
	  NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const char *const fw_cfg_files[] = { "files.file", NULL };

static const struct vmb_device_type fw_cfg_type = {
	.name = "fw-cfg-mmio",
	.path_lists = fw_cfg_files,
	.summary = "QEMU fw_cfg, MMIO with DMA (QEMU docs/specs/fw_cfg.rst): "
		   "signature, CPU count, RAM size, file directory, user files",
	.props = fw_cfg_props,
	.needs_base = true,
	.default_size = FW_CFG_SIZE,
	.min_irqs = 0,
	.max_irqs = 0,
	.create = fw_cfg_create,
	.reset = fw_cfg_reset,
	.fdt_node = fw_cfg_fdt,
	.destroy = fw_cfg_destroy,
	.dump = fw_cfg_dump,
};

VMB_DEVICE_TYPE(fw_cfg_type)
