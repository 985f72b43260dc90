/* SPDX-License-Identifier: MIT */
/*
 * PC CMOS real-time clock: Motorola MC146818A (data sheet, "Address Map"
 * and "Registers" sections) behind the PC's index/data ports, as QEMU
 * 7.2's hw/rtc/mc146818rtc.c presents it.
 *
 * Ports: base (0x70) selects a register (bits 0-6; bit 7 is the PC's NMI
 * mask, kept and ignored; reads of the index port return 0xff), base + 1
 * (0x71) reads or writes it. Registers:
 *   0x00 seconds, 0x02 minutes, 0x04 hours, 0x06 day of week (1 = Sunday),
 *   0x07 day of month, 0x08 month, 0x09 year (two digits): the host's UTC
 *   time plus an offset the guest sets by writing them, in BCD unless
 *   register B's DM bit selects binary, 24-hour unless B's 24/12 bit is
 *   clear (then hour bit 7 = PM). While B's SET bit is 1 the clock is
 *   frozen at what the guest wrote; clearing SET starts it from there.
 *   0x01, 0x03, 0x05 alarm seconds/minutes/hours: stored.
 *   0x0a register A: divider/rate bits stored; UIP (bit 7) always 0, so a
 *        guest never waits for an update cycle.
 *   0x0b register B: stored (SET, PIE, AIE, UIE, SQWE, DM, 24/12, DSE).
 *   0x0c register C: interrupt flags, always 0 (no interrupts are
 *        generated: periodic, alarm and update-ended interrupts are not
 *        modelled, so irq is optional and stays low).
 *   0x0d register D: VRT (bit 7) = 1, the battery is good.
 *   0x0e-0x7f: battery-backed RAM, kept across machine resets; 0x32 holds
 *        the century in BCD (the PC/AT convention ACPI's FADT names).
 * Byte-wide; wider accesses use the low byte.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board/board.h"
#include "board/clock.h"
#include "board/regdump.h"

#define REG_SEC     0x00
#define REG_MIN     0x02
#define REG_HOUR    0x04
#define REG_WDAY    0x06
#define REG_MDAY    0x07
#define REG_MON     0x08
#define REG_YEAR    0x09
#define REG_A       0x0a
#define REG_B       0x0b
#define REG_C       0x0c
#define REG_D       0x0d
#define REG_CENTURY 0x32

#define B_SET  0x80
#define B_DM   0x04 /* binary, not BCD */
#define B_24H  0x02
#define D_VRT  0x80
#define HOUR_PM 0x80

struct cmos {
	struct vmb_board *board; /* guest wall clock (board/clock.h) */
	uint8_t index;
	uint8_t ram[128];  /* registers and NVRAM */
	int64_t offset;    /* guest time - host time, seconds */
	struct tm frozen;  /* while SET is 1 */
};

static uint8_t to_bcd(const struct cmos *s, int v)
{
	if (s->ram[REG_B] & B_DM)
		return (uint8_t)v;
	return (uint8_t)((v / 10) << 4 | (v % 10));
}

static int from_bcd(const struct cmos *s, uint8_t v)
{
	if (s->ram[REG_B] & B_DM)
		return v;
	return (v >> 4) * 10 + (v & 0xf);
}

static void guest_tm(const struct cmos *s, struct tm *tm)
{
	time_t t;

	if (s->ram[REG_B] & B_SET) {
		*tm = s->frozen;
		return;
	}
	t = vmb_board_time(s->board) + (time_t)s->offset;
	gmtime_r(&t, tm);
}

static uint8_t read_time(const struct cmos *s, unsigned reg)
{
	struct tm tm;
	int h;

	guest_tm(s, &tm);
	switch (reg) {
	case REG_SEC:
		return to_bcd(s, tm.tm_sec > 59 ? 59 : tm.tm_sec);
	case REG_MIN:
		return to_bcd(s, tm.tm_min);
	case REG_HOUR:
		if (s->ram[REG_B] & B_24H)
			return to_bcd(s, tm.tm_hour);
		h = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
		return (uint8_t)(to_bcd(s, h) | (tm.tm_hour >= 12 ? HOUR_PM : 0));
	case REG_WDAY:
		return to_bcd(s, tm.tm_wday + 1);
	case REG_MDAY:
		return to_bcd(s, tm.tm_mday);
	case REG_MON:
		return to_bcd(s, tm.tm_mon + 1);
	case REG_YEAR:
		return to_bcd(s, tm.tm_year % 100);
	}
	return 0;
}

