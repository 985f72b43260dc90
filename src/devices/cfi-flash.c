/* SPDX-License-Identifier: MIT */
/*
 * CFI parallel NOR flash with the Intel/Sharp command set, as QEMU 7.2's
 * hw/block/pflash_cfi01.c models it for -M virt: each bank is a separate
 * device built from bank-width / device-width chips side by side (virt: a
 * 4-byte bank of two x16 chips), ID 0x89 (Intel) / 0x18, and the CFI query
 * table QEMU fills (JEDEC JESD68 CFI; Intel AP-646 "Common Flash Interface
 * and Command Sets"; Intel 3 Volt StrataFlash 290667 for the commands).
 *
 * Addressing, as QEMU: ID and CFI reads use the offset divided by the bank
 * width, a response is one chip's value repeated in every chip's lane of
 * the bank word, and reads wider than the bank combine consecutive bank
 * words. Accesses of 8 bytes are handled as two 4-byte ones (QEMU's memory
 * core splits them the same way). Any offset and width is accepted.
 *
 * Commands (low byte of the written value; at the first cycle):
 *   0xFF, 0xF0, 0x00  read array (romd mode: reads served from memory)
 *   0x70 read status, 0x90 read ID (offset 0: 0x89, 1: 0x18, else 0, so
 *        every block reads as unlocked), 0x98 CFI query (left only by 0xFF)
 *   0x50 clear status (error bits), back to read array
 *   0x10/0x40 word program: the next write is the data
 *   0x20/0x28 + 0xD0 block erase (the bank's block of block-size bytes)
 *   0x60 + 0x01/0xD0 block lock/unlock: accepted, locks are not kept
 *   0xE8 write to buffer: count (N-1, chip-width bits), N data writes,
 *        0xD0 confirm. Data go to a staging buffer covering the write
 *        buffer window (bank width x 2 KiB, aligned) that holds the first
 *        data address, and reach the array at the confirm.
 *   anything else at the first cycle: read array (QEMU does the same)
 * Status register: 0x80 (ready) always set, as operations complete at
 * once; 0x10 program error (data outside the buffer window, or a read-only
 * backing file), 0x20 erase error (read-only file), 0x30 command sequence
 * error (a second cycle that is neither the expected confirm nor 0xFF);
 * after an error the bank stays in read-status mode until 0x50/0xFF.
 * Status reads return the status in every chip's lane of the access.
 *
 * Differences from QEMU 7.2, all towards the datasheet: erase happens at
 * the 0xD0 confirm (QEMU erases at 0x20); the write-to-buffer window comes
 * from the first data address (QEMU 7.2 uses the address of the count
 * write, so U-Boot's third 2 KiB chunk of "saveenv" failed with "Flash
 * buffer write timeout"); bad sequences report 0x30 instead of silently
 * returning to read array; clear status keeps bit 7 (QEMU clears it).
 * Program writes overwrite (QEMU too), they do not AND with old data.
 *
 * Backing files ("files", one per bank or null): created filled with 0xFF
 * when missing, must be exactly the bank size, locked (flock) against a
 * second vmb. Changed bytes are written back from the board's event loop
 * (board/writeback.h), never on the vCPU thread: programs with pwrite,
 * erases and buffer confirms followed by fdatasync, and everything is on
 * disk when vmb exits, so "saveenv" survives vmb restarts. A write-back
 * failure is printed and shows as a program error (status 0x10) at the
 * next status read.
 * A read-only file makes a read-only bank. Banks without a file start
 * erased (0xFF) and forget their contents when vmb exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/board.h"
#include "board/regdump.h"
#include "config/node.h"
#include "fdt/fdt.h"
#include "board/writeback.h"
#include "util/bytes.h"
#include "util/file.h"

#define ST_READY	0x80
#define ST_ERASE_ERR	0x20
#define ST_PROG_ERR	0x10
#define ST_ERRORS	0x3a /* ECLBS | PSLBS | VPENS | DPS */

#define CMD_READ_ARRAY	0x00 /* QEMU's internal code for read array */
#define CMD_STATUS	0x70
#define CFI_TABLE_LEN	0x52

