/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues, device side (VIRTIO 1.2 §2.7), independent of the
 * transport (virtio-mmio now, virtio-pci later) and of the device.
 *
 *   descriptor table  16 bytes x num, 16-byte aligned      (§2.7.5)
 *   available ring    flags, idx, ring[num], used_event;   2-byte aligned (§2.7.6)
 *   used ring         flags, idx, {id, len}[num], avail_event; 4-byte aligned (§2.7.8)
 *
 * A device pops descriptor chains (vmb_vq_pop), works on the buffers as
 * host iovecs, returns them (vmb_vq_push) and asks whether the driver wants
 * an interrupt (vmb_vq_need_interrupt). All guest memory is reached through
 * the guest memory API (board/gmem.h); every guest-supplied address, length
 * and index is checked before use, and each descriptor is read from guest
 * memory exactly once, so a driver rewriting the ring concurrently cannot
 * make the device use a value it did not check.
 *
 * A malformed ring or chain - rings outside RAM or misaligned, an available
 * index more than num ahead, a head or next index >= num, a chain longer
 * than the queue size (which is also how loops are caught: a loop never
 * ends, so it exceeds the bound), a buffer not inside one RAM region, a
 * device-readable buffer after a device-writable one (§2.7.4.2), an
 * indirect descriptor without VIRTIO_RING_F_INDIRECT_DESC, with NEXT set,
 * inside an indirect table, or with a length 0 or not a multiple of 16
 * (§2.7.5.3.1) - makes the queue "broken": vmb_vq_pop returns -1, vq->error
 * says why, and the queue does nothing until it is set up again. The
 * transport then sets DEVICE_NEEDS_RESET (§2.1.2), as QEMU does.
 * Zero-length buffers are accepted and skipped (they move no data, so their
 * address is not looked at); they still count towards the chain length.
 *
 * A queue is used by one thread at a time (the device's lock or its I/O
 * thread); the guest is the other party, ordered by the barriers §2.7.7,
 * §2.7.10 and §2.7.13 require (noted where they are).
 */
#ifndef VMB_VIRTIO_VIRTQUEUE_H
#define VMB_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "board/gmem.h"

/* Feature bits of the ring layer (§6). */
#define VMB_VIRTIO_F_INDIRECT_DESC	(1ull << 28)
#define VMB_VIRTIO_F_EVENT_IDX		(1ull << 29)
#define VMB_VIRTIO_F_VERSION_1		(1ull << 32)

/* Descriptor flags (§2.7.5) and ring flags (§2.7.7, §2.7.10). */
#define VMB_VRING_DESC_F_NEXT		1
#define VMB_VRING_DESC_F_WRITE		2
#define VMB_VRING_DESC_F_INDIRECT	4
#define VMB_VRING_AVAIL_F_NO_INTERRUPT	1
#define VMB_VRING_USED_F_NO_NOTIFY	1

/* Largest split queue (§2.7: Queue Size is at most 32768). */
#define VMB_VQ_MAX_SIZE 32768

/* Ring sizes in bytes for a queue of num entries, event-idx fields included. */
#define VMB_VQ_DESC_SIZE(num)	((uint64_t)(num) * 16)
#define VMB_VQ_AVAIL_SIZE(num)	(6 + (uint64_t)(num) * 2)
#define VMB_VQ_USED_SIZE(num)	(6 + (uint64_t)(num) * 8)

struct vmb_vq {
	const struct vmb_gmem *mem;
	uint16_t num;                /* queue size, a power of 2 */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool indirect;               /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool event_idx;              /* VIRTIO_RING_F_EVENT_IDX negotiated */

	/* Checked host views of the three areas (valid while enabled). */
	uint8_t *desc;
	uint8_t *avail;
	uint8_t *used;

	bool enabled;
	bool broken;                 /* see above; error holds the reason */
	bool no_notify;              /* device asked for no notifications */
	uint16_t last_avail;         /* next available-ring entry to pop */
	uint16_t used_idx;           /* our copy of used->idx */
	uint16_t signalled_used;     /* used_idx at the last interrupt */
	bool signalled_valid;        /* signalled_used meaningful (event idx) */
	char error[160];
};

/* One popped chain: its head index and the buffers as host iovecs,
 * device-readable ones first (iov[0..nout)) then device-writable ones
 * (iov[nout..nout+nin)), zero-length buffers left out. */
struct vmb_vq_elem {
	uint16_t head;
	unsigned nout, nin;
	uint64_t out_len, in_len;    /* bytes in each part */
	struct iovec *iov;           /* caller's array */
	unsigned cap;                /* its size; >= num always suffices */
};

/*
 * Set a queue up from the transport's registers (QueueNum, the three
 * GPAs) and the negotiated features. Returns 0, or -1 with vq->error set
 * (num 0 / not a power of 2 / > 32768, an area misaligned or not inside
 * one RAM region); the queue is then broken.
 */
int vmb_vq_enable(struct vmb_vq *vq, const struct vmb_gmem *mem, unsigned num,
		  uint64_t desc, uint64_t avail, uint64_t used, uint64_t features);

/* Forget everything (device reset, queue reset). */
void vmb_vq_reset(struct vmb_vq *vq);

/*
 * Take the next available chain into *e (e->iov, e->cap set by the
 * caller). Returns 1 with *e filled, 0 if the ring is empty (or the queue
 * not enabled), -1 if the queue is broken (vq->error says why).
 */
int vmb_vq_pop(struct vmb_vq *vq, struct vmb_vq_elem *e);

/* Give chain head back with len bytes written into its device-writable
 * buffers (§2.7.8). A no-op on a broken or disabled queue. */
void vmb_vq_push(struct vmb_vq *vq, uint16_t head, uint32_t len);

/* The same in two steps, for a device that returns several chains for
 * one request (virtio-net's mergeable receive buffers, §5.1.6.3.2): fill
 * used element used_idx + i, then publish n filled elements at once, so
 * the driver never sees part of them. */
void vmb_vq_fill(struct vmb_vq *vq, unsigned i, uint16_t head, uint32_t len);
void vmb_vq_flush(struct vmb_vq *vq, unsigned n);

/*
 * Give the last n popped chains back unused (a device that ran out of
 * buffers part-way through a request; they are popped again later). Call
 * it right after a pop that returned 0: with event idx it asks to be
 * notified when the driver adds the next buffer. Returns true if buffers
 * arrived meanwhile (the caller retries instead of waiting).
 */
bool vmb_vq_unpop(struct vmb_vq *vq, unsigned n);

/*
 * After one or more pushes: does the driver want an interrupt
 * (VIRTQ_AVAIL_F_NO_INTERRUPT, or used_event with EVENT_IDX, §2.7.10)?
 * A true answer is remembered as "signalled".
 */
bool vmb_vq_need_interrupt(struct vmb_vq *vq);

/*
 * Notification suppression (§2.7.7, §2.7.10): while a device is draining a
 * queue it turns notifications off; turning them back on returns true if
 * buffers arrived in between (the caller pops again), so no notification
 * is lost.
 */
void vmb_vq_disable_notify(struct vmb_vq *vq);
bool vmb_vq_enable_notify(struct vmb_vq *vq);

/* Copy between an element's buffers and host memory, starting skip bytes
 * into the readable (out) or writable (in) part. Return bytes copied. */
size_t vmb_vq_read_out(const struct vmb_vq_elem *e, size_t skip, void *dst, size_t len);
size_t vmb_vq_write_in(const struct vmb_vq_elem *e, size_t skip, const void *src,
		       size_t len);

#endif
