/* SPDX-License-Identifier: MIT */
/*
 * vmb schema: the JSON Schema (2020-12) of machine files, generated from
 * the loader's rules and the device registry, so that an editor with a
 * YAML language server rejects what vmb rejects. schemas/machine.schema.json
 * is this output (tests/check-schema.py keeps them equal and validates the
 * shipped machines and the fixtures with python3-jsonschema).
 *
 * What a schema cannot see, and the loader does: files that must exist
 * and their digests, include cycles, duplicate names after merging, sizes
 * that overflow, overlapping regions and interrupt clashes, and whether
 * a string was quoted when YAML would not make it a number anyway ("64M"
 * and '64M' are the same string to JSON; "4096" and "0x1000" are rejected
 * because unquoted they would have been integers).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "board/device.h"
#include "cli/cli.h"
#include "util/json.h"
#include "vm.h"

#define SCHEMA_ID "urn:vmb:schema:machine"

/* vmb's integer syntax, minus the forms YAML itself reads as integers
 * (plain decimal, 0x hex): such a string was quoted, which the loader
 * rejects. */
#define NUM "(0[xX][0-9a-fA-F](_?[0-9a-fA-F])*|0[oO][0-7](_?[0-7])*|0[bB][01](_?[01])*|[0-9](_?[0-9])*)"
#define NOT_YAML_INT "(?![0-9]+$)(?!0[xX][0-9a-fA-F]+$)"
#define SUFFIX "([kKmMgGtT]([iI][bB])?)?"

static void ref(struct vmb_json *j, const char *key, const char *def)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "{\"$ref\": \"#/$defs/%s\"}", def);
	vmb_json_raw(j, key, buf);
}

/* { "description": d, "anyOf": [ {"$ref": def}, {"type": "null"} ] } */
static void opt(struct vmb_json *j, const char *key, const char *def, const char *d)
{
	char buf[128];

	vmb_json_open(j, key, '{');
	if (d)
		vmb_json_str(j, "description", d);
	snprintf(buf, sizeof(buf), "[{\"$ref\": \"#/$defs/%s\"}, {\"type\": \"null\"}]",
		 def);
	vmb_json_raw(j, "anyOf", buf);
	vmb_json_close(j);
}

