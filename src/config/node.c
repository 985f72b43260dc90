/* SPDX-License-Identifier: MIT */
/*
 * Machine-file document tree: libyaml events → struct vmb_node, and the
 * small set of tree operations the loader needs (clone, lookup, edit).
 *
 * Typed accessors, number syntax and key checking live in scalar.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "config/node.h"
#include "util/file.h"

/*
 * Limits that keep hostile input from exhausting the stack or memory:
 * anchors/aliases are resolved by copying, so "billion laughs" documents
 * would otherwise expand exponentially. Real machine files are a few
 * hundred nodes deep-at-most-five.
 */
#define MAX_DEPTH 64
#define MAX_NODES 65536
#define MAX_FILE_SIZE (16u << 20)

/* ---- tree building blocks --------------------------------------------- */

/* Array capacity for n elements: 0, then powers of two from 4. Arrays are
 * grown when n reaches it, so no capacity field is needed in the node. */
static size_t cap_for(size_t n)
{
	size_t c = 4;

	if (!n)
		return 0;
	while (c < n)
		c *= 2;
	return c;
}

static struct vmb_node *new_node(enum vmb_node_kind kind, const struct vmb_loc *loc)
{
	struct vmb_node *n = vmb_zalloc(sizeof(*n));

	n->kind = kind;
	if (loc)
		n->loc = *loc;
	return n;
}

struct vmb_node *vmb_node_new_scalar(const char *text, bool quoted,
				     const struct vmb_loc *loc)
{
	struct vmb_node *n = new_node(VMB_NODE_SCALAR, loc);

	n->scalar = vmb_strdup(text ? text : "");
	n->quoted = quoted;
	return n;
}

struct vmb_node *vmb_node_new_map(const struct vmb_loc *loc)
{
	return new_node(VMB_NODE_MAP, loc);
}

struct vmb_node *vmb_node_new_seq(const struct vmb_loc *loc)
{
	return new_node(VMB_NODE_SEQ, loc);
}

static void grow(struct vmb_node *n)
{
	size_t want = cap_for(n->n + 1);

	if (n->n + 1 <= cap_for(n->n))
		return;
	n->items = vmb_realloc(n->items, want * sizeof(*n->items));
	if (n->kind == VMB_NODE_MAP) {
		n->keys = vmb_realloc(n->keys, want * sizeof(*n->keys));
		n->key_locs = vmb_realloc(n->key_locs, want * sizeof(*n->key_locs));
	}
}

long vmb_node_map_find(const struct vmb_node *n, const char *key)
{
	if (!n || n->kind != VMB_NODE_MAP)
		return -1;
	for (size_t i = 0; i < n->n; i++)
		if (!strcmp(n->keys[i], key))
			return (long)i;
	return -1;
}

/* Append without looking for an existing key (the parser checks itself). */
static void map_append(struct vmb_node *map, const char *key,
		       const struct vmb_loc *key_loc, struct vmb_node *value)
{
	grow(map);
	map->keys[map->n] = vmb_strdup(key);
	map->key_locs[map->n] = key_loc ? *key_loc : value->loc;
	map->items[map->n] = value;
	map->n++;
}

void vmb_node_map_put(struct vmb_node *map, const char *key,
		      const struct vmb_loc *key_loc, struct vmb_node *value)
{
	long i = vmb_node_map_find(map, key);

	if (i >= 0) {
		vmb_node_free(map->items[i]);
		map->items[i] = value;
		return;
	}
	map_append(map, key, key_loc, value);
}

void vmb_node_seq_push(struct vmb_node *seq, struct vmb_node *item)
{
	grow(seq);
	seq->items[seq->n++] = item;
}

bool vmb_node_map_del(struct vmb_node *map, const char *key)
{
	long i = vmb_node_map_find(map, key);
	size_t rest;

	if (i < 0)
		return false;
	free(map->keys[i]);
	vmb_node_free(map->items[i]);
	rest = map->n - (size_t)i - 1;
	memmove(&map->keys[i], &map->keys[i + 1], rest * sizeof(*map->keys));
	memmove(&map->key_locs[i], &map->key_locs[i + 1], rest * sizeof(*map->key_locs));
	memmove(&map->items[i], &map->items[i + 1], rest * sizeof(*map->items));
	map->n--;
	return true;
}

