/* SPDX-License-Identifier: MIT */
/*
 * Machine-file document tree.
 *
 * libyaml's event stream becomes a tree of scalars, mappings and sequences,
 * each node remembering where it was written (struct vmb_loc), so that every
 * later layer — the spec loader, the board, a device validating its own
 * properties — can report "file:line:col: what was expected".
 *
 * Anchors/aliases are resolved by copying; duplicate keys in one mapping are
 * an error. Tags are ignored.
 */
#ifndef VMB_CONFIG_NODE_H
#define VMB_CONFIG_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "util/err.h"

enum vmb_node_kind {
	VMB_NODE_SCALAR,
	VMB_NODE_MAP,
	VMB_NODE_SEQ,
};

struct vmb_node {
	enum vmb_node_kind kind;
	struct vmb_loc loc;
	char *scalar;             /* VMB_NODE_SCALAR: the text ("" for null) */
	bool quoted;              /* scalar was quoted: never a number/bool */
	size_t n;                 /* MAP: number of pairs; SEQ: number of items */
	char **keys;              /* MAP: keys[i] */
	struct vmb_loc *key_locs; /* MAP: where keys[i] was written */
	struct vmb_node **items;  /* MAP: value of keys[i]; SEQ: item i */
};

/* Parse a YAML file into a tree. Returns NULL with err set ("file:line:col:
 * ..." for syntax errors, "file: cannot open: ..." for I/O). Every node's
 * loc.file points at "path" itself (not a copy): it must outlive the tree
 * and its clones (the spec loader passes names interned in the spec). A
 * file without a document yields a null scalar. */
struct vmb_node *vmb_node_parse_file(const char *path, struct vmb_err *err);

/* Parse YAML text; "name" is the file name used in locations (same lifetime
 * rule as above). */
struct vmb_node *vmb_node_parse_string(const char *text, const char *name,
				       struct vmb_err *err);

void vmb_node_free(struct vmb_node *n);
struct vmb_node *vmb_node_clone(const struct vmb_node *n);

/* Map lookup; NULL if absent or n is not a map. */
struct vmb_node *vmb_node_get(const struct vmb_node *n, const char *key);
/* Location of key in map n (falls back to the map's own location). */
const struct vmb_loc *vmb_node_key_loc(const struct vmb_node *n, const char *key);

/*
 * Typed scalar accessors. Each fails (-1, err names the node's location and
 * what was expected) when the node is not a scalar of that type.
 *  - u64: decimal, 0x hex, 0o octal, 0b binary, '_' separators allowed.
 *  - size: u64 or a number with a binary suffix K, M, G, T (also KiB, MiB,
 *    GiB, TiB); "64M" = 64 MiB. Overflow is an error.
 *  - bool: true/false/yes/no/on/off.
 *  - str: any unquoted or quoted scalar (not null).
 */
int vmb_node_u64(const struct vmb_node *n, uint64_t *out, struct vmb_err *err);
int vmb_node_size(const struct vmb_node *n, uint64_t *out, struct vmb_err *err);
int vmb_node_bool(const struct vmb_node *n, bool *out, struct vmb_err *err);
int vmb_node_str(const struct vmb_node *n, const char **out, struct vmb_err *err);

/* Parse a size/number string with the same rules as vmb_node_size/u64
 * (for the CLI). Return 0 on success, -1 on malformed or overflow. */
int vmb_parse_u64(const char *s, uint64_t *out);
int vmb_parse_size(const char *s, uint64_t *out);

/* "64M", "1G", "0x200", "4K"... human form of a size in bytes. */
void vmb_format_size(uint64_t bytes, char *buf, size_t len);

/*
 * Check that map n only has keys from the NULL-terminated list "allowed";
 * an unknown key is an error at its location listing the allowed keys, with a
 * "did you mean" hint for near misses. "what" names the map ("device 'uart0'").
 */