#define ID_MANUFACTURER	0x89 /* Intel */
#define ID_DEVICE	0x18

struct flash;

struct bank {
	struct flash *fl;
	unsigned idx;
	uint64_t gpa;
	uint8_t *mem;          /* bank contents (romd backing) */
	int fd;                /* backing file, or -1 */
	bool ro;
	bool dirty;            /* programmed since the last fdatasync */
	struct vmb_writeback *wb; /* file write-back, NULL without a file */
	char *path;
	const struct vmb_loc *loc;
	struct vmb_region *region;

	uint8_t cmd;           /* command being served; 0 = read array */
	uint8_t wcycle;        /* bus cycle within the command */
	uint8_t status;
	uint32_t counter;      /* write to buffer: data writes left - 1 */
	bool buf_active;
	uint64_t buf_base;
	uint8_t *buf;          /* staging for write to buffer */
};

struct flash {
	struct vmb_device *dev;
	unsigned nbanks;
	uint64_t bank_size;
	unsigned bank_width, device_width, shift; /* shift = log2(bank_width) */
	uint64_t block_size;       /* erase block of the bank (all chips) */
	uint32_t writeblock_size;  /* write buffer of the bank (all chips) */
	uint8_t cfi[CFI_TABLE_LEN];
	struct bank *bank;
};

