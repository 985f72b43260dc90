/* SPDX-License-Identifier: MIT */
/*
 * --nic user[,hostfwd=RULE]...[,tftp=DIR][,bootfile=FILE][,restrict=on]
 *           [,net=ADDR/PREFIX][,dns=on][,mac=MAC][,id=NAME]
 * --nic tap[,ifname=NAME][,vnet_hdr=off][,mac=MAC][,id=NAME]
 * expands, as QEMU's -nic does, into the device entry
 *   {name: NAME (net0, net1, ...), type: virtio-net, net: user|tap, ...}
 * in the next free virtio-mmio slot. hostfwd may be repeated (a list);
 * on/off, yes/no, true/false are booleans; model=virtio-net-device or
 * model=virtio is accepted for QEMU command lines and is the only model.
 * Values are checked by the device like any machine-file entry.
 */
#include <stdlib.h>
#include <string.h>

#include "config/devopt.h"

struct nic_ctx {
	struct vmb_devopt_entry *e;
	struct vmb_err *err;
	const char *arg;
	char **fwd;		/* copies: split's strings last one call */
	unsigned nfwd;
	bool named, tap;
};

static const char *boolean(const char *v)
{
	if (!strcmp(v, "on") || !strcmp(v, "yes"))
		return "true";
	if (!strcmp(v, "off") || !strcmp(v, "no"))
		return "false";
	return v; /* true/false, or an error the device reports */
}

static int nic_item(const char *key, const char *value, void *opaque)
{
	struct nic_ctx *c = opaque;
	/* option as typed -> device property; user-only, tap-only, both */
	static const struct { const char *opt, *prop; int which; bool is_bool; } map[] = {
		{ "tftp", "tftp", 1, false },     { "bootfile", "bootfile", 1, false },
		{ "restrict", "restrict", 1, true }, { "net", "network", 1, false },
		{ "dns", "dns", 1, true },         { "ifname", "ifname", 2, false },
		{ "vnet_hdr", "vnet-hdr", 2, true }, { "mac", "mac", 3, false },
	};

	if (!key) {
		if (strcmp(value, "user") && strcmp(value, "tap"))
			return vmb_errf(c->err, NULL, "--nic %s: unknown network type '%s', "
					"expected user or tap", c->arg, value);
		c->tap = !strcmp(value, "tap");
		vmb_devopt_put(c->e, "type", "virtio-net");
		vmb_devopt_put_plain(c->e, "net", value);
		return 0;
	}
	if (value && !strcmp(key, "hostfwd") && !c->tap) {
		c->fwd = vmb_realloc(c->fwd, (c->nfwd + 1) * sizeof(*c->fwd));
		c->fwd[c->nfwd++] = strdup(value);
		return 0;
	}
	if (value && !strcmp(key, "id") && *value) {
		vmb_devopt_put(c->e, "name", value);
		c->named = true;
		return 0;
	}
	if (value && !strcmp(key, "model")) {
		if (strcmp(value, "virtio-net-device") && strcmp(value, "virtio"))
			return vmb_errf(c->err, NULL, "--nic %s: model '%s' is not available; "
					"vmb's NIC is virtio-net (model=virtio-net-device)",
					c->arg, value);
		return 0;
	}
	for (size_t i = 0; value && i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(key, map[i].opt) || !(map[i].which & (c->tap ? 2 : 1)))
			continue;
		if (map[i].is_bool)
			vmb_devopt_put_plain(c->e, map[i].prop, boolean(value));
		else
			vmb_devopt_put(c->e, map[i].prop, value);
		return 0;
	}
	return vmb_errf(c->err, NULL, "--nic %s: unknown option '%s%s%s' for %s, expected %s",
			c->arg, key, value ? "=" : "", value ? value : "",
			c->tap ? "tap" : "user", c->tap ?
			"ifname=NAME, vnet_hdr=on|off, mac=MAC, id=NAME" :
			"hostfwd=[tcp|udp]:[HADDR]:HPORT-[GADDR]:GPORT, tftp=DIR, "
			"bootfile=FILE, restrict=on|off, net=ADDR/PREFIX, dns=on|off, "
			"mac=MAC, id=NAME");
}

static int nic_expand(const char *arg, unsigned n, struct vmb_devopt_entry *e,
		      struct vmb_err *err)
{
	struct nic_ctx c = { .e = e, .err = err, .arg = arg };
	char name[32];
	int r = vmb_devopt_split(arg, true, nic_item, &c);

	if (!r && c.nfwd)
		vmb_devopt_put_list(e, "hostfwd", (const char *const *)c.fwd, c.nfwd);
	for (unsigned i = 0; i < c.nfwd; i++)
		free(c.fwd[i]);
	free(c.fwd);
	if (r)
		return -1;
	if (!c.named) {
		snprintf(name, sizeof(name), "net%u", n);
		vmb_devopt_put(e, "name", name);
	}
	return 0;
}

static const struct vmb_devopt nic_opt = {
	.name = "nic",
	.has_arg = true,
	.metavar = "user[,hostfwd=tcp::2222-:22][,tftp=DIR] | tap,ifname=NAME",
	.help = "a virtio-net NIC (entry net0, net1, ...; type virtio-net) in the\n"
		"next free virtio-mmio slot: user = libslirp NAT (10.0.2.15, gateway\n"
		"10.0.2.2 = host loopback), tap = an existing tap interface\n",
	.expand = nic_expand,
};

VMB_DEVOPT(nic_opt)
