/* SPDX-License-Identifier: MIT */
/*
 * Guest memory API: the one way devices reach guest RAM (virtqueues, DMA,
 * fw_cfg DMA). Nothing else turns a guest-physical address (GPA) into a
 * host pointer for a device.
 *
 * A struct vmb_gmem is a small table of RAM ranges (GPA, size, host
 * backing). A GPA range [gpa, gpa + len) is valid only if it lies entirely
 * within ONE range: a buffer straddling two RAM regions, or touching ROM,
 * MMIO or a hole, is an error, which the device turns into its documented
 * behaviour (virtio: VIRTIO_BLK_S_IOERR or DEVICE_NEEDS_RESET; fw_cfg: the
 * DMA error bit). len + gpa overflowing 2^64 is an error. A zero-length
 * range is valid anywhere inside a range or exactly at its end (so a
 * zero-length buffer at the last byte of RAM is accepted); its pointer must
 * not be dereferenced.
 *
 * The board builds its table from its RAM regions (board->gmem); tests and
 * fuzzers build one around a malloc'd buffer with vmb_gmem_add.
 *
 * Dirty tracking (snapshots, migration) hooks in at dirty_fn: every write
 * helper and every pointer obtained for writing reports the range written.
 *
 * Thread safety: the table is built before vCPUs start and read-only after,
 * so lookups take no lock. The memory itself is shared with the guest:
 * devices order their accesses with the barriers their spec asks for.
 */
#ifndef VMB_BOARD_GMEM_H
#define VMB_BOARD_GMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMB_GMEM_MAX_RANGES 16

struct vmb_gmem_range {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

/* Called with every GPA range a device writes (or may write through a
 * pointer obtained with write = true). */
typedef void (*vmb_gmem_dirty_fn)(void *opaque, uint64_t gpa, uint64_t len);

struct vmb_gmem {
	struct vmb_gmem_range r[VMB_GMEM_MAX_RANGES];
	unsigned n;
	vmb_gmem_dirty_fn dirty_fn; /* NULL: no tracking */
	void *dirty_opaque;
};

/* Add a RAM range; -1 if the table is full, size is 0, gpa + size wraps,
 * or it overlaps a range already added. */
int vmb_gmem_add(struct vmb_gmem *m, uint64_t gpa, uint64_t size, uint8_t *host);

/* The range holding [gpa, gpa + len) entirely, or NULL. */
const struct vmb_gmem_range *vmb_gmem_find(const struct vmb_gmem *m, uint64_t gpa,
					   uint64_t len);

/* Host pointer for [gpa, gpa + len), or NULL if the range is not inside
 * one RAM range. write = true reports the range to the dirty hook. */
void *vmb_gmem_ptr(const struct vmb_gmem *m, uint64_t gpa, uint64_t len, bool write);

/* Copies between guest and host memory, and within guest memory
 * (memmove semantics). 0, or -1 (nothing copied) if a range is invalid. */
int vmb_gmem_read(const struct vmb_gmem *m, uint64_t gpa, void *dst, size_t len);
int vmb_gmem_write(const struct vmb_gmem *m, uint64_t gpa, const void *src, size_t len);
int vmb_gmem_copy(const struct vmb_gmem *m, uint64_t dst_gpa, uint64_t src_gpa,
		  uint64_t len);
int vmb_gmem_fill(const struct vmb_gmem *m, uint64_t gpa, int byte, uint64_t len);

/* Report a write done through a pointer taken with write = false (rare:
 * prefer write = true). */
void vmb_gmem_mark_dirty(const struct vmb_gmem *m, uint64_t gpa, uint64_t len);

#endif
