/* SPDX-License-Identifier: MIT */
/*
 * "--set PATH=VALUE" overrides, applied to the merged document before it is
 * validated, so an override is checked exactly like the same value written
 * in the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/loader.h"

/* Where we are while walking a --set path. */
struct walk {
	const struct vmb_override *ov;
	const char *file;       /* "<--set N>" */
	const char *comp;       /* current component (NUL-terminated copy) */
	size_t comp_off;        /* its offset in ov->path */
	bool last;
	struct vmb_node *seq;   /* when cur is an item of a sequence: the */
	size_t seq_idx;         /* sequence and the index (for "remove") */
	struct vmb_err *err;
};

static struct vmb_loc comp_loc(const struct walk *w)
{
	struct vmb_loc loc = { w->file, 1, (int)w->comp_off + 1 };

	return loc;
}

/* "devices.uart0" for the component at comp_off, "the machine" at the root. */
static void prefix(const struct walk *w, char *buf, size_t len)
{
	if (!w->comp_off)
		snprintf(buf, len, "the machine");
	else
		snprintf(buf, len, "%.*s", (int)(w->comp_off - 1), w->ov->path);
}

/*
 * The override's value as a node. Plain text is a plain scalar, as if
 * written unquoted in a file; text starting with '[' or '{' is a YAML flow
 * collection ("irq=[3, 4]"), parsed with its columns lined up with the
 * value's position in "PATH=VALUE" so errors point into the argument.
 */
static struct vmb_node *make_value(const struct walk *w)
{
	const char *v = w->ov->value ? w->ov->value : "";
	size_t col = strlen(w->ov->path) + 1;
	struct vmb_loc loc = { w->file, 1, (int)col + 1 };
	struct vmb_node *n;
	char *text;

	if (v[0] != '[' && v[0] != '{') {
		n = vmb_node_new_scalar(v, false, &loc);
		if (vmb_node_is_null(n))
			n->scalar[0] = '\0';
		return n;
	}
	text = vmb_zalloc(col + strlen(v) + 1);
	memset(text, ' ', col);
	strcpy(text + col, v);
	n = vmb_node_parse_string(text, w->file, w->err);
	free(text);
	return n;
}

/* "remove=true" on a named entry deletes it, as "remove: true" would in a
 * later file. Returns 1 if handled. */
static int try_remove(struct walk *w, struct vmb_node *cur)
{
	struct vmb_node *v;
	bool remove;
	int rc;

	if (!w->last || !w->seq || cur->kind != VMB_NODE_MAP ||
	    strcmp(w->comp, "remove"))
		return 0;
	v = make_value(w);
	if (!v)
		return -1;
	rc = vmb_node_bool(v, &remove, w->err);
	vmb_node_free(v);
	if (rc)
		return -1;
	if (remove)
		vmb_node_seq_del(w->seq, w->seq_idx);
	return 1;
}

