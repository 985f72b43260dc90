/* SPDX-License-Identifier: MIT */
/*
 * Device properties of kind PATH, handled generically: a test device
 * type registered here names one input file (pinned by resolve, stored in
 * images/ by pack) and one file it writes (plain path, stored in disks/).
 * Pins on PATH properties are checked by the board with the usual text.
 * Then the shipped devices that name files: virtio-blk's disk (written
 * unless read-only; an nbd:// URI is no file) and virtio-net's TFTP root
 * (a directory: resolve writes it, pack refuses it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static void test_is_uri(void **state)
{
	(void)state;
	assert_true(vmb_path_is_uri("nbd://host/export"));
	assert_true(vmb_path_is_uri("nbd+unix:///?socket=/run/x.sock"));
	assert_false(vmb_path_is_uri("disk.img"));
	assert_false(vmb_path_is_uri("/abs/nbd://x"));
	assert_false(vmb_path_is_uri("dir/a://b"));
	assert_false(vmb_path_is_uri("://x"));
	assert_false(vmb_path_is_uri("1nbd://x"));
}

static const char vhead[] =
	"arch: arm64\n"
	"memory:\n  - { name: ram, type: ram, base: 0x40000000, size: 16M }\n"
	"devices:\n"
	"  - { name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000 }\n"
	"  - { name: virtio, type: virtio-mmio, base: 0x0a000000, count: 4,\n"
	"      stride: 0x200, irq: 16, trigger: edge }\n";

/* Load yaml as t's DIR/m.yaml into t->spec without building a board (a
 * board would hold the disk's lock that resolve and pack take again). */
static void load(struct tb *t, const char *yaml)
{
	struct vmb_err err = { "" };

	tb_close(t);
	t->spec = vmb_spec_load(tb_file(t, "m.yaml", yaml, strlen(yaml)), NULL, 0, &err);
	if (!t->spec)
		fail_msg("%s", err.msg);
}

/* Resolve t's machine to DIR/r.yaml and return the text (free it). */
static char *resolved(struct tb *t)
{
	struct vmb_err err = { "" };
	char out[600];
	size_t len;
	char *text;

	snprintf(out, sizeof(out), "%s/r.yaml", t->dir);
	if (vmb_resolve_to_file(t->spec, out, &err))
		fail_msg("%s", err.msg);
	text = (char *)vmb_file_read(out, NULL, &len, &err);
	assert_non_null(text);
	unlink(out);
	return text;
}

/* A disk the guest writes: a plain path in resolve, a disks/ member in
 * the bundle; read-only: pinned, an images/ member. */
static void test_virtio_blk_file(void **state)
{
	struct tb t;
	struct vmb_err err = { "" };
	char yaml[1024], want[700], bundle[600], dir[600], *text;
	size_t len;

	tb_dir(&t);
	tb_file(&t, "disk.img", "hello\n", 6);
	snprintf(yaml, sizeof(yaml), "%s  - { name: disk0, type: virtio-blk, "
		 "file: disk.img }\n", vhead);
	load(&t, yaml);
	text = resolved(&t);
	snprintf(want, sizeof(want), "    file: %s/disk.img\n    read-only: false\n",
		 t.dir);
	assert_contains(text, want);
	free(text);
	snprintf(bundle, sizeof(bundle), "%s/d.vmb", t.dir);
	snprintf(dir, sizeof(dir), "%s/u", t.dir);
	assert_int_equal(vmb_pack(t.spec, bundle, &err), 0);
	assert_int_equal(vmb_unpack(bundle, dir, &err), 0);
	snprintf(want, sizeof(want), "%s/machine.yaml", dir);
	text = (char *)vmb_file_read(want, NULL, &len, &err);
	assert_non_null(text);
	assert_contains(text, "    file: disks/0-" HELLO64 "\n");
	free(text);
	vmb_unpack_remove(dir);
	unlink(bundle);
	tb_close(&t);

	snprintf(yaml, sizeof(yaml), "%s  - { name: disk0, type: virtio-blk, "
		 "file: disk.img, read-only: true }\n", vhead);
	load(&t, yaml);
	text = resolved(&t);
	snprintf(want, sizeof(want), "    file: { path: %s/disk.img, sha256: "
		 HELLO64 " }\n    read-only: true\n", t.dir);
	assert_contains(text, want);
	free(text);
	assert_int_equal(vmb_pack(t.spec, bundle, &err), 0);
	assert_int_equal(vmb_unpack(bundle, dir, &err), 0);
	snprintf(want, sizeof(want), "%s/machine.yaml", dir);
	text = (char *)vmb_file_read(want, NULL, &len, &err);
	assert_non_null(text);
	assert_contains(text, "    file: { path: images/" HELLO64 ", sha256: "
			HELLO64 " }\n");
	free(text);
	vmb_unpack_remove(dir);
	unlink(bundle);
	tb_close(&t);

	/* A pinned disk is checked like any image. */
	snprintf(yaml, sizeof(yaml), "%s  - { name: disk0, type: virtio-blk, "
		 "read-only: true,\n      file: { path: disk.img, sha256: " ZEROS64
		 " } }\n", vhead);
	assert_int_equal(tb_board(&t, yaml), -1);
	assert_contains(t.err.msg, "sha256 mismatch for 'file' of device 'disk0'");
	tb_free(&t);
}

