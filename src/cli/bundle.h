/* SPDX-License-Identifier: MIT */
/*
 * Bundles (NAME.vmb): one machine and its images in one file, to share a
 * machine that reproduces anywhere. A bundle is a tar archive (POSIX pax)
 * compressed with zstd, written and read with libarchive:
 *
 *   machine.yaml        the machine, resolved (cli/resolve.h) with every
 *                       file named "images/<sha256 of its content>"
 *   images/<sha256>     each distinct file once, stored by its digest
 *
 * Members are written in that order with mtime 0, owner 0 and mode 0644,
 * so packing the same machine twice gives the same bytes.
 *
 * Reading is strict: the only members accepted are the two kinds above,
 * as regular files (no links, devices, directories with other names,
 * absolute paths or "..": the whitelist refuses them all), not sparse,
 * no name twice, each image's content equal to its name's digest, and
 * the sizes must fit the target file system. A truncated or damaged
 * archive is an error naming the bundle; nothing is left behind.
 * Extracted files are written sparse: all-zero blocks become holes.
 */
#ifndef VMB_CLI_BUNDLE_H
#define VMB_CLI_BUNDLE_H

#include <stdbool.h>

#include "config/spec.h"

/* Write the bundle of spec's machine to out_path. */
int vmb_pack(const struct vmb_spec *spec, const char *out_path, struct vmb_err *err);

/* True if path names a bundle: it ends in ".vmb" and is not a directory. */
bool vmb_is_bundle(const char *path);

/*
 * Extract the bundle into dir (created, mode 0700; it must not exist).
 * On success "DIR/machine.yaml" is the machine to load; on failure dir
 * is removed again.
 */
int vmb_unpack(const char *bundle, const char *dir, struct vmb_err *err);

/* Remove a directory vmb_unpack made (machine.yaml, images/, and files a
 * run created in images/ beside them). */
void vmb_unpack_remove(const char *dir);

/* For "vmb run NAME.vmb": extract into a new private directory under
 * $TMPDIR (or /tmp); returns the path of its machine.yaml (malloc'd), or
 * NULL with err set. vmb_bundle_close removes the directory and frees. */
char *vmb_bundle_open(const char *bundle, struct vmb_err *err);
void vmb_bundle_close(char *machine);

extern const char vmb_pack_help[];
extern const char vmb_unpack_help[];

#endif
