/* SPDX-License-Identifier: MIT */
/* Pinned image references; see pin.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/pin.h"
#include "config/spec.h"

static const char *const pin_keys[] = { "path", "sha256", NULL };

/* Turn map n into a copy of its scalar "path" value, in place. */
static void become(struct vmb_node *n, const struct vmb_node *path)
{
	struct vmb_node *copy = vmb_node_clone(path);
	struct vmb_node tmp = *n;

	*n = *copy;
	*copy = tmp;
	vmb_node_free(copy); /* frees the old map's contents */
}

int vmb_pin_take(struct vmb_node *n, const char *what, struct vmb_pin *pin,
		 struct vmb_err *err)
{
	const struct vmb_node *path, *sha;
	char hint[160];

	if (!n || n->kind != VMB_NODE_MAP)
		return 0;
	snprintf(hint, sizeof(hint), "%s (a path, or { path: FILE, sha256: "
		 "DIGEST })", what);
	if (vmb_node_check_keys(n, pin_keys, hint, err))
		return -1;
	path = vmb_node_require(n, "path", hint, err);
	if (!path)
		return -1;
	if (path->kind != VMB_NODE_SCALAR || vmb_node_is_null(path))
		return vmb_errf(err, &path->loc, "wrong type for 'path' of %s: "
				"expected a file name, got %s", what,
				vmb_node_kind_name(path));
	sha = vmb_node_require(n, "sha256", hint, err);
	if (!sha)
		return -1;
	memset(pin, 0, sizeof(*pin));
	if (sha->kind != VMB_NODE_SCALAR ||
	    vmb_sha256_parse(sha->scalar, pin->want))
		return vmb_errf(err, &sha->loc, "bad sha256 for %s: expected 64 "
				"hex digits, got %s%s%s", what,
				sha->kind == VMB_NODE_SCALAR ? "'" : "",
				sha->kind == VMB_NODE_SCALAR ? sha->scalar :
				vmb_node_kind_name(sha),
				sha->kind == VMB_NODE_SCALAR ? "'" : "");
	pin->loc = sha->loc;
	pin->path = vmb_node_path(path);
	pin->given = vmb_strdup(path->scalar);
	snprintf(pin->what, sizeof(pin->what), "%s", what);
	become(n, path);
	return 1;
}

int vmb_pin_verify(const struct vmb_pin *pin, struct vmb_err *err)
{
	uint8_t got[VMB_SHA256_LEN];
	char want_hex[VMB_SHA256_HEX_LEN + 1], got_hex[VMB_SHA256_HEX_LEN + 1];

	if (vmb_sha256_file(pin->path, got, &pin->loc, err))
		return -1;
	if (!memcmp(got, pin->want, sizeof(got)))
		return 0;
	vmb_sha256_hex(pin->want, want_hex);
	vmb_sha256_hex(got, got_hex);
	return vmb_errf(err, &pin->loc, "sha256 mismatch for %s '%s' (resolved: "
			"%s): expected %s, actual %s", pin->what, pin->given,
			pin->path, want_hex, got_hex);
}

void vmb_pin_clear(struct vmb_pin *pin)
{
	free(pin->path);
	free(pin->given);
	memset(pin, 0, sizeof(*pin));
}

/* ---- the loader's image references --------------------------------------- */

static int take(struct vmb_spec *s, struct vmb_node *map, const char *key,
		const char *what, struct vmb_err *err)
{
	struct vmb_pin pin;
	int rc;

	if (!map || map->kind != VMB_NODE_MAP)
		return 0;
	rc = vmb_pin_take(vmb_node_get(map, key), what, &pin, err);
	if (rc <= 0)
		return rc;
	s->pins = vmb_realloc(s->pins, (s->npins + 1) * sizeof(*s->pins));
	s->pins[s->npins++] = pin;
	return 0;
}

int vmb_spec_take_pins(struct vmb_spec *s, struct vmb_err *err)
{
	static const char *const boot_files[] = {
		"firmware", "kernel", "initrd", "dtb",
	};
	struct vmb_node *mem = vmb_node_get(s->root, "memory");
	struct vmb_node *boot = vmb_node_get(s->root, "boot");
	char what[96];

	for (size_t i = 0; mem && mem->kind == VMB_NODE_SEQ && i < mem->n; i++) {
		const char *name = NULL;
		struct vmb_node *nn = vmb_node_get(mem->items[i], "name");

		if (nn && nn->kind == VMB_NODE_SCALAR)
			name = nn->scalar;
		snprintf(what, sizeof(what), "image of memory '%s'", name ? name : "?");
		if (take(s, mem->items[i], "image", what, err))
			return -1;
	}
	for (size_t i = 0; i < sizeof(boot_files) / sizeof(boot_files[0]); i++)
		if (take(s, boot, boot_files[i], boot_files[i], err))
			return -1;
	return 0;
}

int vmb_spec_verify_pins(const struct vmb_spec *s, struct vmb_err *err)
{
	for (unsigned i = 0; i < s->npins; i++)
		if (vmb_pin_verify(&s->pins[i], err))
			return -1;
	return 0;
}

void vmb_spec_free_pins(struct vmb_spec *s)
{
	for (unsigned i = 0; i < s->npins; i++)
		vmb_pin_clear(&s->pins[i]);
	free(s->pins);
	s->pins = NULL;
	s->npins = 0;
}
