/* SPDX-License-Identifier: MIT */
/*
 * Pinned images: any image reference in a machine file — memory image,
 * boot firmware/kernel/initrd/dtb, a device property of kind path — may be
 * written as a mapping with the file's SHA-256:
 *
 *     firmware: { path: u-boot.bin, sha256: 5e3a...64 hex digits }
 *
 * The loader turns such a mapping back into the plain path (so the rest of
 * vmb reads a path, located where "path:" was written) and checks the
 * file's digest (util/sha256.h: streamed once per process, cached by
 * path, inode, size and times). A mismatch is an error at the sha256
 * value: "FILE:LINE:COL: sha256 mismatch for firmware 'u-boot.bin'
 * (resolved: machines/u-boot.bin): expected X, actual Y".
 */
#ifndef VMB_CONFIG_PIN_H
#define VMB_CONFIG_PIN_H

#include <stdbool.h>
#include <stdint.h>

#include "config/node.h"
#include "util/sha256.h"

struct vmb_pin {
	char *path;                  /* resolved */
	char *given;                 /* as written */
	char what[64];               /* "firmware", "image of memory 'flash0'" */
	uint8_t want[VMB_SHA256_LEN];
	struct vmb_loc loc;          /* the sha256 value */
};

/*
 * If n is a pinning mapping, check its keys and digest syntax, replace n
 * in place by its "path" scalar and fill *pin (free with vmb_pin_clear);
 * returns 1. A plain scalar (or null) is left alone: returns 0. -1 with
 * err set on a malformed mapping.
 */
int vmb_pin_take(struct vmb_node *n, const char *what, struct vmb_pin *pin,
		 struct vmb_err *err);

/* Compare the file's digest with the pin; -1 with err set on a mismatch or
 * an unreadable file. */
int vmb_pin_verify(const struct vmb_pin *pin, struct vmb_err *err);

void vmb_pin_clear(struct vmb_pin *pin);

struct vmb_spec;

/* The loader's side: take the pins of memory images and boot files before
 * validation (spec->pins), verify them after it, free them. */
int vmb_spec_take_pins(struct vmb_spec *s, struct vmb_err *err);
int vmb_spec_verify_pins(const struct vmb_spec *s, struct vmb_err *err);
void vmb_spec_free_pins(struct vmb_spec *s);

#endif