/* An nbd:// URI is not rebased against the machine's directory, nor
 * hashed: the board hands it to the device as written (which then fails
 * to connect: nothing listens on the socket). */
static void test_virtio_blk_uri(void **state)
{
	struct tb t;
	char yaml[1024];

	tb_dir(&t);
	snprintf(yaml, sizeof(yaml), "%s  - { name: disk0, type: virtio-blk,\n"
		 "      file: \"nbd+unix:///x?socket=%s/none.sock\" }\n", vhead, t.dir);
	assert_int_equal(tb_board(&t, yaml), -1);
	assert_contains(t.err.msg, "'nbd+unix:///x?socket=");
	assert_null(strstr(t.err.msg, "sha256"));
	tb_free(&t);
}

/* The TFTP root is a directory: resolve writes its absolute path without
 * a digest and the output builds (the user backend's defaults written by
 * resolve for tap keys are accepted); pack refuses it, saying how to
 * leave it out. */
static void test_virtio_net_tftp(void **state)
{
	struct tb t;
	struct vmb_err err = { "" };
	char yaml[1024], want[700], bundle[600], *text;

	tb_dir(&t);
	snprintf(want, sizeof(want), "%s/tftp", t.dir);
	assert_int_equal(mkdir(want, 0700), 0);
	snprintf(yaml, sizeof(yaml), "%s  - { name: net0, type: virtio-net, net: user, "
		 "tftp: tftp }\n", vhead);
	load(&t, yaml);
	text = resolved(&t);
	snprintf(want, sizeof(want), "    tftp: %s/tftp\n", t.dir);
	assert_contains(text, want);
	assert_contains(text, "    vnet-hdr: true\n");
	snprintf(bundle, sizeof(bundle), "%s/n.vmb", t.dir);
	assert_int_equal(vmb_pack(t.spec, bundle, &err), -1);
	assert_contains(err.msg, "pack: devices.net0.tftp is a directory");
	assert_contains(err.msg, "--set devices.net0.tftp=~");
	assert_int_equal(access(bundle, F_OK), -1);
	tb_close(&t);
	/* The resolved text builds the same device. */
	tb_board_ok(&t, text, NULL, 0);
	free(text);
	tb_close(&t);
	snprintf(want, sizeof(want), "%s/tftp", t.dir);
	rmdir(want);
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_on_path_prop),
		cmocka_unit_test(test_resolve_and_pack),
		cmocka_unit_test(test_is_uri),
		cmocka_unit_test(test_virtio_blk_file),
		cmocka_unit_test(test_virtio_blk_uri),
		cmocka_unit_test(test_virtio_net_tftp),
	};

	setenv("VMB_CACHE_DIR", "off", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
