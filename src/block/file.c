/* SPDX-License-Identifier: MIT */
/*
 * Raw image files (and host block devices) as block backends; see block.h.
 *
 * Locking follows QEMU's intent with one whole-file OFD lock
 * (F_OFD_SETLK): shared (F_RDLCK) for a read-only drive, exclusive
 * (F_WRLCK) for a read-write one, so two VMMs never write the same image
 * and a reader never sees one being written. OFD locks belong to the open
 * file, not the process, so threads and the vCPU/I/O split do not matter,
 * and they conflict with QEMU's own byte-range locks on the same file. The
 * holder is named from /proc/PID/fd + fdinfo "lock:" lines where readable.
 *
 * cache: none opens with O_DIRECT: guest buffers that are not 4 KiB aligned
 * (address and length) go through an aligned bounce buffer; offsets are
 * sector (512) multiples by virtio-blk's construction.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "block/block.h"

#define DIRECT_ALIGN 4096

struct file_bdev {
	struct vmb_bdev bd;
	int fd;
	bool direct;
};

static bool aligned(const struct iovec *iov, int n)
{
	for (int i = 0; i < n; i++)
		if (((uintptr_t)iov[i].iov_base | iov[i].iov_len) & (DIRECT_ALIGN - 1))
			return false;
	return true;
}

static size_t iov_total(const struct iovec *iov, int n)
{
	size_t t = 0;

	for (int i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

/* preadv/pwritev until everything moved (short transfers happen on
 * signals and at EOF of a growing file). */
static int rw_all(int fd, const struct iovec *iov_in, int n, uint64_t off, bool write)
{
	struct iovec stack[64], *base = n <= 64 ? stack : malloc(sizeof(*base) * (size_t)n);
	struct iovec *iov = base;
	int rc = 0;

	if (!iov)
		return -ENOMEM;
	memcpy(iov, iov_in, sizeof(*iov) * (size_t)n);
	while (n > 0) {
		ssize_t k = write ? pwritev(fd, iov, n > IOV_MAX ? IOV_MAX : n, (off_t)off)
				  : preadv(fd, iov, n > IOV_MAX ? IOV_MAX : n, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = -errno;
			break;
		}
		if (k == 0) {
			if (write) {
				rc = -EIO;
				break;
			}
			/* reading past EOF: the rest reads as zeroes */
			for (int i = 0; i < n; i++)
				memset(iov[i].iov_base, 0, iov[i].iov_len);
			break;
		}
		off += (uint64_t)k;
		while (n > 0 && (size_t)k >= iov->iov_len) {
			k -= (ssize_t)iov->iov_len;
			iov++, n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + k;
			iov->iov_len -= (size_t)k;
		}
	}
	if (base != stack)
		free(base);
	return rc;
}

static int file_rw(struct vmb_bdev *bd, const struct iovec *iov, int n, uint64_t off,
		   bool write)
{
	struct file_bdev *f = (struct file_bdev *)bd;
	size_t len, done = 0;
	struct iovec b;
	void *buf;
	int rc;

	if (!f->direct || aligned(iov, n))
		return rw_all(f->fd, iov, n, off, write);
	len = iov_total(iov, n);
	if (posix_memalign(&buf, DIRECT_ALIGN, (len + DIRECT_ALIGN - 1) & ~(size_t)(DIRECT_ALIGN - 1)))
		return -ENOMEM;
	if (write)
		for (int i = 0; i < n; i++, done += iov[i - 1].iov_len)
			memcpy((uint8_t *)buf + done, iov[i].iov_base, iov[i].iov_len);
	b = (struct iovec){ buf, len };
	rc = rw_all(f->fd, &b, 1, off, write);
	if (!rc && !write)
		for (int i = 0; i < n; i++, done += iov[i - 1].iov_len)
			memcpy(iov[i].iov_base, (uint8_t *)buf + done, iov[i].iov_len);
	free(buf);
	return rc;
}

static int file_preadv(struct vmb_bdev *bd, const struct iovec *iov, int n, uint64_t off)
{
	return file_rw(bd, iov, n, off, false);
}

static int file_pwritev(struct vmb_bdev *bd, const struct iovec *iov, int n, uint64_t off)
{
	return file_rw(bd, iov, n, off, true);
}

static int file_flush(struct vmb_bdev *bd)
{
	return fdatasync(((struct file_bdev *)bd)->fd) ? -errno : 0;
}

/* Write len zero bytes at off the slow way (fallocate unsupported). */
static int write_zero_bytes(struct vmb_bdev *bd, uint64_t off, uint64_t len)
{
	static const uint8_t zero[DIRECT_ALIGN] __attribute__((aligned(DIRECT_ALIGN)));
	struct iovec iov[16];

	while (len) {
		int n = 0;
		uint64_t chunk = 0;

		while (n < 16 && chunk < len) {
			size_t k = len - chunk < sizeof(zero) ? (size_t)(len - chunk) : sizeof(zero);

			iov[n++] = (struct iovec){ (void *)zero, k };
			chunk += k;
		}
		int rc = file_rw(bd, iov, n, off, true);

		if (rc)
			return rc;
		off += chunk;
		len -= chunk;
	}
	return 0;
}

