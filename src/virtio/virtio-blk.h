/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk request handling (VIRTIO 1.2 §5.2.6), apart from the device
 * (devices/virtio-blk.c) so unit tests and the fuzzer drive it directly.
 */
#ifndef VMB_VIRTIO_VIRTIO_BLK_H
#define VMB_VIRTIO_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/virtqueue.h"

struct vmb_bdev;

#define VMB_VIRTIO_BLK_T_IN		0
#define VMB_VIRTIO_BLK_T_OUT		1
#define VMB_VIRTIO_BLK_T_FLUSH		4
#define VMB_VIRTIO_BLK_T_GET_ID		8
#define VMB_VIRTIO_BLK_T_DISCARD	11
#define VMB_VIRTIO_BLK_T_WRITE_ZEROES	13
#define VMB_VIRTIO_BLK_S_OK		0
#define VMB_VIRTIO_BLK_S_IOERR		1
#define VMB_VIRTIO_BLK_S_UNSUPP		2
#define VMB_VIRTIO_BLK_WZ_UNMAP		1
#define VMB_VIRTIO_BLK_ID_BYTES		20

/* A parsed request. */
struct vmb_virtio_blk_req {
	uint32_t type;
	uint64_t sector;
	uint32_t flags;          /* discard / write-zeroes segment flags */
	uint64_t len;            /* bytes to transfer / discard / zero */
	bool valid;              /* false: answer with status as is */
	uint8_t status;          /* set by parse when !valid */
	uint8_t *status_byte;    /* NULL: the chain has no writable byte */
	const struct iovec *in;  /* writable data iovecs (status cut off) */
	unsigned nin;
	uint64_t in_len;         /* writable bytes before the status byte */
	size_t out_skip;         /* header bytes before readable data */
	uint64_t out_len;        /* readable bytes after the header */
	uint32_t written;        /* data bytes written into the chain */
};

/* Parse chain e for a disk of capacity sectors. Returns 0; r->status_byte
 * NULL means the request cannot be answered (caller: NEEDS_RESET);
 * !r->valid means answer r->status without I/O (short header, bad
 * length, beyond capacity: IOERR; unknown type: UNSUPP). */
int vmb_virtio_blk_parse(const struct vmb_vq_elem *e, uint64_t capacity,
			 struct vmb_virtio_blk_req *r);

/* Do the I/O on bd, write the status byte; returns the used length
 * (bytes written into the chain, status included). scratch: cap iovecs. */
uint32_t vmb_virtio_blk_execute(struct vmb_bdev *bd, const char *serial,
				const struct vmb_vq_elem *e, struct vmb_virtio_blk_req *r,
				struct iovec *scratch, unsigned cap);

#endif