bool vmb_node_seq_del(struct vmb_node *seq, size_t i)
{
	if (!seq || seq->kind != VMB_NODE_SEQ || i >= seq->n)
		return false;
	vmb_node_free(seq->items[i]);
	memmove(&seq->items[i], &seq->items[i + 1],
		(seq->n - i - 1) * sizeof(*seq->items));
	seq->n--;
	return true;
}

void vmb_node_free(struct vmb_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->keys)
			free(n->keys[i]);
		vmb_node_free(n->items[i]);
	}
	free(n->keys);
	free(n->key_locs);
	free(n->items);
	free(n->scalar);
	free(n);
}

struct vmb_node *vmb_node_clone(const struct vmb_node *n)
{
	struct vmb_node *c;
	size_t cap;

	if (!n)
		return NULL;
	c = new_node(n->kind, &n->loc);
	c->scalar = vmb_strdup(n->scalar);
	c->quoted = n->quoted;
	c->n = n->n;
	cap = cap_for(n->n);
	if (!cap)
		return c;
	c->items = vmb_zalloc(cap * sizeof(*c->items));
	if (n->kind == VMB_NODE_MAP) {
		c->keys = vmb_zalloc(cap * sizeof(*c->keys));
		c->key_locs = vmb_zalloc(cap * sizeof(*c->key_locs));
	}
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == VMB_NODE_MAP) {
			c->keys[i] = vmb_strdup(n->keys[i]);
			c->key_locs[i] = n->key_locs[i];
		}
		c->items[i] = vmb_node_clone(n->items[i]);
	}
	return c;
}

struct vmb_node *vmb_node_get(const struct vmb_node *n, const char *key)
{
	long i = vmb_node_map_find(n, key);

	return i < 0 ? NULL : n->items[i];
}

const struct vmb_loc *vmb_node_key_loc(const struct vmb_node *n, const char *key)
{
	long i = vmb_node_map_find(n, key);

	return i < 0 ? &n->loc : &n->key_locs[i];
}

bool vmb_node_is_null(const struct vmb_node *n)
{
	return n && n->kind == VMB_NODE_SCALAR && !n->quoted &&
	       (!n->scalar[0] || !strcmp(n->scalar, "~") ||
		!strcmp(n->scalar, "null") || !strcmp(n->scalar, "Null") ||
		!strcmp(n->scalar, "NULL"));
}

/* ---- paths ------------------------------------------------------------ */

char *vmb_path_join_dir(const char *file, const char *path)
{
	const char *slash;
	size_t dlen;
	char *out;

	if (path[0] == '/' || !file || file[0] == '<' ||
	    !(slash = strrchr(file, '/')))
		return vmb_strdup(path);
	dlen = (size_t)(slash - file);
	out = vmb_zalloc(dlen + strlen(path) + 2);
	memcpy(out, file, dlen);
	out[dlen] = '/';
	strcpy(out + dlen + 1, path);
	return out;
}

char *vmb_node_path(const struct vmb_node *n)
{
	if (!n || n->kind != VMB_NODE_SCALAR)
		return NULL;
	if (!n->loc.line) /* command line: relative to the current directory */
		return vmb_strdup(n->scalar);
	return vmb_path_join_dir(n->loc.file, n->scalar);
}

/* ---- parser ------------------------------------------------------------ */

struct anchor {
	char *name;
	struct vmb_node *node; /* owned by the tree, or by the anchor when
				  "owned" (a key: see release_key) */
	bool owned;
	size_t count;          /* nodes in the subtree */
	int height;            /* levels in the subtree (a scalar is 1) */
};

struct parser {
	yaml_parser_t yp;
	const char *file;
	const unsigned char *text;
	size_t len;
	struct anchor *anchors;
	size_t nanchors;
	size_t nodes;          /* created so far, aliases included */
	struct vmb_err *err;
};

/* Subtree facts the parser tracks to enforce the limits on aliases. */
struct shape {
	size_t count;
	int height;
};

static struct vmb_loc mark_loc(const struct parser *p, yaml_mark_t m)
{
	struct vmb_loc loc = { p->file, (int)m.line + 1, (int)m.column + 1 };

	return loc;
}

