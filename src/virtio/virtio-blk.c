/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk requests (VIRTIO 1.2 §5.2.6): parsing a popped chain and
 * doing its I/O on a block backend; see virtio-blk.h and, for the rules
 * applied, devices/virtio-blk.c.
 */
#include <errno.h>
#include <string.h>

#include "block/block.h"
#include "util/bytes.h"
#include "virtio/virtio-blk.h"

/* Trim the status byte off the end of e's writable part. */
static uint8_t *take_status(const struct vmb_vq_elem *e, unsigned *nin)
{
	struct iovec *last;

	if (!e->nin)
		return NULL;
	last = &e->iov[e->nout + e->nin - 1];
	*nin = e->nin;
	if (last->iov_len == 1)
		--*nin;
	return (uint8_t *)last->iov_base + last->iov_len - 1;
}

int vmb_virtio_blk_parse(const struct vmb_vq_elem *e, uint64_t capacity,
			 struct vmb_virtio_blk_req *r)
{
	uint8_t hdr[16];
	unsigned nin = 0;
	uint64_t len;

	memset(r, 0, sizeof(*r));
	r->status_byte = take_status(e, &nin);
	if (!r->status_byte)
		return 0;
	r->status = VMB_VIRTIO_BLK_S_IOERR;
	if (vmb_vq_read_out(e, 0, hdr, sizeof(hdr)) != sizeof(hdr))
		return 0; /* short header: IOERR */
	r->type = vmb_get_le32(hdr);
	r->sector = vmb_get_le64(hdr + 8);
	/* Data iovecs: readable after the header (OUT, DISCARD, ...), or
	 * writable before the status byte (IN, GET_ID). The status byte may
	 * share the last writable iovec with data: that iovec is cut short. */
	r->in = e->iov + e->nout;
	r->nin = nin;
	r->in_len = e->in_len - 1;
	r->out_skip = sizeof(hdr);
	r->out_len = e->out_len - sizeof(hdr);
	switch (r->type) {
	case VMB_VIRTIO_BLK_T_IN:
	case VMB_VIRTIO_BLK_T_OUT:
		len = r->type == VMB_VIRTIO_BLK_T_IN ? r->in_len : r->out_len;
		if (len % 512 || r->sector > capacity || len / 512 > capacity - r->sector)
			return 0;
		r->len = len;
		break;
	case VMB_VIRTIO_BLK_T_DISCARD:
	case VMB_VIRTIO_BLK_T_WRITE_ZEROES: {
		uint8_t seg[16];
		uint64_t n;

		/* One segment (max_*_seg is 1 in the configuration space). */
		if (r->out_len != sizeof(seg) ||
		    vmb_vq_read_out(e, sizeof(hdr), seg, sizeof(seg)) != sizeof(seg))
			return 0;
		r->sector = vmb_get_le64(seg);
		n = vmb_get_le32(seg + 8);
		r->flags = vmb_get_le32(seg + 12);
		if (r->flags & ~(uint32_t)VMB_VIRTIO_BLK_WZ_UNMAP ||
		    (r->type == VMB_VIRTIO_BLK_T_DISCARD && r->flags)) {
			r->status = VMB_VIRTIO_BLK_S_UNSUPP; /* §5.2.6.2 */
			return 0;
		}
		if (r->sector > capacity || n > capacity - r->sector)
			return 0;
		r->len = n * 512;
		break;
	}
	case VMB_VIRTIO_BLK_T_FLUSH:
	case VMB_VIRTIO_BLK_T_GET_ID:
		break;
	default:
		r->status = VMB_VIRTIO_BLK_S_UNSUPP;
		return 0;
	}
	r->valid = true;
	return 0;
}

/* The iovecs of the data part, cut to exactly r->len (or in_len) bytes. */
static int data_iov(const struct vmb_vq_elem *e, const struct vmb_virtio_blk_req *r,
		    bool in, struct iovec *out, unsigned cap)
{
	const struct iovec *src = in ? r->in : e->iov;
	unsigned n = in ? r->nin : e->nout, k = 0;
	size_t skip = in ? 0 : r->out_skip, want = r->len;

	for (unsigned i = 0; i < n && want; i++) {
		size_t l = src[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		if (k == cap)
			return -1;
		l -= skip;
		if (l > want)
			l = want;
		out[k++] = (struct iovec){ (uint8_t *)src[i].iov_base + skip, l };
		want -= l;
		skip = 0;
	}
	return want ? -1 : (int)k;
}

uint32_t vmb_virtio_blk_execute(struct vmb_bdev *bd, const char *serial,
				const struct vmb_vq_elem *e, struct vmb_virtio_blk_req *r,
				struct iovec *scratch, unsigned cap)
{
	int rc = 0, n;
	bool write = r->type != VMB_VIRTIO_BLK_T_IN && r->type != VMB_VIRTIO_BLK_T_GET_ID &&
		     r->type != VMB_VIRTIO_BLK_T_FLUSH;

	if (!r->valid)
		goto done;
	if (write && bd->read_only) {
		r->status = VMB_VIRTIO_BLK_S_IOERR;
		goto done;
	}
	switch (r->type) {
	case VMB_VIRTIO_BLK_T_IN:
	case VMB_VIRTIO_BLK_T_OUT:
		if (!r->len)
			break;
		n = data_iov(e, r, r->type == VMB_VIRTIO_BLK_T_IN, scratch, cap);
		if (n < 0)
			rc = -EINVAL;
		else if (r->type == VMB_VIRTIO_BLK_T_IN)
			rc = bd->ops->preadv(bd, scratch, n, r->sector * 512);
		else
			rc = bd->ops->pwritev(bd, scratch, n, r->sector * 512);
		if (!rc && r->type == VMB_VIRTIO_BLK_T_IN)
			r->written = (uint32_t)r->len;
		break;
	case VMB_VIRTIO_BLK_T_FLUSH:
		rc = bd->ops->flush(bd);
		break;
	case VMB_VIRTIO_BLK_T_GET_ID: {
		char id[VMB_VIRTIO_BLK_ID_BYTES] = { 0 };

		/* NUL-padded, not NUL-terminated when 20 bytes long (§5.2.6) */
		memcpy(id, serial, strnlen(serial, sizeof(id)));
		r->written = (uint32_t)vmb_vq_write_in(e, 0, id,
			r->in_len < sizeof(id) ? r->in_len : sizeof(id));
		break;
	}
	case VMB_VIRTIO_BLK_T_DISCARD:
		rc = r->len ? bd->ops->discard(bd, r->sector * 512, r->len) : 0;
		break;
	case VMB_VIRTIO_BLK_T_WRITE_ZEROES:
		rc = r->len ? bd->ops->write_zeroes(bd, r->sector * 512, r->len,
						    r->flags & VMB_VIRTIO_BLK_WZ_UNMAP) : 0;
		break;
	}
	r->status = rc ? VMB_VIRTIO_BLK_S_IOERR : VMB_VIRTIO_BLK_S_OK;
done:
	*r->status_byte = r->status;
	return r->written + 1;
}

