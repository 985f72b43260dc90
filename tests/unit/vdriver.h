/* SPDX-License-Identifier: MIT */
/*
 * A minimal virtio driver for device unit tests: it talks to a device on a
 * virtio-mmio transport of a test board (fixture.h) through the board's
 * MMIO dispatch, exactly as a guest would (VIRTIO 1.2 §3.1.1 initialisation,
 * §4.2.2 registers), and builds split rings (§2.7) in the board's RAM.
 * Descriptor chains can be anything, hostile ones included.
 *
 * Static functions in a header: each test binary links fixture.c only.
 */
#ifndef VMB_TESTS_VDRIVER_H
#define VMB_TESTS_VDRIVER_H

#include <stdint.h>

#include "board/gmem.h"
#include "util/bytes.h"
#include "util/loop.h"

#include "fixture.h"

#define VD_MAGIC	0x000
#define VD_DEVICE_ID	0x008
#define VD_DEV_FEAT	0x010
#define VD_DEV_FEAT_SEL	0x014
#define VD_DRV_FEAT	0x020
#define VD_DRV_FEAT_SEL	0x024
#define VD_QUEUE_SEL	0x030
#define VD_QUEUE_NUM_MAX 0x034
#define VD_QUEUE_NUM	0x038
#define VD_QUEUE_READY	0x044
#define VD_QUEUE_NOTIFY	0x050
#define VD_ISR		0x060
#define VD_ISR_ACK	0x064
#define VD_STATUS	0x070
#define VD_QUEUE_DESC	0x080
#define VD_QUEUE_AVAIL	0x090
#define VD_QUEUE_USED	0x0a0
#define VD_CONFIG	0x100

#define VD_NUM		8	/* queue size the driver picks */
#define VD_MAXQ		4
#define VD_F_WRITE	2	/* VIRTQ_DESC_F_WRITE */
#define VD_F_NEXT	1

/* One buffer of a chain: GPA, length, device-writable or not. */
struct vd_buf {
	uint64_t gpa;
	uint32_t len;
	int writable;
};

struct vdrv {
	struct tb *t;
	uint64_t base;          /* the transport's MMIO base */
	uint64_t rings;         /* GPA of the rings: 0x1000 per area */
	struct {
		uint16_t avail_idx, used_seen, next_desc;
	} q[VD_MAXQ];
};

static inline uint8_t *vd_host(struct vdrv *d, uint64_t gpa, uint64_t len)
{
	uint8_t *p = vmb_gmem_ptr(&d->t->b->gmem, gpa, len, true);

	assert_non_null(p);
	return p;
}

static inline uint64_t vd_area(struct vdrv *d, unsigned q, unsigned which)
{
	return d->rings + 0x1000 * (3 * q + which);
}

/*
 * Bring the device up as a driver would: reset, ACKNOWLEDGE, DRIVER,
 * accept VERSION_1 and the features in accept (low 32 bits), FEATURES_OK,
 * nq queues of VD_NUM entries with rings at rings.., DRIVER_OK.
 */
