/* SPDX-License-Identifier: MIT */
/*
 * Named register dumps of device models, for people (gdb "monitor device
 * NAME", see device.h vmb_device_type.dump): one line per register,
 *
 *   UARTCR       0x0301  (UARTEN TXE RXE)
 *
 * name padded to a column, the value in as many hex digits as the register
 * has bits, then the fields that are set, named from a table. Every device
 * formats through these helpers so that all dumps read alike.
 */
#ifndef VMB_BOARD_REGDUMP_H
#define VMB_BOARD_REGDUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct vmb_device;

/*
 * One field of a register: bits [shift, shift + width). A one-bit field
 * prints its name when set. A wider field prints "NAME=VALUE" when
 * nonzero, VALUE as values[VALUE] when values is given and names it (values
 * has 1 << width entries, NULL for unnamed), else in decimal; with
 * VMB_FIELD_ALWAYS it prints even when zero (a mode, a length).
 * Tables end with { NULL }.
 */
struct vmb_regfield {
	const char *name;
	uint8_t shift, width;
	uint8_t flags;
	const char *const *values;
};

#define VMB_FIELD_ALWAYS 1u

#define VMB_BIT(n, name) { (name), (n), 1, 0, NULL }
#define VMB_FIELD(shift, width, name) { (name), (shift), (width), 0, NULL }

/*
 * "  NAME  0xVALUE  (FIELD FIELD ...)\n": bits (8, 16, 32 or 64) sets the
 * number of hex digits; fields may be NULL (no decoding). Bits that no
 * field covers but are set print as one "+0xMASK" item, so nothing set is
 * hidden.
 */
void vmb_regdump(FILE *out, const char *name, unsigned bits, uint64_t value,
		 const struct vmb_regfield *fields);

/* "  NAME  <text>\n" in the same columns, for state that is no register
 * (FIFO levels, modes, queue addresses). */
void vmb_regdump_text(FILE *out, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * "  NAME  N of DEPTH bytes: xx xx ...": the count bytes of a ring buffer
 * of ring_size bytes starting at head (a device FIFO), oldest first.
 */
void vmb_regdump_fifo(FILE *out, const char *name, const uint8_t *ring,
		      unsigned ring_size, unsigned head, unsigned count,
		      unsigned depth);

/* "  NAME  xx xx ...": n bytes in hex, separated by sep (' ', ':'). */
void vmb_regdump_bytes(FILE *out, const char *name, const uint8_t *p, size_t n,
		       char sep);

/*
 * "  NAME  first-last n ...\n": the numbers of the set bits of a bitmap
 * (32-bit words, bit i of word i / 32 is number base + i), runs of three
 * or more joined with '-', "none" when empty. For INTID lists.
 */
void vmb_regdump_bitmap(FILE *out, const char *name, const uint32_t *words,
			unsigned nbits, unsigned base);

/*
 * Print dev's named register dump: type->dump under the device lock.
 * Returns false, printing nothing, when the type has no dump hook.
 */
bool vmb_dev_dump(struct vmb_device *dev, FILE *out);

#endif
