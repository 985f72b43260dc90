/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the device-tree builder (vmb_fdt_build) over boards made
 * from fuzzed arm64 machine files: every device type's fdt_node with the
 * properties, counts, addresses and interrupts the loader lets through.
 * The blob must pass libfdt's fdt_check_full and fit its totalsize.
 *
 * Input: a machine file (as fuzz_loader's first part; no includes or
 * overrides). Skipped when its memory adds up to more than 1 GiB (RAM is
 * really mapped) or when a flash bank names a backing file (vmb would
 * create it wherever the input says).
 */
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "fdt/fdt.h"
#include "fuzz.h"

static bool names_files(const struct vmb_spec *s)
{
	for (unsigned i = 0; i < s->ndev; i++) {
		const struct vmb_node *f = vmb_node_get(s->dev[i].props, "files");

		if (!strcmp(s->dev[i].type, "cfi-flash") && f) {
			if (f->kind != VMB_NODE_SEQ)
				return true;
			for (size_t j = 0; j < f->n; j++)
				if (!vmb_node_is_null(f->items[j]))
					return true;
		}
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmb_err err = { { 0 } };
	struct vmb_board *b;
	struct vmb_spec *s;
	void *dtb;

	s = vmb_spec_load(fuzz_write("m.yaml", data, size), NULL, 0, &err);
	if (!s)
		goto out;
	if (s->arch != VMB_ARCH_ARM64 || fuzz_spec_mem(s) > (1ull << 30) ||
	    names_files(s))
		goto out_spec;
	b = vmb_board_create(s, NULL, &err);
	if (!b)
		goto out_spec;
	fuzz_board_hooks(b);
	dtb = vmb_fdt_build(b, 0, 0, &err);
	if (dtb) {
		if (fdt_check_full(dtb, fdt_totalsize(dtb)))
			abort();
		free(dtb);
	} else if (!err.msg[0]) {
		abort();
	}
	vmb_board_destroy(b);
out_spec:
	vmb_spec_free(s);
out:
	fuzz_clean();
	return 0;
}
