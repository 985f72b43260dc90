/* SPDX-License-Identifier: MIT */
/*
 * Bundles (cli/bundle.h): pack / unpack round trip, packing twice gives
 * the same bytes, the unpacked machine gives the same DTB, and hostile
 * archives — "../" and absolute names, symlinks and hard links out, a
 * 10 GB sparse member, a member whose content is not its digest, a
 * duplicate, a truncated archive — are refused with nothing left behind.
 *
 * Run from the repository root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <libfdt.h>

#include "cli/bundle.h"
#include "fdt/fdt.h"
#include "fixture.h"
#include "unit.h"
#include "util/file.h"
#include "util/sha256.h"

#define DERIVED "tests/fixtures/machines/derived.yaml"

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	struct vmb_err err;
	uint8_t *p = vmb_file_read(path, NULL, len, &err);

	if (!p)
		fail_msg("%s", err.msg);
	return p;
}

static void *dtb_of(const char *path, const struct vmb_override *extra,
		    unsigned nextra)
{
	struct vmb_override ov[8] = {
		{ "determinism.enabled", "true" }, { "determinism.seed", "5" },
	};

	if (nextra)
		memcpy(ov + 2, extra, nextra * sizeof(*extra));
	return fx_dtb(path, ov, 2 + nextra);
}

static int pack(const char *machine, const struct vmb_override *ov, unsigned nov,
		const char *out, struct vmb_err *err)
{
	struct vmb_spec *s = vmb_spec_load(machine, ov, nov, err);
	int rc;

	if (!s)
		fail_msg("%s", err->msg);
	rc = vmb_pack(s, out, err);
	vmb_spec_free(s);
	return rc;
}

static void test_round_trip(void **state)
{
	struct tb t;
	struct vmb_err err = { "" };
	char bundle[512], bundle2[512], dir[512], dir2[600], path[700], vars[512];
	static uint8_t bank[128 << 10];
	/* Small flash banks (128K) keep the files small. */
	struct vmb_override ov[3] = {
		{ "devices.flash.size", "256K" }, { "devices.flash.block-size", "64K" },
		{ "devices.flash.files", NULL },
	};
	void *d0, *d1;
	size_t n0, n1, n;
	uint8_t *a, *b;

	tb_dir(&t);
	/* A flash backing file with content: a written file, stored apart. */
	memset(bank, 0x5a, sizeof(bank));
	snprintf(vars, sizeof(vars), "[~, %s]", tb_file(&t, "vars.img", bank,
							  sizeof(bank)));
	ov[2].value = vars;
	snprintf(bundle, sizeof(bundle), "%s/d.vmb", t.dir);
	snprintf(dir, sizeof(dir), "%s/d", t.dir);
	if (pack(DERIVED, ov, 3, bundle, &err) || vmb_unpack(bundle, dir, &err))
		fail_msg("%s", err.msg);

	/* The images came out byte for byte, under their digests. */
	a = slurp("tests/fixtures/config/blob.bin", &n0);
	snprintf(path, sizeof(path), "%s/images/dee1df7f4f5d8c73e44d9f45f56a0de2"
		 "899d9603dc2383925c336cfaef33a263", dir);
	b = slurp(path, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(a, b, n0);
	free(a), free(b);
	{
		uint8_t d[VMB_SHA256_LEN];
		char hex[VMB_SHA256_HEX_LEN + 1];

		vmb_sha256_buf(bank, sizeof(bank), d);
		vmb_sha256_hex(d, hex);
		snprintf(path, sizeof(path), "%s/disks/0-%s", dir, hex);
		b = slurp(path, &n1);
		assert_int_equal(n1, sizeof(bank));
		assert_memory_equal(b, bank, sizeof(bank));
		free(b);
	}
	snprintf(path, sizeof(path), "%s/machine.yaml", dir);
	a = slurp(path, &n);
	assert_non_null(strstr((char *)a, "files: [~, disks/0-"));
	assert_non_null(strstr((char *)a, "firmware: { path: images/dee1df7f"));
	/* A path inside a list of mappings (fw-cfg-mmio "files.file"). */
	assert_non_null(strstr((char *)a, "files: [{ name: opt/vmb/blob, file: "
			       "{ path: images/dee1df7f"));
	assert_non_null(strstr((char *)a, "{ name: opt/vmb/text, string: "
			       "\"hello, fw_cfg\" }]"));
	free(a);

	/* Same DTB as the original with the same seed. */
	d0 = dtb_of(DERIVED, ov, 3);
	d1 = dtb_of(path, NULL, 0);
	assert_int_equal(fdt_totalsize(d0), fdt_totalsize(d1));
	assert_memory_equal(d0, d1, fdt_totalsize(d0));
	free(d0), free(d1);

	/* Packing the unpacked machine gives the same bundle, byte for byte. */
	snprintf(bundle2, sizeof(bundle2), "%s/d2.vmb", t.dir);
	assert_int_equal(pack(path, NULL, 0, bundle2, &err), 0);
	a = slurp(bundle, &n0);
	b = slurp(bundle2, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(a, b, n0);
	free(a), free(b);

	/* The run path: a private copy, removed afterwards. */
	{
		char *m = vmb_bundle_open(bundle, &err);
		char copy[700];

		assert_non_null(m);
		snprintf(copy, sizeof(copy), "%s", m);
		assert_true(exists(copy));
		vmb_bundle_close(m);
		assert_false(exists(copy));
		*strrchr(copy, '/') = '\0';
		*strrchr(copy, '/') = '\0';
		assert_false(exists(copy));
	}
	/* unpack refuses an existing directory. */
	assert_int_equal(vmb_unpack(bundle, dir, &err), -1);
	assert_non_null(strstr(err.msg, "File exists"));
	snprintf(dir2, sizeof(dir2), "rm -rf '%s'", dir);
	assert_int_equal(system(dir2), 0);
	tb_free(&t);
}

/* ---- hostile archives ------------------------------------------------------- */

struct evil {
	const char *name;
	int type;             /* AE_IFREG, AE_IFLNK, hard link (0) */
	const char *link;     /* symlink / hard-link target */
	const char *data;
	int64_t size;         /* declared; -1: strlen(data) */
	bool sparse;
};

static void write_evil(const char *path, const struct evil *m, unsigned n)
{
	struct archive *a = archive_write_new();

	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (unsigned i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		int64_t size = m[i].size >= 0 ? m[i].size :
			       (int64_t)strlen(m[i].data ? m[i].data : "");

		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_perm(e, 0644);
		if (m[i].type == AE_IFLNK) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, m[i].link);
			size = 0;
		} else if (m[i].type == 0) {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, m[i].link);
			size = 0;
		} else {
			archive_entry_set_filetype(e, AE_IFREG);
		}
		archive_entry_set_size(e, size);
		if (m[i].sparse)
			/* 10 GB of which one 4 KiB block is data. */
			archive_entry_sparse_add_entry(e, size - 4096, 4096);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (m[i].sparse) {
			static char block[4096];

			archive_write_data(a, block, sizeof(block));
		} else if (m[i].data) {
			archive_write_data(a, m[i].data, strlen(m[i].data));
		}
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static const char machine_yaml[] =
	"arch: arm64\nmemory:\n  - { name: ram, type: ram, base: 0x40000000, size: 1M }\n";
