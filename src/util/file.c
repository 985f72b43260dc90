/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"

int vmb_file_open(const char *path, const struct vmb_loc *loc, uint64_t *size,
		  struct vmb_err *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return vmb_errf(err, loc, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return vmb_errf(err, loc, "'%s' is not a regular file", path);
	}
	*size = (uint64_t)st.st_size;
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
