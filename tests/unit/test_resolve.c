/* SPDX-License-Identifier: MIT */
/*
 * Pinned images (config/pin.h, util/sha256.h) and vmb resolve
 * (cli/resolve.h): digest mismatch text, pin syntax errors, what the
 * digest cache trusts, resolve idempotence on every shipped machine and
 * every config fixture that builds a board, and the resolved file giving
 * the same DTB bytes with a fixed seed.
 *
 * Run from the repository root (machines/, tests/fixtures/).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfdt.h>

#include "cli/resolve.h"
#include "fdt/fdt.h"
#include "fixture.h"
#include "unit.h"
#include "util/file.h"
#include "util/sha256.h"
#include "vm.h"

static const char zeros[] =
	"0000000000000000000000000000000000000000000000000000000000000000";
/* sha256("hello\n") */
static const char hello_sha[] =
	"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

static int cache_setup(void **state)
{
	static char dir[] = "/tmp/vmb-cache-test-XXXXXX";

	assert_non_null(mkdtemp(dir));
	setenv("VMB_CACHE_DIR", dir, 1);
	*state = dir;
	return 0;
}

static int cache_teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static const char arm_head[] =
	"arch: arm64\n"
	"memory:\n  - { name: ram, type: ram, base: 0x40000000, size: 1M }\n";

static void test_pin_mismatch_text(void **state)
{
	struct tb t;
	char yaml[512], want[1024];

	tb_dir(&t);
	tb_file(&t, "fw.bin", "hello\n", 6);
	snprintf(yaml, sizeof(yaml), "%sboot:\n  firmware: { path: fw.bin, "
		 "sha256: %s }\n", arm_head, zeros);
	assert_int_equal(tb_board(&t, yaml), -1);
	snprintf(want, sizeof(want), "%s/m.yaml:5:37: sha256 mismatch for firmware "
		 "'fw.bin' (resolved: %s/fw.bin): expected %s, actual %s", t.dir,
		 t.dir, zeros, hello_sha);
	assert_string_equal(t.err.msg, want);
	tb_close(&t);

	/* The right digest (upper case too) loads; the path is plain again. */
	snprintf(yaml, sizeof(yaml), "%sboot:\n  firmware: { path: fw.bin, "
		 "sha256: %s }\n", arm_head, hello_sha);
	for (char *p = strstr(yaml, hello_sha); *p != ' '; p++)
		*p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
	tb_board_ok(&t, yaml, NULL, 0);
	assert_contains(t.spec->boot.firmware, "/fw.bin");
	tb_close(&t);

	/* Memory image. */
	snprintf(yaml, sizeof(yaml), "arch: arm64\nmemory:\n  - name: rom\n"
		 "    type: rom\n    base: 0\n    size: 4K\n    image: { path: "
		 "fw.bin, sha256: %s }\n", zeros);
	assert_int_equal(tb_board(&t, yaml), -1);
	assert_contains(t.err.msg, "m.yaml:7:36: sha256 mismatch for image of "
			"memory 'rom' 'fw.bin'");
	tb_close(&t);

	/* A device's path-list property (cfi-flash backing files). */
	snprintf(yaml, sizeof(yaml), "%sdevices:\n  - name: flash\n    type: "
		 "cfi-flash\n    base: 0x0\n    size: 128K\n    banks: 1\n"
		 "    block-size: 64K\n    files: [{ path: fw.bin, sha256: %s }]\n",
		 arm_head, zeros);
	assert_int_equal(tb_board(&t, yaml), -1);
	assert_contains(t.err.msg, "m.yaml:11:37: sha256 mismatch for 'files' of "
			"device 'flash' 'fw.bin'");
	assert_contains(t.err.msg, hello_sha);
	tb_close(&t);

	/* A file inside a list of mappings (fw-cfg-mmio files[].file). */
	snprintf(yaml, sizeof(yaml), "%sdevices:\n  - name: fw\n    type: "
		 "fw-cfg-mmio\n    base: 0x9020000\n    files:\n      - { name: "
		 "opt/x, file: { path: fw.bin, sha256: %s } }\n", arm_head, zeros);
	assert_int_equal(tb_board(&t, yaml), -1);
	assert_contains(t.err.msg, "m.yaml:9:54: sha256 mismatch for 'files' of "
			"device 'fw' 'fw.bin'");
	tb_free(&t);
}

static void test_pin_syntax(void **state)
{
	static const struct { const char *val, *msg; } bad[] = {
		{ "{ path: fw.bin, sha256: 1234 }",
		  "5:37: bad sha256 for firmware: expected 64 hex digits, got '1234'" },
		{ "{ path: fw.bin }", "missing required field 'sha256' in firmware" },
		{ "{ sha256: 00 }", "missing required field 'path' in firmware" },
		{ "{ path: fw.bin, sha: 1 }", "unknown key 'sha' in firmware" },
		{ "{ path: [a], sha256: 1 }", "wrong type for 'path' of firmware" },
		{ "{ path: missing.bin, sha256: 00000000000000000000000000000000"
		  "00000000000000000000000000000000 }",
		  "firmware file 'missing.bin'" },
	};
	char yaml[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tb t;

		tb_dir(&t);
		tb_file(&t, "fw.bin", "hello\n", 6);
		snprintf(yaml, sizeof(yaml), "%sboot:\n  firmware: %s\n", arm_head,
			 bad[i].val);
		tb_board_fails(&t, yaml, bad[i].msg, NULL);
		tb_free(&t);
	}
}

