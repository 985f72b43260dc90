/* SPDX-License-Identifier: MIT */
/*
 * virtio entropy device (VIRTIO 1.2 §5.4), device ID 4: the guest's
 * /dev/hwrng (Linux virtio_rng).
 *
 * One queue, requestq. Each chain's device-writable buffers are filled
 * with random bytes, at most "max-bytes" (default 4096) per request so one
 * request cannot keep the device busy for long; the chain is returned with
 * the number written. Device-readable buffers carry nothing for this
 * device (§5.4.6.1: the driver MUST NOT place them) and are skipped; a
 * chain with no device-writable buffer is returned with 0 bytes. No
 * feature bits, no configuration space (§5.4.3, §5.4.4).
 *
 * Bytes come from the board's entropy source (board/entropy.h):
 * getrandom(2), the host kernel's CSPRNG, as QEMU's default
 * rng-random/rng-builtin backends do; or, when the machine is
 * deterministic, the board's seeded ChaCha20 "devices" stream, so two runs
 * with the same seed hand the guest the same bytes in the same order.
 */
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/entropy.h"
#include "devices/virtio-mmio.h"
#include "virtio/virtio.h"

#define VIRTIO_ID_ENTROPY	4
#define QUEUE_MAX		64
#define MAX_BYTES_LIMIT		(1u << 20)

struct vrng {
	struct vmb_virtio_dev vd;
	struct vmb_board *board;
	uint32_t max_bytes;		/* per request */
	uint8_t *buf;			/* max_bytes */
	struct iovec iov[QUEUE_MAX];
};

static void vrng_queue_notify(struct vmb_virtio_dev *vd, unsigned q)
{
	struct vrng *s = vd->priv;
	struct vmb_vq_elem e = { .iov = s->iov, .cap = QUEUE_MAX };

	while (vmb_virtio_pop(vd, 0, &e) > 0) {
		size_t n = e.in_len < s->max_bytes ? (size_t)e.in_len : s->max_bytes;

		vmb_board_entropy(s->board, s->buf, n);
		vmb_virtio_push(vd, 0, e.head, (uint32_t)vmb_vq_write_in(&e, 0, s->buf, n));
	}
}

static const struct vmb_virtio_ops vrng_ops = {
	.queue_notify = vrng_queue_notify,
};

static int vrng_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct vrng *s = vmb_zalloc(sizeof(*s));
	uint64_t max = vmb_dev_prop_u64(dev, "max-bytes");

	dev->priv = s;
	if (max == 0 || max > MAX_BYTES_LIMIT)
		return vmb_errf(err, vmb_dev_prop_loc(dev, "max-bytes"), "virtio-rng "
				"'%s': max-bytes must be 1..%u, got %llu", dev->name,
				MAX_BYTES_LIMIT, (unsigned long long)max);
	s->board = dev->board;
	s->max_bytes = (uint32_t)max;
	s->buf = vmb_zalloc(s->max_bytes);
	s->vd.ops = &vrng_ops;
	s->vd.priv = s;
	s->vd.name = dev->name;
	s->vd.device_id = VIRTIO_ID_ENTROPY;
	s->vd.nqueues = 1;
	s->vd.queue_max = QUEUE_MAX;
	vmb_virtio_init(&s->vd, &dev->board->gmem);
	return vmb_virtio_mmio_place(dev, &s->vd, err);
}

/* Machine reset: the device back to power-on, as a Status write of 0. */
static void vrng_dev_reset(struct vmb_device *dev)
{
	struct vrng *s = dev->priv;

	pthread_mutex_lock(&s->vd.lock);
	vmb_virtio_reset(&s->vd);
	pthread_mutex_unlock(&s->vd.lock);
}

static void vrng_destroy(struct vmb_device *dev)
{
	struct vrng *s = dev->priv;

	if (!s)
		return;
	if (s->buf) {
		vmb_virtio_mmio_unplug(dev, &s->vd);
		vmb_virtio_fini(&s->vd);
	}
	free(s->buf);
	free(s);
}

static const struct vmb_prop_desc vrng_props[] = {
	{ "max-bytes", VMB_PROP_SIZE, "4096",
	  "most random bytes given per request (1 to 1M)", NULL },
	{ NULL },
};

static const struct vmb_device_type virtio_rng = {
	.name = "virtio-rng",
	.summary = "virtio entropy device (VIRTIO 1.2 §5.4): the guest's "
		   "/dev/hwrng, from getrandom(2) or the determinism seed",
	.props = vrng_props,
	.default_size = VMB_VIRTIO_MMIO_SIZE,
	.max_irqs = 1,
	.locks_itself = true, /* vd->lock, taken by the transport */
	.create = vrng_create,
	.reset = vrng_dev_reset,
	.fdt_node = vmb_virtio_mmio_fdt,
	.destroy = vrng_destroy,
	.dump = vmb_virtio_mmio_dump,
};
VMB_DEVICE_TYPE(virtio_rng);
