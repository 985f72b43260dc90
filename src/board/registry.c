/* SPDX-License-Identifier: MIT */
/*
 * Device type registry, type-specific property access, and the per-instance
 * helpers every type shares (lock, interrupt lines, save/load framing).
 *
 * Types register themselves from constructors (VMB_DEVICE_TYPE), so the
 * registry is filled before main() runs and is read-only afterwards.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "util/bytes.h"

#define MAX_TYPES 64

static const struct vmb_device_type *types[MAX_TYPES];
static unsigned ntypes;
static bool sorted;

void vmb_device_type_register(const struct vmb_device_type *t)
{
	if (ntypes == MAX_TYPES)
		vmb_die("too many device types (raise MAX_TYPES in %s)", __FILE__);
	types[ntypes++] = t;
	sorted = false;
}

static int cmp_type(const void *a, const void *b)
{
	const struct vmb_device_type *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

const struct vmb_device_type *const *vmb_device_types(unsigned *n)
{
	if (!sorted) {
		qsort(types, ntypes, sizeof(types[0]), cmp_type);
		sorted = true;
	}
	*n = ntypes;
	return types;
}

const struct vmb_device_type *vmb_device_type_find(const char *name)
{
	for (unsigned i = 0; i < ntypes; i++)
		if (!strcmp(types[i]->name, name))
			return types[i];
	return NULL;
}

static const struct vmb_prop_desc *prop_desc(const struct vmb_device *dev,
					     const char *name)
{
	const struct vmb_prop_desc *p = dev->type->props;

	for (; p && p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	vmb_die("device type '%s' reads undeclared property '%s'",
		dev->type->name, name);
}

/* The value node given in the file, or NULL (absent or YAML null). */
static const struct vmb_node *given(const struct vmb_device *dev, const char *name)
{
	const struct vmb_node *n = vmb_node_get(dev->spec->props, name);

	return vmb_node_is_null(n) ? NULL : n;
}

/* Value text: given scalar or declared default. */
static const char *text(const struct vmb_device *dev, const char *name)
{
	const struct vmb_prop_desc *p = prop_desc(dev, name);
	const struct vmb_node *n = given(dev, name);

	if (n && n->kind == VMB_NODE_SCALAR)
		return n->scalar;
	return p->def;
}

uint64_t vmb_dev_prop_u64(const struct vmb_device *dev, const char *name)
{
	const char *s = text(dev, name);
	uint64_t v = 0;

	if (s)
		vmb_parse_size(s, &v); /* sizes accept plain numbers too */
	return v;
}

bool vmb_dev_prop_bool(const struct vmb_device *dev, const char *name)
{
	const char *s = text(dev, name);

	return s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"));
}

const char *vmb_dev_prop_str(const struct vmb_device *dev, const char *name)
{
	return text(dev, name);
}

const struct vmb_node *vmb_dev_prop_node(const struct vmb_device *dev, const char *name)
{
	prop_desc(dev, name);
	return given(dev, name);
}

const struct vmb_loc *vmb_dev_prop_loc(const struct vmb_device *dev, const char *name)
{
	const struct vmb_node *n = vmb_node_get(dev->spec->props, name);

	return n ? &n->loc : &dev->spec->loc;
}

struct vmb_irq_line *vmb_dev_irq(struct vmb_device *dev, unsigned idx)
{
	return idx < dev->nirq ? &dev->irq[idx] : NULL;
}

void vmb_dev_set_irq(struct vmb_device *dev, unsigned idx, int level)
{
	if (idx < dev->nirq)
		vmb_irq_set(&dev->irq[idx], level);
}

void vmb_dev_lock(struct vmb_device *dev)
{
	if (dev && !dev->type->locks_itself)
		pthread_mutex_lock(&dev->lock);
}

void vmb_dev_unlock(struct vmb_device *dev)
{
	if (dev && !dev->type->locks_itself)
		pthread_mutex_unlock(&dev->lock);
}

int vmb_dev_save(struct vmb_device *dev, struct vmb_state_writer *out,
		 struct vmb_err *err)
{
	const struct vmb_device_type *t = dev->type;
	size_t at;

	if (!t->save || !t->load)
		return vmb_errf(err, &dev->spec->loc, "device '%s' (%s) cannot be "
				"saved: its type has no save/load", dev->name, t->name);
	vmb_state_put_str(out, t->name);
	vmb_state_put_u32(out, t->state_version);
	at = out->len;
	vmb_state_put_u64(out, 0); /* payload length, patched below */
	vmb_dev_lock(dev);
	t->save(dev, out);
	vmb_dev_unlock(dev);
	vmb_put_le(out->buf + at, 8, out->len - at - 8);
	return 0;
}

int vmb_dev_load(struct vmb_device *dev, struct vmb_state_reader *in,
		 struct vmb_err *err)
{
	const struct vmb_device_type *t = dev->type;
	struct vmb_state_reader payload;
	char type[64];
	uint32_t version;
	uint64_t len;
	int rc;

	if (!t->load)
		return vmb_errf(err, &dev->spec->loc, "device '%s' (%s) cannot be "
				"restored: its type has no save/load", dev->name, t->name);
	vmb_state_get_str(in, type, sizeof(type));
	version = vmb_state_get_u32(in);
	len = vmb_state_get_u64(in);
	if (in->bad || len > in->len - in->pos)
		return vmb_errf(err, NULL, "state of device '%s' is truncated",
				dev->name);
	if (strcmp(type, t->name))
		return vmb_errf(err, NULL, "state for a %s device cannot be loaded "
				"into '%s' (%s)", type, dev->name, t->name);
	if (version != t->state_version)
		return vmb_errf(err, NULL, "state of '%s' has version %u, this vmb "
				"reads %s version %u", dev->name, version, t->name,
				t->state_version);
	payload = vmb_state_reader(in->buf + in->pos, (size_t)len);
	in->pos += (size_t)len;
	vmb_dev_lock(dev);
	rc = t->load(dev, &payload, err);
	vmb_dev_unlock(dev);
	if (rc)
		return -1;
	if (payload.bad || payload.pos != payload.len)
		return vmb_errf(err, NULL, "state of device '%s' has %s bytes than "
				"%s version %u holds", dev->name,
				payload.bad ? "fewer" : "more", t->name, version);
	return 0;
}

bool vmb_prop_listed(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

bool vmb_dev_prop_writes(const struct vmb_device *dev, const char *prop)
{
	const struct vmb_device_type *t = dev->type;

	return vmb_prop_listed(t->writes, prop) &&
	       !(t->read_only && vmb_dev_prop_bool(dev, t->read_only));
}

bool vmb_path_is_uri(const char *s)
{
	size_t n;

	if (!s || !isalpha((unsigned char)s[0]))
		return false;
	n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789+-.");
	return !strncmp(s + n, "://", 3);
}

bool vmb_prop_path_list(const struct vmb_device_type *t, const char *prop,
			const char **item_key)
{
	size_t n = strlen(prop);

	for (const char *const *l = t->path_lists; l && *l; l++) {
		if (strncmp(*l, prop, n) || ((*l)[n] && (*l)[n] != '.'))
			continue;
		*item_key = (*l)[n] ? *l + n + 1 : NULL;
		return true;
	}
	return false;
}

struct vmb_node *vmb_path_list_file(struct vmb_node *item, const char *item_key)
{
	struct vmb_node *n = item_key ? vmb_node_get(item, item_key) : item;

	return n && !vmb_node_is_null(n) ? n : NULL;
}
