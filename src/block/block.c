/* SPDX-License-Identifier: MIT */
/* Block backend selection; see block.h. */
#include <string.h>

#include "block/block.h"

bool vmb_bdev_is_nbd_uri(const char *path)
{
	return !strncmp(path, "nbd://", 6) || !strncmp(path, "nbds://", 7) ||
	       !strncmp(path, "nbd+unix://", 11) || !strncmp(path, "nbds+unix://", 12);
}

struct vmb_bdev *vmb_bdev_open(const struct vmb_bdev_opts *o, struct vmb_err *err)
{
	if (vmb_bdev_is_nbd_uri(o->path))
		return vmb_bdev_nbd_open(o, err);
	return vmb_bdev_file_open(o, err);
}

void vmb_bdev_close(struct vmb_bdev *bd)
{
	if (bd)
		bd->ops->close(bd);
}
