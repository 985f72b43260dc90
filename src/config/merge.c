/* SPDX-License-Identifier: MIT */
/*
 * Merging machine documents: a file's includes first, then the file itself,
 * each later document overriding the earlier ones (Renode-style: lists of
 * named entries merge by name).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/loader.h"

const char *vmb_node_entry_name(const struct vmb_node *item)
{
	const struct vmb_node *n;

	if (!item || item->kind != VMB_NODE_MAP)
		return NULL;
	n = vmb_node_get(item, "name");
	if (!n || n->kind != VMB_NODE_SCALAR || vmb_node_is_null(n))
		return NULL;
	return n->scalar;
}

void vmb_node_list_names(const struct vmb_node *seq, char *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; seq && seq->kind == VMB_NODE_SEQ && i < seq->n; i++) {
		const char *name = vmb_node_entry_name(seq->items[i]);
		int w;

		if (!name)
			continue;
		w = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", name);
		if (w < 0 || (size_t)w >= len - off)
			break;
		off += (size_t)w;
	}
	if (!off)
		snprintf(buf, len, "none");
}

/* Every item is a map with a name (vacuously true for an empty list). */
static bool is_named_seq(const struct vmb_node *s)
{
	if (s->kind != VMB_NODE_SEQ)
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (!vmb_node_entry_name(s->items[i]))
			return false;
	return true;
}

static long find_named(const struct vmb_node *seq, const char *name)
{
	for (size_t i = 0; i < seq->n; i++) {
		const char *n = vmb_node_entry_name(seq->items[i]);

		if (n && !strcmp(n, name))
			return (long)i;
	}
	return -1;
}

static void sub_path(char *buf, size_t len, const char *path, const char *key)
{
	snprintf(buf, len, "%s%s%s", path, path[0] ? "." : "", key);
}

static const char *path_name(const char *path)
{
	return path[0] ? path : "the machine";
}

/* Two entries with one name in a single document would otherwise merge
 * into one silently; the first is where the name was taken. */
static int check_unique(const struct vmb_node *seq, const char *path,
			struct vmb_err *err)
{
	for (size_t i = 1; i < seq->n; i++) {
		const char *name = vmb_node_entry_name(seq->items[i]);
		long first = find_named(seq, name);

		if (first >= 0 && (size_t)first < i) {
			const struct vmb_node *a = vmb_node_get(seq->items[first], "name");
			const struct vmb_node *b = vmb_node_get(seq->items[i], "name");

			vmb_errf(err, &b->loc, "duplicate name '%s' in %s",
				 name, path_name(path));
			vmb_err_append(err, "first defined at %s:%d:%d",
				       a->loc.file, a->loc.line, a->loc.col);
			return -1;
		}
	}
	return 0;
}

/* "remove: true" asks to delete the earlier entry; it may carry nothing else. */
static int want_remove(const struct vmb_node *item, const char *name,
		       const char *path, bool *remove, struct vmb_err *err)
{
	*remove = false;
	if (vmb_node_get_bool(item, "remove", remove, err) < 0)
		return -1;
	if (!*remove)
		return 0;
	for (size_t i = 0; i < item->n; i++)
		if (strcmp(item->keys[i], "name") && strcmp(item->keys[i], "remove"))
			return vmb_errf(err, &item->key_locs[i], "unexpected key "
					"'%s' in entry '%s' of %s with 'remove: "
					"true', expected only 'name' and 'remove'",
					item->keys[i], name, path_name(path));
	return 0;
}

static int merge_named(struct vmb_node *base, const struct vmb_node *over,
		       const char *path, struct vmb_err *err)
{
	if (check_unique(over, path, err))
		return -1;
	for (size_t i = 0; i < over->n; i++) {
		const struct vmb_node *o = over->items[i];
		const char *name = vmb_node_entry_name(o);
		long at = find_named(base, name);
		char sub[256];
		bool remove;

		if (want_remove(o, name, path, &remove, err))
			return -1;
		if (remove && at < 0) {
			char known[512];

			vmb_node_list_names(base, known, sizeof(known));
			return vmb_errf(err, vmb_node_key_loc(o, "remove"), "cannot "
					"remove '%s' from %s: no earlier entry has "
					"that name (known: %s)", name,
					path_name(path), known);
		}
		if (remove) {
			vmb_node_seq_del(base, (size_t)at);
			continue;
		}
		if (at < 0) {
			vmb_node_seq_push(base, vmb_node_clone(o));
			continue;
		}
		sub_path(sub, sizeof(sub), path, name);
		if (vmb_node_merge(&base->items[at], o, sub, err))
			return -1;
	}
	return 0;
}

static int merge_map(struct vmb_node *base, const struct vmb_node *over,
		     const char *path, struct vmb_err *err)
{
	for (size_t i = 0; i < over->n; i++) {
		long at = vmb_node_map_find(base, over->keys[i]);
		char sub[256];

		if (at < 0) {
			vmb_node_map_put(base, over->keys[i], &over->key_locs[i],
					 vmb_node_clone(over->items[i]));
			continue;
		}
		sub_path(sub, sizeof(sub), path, over->keys[i]);
		if (vmb_node_merge(&base->items[at], over->items[i], sub, err))
			return -1;
	}
	return 0;
}

int vmb_node_merge(struct vmb_node **base, const struct vmb_node *over,
		   const char *path, struct vmb_err *err)
{
	struct vmb_node *b = *base;

	if (b->kind == VMB_NODE_MAP && over->kind == VMB_NODE_MAP)
		return merge_map(b, over, path, err);
	/* An empty list replaces: "devices: []" clears the earlier ones. */
	if (over->n && is_named_seq(b) && is_named_seq(over))
		return merge_named(b, over, path, err);
	vmb_node_free(b);
	*base = vmb_node_clone(over);
	return 0;
}

int vmb_node_strip_removes(struct vmb_node *n, const char *path,
			   struct vmb_err *err)
{
	bool named = n->n && is_named_seq(n);

	for (size_t i = 0; i < n->n; i++) {
		struct vmb_node *item = n->items[i];
		const char *key = n->kind == VMB_NODE_MAP ? n->keys[i]
							  : vmb_node_entry_name(item);
		char sub[256];
		bool remove;

		if (named) {
			if (want_remove(item, key, path, &remove, err))
				return -1;
			if (remove)
				return vmb_errf(err, vmb_node_key_loc(item, "remove"),
						"cannot remove '%s' from %s: no "
						"earlier entry has that name", key,
						path_name(path));
			vmb_node_map_del(item, "remove");
		}
		if (key)
			sub_path(sub, sizeof(sub), path, key);
		else
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (vmb_node_strip_removes(item, sub, err))
			return -1;
	}
	return 0;
}
