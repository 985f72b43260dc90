/* SPDX-License-Identifier: MIT */
/*
 * Deterministic machines: the seeded entropy construction (board/entropy.h)
 * against an independently computed vector, label and seed separation, the
 * "determinism:" section's checks, seeded /chosen seeds in the DTB, and the
 * RTC starting at rtc-start.
 */
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "board/clock.h"
#include "board/entropy.h"
#include "fdt/fdt.h"
#include "fixture.h"
#include "unit.h"

static const char machine[] =
	"arch: arm64\n"
	"memory:\n  - { name: ram, type: ram, base: 0x40000000, size: 1M }\n"
	"devices:\n"
	"  - { name: apb-pclk, type: fixed-clock, frequency: 24000000 }\n"
	"  - { name: rtc, type: pl031, base: 0x9010000, irq: 2 }\n";

/* Python: key = sha256(b"vmb-entropy-v1\0rng-seed\0" + pack("<Q", 42));
 * cryptography's ChaCha20(key, 16 zero bytes) keystream, first 40 bytes. */
static void test_derive_vector(void **state)
{
	static const uint8_t want[40] = {
		0x20, 0x90, 0x6a, 0x5b, 0xfb, 0x7a, 0xa2, 0x52, 0x9f, 0x8c,
		0x82, 0x12, 0xdd, 0xaa, 0x4a, 0x60, 0x72, 0x96, 0x08, 0x9b,
		0x0c, 0xb3, 0xd8, 0x35, 0xda, 0x14, 0x06, 0xba, 0xee, 0x92,
		0x8e, 0x4c, 0x95, 0x82, 0x1d, 0xfc, 0xe6, 0x15, 0xe9, 0x92,
	};
	uint8_t got[40];

	vmb_entropy_derive(42, "rng-seed", got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));
}

static void test_derive_separation(void **state)
{
	uint8_t a[64], b[64], c[64], d[200], e[200];

	vmb_entropy_derive(1, "rng-seed", a, sizeof(a));
	vmb_entropy_derive(2, "rng-seed", b, sizeof(b));
	vmb_entropy_derive(1, "kaslr-seed", c, sizeof(c));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
	/* A prefix of a longer draw: the stream does not depend on len. */
	vmb_entropy_derive(1, "rng-seed", d, sizeof(d));
	assert_memory_equal(a, d, sizeof(a));
	vmb_entropy_derive(1, "rng-seed", e, sizeof(e));
	assert_memory_equal(d, e, sizeof(d));
}

/* The devices' stream in odd-sized pieces equals one draw. */
static void test_board_stream(void **state)
{
	static const struct vmb_override ov[] = { { "determinism.seed", "7" } };
	struct tb t;
	uint8_t whole[150], parts[150], again[150];
	size_t off = 0, step = 1;

	tb_dir(&t);
	tb_board_ok(&t, machine, ov, 1);
	vmb_entropy_derive(7, "devices", whole, sizeof(whole));
	while (off < sizeof(parts)) {
		size_t n = step < sizeof(parts) - off ? step : sizeof(parts) - off;

		vmb_board_entropy(t.b, parts + off, n);
		off += n;
		step = step * 3 + 1;
	}
	assert_memory_equal(whole, parts, sizeof(whole));
	vmb_board_entropy_for(t.b, "mac:net0", again, 6);
	vmb_entropy_derive(7, "mac:net0", whole, 6);
	assert_memory_equal(whole, again, 6);
	tb_free(&t);
}

static const void *chosen_prop(const void *blob, const char *name, int *len)
{
	int node = fdt_path_offset(blob, "/chosen");

	assert_true(node >= 0);
	return fdt_getprop(blob, node, name, len);
}

static void *dtb_with(const char *seed)
{
	struct vmb_override ov[] = { { "determinism.seed", seed } };
	struct tb t;
	void *blob, *copy;

	tb_dir(&t);
	tb_board_ok(&t, machine, ov, seed ? 1 : 0);
	blob = vmb_fdt_build(t.b, 0, 0, &t.err);
	assert_non_null(blob);
	copy = malloc(fdt_totalsize(blob));
	memcpy(copy, blob, fdt_totalsize(blob));
	free(blob);
	tb_free(&t);
	return copy;
}