static int file_discard(struct vmb_bdev *bd, uint64_t off, uint64_t len)
{
	struct file_bdev *f = (struct file_bdev *)bd;

	if (fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
		      (off_t)len) == 0)
		return 0;
	/* Discard is a hint (§5.2.6.2): succeed when the host cannot. */
	return errno == EOPNOTSUPP || errno == ENOSYS ? 0 : -errno;
}

static int file_write_zeroes(struct vmb_bdev *bd, uint64_t off, uint64_t len,
			     bool may_unmap)
{
	struct file_bdev *f = (struct file_bdev *)bd;
	int mode = may_unmap ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
			     : FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;

	if (fallocate(f->fd, mode, (off_t)off, (off_t)len) == 0)
		return 0;
	if (may_unmap && fallocate(f->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
				   (off_t)off, (off_t)len) == 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != ENOSYS)
		return -errno;
	return write_zero_bytes(bd, off, len);
}

static void file_close(struct vmb_bdev *bd)
{
	struct file_bdev *f = (struct file_bdev *)bd;

	close(f->fd); /* drops the OFD lock */
	free(f);
}

static const struct vmb_bdev_ops file_ops = {
	.preadv = file_preadv,
	.pwritev = file_pwritev,
	.flush = file_flush,
	.discard = file_discard,
	.write_zeroes = file_write_zeroes,
	.close = file_close,
};

/* Does /proc/PID/fdinfo/FD list a lock ("lock:" lines, proc(5))? */
static bool fd_holds_lock(const char *pid, const char *fd)
{
	char path[600], line[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pid, fd);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "lock:", 5);
	fclose(f);
	return found;
}

/*
 * " by pid 1234 (vmb)": the process with an open file holding a lock on
 * st's inode, other than our own fd self_fd. OFD locks show pid -1 in
 * /proc/locks, so look for the open file in /proc/PID/fd and its lock in
 * fdinfo. Empty if not found (another user's process, no /proc).
 */
static void lock_holder(const struct stat *st, int self_fd, char *buf, size_t len)
{
	DIR *procs = opendir("/proc"), *fds;
	struct dirent *p, *d;
	char path[600], comm[64];

	buf[0] = '\0';
	while (procs && !buf[0] && (p = readdir(procs))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		while (fds && !buf[0] && (d = readdir(fds))) {
			struct stat fst;
			FILE *c;

			if (d->d_name[0] == '.')
				continue;
			if (atoi(p->d_name) == getpid() && atoi(d->d_name) == self_fd)
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name, d->d_name);
			if (stat(path, &fst) || fst.st_ino != st->st_ino ||
			    fst.st_dev != st->st_dev || !fd_holds_lock(p->d_name, d->d_name))
				continue;
			comm[0] = '\0';
			snprintf(path, sizeof(path), "/proc/%s/comm", p->d_name);
			c = fopen(path, "r");
			if (c) {
				if (fgets(comm, sizeof(comm), c))
					comm[strcspn(comm, "\n")] = '\0';
				fclose(c);
			}
			snprintf(buf, len, " by pid %.20s%s%s%s", p->d_name, *comm ? " (" : "",
				 comm, *comm ? ")" : "");
		}
		if (fds)
			closedir(fds);
	}
	if (procs)
		closedir(procs);
}

struct vmb_bdev *vmb_bdev_file_open(const struct vmb_bdev_opts *o, struct vmb_err *err)
{
	int flags = (o->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC |
		    (o->direct ? O_DIRECT : 0);
	struct flock fl = { .l_type = o->read_only ? F_RDLCK : F_WRLCK,
			    .l_whence = SEEK_SET };
	struct file_bdev *f;
	struct stat st;
	uint64_t size;
	char who[128];
	int fd = open(o->path, flags);

	if (fd < 0) {
		vmb_errf(err, o->loc, "cannot open disk image '%s'%s: %s", o->path,
			 o->read_only ? " read-only" : " read-write", strerror(errno));
		if (errno == EINVAL && o->direct)
			vmb_err_append(err, "its file system does not support O_DIRECT "
				       "(cache: none); use cache: writeback");
		if ((errno == EACCES || errno == EROFS) && !o->read_only)
			vmb_err_append(err, "give the drive 'read-only: true' (--drive "
				       "FILE,ro) to use it without writing");
		return NULL;
	}
	if (fstat(fd, &st) || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		vmb_errf(err, o->loc, "disk image '%s' is not a regular file or block "
			 "device", o->path);
		close(fd);
		return NULL;
	}
	if (fcntl(fd, F_OFD_SETLK, &fl)) {
		int e = errno;

		lock_holder(&st, fd, who, sizeof(who));
		vmb_errf(err, o->loc, "disk image '%s' is in use%s: cannot take its %s "
			 "lock (%s)", o->path, who, o->read_only ? "shared" : "exclusive",
			 strerror(e));
		vmb_err_append(err, "another VMM has it open%s", o->read_only ? " for "
			       "writing" : "; two VMMs writing one image corrupt it");
		close(fd);
		return NULL;
	}
	size = (uint64_t)st.st_size;
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &size)) {
		vmb_errf(err, o->loc, "disk '%s': cannot read its size: %s", o->path,
			 strerror(errno));
		close(fd);
		return NULL;
	}
	f = vmb_zalloc(sizeof(*f));
	f->bd.ops = &file_ops;
	f->bd.size = size;
	f->bd.read_only = o->read_only;
	f->bd.can_discard = f->bd.can_write_zeroes = true;
	f->fd = fd;
	f->direct = o->direct;
	return &f->bd;
}
