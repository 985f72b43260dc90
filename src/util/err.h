/* SPDX-License-Identifier: MIT */
/*
 * Error reporting shared by every layer.
 *
 * A struct vmb_err carries one formatted message. Functions that can fail take
 * a "struct vmb_err *err" as their last argument, fill it and return -1 (or
 * NULL); callers print err->msg once at the top. Messages about machine files
 * start with "FILE:LINE:COL: " so editors can jump to them.
 */
#ifndef VMB_UTIL_ERR_H
#define VMB_UTIL_ERR_H

#include <stddef.h>

/*
 * A position in a machine file (1-based line and column, as editors count).
 * line 0: the value came from the command line and "file" is the option as
 * the user typed it ("--smp 2", "--set memory.ram.size=64Q"); messages then
 * start with that text instead of FILE:LINE:COL.
 */
struct vmb_loc {
	const char *file; /* interned, lives as long as the spec; NULL if none */
	int line;
	int col;
};

struct vmb_err {
	char msg[1024];
};

/* Format err->msg as "FILE:LINE:COL: fmt..." ("OPTION: fmt..." for a
 * command-line location, line 0; omitted if loc or loc->file is NULL). Always returns -1 so callers can "return vmb_errf(...)". */
int vmb_errf(struct vmb_err *err, const struct vmb_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "FILE:LINE:COL" or, for a command-line location, the option as typed;
 * into buf (truncated). Returns buf. */
const char *vmb_loc_str(const struct vmb_loc *loc, char *buf, size_t len);

/* Append "; fmt..." to an existing message (for notes such as "first used at"). */
void vmb_err_append(struct vmb_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Diagnostics on stderr, prefixed "vmb: ". vmb_die exits with status 1. */
void vmb_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vmb_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Allocation that never returns NULL (aborts with a message on OOM). */
void *vmb_zalloc(size_t n);
void *vmb_realloc(void *p, size_t n);
char *vmb_strdup(const char *s);

#endif