static void test_dtb_seeds(void **state)
{
	void *a = dtb_with("5"), *b = dtb_with("5"), *c = dtb_with("6");
	void *r1 = dtb_with(NULL), *r2 = dtb_with(NULL);
	uint8_t want[32];
	const void *p;
	int len;

	assert_int_equal(fdt_totalsize(a), fdt_totalsize(b));
	assert_memory_equal(a, b, fdt_totalsize(a));
	p = chosen_prop(a, "rng-seed", &len);
	assert_int_equal(len, 32);
	vmb_entropy_derive(5, "rng-seed", want, sizeof(want));
	assert_memory_equal(p, want, 32);
	p = chosen_prop(a, "kaslr-seed", &len);
	assert_int_equal(len, 8);
	vmb_entropy_derive(5, "kaslr-seed", want, 8);
	assert_memory_equal(p, want, 8);
	assert_memory_not_equal(chosen_prop(a, "rng-seed", &len),
				chosen_prop(c, "rng-seed", &len), 32);
	/* Without determinism the seeds come from getrandom. */
	assert_memory_not_equal(chosen_prop(r1, "rng-seed", &len),
				chosen_prop(r2, "rng-seed", &len), 32);
	free(a), free(b), free(c), free(r1), free(r2);
}

static void test_rtc_start(void **state)
{
	static const struct vmb_override ov[] = {
		{ "determinism.rtc-start", "2024-02-29T12:34:56Z" },
	};
	struct tb t;
	uint32_t dr;

	tb_dir(&t);
	tb_board_ok(&t, machine, ov, 1);
	assert_true(t.spec->det.enabled);
	assert_int_equal(t.spec->det.rtc_start, 1709210096);
	dr = (uint32_t)tb_rd(&t, 0x9010000, 4); /* RTCDR */
	/* Host time since the board was made: well under a minute. */
	assert_true(dr >= 1709210096u && dr < 1709210096u + 60);
	tb_free(&t);
}

/* cmos-rtc (x86): the time registers start at rtc-start too (BCD). */
static void test_cmos_rtc_start(void **state)
{
	static const struct vmb_override ov[] = {
		{ "determinism.rtc-start", "2024-02-29T12:34:56Z" },
	};
	static const struct { uint8_t reg, want; } regs[] = {
		{ 0x09, 0x24 }, { 0x08, 0x02 }, { 0x07, 0x29 }, { 0x04, 0x12 },
		{ 0x02, 0x34 }, { 0x32, 0x20 },
	};
	struct tb t;
	uint64_t v;

	tb_dir(&t);
	tb_board_ok(&t, "arch: x86_64\n"
		    "memory:\n  - { name: ram, type: ram, base: 0, size: 1M }\n"
		    "devices:\n  - { name: rtc, type: cmos-rtc, base: 0x70, size: 2 }\n",
		    ov, 1);
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		assert_int_equal(vmb_board_pio_write(t.b, 0x70, 1, regs[i].reg), 0);
		assert_int_equal(vmb_board_pio_read(t.b, 0x71, 1, &v), 0);
		assert_int_equal(v, regs[i].want);
	}
	tb_free(&t);
}

static void test_section_errors(void **state)
{
	static const struct { const char *yaml, *msg; } bad[] = {
		{ "determinism: { sead: 1 }\n", "unknown key 'sead' in determinism" },
		{ "determinism: { seed: \"1\" }\n", "wrong type for 'seed'" },
		{ "determinism: { rtc-start: 2023-02-30T00:00:00Z }\n",
		  "bad rtc-start '2023-02-30T00:00:00Z'" },
		{ "determinism: { rtc-start: yesterday }\n", "bad rtc-start 'yesterday'" },
		{ "determinism: [1]\n", "expected a mapping" },
		{ "determinism: { enabled: maybe }\n", "bad boolean 'maybe'" },
	};
	char yaml[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "%s%s", machine, bad[i].yaml);
		tb_fails(yaml, "m.yaml:", bad[i].msg, NULL);
	}
}

static void test_section_defaults(void **state)
{
	static const char *const off[] = { "", "determinism: ~\n",
					   "determinism: { enabled: false, seed: 3 }\n" };
	char yaml[512];
	struct tb t;

	for (size_t i = 0; i < 3; i++) {
		snprintf(yaml, sizeof(yaml), "%s%s", machine, off[i]);
		tb_dir(&t);
		tb_board_ok(&t, yaml, NULL, 0);
		assert_false(t.spec->det.enabled);
		tb_free(&t);
	}
	snprintf(yaml, sizeof(yaml), "%sdeterminism: {}\n", machine);
	tb_dir(&t);
	tb_board_ok(&t, yaml, NULL, 0);
	assert_true(t.spec->det.enabled);
	assert_int_equal(t.spec->det.seed, 0);
	assert_int_equal(t.spec->det.rtc_start, VMB_DET_RTC_START_DEFAULT);
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derive_vector),
		cmocka_unit_test(test_derive_separation),
		cmocka_unit_test(test_board_stream),
		cmocka_unit_test(test_dtb_seeds),
		cmocka_unit_test(test_rtc_start),
		cmocka_unit_test(test_cmos_rtc_start),
		cmocka_unit_test(test_section_errors),
		cmocka_unit_test(test_section_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
