/* SPDX-License-Identifier: MIT */
/*
 * Typed access to scalar nodes: numbers, sizes, booleans, strings; the
 * number/size syntax shared with the CLI; key checking with "did you mean".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/node.h"
#include "util/bytes.h"

#define PARSE_BAD      -1
#define PARSE_OVERFLOW -2

static const char num_expected[] =
	"expected a decimal, 0x hex, 0o octal or 0b binary integer";
static const char size_expected[] =
	"expected a number with optional K/M/G/T suffix";

const char *vmb_node_kind_name(const struct vmb_node *n)
{
	switch (n->kind) {
	case VMB_NODE_MAP:
		return "a mapping";
	case VMB_NODE_SEQ:
		return "a sequence";
	case VMB_NODE_SCALAR:
		break;
	}
	if (vmb_node_is_null(n))
		return "null";
	return n->quoted ? "a quoted string" : "a scalar";
}

/*
 * Parse the number at the start of s: decimal, 0x/0o/0b prefixed, with
 * single '_' separators between digits. *end is set past the digits.
 * Returns 0, PARSE_BAD or PARSE_OVERFLOW (the text is still well formed).
 */
static int parse_number(const char *s, const char **end, uint64_t *out)
{
	const char *p = s;
	unsigned base = 10;
	uint64_t v = 0;
	bool any = false, overflow = false;

	if (p[0] == '0' && p[1]) {
		switch (p[1]) {
		case 'x': case 'X': base = 16; break;
		case 'o': case 'O': base = 8; break;
		case 'b': case 'B': base = 2; break;
		}
		if (base != 10)
			p += 2;
	}
	for (;; p++) {
		int d = vmb_hex_digit(*p);

		if (*p == '_') {
			int next = vmb_hex_digit(p[1]);

			if (!any || next < 0 || (unsigned)next >= base)
				return PARSE_BAD;
			continue;
		}
		if (d < 0 || (unsigned)d >= base)
			break;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			overflow = true;
		v = v * base + (unsigned)d;
		any = true;
	}
	if (!any)
		return PARSE_BAD;
	*end = p;
	*out = v;
	return overflow ? PARSE_OVERFLOW : 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	const char *end;
	int rc = parse_number(s, &end, out);

	if (rc == PARSE_BAD || *end)
		return PARSE_BAD;
	return rc;
}

static const struct {
	const char *suffix;
	unsigned shift;
} size_suffixes[] = {
	{ "", 0 },
	{ "K", 10 }, { "KiB", 10 },
	{ "M", 20 }, { "MiB", 20 },
	{ "G", 30 }, { "GiB", 30 },
	{ "T", 40 }, { "TiB", 40 },
};

static int parse_size(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int rc = parse_number(s, &end, &v);

	if (rc == PARSE_BAD)
		return PARSE_BAD;
	for (size_t i = 0; i < sizeof(size_suffixes) / sizeof(size_suffixes[0]); i++) {
		unsigned shift = size_suffixes[i].shift;

		if (strcasecmp(end, size_suffixes[i].suffix))
			continue;
		if (rc == PARSE_OVERFLOW || (shift && v > UINT64_MAX >> shift))
			return PARSE_OVERFLOW;
		*out = v << shift;
		return 0;
	}
	return PARSE_BAD;
}

int vmb_parse_u64(const char *s, uint64_t *out)
{
	return s && parse_u64(s, out) == 0 ? 0 : -1;
}

int vmb_parse_size(const char *s, uint64_t *out)
{
	return s && parse_size(s, out) == 0 ? 0 : -1;
}

void vmb_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "TGMK";

	if (!len)
		return;
	if (!bytes) {
		snprintf(buf, len, "0");
		return;
	}
	for (int i = 0; i < 4; i++) {
		unsigned shift = 40 - 10 * (unsigned)i;

		if (!(bytes & ((UINT64_C(1) << shift) - 1))) {
			snprintf(buf, len, "%" PRIu64 "%c", bytes >> shift, units[i]);
			return;
		}
	}
	snprintf(buf, len, "0x%" PRIx64, bytes);
}

