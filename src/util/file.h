/* SPDX-License-Identifier: MIT */
/*
 * Reading host files (boot images, device trees, fw_cfg blobs) with errors
 * that name the file: "cannot open 'PATH': REASON", "'PATH' is not a regular
 * file", "cannot read 'PATH': REASON" (REASON "unexpected end of file" when
 * the file shrank while it was read).
 */
#ifndef VMB_UTIL_FILE_H
#define VMB_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

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
