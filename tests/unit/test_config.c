/* SPDX-License-Identifier: MIT */
/*
 * Machine-file loader: node parsing, number/size syntax, includes and
 * merging, --set overrides, device expansion, path resolution, defaults,
 * every error class with its exact message and location, and a
 * truncation/mutation fuzz that must neither crash nor leak.
 *
 * Run from the repository root, or set VMB_FIXTURES to tests/fixtures.
 */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/node.h"
#include "config/spec.h"

#include "fixture.h"

/* ---- helpers ----------------------------------------------------------- */

static const char *fixtures(void)
{
	const char *d = getenv("VMB_FIXTURES");

	return d && d[0] ? d : "tests/fixtures";
}

/* Path of a fixture: "<fixtures>/config/<name>". A few rotating buffers so
 * one assertion can use several. */
static const char *fix(const char *name)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/config/%s", fixtures(), name);
	return b;
}

static struct vmb_spec *load_ok(const char *name, const struct vmb_override *ov,
				unsigned nov)
{
	struct vmb_err err = { { 0 } };
	struct vmb_spec *s = vmb_spec_load(fix(name), ov, nov, &err);

	if (!s)
		fail_msg("loading %s: %s", name, err.msg);
	return s;
}

/* Load must fail with exactly "<fixture path>:<rest>" (or just "rest" when
 * it starts with "--set" or "<"). */
static void load_fails(const char *name, const struct vmb_override *ov,
		       unsigned nov, const char *rest)
{
	struct vmb_err err = { { 0 } };
	struct vmb_spec *s = vmb_spec_load(fix(name), ov, nov, &err);
	char want[1024];

	if (rest[0] == '-' || rest[0] == '<')
		snprintf(want, sizeof(want), "%s", rest);
	else
		snprintf(want, sizeof(want), "%s:%s", fix(name), rest);
	assert_null(s);
	assert_string_equal(err.msg, want);
}

static struct vmb_node *parse_ok(const char *text)
{
	struct vmb_err err = { { 0 } };
	struct vmb_node *n = vmb_node_parse_string(text, "t.yaml", &err);

	if (!n)
		fail_msg("parsing: %s", err.msg);
	return n;
}

static void parse_fails(const char *text, const char *want)
{
	struct vmb_err err = { { 0 } };
	struct vmb_node *n = vmb_node_parse_string(text, "t.yaml", &err);

	assert_null(n);
	assert_string_equal(err.msg, want);
}

static void assert_loc(const struct vmb_loc *loc, const char *file, int line, int col)
{
	assert_non_null(loc->file);
	assert_string_equal(loc->file, file);
	assert_int_equal(loc->line, line);
	assert_int_equal(loc->col, col);
}

static const struct vmb_dev_spec *dev(const struct vmb_spec *s, const char *name)
{
	const struct vmb_dev_spec *d = vmb_spec_find_dev(s, name);

	if (!d)
		fail_msg("no device '%s'", name);
	return d;
}