/* ---- typed node accessors --------------------------------------------- */

static int wrong_type(const struct vmb_node *n, const char *key,
		      const char *expected, struct vmb_err *err)
{
	if (key)
		return vmb_errf(err, &n->loc, "wrong type for '%s': expected %s, "
				"got %s", key, expected, vmb_node_kind_name(n));
	return vmb_errf(err, &n->loc, "wrong type: expected %s, got %s",
			expected, vmb_node_kind_name(n));
}

/* Numbers and booleans must be plain, non-null scalars. */
static bool is_plain_value(const struct vmb_node *n)
{
	return n->kind == VMB_NODE_SCALAR && !n->quoted && !vmb_node_is_null(n);
}

static int node_u64(const struct vmb_node *n, const char *key, uint64_t *out,
		    struct vmb_err *err)
{
	if (!is_plain_value(n))
		return wrong_type(n, key, "an integer", err);
	switch (parse_u64(n->scalar, out)) {
	case 0:
		return 0;
	case PARSE_OVERFLOW:
		return vmb_errf(err, &n->loc, "number '%s' is too large, expected "
				"at most 2^64-1", n->scalar);
	default:
		return vmb_errf(err, &n->loc, "bad number '%s': %s", n->scalar,
				num_expected);
	}
}

static int node_size(const struct vmb_node *n, const char *key, uint64_t *out,
		     struct vmb_err *err)
{
	if (!is_plain_value(n))
		return wrong_type(n, key, "a size", err);
	switch (parse_size(n->scalar, out)) {
	case 0:
		return 0;
	case PARSE_OVERFLOW:
		return vmb_errf(err, &n->loc, "size '%s' is too large, expected "
				"at most 2^64-1 bytes", n->scalar);
	default:
		return vmb_errf(err, &n->loc, "bad size '%s': %s", n->scalar,
				size_expected);
	}
}

static int node_bool(const struct vmb_node *n, const char *key, bool *out,
		     struct vmb_err *err)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };

	if (!is_plain_value(n))
		return wrong_type(n, key, "a boolean", err);
	for (int i = 0; i < 3; i++) {
		if (!strcmp(n->scalar, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(n->scalar, no[i])) {
			*out = false;
			return 0;
		}
	}
	return vmb_errf(err, &n->loc, "bad boolean '%s': expected true or false",
			n->scalar);
}

static int node_str(const struct vmb_node *n, const char *key, const char **out,
		    struct vmb_err *err)
{
	if (n->kind != VMB_NODE_SCALAR || vmb_node_is_null(n))
		return wrong_type(n, key, "a string", err);
	*out = n->scalar;
	return 0;
}

int vmb_node_u64(const struct vmb_node *n, uint64_t *out, struct vmb_err *err)
{
	return node_u64(n, NULL, out, err);
}

int vmb_node_size(const struct vmb_node *n, uint64_t *out, struct vmb_err *err)
{
	return node_size(n, NULL, out, err);
}

int vmb_node_bool(const struct vmb_node *n, bool *out, struct vmb_err *err)
{
	return node_bool(n, NULL, out, err);
}

int vmb_node_str(const struct vmb_node *n, const char **out, struct vmb_err *err)
{
	return node_str(n, NULL, out, err);
}

/* The value of map[key] unless absent or null. */
static const struct vmb_node *given(const struct vmb_node *map, const char *key)
{
	const struct vmb_node *v = vmb_node_get(map, key);

	return v && !vmb_node_is_null(v) ? v : NULL;
}

int vmb_node_get_u64(const struct vmb_node *map, const char *key, uint64_t *out,
		     struct vmb_err *err)
{
	const struct vmb_node *v = given(map, key);

	if (!v)
		return 0;
	return node_u64(v, key, out, err) ? -1 : 1;
}

int vmb_node_get_size(const struct vmb_node *map, const char *key, uint64_t *out,
		      struct vmb_err *err)
{
	const struct vmb_node *v = given(map, key);

