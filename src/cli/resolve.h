/* SPDX-License-Identifier: MIT */
/*
 * "vmb resolve": a machine as one self-contained file — includes merged,
 * --set overrides applied, "count" entries expanded, every default written
 * out, every input image pinned ({ path, sha256 }), and a comment naming
 * the vmb version and the host. Properties (tests/unit/test_resolve.c):
 * resolving the output again gives the same bytes; the output builds the
 * same board and device tree as the original.
 *
 * Files are found generically: memory images, boot files, every device
 * property of kind PATH and the path-list properties a device type
 * declares (device.h). Files a device writes (flash, disks) are not
 * pinned: they change as the guest runs. URIs (a disk's nbd://) are left
 * as written; directories (a TFTP root) are written unpinned.
 */
#ifndef VMB_CLI_RESOLVE_H
#define VMB_CLI_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "board/board.h"

/* What a machine does with a file it names. */
enum vmb_file_use {
	VMB_FILE_INPUT,    /* read: pinned */
	VMB_FILE_WRITTEN,  /* written by the device (flash, disk): not pinned */
	VMB_FILE_DIR,      /* a directory (TFTP root): not pinned, not packed */
};

/*
 * How a file is written in the output. path: as vmb opens it (relative to
 * the current directory or absolute); sha: its digest, or NULL when it does
 * not exist (a flash file created on first use) or is a directory; what:
 * the reference, for messages ("devices.net0.tftp", "firmware"). Put the text
 * for "path:" in out. Return 0 or -1 with err.
 */
struct vmb_resolve_files {
	int (*file)(void *ctx, const char *path, const uint8_t *sha,
		    enum vmb_file_use use, const char *what, char *out,
		    size_t len, struct vmb_err *err);
	void *ctx;
};

/* Write the resolved form of the machine b was built from. */
int vmb_resolve_write(const struct vmb_board *b, FILE *f,
		      const struct vmb_resolve_files *files, struct vmb_err *err);

/* The whole command: load-time work is done (spec); build the board, write
 * to out_path ("-" = stdout) with absolute, canonical paths. */
int vmb_resolve_to_file(const struct vmb_spec *spec, const char *out_path,
			struct vmb_err *err);

#endif
