/* SPDX-License-Identifier: MIT */
/*
 * Bundles left out (make VMB_BUNDLE=0): the static aarch64 vmb of the nested
 * KVM tests has no static libarchive to link. Every entry point of
 * bundle.h says so instead of failing to link.
 */
#include <string.h>

#include "cli/bundle.h"

static int none(const char *what, struct vmb_err *err)
{
	return vmb_errf(err, NULL, "%s: this vmb was built without bundle "
			"support (VMB_BUNDLE=0)", what);
}

int vmb_pack(const struct vmb_spec *spec, const char *out_path, struct vmb_err *err)
{
	return none("pack", err);
}

bool vmb_is_bundle(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && !strcmp(path + n - 4, ".vmb");
}

int vmb_unpack(const char *bundle, const char *dir, struct vmb_err *err)
{
	return none(bundle, err);
}

void vmb_unpack_remove(const char *dir)
{
}

char *vmb_bundle_open(const char *bundle, struct vmb_err *err)
{
	none(bundle, err);
	return NULL;
}

void vmb_bundle_close(char *machine)
{
}

const char vmb_pack_help[] =
"usage: vmb pack MACHINE.yaml -o NAME.vmb\n"
"\n"
"Not available: this vmb was built without bundle support (VMB_BUNDLE=0).\n";

const char vmb_unpack_help[] =
"usage: vmb unpack NAME.vmb [-C DIR]\n"
"\n"
"Not available: this vmb was built without bundle support (VMB_BUNDLE=0).\n";
