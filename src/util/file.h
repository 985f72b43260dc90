/* SPDX-License-Identifier: MIT */
/*
 * Reading host files (machine files, boot images, device trees, fw_cfg
 * blobs, flash backing files) with errors that name the file: "cannot open
 * 'PATH': REASON", "'PATH' is a FIFO, expected a regular file", "cannot read
 * 'PATH': REASON" (REASON "unexpected end of file" when the file shrank
 * while it was read).
 *
 * Every file a machine file names goes through vmb_file_open_regular: it is
 * opened with O_NONBLOCK, so a FIFO nobody writes to (or a device node) can
 * not hang vmb in open(), and refused unless it is a regular file, so
 * /dev/zero or a pipe never passes for a 0-byte image.
 */
#ifndef VMB_UTIL_FILE_H
#define VMB_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/*
 * Open path with flags (O_RDONLY, O_RDWR, O_CREAT|O_EXCL...; O_NONBLOCK,
 * O_NOCTTY and O_CLOEXEC are added, O_NONBLOCK dropped again once the file
 * is known to be regular) and check it is a regular file; *size (may be
 * NULL) gets its size in bytes. Returns the descriptor, or -1 with *why set
 * to a static reason: strerror(errno), or "Is a FIFO, expected a regular
 * file" (likewise a directory, character/block device, socket), and errno
 * set (EISDIR for a directory, EINVAL for another non-regular file).
 */
int vmb_file_open_regular(const char *path, int flags, uint64_t *size,
			  const char **why);

/*
 * Open a regular file for reading; *size gets its size in bytes. Returns
 * the descriptor (close-on-exec), or -1 with err set at loc (may be NULL).
 */
int vmb_file_open(const char *path, const struct vmb_loc *loc, uint64_t *size,
		  struct vmb_err *err);

/*
 * Read exactly len bytes from fd's current offset into buf, retrying short
 * reads and EINTR. Returns 0, or -1 with err set ("cannot read 'PATH': ...").
 */
int vmb_file_read_fd(int fd, const char *path, void *buf, size_t len,
		     const struct vmb_loc *loc, struct vmb_err *err);

/*
 * The whole regular file in a new buffer (free() it), with a NUL after the
 * data so text can be used in place; *len gets the size. NULL with err set
 * at loc on failure.
 */
uint8_t *vmb_file_read(const char *path, const struct vmb_loc *loc, size_t *len,
		       struct vmb_err *err);

#endif