/* The guest wrote a time register: change that field of its clock. */
static void write_time(struct cmos *s, unsigned reg, uint8_t v)
{
	struct tm tm;
	int h;

	guest_tm(s, &tm);
	switch (reg) {
	case REG_SEC:
		tm.tm_sec = from_bcd(s, v);
		break;
	case REG_MIN:
		tm.tm_min = from_bcd(s, v);
		break;
	case REG_HOUR:
		if (s->ram[REG_B] & B_24H) {
			tm.tm_hour = from_bcd(s, v);
		} else {
			h = from_bcd(s, v & 0x7f) % 12;
			tm.tm_hour = h + ((v & HOUR_PM) ? 12 : 0);
		}
		break;
	case REG_WDAY:
		return; /* derived from the date */
	case REG_MDAY:
		tm.tm_mday = from_bcd(s, v);
		break;
	case REG_MON:
		tm.tm_mon = from_bcd(s, v) - 1;
		break;
	case REG_YEAR:
		/* Two digits: keep the century, as the chip has no more. */
		tm.tm_year = (tm.tm_year + 1900) / 100 * 100 + from_bcd(s, v) - 1900;
		break;
	}
	if (s->ram[REG_B] & B_SET)
		s->frozen = tm;
	else
		s->offset = (int64_t)timegm(&tm) - (int64_t)vmb_board_time(s->board);
}

/* Seconds to year: 0x00-0x09 but for the alarm registers 0x01, 0x03, 0x05. */
static bool is_time_reg(unsigned reg)
{
	return reg <= REG_YEAR && !(reg < REG_WDAY && (reg & 1));
}

static uint8_t cmos_reg_read(struct cmos *s, unsigned reg)
{
	if (is_time_reg(reg))
		return read_time(s, reg);
	switch (reg) {
	case REG_A:
		return s->ram[REG_A] & 0x7f;
	case REG_C:
		return 0;
	case REG_D:
		return D_VRT;
	}
	return s->ram[reg];
}

static void cmos_reg_write(struct cmos *s, unsigned reg, uint8_t v)
{
	if (is_time_reg(reg)) {
		write_time(s, reg, v);
		return;
	}
	switch (reg) {
	case REG_A:
		s->ram[REG_A] = v & 0x7f;
		return;
	case REG_B:
		if ((v & B_SET) && !(s->ram[REG_B] & B_SET)) {
			guest_tm(s, &s->frozen); /* freeze at the current time */
		} else if (!(v & B_SET) && (s->ram[REG_B] & B_SET)) {
			s->offset = (int64_t)timegm(&s->frozen) - (int64_t)vmb_board_time(s->board);
		}
		s->ram[REG_B] = v;
		return;
	case REG_C:
	case REG_D:
		return; /* read-only */
	}
	s->ram[reg] = v;
}

static uint64_t cmos_read(void *opaque, uint64_t off, unsigned size)
{
	struct cmos *s = opaque;

	if (off == 0)
		return 0xff;
	return cmos_reg_read(s, s->index & 0x7f);
}

static void cmos_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct cmos *s = opaque;

	if (off == 0)
		s->index = (uint8_t)val;
	else
		cmos_reg_write(s, s->index & 0x7f, (uint8_t)val);
}

static const struct vmb_io_ops cmos_ops = {
	.read = cmos_read,
	.write = cmos_write,
};

static int cmos_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct cmos *s = vmb_zalloc(sizeof(*s));
	struct tm tm;
	time_t t = vmb_board_time(dev->board);

	dev->priv = s;
	s->board = dev->board;
	if (dev->size != 2)
		return vmb_errf(err, &dev->spec->loc, "cmos-rtc '%s' has 2 ports "
				"(index, data), not size 0x%llx", dev->name,
				(unsigned long long)dev->size);
	/* Power-on values of the battery-backed part (first boot only). */
	s->ram[REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz rate */
	s->ram[REG_B] = B_24H;
	gmtime_r(&t, &tm);
	s->ram[REG_CENTURY] = (uint8_t)(((tm.tm_year + 1900) / 1000 % 10) << 4 |
					((tm.tm_year + 1900) / 100 % 10));
	if (!vmb_board_map_pio(dev->board, dev, dev->name, dev->base, 2, &cmos_ops,
			       s, err))
		return -1;
	return 0;
}

