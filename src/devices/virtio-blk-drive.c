/* SPDX-License-Identifier: MIT */
/*
 * --drive FILE[,ro][,cache=none|writeback][,format=raw][,id=NAME]
 *         [,num-queues=N][,serial=S]
 * expands into the device entry
 *   {name: NAME (drive0, drive1, ...), type: virtio-blk, file: FILE,
 *    read-only: true, cache: none, ...}
 * placed in the next free virtio-mmio slot (QEMU's -drive if=virtio /
 * -device virtio-blk-device). FILE may be an nbd:// or nbd+unix:// URI;
 * "file=FILE" and QEMU's readonly=on are accepted too; ",," is a comma.
 * Values are checked by the device like any machine-file entry.
 */
#include <string.h>

#include "config/devopt.h"

struct drive_ctx {
	struct vmb_devopt_entry *e;
	struct vmb_err *err;
	const char *arg;
	unsigned n;
	bool named;
};

static int drive_item(const char *key, const char *value, void *opaque)
{
	struct drive_ctx *c = opaque;
	static const char *const passed[] = { "cache", "format", "num-queues",
					      "queue-size", "io-threads", NULL };

	if (!key) {
		if (!strncmp(value, "file=", 5))
			value += 5;
		if (!*value)
			return vmb_errf(c->err, NULL, "--drive %s: no image file, expected "
					"--drive FILE[,ro][,cache=none]...", c->arg);
		vmb_devopt_put(c->e, "type", "virtio-blk");
		vmb_devopt_put(c->e, "file", value);
		return 0;
	}
	if (!strcmp(key, "ro") && !value) {
		vmb_devopt_put_plain(c->e, "read-only", "true");
		return 0;
	}
	if (!strcmp(key, "readonly") && value) {
		vmb_devopt_put_plain(c->e, "read-only", !strcmp(value, "on") ? "true" :
			       !strcmp(value, "off") ? "false" : value);
		return 0;
	}
	if (!strcmp(key, "id") && value && *value) {
		vmb_devopt_put(c->e, "name", value);
		c->named = true;
		return 0;
	}
	if (!strcmp(key, "serial") && value) {
		vmb_devopt_put(c->e, key, value);
		return 0;
	}
	for (const char *const *p = passed; *p; p++)
		if (!strcmp(key, *p) && value) {
			vmb_devopt_put_plain(c->e, key, value);
			return 0;
		}
	return vmb_errf(c->err, NULL, "--drive %s: unknown option '%s%s%s', expected "
			"ro, cache=none|writeback, format=raw, id=NAME, num-queues=N, "
			"queue-size=N, serial=S, io-threads=N", c->arg, key,
			value ? "=" : "", value ? value : "");
}

static int drive_expand(const char *arg, unsigned n, struct vmb_devopt_entry *e,
			struct vmb_err *err)
{
	struct drive_ctx c = { e, err, arg, n, false };
	char name[32];

	if (vmb_devopt_split(arg, true, drive_item, &c))
		return -1;
	if (!c.named) {
		snprintf(name, sizeof(name), "drive%u", n);
		vmb_devopt_put(e, "name", name);
	}
	return 0;
}

static const struct vmb_devopt drive_opt = {
	.name = "drive",
	.has_arg = true,
	.metavar = "FILE[,ro][,cache=none][,format=raw][,id=NAME]",
	.help = "a virtio-blk disk (entry drive0, drive1, ...; type virtio-blk)\n"
		"in the next free virtio-mmio slot; FILE: raw image or nbd:// URI\n",
	.expand = drive_expand,
};

VMB_DEVOPT(drive_opt)