/* Replace the digest in path's cache entry. */
static void forge_cache(const char *dir, const char *path, const char *want_hex)
{
	char real[4096], name[VMB_SHA256_HEX_LEN + 1], cmd[8192];
	uint8_t key[VMB_SHA256_LEN];

	assert_non_null(realpath(path, real));
	vmb_sha256_buf(real, strlen(real), key);
	vmb_sha256_hex(key, name);
	snprintf(cmd, sizeof(cmd), "sed -i 's/ [0-9a-f]\\{64\\} / %s /' '%s/sha256/%s'",
		 want_hex, dir, name);
	assert_int_equal(system(cmd), 0);
}

/* The cache is used when path, inode, size and times are unchanged, and
 * not after any write, even one that keeps size and mtime. */
static void test_digest_cache(void **state)
{
	const char *cache = *state;
	struct tb t;
	uint8_t d[VMB_SHA256_LEN];
	char hex[VMB_SHA256_HEX_LEN + 1];
	struct timespec times[2];
	struct stat st;
	const char *f;
	int fd;

	tb_dir(&t);
	f = tb_file(&t, "disk.img", "hello\n", 6);
	vmb_sha256_forget();
	assert_int_equal(vmb_sha256_file(f, d, NULL, &t.err), 0);
	vmb_sha256_hex(d, hex);
	assert_string_equal(hex, hello_sha);

	/* Trusted: a forged entry for the unchanged file is believed. */
	forge_cache(cache, f, zeros);
	vmb_sha256_forget();
	assert_int_equal(vmb_sha256_file(f, d, NULL, &t.err), 0);
	vmb_sha256_hex(d, hex);
	assert_string_equal(hex, zeros);

	/* Same size, mtime put back: ctime moved, so it is read again. */
	assert_int_equal(stat(f, &st), 0);
	fd = open(f, O_WRONLY);
	assert_int_equal(write(fd, "HELLO\n", 6), 6);
	close(fd);
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, f, times, 0), 0);
	vmb_sha256_forget();
	assert_int_equal(vmb_sha256_file(f, d, NULL, &t.err), 0);
	vmb_sha256_hex(d, hex);
	/* sha256("HELLO\n") */
	assert_string_equal(hex, "3b09aeb6f5f5336beb205d7f720371bc"
			    "927cd46c21922e334d47ba264acb5ba4");

	/* VMB_CACHE_DIR=off: no cache file is read. */
	setenv("VMB_CACHE_DIR", "off", 1);
	vmb_sha256_forget();
	assert_int_equal(vmb_sha256_file(f, d, NULL, &t.err), 0);
	setenv("VMB_CACHE_DIR", cache, 1);
	vmb_sha256_forget();
	tb_free(&t);
}

/* ---- resolve ----------------------------------------------------------------- */

static char *slurp(const char *path)
{
	size_t len;
	struct vmb_err err;
	char *s = (char *)vmb_file_read(path, NULL, &len, &err);

	assert_non_null(s);
	return s;
}

/*
 * Resolve path (with ov) to DIR/r1.yaml, then r1 to DIR/sub/r2.yaml: equal
 * bytes. arm64: the DTBs of the original and r1 with a fixed seed are equal.
 * Returns false if the machine does not load or build (a bad fixture).
 */
static bool resolve_twice(const char *dir, const char *path,
			  const struct vmb_override *ov, unsigned nov)
{
	struct vmb_override all[8];
	struct vmb_err err = { "" };
	struct vmb_spec *s = vmb_spec_load(path, ov, nov, &err), *s1;
	char r1[512], r2[512], *a, *b;

	if (!s)
		return false;
	/* r2 in another directory: the text does not depend on where it
	 * is written. */
	snprintf(r1, sizeof(r1), "%s/r1.yaml", dir);
	snprintf(r2, sizeof(r2), "%s/sub", dir);
	mkdir(r2, 0700);
	snprintf(r2, sizeof(r2), "%s/sub/r2.yaml", dir);
	if (vmb_resolve_to_file(s, r1, &err)) {
		vmb_spec_free(s);
		return false;
	}
	s1 = vmb_spec_load(r1, NULL, 0, &err);
	if (!s1)
		fail_msg("%s: resolved file does not load: %s", path, err.msg);
	if (vmb_resolve_to_file(s1, r2, &err))
		fail_msg("%s: resolved file does not resolve: %s", path, err.msg);
	a = slurp(r1);
	b = slurp(r2);
	if (strcmp(a, b))
		fail_msg("%s: resolving the resolved file changed it:\n%s\n---\n%s",
			 path, a, b);
	assert_non_null(strstr(a, "# vmb " VMB_VERSION " on "));
	if (s->arch == VMB_ARCH_ARM64 && !s->boot.dtb) {
		void *d0, *d1;

		if (nov)
			memcpy(all, ov, nov * sizeof(*ov));
		/* Only a seed, as a user would fix it: it turns determinism on
		 * in the original and in the resolved file alike. */
		all[nov].path = "determinism.seed";
		all[nov].value = "99";
		d0 = fx_dtb(path, all, nov + 1);
		d1 = fx_dtb(r1, all + nov, 1);
		assert_int_equal(fdt_totalsize(d0), fdt_totalsize(d1));
		if (memcmp(d0, d1, fdt_totalsize(d0)))
			fail_msg("%s: resolved file gives another DTB", path);
		free(d0);
		free(d1);
	}
	free(a);
	free(b);
	unlink(r2);
	*strrchr(r2, '/') = '\0';
	rmdir(r2);
	vmb_spec_free(s1);
	vmb_spec_free(s);
	return true;
}

