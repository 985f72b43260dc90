/* SPDX-License-Identifier: MIT */
/* Device shorthands (config/devopt.h): --drive expansion into a device
 * entry, QEMU-style option splitting, errors naming the option. */
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

#include "config/devopt.h"
#include "fixture.h"

static unsigned find(const char *name)
{
	for (unsigned i = 0; i < vmb_devopt_count(); i++)
		if (!strcmp(vmb_devopt_get(i)->name, name))
			return i;
	fail_msg("no shorthand --%s", name);
	return 0;
}

static void test_drive_expansion(void **state)
{
	unsigned d = find("drive");
	struct vmb_err err;
	char *v;

	v = vmb_devopt_expand(d, "disk.img", &err);
	assert_string_equal(v, "{type: \"virtio-blk\", file: \"disk.img\", name: \"drive0\"}");
	free(v);
	v = vmb_devopt_expand(d, "my,,disk \"x\".img,ro,cache=none,format=raw,serial=s n",
			      &err);
	assert_string_equal(v, "{type: \"virtio-blk\", file: \"my,disk \\\"x\\\".img\", "
			    "read-only: true, cache: none, format: raw, serial: \"s n\", "
			    "name: \"drive1\"}");
	free(v);
	v = vmb_devopt_expand(d, "file=nbd+unix:///e?socket=/s,readonly=on,id=boot,"
			      "num-queues=2", &err);
	assert_string_equal(v, "{type: \"virtio-blk\", file: \"nbd+unix:///e?socket=/s\", "
			    "read-only: true, name: \"boot\", num-queues: 2}");
	free(v);
	/* a value that is not a plain word is quoted: the device rejects it */
	v = vmb_devopt_expand(d, "d.img,cache=no ne", &err);
	assert_contains(v, "cache: \"no ne\"");
	free(v);
}

static void test_drive_errors(void **state)
{
	unsigned d = find("drive");
	struct vmb_err err;

	assert_null(vmb_devopt_expand(d, "disk.img,rw", &err));
	assert_contains(err.msg, "--drive disk.img,rw: unknown option 'rw'");
	assert_contains(err.msg, "expected ro, cache=none|writeback");
	assert_null(vmb_devopt_expand(d, "", &err));
	assert_contains(err.msg, "no image file");
	assert_null(vmb_devopt_expand(d, "disk.img,", &err));
	assert_contains(err.msg, "unknown option ''");
	assert_null(vmb_devopt_expand(d, "disk.img,cache", &err));
	assert_contains(err.msg, "unknown option 'cache'");
}

/* The expansion appended through --set devices.+ builds the same board
 * as the entry written in the file would. */
static void test_drive_builds_device(void **state)
{
	struct tb t;
	static uint8_t img[4096];
	char *v, *v2, cwd[512];
	struct vmb_err err;
	struct vmb_override ov[2];

	tb_dir(&t);
	tb_file(&t, "d.img", img, sizeof(img));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(t.dir), 0);
	v = vmb_devopt_expand(find("drive"), "d.img,ro", &err);
	v2 = vmb_devopt_expand(find("drive"), "d.img,ro,id=named", &err);
	ov[0] = (struct vmb_override){ "devices.+", v };
	ov[1] = (struct vmb_override){ "devices.+", v2 };
	tb_board_ok(&t, "name: t\narch: arm64\n"
		    "memory: [{name: ram, type: ram, base: 0x40000000, size: 1M}]\n"
		    "devices:\n"
		    "  - {name: virtio, type: virtio-mmio, base: 0x0a000000, count: 2,\n"
		    "     stride: 0x200, irq: 16}\n", ov, 2);
	assert_non_null(vmb_board_find_type(t.b, "virtio-blk"));
	assert_non_null(vmb_board_find_dev(t.b, "named"));
	assert_int_equal(tb_rd(&t, 0x0a000208, 4), 2);
	assert_int_equal(tb_rd(&t, 0x0a000008, 4), 2);
	assert_int_equal(chdir(cwd), 0);
	tb_free(&t);
	free(v);
	free(v2);
}

/* LIST.+ errors: not a named mapping, a duplicate name, a path after +. */
static void test_append_errors(void **state)
{
	static const struct { const char *path, *value, *want; } bad[] = {
		{ "devices.+", "[1, 2]", "must be a mapping with a name" },
		{ "devices.+", "{type: pl011}", "must be a mapping with a name" },
		{ "devices.+", "{name: virtio, type: pl011}", "already exists" },
		{ "devices.+.x", "1", "nothing may follow '+'" },
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tb t;
		struct vmb_override ov = { bad[i].path, bad[i].value };

		tb_dir(&t);
		assert_int_equal(tb_board_ov(&t, "name: t\narch: arm64\n"
			"memory: [{name: ram, type: ram, base: 0x40000000, size: 1M}]\n"
			"devices:\n  - {name: virtio, type: virtio-mmio, base: 0xa000000, irq: 16}\n",
			&ov, 1), -1);
		assert_contains(t.err.msg, bad[i].want);
		tb_free(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drive_expansion),
		cmocka_unit_test(test_drive_errors),
		cmocka_unit_test(test_drive_builds_device),
		cmocka_unit_test(test_append_errors),
	};

	return cmocka_run_group_tests_name("devopt", tests, NULL, NULL);
}