static void scalars(struct vmb_json *j)
{
	vmb_json_open(j, "u64String", '{');
	vmb_json_str(j, "description", "An unsigned 64-bit integer in vmb's syntax "
		     "that YAML does not read as an integer itself: 0o octal, 0b "
		     "binary, or '_' between digits (1_000, 0x4000_0000).");
	vmb_json_str(j, "type", "string");
	vmb_json_str(j, "pattern", "^" NOT_YAML_INT NUM "$");
	vmb_json_close(j);
	vmb_json_raw(j, "u64", "{\"anyOf\": [{\"type\": \"integer\", \"minimum\": 0, "
		     "\"maximum\": 18446744073709551615}, {\"$ref\": \"#/$defs/u64String\"}]}");
	vmb_json_raw(j, "u32", "{\"anyOf\": [{\"type\": \"integer\", \"minimum\": 0, "
		     "\"maximum\": 4294967295}, {\"$ref\": \"#/$defs/u64String\"}]}");
	vmb_json_open(j, "size", '{');
	vmb_json_str(j, "description", "Bytes: a number, optionally followed by K, M, "
		     "G or T (also KiB, MiB, GiB, TiB; any case) meaning powers of 1024.");
	vmb_json_raw(j, "anyOf", "[{\"type\": \"integer\", \"minimum\": 0, "
		     "\"maximum\": 18446744073709551615}, {\"type\": \"string\", "
		     "\"pattern\": \"^" NOT_YAML_INT NUM SUFFIX "$\"}]");
	vmb_json_close(j);
	vmb_json_raw(j, "optU64", "{\"anyOf\": [{\"$ref\": \"#/$defs/u64\"}, {\"type\": \"null\"}]}");
	vmb_json_raw(j, "optSize", "{\"anyOf\": [{\"$ref\": \"#/$defs/size\"}, {\"type\": \"null\"}]}");
	vmb_json_raw(j, "optText", "{\"anyOf\": [{\"$ref\": \"#/$defs/text\"}, {\"type\": \"null\"}]}");
	vmb_json_raw(j, "optBool", "{\"type\": [\"boolean\", \"null\"]}");
	vmb_json_raw(j, "text", "{\"description\": \"Any scalar, taken as text.\", "
		     "\"type\": [\"string\", \"number\", \"boolean\"]}");
	vmb_json_raw(j, "path", "{\"description\": \"A file path, relative to the "
		     "directory of the file it is written in.\", \"type\": \"string\", "
		     "\"minLength\": 1}");
	vmb_json_open(j, "image", '{');
	vmb_json_str(j, "description", "A file vmb reads: a path, or the path with "
		     "the SHA-256 of the file's content, checked at load time.");
	vmb_json_raw(j, "anyOf", "[{\"$ref\": \"#/$defs/path\"}, {\"type\": \"object\", "
		     "\"additionalProperties\": false, \"required\": [\"path\", \"sha256\"], "
		     "\"properties\": {\"path\": {\"$ref\": \"#/$defs/path\"}, "
		     "\"sha256\": {\"type\": \"string\", \"pattern\": \"^[0-9a-fA-F]{64}$\"}}}]");
	vmb_json_close(j);
	vmb_json_raw(j, "optImage", "{\"anyOf\": [{\"$ref\": \"#/$defs/image\"}, {\"type\": \"null\"}]}");
	vmb_json_raw(j, "name", "{\"description\": \"Entry name: letters, digits, '-' "
		     "and '_', starting with a letter or digit (no '.', which --set "
		     "paths use).\", \"anyOf\": [{\"type\": \"string\", \"pattern\": "
		     "\"^[A-Za-z0-9][A-Za-z0-9_-]*$\"}, {\"type\": \"integer\", \"minimum\": 0}]}");
	vmb_json_raw(j, "remove", "{\"description\": \"true: delete the entry of this "
		     "name from an included file (the entry may carry nothing but "
		     "'name' and 'remove').\", \"type\": \"boolean\"}");
	vmb_json_raw(j, "removeOnlyName", "{\"if\": {\"properties\": {\"remove\": "
		     "{\"const\": true}}, \"required\": [\"remove\"]}, \"then\": "
		     "{\"propertyNames\": {\"enum\": [\"name\", \"remove\"]}}}");
}

static void machine_parts(struct vmb_json *j)
{
	vmb_json_open(j, "cpus", '{');
	vmb_json_str(j, "type", "object");
	vmb_json_bool(j, "additionalProperties", false);
	vmb_json_open(j, "properties", '{');
	vmb_json_raw(j, "count", "{\"description\": \"Number of vCPUs, 1..512. "
		     "Default 1.\", \"anyOf\": [{\"type\": \"integer\", \"minimum\": 1, "
		     "\"maximum\": 512}, {\"$ref\": \"#/$defs/u64String\"}, {\"type\": \"null\"}]}");
	opt(j, "model", "text", "CPU model. Default 'cortex-a57' on arm64, 'host' on x86_64.");
	vmb_json_raw(j, "cpuid-clear", "{\"description\": \"x86_64: CPU features "
		     "hidden from the guest's CPUID, by Linux /proc/cpuinfo flag name.\", "
		     "\"anyOf\": [{\"type\": \"array\", \"items\": {\"type\": \"string\"}}, "
		     "{\"type\": \"null\"}]}");
	vmb_json_close(j);
	vmb_json_close(j);

	vmb_json_open(j, "memoryEntry", '{');
	vmb_json_str(j, "type", "object");
	vmb_json_bool(j, "additionalProperties", false);
	vmb_json_raw(j, "required", "[\"name\"]");
	vmb_json_open(j, "properties", '{');
	ref(j, "name", "name");
	ref(j, "remove", "remove");
	vmb_json_raw(j, "type", "{\"enum\": [\"ram\", \"rom\"]}");
	ref(j, "base", "u64");
	ref(j, "size", "size");
	opt(j, "image", "image", "File copied into the region at reset.");
	ref(j, "image-offset", "optSize");
	vmb_json_close(j);
	vmb_json_raw(j, "$ref", "\"#/$defs/removeOnlyName\"");
	vmb_json_close(j);
	vmb_json_raw(j, "memoryComplete", "{\"required\": [\"name\", \"type\", \"base\", "
		     "\"size\"], \"properties\": {\"remove\": {\"const\": false}}}");

	vmb_json_open(j, "boot", '{');
	vmb_json_str(j, "type", "object");
	vmb_json_bool(j, "additionalProperties", false);
	vmb_json_open(j, "properties", '{');
	for (const char *const *k = (const char *const[]){ "firmware", "kernel",
			"initrd", "dtb", NULL }; *k; k++) {
		char addr[32];

		ref(j, *k, "optImage");
		snprintf(addr, sizeof(addr), "%s-address", *k);
		ref(j, addr, "optU64");
	}
	ref(j, "cmdline", "optText");
	ref(j, "entry", "optU64");
	vmb_json_close(j);
	vmb_json_close(j);

	vmb_json_open(j, "determinism", '{');
	vmb_json_str(j, "description", "Deterministic runs: seeded device-tree seeds "
		     "and entropy, the RTC starting at rtc-start, and under emu a "
		     "virtual clock (docs/backends.md).");
	vmb_json_str(j, "type", "object");
	vmb_json_bool(j, "additionalProperties", false);
	vmb_json_open(j, "properties", '{');
	opt(j, "enabled", "optBool", "Default true when the section is present.");
	opt(j, "seed", "u64", "Default 0.");
	vmb_json_raw(j, "rtc-start", "{\"description\": \"UTC time the RTC starts "
		     "at, YYYY-MM-DDTHH:MM:SSZ or Unix seconds. Default "
		     "2000-01-01T00:00:00Z.\", \"anyOf\": [{\"type\": \"string\", "
		     "\"pattern\": \"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$\"}, "
		     "{\"type\": \"integer\", \"minimum\": 0, \"maximum\": 4294967294}, "
		     "{\"type\": \"null\"}]}");
	vmb_json_close(j);
	vmb_json_close(j);
}

