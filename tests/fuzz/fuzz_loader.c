/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the machine-file loader (vmb_spec_load) — YAML parsing,
 * anchors and aliases, includes and their merging, --set overrides, and
 * validation of the machine spec.
 *
 * Input: a machine file, optionally followed by more files and overrides,
 * each introduced by a line that is a YAML comment, so any shipped machine
 * file is a valid input as it is:
 *
 *   ...YAML of m.yaml (the file loaded)...
 *   #>file base.yaml        following lines go to base.yaml (include it
 *   ...                     from m.yaml as "include: base.yaml")
 *   #>set cpus.count=2      one --set override, applied in order
 *
 * File names keep only [A-Za-z0-9._-] (no directories); at most 8 files
 * and 16 overrides. Everything is written into a private temp directory.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define MAX_FILES 8
#define MAX_SETS 16

struct part {
	char name[64];
	const uint8_t *data;
	size_t len;
};

static void file_name(char *out, size_t cap, const uint8_t *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < cap; i++) {
		char c = (char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    (c == '.' && n))
			out[n++] = c;
	}
	out[n] = '\0';
	if (!n || !strcmp(out, "."))
		snprintf(out, cap, "f.yaml");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct part part[MAX_FILES] = { { "m.yaml", data, 0 } };
	struct vmb_override ov[MAX_SETS];
	char *sets[MAX_SETS];
	unsigned nparts = 1, nov = 0;
	const uint8_t *p = data, *end = data + size;
	struct vmb_spec *s;
	struct vmb_err err = { { 0 } };
	const char *main_path;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *next = nl ? nl + 1 : end;
		size_t llen = (size_t)((nl ? nl : end) - p);

		if (llen >= 7 && !memcmp(p, "#>file ", 7) && nparts < MAX_FILES) {
			struct part *np = &part[nparts++];

			file_name(np->name, sizeof(np->name), p + 7, llen - 7);
			np->data = next;
			np->len = 0;
		} else if (llen >= 6 && !memcmp(p, "#>set ", 6) && nov < MAX_SETS) {
			char *kv = strndup((const char *)p + 6, llen - 6);
			char *eq = strchr(kv, '=');

			sets[nov] = kv;
			if (eq)
				*eq = '\0';
			ov[nov].path = kv;
			ov[nov].value = eq ? eq + 1 : "";
			nov++;
		} else {
			part[nparts - 1].len = (size_t)(next - part[nparts - 1].data);
		}
		p = next;
	}
	/* Later parts of the same name win, as a later write would. */
	for (unsigned i = nparts; i-- > 1;)
		fuzz_write(part[i].name, part[i].data, part[i].len);
	main_path = fuzz_write("m.yaml", part[0].data, part[0].len);

	s = vmb_spec_load(main_path, ov, nov, &err);
	if (s) {
		/* Names are unique after validation. */
		for (unsigned i = 0; i < s->ndev; i++)
			if (vmb_spec_find_dev(s, s->dev[i].name) != &s->dev[i])
				abort();
		vmb_spec_free(s);
	} else if (!err.msg[0]) {
		abort(); /* every failure carries a message */
	}
	for (unsigned i = 0; i < nov; i++)
		free(sets[i]);
	fuzz_clean();
	return 0;
}