int vmb_node_check_keys(const struct vmb_node *n, const char *const *allowed,
			const char *what, struct vmb_err *err);

/* The choice nearest to word (at most 2 edits, fewer than word's length),
 * for "did you mean" hints; NULL if none is near. */
const char *vmb_did_you_mean(const char *word, const char *const *choices);

/* Append ", expected one of: A, B, C" and, for a near miss, " (did you
 * mean 'B'?)" to err->msg. Returns -1. */
int vmb_err_choices(struct vmb_err *err, const char *word,
		    const char *const *choices);

/* Fetch a required key: error "missing required field 'key' in WHAT" at the
 * map's location when absent, "... has no value" at the value when null. */
struct vmb_node *vmb_node_require(const struct vmb_node *n, const char *key,
				  const char *what, struct vmb_err *err);

/* ---- Additions (config loader) ---------------------------------------- */

/* True for a YAML null: an unquoted ~, null, Null, NULL or nothing. Where a
 * value is optional, null means "unset". */
bool vmb_node_is_null(const struct vmb_node *n);

/* What a node is, for messages: "a mapping", "a sequence", "null",
 * "a quoted string", "a scalar". */
const char *vmb_node_kind_name(const struct vmb_node *n);

/*
 * Typed lookups of map[key], like the accessors above but naming the key in
 * type errors ("wrong type for 'count': expected an integer, got a
 * mapping"). Return 1 when the key is present and valid (*out set), 0 when
 * absent or null (*out untouched), -1 on error (err set at the value).
 */
int vmb_node_get_u64(const struct vmb_node *map, const char *key, uint64_t *out,
		     struct vmb_err *err);
int vmb_node_get_size(const struct vmb_node *map, const char *key, uint64_t *out,
		      struct vmb_err *err);
int vmb_node_get_bool(const struct vmb_node *map, const char *key, bool *out,
		      struct vmb_err *err);
int vmb_node_get_str(const struct vmb_node *map, const char *key, const char **out,
		     struct vmb_err *err);

/* Parse "len" bytes of YAML text (may contain NULs, which libyaml rejects
 * as a syntax error); otherwise as vmb_node_parse_string. */
struct vmb_node *vmb_node_parse_buf(const char *text, size_t len, const char *name,
				    struct vmb_err *err);

/* Resolve a path-valued scalar against the directory of the file it was
 * written in (n->loc.file). Absolute paths, and values given on the command
 * line (loc.line 0: relative to the current directory), come back unchanged. Returns a malloc'd string; NULL if n is
 * not a scalar. */
char *vmb_node_path(const struct vmb_node *n);

/* Join "dir of file" and "path" as vmb_node_path does. malloc'd. */
char *vmb_path_join_dir(const char *file, const char *path);

/*
 * Building and editing trees. New nodes copy "text"/"key"; "loc" is copied
 * (its file pointer must outlive the node). vmb_node_map_put replaces the
 * value of an existing key (freeing the old value) or appends the pair; it
 * takes ownership of "value", as vmb_node_seq_push does of "item".
 */
struct vmb_node *vmb_node_new_scalar(const char *text, bool quoted,
				     const struct vmb_loc *loc);
struct vmb_node *vmb_node_new_map(const struct vmb_loc *loc);
struct vmb_node *vmb_node_new_seq(const struct vmb_loc *loc);
void vmb_node_map_put(struct vmb_node *map, const char *key,
		      const struct vmb_loc *key_loc, struct vmb_node *value);
void vmb_node_seq_push(struct vmb_node *seq, struct vmb_node *item);
/* Index of key in map n, or -1. */
long vmb_node_map_find(const struct vmb_node *n, const char *key);
/* Remove (and free) map[key] / seq item i. Return false if absent. */
bool vmb_node_map_del(struct vmb_node *map, const char *key);
bool vmb_node_seq_del(struct vmb_node *seq, size_t i);

#endif