static unsigned ctz64(uint64_t v)
{
	return v ? (unsigned)__builtin_ctzll(v) : 64;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* The CFI query table of one chip, as pflash_cfi01_fill_cfi_table(). */
static void fill_cfi_table(struct flash *fl)
{
	unsigned ndev = fl->bank_width / fl->device_width;
	uint64_t blocks = fl->bank_size / fl->block_size;
	uint64_t chip_block = fl->block_size / ndev;
	uint8_t *t = fl->cfi;

	memset(t, 0, CFI_TABLE_LEN);
	t[0x10] = 'Q';
	t[0x11] = 'R';
	t[0x12] = 'Y';
	t[0x13] = 0x01; /* primary command set: Intel/Sharp extended */
	t[0x15] = 0x31; /* primary extended table at 0x31 */
	t[0x1b] = 0x45; /* Vcc min 4.5 V */
	t[0x1c] = 0x55; /* Vcc max 5.5 V */
	t[0x1f] = 0x07; /* typical word program 2^7 us */
	t[0x20] = 0x07; /* typical buffer write 2^7 us */
	t[0x21] = 0x0a; /* typical block erase 2^10 ms */
	t[0x23] = 0x04; /* maximum = typical x 2^4, for each */
	t[0x24] = 0x04;
	t[0x25] = 0x04;
	t[0x27] = (uint8_t)ctz64(chip_block * blocks); /* chip size 2^n */
	t[0x28] = 0x02; /* x8/x16 interface */
	t[0x2a] = fl->bank_width == 1 ? 0x08 : 0x0b; /* write buffer 2^n bytes */
	t[0x2c] = 0x01; /* one erase block region */
	t[0x2d] = (uint8_t)(blocks - 1);
	t[0x2e] = (uint8_t)((blocks - 1) >> 8);
	t[0x2f] = (uint8_t)(chip_block >> 8);
	t[0x30] = (uint8_t)(chip_block >> 16);
	t[0x31] = 'P';
	t[0x32] = 'R';
	t[0x33] = 'I';
	t[0x34] = '1';
	t[0x35] = '0';
	t[0x3f] = 0x01; /* one protection field */
	fl->writeblock_size = (1u << t[0x2a]) * ndev;
}

/* One chip's response in every chip lane of a bank word. */
static uint32_t replicate(const struct flash *fl, uint32_t resp)
{
	unsigned dw = fl->device_width;

	for (unsigned i = dw; i < fl->bank_width; i += dw)
		resp |= (resp & (uint32_t)((1ull << (8 * dw)) - 1)) << (8 * i);
	return resp;
}

static uint32_t devid_query(const struct flash *fl, uint64_t off)
{
	switch ((off >> fl->shift) & 0xff) {
	case 0:
		return replicate(fl, ID_MANUFACTURER);
	case 1:
		return replicate(fl, ID_DEVICE);
	default:
		return 0; /* block lock status and the rest: unlocked, zero */
	}
}

static uint32_t cfi_query(const struct flash *fl, uint64_t off)
{
	uint64_t boff = off >> fl->shift;

	return boff < CFI_TABLE_LEN ? replicate(fl, fl->cfi[boff]) : 0;
}

/* A read of w <= 4 bytes at off (off + w <= bank size). */
static uint32_t bank_read(struct bank *b, uint64_t off, unsigned w)
{
	const struct flash *fl = b->fl;
	uint32_t v = 0;

	switch (b->cmd) {
	case CMD_READ_ARRAY:
		return vmb_get_le(b->mem + off, w);
	case 0x10: case 0x20: case 0x28: case 0x40: case 0x50: case 0x60:
	case CMD_STATUS: case 0xe8:
		for (unsigned s = 0; s < w * 8; s += fl->device_width * 8)
			v |= (uint32_t)b->status << s;
		break;
	case 0x90:
		for (unsigned i = 0; i < w; i += fl->bank_width)
			v |= devid_query(fl, off + i) << (8 * i);
		break;
	case 0x98:
		for (unsigned i = 0; i < w; i += fl->bank_width)
			v |= cfi_query(fl, off + i) << (8 * i);
		break;
	default: /* cannot happen: treat as read array, as QEMU */
		b->cmd = CMD_READ_ARRAY;
		b->wcycle = 0;
		return vmb_get_le(b->mem + off, w);
	}
	return w < 4 ? v & ((1u << (w * 8)) - 1) : v;
}

static void file_error(struct bank *b, const char *what)
{
	vmb_warn("flash '%s' bank %u: cannot %s '%s': %s", b->fl->dev->name, b->idx,
		 what, b->path, strerror(errno));
}

/* Queue [off, off+len) of the bank for its file (event loop). */
static bool persist(struct bank *b, uint64_t off, uint64_t len, bool sync)
{
	if (!b->wb)
		return true;
	if (!sync)
		b->dirty = true;
	vmb_writeback_mark(b->wb, off, len, sync);
	return true;
}

/* Write-back failed (device lock held): the next status read shows it. */
static void writeback_failed(void *opaque)
{
	struct bank *b = opaque;

	b->status |= ST_PROG_ERR;
}

static void read_array(struct bank *b)
{
	b->cmd = CMD_READ_ARRAY;
	b->wcycle = 0;
	b->buf_active = false;
}

/* An invalid second cycle (Intel: "improper command sequence"). */
static void sequence_error(struct bank *b)
{
	b->status |= ST_ERASE_ERR | ST_PROG_ERR;
	b->cmd = CMD_STATUS;
	b->wcycle = 0;
	b->buf_active = false;
}

static void program(struct bank *b, uint64_t off, uint32_t val, unsigned w)
{
	if (b->ro) {
		b->status |= ST_PROG_ERR;
		return;
	}
	vmb_put_le(b->mem + off, w, val);
	if (!persist(b, off, w, false))
		b->status |= ST_PROG_ERR;
}

static void erase(struct bank *b, uint64_t off)
{
	uint64_t bs = b->fl->block_size, start = off & ~(bs - 1);

	if (b->ro) {
		b->status |= ST_ERASE_ERR;
		return;
	}
	memset(b->mem + start, 0xff, bs);
	if (!persist(b, start, bs, true))
		b->status |= ST_ERASE_ERR;
}

static void buffer_data(struct bank *b, uint64_t off, uint32_t val, unsigned w)
{
	uint32_t wbs = b->fl->writeblock_size;

	if (!b->buf_active) {
		b->buf_base = off & ~(uint64_t)(wbs - 1);
		memcpy(b->buf, b->mem + b->buf_base, wbs);
		b->buf_active = true;
	}
	if (off < b->buf_base || off + w > b->buf_base + wbs)
		b->status |= ST_PROG_ERR;
	else
		vmb_put_le(b->buf + (off - b->buf_base), w, val);
	if (b->counter)
		b->counter--;
	else
		b->wcycle = 3;
}

static void buffer_confirm(struct bank *b, uint8_t cmd)
{
	uint32_t wbs = b->fl->writeblock_size;

	if (cmd != 0xd0) {
		sequence_error(b);
		return;
	}
	b->wcycle = 0;
	if (b->ro)
		b->status |= ST_PROG_ERR;
	if (b->buf_active && !(b->status & ST_PROG_ERR)) {
		memcpy(b->mem + b->buf_base, b->buf, wbs);
		if (!persist(b, b->buf_base, wbs, true))
			b->status |= ST_PROG_ERR;
	}
	b->buf_active = false;
}

static void first_cycle(struct bank *b, uint8_t cmd)
{
	switch (cmd) {
	case 0x00: case 0xf0: case 0xff:
		read_array(b);
		return;
	case 0x10: case 0x40: case 0x20: case 0x28: case 0x60: case 0x98:
		b->cmd = cmd;
		b->wcycle = 1;
		return;
	case 0xe8:
		b->cmd = cmd;
		b->wcycle = 1;
		b->buf_active = false;
		return;
	case 0x50:
		b->status &= (uint8_t)~ST_ERRORS;
		read_array(b);
		return;
	case CMD_STATUS: case 0x90:
		b->cmd = cmd;
		return;
	default:
		read_array(b);
		return;
	}
}

static void second_cycle(struct bank *b, uint64_t off, uint32_t val, unsigned w)
{
	uint8_t cmd = (uint8_t)val;

	switch (b->cmd) {
	case 0x10: case 0x40:
		program(b, off, val, w);
		b->wcycle = 0;
		return;
	case 0x20: case 0x28:
		if (cmd == 0xd0) {
			erase(b, off);
			b->wcycle = 0;
		} else if (cmd == 0xff) {
			read_array(b);
		} else {
			sequence_error(b);
		}
		return;
	case 0x60:
		if (cmd == 0x01 || cmd == 0xd0)
			b->wcycle = 0; /* lock / unlock: nothing is kept */
		else if (cmd == 0xff)
			read_array(b);
		else
			sequence_error(b);
		return;
	case 0x98:
		if (cmd == 0xff)
			read_array(b);
		return; /* QEMU stays in query mode for anything else */
	case 0xe8:
		/* The count is written to each chip: take one chip's lane. */
		b->counter = val & (uint32_t)((1ull << (8 * b->fl->device_width)) - 1);
		b->wcycle = 2;
		return;
	default:
		read_array(b);
		return;
	}
}

static void bank_write(struct bank *b, uint64_t off, uint32_t val, unsigned w)
{
	switch (b->wcycle) {
	case 0:
		first_cycle(b, (uint8_t)val);
		break;
	case 1:
		second_cycle(b, off, val, w);
		break;
	case 2:
		buffer_data(b, off, val, w);
		break;
	default:
		buffer_confirm(b, (uint8_t)val);
		break;
	}
	vmb_region_set_romd(b->fl->dev->board, b->region,
			    b->cmd == CMD_READ_ARRAY && b->wcycle == 0);
}

static uint64_t flash_read(void *opaque, uint64_t off, unsigned size)
{
	struct bank *b = opaque;

	if (size == 8)
		return bank_read(b, off, 4) | (uint64_t)bank_read(b, off + 4, 4) << 32;
	return bank_read(b, off, size);
}

static void flash_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct bank *b = opaque;

	if (size == 8) {
		bank_write(b, off, (uint32_t)val, 4);
		bank_write(b, off + 4, (uint32_t)(val >> 32), 4);
		return;
	}
	bank_write(b, off, (uint32_t)val, size);
}

