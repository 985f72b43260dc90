/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 of host files (FIPS 180-4, computed by Debian's nettle), for
 * pinned images and bundles.
 *
 * A file is read once per process, streamed in 1 MiB pieces; its digest is
 * then remembered in memory and in an on-disk cache so the next run does
 * not read a large disk image again. The cache ($VMB_CACHE_DIR, else
 * $XDG_CACHE_HOME/vmb, else ~/.cache/vmb; one small file per path under
 * sha256/) trusts that a file whose canonical path, device, inode, size,
 * modification time and status-change time (both to the nanosecond) are
 * all unchanged still has the same content. Writes through the file
 * system change mtime and ctime, and ctime cannot be set back by a user;
 * what it does not see is a change made below the file system (a raw
 * block device, a file system whose timestamps do not move), or a cache
 * file edited by hand. VMB_CACHE_DIR=off disables it.
 */
#ifndef VMB_UTIL_SHA256_H
#define VMB_UTIL_SHA256_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

#define VMB_SHA256_LEN 32
#define VMB_SHA256_HEX_LEN 64

/* Digest of the regular file at path. Returns 0, or -1 with err set
 * ("cannot read 'PATH' (resolved: ...)" at loc, which may be NULL). */
int vmb_sha256_file(const char *path, uint8_t out[VMB_SHA256_LEN],
		    const struct vmb_loc *loc, struct vmb_err *err);

/* Digest of a buffer. */
void vmb_sha256_buf(const void *buf, size_t len, uint8_t out[VMB_SHA256_LEN]);

/* Lower-case hex, NUL-terminated (VMB_SHA256_HEX_LEN + 1 bytes). */
void vmb_sha256_hex(const uint8_t d[VMB_SHA256_LEN], char *hex);

/* Parse 64 hex digits (either case, nothing else). Returns 0 or -1. */
int vmb_sha256_parse(const char *hex, uint8_t out[VMB_SHA256_LEN]);

/* Remember that the file at path, as it is now, has digest d (computed
 * while writing it), so that vmb_sha256_file does not read it again. */
void vmb_sha256_note(const char *path, const uint8_t d[VMB_SHA256_LEN]);

/* Forget the in-memory digests (tests; files changed under a process). */
void vmb_sha256_forget(void);

#endif