/* ---- devices ------------------------------------------------------------- */

static void generic_device(struct vmb_json *j, unsigned n,
			   const struct vmb_device_type *const *all)
{
	vmb_json_open(j, "deviceGeneric", '{');
	vmb_json_str(j, "description", "The keys every device entry takes.");
	vmb_json_str(j, "type", "object");
	vmb_json_open(j, "properties", '{');
	ref(j, "name", "name");
	ref(j, "remove", "remove");
	vmb_json_open(j, "type", '{');
	vmb_json_str(j, "description", "Device type (vmb devices).");
	vmb_json_open(j, "enum", '[');
	for (unsigned i = 0; i < n; i++)
		vmb_json_str(j, NULL, all[i]->name);
	vmb_json_close(j);
	vmb_json_close(j);
	opt(j, "base", "u64", "MMIO address, or I/O port.");
	ref(j, "size", "optSize");
	vmb_json_raw(j, "irq", "{\"description\": \"Interrupt number(s): SPI on GIC, "
		     "GSI on x86; at most 8.\", \"anyOf\": [{\"$ref\": \"#/$defs/u32\"}, "
		     "{\"type\": \"array\", \"maxItems\": 8, \"items\": {\"$ref\": "
		     "\"#/$defs/u32\"}}, {\"type\": \"null\"}]}");
	vmb_json_raw(j, "trigger", "{\"enum\": [\"level\", \"edge\", null]}");
	vmb_json_raw(j, "count", "{\"description\": \"Expand into NAME0..NAME{count-1}, "
		     "1..1024.\", \"anyOf\": [{\"type\": \"integer\", \"minimum\": 1, "
		     "\"maximum\": 1024}, {\"$ref\": \"#/$defs/u64String\"}, {\"type\": \"null\"}]}");
	ref(j, "stride", "optSize");
	ref(j, "irq-stride", "optU64");
	vmb_json_close(j);
	vmb_json_close(j);
}

