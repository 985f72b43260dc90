/* SPDX-License-Identifier: MIT */
/*
 * Reading a machine file and its "include:" list into one merged tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/loader.h"
#include "util/file.h"

/* Deeper than any sane layering, shallow enough to bound recursion. */
#define MAX_INCLUDE_DEPTH 32

struct loader {
	struct vmb_spec *s;
	const char *chain[MAX_INCLUDE_DEPTH]; /* files being loaded, outermost first */
	char *real[MAX_INCLUDE_DEPTH];        /* their canonical paths */
	int depth;
	struct vmb_err *err;
};

const char *vmb_spec_intern(struct vmb_spec *s, const char *name)
{
	for (unsigned i = 0; i < s->ninterned; i++)
		if (!strcmp(s->interned[i], name))
			return s->interned[i];
	s->interned = vmb_realloc(s->interned, (s->ninterned + 1) * sizeof(*s->interned));
	s->interned[s->ninterned] = vmb_strdup(name);
	return s->interned[s->ninterned++];
}

const char *vmb_check_file(const char *path, uint64_t *size)
{
	const char *why = NULL;
	int fd = vmb_file_open_regular(path, O_RDONLY, size, &why);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? why : NULL;
}

static struct vmb_node *load_file(struct loader *l, const char *file,
				  const struct vmb_loc *from);

static int cycle_error(struct loader *l, int first, const char *file,
		       const struct vmb_loc *from)
{
	vmb_errf(l->err, from, "include cycle: ");
	for (int i = first; i < l->depth; i++) {
		size_t len = strlen(l->err->msg);

		snprintf(l->err->msg + len, sizeof(l->err->msg) - len, "%s -> ",
			 l->chain[i]);
	}
	{
		size_t len = strlen(l->err->msg);

		snprintf(l->err->msg + len, sizeof(l->err->msg) - len, "%s", file);
	}
	return -1;
}

/* Load one "include:" entry and merge it into *acc. */
static int include_one(struct loader *l, const struct vmb_node *item,
		       struct vmb_node **acc)
{
	struct vmb_node *sub;
	const char *file;
	const char *why;
	char *path;
	int e;

	if (item->kind != VMB_NODE_SCALAR || vmb_node_is_null(item))
		return vmb_errf(l->err, &item->loc, "wrong type for 'include': "
				"expected a file name, got %s",
				vmb_node_kind_name(item));
	path = vmb_node_path(item);
	file = vmb_spec_intern(l->s, path);
	free(path);
	why = vmb_check_file(file, NULL);
	if (why)
		return vmb_errf(l->err, &item->loc, "include file '%s' (resolved: "
				"%s): %s", item->scalar, file, why);
	sub = load_file(l, file, &item->loc);
	if (!sub)
		return -1;
	if (!*acc) {
		*acc = sub;
		return 0;
	}
	e = vmb_node_merge(acc, sub, "", l->err);
	vmb_node_free(sub);
	return e;
}

/* Merge the files root includes, in order, into *acc (NULL if none). */
static int load_includes(struct loader *l, const struct vmb_node *root,
			 struct vmb_node **acc)
{
	const struct vmb_node *inc = vmb_node_get(root, "include");

	*acc = NULL;
	if (!inc || vmb_node_is_null(inc))
		return 0;
	if (inc->kind == VMB_NODE_SCALAR)
		return include_one(l, inc, acc);
	if (inc->kind != VMB_NODE_SEQ)
		return vmb_errf(l->err, &inc->loc, "wrong type for 'include': "
				"expected a file name or a list of file names, "
				"got %s", vmb_node_kind_name(inc));
	for (size_t i = 0; i < inc->n; i++)
		if (include_one(l, inc->items[i], acc))
			return -1;
	return 0;
}

/* Parse and check that the document is a mapping (null = empty mapping). */
static struct vmb_node *parse_machine(struct loader *l, const char *file)
{
	struct vmb_node *root = vmb_node_parse_file(file, l->err);

	if (!root)
		return NULL;
	if (vmb_node_is_null(root)) {
		struct vmb_loc loc = root->loc;

		vmb_node_free(root);
		return vmb_node_new_map(&loc);
	}
	if (root->kind != VMB_NODE_MAP) {
		vmb_errf(l->err, &root->loc, "wrong type for the machine: expected "
			 "a mapping of keys (arch, memory, devices, ...), got %s",
			 vmb_node_kind_name(root));
		vmb_node_free(root);
		return NULL;
	}
	return root;
}

static struct vmb_node *load_file(struct loader *l, const char *file,
				  const struct vmb_loc *from)
{
	struct vmb_node *root, *acc = NULL;
	char *real = realpath(file, NULL);

	if (!real)
		real = vmb_strdup(file);
	for (int i = 0; i < l->depth; i++) {
		if (!strcmp(l->real[i], real)) {
			free(real);
			cycle_error(l, i, file, from);
			return NULL;
		}
	}
	if (l->depth == MAX_INCLUDE_DEPTH) {
		free(real);
		vmb_errf(l->err, from, "includes nested deeper than %d files",
			 MAX_INCLUDE_DEPTH);
		return NULL;
	}
	l->chain[l->depth] = file;
	l->real[l->depth++] = real;

	root = parse_machine(l, file);
	if (root && load_includes(l, root, &acc)) {
		vmb_node_free(root);
		root = NULL;
	}
	if (root) {
		vmb_node_map_del(root, "include");
		if (acc && vmb_node_merge(&acc, root, "", l->err)) {
			vmb_node_free(root);
			root = NULL;
		} else if (acc) {
			vmb_node_free(root);
			root = acc;
			acc = NULL;
		}
	}
	vmb_node_free(acc);
	free(l->real[--l->depth]);
	return root;
}

struct vmb_node *vmb_load_tree(struct vmb_spec *s, const char *path,
			       struct vmb_err *err)
{
	struct loader l = { .s = s, .err = err };

	return load_file(&l, path, NULL);
}
