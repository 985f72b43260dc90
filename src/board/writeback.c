/* SPDX-License-Identifier: MIT */
/* Write-back of device memory to a file on the event loop (writeback.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/board.h"
#include "board/writeback.h"
#include "util/loop.h"

#define VMB_WB_RANGES 8

struct range {
	uint64_t off, len;
};

struct vmb_writeback {
	struct vmb_device *dev;
	struct vmb_loop *loop;
	int fd;
	const uint8_t *mem;
	uint64_t size;
	char *name;
	vmb_writeback_err_fn err_fn;
	void *opaque;
	/* Guarded by the device lock. */
	struct range r[VMB_WB_RANGES];
	unsigned n;
	bool sync;          /* some marked range wants fdatasync */
	bool queued;        /* a flush call is on the loop */
};

struct vmb_writeback *vmb_writeback_new(struct vmb_device *dev, int fd,
					const uint8_t *mem, uint64_t size,
					const char *name, vmb_writeback_err_fn err_fn,
					void *opaque)
{
	struct vmb_writeback *wb = vmb_zalloc(sizeof(*wb));

	*wb = (struct vmb_writeback){ .dev = dev, .loop = dev->board->loop, .fd = fd,
				      .mem = mem, .size = size,
				      .name = vmb_strdup(name), .err_fn = err_fn,
				      .opaque = opaque };
	return wb;
}

static bool write_all(int fd, const uint8_t *p, uint64_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EIO;
			return false;
		}
		p += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return true;
}

/* Event loop: copy the marked ranges out under the device lock, write them
 * without it. */
static void flush(void *opaque)
{
	struct vmb_writeback *wb = opaque;
	struct range r[VMB_WB_RANGES];
	uint8_t *copy[VMB_WB_RANGES] = { 0 };
	unsigned n;
	bool sync, ok = true;
	const char *what = "write";

	vmb_dev_lock(wb->dev);
	n = wb->n;
	sync = wb->sync;
	memcpy(r, wb->r, n * sizeof(r[0]));
	for (unsigned i = 0; i < n; i++) {
		copy[i] = vmb_zalloc(r[i].len);
		memcpy(copy[i], wb->mem + r[i].off, r[i].len);
	}
	wb->n = 0;
	wb->sync = false;
	wb->queued = false;
	vmb_dev_unlock(wb->dev);

	for (unsigned i = 0; i < n; i++) {
		if (ok && !write_all(wb->fd, copy[i], r[i].len, r[i].off))
			ok = false;
		free(copy[i]);
	}
	if (ok && sync && fdatasync(wb->fd)) {
		ok = false;
		what = "sync";
	}
	if (!ok) {
		vmb_warn("%s: cannot %s: %s", wb->name, what, strerror(errno));
		vmb_dev_lock(wb->dev);
		if (wb->err_fn)
			wb->err_fn(wb->opaque);
		vmb_dev_unlock(wb->dev);
	}
}

void vmb_writeback_mark(struct vmb_writeback *wb, uint64_t off, uint64_t len,
			bool sync)
{
	if (!len || off >= wb->size || len > wb->size - off)
		return;
	wb->sync |= sync;
	for (unsigned i = 0; i < wb->n; i++) {
		struct range *p = &wb->r[i];

		/* Overlapping or adjacent: grow that range. */
		if (off <= p->off + p->len && p->off <= off + len) {
			uint64_t end = off + len > p->off + p->len ? off + len
								  : p->off + p->len;

			p->off = off < p->off ? off : p->off;
			p->len = end - p->off;
			goto queue;
		}
	}
	if (wb->n == VMB_WB_RANGES) {
		uint64_t lo = off, hi = off + len;

		for (unsigned i = 0; i < wb->n; i++) {
			lo = wb->r[i].off < lo ? wb->r[i].off : lo;
			hi = wb->r[i].off + wb->r[i].len > hi ? wb->r[i].off + wb->r[i].len : hi;
		}
		wb->n = 1;
		wb->r[0] = (struct range){ lo, hi - lo };
	} else {
		wb->r[wb->n++] = (struct range){ off, len };
	}
queue:
	if (!wb->queued) {
		wb->queued = true;
		vmb_loop_call(wb->loop, flush, wb);
	}
}

static void noop(void *opaque)
{
	(void)opaque;
}

void vmb_writeback_flush(struct vmb_writeback *wb)
{
	/* FIFO: once a call queued now has run, every earlier flush has. */
	vmb_loop_call_wait(wb->loop, noop, NULL);
}

void vmb_writeback_free(struct vmb_writeback *wb)
{
	if (!wb)
		return;
	vmb_writeback_flush(wb);
	free(wb->name);
	free(wb);
}
