/* SPDX-License-Identifier: MIT */
/*
 * Block backends: what a disk device (virtio-blk) reads and writes.
 *
 *   FILE             a raw image file (file.c): preadv/pwritev, fdatasync,
 *                    fallocate(PUNCH_HOLE / ZERO_RANGE); O_DIRECT with
 *                    aligned bounce buffers for "cache: none"; OFD locks
 *                    like QEMU's (shared for read-only, exclusive for
 *                    read-write) so a second VMM cannot open it.
 *   nbd://HOST[:PORT]/EXPORT, nbd+unix:///EXPORT?socket=PATH
 *                    an NBD export through libnbd (nbd.c), so qemu-nbd or
 *                    nbdkit serve qcow2 and other formats.
 *
 * Every operation is synchronous and thread-safe (callable from several
 * I/O threads at once); asynchrony is the caller's (virtio-blk's I/O
 * thread pool). Offsets and lengths are bytes; callers check them
 * against size. Errors are negative errno values.
 */
#ifndef VMB_BLOCK_BLOCK_H
#define VMB_BLOCK_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "util/err.h"

struct vmb_bdev;

struct vmb_bdev_ops {
	/* Transfer exactly the iovecs' total at off: 0 or -errno. */
	int (*preadv)(struct vmb_bdev *bd, const struct iovec *iov, int n, uint64_t off);
	int (*pwritev)(struct vmb_bdev *bd, const struct iovec *iov, int n, uint64_t off);
	int (*flush)(struct vmb_bdev *bd);
	/* Deallocate (may read back as anything, we give zeroes) / write
	 * zeroes, unmap allowed if may_unmap. -EOPNOTSUPP if unsupported. */
	int (*discard)(struct vmb_bdev *bd, uint64_t off, uint64_t len);
	int (*write_zeroes)(struct vmb_bdev *bd, uint64_t off, uint64_t len, bool may_unmap);
	void (*close)(struct vmb_bdev *bd);
};

struct vmb_bdev {
	const struct vmb_bdev_ops *ops;
	uint64_t size;        /* bytes */
	bool read_only;
	bool can_discard;
	bool can_write_zeroes;
	char id[21];          /* VIRTIO_BLK_T_GET_ID serial: image name, 20 bytes */
};

struct vmb_bdev_opts {
	const char *path;     /* file path or nbd URI */
	bool read_only;
	bool direct;          /* cache: none (O_DIRECT) */
	const struct vmb_loc *loc; /* for messages */
};

/* Open a backend; NULL with err naming the file/URI and the reason (a
 * locked image names the other holder's pid when the kernel tells). */
struct vmb_bdev *vmb_bdev_open(const struct vmb_bdev_opts *o, struct vmb_err *err);
void vmb_bdev_close(struct vmb_bdev *bd);

/* Backends (file.c, nbd.c). */
struct vmb_bdev *vmb_bdev_file_open(const struct vmb_bdev_opts *o, struct vmb_err *err);
struct vmb_bdev *vmb_bdev_nbd_open(const struct vmb_bdev_opts *o, struct vmb_err *err);
bool vmb_bdev_is_nbd_uri(const char *path);

#endif
