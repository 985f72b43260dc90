/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"

static const char *not_regular(mode_t mode)
{
	if (S_ISDIR(mode))
		return strerror(EISDIR);
	if (S_ISFIFO(mode))
		return "Is a FIFO, expected a regular file";
	if (S_ISCHR(mode))
		return "Is a character device, expected a regular file";
	if (S_ISBLK(mode))
		return "Is a block device, expected a regular file";
	if (S_ISSOCK(mode))
		return "Is a socket, expected a regular file";
	return "Is not a regular file";
}

int vmb_file_open_regular(const char *path, int flags, uint64_t *size,
			  const char **why)
{
	struct stat st;
	int fd = open(path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644);

	if (fd < 0) {
		*why = strerror(errno);
		return -1;
	}
	if (fstat(fd, &st)) {
		int e = errno;

		*why = strerror(e);
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = not_regular(st.st_mode);
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	/* Regular files ignore O_NONBLOCK; clear it anyway so the descriptor
	 * behaves as a plain one wherever it is handed on. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (size)
		*size = (uint64_t)st.st_size;
	return fd;
}

int vmb_file_open(const char *path, const struct vmb_loc *loc, uint64_t *size,
		  struct vmb_err *err)
{
	const char *why;
	int fd = vmb_file_open_regular(path, O_RDONLY, size, &why);

	if (fd < 0)
		return vmb_errf(err, loc, "cannot open '%s': %s", path, why);
	return fd;
}

int vmb_file_read_fd(int fd, const char *path, void *buf, size_t len,
		     const struct vmb_loc *loc, struct vmb_err *err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (uint8_t *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return vmb_errf(err, loc, "cannot read '%s': %s", path,
					n ? strerror(errno) : "unexpected end of file");
		done += (size_t)n;
	}
	return 0;
}

uint8_t *vmb_file_read(const char *path, const struct vmb_loc *loc, size_t *len,
		       struct vmb_err *err)
{
	uint64_t size;
	uint8_t *buf;
	int fd = vmb_file_open(path, loc, &size, err);

	if (fd < 0)
		return NULL;
	if (size >= SIZE_MAX) {
		close(fd);
		return vmb_errf(err, loc, "'%s' is too large to read", path), NULL;
	}
	buf = vmb_zalloc((size_t)size + 1);
	if (vmb_file_read_fd(fd, path, buf, (size_t)size, loc, err)) {
		close(fd);
		free(buf);
		return NULL;
	}
	close(fd);
	*len = (size_t)size;
	return buf;
}
