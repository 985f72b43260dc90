/* SPDX-License-Identifier: MIT */
/*
 * Write-back of device memory to a file on the event loop.
 *
 * A device whose contents live in host memory and persist to a file (CFI
 * flash banks) marks the byte ranges it changed, under its device lock;
 * the board's event loop then copies those ranges out under the same lock
 * (memcpy only) and writes them to the file outside it, followed by
 * fdatasync(2) when a marked range asked for it. So no vCPU thread waits
 * for the disk, and no vCPU waits on the device lock while the disk works.
 *
 * Up to VMB_WB_RANGES separate ranges are kept; more are merged into their
 * common extent. A failed write or sync is reported once with vmb_warn and
 * passed to the device's error callback (under its lock) so it can show it
 * in a status register. vmb_writeback_flush() waits until everything
 * marked so far is on disk (device destroy, tests).
 */
#ifndef VMB_BOARD_WRITEBACK_H
#define VMB_BOARD_WRITEBACK_H

#include <stdbool.h>
#include <stdint.h>

struct vmb_device;
struct vmb_writeback;

/* Called under the device lock after a write or sync failed. */
typedef void (*vmb_writeback_err_fn)(void *opaque);

/* Mirror mem (size bytes) into fd from dev's event loop. name is used in
 * messages ("flash 'flash0' bank 1 'path'"). */
struct vmb_writeback *vmb_writeback_new(struct vmb_device *dev, int fd,
					const uint8_t *mem, uint64_t size,
					const char *name, vmb_writeback_err_fn err_fn,
					void *opaque);
/* [off, off+len) changed; sync: make it durable (fdatasync) too. Call
 * with the device lock held. */
void vmb_writeback_mark(struct vmb_writeback *wb, uint64_t off, uint64_t len,
			bool sync);
/* Wait until every range marked so far is written (and synced if asked).
 * Not with the device lock held. */
void vmb_writeback_flush(struct vmb_writeback *wb);
/* Flush, then free. NULL is fine. */
void vmb_writeback_free(struct vmb_writeback *wb);

#endif
