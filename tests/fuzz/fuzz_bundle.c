/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: reading a bundle (src/cli/bundle.c, `vmb run NAME.vmb`,
 * `vmb unpack`). The input is the bundle file itself — a tar archive,
 * plain or zstd-compressed, as libarchive sees it — unpacked into a
 * scratch directory with vmb_unpack(); when that succeeds, the unpacked
 * machine.yaml is loaded as `vmb run` would load it (its images are the
 * unpacked ones), then everything is removed again.
 *
 * What must hold for any input: no crash, leak or hang, and nothing
 * written outside the scratch directory (a "../" or absolute member, a
 * link out, a sparse member are refused before a byte is written).
 * Seeds: tests/fuzz/corpus/bundle/ (a packed machine, plain and zstd).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/bundle.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmb_spec *spec;
	struct vmb_err err;
	char out[512], machine[600];

	snprintf(out, sizeof(out), "%s/unpacked", fuzz_dir());
	if (!vmb_unpack(fuzz_write("in.vmb", data, size), out, &err)) {
		snprintf(machine, sizeof(machine), "%s/machine.yaml", out);
		spec = vmb_spec_load(machine, NULL, 0, &err);
		if (spec)
			vmb_spec_free(spec);
		vmb_unpack_remove(out);
	}
	fuzz_clean();
	return 0;
}