static void test_resolve_shipped(void **state)
{
	struct tb t;
	const char *kernel;
	DIR *d = opendir("machines");
	struct dirent *de;
	unsigned n = 0;

	assert_non_null(d);
	tb_dir(&t);
	kernel = tb_file(&t, "kernel.bin", "\x00\x00\x00\x14", 4);
	while ((de = readdir(d))) {
		char path[300];
		/* hello-arm64 names a kernel built by "make kernels". */
		struct vmb_override ov[] = { { "boot.kernel", kernel } };
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml"))
			continue;
		snprintf(path, sizeof(path), "machines/%s", de->d_name);
		if (!resolve_twice(t.dir, path, ov, 1))
			fail_msg("shipped machine %s does not resolve", path);
		n++;
	}
	closedir(d);
	assert_true(n >= 4);
	tb_free(&t);
}

/* Every .yaml in dir that loads and builds a board resolves idempotently
 * to the same DTB; returns how many did. must: every file has to. */
static unsigned resolve_dir(const char *tmp, const char *dir, bool must)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned ok = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[300];
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (resolve_twice(tmp, path, NULL, 0))
			ok++;
		else if (must)
			fail_msg("fixture %s does not resolve", path);
	}
	closedir(d);
	return ok;
}

/* The config fixtures test the loader; most are not whole boards (no
 * clock device, unknown device types): those that are must resolve. */
static void test_resolve_fixtures(void **state)
{
	struct tb t;

	tb_dir(&t);
	assert_true(resolve_dir(t.dir, "tests/fixtures/machines", true) >= 1);
	assert_true(resolve_dir(t.dir, "tests/fixtures/config", false) +
		    resolve_dir(t.dir, "tests/fixtures/config/sub", false) >= 1);
	tb_free(&t);
}

/* Defaults, expansion and quoting in the text. */
static void test_resolve_text(void **state)
{
	struct tb t;
	struct vmb_err err;
	char out[512], *text;

	tb_dir(&t);
	tb_board_ok(&t, "arch: arm64\nmodel: \"a, b: c\"\n"
		    "memory:\n  - { name: ram, type: ram, base: 0x40000000, size: 1M }\n"
		    "boot:\n  cmdline: 'x \"y\" #z'\n"
		    "devices:\n"
		    "  - { name: virtio, type: virtio-mmio, base: 0xa000000, size: 0x200,"
		    " count: 2, stride: 0x200, irq: 16, trigger: edge }\n", NULL, 0);
	snprintf(out, sizeof(out), "%s/out.yaml", t.dir);
	assert_int_equal(vmb_resolve_to_file(t.spec, out, &err), 0);
	text = slurp(out);
	assert_contains(text, "model: \"a, b: c\"\n");
	assert_contains(text, "  cmdline: \"x \\\"y\\\" #z\"\n");
	assert_contains(text, "  - name: virtio0\n    type: virtio-mmio\n"
			"    base: 0xa000000\n    size: 0x200\n    irq: [16]\n"
			"    trigger: edge\n");
	assert_contains(text, "  - name: virtio1\n    type: virtio-mmio\n"
			"    base: 0xa000200\n    size: 0x200\n    irq: [17]\n");
	assert_contains(text, "cpus:\n  count: 1\n  model: cortex-a57\n");
	assert_contains(text, "determinism: ~\n");
	assert_contains(text, "  kernel: ~\n  kernel-address: ~\n");
	free(text);
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_mismatch_text),
		cmocka_unit_test(test_pin_syntax),
		cmocka_unit_test(test_digest_cache),
		cmocka_unit_test(test_resolve_shipped),
		cmocka_unit_test(test_resolve_fixtures),
		cmocka_unit_test(test_resolve_text),
	};

	return cmocka_run_group_tests(tests, cache_setup, cache_teardown);
}
