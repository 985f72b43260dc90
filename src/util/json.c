/* SPDX-License-Identifier: MIT */
/* Streaming JSON writer; see json.h. */
#include <inttypes.h>

#include "util/json.h"

void vmb_json_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Separator, newline and indent before a member, then "key": . */
static void member(struct vmb_json *j, const char *key)
{
	if (j->depth > 0) {
		fputs(j->nonempty[j->depth - 1] ? ",\n" : "\n", j->f);
		j->nonempty[j->depth - 1] = true;
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	if (key) {
		vmb_json_quote(j->f, key);
		fputs(": ", j->f);
	}
}

void vmb_json_open(struct vmb_json *j, const char *key, char brace)
{
	member(j, key);
	fputc(brace, j->f);
	if (j->depth < VMB_JSON_DEPTH) {
		j->nonempty[j->depth] = false;
		j->close[j->depth] = brace == '{' ? '}' : ']';
	}
	j->depth++;
}

void vmb_json_close(struct vmb_json *j)
{
	bool had;

	j->depth--;
	had = j->nonempty[j->depth];
	if (had) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(j->close[j->depth], j->f);
	if (!j->depth)
		fputc('\n', j->f);
}

void vmb_json_str(struct vmb_json *j, const char *key, const char *s)
{
	member(j, key);
	if (s)
		vmb_json_quote(j->f, s);
	else
		fputs("null", j->f);
}

void vmb_json_u64(struct vmb_json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void vmb_json_bool(struct vmb_json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void vmb_json_raw(struct vmb_json *j, const char *key, const char *json)
{
	member(j, key);
	fputs(json, j->f);
}