/* A flash bank has no registers: name what an access means in the
 * command state it meets (see the top of the file), for traces. */
static bool flash_reg_name(void *opaque, uint64_t off, bool write, char *buf,
			   size_t len)
{
	const struct bank *b = opaque;
	const char *what;

	if (!write) {
		what = b->cmd == CMD_READ_ARRAY ? "array" :
		       b->cmd == 0x90 ? "read-id" :
		       b->cmd == 0x98 ? "cfi-query" : "status";
	} else if (b->wcycle == 0) {
		what = "command";
	} else if (b->wcycle == 1) {
		what = b->cmd == 0x10 || b->cmd == 0x40 ? "program-data" :
		       b->cmd == 0xe8 ? "buffer-count" :
		       b->cmd == 0x98 ? "command" : "confirm";
	} else {
		what = b->wcycle == 2 ? "buffer-data" : "buffer-confirm";
	}
	snprintf(buf, len, "bank%u.%s", b->idx, what);
	return true;
}

static const struct vmb_io_ops flash_ops = {
	.read = flash_read,
	.write = flash_write,
	.reg_name = flash_reg_name,
};

/*
 * Erased flash reads as 0xFF everywhere. Instead of writing every page of a
 * bank (128 MiB of RSS for virt's two banks), one 2 MiB chunk of 0xFF in a
 * memfd is mapped copy-on-write over the whole range: reads, including the
 * backend's direct romd reads, share the chunk's pages, and only the pages
 * the guest programs or erases (or a firmware image fills) become private.
 */