/* libyaml reader errors carry a byte offset, not a mark: count lines. */
static struct vmb_loc offset_loc(const struct parser *p, size_t off)
{
	struct vmb_loc loc = { p->file, 1, 1 };

	for (size_t i = 0; i < off && i < p->len; i++) {
		if (p->text[i] == '\n') {
			loc.line++;
			loc.col = 1;
		} else {
			loc.col++;
		}
	}
	return loc;
}

static int syntax_error(struct parser *p)
{
	yaml_parser_t *y = &p->yp;
	struct vmb_loc loc;

	switch (y->error) {
	case YAML_MEMORY_ERROR:
		return vmb_errf(p->err, NULL, "%s: out of memory while parsing", p->file);
	case YAML_READER_ERROR:
		loc = offset_loc(p, y->problem_offset);
		vmb_errf(p->err, &loc, "%s", y->problem ? y->problem : "unreadable input");
		if (y->problem_value != -1)
			vmb_err_append(p->err, "byte 0x%02x", (unsigned)y->problem_value);
		return -1;
	default:
		loc = mark_loc(p, y->problem_mark);
		vmb_errf(p->err, &loc, "%s", y->problem ? y->problem : "syntax error");
		if (y->context)
			vmb_err_append(p->err, "%s at %d:%d", y->context,
				       (int)y->context_mark.line + 1,
				       (int)y->context_mark.column + 1);
		return -1;
	}
}

static int next_event(struct parser *p, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&p->yp, ev))
		return syntax_error(p);
	return 0;
}

static int count_node(struct parser *p, const struct vmb_loc *loc, size_t more)
{
	p->nodes += more;
	if (p->nodes > MAX_NODES)
		return vmb_errf(p->err, loc, "document too large: more than %d "
				"nodes (after expanding aliases)", MAX_NODES);
	return 0;
}

static void add_anchor(struct parser *p, const yaml_char_t *name,
		       struct vmb_node *n, const struct shape *sh)
{
	struct anchor *a;

	if (!name)
		return;
	p->anchors = vmb_realloc(p->anchors, (p->nanchors + 1) * sizeof(*p->anchors));
	a = &p->anchors[p->nanchors++];
	a->name = vmb_strdup((const char *)name);
	a->node = n;
	a->owned = false;
	a->count = sh->count;
	a->height = sh->height;
}

/*
 * A mapping key's node is not kept in the tree (map_append copies its
 * text), but an anchor may have been recorded on it ("&a arch: arm64"):
 * such an anchor takes the node over, so a later "*a" clones live memory.
 * Any other key node is freed.
 */
static void release_key(struct parser *p, struct vmb_node *key)
{
	bool kept = false;

	for (size_t i = 0; i < p->nanchors; i++) {
		if (p->anchors[i].node == key) {
			p->anchors[i].owned = true;
			kept = true;
		}
	}
	if (!kept)
		vmb_node_free(key);
}

static struct vmb_node *parse_node(struct parser *p, yaml_event_t *ev, int depth,
				   struct shape *sh);

static struct vmb_node *parse_alias(struct parser *p, yaml_event_t *ev, int depth,
				    struct shape *sh)
{
	struct vmb_loc loc = mark_loc(p, ev->start_mark);
	const char *name = (const char *)ev->data.alias.anchor;

	/* Latest definition wins; an anchor being defined is not yet listed,
	 * so a self-referencing alias is reported as unknown. */
	for (size_t i = p->nanchors; i-- > 0;) {
		struct anchor *a = &p->anchors[i];

		if (strcmp(a->name, name))
			continue;
		if (depth + a->height > MAX_DEPTH) {
			vmb_errf(p->err, &loc, "alias '*%s' nests deeper than %d "
				 "levels", name, MAX_DEPTH);
			return NULL;
		}
		if (count_node(p, &loc, a->count))
			return NULL;
		sh->count = a->count;
		sh->height = a->height;
		return vmb_node_clone(a->node);
	}
	vmb_errf(p->err, &loc, "unknown alias '*%s', expected the name of an "
		 "anchor (&%s) defined earlier", name, name);
	return NULL;
}

static struct vmb_node *parse_scalar(struct parser *p, yaml_event_t *ev,
				     struct shape *sh)
{
	struct vmb_loc loc = mark_loc(p, ev->start_mark);
	struct vmb_node *n;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;

