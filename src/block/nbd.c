/* SPDX-License-Identifier: MIT */
/*
 * NBD exports as block backends through libnbd (nbd_connect_uri: nbd://,
 * nbds://, nbd+unix://, nbds+unix://), so qemu-nbd or nbdkit can serve
 * qcow2, vmdk, ... without vmb parsing those formats. libnbd handles are
 * thread-safe; its synchronous calls are issued from virtio-blk's I/O
 * threads. Several guest buffers become one request through a bounce
 * buffer (NBD requests carry one contiguous payload).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "block/block.h"

#ifdef VMB_NBD
#include <libnbd.h>

struct nbd_bdev {
	struct vmb_bdev bd;
	struct nbd_handle *h;
};

static struct nbd_handle *H(struct vmb_bdev *bd)
{
	return ((struct nbd_bdev *)bd)->h;
}

static int nbd_errno(void)
{
	int e = nbd_get_errno();

	return e ? -e : -EIO;
}

static int nbd_rw(struct vmb_bdev *bd, const struct iovec *iov, int n, uint64_t off,
		  bool write)
{
	size_t len = 0, done = 0;
	uint8_t *buf;
	int rc;

	if (n == 1)
		return (write ? nbd_pwrite(H(bd), iov[0].iov_base, iov[0].iov_len, off, 0)
			      : nbd_pread(H(bd), iov[0].iov_base, iov[0].iov_len, off, 0))
		       ? nbd_errno() : 0;
	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	if (write)
		for (int i = 0; i < n; done += iov[i].iov_len, i++)
			memcpy(buf + done, iov[i].iov_base, iov[i].iov_len);
	rc = (write ? nbd_pwrite(H(bd), buf, len, off, 0) : nbd_pread(H(bd), buf, len, off, 0))
	     ? nbd_errno() : 0;
	if (!rc && !write)
		for (int i = 0; i < n; done += iov[i].iov_len, i++)
			memcpy(iov[i].iov_base, buf + done, iov[i].iov_len);
	free(buf);
	return rc;
}

static int nbd_preadv_(struct vmb_bdev *bd, const struct iovec *iov, int n, uint64_t off)
{
	return nbd_rw(bd, iov, n, off, false);
}

static int nbd_pwritev_(struct vmb_bdev *bd, const struct iovec *iov, int n, uint64_t off)
{
	return nbd_rw(bd, iov, n, off, true);
}

static int nbd_flush_(struct vmb_bdev *bd)
{
	if (nbd_can_flush(H(bd)) != 1)
		return 0; /* the server writes through */
	return nbd_flush(H(bd), 0) ? nbd_errno() : 0;
}

static int nbd_discard_(struct vmb_bdev *bd, uint64_t off, uint64_t len)
{
	return nbd_trim(H(bd), len, off, 0) ? nbd_errno() : 0;
}

static int nbd_zeroes_(struct vmb_bdev *bd, uint64_t off, uint64_t len, bool may_unmap)
{
	return nbd_zero(H(bd), len, off, may_unmap ? 0 : LIBNBD_CMD_FLAG_NO_HOLE)
	       ? nbd_errno() : 0;
}

static void nbd_close_(struct vmb_bdev *bd)
{
	nbd_close(H(bd));
	free(bd);
}

static const struct vmb_bdev_ops nbd_ops = {
	.preadv = nbd_preadv_,
	.pwritev = nbd_pwritev_,
	.flush = nbd_flush_,
	.discard = nbd_discard_,
	.write_zeroes = nbd_zeroes_,
	.close = nbd_close_,
};

struct vmb_bdev *vmb_bdev_nbd_open(const struct vmb_bdev_opts *o, struct vmb_err *err)
{
	struct nbd_handle *h = nbd_create();
	struct nbd_bdev *n;
	int64_t size;

	if (!h) {
		vmb_errf(err, o->loc, "nbd: %s", nbd_get_error());
		return NULL;
	}
	if (o->direct)
		vmb_warn("%s: cache: none has no meaning for NBD; ignored", o->path);
	if (nbd_connect_uri(h, o->path) || (size = nbd_get_size(h)) < 0) {
		vmb_errf(err, o->loc, "cannot connect to NBD export '%s': %s", o->path,
			 nbd_get_error());
		nbd_close(h);
		return NULL;
	}
	if (!o->read_only && nbd_is_read_only(h) == 1) {
		vmb_errf(err, o->loc, "NBD export '%s' is read-only; give the drive "
			 "'read-only: true' (--drive URI,ro)", o->path);
		nbd_close(h);
		return NULL;
	}
	n = vmb_zalloc(sizeof(*n));
	n->h = h;
	n->bd.ops = &nbd_ops;
	n->bd.size = (uint64_t)size;
	n->bd.read_only = o->read_only;
	n->bd.can_discard = nbd_can_trim(h) == 1;
	n->bd.can_write_zeroes = nbd_can_zero(h) == 1;
	return &n->bd;
}

#else

struct vmb_bdev *vmb_bdev_nbd_open(const struct vmb_bdev_opts *o, struct vmb_err *err)
{
	vmb_errf(err, o->loc, "'%s': this vmb was built without libnbd (VMB_NBD=0)",
		 o->path);
	return NULL;
}

#endif