#define ERASED_CHUNK (2ull << 20)

static uint8_t *map_erased(uint64_t size)
{
	static const uint8_t ones[1 << 16] = { [0 ... (1 << 16) - 1] = 0xff };
	uint8_t *p;
	int fd;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	fd = size % ERASED_CHUNK ? -1 : memfd_create("vmb-flash-erased", MFD_CLOEXEC);
	for (uint64_t off = 0; fd >= 0 && off < ERASED_CHUNK; off += sizeof(ones))
		if (pwrite(fd, ones, sizeof(ones), (off_t)off) != sizeof(ones)) {
			close(fd);
			fd = -1;
		}
	if (fd < 0) { /* odd size or no memfd: plain fill */
		memset(p, 0xff, size);
		return p;
	}
	for (uint64_t off = 0; off < size; off += ERASED_CHUNK)
		if (mmap(p + off, ERASED_CHUNK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED)
			memset(p + off, 0xff, ERASED_CHUNK);
	close(fd); /* the mappings keep the memfd alive */
	return p;
}

static int create_file(struct bank *b, uint64_t size, struct vmb_err *err)
{
	static uint8_t ones[1 << 16];
	uint64_t done = 0;
	const char *why;

	b->fd = vmb_file_open_regular(b->path, O_RDWR | O_CREAT | O_EXCL, NULL, &why);
	if (b->fd < 0)
		return vmb_errf(err, b->loc, "flash bank %u: cannot create backing "
				"file '%s': %s", b->idx, b->path, why);
	memset(ones, 0xff, sizeof(ones));
	while (done < size) {
		size_t n = size - done < sizeof(ones) ? (size_t)(size - done) : sizeof(ones);
		ssize_t w = write(b->fd, ones, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;

			unlink(b->path);
			return vmb_errf(err, b->loc, "flash bank %u: cannot fill new "
					"backing file '%s': %s", b->idx, b->path,
					strerror(w < 0 ? e : ENOSPC));
		}
		done += (uint64_t)w;
	}
	if (fdatasync(b->fd))
		return vmb_errf(err, b->loc, "flash bank %u: cannot sync '%s': %s",
				b->idx, b->path, strerror(errno));
	return 0;
}

static int open_file(struct bank *b, struct vmb_err *err)
{
	const struct flash *fl = b->fl;
	const char *why;
	uint64_t fsize;
	char sz[32], bsz[32];

	b->fd = vmb_file_open_regular(b->path, O_RDWR, &fsize, &why);
	if (b->fd < 0 && errno == ENOENT) {
		if (create_file(b, fl->bank_size, err))
			return -1;
		fsize = fl->bank_size;
	} else if (b->fd < 0 && (errno == EACCES || errno == EROFS)) {
		b->fd = vmb_file_open_regular(b->path, O_RDONLY, &fsize, &why);
		b->ro = true;
	}
	if (b->fd < 0)
		return vmb_errf(err, b->loc, "flash bank %u: cannot open backing file "
				"'%s': %s", b->idx, b->path, why);
	if (fsize != fl->bank_size) {
		vmb_format_size(fl->bank_size, bsz, sizeof(bsz));
		vmb_format_size(fsize, sz, sizeof(sz));
		return vmb_errf(err, b->loc, "flash bank %u: backing file '%s' is %s "
				"(%llu bytes), but a bank is %s (%llu bytes: size / banks); "
				"resize it (truncate -s %s) or delete it to start erased",
				b->idx, b->path, sz, (unsigned long long)fsize, bsz,
				(unsigned long long)fl->bank_size, bsz);
	}
	if (flock(b->fd, (b->ro ? LOCK_SH : LOCK_EX) | LOCK_NB))
		return vmb_errf(err, b->loc, "flash bank %u: backing file '%s' is in "
				"use by another process", b->idx, b->path);
	/* A private mapping reads the file lazily; writes reach the file
	 * only through persist(), so a guest-loaded firmware image never does. */
	b->mem = mmap(NULL, fl->bank_size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		      b->fd, 0);
	if (b->mem == MAP_FAILED) {
		b->mem = NULL;
		return vmb_errf(err, b->loc, "flash bank %u: cannot map '%s': %s",
				b->idx, b->path, strerror(errno));
	}
	return 0;
}

/* Validate geometry; messages point at the property at fault. */
static int check_geometry(struct flash *fl, struct vmb_err *err)
{
	struct vmb_device *dev = fl->dev;
	uint64_t banks = vmb_dev_prop_u64(dev, "banks");
	uint64_t bw = vmb_dev_prop_u64(dev, "bank-width");
	uint64_t dw = vmb_dev_prop_u64(dev, "device-width");
	uint64_t bs = vmb_dev_prop_u64(dev, "block-size");
	const char *n = dev->name;

	if (banks < 1 || banks > 64 || dev->size % banks)
		return vmb_errf(err, vmb_dev_prop_loc(dev, "banks"), "cfi-flash '%s': "
				"banks must be 1..64 and divide the size (0x%llx)", n,
				(unsigned long long)dev->size);
	if (bw != 1 && bw != 2 && bw != 4)
		return vmb_errf(err, vmb_dev_prop_loc(dev, "bank-width"), "cfi-flash "
				"'%s': bank-width must be 1, 2 or 4 (bytes)", n);
	if ((dw != 1 && dw != 2 && dw != 4) || dw > bw)
		return vmb_errf(err, vmb_dev_prop_loc(dev, "device-width"), "cfi-flash "
				"'%s': device-width must be 1, 2 or 4 and at most "
				"bank-width (%llu)", n, (unsigned long long)bw);
	fl->nbanks = (unsigned)banks;
	fl->bank_size = dev->size / banks;
	fl->bank_width = (unsigned)bw;
	fl->device_width = (unsigned)dw;
	fl->shift = ctz64(bw);
	fl->block_size = bs;
	if (!is_pow2(fl->bank_size) || fl->bank_size < 4096)
		return vmb_errf(err, &dev->spec->loc, "cfi-flash '%s': a bank (size / "
				"banks = 0x%llx) must be a power of two of at least 4 KiB",
				n, (unsigned long long)fl->bank_size);
	if (!is_pow2(bs) || bs > fl->bank_size || bs / (bw / dw) < 256 ||
	    bs / (bw / dw) > (0xffffull << 8) || fl->bank_size / bs > 65536)
		return vmb_errf(err, vmb_dev_prop_loc(dev, "block-size"), "cfi-flash "
				"'%s': block-size must be a power of two, at most the bank "
				"size, at least 256 bytes per chip and give at most 65536 "
				"blocks a bank", n);
	return 0;
}

/* Per-bank backing file names from "files" (a list of paths or nulls). */
static int bank_files(struct flash *fl, struct vmb_err *err)
{
	struct vmb_device *dev = fl->dev;
	const struct vmb_node *files = vmb_dev_prop_node(dev, "files");

	if (!files)
		return 0;
	if (files->n != fl->nbanks)
		return vmb_errf(err, &files->loc, "cfi-flash '%s': 'files' has %zu "
				"entr%s, expected one per bank (%u; null for none)",
				dev->name, files->n, files->n == 1 ? "y" : "ies",
				fl->nbanks);
	for (unsigned i = 0; i < fl->nbanks; i++) {
		const struct vmb_node *it = files->items[i];

		fl->bank[i].loc = &it->loc;
		if (vmb_node_is_null(it))
			continue;
		if (it->kind != VMB_NODE_SCALAR || !it->scalar[0])
			return vmb_errf(err, &it->loc, "cfi-flash '%s': files[%u] must "
					"be a file name or null", dev->name, i);
		fl->bank[i].path = vmb_node_path(it);
	}
	return 0;
}

static int flash_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct flash *fl = vmb_zalloc(sizeof(*fl));

	dev->priv = fl;
	fl->dev = dev;
	if (check_geometry(fl, err))
		return -1;
	fill_cfi_table(fl);
	fl->bank = vmb_zalloc(fl->nbanks * sizeof(*fl->bank));
	for (unsigned i = 0; i < fl->nbanks; i++) {
		struct bank *b = &fl->bank[i];

		b->fl = fl;
		b->idx = i;
		b->fd = -1;
		b->gpa = dev->base + i * fl->bank_size;
		b->loc = &dev->spec->loc;
		b->buf = vmb_zalloc(fl->writeblock_size);
	}
	if (bank_files(fl, err))
		return -1;
	for (unsigned i = 0; i < fl->nbanks; i++) {
		struct bank *b = &fl->bank[i];
		char name[32];

		if (b->path) {
			if (open_file(b, err))
				return -1;
		} else if (!(b->mem = map_erased(fl->bank_size))) {
			return vmb_errf(err, &dev->spec->loc, "cfi-flash '%s': cannot "
					"allocate bank %u: %s", dev->name, i,
					strerror(errno));
		}
		if (b->fd >= 0) {
			char what[256];

			snprintf(what, sizeof(what), "flash '%s' bank %u '%s'",
				 dev->name, i, b->path);
			b->wb = vmb_writeback_new(dev, b->fd, b->mem, fl->bank_size,
						  what, writeback_failed, b);
		}
		snprintf(name, sizeof(name), "bank%u", i);
		b->region = vmb_board_map_mmio(dev->board, dev, name, b->gpa,
					       fl->bank_size, &flash_ops, b, b->mem, err);
		if (!b->region)
			return -1;
		b->region->romd = true;
	}
	return 0;
}

