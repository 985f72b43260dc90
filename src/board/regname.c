/* SPDX-License-Identifier: MIT */
/*
 * Device register names for traces and debuggers (board.h,
 * vmb_region_reg_name): "DEVICE:REGISTER" from the names a device gives in
 * its vmb_io_ops, else "LABEL+0xOFF".
 */
#include <inttypes.h>
#include <stdio.h>

#include "board/board.h"

bool vmb_reg_table_name(const struct vmb_reg_name *t, uint64_t off, char *buf,
			size_t len)
{
	for (; t && t->name; t++) {
		uint64_t in = off - t->off;
		int n;

		if (off < t->off || in >= t->size)
			continue;
		if (t->stride) {
			n = snprintf(buf, len, "%s%" PRIu64, t->name, in / t->stride);
			in %= t->stride;
		} else {
			n = snprintf(buf, len, "%s", t->name);
		}
		if (in && n >= 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n, "+0x%" PRIx64, in);
		return true;
	}
	return false;
}

const char *vmb_region_reg_name(const struct vmb_region *r, uint64_t off,
				bool write, char *buf, size_t len)
{
	const struct vmb_io_ops *ops = r->ops;
	char reg[64], label[96];
	bool named = false;

	if (ops && ops->reg_name) {
		vmb_dev_lock(r->dev);
		named = ops->reg_name(r->opaque, off, write, reg, sizeof(reg));
		vmb_dev_unlock(r->dev);
	}
	if (!named && ops)
		named = vmb_reg_table_name(ops->regs, off, reg, sizeof(reg));
	if (named)
		snprintf(buf, len, "%s:%s", r->dev ? r->dev->name : r->name, reg);
	else
		snprintf(buf, len, "%s+0x%" PRIx64,
			 vmb_region_label(r, label, sizeof(label)), off);
	return buf;
}
