/* SPDX-License-Identifier: MIT */
/*
 * Hostile input to the machine-file loader and the file readers (issue 12):
 * anchors on mapping keys aliased later (once a use-after-free), FIFOs and
 * device files named as machine files, includes and images (once a hang,
 * or /dev/zero loaded as 0 bytes), the machine-file size limit named in
 * its error, and loads near the top of the address space.
 *
 * An alarm turns a regression to a blocking open() into a failed test
 * rather than a hung one. Run under ASan by `make check-asan`, where a
 * use-after-free is reported even when it would not crash.
 */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/node.h"
#include "util/file.h"

#include "fixture.h"

static struct vmb_node *parse_ok(const char *yaml)
{
	struct vmb_err err = { { 0 } };
	struct vmb_node *n = vmb_node_parse_string(yaml, "t.yaml", &err);

	if (!n)
		fail_msg("parsing:\n%s\n%s", yaml, err.msg);
	return n;
}

static void parse_fails(const char *yaml, const char *want)
{
	struct vmb_err err = { { 0 } };
	struct vmb_node *n = vmb_node_parse_string(yaml, "t.yaml", &err);

	if (n)
		fail_msg("parsed, expected '%s':\n%s", want, yaml);
	assert_contains(err.msg, want);
}

/* yaml's key "key" must be the scalar "want". */
static void expect_scalar(const char *yaml, const char *key, const char *want)
{
	struct vmb_node *n = parse_ok(yaml);
	const struct vmb_node *v = vmb_node_get(n, key);

	if (!v || v->kind != VMB_NODE_SCALAR)
		fail_msg("no scalar '%s' in:\n%s", key, yaml);
	assert_string_equal(v->scalar, want);
	vmb_node_free(n);
}

/* Anchors on keys and on values, aliased as values and as keys, in block
 * and flow style: the alias is a copy of what the anchor named. */
static void test_anchor_on_key(void **state)
{
	/* The reproducer: the key's node was freed after add_anchor kept it. */
	expect_scalar("&a arch: arm64\nname: *a\n", "name", "arch");
	expect_scalar("{&a arch: arm64, name: *a}\n", "name", "arch");
	expect_scalar("? &a arch\n: arm64\nname: *a\n", "name", "arch");
	expect_scalar("{? &a arch : arm64, name: *a}\n", "name", "arch");
	/* In a nested mapping, aliased after that mapping ended. */
	expect_scalar("cpus:\n  &k count: 1\nname: *k\n", "name", "count");
	expect_scalar("cpus: {&k count: 1}\nname: *k\n", "name", "count");
	/* The same anchor on a key twice: the latest wins, both freed. */
	expect_scalar("&a x: 1\n&a y: 2\nz: *a\n", "z", "y");
	/* Alias of a key used as a key: a duplicate, reported, no crash. */
	parse_fails("&k a: 1\n*k : 2\n", "duplicate key 'a'");
	parse_fails("{&k a: 1, *k : 2}\n", "duplicate key 'a'");
	/* Used as a key elsewhere: fine. */
	expect_scalar("&k a: 1\nm: {*k : 2}\nb: *k\n", "b", "a");
	/* Anchors on values, block and flow, scalar and collection. */
	expect_scalar("a: &v x\nb: *v\n", "b", "x");
	expect_scalar("{a: &v x, b: *v}\n", "b", "x");
	{
		struct vmb_node *n = parse_ok("- &m {x: 1}\n- *m\n- &s [1, 2]\n- *s\n");

		assert_int_equal(n->n, 4);
		assert_int_equal(n->items[1]->kind, VMB_NODE_MAP);
		assert_string_equal(vmb_node_get(n->items[1], "x")->scalar, "1");
		assert_int_equal(n->items[3]->n, 2);
		vmb_node_free(n);
	}
	/* An anchor on a key that is a collection: refused, no leak. */
	parse_fails("? &a [1]\n: v\n", "mapping key is a sequence");
	parse_fails("{? &a {x: 1} : v}\n", "mapping key is a mapping");
	/* A key that fails after its anchor was recorded (duplicate). */
	parse_fails("a: 1\n&d a: 2\n", "duplicate key 'a'");
}

/* Through the whole loader, as `vmb check x.yaml` runs it. */
static void test_anchor_on_key_spec(void **state)
{
	struct tb t;

	tb_dir(&t);
	assert_int_equal(tb_board(&t, "&a arch: arm64\nname: *a\n"), 0);
	assert_string_equal(t.spec->name, "arch");
	tb_close(&t);
	assert_int_equal(tb_board(&t, "{&a arch: arm64, name: *a, "
				  "model: *a}\n"), 0);
	assert_string_equal(t.spec->model, "arch");
	tb_free(&t);
}

static const char *fifo(struct tb *t, const char *name)
{
	static char path[400];

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	if (mkfifo(path, 0600))
		fail_msg("mkfifo %s", path);
	return path;
}

/* A FIFO with no writer named where vmb reads a file: an error naming it,
 * never a blocked open(). */