static void flash_reset(struct vmb_device *dev)
{
	struct flash *fl = dev->priv;

	for (unsigned i = 0; i < fl->nbanks; i++) {
		struct bank *b = &fl->bank[i];

		read_array(b);
		b->status = ST_READY;
		vmb_region_set_romd(dev->board, b->region, true);
	}
}

static int flash_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	struct flash *fl = dev->priv;
	uint64_t *reg = vmb_zalloc(2 * fl->nbanks * sizeof(*reg));
	int node, rc = -1;

	for (unsigned i = 0; i < fl->nbanks; i++) {
		reg[2 * i] = fl->bank[i].gpa;
		reg[2 * i + 1] = fl->bank_size;
	}
	node = vmb_fdt_add_node(f, 0, "flash", dev->base, err);
	if (node >= 0 &&
	    !vmb_fdt_prop_str(f, node, "compatible", "cfi-flash", err) &&
	    !vmb_fdt_prop_reg(f, node, reg, fl->nbanks, err) &&
	    !vmb_fdt_prop_u32(f, node, "bank-width", fl->bank_width, err))
		rc = 0;
	free(reg);
	return rc;
}

static void flash_destroy(struct vmb_device *dev)
{
	struct flash *fl = dev->priv;

	if (!fl)
		return;
	for (unsigned i = 0; fl->bank && i < fl->nbanks; i++) {
		struct bank *b = &fl->bank[i];

		vmb_writeback_free(b->wb); /* everything marked reaches the file */
		if (b->mem)
			munmap(b->mem, fl->bank_size);
		if (b->fd >= 0) {
			if (b->dirty && fdatasync(b->fd))
				file_error(b, "sync");
			close(b->fd);
		}
		free(b->buf);
		free(b->path);
	}
	free(fl->bank);
	free(fl);
	dev->priv = NULL;
}

