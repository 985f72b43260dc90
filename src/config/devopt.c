/* SPDX-License-Identifier: MIT */
/* Device shorthands; see devopt.h. */
#include <stdlib.h>
#include <string.h>

#include "config/devopt.h"

#define MAX_DEVOPTS 16

static const struct vmb_devopt *opts[MAX_DEVOPTS];
static unsigned uses[MAX_DEVOPTS];
static unsigned nopts;

void vmb_devopt_register(const struct vmb_devopt *o)
{
	if (nopts == MAX_DEVOPTS)
		vmb_die("too many device shorthands (raise MAX_DEVOPTS in %s)", __FILE__);
	opts[nopts++] = o;
}

unsigned vmb_devopt_count(void)
{
	return nopts;
}

const struct vmb_devopt *vmb_devopt_get(unsigned i)
{
	return i < nopts ? opts[i] : NULL;
}

static void put_raw(struct vmb_devopt_entry *e, const char *s, size_t n)
{
	if (e->len + n + 1 > e->cap) {
		e->cap = (e->len + n + 1) * 2;
		e->text = vmb_realloc(e->text, e->cap);
	}
	memcpy(e->text + e->len, s, n);
	e->len += n;
	e->text[e->len] = '\0';
}

void vmb_devopt_put_plain(struct vmb_devopt_entry *e, const char *key, const char *value)
{
	if (!*value || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			      "0123456789._-") != strlen(value)) {
		vmb_devopt_put(e, key, value);
		return;
	}
	put_raw(e, e->len > 1 ? ", " : "", e->len > 1 ? 2 : 0);
	put_raw(e, key, strlen(key));
	put_raw(e, ": ", 2);
	put_raw(e, value, strlen(value));
}

void vmb_devopt_put(struct vmb_devopt_entry *e, const char *key, const char *value)
{
	put_raw(e, e->len > 1 ? ", " : "", e->len > 1 ? 2 : 0);
	put_raw(e, key, strlen(key));
	put_raw(e, ": \"", 3);
	for (const char *p = value; *p; p++) {
		char esc[8];

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = *p;
			put_raw(e, esc, 2);
		} else if ((unsigned char)*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\x%02x", (unsigned char)*p);
			put_raw(e, esc, 4);
		} else {
			put_raw(e, p, 1);
		}
	}
	put_raw(e, "\"", 1);
}

void vmb_devopt_put_list(struct vmb_devopt_entry *e, const char *key,
			 const char *const *values, unsigned n)
{
	struct vmb_devopt_entry item = { 0 };

	put_raw(e, e->len > 1 ? ", " : "", e->len > 1 ? 2 : 0);
	put_raw(e, key, strlen(key));
	put_raw(e, ": [", 3);
	for (unsigned i = 0; i < n; i++) {
		/* Quote each value as put() does, without its "k: " prefix. */
		item.len = 0;
		vmb_devopt_put(&item, "k", values[i]);
		if (i)
			put_raw(e, ", ", 2);
		put_raw(e, item.text + 3, item.len - 3);
	}
	put_raw(e, "]", 1);
	free(item.text);
}

char *vmb_devopt_expand(unsigned i, const char *arg, struct vmb_err *err)
{
	struct vmb_devopt_entry e = { 0 };

	put_raw(&e, "{", 1);
	if (opts[i]->expand(arg, uses[i], &e, err)) {
		free(e.text);
		return NULL;
	}
	put_raw(&e, "}", 1);
	uses[i]++;
	return e.text;
}

void vmb_devopt_help(FILE *out)
{
	if (!nopts)
		return;
	fprintf(out, "\ndevice shorthands (each adds one device entry; see "
		"'vmb devices TYPE'):\n");
	for (unsigned i = 0; i < nopts; i++) {
		const char *h = opts[i]->help;

		fprintf(out, "      --%s%s%s\n", opts[i]->name, opts[i]->has_arg ? " " : "",
			opts[i]->has_arg ? opts[i]->metavar : "");
		while (h && *h) {
			const char *nl = strchr(h, '\n');
			int n = nl ? (int)(nl - h) : (int)strlen(h);

			fprintf(out, "                        %.*s\n", n, h);
			h += n + (nl ? 1 : 0);
		}
	}
}

int vmb_devopt_split(const char *arg, bool first_is_value,
		     int (*fn)(const char *key, const char *value, void *ctx), void *ctx)
{
	char *item = vmb_zalloc(strlen(arg) + 1);
	const char *p = arg;
	bool first = true;
	int rc = 0;

	while (!rc) {
		size_t n = 0;
		char *eq;

		/* one item, ",," standing for a comma */
		while (*p && !(*p == ',' && p[1] != ',')) {
			if (*p == ',')
				p++;
			item[n++] = *p++;
		}
		item[n] = '\0';
		eq = first && first_is_value ? NULL : strchr(item, '=');
		if (first && first_is_value)
			rc = fn(NULL, item, ctx);
		else if (eq) {
			*eq = '\0';
			rc = fn(item, eq + 1, ctx);
		} else {
			rc = fn(item, NULL, ctx);
		}
		first = false;
		if (!*p)
			break;
		p++;
	}
	free(item);
	return rc;
}
