/* SPDX-License-Identifier: MIT */
/*
 * Internal to src/config/: the steps of vmb_spec_load that work on the
 * document tree (merging included files, "--set" overrides).
 */
#ifndef VMB_CONFIG_LOADER_H
#define VMB_CONFIG_LOADER_H

#include "config/node.h"
#include "config/spec.h"

/*
 * Merge "over" (a later document) into *base (an earlier one), in place:
 * maps merge key by key; sequences in which every item is a map with a
 * "name" merge item by item (same name: fields merged; "remove: true":
 * earlier item deleted; new name: appended); anything else is replaced by
 * a copy of "over". "path" names the position for messages ("" = root).
 * Returns 0, or -1 with err set (duplicate names, bad "remove").
 */
int vmb_node_merge(struct vmb_node **base, const struct vmb_node *over,
		   const char *path, struct vmb_err *err);

/*
 * After all merging: drop "remove: false" from named-sequence items and
 * reject "remove: true" left over (nothing earlier had that name).
 */
int vmb_node_strip_removes(struct vmb_node *n, const char *path,
			   struct vmb_err *err);

/*
 * Apply one --set override to the merged tree. "file" is the pseudo file
 * name for the new nodes' locations ("<--set N>", interned by the caller);
 * their column is where the value starts in "PATH=VALUE".
 */
int vmb_override_apply(struct vmb_node *root, const struct vmb_override *ov,
		       const char *file, struct vmb_err *err);

/* The "name" of a named-sequence item, or NULL (not a map, or no name). */
const char *vmb_node_entry_name(const struct vmb_node *item);

/* Comma-separated names of the items of seq, into buf (truncated). */
void vmb_node_list_names(const struct vmb_node *seq, char *buf, size_t len);

/* A copy of "name" owned by the spec (s->interned), for struct vmb_loc. */
const char *vmb_spec_intern(struct vmb_spec *s, const char *name);

/*
 * Parse "path" (already interned) and everything it includes, merged in
 * order: includes depth first, the including file last. The "include" keys
 * are consumed. Returns the merged tree, or NULL with err set (syntax
 * errors, missing files, include cycles).
 */
struct vmb_node *vmb_load_tree(struct vmb_spec *s, const char *path,
			       struct vmb_err *err);

/* Check that a file named in a machine file is a regular file that can be
 * read (vmb_file_open_regular: a FIFO is refused, never waited on): NULL,
 * or the reason it cannot. *size (may be NULL) gets its size. */
const char *vmb_check_file(const char *path, uint64_t *size);

/* The "determinism:" section into s->det (determinism.c). */
int vmb_spec_build_determinism(struct vmb_spec *s, struct vmb_err *err);

#endif