/* A property's value: its kind, null for "the default". */
static void prop_schema(struct vmb_json *j, const struct vmb_device_type *t,
			const struct vmb_prop_desc *p)
{
	char desc[512];
	const char *key;

	snprintf(desc, sizeof(desc), "%s%s%s%s", p->help ? p->help : "",
		 p->def ? " (default: " : "", p->def ? p->def : "", p->def ? ")" : "");
	vmb_json_open(j, p->name, '{');
	vmb_json_str(j, "description", desc);
	switch (p->kind) {
	case VMB_PROP_U64:
		vmb_json_raw(j, "$ref", "\"#/$defs/optU64\"");
		break;
	case VMB_PROP_SIZE:
		vmb_json_raw(j, "$ref", "\"#/$defs/optSize\"");
		break;
	case VMB_PROP_BOOL:
		vmb_json_raw(j, "$ref", "\"#/$defs/optBool\"");
		break;
	case VMB_PROP_STR:
		vmb_json_raw(j, "$ref", "\"#/$defs/optText\"");
		break;
	case VMB_PROP_PATH:
		vmb_json_raw(j, "$ref", "\"#/$defs/optImage\"");
		break;
	case VMB_PROP_ENUM:
		vmb_json_open(j, "enum", '[');
		for (const char *const *c = p->choices; c && *c; c++)
			vmb_json_str(j, NULL, *c);
		vmb_json_raw(j, NULL, "null");
		vmb_json_close(j);
		break;
	case VMB_PROP_LIST:
		vmb_json_raw(j, "type", "[\"array\", \"null\"]");
		if (!vmb_prop_path_list(t, p->name, &key)) {
			break;
		} else if (!key) {
			vmb_json_raw(j, "items", "{\"$ref\": \"#/$defs/optImage\"}");
		} else {
			char items[160];

			snprintf(items, sizeof(items), "{\"type\": \"object\", "
				 "\"properties\": {\"%s\": {\"$ref\": "
				 "\"#/$defs/optImage\"}}}", key);
			vmb_json_raw(j, "items", items);
		}
		break;
	}
	vmb_json_close(j);
}

static void device_type(struct vmb_json *j, const struct vmb_device_type *t)
{
	char key[96];

	snprintf(key, sizeof(key), "device-%s", t->name);
	vmb_json_open(j, key, '{');
	vmb_json_str(j, "description", t->summary ? t->summary : t->name);
	vmb_json_raw(j, "$ref", "\"#/$defs/deviceGeneric\"");
	vmb_json_open(j, "properties", '{');
	for (const struct vmb_prop_desc *p = t->props; p && p->name; p++)
		prop_schema(j, t, p);
	vmb_json_close(j);
	vmb_json_bool(j, "unevaluatedProperties", false);
	vmb_json_close(j);
}

/* "device": the generic keys; with a known type, exactly that type's
 * keys (a partial entry in a file with includes may omit the type). */
static void device(struct vmb_json *j, unsigned n,
		   const struct vmb_device_type *const *all)
{
	vmb_json_open(j, "device", '{');
	vmb_json_str(j, "type", "object");
	vmb_json_raw(j, "required", "[\"name\"]");
	vmb_json_open(j, "allOf", '[');
	ref(j, NULL, "deviceGeneric");
	ref(j, NULL, "removeOnlyName");
	for (unsigned i = 0; i < n; i++) {
		char buf[256];

		snprintf(buf, sizeof(buf), "{\"if\": {\"properties\": {\"type\": "
			 "{\"const\": \"%s\"}}, \"required\": [\"type\"]}, \"then\": "
			 "{\"$ref\": \"#/$defs/device-%s\"}}", all[i]->name, all[i]->name);
		vmb_json_raw(j, NULL, buf);
	}
	vmb_json_close(j);
	vmb_json_close(j);
	vmb_json_raw(j, "deviceComplete", "{\"required\": [\"name\", \"type\"], "
		     "\"properties\": {\"remove\": {\"const\": false}}, \"if\": "
		     "{\"properties\": {\"count\": {\"not\": {\"enum\": [null, 1, \"1\"]}}, "
		     "\"base\": {\"not\": {\"type\": \"null\"}}}, \"required\": [\"count\", "
		     "\"base\"]}, \"then\": {\"required\": [\"stride\"]}}");
	for (unsigned i = 0; i < n; i++)
		device_type(j, all[i]);
}

