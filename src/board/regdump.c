/* SPDX-License-Identifier: MIT */
/* Named register dumps (regdump.h). */
#include <inttypes.h>
#include <stdarg.h>

#include "board/device.h"
#include "board/regdump.h"

/* Column of the value: wide enough for "DeviceFeaturesSel" and friends. */
#define NAME_COL 18

static uint64_t field_mask(const struct vmb_regfield *f)
{
	return f->width >= 64 ? ~0ull : ((1ull << f->width) - 1) << f->shift;
}

void vmb_regdump(FILE *out, const char *name, unsigned bits, uint64_t value,
		 const struct vmb_regfield *fields)
{
	uint64_t left = value;
	bool open = false;

	fprintf(out, "  %-*s 0x%0*" PRIx64, NAME_COL, name, (int)(bits / 4), value);
	for (const struct vmb_regfield *f = fields; f && f->name; f++) {
		uint64_t m = field_mask(f), v = (value & m) >> f->shift;

		left &= ~m;
		if (!v && !(f->flags & VMB_FIELD_ALWAYS))
			continue;
		fputs(open ? " " : "  (", out);
		open = true;
		if (f->width == 1)
			fputs(f->name, out);
		else if (f->values && f->values[v])
			fprintf(out, "%s=%s", f->name, f->values[v]);
		else
			fprintf(out, "%s=%" PRIu64, f->name, v);
	}
	if (fields && left) {
		fprintf(out, "%s+0x%" PRIx64, open ? " " : "  (", left);
		open = true;
	}
	fputs(open ? ")\n" : "\n", out);
}

void vmb_regdump_text(FILE *out, const char *name, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "  %-*s ", NAME_COL, name);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

void vmb_regdump_fifo(FILE *out, const char *name, const uint8_t *ring,
		      unsigned ring_size, unsigned head, unsigned count,
		      unsigned depth)
{
	fprintf(out, "  %-*s %u of %u bytes%s", NAME_COL, name, count, depth,
		count ? ":" : "");
	for (unsigned i = 0; i < count && i < ring_size; i++)
		fprintf(out, " %02x", ring[(head + i) % ring_size]);
	fputc('\n', out);
}

void vmb_regdump_bytes(FILE *out, const char *name, const uint8_t *p, size_t n,
		       char sep)
{
	fprintf(out, "  %-*s", NAME_COL, name);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%c%02x", i ? sep : ' ', p[i]);
	fputc('\n', out);
}

static bool bit_set(const uint32_t *w, unsigned i)
{
	return (w[i / 32] >> (i % 32)) & 1;
}

void vmb_regdump_bitmap(FILE *out, const char *name, const uint32_t *words,
			unsigned nbits, unsigned base)
{
	bool any = false;

	fprintf(out, "  %-*s", NAME_COL, name);
	for (unsigned i = 0; i < nbits; i++) {
		unsigned j = i;

		if (!bit_set(words, i))
			continue;
		while (j + 1 < nbits && bit_set(words, j + 1))
			j++;
		if (j - i >= 2)
			fprintf(out, " %u-%u", base + i, base + j);
		else
			for (unsigned k = i; k <= j; k++)
				fprintf(out, " %u", base + k);
		any = true;
		i = j;
	}
	fputs(any ? "\n" : " none\n", out);
}

bool vmb_dev_dump(struct vmb_device *dev, FILE *out)
{
	if (!dev->type->dump)
		return false;
	vmb_dev_lock(dev);
	dev->type->dump(dev, out);
	vmb_dev_unlock(dev);
	return true;
}