#define ZEROS64 "0000000000000000000000000000000000000000000000000000000000000000"
/* sha256("hello\n") */
#define HELLO64 "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"

static void refused(struct tb *t, const char *what, const struct evil *m,
		    unsigned n, const char *msg)
{
	struct vmb_err err = { "" };
	char bundle[512], dir[512], outside[512];

	snprintf(bundle, sizeof(bundle), "%s/evil.vmb", t->dir);
	snprintf(dir, sizeof(dir), "%s/x/y", t->dir);
	snprintf(outside, sizeof(outside), "%s/x/evil", t->dir);
	mkdir(strrchr(dir, '/') ? (dir[strlen(dir) - 2] = '\0', dir) : dir, 0700);
	dir[strlen(dir)] = '/';  /* back to .../x/y */
	write_evil(bundle, m, n);
	if (vmb_unpack(bundle, dir, &err) != -1)
		fail_msg("%s: accepted", what);
	if (!strstr(err.msg, msg))
		fail_msg("%s: expected \"%s\" in \"%s\"", what, msg, err.msg);
	assert_false(exists(dir));
	assert_false(exists(outside));
	unlink(bundle);
}

static void test_hostile(void **state)
{
	const struct evil dotdot[] = {
		{ "machine.yaml", AE_IFREG, NULL, machine_yaml, -1, false },
		{ "../evil", AE_IFREG, NULL, "x", -1, false },
	};
	const struct evil dotdot_inner[] = {
		{ "images/../../evil", AE_IFREG, NULL, "x", -1, false },
	};
	const struct evil absolute[] = {
		{ "/tmp/vmb-evil-absolute", AE_IFREG, NULL, "x", -1, false },
	};
	const struct evil symlink_out[] = {
		{ "images/" HELLO64, AE_IFLNK, "/etc/passwd", NULL, 0, false },
	};
	const struct evil hardlink_out[] = {
		{ "images/" HELLO64, 0, "/etc/passwd", NULL, 0, false },
	};
	const struct evil sparse[] = {
		{ "machine.yaml", AE_IFREG, NULL, machine_yaml, -1, false },
		{ "images/" ZEROS64, AE_IFREG, NULL, NULL, 10000000000ll, true },
	};
	const struct evil wrong_digest[] = {
		{ "machine.yaml", AE_IFREG, NULL, machine_yaml, -1, false },
		{ "images/" ZEROS64, AE_IFREG, NULL, "hello\n", -1, false },
	};
	const struct evil twice[] = {
		{ "machine.yaml", AE_IFREG, NULL, machine_yaml, -1, false },
		{ "machine.yaml", AE_IFREG, NULL, machine_yaml, -1, false },
	};
	const struct evil no_machine[] = {
		{ "images/" HELLO64, AE_IFREG, NULL, "hello\n", -1, false },
	};
	const struct evil other_name[] = {
		{ "machine.yaml", AE_IFREG, NULL, machine_yaml, -1, false },
		{ "images/" HELLO64 "x", AE_IFREG, NULL, "hello\n", -1, false },
	};
	struct tb t;

	tb_dir(&t);
	refused(&t, "../", dotdot, 2, "refusing member '../evil'");
	refused(&t, "images/../../", dotdot_inner, 1, "refusing member 'images/../../evil'");
	refused(&t, "absolute", absolute, 1, "refusing member '/tmp/vmb-evil-absolute'");
	assert_false(exists("/tmp/vmb-evil-absolute"));
	refused(&t, "symlink", symlink_out, 1, "not a regular file");
	refused(&t, "hard link", hardlink_out, 1, "not a regular file");
	refused(&t, "sparse", sparse, 2, "refusing sparse member 'images/" ZEROS64
		"' (declared 10000000000 bytes)");
	refused(&t, "digest", wrong_digest, 2, "is damaged: its sha256 is " HELLO64);
	refused(&t, "duplicate", twice, 2, "member 'machine.yaml' appears twice");
	refused(&t, "no machine", no_machine, 1, "has no machine.yaml");
	refused(&t, "other name", other_name, 2, "a bundle holds only");
	tb_free(&t);
}

