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
 * left behind or written beside the unpack directory (a "../" or absolute
 * member, a link out, a sparse member are refused before a byte is
 * written): the target aborts if the scratch directory holds anything
 * but the input afterwards — where a one-level "../" escape would land.
 * Seeds: tests/fuzz/corpus/bundle/ (a packed machine, plain and zstd).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bundle.h"
#include "fuzz.h"

/* Abort unless fuzz_dir() holds only "in.vmb". */
static void check_nothing_left(void)
{
	struct dirent *e;
	DIR *d = opendir(fuzz_dir());

	if (!d)
		abort();
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, "in.vmb")) {
			fprintf(stderr, "fuzz_bundle: '%s' left in %s\n", e->d_name,
				fuzz_dir());
			abort();
		}
	closedir(d);
}

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
	check_nothing_left();
	fuzz_clean();
	return 0;
}