static const struct vmb_mem_spec *mem(const struct vmb_spec *s, const char *name)
{
	for (unsigned i = 0; i < s->nmem; i++)
		if (!strcmp(s->mem[i].name, name))
			return &s->mem[i];
	fail_msg("no memory '%s'", name);
	return NULL;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* ---- numbers and sizes ------------------------------------------------- */

static void test_sizes(void **state)
{
	static const struct {
		const char *text;
		uint64_t v;
	} ok[] = {
		{ "64M", 64ull << 20 }, { "1G", 1ull << 30 }, { "0x200", 0x200 },
		{ "4K", 4096 }, { "1_000", 1000 }, { "0", 0 }, { "2KiB", 2048 },
		{ "3mib", 3ull << 20 }, { "1t", 1ull << 40 }, { "0b101", 5 },
		{ "0o17", 15 }, { "0x1_0000", 0x10000 }, { "0x10M", 16ull << 20 },
		{ "16777215T", 16777215ull << 40 }, { "010", 10 },
	};
	static const char *const bad[] = {
		"64Q", "", "1.5G", "_1", "1_", "1__0", "0x", "-1", " 1", "1 ",
		"+1", "0x_1", "K", "64MB", "0b2", "0o8", "16777216T",
		"18446744073709551616",
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (vmb_parse_size(ok[i].text, &v))
			fail_msg("size '%s' rejected", ok[i].text);
		assert_int_equal(v, ok[i].v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!vmb_parse_size(bad[i], &v))
			fail_msg("size '%s' accepted", bad[i]);
}

static void test_numbers(void **state)
{
	uint64_t v;

	assert_int_equal(vmb_parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(vmb_parse_u64("0xffff_ffff_ffff_ffff", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(vmb_parse_u64("0X1f", &v), 0);
	assert_int_equal(v, 31);
	assert_int_equal(vmb_parse_u64("18446744073709551616", &v), -1);
	assert_int_equal(vmb_parse_u64("0x1_0000_0000_0000_0000", &v), -1);
	assert_int_equal(vmb_parse_u64("64M", &v), -1);
	assert_int_equal(vmb_parse_u64("12abc", &v), -1);
	assert_int_equal(vmb_parse_u64(NULL, &v), -1);
}

static void test_format_size(void **state)
{
	static const struct {
		uint64_t v;
		const char *text;
	} cases[] = {
		{ 64ull << 20, "64M" }, { 1ull << 30, "1G" }, { 0x200, "0x200" },
		{ 4096, "4K" }, { 0, "0" }, { 3ull << 40, "3T" },
		{ 1536ull << 20, "1536M" }, { 0x1001, "0x1001" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vmb_format_size(cases[i].v, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}
}

/* ---- node tree --------------------------------------------------------- */

static void test_node_parse(void **state)
{
	struct vmb_node *n = parse_ok("a: 1\n"
				      "b:\n"
				      "  - x\n"
				      "  - 'y'\n"
				      "c: ~\n"
				      "d:\n"
				      "e: null\n"
				      "f: \"~\"\n");
	struct vmb_node *b;

	assert_int_equal(n->kind, VMB_NODE_MAP);
	assert_int_equal(n->n, 6);
	assert_loc(&n->loc, "t.yaml", 1, 1);
	assert_loc(vmb_node_key_loc(n, "b"), "t.yaml", 2, 1);
	assert_string_equal(vmb_node_get(n, "a")->scalar, "1");
	assert_loc(&vmb_node_get(n, "a")->loc, "t.yaml", 1, 4);
	b = vmb_node_get(n, "b");
	assert_int_equal(b->kind, VMB_NODE_SEQ);
	assert_int_equal(b->n, 2);
	assert_false(b->items[0]->quoted);
	assert_true(b->items[1]->quoted);
	assert_loc(&b->items[1]->loc, "t.yaml", 4, 5);
	assert_true(vmb_node_is_null(vmb_node_get(n, "c")));
	assert_true(vmb_node_is_null(vmb_node_get(n, "d")));
	assert_true(vmb_node_is_null(vmb_node_get(n, "e")));
	assert_string_equal(vmb_node_get(n, "c")->scalar, "");
	assert_false(vmb_node_is_null(vmb_node_get(n, "f")));
	assert_string_equal(vmb_node_get(n, "f")->scalar, "~");
	assert_null(vmb_node_get(n, "zz"));
	assert_null(vmb_node_get(b, "a"));
	vmb_node_free(n);

	/* An empty document is a null scalar. */
	n = parse_ok("# nothing here\n");
	assert_true(vmb_node_is_null(n));
	vmb_node_free(n);
}

static void test_node_anchors(void **state)
{
	struct vmb_node *n = parse_ok("base: &b {x: 1, y: [2, 3]}\n"
				      "copy: *b\n");
	struct vmb_node *a = vmb_node_get(n, "base"), *c = vmb_node_get(n, "copy");

	assert_ptr_not_equal(a, c);
	assert_int_equal(c->kind, VMB_NODE_MAP);
	assert_string_equal(vmb_node_get(c, "x")->scalar, "1");
	assert_int_equal(vmb_node_get(c, "y")->n, 2);
	/* Copies, not shared: the tree can be edited and freed safely. */
	vmb_node_map_del(a, "x");
	assert_non_null(vmb_node_get(c, "x"));
	vmb_node_free(n);

	parse_fails("a: *nope\n", "t.yaml:1:4: unknown alias '*nope', expected "
		    "the name of an anchor (&nope) defined earlier");
	/* A collection cannot contain an alias to itself. */
	parse_fails("a: &x [1, *x]\n", "t.yaml:1:11: unknown alias '*x', expected "
		    "the name of an anchor (&x) defined earlier");
}

static void test_node_errors(void **state)
{
	struct vmb_err err = { { 0 } };
	char *deep;

	parse_fails("a: 1\na: 2\n", "t.yaml:2:1: duplicate key 'a', expected each "
		    "key once per mapping; first defined at t.yaml:1:1");
	parse_fails("a: [1, 2\n", "t.yaml:2:1: did not find expected ',' or ']'; "
		    "while parsing a flow sequence at 1:4");
	parse_fails("? [a]\n: 1\n", "t.yaml:1:3: mapping key is a sequence, "
		    "expected a scalar");
	parse_fails("a: 1\n---\nb: 2\n", "t.yaml:2:1: more than one YAML document, "
		    "expected a single document per machine file");
	parse_fails("a: \"\\xff\x01\"\n", "t.yaml:1:9: control characters are not "
		    "allowed; byte 0x01");

	/* Nesting beyond the limit is an error, not a stack overflow. */
	deep = malloc(20001);
	assert_non_null(deep);
	memset(deep, '[', 10000);
	memset(deep + 10000, ']', 10000);
	deep[20000] = '\0';
	assert_null(vmb_node_parse_string(deep, "t.yaml", &err));
	assert_string_equal(err.msg, "t.yaml:1:65: nesting deeper than 64 levels");
	free(deep);

	/* An alias may not push nesting past the limit either. */
	deep = malloc(256);
	assert_non_null(deep);
	snprintf(deep, 256, "a: &x %.40s%.40s\nb: %.30s*x%.30s\n",
		 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
		 "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
		 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
		 "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
	assert_null(vmb_node_parse_string(deep, "t.yaml", &err));
	assert_string_equal(err.msg, "t.yaml:2:34: alias '*x' nests deeper than 64 levels");
	free(deep);

	/* "Billion laughs": alias expansion is bounded. */
	assert_null(vmb_node_parse_string(
		"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
		"t.yaml", &err));
	assert_non_null(strstr(err.msg, "document too large"));

	assert_null(vmb_node_parse_file("/nonexistent/x.yaml", &err));
	assert_string_equal(err.msg, "/nonexistent/x.yaml: cannot open: No such "
			    "file or directory");
	assert_null(vmb_node_parse_buf("a: 1\0b", 6, "t.yaml", &err));
}

static void test_node_accessors(void **state)
{
	struct vmb_err err = { { 0 } };
	struct vmb_node *n = parse_ok("n: 0x10\n"
				      "s: 64M\n"
				      "q: \"12\"\n"
				      "b: yes\n"
				      "m: {a: 1}\n"
				      "z: ~\n"
				      "bad: 12x\n"
				      "big: 99999999999999999999\n");
	uint64_t v;
	bool bv;
	const char *str;

	assert_int_equal(vmb_node_u64(vmb_node_get(n, "n"), &v, &err), 0);
	assert_int_equal(v, 16);
	assert_int_equal(vmb_node_size(vmb_node_get(n, "s"), &v, &err), 0);
	assert_int_equal(v, 64 << 20);
	assert_int_equal(vmb_node_bool(vmb_node_get(n, "b"), &bv, &err), 0);
	assert_true(bv);
	assert_int_equal(vmb_node_str(vmb_node_get(n, "q"), &str, &err), 0);
	assert_string_equal(str, "12");

	/* Quoted scalars are never numbers. */
	assert_int_equal(vmb_node_u64(vmb_node_get(n, "q"), &v, &err), -1);
	assert_string_equal(err.msg, "t.yaml:3:4: wrong type: expected an integer, "
			    "got a quoted string");
	assert_int_equal(vmb_node_get_u64(n, "m", &v, &err), -1);
	assert_string_equal(err.msg, "t.yaml:5:4: wrong type for 'm': expected an "
			    "integer, got a mapping");
	assert_int_equal(vmb_node_u64(vmb_node_get(n, "bad"), &v, &err), -1);
	assert_string_equal(err.msg, "t.yaml:7:6: bad number '12x': expected a "
			    "decimal, 0x hex, 0o octal or 0b binary integer");
	assert_int_equal(vmb_node_u64(vmb_node_get(n, "big"), &v, &err), -1);
	assert_string_equal(err.msg, "t.yaml:8:6: number '99999999999999999999' is "
			    "too large, expected at most 2^64-1");
	assert_int_equal(vmb_node_bool(vmb_node_get(n, "n"), &bv, &err), -1);
	assert_string_equal(err.msg, "t.yaml:1:4: bad boolean '0x10': expected true "
			    "or false");
	assert_int_equal(vmb_node_str(vmb_node_get(n, "z"), &str, &err), -1);
	assert_string_equal(err.msg, "t.yaml:6:4: wrong type: expected a string, got null");

	/* get_*: 0 when absent or null, 1 when present. */
	v = 7;
	assert_int_equal(vmb_node_get_u64(n, "z", &v, &err), 0);
	assert_int_equal(vmb_node_get_u64(n, "nope", &v, &err), 0);
	assert_int_equal(v, 7);
	assert_int_equal(vmb_node_get_size(n, "s", &v, &err), 1);
	/* written but null: named where it was written */
	assert_null(vmb_node_require(n, "z", "thing", &err));
	assert_string_equal(err.msg, "t.yaml:6:4: required field 'z' of thing has no value");
	assert_null(vmb_node_require(n, "nope", "thing", &err));
	assert_string_equal(err.msg, "t.yaml:1:1: missing required field 'nope' in thing");
	vmb_node_free(n);
}

static void test_check_keys(void **state)
{
	static const char *const allowed[] = { "name", "type", "base", NULL };
	static const char *const none[] = { NULL };
	struct vmb_err err = { { 0 } };
	struct vmb_node *n = parse_ok("name: a\ntyep: b\n");

	assert_int_equal(vmb_node_check_keys(n, allowed, "device 'a'", &err), -1);
	assert_string_equal(err.msg, "t.yaml:2:1: unknown key 'tyep' in device 'a', "
			    "expected one of: name, type, base (did you mean 'type'?)");
	vmb_node_free(n);

	n = parse_ok("name: a\nfrobnicate: b\n");
	assert_int_equal(vmb_node_check_keys(n, allowed, "device 'a'", &err), -1);
	assert_string_equal(err.msg, "t.yaml:2:1: unknown key 'frobnicate' in device "
			    "'a', expected one of: name, type, base");
	assert_int_equal(vmb_node_check_keys(n, none, "x", &err), -1);
	assert_string_equal(err.msg, "t.yaml:1:1: unknown key 'name' in x, expected "
			    "no keys here");
	vmb_node_free(n);

	n = parse_ok("base: 1\n");
	assert_int_equal(vmb_node_check_keys(n, allowed, "device 'a'", &err), 0);
	vmb_node_free(n);
}

static void test_node_edit(void **state)
{
	struct vmb_loc loc = { "e.yaml", 1, 1 };
	struct vmb_node *m = vmb_node_new_map(&loc), *c;
	char key[16];

	/* Grow past several capacity steps, delete, re-add, clone. */
	for (int i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		vmb_node_map_put(m, key, &loc, vmb_node_new_scalar(key, false, &loc));
	}
	assert_true(vmb_node_map_del(m, "k0"));
	assert_false(vmb_node_map_del(m, "k0"));
	vmb_node_map_put(m, "k1", &loc, vmb_node_new_scalar("one", true, &loc));
	assert_int_equal(m->n, 39);
	c = vmb_node_clone(m);
	vmb_node_map_put(c, "new", &loc, vmb_node_new_seq(&loc));
	vmb_node_seq_push(vmb_node_get(c, "new"), vmb_node_new_scalar("x", false, &loc));
	assert_string_equal(vmb_node_get(c, "k1")->scalar, "one");
	assert_int_equal(c->n, 40);
	assert_true(vmb_node_seq_del(vmb_node_get(c, "new"), 0));
	assert_false(vmb_node_seq_del(vmb_node_get(c, "new"), 0));
	vmb_node_free(c);
	vmb_node_free(m);
}

/* ---- spec: valid files ------------------------------------------------- */

static void test_good_machine(void **state)
{
	struct vmb_spec *s = load_ok("good.yaml", NULL, 0);
	const struct vmb_mem_spec *flash;
	const struct vmb_dev_spec *u;

	assert_string_equal(s->name, "good-board");
	assert_string_equal(s->model, "test,good");
	assert_int_equal(s->arch, VMB_ARCH_ARM64);
	assert_string_equal(vmb_arch_name(s->arch), "arm64");
	assert_int_equal(s->ncpus, 4);
	assert_string_equal(s->cpu_model, "cortex-a72");
	assert_int_equal(s->nmem, 2);
	flash = mem(s, "flash");
	assert_int_equal(flash->kind, VMB_MEM_ROM);
	assert_int_equal(flash->size, 64 << 10);
	assert_int_equal(flash->image_offset, 0x10);
	assert_loc(&flash->loc, fix("good.yaml"), 9, 5);
	assert_loc(&flash->image_loc, fix("good.yaml"), 13, 12);
	assert_int_equal(mem(s, "ram")->base, 0x40000000);
	assert_int_equal(mem(s, "ram")->kind, VMB_MEM_RAM);
	assert_true(s->boot.has_kernel_addr);
	assert_int_equal(s->boot.kernel_addr, 0x40080000);
	assert_false(s->boot.has_initrd_addr);
	assert_null(s->boot.dtb); /* "dtb: ~" is unset */
	assert_string_equal(s->boot.cmdline, "console=ttyAMA0 earlycon");
	assert_true(s->boot.has_entry);
	assert_int_equal(s->boot.entry, 0x40000000);

	assert_int_equal(s->ndev, 6);
	u = dev(s, "uart0");
	assert_string_equal(u->type, "pl011");
	assert_true(u->has_base);
	assert_false(u->has_size);
	assert_int_equal(u->nirq, 1);
	assert_int_equal(u->irq[0], 1);
	assert_int_equal(u->trigger, VMB_IRQ_LEVEL_HIGH);
	assert_loc(&u->loc, fix("good.yaml"), 27, 5);
	assert_loc(&u->type_loc, fix("good.yaml"), 28, 11);
	assert_loc(&u->base_loc, fix("good.yaml"), 29, 11);
	assert_loc(&u->irq_loc, fix("good.yaml"), 30, 10);
	/* Type-specific keys go to props, generic ones do not. */
	assert_int_equal(u->props->kind, VMB_NODE_MAP);
	assert_int_equal(u->props->n, 1);
	assert_string_equal(vmb_node_get(u->props, "clock")->scalar, "apb-pclk");
	assert_loc(vmb_node_key_loc(u->props, "clock"), fix("good.yaml"), 31, 5);

	/* Null items survive in props: the board decides what they mean. */
	assert_int_equal(vmb_node_get(dev(s, "timer")->props, "files")->n, 2);
	assert_true(vmb_node_is_null(vmb_node_get(dev(s, "timer")->props, "files")->items[1]));
	assert_null(vmb_spec_find_dev(s, "virtio"));
	vmb_spec_free(s);
}

static void test_count_expansion(void **state)
{
	struct vmb_spec *s = load_ok("good.yaml", NULL, 0);
	char name[16];

	for (unsigned i = 0; i < 4; i++) {
		const struct vmb_dev_spec *d;

		snprintf(name, sizeof(name), "virtio%u", i);
		d = dev(s, name);
		assert_string_equal(d->type, "virtio-mmio");
		assert_int_equal(d->base, 0x0a000000 + i * 0x200);
		assert_int_equal(d->size, 0x200);
		assert_int_equal(d->nirq, 2);
		assert_int_equal(d->irq[0], 16 + 2 * i);
		assert_int_equal(d->irq[1], 48 + 2 * i);
		assert_int_equal(d->trigger, VMB_IRQ_EDGE_RISING);
		assert_loc(&d->loc, fix("good.yaml"), 32, 5);
		assert_int_equal(d->props->n, 1);
		assert_string_equal(vmb_node_get(d->props, "queues")->scalar, "2");
	}
	/* Expanded devices are in order, and each owns its props. */
	assert_string_equal(s->dev[1].name, "virtio0");
	assert_string_equal(s->dev[4].name, "virtio3");
	assert_ptr_not_equal(s->dev[1].props, s->dev[2].props);
	vmb_spec_free(s);
}

static void test_defaults(void **state)
{
	struct vmb_spec *s = load_ok("minimal-x86.yaml", NULL, 0);

	assert_string_equal(s->name, "minimal-x86");
	assert_int_equal(s->arch, VMB_ARCH_X86_64);
	assert_string_equal(vmb_arch_name(s->arch), "x86_64");
	assert_string_equal(s->model, "vmb microvm");
	assert_int_equal(s->ncpus, 1);
	assert_string_equal(s->cpu_model, "host");
	assert_int_equal(s->nmem, 0);
	assert_int_equal(s->ndev, 0);
	assert_null(s->boot.firmware);
	assert_null(s->boot.cmdline);
	assert_false(s->boot.has_entry);
	vmb_spec_free(s);

	s = load_ok("base.yaml", NULL, 0);
	assert_string_equal(s->model, "linux,dummy-virt");
	assert_string_equal(s->cpu_model, "cortex-a57");
	assert_int_equal(dev(s, "rtc")->trigger, VMB_IRQ_LEVEL_HIGH);
	/* props is never NULL. */
	assert_non_null(dev(s, "rtc")->props);
	assert_int_equal(dev(s, "rtc")->props->n, 0);
	assert_int_equal(mem(s, "rom")->image_offset, 0);
	vmb_spec_free(s);
}

static void test_virt_machine(void **state)
{
	struct vmb_err err = { { 0 } };
	char path[512];
	struct vmb_spec *s;

	snprintf(path, sizeof(path), "%s/../../machines/virt.yaml", fixtures());
	s = vmb_spec_load(path, NULL, 0, &err);
	if (!s)
		fail_msg("%s", err.msg);
	assert_string_equal(s->name, "virt");
	assert_int_equal(s->ndev, 11 + 32);
	assert_int_equal(vmb_spec_find_dev(s, "virtio31")->base, 0x0a000000 + 31 * 0x200);
	assert_int_equal(vmb_spec_find_dev(s, "virtio31")->irq[0], 47);
	assert_int_equal(vmb_spec_find_dev(s, "pcie")->nirq, 4);
	vmb_spec_free(s);
}

/* ---- includes and merging ---------------------------------------------- */

static void test_include_merge(void **state)
{
	struct vmb_spec *s = load_ok("child.yaml", NULL, 0);
	const struct vmb_dev_spec *u;

	assert_string_equal(s->name, "child");
	assert_int_equal(s->ncpus, 2);                   /* child overrides base */
	assert_string_equal(s->cpu_model, "cortex-a53"); /* from extra.yaml */

	/* Memory merged by name: ram's size changed, the rest from base. */
	assert_int_equal(s->nmem, 2);
	assert_string_equal(s->mem[0].name, "ram");
	assert_int_equal(s->mem[0].size, 512 << 20);
	assert_int_equal(s->mem[0].base, 0x40000000);
	assert_int_equal(s->mem[0].kind, VMB_MEM_RAM);

	/* Devices: rtc removed, uart0 overridden, uart1 and net appended. */
	assert_int_equal(s->ndev, 4);
	assert_string_equal(s->dev[0].name, "uart0");
	assert_string_equal(s->dev[1].name, "gpio");
	assert_string_equal(s->dev[2].name, "uart1");
	assert_string_equal(s->dev[3].name, "net");
	assert_null(vmb_spec_find_dev(s, "rtc"));
	u = dev(s, "uart0");
	assert_int_equal(u->base, 0x09100000);
	assert_string_equal(u->type, "pl011");
	assert_int_equal(u->irq[0], 1);
	/* Each value keeps the location of the file that wrote it. */
	assert_loc(&u->loc, fix("base.yaml"), 17, 5);
	assert_loc(&u->type_loc, fix("base.yaml"), 18, 11);
	assert_loc(&u->base_loc, fix("child.yaml"), 13, 11);
	assert_int_equal(u->props->n, 2);
	assert_string_equal(vmb_node_get(u->props, "clock")->scalar, "apb-pclk");
	assert_string_equal(vmb_node_get(u->props, "fifo")->scalar, "16");
	assert_loc(&dev(s, "uart1")->loc, fix("extra.yaml"), 5, 5);
	/* "remove" never reaches props. */
	for (unsigned i = 0; i < s->ndev; i++)
		assert_null(vmb_node_get(s->dev[i].props, "remove"));
	vmb_spec_free(s);
}

static void test_path_resolution(void **state)
{
	struct vmb_spec *s = load_ok("sub/child.yaml", NULL, 0);
	char want[512];

	/* base.yaml's image resolves against base.yaml's directory. */
	snprintf(want, sizeof(want), "%s/config/sub/../blob.bin", fixtures());
	assert_string_equal(mem(s, "rom")->image, want);
	assert_string_equal(s->boot.kernel, want);
	assert_loc(&mem(s, "rom")->image_loc, fix("sub/../base.yaml"), 15, 12);
	snprintf(want, sizeof(want), "%s/config/sub/initrd.img", fixtures());
	assert_string_equal(s->boot.initrd, want);
	assert_loc(&s->boot.initrd_loc, fix("sub/child.yaml"), 4, 11);
	vmb_spec_free(s);

	s = load_ok("good.yaml", NULL, 0);
	snprintf(want, sizeof(want), "%s/config/blob.bin", fixtures());
	assert_string_equal(mem(s, "flash")->image, want);
	snprintf(want, sizeof(want), "%s/config/sub/initrd.img", fixtures());
	assert_string_equal(s->boot.initrd, want);
	vmb_spec_free(s);
}

static void test_path_helpers(void **state)
{
	struct vmb_loc loc = { "a/b/m.yaml", 1, 1 };
	struct vmb_loc cli = { "--set boot.kernel=x.bin", 0, 1 };
	struct vmb_node *n = vmb_node_new_scalar("x.bin", false, &loc);
	char *p = vmb_node_path(n);

	assert_string_equal(p, "a/b/x.bin");
	free(p);
	n->loc = cli;
	p = vmb_node_path(n);
	assert_string_equal(p, "x.bin");
	free(p);
	free(n->scalar);
	n->scalar = strdup("/abs/x.bin");
	n->loc = loc;
	p = vmb_node_path(n);
	assert_string_equal(p, "/abs/x.bin");
	free(p);
	vmb_node_free(n);
	p = vmb_path_join_dir("m.yaml", "x.bin");
	assert_string_equal(p, "x.bin");
	free(p);
}

/* ---- --set overrides --------------------------------------------------- */

static void test_set_overrides(void **state)
{
	char blob[512];
	struct vmb_override ov[] = {
		{ "devices.uart0.base", "0x9100000" },   /* by name */
		{ "memory.1.size", "2G" },               /* by index */
		{ "cpus.count", "8" },                   /* nested map */
		{ "boot.cmdline", "console=hvc0 quiet" },/* creates boot: */
		{ "devices.uart0.baud", "115200" },      /* new prop key */
		{ "devices.virtio.irq", "[100, 200]" },  /* flow list, pre-expansion */
		{ "devices.virtio.irq.1", "300" },       /* list item by index */
		{ "devices.timer.remove", "true" },      /* delete an entry */
		{ "boot.initrd", blob },                 /* relative to cwd */
		{ "model", "~" },                        /* null = back to default */
	};
	const struct vmb_dev_spec *u;
	struct vmb_spec *s;

	snprintf(blob, sizeof(blob), "%s/config/blob.bin", fixtures());
	s = load_ok("good.yaml", ov, sizeof(ov) / sizeof(ov[0]));
	u = dev(s, "uart0");
	assert_int_equal(u->base, 0x9100000);
	assert_loc(&u->base_loc, "--set devices.uart0.base=0x9100000", 0, 20);
	assert_int_equal(mem(s, "ram")->size, 2ull << 30);
	assert_int_equal(s->ncpus, 8);
	assert_string_equal(s->boot.cmdline, "console=hvc0 quiet");
	assert_string_equal(vmb_node_get(u->props, "baud")->scalar, "115200");
	assert_loc(&vmb_node_get(u->props, "baud")->loc, "--set devices.uart0.baud=115200", 0, 20);
	assert_loc(vmb_node_key_loc(u->props, "baud"), "--set devices.uart0.baud=115200", 0, 15);
	assert_int_equal(dev(s, "virtio2")->irq[0], 104);
	assert_int_equal(dev(s, "virtio2")->irq[1], 304);
	assert_loc(&dev(s, "virtio2")->irq_loc, "--set devices.virtio.irq=[100, 200]", 0, 20);
	assert_null(vmb_spec_find_dev(s, "timer"));
	assert_string_equal(s->boot.initrd, blob);
	assert_string_equal(s->model, "linux,dummy-virt");
	vmb_spec_free(s);
}

static void test_set_errors(void **state)
{
	struct vmb_override nodev = { "devices.uart9.base", "0x1000" };
	struct vmb_override range = { "memory.5.size", "1G" };
	struct vmb_override scalar = { "cpus.count.x", "1" };
	struct vmb_override empty = { "devices..base", "1" };
	struct vmb_override badval = { "memory.ram.size", "64Q" };
	struct vmb_override badtype = { "cpus.count", "[1]" };
	struct vmb_override badflow = { "cpus.count", "[1" };
	struct vmb_override inc = { "include", "x.yaml" };
	struct vmb_override missing = { "boot.kernel", "no-such-kernel" };
	struct vmb_override ok = { "cpus.count", "2" };
	struct vmb_override two[] = { ok, badval };

	load_fails("base.yaml", &nodev, 1, "--set devices.uart9.base=0x1000: no entry "
		   "named 'uart9' in devices (known: uart0, rtc, gpio)");
	load_fails("base.yaml", &range, 1, "--set memory.5.size=1G: index 5 out of "
		   "range for memory, expected 0..1");
	load_fails("base.yaml", &scalar, 1, "--set cpus.count.x=1: cpus.count is a "
		   "scalar, expected a mapping or a list to look up 'x' in");
	load_fails("base.yaml", &empty, 1, "--set devices..base=1: empty path "
		   "component, expected KEY[.KEY|.INDEX|.NAME...]=VALUE");
	load_fails("base.yaml", &badval, 1, "--set memory.ram.size=64Q: bad size '64Q': "
		   "expected a number with optional K/M/G/T suffix");
	load_fails("base.yaml", two, 2, "--set memory.ram.size=64Q: bad size '64Q': "
		   "expected a number with optional K/M/G/T suffix");
	load_fails("base.yaml", &badtype, 1, "--set cpus.count=[1]: wrong type for "
		   "'count': expected an integer, got a sequence");
	load_fails("base.yaml", &badflow, 1, "--set cpus.count=[1: did not find expected "
		   "',' or ']'; while parsing a flow sequence at 1:12");
	load_fails("base.yaml", &inc, 1, "--set include=x.yaml: includes cannot be "
		   "changed with --set, expected a key of the machine");
	load_fails("base.yaml", &missing, 1, "--set boot.kernel=no-such-kernel: kernel file "
		   "'no-such-kernel' (resolved: no-such-kernel): No such file or "
		   "directory");
}

/* ---- spec: error classes ----------------------------------------------- */

static void test_spec_errors(void **state)
{
	char msg[1024];

	load_fails("bad-unknown-key.yaml", NULL, 0, "2:1: unknown key 'cpu' in "
		   "machine, expected one of: include, name, description, model, "
		   "arch, cpus, memory, boot, devices, determinism (did you mean 'cpus'?)");
	load_fails("bad-wrong-type.yaml", NULL, 0, "4:5: wrong type for 'count': "
		   "expected an integer, got a mapping");
	load_fails("bad-number.yaml", NULL, 0, "5:11: bad number '0x4000_00g0': "
		   "expected a decimal, 0x hex, 0o octal or 0b binary integer");
	load_fails("bad-size.yaml", NULL, 0, "6:11: bad size '64Q': expected a "
		   "number with optional K/M/G/T suffix");
	load_fails("bad-size-overflow.yaml", NULL, 0, "6:11: size '16777216T' is "
		   "too large, expected at most 2^64-1 bytes");
	load_fails("bad-missing-field.yaml", NULL, 0, "3:5: missing required field "
		   "'type' in memory entry 'ram'");
	load_fails("bad-arch.yaml", NULL, 0, "1:7: unknown arch 'riscv64', "
		   "expected one of: arm64, x86_64");
	load_fails("bad-syntax.yaml", NULL, 0, "5:4: did not find expected '-' "
		   "indicator; while parsing a block collection at 3:3");
	load_fails("bad-stride.yaml", NULL, 0, "3:5: missing required field "
		   "'stride' in device 'virtio' (needed when count > 1 and base "
		   "is given)");

	snprintf(msg, sizeof(msg), "8:5: duplicate device name 'virtio1'; first "
		 "defined at %s:5:5", fix("bad-dup-device.yaml"));
	load_fails("bad-dup-device.yaml", NULL, 0, msg);
	snprintf(msg, sizeof(msg), "7:5: duplicate memory name 'ram'; first "
		 "defined at %s:3:5", fix("bad-dup-memory.yaml"));
	load_fails("bad-dup-memory.yaml", NULL, 0, msg);
	snprintf(msg, sizeof(msg), "5:11: duplicate name 'uart0' in devices; "
		 "first defined at %s:3:11", fix("bad-dup-include.yaml"));
	load_fails("bad-dup-include.yaml", NULL, 0, msg);

	snprintf(msg, sizeof(msg), "7:12: image file 'u-boot.bin' (resolved: "
		 "%s): No such file or directory", fix("u-boot.bin"));
	load_fails("bad-missing-image.yaml", NULL, 0, msg);
	snprintf(msg, sizeof(msg), "7:12: image file 'blob.bin' (resolved: %s) "
		 "is 16 bytes, too large for memory entry 'flash': expected at "
		 "most 8 bytes (size minus image-offset)", fix("blob.bin"));
	load_fails("bad-image-too-big.yaml", NULL, 0, msg);
	snprintf(msg, sizeof(msg), "3:5: include file 'nope.yaml' (resolved: %s): "
		 "No such file or directory", fix("nope.yaml"));
	load_fails("bad-missing-include.yaml", NULL, 0, msg);
	load_fails("bad-remove.yaml", NULL, 0, "4:5: cannot remove 'rtc2' from "
		   "devices: no earlier entry has that name (known: uart0, rtc, gpio)");
	load_fails("bad-remove-extra.yaml", NULL, 0, "5:5: unexpected key 'base' "
		   "in entry 'rtc' of devices with 'remove: true', expected only "
		   "'name' and 'remove'");
}

static void test_include_cycle(void **state)
{
	struct vmb_err err = { { 0 } };
	char want[1024];

	assert_null(vmb_spec_load(fix("cycle-a.yaml"), NULL, 0, &err));
	snprintf(want, sizeof(want), "%s:4:5: include cycle: %s -> %s -> %s",
		 fix("cycle-b.yaml"), fix("cycle-a.yaml"), fix("cycle-b.yaml"),
		 fix("cycle-a.yaml"));
	assert_string_equal(err.msg, want);

	assert_null(vmb_spec_load(fix("does-not-exist.yaml"), NULL, 0, &err));
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory",
		 fix("does-not-exist.yaml"));
	assert_string_equal(err.msg, want);
	assert_null(vmb_spec_load("", NULL, 0, &err));
	assert_null(vmb_spec_load(fix("sub"), NULL, 0, &err));
	snprintf(want, sizeof(want), "%s: cannot open: Is a directory", fix("sub"));
	assert_string_equal(err.msg, want);
}

/* Errors that need no fixture of their own: text is written to m.yaml in
 * t's directory, and loading it must fail with exactly "<path>:<rest>". */
static void text_fails(struct tb *t, const char *text, const char *rest)
{
	struct vmb_err err = { { 0 } };
	const char *path = tb_file(t, "m.yaml", text, strlen(text));
	char want[1024];

	assert_null(vmb_spec_load(path, NULL, 0, &err));
	snprintf(want, sizeof(want), "%s:%s", path, rest);
	assert_string_equal(err.msg, want);
}

static void test_more_errors(void **state)
{
	struct tb t;
	char msg[512];

	tb_dir(&t);
	text_fails(&t, "- a\n", "1:1: wrong type for the machine: expected a "
		   "mapping of keys (arch, memory, devices, ...), got a sequence");
	text_fails(&t, "", "1:1: missing required field 'arch' in machine");
	text_fails(&t, "include: {a: 1}\n", "1:10: wrong type for 'include': "
		   "expected a file name or a list of file names, got a mapping");
	text_fails(&t, "include: [[a]]\n", "1:11: wrong type for 'include': "
		   "expected a file name, got a sequence");
	text_fails(&t, "arch: arm64\ndevices: {}\n", "2:10: wrong type for "
		   "'devices': expected a list of devices, got a mapping");
	text_fails(&t, "arch: arm64\ndevices: [~]\n", "2:11: wrong type for "
		   "device 1: expected a mapping, got null");
	text_fails(&t, "arch: arm64\ncpus: {count: 0}\n", "2:15: cpus count 0 "
		   "out of range, expected 1..512");
	text_fails(&t, "arch: arm64\ncpus: 4\n", "2:7: wrong type for cpus: "
		   "expected a mapping, got a scalar");
	text_fails(&t, "arch: arm64\nmemory: {}\n", "2:9: wrong type for "
		   "'memory': expected a list of memory entries, got a mapping");
	text_fails(&t, "arch: arm64\nmemory: [{name: r, type: flash}]\n",
		   "2:26: unknown memory type 'flash' in memory entry 'r', "
		   "expected one of: ram, rom");
	text_fails(&t, "arch: arm64\nmemory: [{type: ram}]\n", "2:10: missing "
		   "required field 'name' in memory entry 1");
	text_fails(&t, "arch: arm64\nmemory: [{name: r, type: ram, base: 0, size: 0}]\n",
		   "2:46: size of memory entry 'r' is 0, expected at least 1 byte");
	text_fails(&t, "arch: arm64\nmemory: [{name: r, type: ram, base: 0xffffffffffffffff, size: 2}]\n",
		   "2:10: memory entry 'r' (base 0xffffffffffffffff, size 0x2) "
		   "runs past the end of the address space");
	text_fails(&t, "arch: arm64\nmemory: [{name: r, type: ram, base: 0, size: \"1M\"}]\n",
		   "2:46: wrong type for 'size': expected a size, got a quoted string");
	text_fails(&t, "arch: arm64\ndevices: [{name: a.b, type: x}]\n", "2:18: "
		   "bad device name 'a.b': expected letters, digits, '-' and '_', "
		   "starting with a letter or digit");
	text_fails(&t, "arch: arm64\ndevices: [{name: a}]\n", "2:11: missing "
		   "required field 'type' in device 'a'");
	text_fails(&t, "arch: arm64\ndevices: [{name: a, type: x, irq: [1,2,3,4,5,6,7,8,9]}]\n",
		   "2:35: too many interrupts for device 'a': 9, expected at most 8");
	text_fails(&t, "arch: arm64\ndevices: [{name: a, type: x, irq: [1, {}]}]\n",
		   "2:39: wrong type for 'irq': expected an integer, got a mapping");
	text_fails(&t, "arch: arm64\ndevices: [{name: a, type: x, irq: 0x100000000}]\n",
		   "2:35: irq 4294967296 out of range, expected at most 4294967295");
	text_fails(&t, "arch: arm64\ndevices: [{name: a, type: x, trigger: high}]\n",
		   "2:39: unknown trigger 'high' for device 'a', expected one of: "
		   "level, edge");
	text_fails(&t, "arch: arm64\ndevices: [{name: a, type: x, count: 0}]\n",
		   "2:37: count 0 out of range, expected 1..1024");
	text_fails(&t, "arch: arm64\ndevices: [{name: a, type: x, base: 0xfffffffffffffff0, count: 3, stride: 8}]\n",
		   "2:36: base of copy 2 of device 'a' overflows 64 bits");
	text_fails(&t, "arch: arm64\ndevices: [{name: a, remove: true}]\n",
		   "2:21: cannot remove 'a' from devices: no earlier entry has that name");
	text_fails(&t, "arch: arm64\ndevices: [{name: a, type: x, remove: 3}]\n",
		   "2:38: bad boolean '3': expected true or false");
	snprintf(msg, sizeof(msg), "2:16: kernel file 'nope' (resolved: %s/nope): "
		 "No such file or directory", t.dir);
	text_fails(&t, "arch: arm64\nboot: {kernel: nope}\n", msg);
	tb_free(&t);
}

/* ---- fuzz -------------------------------------------------------------- */

static unsigned long rng_state = 12345;

static unsigned rng(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(rng_state >> 33);
}

/* Fixture files the fuzzed documents refer to, copied next to them. */
static const char *const fuzz_deps[] = {
	"base.yaml", "extra.yaml", "blob.bin", "sub/initrd.img",
};
#define NDEPS (sizeof(fuzz_deps) / sizeof(fuzz_deps[0]))

static void deps_copy(struct tb *t)
{
	char sub[sizeof(t->dir) + 8];

	snprintf(sub, sizeof(sub), "%s/sub", t->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	for (size_t i = 0; i < NDEPS; i++) {
		size_t len;
		char *text = slurp(fix(fuzz_deps[i]), &len);

		tb_file(t, fuzz_deps[i], text, len);
		free(text);
	}
}

/* Load every prefix of a file (as m.yaml in t's directory): errors are
 * fine, crashes and leaks are not (ASan/LSan watch). */
static void truncate_all(const char *src, struct tb *t)
{
	size_t len;
	char *text = slurp(src, &len);

	for (size_t cut = 0; cut <= len; cut++) {
		struct vmb_err err = { { 0 } };
		const char *path = tb_file(t, "m.yaml", text, cut);
		struct vmb_spec *s;

		s = vmb_spec_load(path, NULL, 0, &err);
		if (!s)
			assert_true(err.msg[0] != '\0');
		vmb_spec_free(s);
	}
	free(text);
}

static void test_fuzz_truncate(void **state)
{
	struct tb t;
	char virt[512];

	tb_dir(&t);
	deps_copy(&t);
	snprintf(virt, sizeof(virt), "%s/../../machines/virt.yaml", fixtures());
	truncate_all(virt, &t);
	truncate_all(fix("good.yaml"), &t);
	truncate_all(fix("child.yaml"), &t);
	tb_free(&t);
}

static void test_fuzz_mutate(void **state)
{
	static const char alphabet[] = "[]{}:-,&*!|>'\"#%@` \n\t~?0x_aZ.\\\x01\xff";
	size_t len;
	char *text = slurp(fix("good.yaml"), &len);
	char *buf = malloc(len + 1);
	struct vmb_override ov[] = { { "devices.uart0.base", "0x10" } };
	struct tb t;

	assert_non_null(buf);
	tb_dir(&t);
	deps_copy(&t);
	for (int iter = 0; iter < 3000; iter++) {
		struct vmb_err err = { { 0 } };
		struct vmb_node *n;
		struct vmb_spec *s;
		int flips = 1 + (int)(rng() % 4);

		memcpy(buf, text, len + 1);
		for (int f = 0; f < flips; f++)
			buf[rng() % len] = alphabet[rng() % (sizeof(alphabet) - 1)];
		n = vmb_node_parse_buf(buf, len, "fuzz.yaml", &err);
		vmb_node_free(n);
		if (iter % 4)
			continue;
		s = vmb_spec_load(tb_file(&t, "m.yaml", buf, len), ov, 1, &err);
		vmb_spec_free(s);
	}
	tb_free(&t);
	free(buf);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_node_parse),
		cmocka_unit_test(test_node_anchors),
		cmocka_unit_test(test_node_errors),
		cmocka_unit_test(test_node_accessors),
		cmocka_unit_test(test_check_keys),
		cmocka_unit_test(test_node_edit),
		cmocka_unit_test(test_good_machine),
		cmocka_unit_test(test_count_expansion),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_virt_machine),
		cmocka_unit_test(test_include_merge),
		cmocka_unit_test(test_path_resolution),
		cmocka_unit_test(test_path_helpers),
		cmocka_unit_test(test_set_overrides),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_spec_errors),
		cmocka_unit_test(test_include_cycle),
		cmocka_unit_test(test_more_errors),
		cmocka_unit_test(test_fuzz_truncate),
		cmocka_unit_test(test_fuzz_mutate),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
