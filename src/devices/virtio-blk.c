/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk (VIRTIO 1.2 §5.2), device ID 2, on a virtio-mmio transport
 * (its own base/irq, or the next free slot of the board's array).
 *
 * Backends: raw image files and NBD exports (block/block.h).
 * Requests (§5.2.6): a 16-byte header {le32 type, le32 reserved, le64
 * sector} in the device-readable part, data, and a status byte as the
 * last byte of the device-writable part.
 *   IN (0) / OUT (1)        read / write; data a multiple of 512 bytes
 *   FLUSH (4)               fdatasync (or NBD flush)
 *   GET_ID (8)              the serial, up to 20 bytes, NUL-padded
 *   DISCARD (11)            punch a hole; flags must be 0
 *   WRITE_ZEROES (13)       zero range, or punch if the unmap flag is set
 *   anything else           VIRTIO_BLK_S_UNSUPP
 * Status IOERR for: data length not a multiple of 512, sectors beyond the
 * capacity (§5.2.6.1), writes/discards to a read-only drive, more than one
 * discard/write-zeroes segment, host I/O errors. A header shorter than 16
 * bytes with a status byte present fails with IOERR; a chain with no
 * device-writable byte for the status cannot be answered, so the device
 * sets DEVICE_NEEDS_RESET (as QEMU's virtio_error does).
 *
 * Features offered: SEG_MAX, BLK_SIZE, FLUSH, DISCARD, WRITE_ZEROES, RO
 * (read-only drives), MQ (num-queues > 1), and the ring's INDIRECT_DESC and
 * EVENT_IDX.
 *
 * Asynchronous I/O: a thread pool (util/workq.h), not io_uring. Reasons:
 * the same path serves files and libnbd, whose calls block; O_DIRECT
 * bounce buffers, fdatasync and fallocate are plain blocking calls; io_uring
 * is often disabled in containers and CI sandboxes (seccomp,
 * kernel.io_uring_disabled), where a pool always works; and there is no
 * event loop yet for io_uring completions to land on. The vCPU that writes
 * QueueNotify only pops chains and queues them; workers do the I/O, then
 * take the device lock to write the status, fill the used ring and raise
 * the interrupt. Reset waits for requests in flight to finish (drain).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "block/block.h"
#include "board/board.h"
#include "config/node.h"
#include "devices/virtio-mmio.h"
#include "util/bytes.h"
#include "util/workq.h"
#include "virtio/virtio-blk.h"
#include "virtio/virtio.h"

#define BLK_F_SEG_MAX		(1ull << 2)
#define BLK_F_RO		(1ull << 5)
#define BLK_F_BLK_SIZE		(1ull << 6)
#define BLK_F_FLUSH		(1ull << 9)
#define BLK_F_MQ		(1ull << 12)
#define BLK_F_DISCARD		(1ull << 13)
#define BLK_F_WRITE_ZEROES	(1ull << 14)

#define CONFIG_SIZE		60      /* up to write_zeroes_may_unmap + pad */

struct blk {
	struct vmb_virtio_dev vd;       /* first: dev->priv is both */
	struct vmb_bdev *bd;
	struct vmb_workq wq;
	pthread_cond_t drained;
	unsigned inflight;
	char serial[VMB_VIRTIO_BLK_ID_BYTES];
};

struct blk_req {
	struct vmb_work work;
	struct blk *blk;
	unsigned q;
	uint32_t epoch;                 /* vd.qepoch[q] when popped */
	struct vmb_vq_elem e;
	struct vmb_virtio_blk_req r;
	struct iovec iov[];
};

/* ---- the device --------------------------------------------------------- */

static void req_work(struct vmb_work *w)
{
	struct blk_req *req = (struct blk_req *)w;
	struct blk *b = req->blk;
	uint32_t used = vmb_virtio_blk_execute(b->bd, b->serial, &req->e, &req->r,
					       req->iov + req->e.cap, req->e.cap);

	pthread_mutex_lock(&b->vd.lock);
	if (req->epoch == b->vd.qepoch[req->q])
		vmb_virtio_push(&b->vd, req->q, req->e.head, used);
	if (!--b->inflight)
		pthread_cond_broadcast(&b->drained);
	pthread_mutex_unlock(&b->vd.lock);
	free(req);
}

static void blk_queue_notify(struct vmb_virtio_dev *vd, unsigned q)
{
	struct blk *b = (struct blk *)vd;
	unsigned cap = vd->qcfg[q].num;
	bool more;

	do {
		vmb_vq_disable_notify(&vd->vq[q]);
		for (;;) {
			/* iov[0..cap) the chain, iov[cap..2cap) its data part */
			struct blk_req *req = malloc(sizeof(*req) + 2 * cap * sizeof(struct iovec));
			int rc;

			if (!req)
				return;
			req->e.iov = req->iov;
			req->e.cap = cap;
			rc = vmb_virtio_pop(vd, q, &req->e);
			if (rc <= 0) {
				free(req);
				if (rc < 0)
					return;
				break;
			}
			vmb_virtio_blk_parse(&req->e, b->bd->size / 512, &req->r);
			if (!req->r.status_byte) {
				free(req);
				vmb_virtio_needs_reset(vd, "queue %u: request without a "
						       "status byte", q);
				return;
			}
			req->work.fn = req_work;
			req->blk = b;
			req->q = q;
			req->epoch = vd->qepoch[q];
			b->inflight++;
			if (!b->wq.nthreads) {
				/* inline: req_work takes the lock itself */
				pthread_mutex_unlock(&vd->lock);
				vmb_workq_submit(&b->wq, &req->work);
				pthread_mutex_lock(&vd->lock);
			} else {
				vmb_workq_submit(&b->wq, &req->work);
			}
		}
		more = vmb_vq_enable_notify(&vd->vq[q]);
	} while (more);
}

static void blk_reset(struct vmb_virtio_dev *vd)
{
	struct blk *b = (struct blk *)vd;

	while (b->inflight)
		pthread_cond_wait(&b->drained, &vd->lock);
}

static uint64_t blk_config_read(struct vmb_virtio_dev *vd, uint32_t off, unsigned size)
{
	struct blk *b = (struct blk *)vd;
	uint8_t c[CONFIG_SIZE] = { 0 };
	uint32_t max_sectors = 0x3fffff; /* per discard/zeroes request */

	vmb_put_le64(c + 0, b->bd->size / 512);            /* capacity */
	vmb_put_le32(c + 12, vd->queue_max - 2);           /* seg_max, as QEMU */
	vmb_put_le32(c + 20, 512);                         /* blk_size */
	vmb_put_le16(c + 34, (uint16_t)vd->nqueues);       /* num_queues */
	vmb_put_le32(c + 36, max_sectors);                 /* max_discard_sectors */
	vmb_put_le32(c + 40, 1);                           /* max_discard_seg */
	vmb_put_le32(c + 44, 1);                           /* discard_sector_alignment */
	vmb_put_le32(c + 48, max_sectors);                 /* max_write_zeroes_sectors */
	vmb_put_le32(c + 52, 1);                           /* max_write_zeroes_seg */
	c[56] = 1;                                         /* write_zeroes_may_unmap */
	return vmb_get_le(c + off, size);
}

/* struct virtio_blk_config (VIRTIO 1.2 §5.2.4), for dumps. */
static const struct vmb_virtio_cfg_field blk_config_fields[] = {
	{ 0, 8, "capacity" }, { 12, 4, "seg_max" }, { 20, 4, "blk_size" },
	{ 34, 2, "num_queues" }, { 36, 4, "max_discard_sectors" },
	{ 40, 4, "max_discard_seg" }, { 44, 4, "discard_sector_alignment" },
	{ 48, 4, "max_write_zeroes_sectors" }, { 52, 4, "max_write_zeroes_seg" },
	{ 56, 1, "write_zeroes_may_unmap" }, { 0, 0, NULL },
};

/* Feature bits of VIRTIO 1.2 §5.2.3, for dumps. */
static const struct vmb_regfield blk_feature_fields[] = {
	VMB_BIT(1, "SIZE_MAX"), VMB_BIT(2, "SEG_MAX"), VMB_BIT(4, "GEOMETRY"),
	VMB_BIT(5, "RO"), VMB_BIT(6, "BLK_SIZE"), VMB_BIT(9, "FLUSH"),
	VMB_BIT(10, "TOPOLOGY"), VMB_BIT(11, "CONFIG_WCE"), VMB_BIT(12, "MQ"),
	VMB_BIT(13, "DISCARD"), VMB_BIT(14, "WRITE_ZEROES"), { NULL },
};

static const struct vmb_virtio_ops blk_ops = {
	.config_fields = blk_config_fields,
	.feature_fields = blk_feature_fields,
	.reset = blk_reset,
	.config_read = blk_config_read,
	.queue_notify = blk_queue_notify,
};

static const char *const cache_modes[] = { "writeback", "none", NULL };
static const char *const formats[] = { "raw", NULL };

static int blk_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct blk *b = vmb_zalloc(sizeof(*b));
	const struct vmb_node *fn = vmb_dev_prop_node(dev, "file");
	const char *file = vmb_dev_prop_str(dev, "file");
	const char *serial = vmb_dev_prop_str(dev, "serial");
	uint64_t nq = vmb_dev_prop_u64(dev, "num-queues");
	uint64_t qs = vmb_dev_prop_u64(dev, "queue-size");
	uint64_t nt = vmb_dev_prop_u64(dev, "io-threads");
	struct vmb_bdev_opts o = {
		.read_only = vmb_dev_prop_bool(dev, "read-only"),
		.direct = !strcmp(vmb_dev_prop_str(dev, "cache"), "none"),
		.loc = vmb_dev_prop_loc(dev, "file"),
	};
	char *path = NULL;

	dev->priv = b;
	if (!file || !*file)
		return vmb_errf(err, &dev->spec->loc, "virtio-blk '%s': needs 'file' "
				"(a raw image, or an nbd:// URI)", dev->name);
	if (!nq || nq > VMB_VIRTIO_MAX_QUEUES)
		return vmb_errf(err, vmb_dev_prop_loc(dev, "num-queues"), "virtio-blk "
				"'%s': num-queues must be 1..%d, got %llu", dev->name,
				VMB_VIRTIO_MAX_QUEUES, (unsigned long long)nq);
	if (qs < 4 || qs > 1024 || (qs & (qs - 1)))
		return vmb_errf(err, vmb_dev_prop_loc(dev, "queue-size"), "virtio-blk "
				"'%s': queue-size must be a power of 2 in 4..1024, got %llu",
				dev->name, (unsigned long long)qs);
	if (nt > 64)
		return vmb_errf(err, vmb_dev_prop_loc(dev, "io-threads"), "virtio-blk "
				"'%s': io-threads must be 0..64, got %llu", dev->name,
				(unsigned long long)nt);
	/* Plain paths are relative to the file that names them; URIs not. */
	o.path = file;
	if (!vmb_bdev_is_nbd_uri(file) && fn)
		o.path = path = vmb_node_path(fn);
	b->bd = vmb_bdev_open(&o, err);
	free(path);
	if (!b->bd)
		return -1;
	if (vmb_workq_init(&b->wq, (unsigned)nt, "vmb-blk"))
		return vmb_errf(err, &dev->spec->loc, "virtio-blk '%s': cannot start "
				"I/O threads", dev->name);
	snprintf(b->serial, sizeof(b->serial), "%s", serial ? serial : "");
	pthread_cond_init(&b->drained, NULL);
	b->vd.ops = &blk_ops;
	b->vd.priv = b;
	b->vd.name = dev->name;
	b->vd.device_id = 2;
	b->vd.nqueues = (unsigned)nq;
	b->vd.queue_max = (uint16_t)qs;
	b->vd.config_size = CONFIG_SIZE;
	b->vd.features = BLK_F_SEG_MAX | BLK_F_BLK_SIZE | BLK_F_FLUSH | BLK_F_DISCARD |
			 BLK_F_WRITE_ZEROES | VMB_VIRTIO_F_INDIRECT_DESC |
			 VMB_VIRTIO_F_EVENT_IDX | (o.read_only ? BLK_F_RO : 0) |
			 (nq > 1 ? BLK_F_MQ : 0);
	vmb_virtio_init(&b->vd, &dev->board->gmem);
	return vmb_virtio_mmio_place(dev, &b->vd, err);
}

static void blk_dev_reset(struct vmb_device *dev)
{
	struct blk *b = dev->priv;

	pthread_mutex_lock(&b->vd.lock);
	vmb_virtio_reset(&b->vd);
	pthread_mutex_unlock(&b->vd.lock);
}

static void blk_destroy(struct vmb_device *dev)
{
	struct blk *b = dev->priv;

	if (!b)
		return;
	if (b->vd.ops) {
		vmb_workq_fini(&b->wq);
		vmb_virtio_mmio_unplug(dev, &b->vd);
		vmb_virtio_fini(&b->vd);
		pthread_cond_destroy(&b->drained);
	}
	vmb_bdev_close(b->bd);
	free(b);
	dev->priv = NULL;
}

static const struct vmb_prop_desc blk_props[] = {
	{ "file", VMB_PROP_PATH, NULL,
	  "raw image file (relative to this machine file), or nbd://HOST[:PORT]/"
	  "EXPORT, nbd+unix:///EXPORT?socket=PATH", NULL },
	{ "read-only", VMB_PROP_BOOL, "false",
	  "shared lock, VIRTIO_BLK_F_RO; guest writes fail with IOERR", NULL },
	{ "cache", VMB_PROP_ENUM, "writeback",
	  "writeback (host page cache) or none (O_DIRECT)", cache_modes },
	{ "format", VMB_PROP_ENUM, "raw",
	  "image format; others through qemu-nbd/nbdkit and an nbd:// file", formats },
	{ "num-queues", VMB_PROP_U64, "1",
	  "request queues (VIRTIO_BLK_F_MQ when > 1), 1..16", NULL },
	{ "queue-size", VMB_PROP_U64, "256",
	  "entries per queue (QueueNumMax), a power of 2 in 4..1024", NULL },
	{ "serial", VMB_PROP_STR, "",
	  "VIRTIO_BLK_T_GET_ID answer, up to 20 bytes", NULL },
	{ "io-threads", VMB_PROP_U64, "4",
	  "I/O worker threads; 0 runs requests on the event loop thread", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

/* "file" for resolve/pack (device.h): written unless read-only, and an
 * nbd:// URI is no file. */
static const char *const blk_files[] = { "file", NULL };

static const struct vmb_device_type blk_type = {
	.name = "virtio-blk",
	.writes = blk_files,
	.read_only = "read-only",
	.uris = blk_files,
	.summary = "virtio block device (VIRTIO 1.2 §5.2) on virtio-mmio: raw "
		   "image or NBD export; own base/irq or the next free slot",
	.props = blk_props,
	.default_size = VMB_VIRTIO_MMIO_SIZE,
	.min_irqs = 0,
	.max_irqs = 1,
	.locks_itself = true, /* vd->lock, taken by the transport */
	.create = blk_create,
	.reset = blk_dev_reset,
	.fdt_node = vmb_virtio_mmio_fdt,
	.destroy = blk_destroy,
	.dump = vmb_virtio_mmio_dump,
};

VMB_DEVICE_TYPE(blk_type)