static void test_truncated(void **state)
{
	struct tb t;
	struct vmb_err err = { "" };
	char bundle[512], dir[512];
	size_t n;
	uint8_t *whole;
	int cuts[] = { 2, 3, 10 };

	tb_dir(&t);
	snprintf(bundle, sizeof(bundle), "%s/d.vmb", t.dir);
	snprintf(dir, sizeof(dir), "%s/d", t.dir);
	assert_int_equal(pack(DERIVED, NULL, 0, bundle, &err), 0);
	whole = slurp(bundle, &n);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		size_t keep = n - n / (size_t)cuts[i];
		int fd = open(bundle, O_WRONLY | O_TRUNC);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, whole, keep), (ssize_t)keep);
		close(fd);
		assert_int_equal(vmb_unpack(bundle, dir, &err), -1);
		if (!strstr(err.msg, "truncated") && !strstr(err.msg, "damaged"))
			fail_msg("cut to %zu of %zu: %s", keep, n, err.msg);
		assert_false(exists(dir));
	}
	/* Not an archive at all. */
	tb_file(&t, "junk.vmb", "junk", 4);
	snprintf(bundle, sizeof(bundle), "%s/junk.vmb", t.dir);
	assert_int_equal(vmb_unpack(bundle, dir, &err), -1);
	assert_non_null(strstr(err.msg, "junk.vmb"));
	assert_false(exists(dir));
	free(whole);
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_truncated),
	};

	setenv("VMB_CACHE_DIR", "off", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
