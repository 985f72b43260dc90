/* SPDX-License-Identifier: MIT */
/*
 * Device properties of kind PATH, handled generically (no PATH property
 * exists on a shipped device yet; disks will have them): a test device
 * type registered here names one input file (pinned by resolve, stored in
 * images/ by pack) and one file it writes (plain path, stored in disks/).
 * Pins on PATH properties are checked by the board with the usual text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/device.h"
#include "cli/bundle.h"
#include "cli/resolve.h"
#include "fixture.h"
#include "unit.h"
#include "util/file.h"

static int disk_create(struct vmb_device *dev, struct vmb_err *err)
{
	/* What a device sees: resolved paths. */
	const char *img = vmb_dev_prop_str(dev, "image");
	const char *seed = vmb_dev_prop_str(dev, "seed-file");

	if (img && access(img, R_OK))
		return vmb_errf(err, NULL, "test-disk: cannot read '%s'", img);
	if (seed && access(seed, R_OK))
		return vmb_errf(err, NULL, "test-disk: cannot read '%s'", seed);
	return 0;
}

static const struct vmb_prop_desc disk_props[] = {
	{ "image", VMB_PROP_PATH, NULL, "disk image, written by the guest", NULL },
	{ "seed-file", VMB_PROP_PATH, NULL, "read-only input", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const char *const disk_writes[] = { "image", NULL };

static const struct vmb_device_type disk_type = {
	.name = "test-disk",
	.summary = "a device with path properties (tests only)",
	.props = disk_props,
	.writes = disk_writes,
	.create = disk_create,
};
VMB_DEVICE_TYPE(disk_type)

#define HELLO64 "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
#define ZEROS64 "0000000000000000000000000000000000000000000000000000000000000000"

static const char head[] =
	"arch: arm64\n"
	"memory:\n  - { name: ram, type: ram, base: 0x40000000, size: 1M }\n"
	"devices:\n  - name: d\n    type: test-disk\n";

static void test_pin_on_path_prop(void **state)
{
	struct tb t;
	char yaml[512];

	tb_dir(&t);
	tb_file(&t, "seed.bin", "hello\n", 6);
	tb_file(&t, "disk.img", "disk", 4);
	snprintf(yaml, sizeof(yaml), "%s    image: disk.img\n    seed-file: { path: "
		 "seed.bin, sha256: %s }\n", head, ZEROS64);
	assert_int_equal(tb_board(&t, yaml), -1);
	assert_contains(t.err.msg, "m.yaml:8:42: sha256 mismatch for 'seed-file' of "
			"device 'd' 'seed.bin'");
	assert_contains(t.err.msg, "expected " ZEROS64 ", actual " HELLO64);
	tb_close(&t);
	snprintf(yaml, sizeof(yaml), "%s    image: disk.img\n    seed-file: { path: "
		 "seed.bin, sha256: %s }\n", head, HELLO64);
	tb_board_ok(&t, yaml, NULL, 0);
	tb_free(&t);
}

static void test_resolve_and_pack(void **state)
{
	struct tb t;
	struct vmb_err err = { "" };
	char yaml[512], out[700], bundle[600], dir[600], *text;
	size_t len;

	tb_dir(&t);
	tb_file(&t, "seed.bin", "hello\n", 6);
	tb_file(&t, "disk.img", "disk", 4);
	snprintf(yaml, sizeof(yaml), "%s    image: disk.img\n    seed-file: seed.bin\n",
		 head);
	tb_board_ok(&t, yaml, NULL, 0);

	/* resolve: the input pinned, the written file a plain path. */
	snprintf(out, sizeof(out), "%s/r.yaml", t.dir);
	assert_int_equal(vmb_resolve_to_file(t.spec, out, &err), 0);
	text = (char *)vmb_file_read(out, NULL, &len, &err);
	assert_non_null(text);
	snprintf(yaml, sizeof(yaml), "    image: %s/disk.img\n", t.dir);
	assert_contains(text, yaml);
	snprintf(yaml, sizeof(yaml), "    seed-file: { path: %s/seed.bin, sha256: "
		 HELLO64 " }\n", t.dir);
	assert_contains(text, yaml);
	free(text);

	/* pack: images/ for the input, disks/ for the written file. */
	snprintf(bundle, sizeof(bundle), "%s/d.vmb", t.dir);
	snprintf(dir, sizeof(dir), "%s/u", t.dir);
	assert_int_equal(vmb_pack(t.spec, bundle, &err), 0);
	assert_int_equal(vmb_unpack(bundle, dir, &err), 0);
	snprintf(out, sizeof(out), "%s/machine.yaml", dir);
	text = (char *)vmb_file_read(out, NULL, &len, &err);
	assert_non_null(text);
	assert_contains(text, "    image: disks/0-");
	assert_contains(text, "    seed-file: { path: images/" HELLO64 ", sha256: "
			HELLO64 " }\n");
	free(text);
	/* The unpacked machine builds: the device reads both files. */
	tb_close(&t);
	{
		struct vmb_spec *s = vmb_spec_load(out, NULL, 0, &err);
		struct vmb_board *b = s ? vmb_board_create(s, NULL, &err) : NULL;

		if (!b)
			fail_msg("%s", err.msg);
		vmb_board_destroy(b);
		vmb_spec_free(s);
	}
	vmb_unpack_remove(dir);
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_on_path_prop),
		cmocka_unit_test(test_resolve_and_pack),
	};

	setenv("VMB_CACHE_DIR", "off", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