static void top(struct vmb_json *j)
{
	vmb_json_open(j, "properties", '{');
	vmb_json_raw(j, "include", "{\"description\": \"Machine files merged before "
		     "this one (this file overrides them), relative to this file's "
		     "directory.\", \"anyOf\": [{\"$ref\": \"#/$defs/path\"}, {\"type\": "
		     "\"array\", \"items\": {\"$ref\": \"#/$defs/path\"}}, {\"type\": \"null\"}]}");
	opt(j, "name", "text", "Machine name. Default: the file's basename without .yaml/.yml.");
	opt(j, "description", "text", "One line for 'vmb machines'; not used by the "
	    "board.");
	opt(j, "model", "text", "Device-tree /model. Default: 'linux,dummy-virt' on "
	    "arm64, 'vmb microvm' on x86_64.");
	vmb_json_raw(j, "arch", "{\"description\": \"Guest architecture (required "
		     "after merging).\", \"enum\": [\"arm64\", \"x86_64\"]}");
	opt(j, "cpus", "cpus", NULL);
	vmb_json_raw(j, "memory", "{\"description\": \"RAM and ROM regions; entries "
		     "merge with included files' by name.\", \"anyOf\": [{\"type\": "
		     "\"array\", \"items\": {\"$ref\": \"#/$defs/memoryEntry\"}}, "
		     "{\"type\": \"null\"}]}");
	opt(j, "boot", "boot", NULL);
	vmb_json_raw(j, "devices", "{\"description\": \"Devices; entries merge with "
		     "included files' by name.\", \"anyOf\": [{\"type\": \"array\", "
		     "\"items\": {\"$ref\": \"#/$defs/device\"}}, {\"type\": \"null\"}]}");
	opt(j, "determinism", "determinism", NULL);
	vmb_json_close(j);
	vmb_json_raw(j, "if", "{\"not\": {\"required\": [\"include\"]}}");
	vmb_json_raw(j, "then", "{\"required\": [\"arch\"], \"properties\": {\"memory\": "
		     "{\"anyOf\": [{\"type\": \"array\", \"items\": {\"$ref\": "
		     "\"#/$defs/memoryComplete\"}}, {\"type\": \"null\"}]}, \"devices\": "
		     "{\"anyOf\": [{\"type\": \"array\", \"items\": {\"$ref\": "
		     "\"#/$defs/deviceComplete\"}}, {\"type\": \"null\"}]}}}");
}

void vmb_schema_write(FILE *f)
{
	struct vmb_json j = { .f = f };
	const struct vmb_device_type *const *all;
	unsigned n;

	all = vmb_device_types(&n);
	vmb_json_open(&j, NULL, '{');
	vmb_json_str(&j, "$schema", "https://json-schema.org/draft/2020-12/schema");
	vmb_json_str(&j, "$id", SCHEMA_ID);
	vmb_json_str(&j, "title", "vmb machine file");
	vmb_json_str(&j, "description", "A vmb machine, as the loader (src/config/) "
		     "and the board read it; generated by 'vmb schema' from the "
		     "device registry (docs/machine-format.md). Unknown keys are "
		     "errors everywhere. A file with 'include:' may be partial: only "
		     "'name' is required in its memory and device entries. Optional "
		     "values may be null (~), meaning unset or the default.");
	vmb_json_str(&j, "type", "object");
	vmb_json_bool(&j, "additionalProperties", false);
	top(&j);
	vmb_json_open(&j, "$defs", '{');
	scalars(&j);
	machine_parts(&j);
	generic_device(&j, n, all);
	device(&j, n, all);
	vmb_json_close(&j);
	vmb_json_close(&j);
}

const char vmb_schema_help[] =
"usage: vmb schema [-o FILE]\n"
"\n"
"Print the JSON Schema (draft 2020-12) of machine files, generated from the\n"
"loader's rules and this vmb's device types: one definition per device type\n"
"with its properties, their kinds and enums. schemas/machine.schema.json is\n"
"this output. Attach it to a YAML editor: docs/machine-format.md, 'Editors'.\n"
"\n"
"options:\n"
"  -o, --output FILE     write to FILE instead of stdout\n"
"  -h, --help            this text\n";

int vmb_cmd_schema(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	FILE *f = stdout;
	int c, rc;

	while ((c = vmb_cli_next_opt(argc, argv, "schema", vmb_schema_help, ":o:h",
				     longopts, &rc)) != -1) {
		if (c == -2)
			return rc;
		out = optarg; /* -o */
	}
	if ((rc = vmb_cli_no_more_args(argc, argv, "schema")))
		return rc;
	if (out && strcmp(out, "-") && !(f = fopen(out, "w"))) {
		vmb_warn("cannot create '%s': %s", out, strerror(errno));
		return VMB_EXIT_ERROR;
	}
	vmb_schema_write(f);
	if (f != stdout && fclose(f)) {
		vmb_warn("cannot write '%s': %s", out, strerror(errno));
		return VMB_EXIT_ERROR;
	}
	return 0;
}