	if (count_node(p, &loc, 1))
		return NULL;
	/* The text may hold NULs ("\0" escapes); the C string stops there. */
	n = new_node(VMB_NODE_SCALAR, &loc);
	n->scalar = vmb_zalloc(ev->data.scalar.length + 1);
	memcpy(n->scalar, ev->data.scalar.value, ev->data.scalar.length);
	n->quoted = !plain;
	if (vmb_node_is_null(n))
		n->scalar[0] = '\0';
	sh->count = 1;
	sh->height = 1;
	add_anchor(p, ev->data.scalar.anchor, n, sh);
	return n;
}

/* Parse one key/value pair of a mapping whose key event is "ev". */
static int parse_pair(struct parser *p, struct vmb_node *map, yaml_event_t *ev,
		      int depth, struct shape *sh)
{
	struct shape ksh, vsh;
	struct vmb_node *key, *val;
	yaml_event_t vev;
	long dup;

	key = parse_node(p, ev, depth + 1, &ksh);
	if (!key)
		return -1;
	if (key->kind != VMB_NODE_SCALAR) {
		vmb_errf(p->err, &key->loc, "mapping key is %s, expected a "
			 "scalar", vmb_node_kind_name(key));
		release_key(p, key);
		return -1;
	}
	dup = vmb_node_map_find(map, key->scalar);
	if (dup >= 0) {
		vmb_errf(p->err, &key->loc, "duplicate key '%s', expected each "
			 "key once per mapping", key->scalar);
		vmb_err_append(p->err, "first defined at %s:%d:%d",
			       map->key_locs[dup].file, map->key_locs[dup].line,
			       map->key_locs[dup].col);
		release_key(p, key);
		return -1;
	}
	if (next_event(p, &vev)) {
		release_key(p, key);
		return -1;
	}
	val = parse_node(p, &vev, depth + 1, &vsh);
	if (!val) {
		release_key(p, key);
		return -1;
	}
	map_append(map, key->scalar, &key->loc, val);
	release_key(p, key);
	sh->count += ksh.count + vsh.count;
	if (vsh.height + 1 > sh->height)
		sh->height = vsh.height + 1;
	return 0;
}

static struct vmb_node *parse_collection(struct parser *p, yaml_event_t *ev,
					 int depth, struct shape *sh)
{
	bool is_map = ev->type == YAML_MAPPING_START_EVENT;
	yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
	struct vmb_loc loc = mark_loc(p, ev->start_mark);
	const yaml_char_t *anchor = is_map ? ev->data.mapping_start.anchor
					   : ev->data.sequence_start.anchor;
	struct vmb_node *n;
	char *aname = NULL;

	if (count_node(p, &loc, 1))
		return NULL;
	n = is_map ? vmb_node_new_map(&loc) : vmb_node_new_seq(&loc);
	sh->count = 1;
	sh->height = 1;
	if (anchor)
		aname = vmb_strdup((const char *)anchor);
	for (;;) {
		yaml_event_t iev;
		struct shape ish;
		struct vmb_node *item;

		if (next_event(p, &iev))
			goto fail;
		if (iev.type == end) {
			yaml_event_delete(&iev);
			break;
		}
		if (is_map) {
			if (parse_pair(p, n, &iev, depth, sh))
				goto fail;
			continue;
		}
		item = parse_node(p, &iev, depth + 1, &ish);
		if (!item)
			goto fail;
		vmb_node_seq_push(n, item);
		sh->count += ish.count;
		if (ish.height + 1 > sh->height)
			sh->height = ish.height + 1;
	}
	add_anchor(p, (const yaml_char_t *)aname, n, sh);
	free(aname);
	return n;
fail:
	free(aname);
	vmb_node_free(n);
	return NULL;
}

/*
 * Build the node whose first event is *ev (consumed here, also on error).
 * Recursion is bounded by MAX_DEPTH.
 */
static struct vmb_node *parse_node(struct parser *p, yaml_event_t *ev, int depth,
				   struct shape *sh)
{
	struct vmb_loc loc = mark_loc(p, ev->start_mark);
	struct vmb_node *n = NULL;

