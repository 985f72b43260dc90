/* SPDX-License-Identifier: MIT */
/*
 * Device shorthands on the command line (--drive, --console virtio, --rng,
 * ...): each use expands into one new named device entry, exactly as if
 * the machine file listed it, applied as the override
 * "devices.+={name: ..., type: ..., ...}" (config/override.c) so it is
 * validated, placed and reported like any entry.
 *
 * A shorthand lives in its own file next to its device and registers with
 * VMB_DEVOPT(x); main.c adds every registered one to the options of the
 * commands that load a machine and prints their help.
 */
#ifndef VMB_CONFIG_DEVOPT_H
#define VMB_CONFIG_DEVOPT_H

#include <stdbool.h>
#include <stdio.h>

#include "util/err.h"

/* A device entry being built: a YAML flow mapping. */
struct vmb_devopt_entry {
	char *text;
	size_t len, cap;
};

/* Append key: value (value quoted as a YAML double-quoted string). */
void vmb_devopt_put(struct vmb_devopt_entry *e, const char *key, const char *value);
/* The same as a plain scalar (numbers, booleans, enum words), so the
 * device's property check sees it as typed; quoted if it is not a
 * plain word. */
void vmb_devopt_put_plain(struct vmb_devopt_entry *e, const char *key, const char *value);

/* key: [v1, v2, ...], each value quoted as by vmb_devopt_put. */
void vmb_devopt_put_list(struct vmb_devopt_entry *e, const char *key,
			 const char *const *values, unsigned n);

struct vmb_devopt {
	const char *name;      /* long option without "--", e.g. "drive" */
	bool has_arg;          /* takes a value (required) */
	const char *metavar;   /* "FILE[,ro][,cache=none]" */
	const char *help;      /* lines printed under the option, each "\n"-ended */
	/* Fill e for one use (n: earlier uses of this option). On a bad
	 * value: -1 with err naming the option as typed. */
	int (*expand)(const char *arg, unsigned n, struct vmb_devopt_entry *e,
		      struct vmb_err *err);
};

void vmb_devopt_register(const struct vmb_devopt *o);
#define VMB_DEVOPT(o)                                                        \
	static void __attribute__((constructor)) vmb_devopt_register_##o(void) \
	{                                                                    \
		vmb_devopt_register(&(o));                                   \
	}

unsigned vmb_devopt_count(void);
const struct vmb_devopt *vmb_devopt_get(unsigned i);

/* Expand a use of shorthand i into the override value (malloc'd
 * "{...}"); NULL with err set. */
char *vmb_devopt_expand(unsigned i, const char *arg, struct vmb_err *err);

/* The shorthands' lines for a command's --help. */
void vmb_devopt_help(FILE *out);

/*
 * Split "A,B=C,D" QEMU-style (",," is a literal comma) for expand
 * functions: calls fn(key, value, ctx) per comma-separated item, value
 * NULL for a bare word. The first item is passed with key NULL when
 * first_is_value (--drive FILE,...). Returns fn's first non-zero result.
 */
int vmb_devopt_split(const char *arg, bool first_is_value,
		     int (*fn)(const char *key, const char *value, void *ctx), void *ctx);

#endif