static void cmos_reset(struct vmb_device *dev)
{
	struct cmos *s = dev->priv;

	/* The clock and NVRAM run on the battery; the reset pin clears only
	 * the interrupt enables and flags (data sheet, "RESET"). */
	s->index = 0;
	s->ram[REG_B] &= (uint8_t)~0x78; /* PIE, AIE, UIE, SQWE */
}

static void cmos_destroy(struct vmb_device *dev)
{
	free(dev->priv);
	dev->priv = NULL;
}

/* Dump (MC146818A data sheet, "Registers"): cmos_reg_read has no side
 * effects in this model (register C never latches a flag), so every
 * register is shown as the guest reads it. */
static const char *const dv_names[8] = { [2] = "32.768kHz" };
static const struct vmb_regfield a_fields[] = {
	VMB_BIT(7, "UIP"), { "DV", 4, 3, VMB_FIELD_ALWAYS, dv_names },
	VMB_FIELD(0, 4, "RS"), { NULL },
};
static const struct vmb_regfield b_fields[] = {
	VMB_BIT(7, "SET"), VMB_BIT(6, "PIE"), VMB_BIT(5, "AIE"),
	VMB_BIT(4, "UIE"), VMB_BIT(3, "SQWE"), VMB_BIT(2, "DM"),
	VMB_BIT(1, "24/12"), VMB_BIT(0, "DSE"), { NULL },
};
static const struct vmb_regfield c_fields[] = {
	VMB_BIT(7, "IRQF"), VMB_BIT(6, "PF"), VMB_BIT(5, "AF"), VMB_BIT(4, "UF"),
	{ NULL },
};
static const struct vmb_regfield d_fields[] = {
	VMB_BIT(7, "VRT"), { NULL },
};

static void cmos_dump(struct vmb_device *dev, FILE *out)
{
	static const char *const time_names[10] = {
		"seconds", "alarm seconds", "minutes", "alarm minutes", "hours",
		"alarm hours", "day of week", "day of month", "month", "year",
	};
	struct cmos *s = dev->priv;
	struct tm tm;
	char when[40] = "?";

	vmb_regdump_text(out, "index", "0x%02x%s", s->index & 0x7f,
			 (s->index & 0x80) ? "  (NMI masked)" : "");
	for (unsigned r = 0; r <= REG_YEAR; r++)
		vmb_regdump(out, time_names[r], 8, cmos_reg_read(s, r), NULL);
	guest_tm(s, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	vmb_regdump_text(out, "guest time", "%s%s", when,
			 (s->ram[REG_B] & B_SET) ? " (stopped: SET)" : "");
	vmb_regdump(out, "register A", 8, cmos_reg_read(s, REG_A), a_fields);
	vmb_regdump(out, "register B", 8, cmos_reg_read(s, REG_B), b_fields);
	vmb_regdump(out, "register C", 8, cmos_reg_read(s, REG_C), c_fields);
	vmb_regdump(out, "register D", 8, cmos_reg_read(s, REG_D), d_fields);
	vmb_regdump(out, "century", 8, s->ram[REG_CENTURY], NULL);
	for (unsigned r = 0x10; r < 0x80; r += 0x10) {
		char name[16];

		snprintf(name, sizeof(name), "NVRAM 0x%02x", r);
		vmb_regdump_bytes(out, name, s->ram + r, 16, ' ');
	}
}

static const struct vmb_device_type cmos_type = {
	.name = "cmos-rtc",
	.summary = "PC CMOS RTC (MC146818A at index/data ports): host UTC time in "
		   "BCD or binary, status A-D, 114 bytes of NVRAM; no interrupts",
	.props = NULL,
	.needs_base = true,
	.default_size = 2,
	.min_irqs = 0,
	.max_irqs = 1,
	.create = cmos_create,
	.reset = cmos_reset,
	.destroy = cmos_destroy,
	.dump = cmos_dump,
};

VMB_DEVICE_TYPE(cmos_type)