static int step_map(struct walk *w, struct vmb_node **cur)
{
	struct vmb_node *m = *cur, *v;
	struct vmb_loc kloc = comp_loc(w);
	long at = vmb_node_map_find(m, w->comp);

	if (w->last) {
		v = make_value(w);
		if (!v)
			return -1;
		vmb_node_map_put(m, w->comp, &kloc, v);
		return 0;
	}
	/* A missing or null intermediate key becomes a new mapping, or a
	 * new list when the next component appends ("devices.+"). */
	if (at < 0 || vmb_node_is_null(m->items[at])) {
		const char *next = w->ov->path + w->comp_off + strlen(w->comp) + 1;

		vmb_node_map_put(m, w->comp, &kloc, strcmp(next, "+") ?
				 vmb_node_new_map(&kloc) : vmb_node_new_seq(&kloc));
		at = vmb_node_map_find(m, w->comp);
	}
	w->seq = NULL;
	*cur = m->items[at];
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* "LIST.+={name: N, ...}" appends a named entry, as a later machine file
 * listing a new name would (the device shorthands --drive, ... expand to
 * this). */
static int append(struct walk *w, struct vmb_node *s)
{
	struct vmb_node *v;
	const char *name;

	if (!w->last)
		return vmb_errf(w->err, NULL, "--set %s: nothing may follow '+' "
				"(it appends the value to the list)", w->ov->path);
	v = make_value(w);
	if (!v)
		return -1;
	name = vmb_node_entry_name(v);
	if (!name) {
		vmb_node_free(v);
		return vmb_errf(w->err, NULL, "--set %s=%s: the value appended must be "
				"a mapping with a name, e.g. {name: disk0, type: "
				"virtio-blk}", w->ov->path, w->ov->value);
	}
	for (size_t i = 0; i < s->n; i++) {
		const char *other = vmb_node_entry_name(s->items[i]);

		if (other && !strcmp(other, name)) {
			vmb_errf(w->err, NULL, "--set %s: an entry named '%s' already "
				 "exists", w->ov->path, name);
			vmb_node_free(v);
			return -1;
		}
	}
	vmb_node_seq_push(s, v);
	return 0;
}

static int step_seq(struct walk *w, struct vmb_node **cur)
{
	struct vmb_node *s = *cur, *v;
	char where[256], known[512];
	long at = -1;

	if (!strcmp(w->comp, "+"))
		return append(w, s);
	prefix(w, where, sizeof(where));
	if (all_digits(w->comp)) {
		unsigned long i = strtoul(w->comp, NULL, 10);

		if (strlen(w->comp) > 9 || i >= s->n)
			return vmb_errf(w->err, NULL, "--set %s: index %s out of "
					"range for %s, expected 0..%zu",
					w->ov->path, w->comp, where,
					s->n ? s->n - 1 : 0);
		at = (long)i;
	} else {
		for (size_t i = 0; i < s->n && at < 0; i++) {
			const char *name = vmb_node_entry_name(s->items[i]);

			if (name && !strcmp(name, w->comp))
				at = (long)i;
		}
		if (at < 0) {
			vmb_node_list_names(s, known, sizeof(known));
			return vmb_errf(w->err, NULL, "--set %s: no entry named "
					"'%s' in %s (known: %s)", w->ov->path,
					w->comp, where, known);
		}
	}
	if (w->last) {
		v = make_value(w);
		if (!v)
			return -1;
		vmb_node_free(s->items[at]);
		s->items[at] = v;
		return 0;
	}
	w->seq = s;
	w->seq_idx = (size_t)at;
	*cur = s->items[at];
	return 0;
}

int vmb_override_apply(struct vmb_node *root, const struct vmb_override *ov,
		       const char *file, struct vmb_err *err)
{
	struct walk w = { .ov = ov, .file = file, .err = err };
	struct vmb_node *cur = root;
	const char *p = ov->path;
	int rc = 0;

	if (!strncmp(p, "include", 7) && (!p[7] || p[7] == '.'))
		return vmb_errf(err, NULL, "--set %s: includes cannot be changed "
				"with --set, expected a key of the machine", p);
	while (!rc) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		char where[256];
		char *comp;

		if (!len)
			return vmb_errf(err, NULL, "--set %s: empty path component, "
					"expected KEY[.KEY|.INDEX|.NAME...]=VALUE",
					ov->path);
		comp = vmb_zalloc(len + 1);
		memcpy(comp, p, len);
		w.comp = comp;
		w.comp_off = (size_t)(p - ov->path);
		w.last = !dot;
		rc = try_remove(&w, cur);
		if (rc) {
			free(comp);
			return rc < 0 ? -1 : 0;
		}
		if (cur->kind == VMB_NODE_MAP) {
			rc = step_map(&w, &cur);
		} else if (cur->kind == VMB_NODE_SEQ) {
			rc = step_seq(&w, &cur);
		} else {
			prefix(&w, where, sizeof(where));
			rc = vmb_errf(err, NULL, "--set %s: %s is a scalar, expected "
				      "a mapping or a list to look up '%s' in",
				      ov->path, where, comp);
		}
		free(comp);
		if (rc || w.last)
			break;
		p = dot + 1;
	}
	return rc;
}
