/* SPDX-License-Identifier: MIT */
/*
 * A small streaming JSON writer (RFC 8259) for vmb's machine-readable
 * output (vmb schema, check --json, devices --json): two-space indented,
 * keys in the order written, strings escaped (control characters as
 * \u00XX; bytes >= 0x80 pass through, so UTF-8 stays UTF-8).
 *
 *   struct vmb_json j = { .f = stdout };
 *   vmb_json_open(&j, NULL, '{');
 *   vmb_json_str(&j, "name", "virt");
 *   vmb_json_open(&j, "devices", '[');  ...  vmb_json_close(&j);
 *   vmb_json_close(&j);   (prints a final newline at depth 0)
 *
 * Inside an array pass key NULL. Nesting is limited to VMB_JSON_DEPTH.
 */
#ifndef VMB_UTIL_JSON_H
#define VMB_UTIL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define VMB_JSON_DEPTH 32

struct vmb_json {
	FILE *f;
	int depth;
	bool nonempty[VMB_JSON_DEPTH];
	char close[VMB_JSON_DEPTH];
};

void vmb_json_open(struct vmb_json *j, const char *key, char brace);
void vmb_json_close(struct vmb_json *j);
void vmb_json_str(struct vmb_json *j, const char *key, const char *s); /* NULL: null */
void vmb_json_u64(struct vmb_json *j, const char *key, uint64_t v);
void vmb_json_bool(struct vmb_json *j, const char *key, bool v);
/* A value already in JSON ("null", "[1, 2]", "{\"$ref\": \"#/x\"}"). */
void vmb_json_raw(struct vmb_json *j, const char *key, const char *json);
/* A JSON string literal of s, quotes included, to f. */
void vmb_json_quote(FILE *f, const char *s);

#endif
