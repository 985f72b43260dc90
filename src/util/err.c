/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

int vmb_errf(struct vmb_err *err, const struct vmb_loc *loc, const char *fmt, ...)
{
	va_list ap;
	size_t off = 0;

	if (!err)
		return -1;
	if (loc && loc->file) {
		int n = loc->line ?
			snprintf(err->msg, sizeof(err->msg), "%s:%d:%d: ",
				 loc->file, loc->line, loc->col) :
			snprintf(err->msg, sizeof(err->msg), "%s: ", loc->file);
		off = n > 0 ? (size_t)n : 0;
		if (off >= sizeof(err->msg))
			off = sizeof(err->msg) - 1;
	}
	va_start(ap, fmt);
	vsnprintf(err->msg + off, sizeof(err->msg) - off, fmt, ap);
	va_end(ap);
	return -1;
}

const char *vmb_loc_str(const struct vmb_loc *loc, char *buf, size_t len)
{
	if (!loc->file)
		snprintf(buf, len, "?");
	else if (!loc->line)
		snprintf(buf, len, "%s", loc->file);
	else
		snprintf(buf, len, "%s:%d:%d", loc->file, loc->line, loc->col);
	return buf;
}

void vmb_err_append(struct vmb_err *err, const char *fmt, ...)
{
	va_list ap;
	size_t off;

	if (!err)
		return;
	off = strlen(err->msg);
	if (off + 3 >= sizeof(err->msg))
		return;
	memcpy(err->msg + off, "; ", 3);
	off += 2;
	va_start(ap, fmt);
	vsnprintf(err->msg + off, sizeof(err->msg) - off, fmt, ap);
	va_end(ap);
}

/* "vmb: message\n" on stderr, for vmb_warn and vmb_die. */
static __attribute__((format(printf, 1, 0))) void vprint(const char *fmt, va_list ap)
{
	fputs("vmb: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void vmb_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

void vmb_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
	exit(1);
}

static void *check(void *p)
{
	if (!p) {
		fputs("vmb: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *vmb_zalloc(size_t n)
{
	return check(calloc(1, n ? n : 1));
}

void *vmb_realloc(void *p, size_t n)
{
	return check(realloc(p, n ? n : 1));
}

char *vmb_strdup(const char *s)
{
	return s ? check(strdup(s)) : NULL;
}