static void test_fifo(void **state)
{
	struct vmb_err err = { { 0 } };
	char yaml[1024];
	const char *p;
	uint64_t size;
	struct tb t;

	alarm(60);
	tb_dir(&t);
	p = fifo(&t, "fifo");

	/* The machine file itself. */
	assert_null(vmb_spec_load(p, NULL, 0, &err));
	assert_contains(err.msg, "cannot open: Is a FIFO, expected a regular file");

	/* An include. */
	tb_board_fails(&t, "arch: arm64\ninclude: fifo\n",
		       "m.yaml:2:10: include file 'fifo'", "Is a FIFO", NULL);

	/* A memory image, firmware, kernel, initrd, dtb. */
	tb_board_fails(&t, "arch: arm64\nmemory:\n  - {name: ram, type: ram, "
		       "base: 0x40000000, size: 1M, image: fifo}\n",
		       "image file 'fifo'", "Is a FIFO", NULL);
	static const char *const keys[] = { "firmware", "kernel", "initrd", "dtb" };
	for (unsigned i = 0; i < 4; i++) {
		snprintf(yaml, sizeof(yaml), "arch: arm64\nmemory:\n  - {name: ram, "
			 "type: ram, base: 0x40000000, size: 1M}\nboot: {%s: fifo}\n",
			 keys[i]);
		tb_board_fails(&t, yaml, "file 'fifo'", "Is a FIFO", NULL);
	}

	/* A flash backing file. */
	tb_board_fails(&t, "arch: arm64\ndevices:\n  - {name: flash, type: cfi-flash, "
		       "base: 0, size: 512K, banks: 1, files: [fifo]}\n",
		       "backing file", "Is a FIFO", NULL);

	/* The readers the boot code and the board use. */
	assert_int_equal(vmb_file_open(p, NULL, &size, &err), -1);
	assert_contains(err.msg, "Is a FIFO");
	assert_null(vmb_file_read(p, NULL, (size_t *)&size, &err));
	assert_int_equal(tb_make(&t, "arch: arm64\nmemory:\n  - {name: ram, "
				 "type: ram, base: 0x40000000, size: 1M}\n"), 0);
	assert_int_equal(vmb_board_load_file(t.b, p, 0x40000000, &err), -1);
	assert_contains(err.msg, "Is a FIFO");
	tb_free(&t);
	alarm(0);
}

/* /dev/zero as an image was loaded as 0 bytes; /dev/null too. */
static void test_device_file(void **state)
{
	struct tb t;

	alarm(60);
	tb_dir(&t);
	tb_board_fails(&t, "arch: arm64\nmemory:\n  - {name: ram, type: ram, "
		       "base: 0x40000000, size: 1M, image: /dev/zero}\n",
		       "image file '/dev/zero'", "Is a character device, expected "
		       "a regular file", NULL);
	tb_board_fails(&t, "arch: arm64\nmemory:\n  - {name: ram, type: ram, "
		       "base: 0x40000000, size: 1M}\nboot: {kernel: /dev/null}\n",
		       "kernel file '/dev/null'", "Is a character device", NULL);
	tb_board_fails(&t, "arch: arm64\ninclude: /dev/null\n",
		       "include file '/dev/null'", "Is a character device", NULL);
	tb_board_fails(&t, "arch: arm64\nmemory:\n  - {name: ram, type: ram, "
		       "base: 0x40000000, size: 1M, image: /}\n",
		       "image file '/'", "Is a directory", NULL);
	tb_free(&t);
	alarm(0);
}

/* The size limit on machine files is named, and a file at the limit is
 * read (in one allocation: growing the buffer 64 KiB at a time was
 * quadratic). */
static void test_file_size_limit(void **state)
{
	struct vmb_err err = { { 0 } };
	struct vmb_node *n;
	size_t big = (16u << 20) + 1;
	char *text = malloc(big);
	const char *p;
	struct tb t;

	tb_dir(&t);
	/* A comment line as long as the file: cheap for libyaml to scan. */
	memset(text, ' ', big);
	text[0] = '#';
	text[big - 1] = '\n';
	p = tb_file(&t, "big.yaml", text, big);
	assert_null(vmb_node_parse_file(p, &err));
	assert_contains(err.msg, "file too large: 16777217 bytes, expected at most "
			"16 MiB (16777216 bytes) for a machine file");

	p = tb_file(&t, "max.yaml", text, big - 1);
	n = vmb_node_parse_file(p, &err);
	if (!n)
		fail_msg("%s", err.msg);
	assert_true(vmb_node_is_null(n));
	vmb_node_free(n);
	free(text);
	tb_free(&t);
}

/* RAM that ends at 2^64: the error gave "region ends at 0x0". */
static void test_load_top_of_space(void **state)
{
	struct vmb_err err = { { 0 } };
	struct tb t;
	const char *img;

	assert_int_equal(tb_make(&t, "arch: arm64\nmemory:\n  - {name: top, "
				 "type: ram, base: 0xfffffffffff00000, size: 1M}\n"), 0);
	img = tb_file(&t, "img.bin", "abcd", 4);
	assert_int_equal(vmb_board_load_file(t.b, img, 0xfffffffffffffffe, &err), -1);
	assert_contains(err.msg, "does not fit in 'top' at 0xfffffffffffffffe: "
			"region ends at 0x10000000000000000");
	assert_int_equal(vmb_board_load_file(t.b, img, 0xfffffffffffffffc, &err), 4);
	assert_memory_equal(vmb_board_gpa_ptr(t.b, 0xfffffffffffffffc, 4), "abcd", 4);
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anchor_on_key),
		cmocka_unit_test(test_anchor_on_key_spec),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_device_file),
		cmocka_unit_test(test_file_size_limit),
		cmocka_unit_test(test_load_top_of_space),
	};

	return cmocka_run_group_tests_name("robust_loader", tests, NULL, NULL);
}