/* Dump, per bank: the command state (what a read returns now) and the
 * status register (Intel 3 Volt StrataFlash 290667, "Status Register
 * Definition": SR.7 write state machine ready ... SR.1 device protect). */
static const struct vmb_regfield status_fields[] = {
	VMB_BIT(7, "WSMS"), VMB_BIT(6, "ESS"), VMB_BIT(5, "ECLBS"),
	VMB_BIT(4, "PSLBS"), VMB_BIT(3, "VPENS"), VMB_BIT(2, "PSS"),
	VMB_BIT(1, "DPS"), { NULL },
};

static const char *mode_name(const struct bank *b)
{
	switch (b->cmd) {
	case CMD_READ_ARRAY:	return "read-array";
	case CMD_STATUS:	return "read-status";
	case 0x90:		return "read-id";
	case 0x98:		return "cfi-query";
	case 0x10: case 0x40:	return "word-program (status reads)";
	case 0x20: case 0x28:	return "block-erase setup (status reads)";
	case 0x60:		return "lock setup (status reads)";
	case 0xe8:		return "write-to-buffer (status reads)";
	default:		return "status reads";
	}
}

static void flash_dump(struct vmb_device *dev, FILE *out)
{
	const struct flash *fl = dev->priv;

	vmb_regdump_text(out, "geometry", "%u bank(s) of 0x%llx bytes, %u-byte "
			 "bank of x%u chips, 0x%llx-byte blocks, %u-byte write "
			 "buffer", fl->nbanks, (unsigned long long)fl->bank_size,
			 fl->bank_width, 8 * fl->device_width,
			 (unsigned long long)fl->block_size, fl->writeblock_size);
	for (unsigned i = 0; i < fl->nbanks; i++) {
		const struct bank *b = &fl->bank[i];
		char name[32];

		vmb_regdump_text(out, "bank", "%u at 0x%llx: %s%s%s", i,
				 (unsigned long long)b->gpa,
				 b->path ? b->path : "no file", b->ro ? ", read-only" : "",
				 b->cmd == CMD_READ_ARRAY && !b->wcycle ?
				 ", reads served from memory (romd)" : "");
		snprintf(name, sizeof(name), "bank%u mode", i);
		vmb_regdump_text(out, name, "%s, command 0x%02x, bus cycle %u",
				 mode_name(b), b->cmd, b->wcycle);
		snprintf(name, sizeof(name), "bank%u status", i);
		vmb_regdump(out, name, 8, b->status, status_fields);
		if (b->cmd == 0xe8 && b->buf_active) {
			snprintf(name, sizeof(name), "bank%u buffer", i);
			vmb_regdump_text(out, name, "window 0x%llx, %u data "
					 "writes left", (unsigned long long)b->buf_base,
					 b->wcycle == 2 ? b->counter + 1 : 0);
		}
	}
}