static inline void vd_init(struct vdrv *d, struct tb *t, uint64_t base, uint64_t rings,
			   unsigned nq, uint32_t accept)
{
	memset(d, 0, sizeof(*d));
	d->t = t;
	d->base = base;
	d->rings = rings;
	assert_int_equal(tb_rd(t, base + VD_MAGIC, 4), 0x74726976);
	tb_wr(t, base + VD_STATUS, 4, 0);
	tb_wr(t, base + VD_STATUS, 4, 1);
	tb_wr(t, base + VD_STATUS, 4, 1 | 2);
	tb_wr(t, base + VD_DEV_FEAT_SEL, 4, 0);
	accept &= (uint32_t)tb_rd(t, base + VD_DEV_FEAT, 4);
	tb_wr(t, base + VD_DRV_FEAT_SEL, 4, 0);
	tb_wr(t, base + VD_DRV_FEAT, 4, accept);
	tb_wr(t, base + VD_DRV_FEAT_SEL, 4, 1);
	tb_wr(t, base + VD_DRV_FEAT, 4, 1); /* VIRTIO_F_VERSION_1 */
	tb_wr(t, base + VD_STATUS, 4, 1 | 2 | 8);
	assert_true(tb_rd(t, base + VD_STATUS, 4) & 8);
	for (unsigned q = 0; q < nq; q++) {
		tb_wr(t, base + VD_QUEUE_SEL, 4, q);
		assert_true(tb_rd(t, base + VD_QUEUE_NUM_MAX, 4) >= VD_NUM);
		tb_wr(t, base + VD_QUEUE_NUM, 4, VD_NUM);
		memset(vd_host(d, vd_area(d, q, 0), 0x3000), 0, 0x3000);
		for (unsigned a = 0; a < 3; a++) {
			tb_wr(t, base + VD_QUEUE_DESC + 0x10 * a, 4, (uint32_t)vd_area(d, q, a));
			tb_wr(t, base + VD_QUEUE_DESC + 0x10 * a + 4, 4, vd_area(d, q, a) >> 32);
		}
		tb_wr(t, base + VD_QUEUE_READY, 4, 1);
		assert_int_equal(tb_rd(t, base + VD_QUEUE_READY, 4), 1);
	}
	tb_wr(t, base + VD_STATUS, 4, 1 | 2 | 8 | 4);
	assert_int_equal(tb_rd(t, base + VD_STATUS, 4), 1 | 2 | 8 | 4);
}

/* Post a chain of n buffers on queue q (not yet notified); returns its
 * head descriptor index. */
static inline uint16_t vd_add(struct vdrv *d, unsigned q, const struct vd_buf *b,
			      unsigned n)
{
	uint16_t head = d->q[q].next_desc % VD_NUM;
	uint8_t *avail = vd_host(d, vd_area(d, q, 1), 6 + 2 * VD_NUM);

	for (unsigned i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((head + i) % VD_NUM);
		uint8_t *desc = vd_host(d, vd_area(d, q, 0) + 16 * idx, 16);

		vmb_put_le64(desc, b[i].gpa);
		vmb_put_le32(desc + 8, b[i].len);
		vmb_put_le16(desc + 12, (b[i].writable ? VD_F_WRITE : 0) |
			     (i + 1 < n ? VD_F_NEXT : 0));
		vmb_put_le16(desc + 14, (uint16_t)((idx + 1) % VD_NUM));
	}
	d->q[q].next_desc = (uint16_t)(d->q[q].next_desc + n);
	vmb_put_le16(avail + 4 + 2 * (d->q[q].avail_idx % VD_NUM), head);
	d->q[q].avail_idx++;
	vmb_put_le16(avail + 2, d->q[q].avail_idx);
	return head;
}

/* Notify queue q. QueueNotify is an ioevent the board's event loop
 * delivers (as KVM's ioeventfd would): turn the loop until it is idle. */
static inline void vd_kick(struct vdrv *d, unsigned q)
{
	tb_wr(d->t, d->base + VD_QUEUE_NOTIFY, 4, q);
	while (vmb_loop_run_once(d->t->b->loop, 0) > 0)
		;
}

/* The next used element of queue q: 1 with *id and *len, 0 if none. */
static inline int vd_used(struct vdrv *d, unsigned q, uint32_t *id, uint32_t *len)
{
	uint8_t *used = vd_host(d, vd_area(d, q, 2), 6 + 8 * VD_NUM);
	uint8_t *e;

	if (vmb_get_le16(used + 2) == d->q[q].used_seen)
		return 0;
	e = used + 4 + 8 * (d->q[q].used_seen % VD_NUM);
	*id = vmb_get_le32(e);
	*len = vmb_get_le32(e + 4);
	d->q[q].used_seen++;
	return 1;
}

static inline uint32_t vd_status(struct vdrv *d)
{
	return (uint32_t)tb_rd(d->t, d->base + VD_STATUS, 4);
}

#endif