	if (!v)
		return 0;
	return node_size(v, key, out, err) ? -1 : 1;
}

int vmb_node_get_bool(const struct vmb_node *map, const char *key, bool *out,
		      struct vmb_err *err)
{
	const struct vmb_node *v = given(map, key);

	if (!v)
		return 0;
	return node_bool(v, key, out, err) ? -1 : 1;
}

int vmb_node_get_str(const struct vmb_node *map, const char *key, const char **out,
		     struct vmb_err *err)
{
	const struct vmb_node *v = given(map, key);

	if (!v)
		return 0;
	return node_str(v, key, out, err) ? -1 : 1;
}

struct vmb_node *vmb_node_require(const struct vmb_node *n, const char *key,
				  const char *what, struct vmb_err *err)
{
	struct vmb_node *v = vmb_node_get(n, key);

	if (!v) {
		vmb_errf(err, &n->loc, "missing required field '%s' in %s", key, what);
		return NULL;
	}
	/* Written but empty ("base:", "--set devices.0.base="): say so
	 * where it was written. */
	if (vmb_node_is_null(v)) {
		vmb_errf(err, &v->loc, "required field '%s' of %s has no value",
			 key, what);
		return NULL;
	}
	return v;
}

/* ---- key checking ------------------------------------------------------ */

/* Optimal string alignment distance (edits plus adjacent swaps), capped:
 * keys are short, and anything beyond 2 is not a near miss. */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned d[33][33];

	if (la > 32 || lb > 32)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

static const char *near_miss(const char *key, const char *const *allowed)
{
	const char *best = NULL;
	unsigned best_d = 3;

	for (const char *const *a = allowed; *a; a++) {
		unsigned dist = edit_distance(key, *a);

		if (dist < best_d && dist < strlen(key)) {
			best = *a;
			best_d = dist;
		}
	}
	return best;
}

const char *vmb_did_you_mean(const char *word, const char *const *choices)
{
	return near_miss(word, choices);
}

static bool is_allowed(const char *key, const char *const *allowed)
{
	for (const char *const *a = allowed; *a; a++)
		if (!strcmp(key, *a))
			return true;
	return false;
}

/* Append to err->msg without overflowing it. */
static void msg_cat(struct vmb_err *err, const char *s)
{
	size_t len = strlen(err->msg);

	if (len + 1 < sizeof(err->msg))
		strncat(err->msg, s, sizeof(err->msg) - len - 1);
}

int vmb_err_choices(struct vmb_err *err, const char *word,
		    const char *const *choices)
{
	const char *hint = near_miss(word, choices);

	msg_cat(err, ", expected one of: ");
	for (const char *const *c = choices; *c; c++) {
		if (c != choices)
			msg_cat(err, ", ");
		msg_cat(err, *c);
	}
	if (hint) {
		msg_cat(err, " (did you mean '");
		msg_cat(err, hint);
		msg_cat(err, "'?)");
	}
	return -1;
}

int vmb_node_check_keys(const struct vmb_node *n, const char *const *allowed,
			const char *what, struct vmb_err *err)
{
	if (n->kind != VMB_NODE_MAP)
		return vmb_errf(err, &n->loc, "wrong type for %s: expected a "
				"mapping, got %s", what, vmb_node_kind_name(n));
	for (size_t i = 0; i < n->n; i++) {
		const char *key = n->keys[i], *hint;

		if (is_allowed(key, allowed))
			continue;
		if (!allowed[0])
			return vmb_errf(err, &n->key_locs[i], "unknown key '%s' in "
					"%s, expected no keys here", key, what);
		vmb_errf(err, &n->key_locs[i], "unknown key '%s' in %s, expected "
			 "one of: ", key, what);
		for (const char *const *a = allowed; *a; a++) {
			if (a != allowed)
				msg_cat(err, ", ");
			msg_cat(err, *a);
		}
		hint = near_miss(key, allowed);
		if (hint) {
			msg_cat(err, " (did you mean '");
			msg_cat(err, hint);
			msg_cat(err, "'?)");
		}
		return -1;
	}
	return 0;
}