static const struct vmb_prop_desc flash_props[] = {
	{ "banks", VMB_PROP_U64, "1",
	  "number of banks (separate flash devices); bank size = size / banks", NULL },
	{ "bank-width", VMB_PROP_U64, "4", "bytes per bank access (1, 2 or 4)", NULL },
	{ "device-width", VMB_PROP_U64, "2",
	  "bytes per chip (1, 2 or 4); bank-width / device-width chips a bank", NULL },
	{ "block-size", VMB_PROP_SIZE, "256K",
	  "erase block of a bank, all chips together (QEMU virt: 256K)", NULL },
	{ "files", VMB_PROP_LIST, NULL,
	  "backing file per bank, or null (created erased if missing)", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const char *const flash_files[] = { "files", NULL };

static const struct vmb_device_type flash_type = {
	.name = "cfi-flash",
	.path_lists = flash_files,
	.writes = flash_files,
	.summary = "CFI NOR flash, Intel command set (QEMU pflash_cfi01): "
		   "ID 0x89/0x18, buffered writes, optional backing files",
	.props = flash_props,
	.needs_base = true,
	.default_size = 0,
	.min_irqs = 0,
	.max_irqs = 0,
	.create = flash_create,
	.reset = flash_reset,
	.fdt_node = flash_fdt,
	.destroy = flash_destroy,
	.dump = flash_dump,
};

VMB_DEVICE_TYPE(flash_type)