	if (depth > MAX_DEPTH) {
		vmb_errf(p->err, &loc, "nesting deeper than %d levels", MAX_DEPTH);
		yaml_event_delete(ev);
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = parse_scalar(p, ev, sh);
		break;
	case YAML_ALIAS_EVENT:
		n = parse_alias(p, ev, depth, sh);
		break;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		n = parse_collection(p, ev, depth, sh);
		break;
	default:
		vmb_errf(p->err, &loc, "unexpected YAML event %d", (int)ev->type);
		break;
	}
	yaml_event_delete(ev);
	return n;
}

/* Expect an event of "type" next; anything else is an error at it. */
static int expect(struct parser *p, yaml_event_type_t type, const char *what)
{
	yaml_event_t ev;
	struct vmb_loc loc;
	int ok;

	if (next_event(p, &ev))
		return -1;
	ok = ev.type == type;
	loc = mark_loc(p, ev.start_mark);
	yaml_event_delete(&ev);
	if (!ok)
		return vmb_errf(p->err, &loc, "%s", what);
	return 0;
}

static struct vmb_node *parse_stream(struct parser *p)
{
	struct vmb_loc top = { p->file, 1, 1 };
	struct vmb_node *root = NULL;
	yaml_event_t ev;
	struct shape sh;

	if (expect(p, YAML_STREAM_START_EVENT, "expected the start of a YAML stream"))
		return NULL;
	if (next_event(p, &ev))
		return NULL;
	if (ev.type == YAML_STREAM_END_EVENT) {
		/* Empty file, or comments only. */
		yaml_event_delete(&ev);
		return vmb_node_new_scalar("", false, &top);
	}
	yaml_event_delete(&ev); /* DOCUMENT_START */
	if (next_event(p, &ev))
		return NULL;
	root = parse_node(p, &ev, 1, &sh);
	if (!root)
		return NULL;
	if (expect(p, YAML_DOCUMENT_END_EVENT, "expected the end of the document") ||
	    expect(p, YAML_STREAM_END_EVENT, "more than one YAML document, "
		   "expected a single document per machine file")) {
		vmb_node_free(root);
		return NULL;
	}
	return root;
}

struct vmb_node *vmb_node_parse_string(const char *text, const char *name,
				       struct vmb_err *err)
{
	return vmb_node_parse_buf(text, strlen(text), name, err);
}

struct vmb_node *vmb_node_parse_buf(const char *text, size_t len, const char *name,
				    struct vmb_err *err)
{
	struct parser p = { .file = name, .text = (const unsigned char *)text,
			    .len = len, .err = err };
	struct vmb_node *root;

	if (!yaml_parser_initialize(&p.yp)) {
		vmb_errf(err, NULL, "%s: cannot initialise the YAML parser", name);
		return NULL;
	}
	yaml_parser_set_input_string(&p.yp, p.text, len);
	root = parse_stream(&p);
	yaml_parser_delete(&p.yp);
	for (size_t i = 0; i < p.nanchors; i++) {
		free(p.anchors[i].name);
		if (p.anchors[i].owned)
			vmb_node_free(p.anchors[i].node);
	}
	free(p.anchors);
	return root;
}

struct vmb_node *vmb_node_parse_file(const char *path, struct vmb_err *err)
{
	struct vmb_node *root;
	const char *why;
	uint64_t size;
	char *text;
	int fd = vmb_file_open_regular(path, O_RDONLY, &size, &why);

	if (fd < 0) {
		vmb_errf(err, NULL, "%s: cannot open: %s", path, why);
		return NULL;
	}
	if (size > MAX_FILE_SIZE) {
		close(fd);
		vmb_errf(err, NULL, "%s: file too large: %" PRIu64 " bytes, expected "
			 "at most %u MiB (%u bytes) for a machine file", path, size,
			 MAX_FILE_SIZE >> 20, MAX_FILE_SIZE);
		return NULL;
	}
	/* One allocation of the size fstat gave: linear in the file size. */
	text = vmb_zalloc((size_t)size + 1);
	if (vmb_file_read_fd(fd, path, text, (size_t)size, NULL, err)) {
		close(fd);
		free(text);
		return NULL;
	}
	close(fd);
	root = vmb_node_parse_buf(text, (size_t)size, path, err);
	free(text);
	return root;
}
