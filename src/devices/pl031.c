/* SPDX-License-Identifier: MIT */
/*
 * Arm PL031 real time clock (PrimeCell RTC (PL031) Technical Reference
 * Manual, ARM DDI 0224), as QEMU 7.2's hw/rtc/pl031.c presents it.
 *
 * Registers (4 KiB page, TRM §3.2; any access width; unlisted or unaligned
 * offsets read as zero and ignore writes):
 *   0x000 RTCDR   counter: host UTC time in seconds since the epoch (a
 *                 deterministic machine's clock, board/clock.h) plus
 *                 the offset set through RTCLR (32 bits, wraps)
 *   0x004 RTCMR   match value
 *   0x008 RTCLR   load: RTCDR becomes this value from now on; reads back
 *                 the last value written
 *   0x00C RTCCR   reads 1: the counter always runs (writes ignored, as QEMU)
 *   0x010 RTCIMSC, 0x014 RTCRIS, 0x018 RTCMIS (= RIS & IMSC), 0x01C RTCICR
 *   0xFE0-0xFFC   PeriphID 0x31 0x10 0x14 0x00, PCellID 0x0D 0xF0 0x05 0xB1
 *
 * Alarm: after a write to RTCMR or RTCLR, RTCRIS bit 0 is set when RTCDR
 * reaches RTCMR (immediately if equal now; a match value "behind" the
 * counter fires after the 32-bit wrap, as on the hardware). A timer on the
 * board's event loop fires at that moment, takes the device lock, sets RIS
 * and updates the interrupt line (irq[0], high while RIS & IMSC).
 *
 * Saved state (save/load): offset, MR, LR, IMSC, RIS and the pending alarm
 * as a match second, so a restored RTC keeps following host time.
 */
#include <stdlib.h>
#include <time.h>

#include "board/board.h"
#include "board/clock.h"
#include "board/regdump.h"
#include "devices/primecell.h"
#include "fdt/fdt.h"
#include "util/loop.h"

#define RTC_DR		0x000
#define RTC_MR		0x004
#define RTC_LR		0x008
#define RTC_CR		0x00c
#define RTC_IMSC	0x010
#define RTC_RIS		0x014
#define RTC_MIS		0x018
#define RTC_ICR		0x01c

struct pl031 {
	struct vmb_device *dev;
	const char *clock;
	int64_t offset;      /* RTCDR = guest seconds + offset (mod 2^32) */
	uint32_t mr, lr, imsc, ris;
	bool armed;
	int64_t alarm_at;    /* guest seconds at which RTCDR == RTCMR */
	struct vmb_loop_timer *alarm; /* on the board's event loop */
};

static const uint8_t pl031_id[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

/* Guest wall-clock seconds: host time, or the deterministic clock
 * (board/clock.h). */
static int64_t guest_seconds(const struct pl031 *s)
{
	return vmb_board_time(s->dev->board);
}

static uint32_t counter(const struct pl031 *s)
{
	return (uint32_t)(guest_seconds(s) + s->offset);
}

static void update_irq(struct pl031 *s)
{
	vmb_dev_set_irq(s->dev, 0, (s->ris & s->imsc & 1) != 0);
}

/* Start the loop timer for alarm_at (a guest wall-clock second); the
 * callback re-checks the clock, so a host clock step only delays it. Guest
 * seconds may pass at another rate than the host's (a deterministic
 * machine's virtual clock, board/clock.h): look again at least once a
 * host second. */
static void start_timer(struct pl031 *s)
{
	int64_t ns = (s->alarm_at - guest_seconds(s)) * 1000000000;

	if (ns > 1000000000)
		ns = 1000000000;
	vmb_loop_timer_arm(s->alarm, ns > 0 ? (uint64_t)ns : 1, 0);
}

/* Re-arm after MR/LR changed: the match happens (MR - DR) mod 2^32
 * seconds from now. */
static void arm(struct pl031 *s)
{
	uint32_t ticks = s->mr - counter(s);

	if (!ticks) {
		s->armed = false;
		vmb_loop_timer_disarm(s->alarm);
		s->ris |= 1;
		update_irq(s);
		return;
	}
	s->armed = true;
	s->alarm_at = guest_seconds(s) + ticks;
	start_timer(s);
}

/* Event loop thread: the alarm timer expired. */
static void alarm_fired(void *opaque)
{
	struct pl031 *s = opaque;

	vmb_dev_lock(s->dev);
	if (s->armed && guest_seconds(s) >= s->alarm_at) {
		s->armed = false;
		s->ris |= 1;
		update_irq(s);
	} else if (s->armed) {
		start_timer(s); /* early: clock stepped back, or guest time is slower */
	}
	vmb_dev_unlock(s->dev);
}

static uint64_t pl031_read(void *opaque, uint64_t off, unsigned size)
{
	struct pl031 *s = opaque;
	uint32_t v = 0;

	switch (off) {
	case RTC_DR:
		v = counter(s);
		break;
	case RTC_MR:
		v = s->mr;
		break;
	case RTC_LR:
		v = s->lr;
		break;
	case RTC_CR:
		v = 1;
		break;
	case RTC_IMSC:
		v = s->imsc;
		break;
	case RTC_RIS:
		v = s->ris;
		break;
	case RTC_MIS:
		v = s->ris & s->imsc;
		break;
	default:
		if (!vmb_primecell_id_read(pl031_id, off, &v))
			v = 0;
		break;
	}
	if (size < 4)
		v &= (1u << (size * 8)) - 1;
	return v;
}

static void pl031_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct pl031 *s = opaque;
	uint32_t v = (uint32_t)val;

	switch (off) {
	case RTC_MR:
		s->mr = v;
		arm(s);
		break;
	case RTC_LR:
		s->lr = v;
		s->offset = (int64_t)v - guest_seconds(s);
		arm(s);
		break;
	case RTC_IMSC:
		s->imsc = v & 1;
		break;
	case RTC_ICR:
		s->ris &= ~(v & 1);
		break;
	default:
		return; /* RTCDR, RTCCR and the rest are read-only here */
	}
	update_irq(s);
}

/* Register names of PL031 TRM §3.2 (traces). */
static const struct vmb_reg_name pl031_regs[] = {
	{ RTC_DR, 4, 0, "RTCDR" },
	{ RTC_MR, 4, 0, "RTCMR" },
	{ RTC_LR, 4, 0, "RTCLR" },
	{ RTC_CR, 4, 0, "RTCCR" },
	{ RTC_IMSC, 4, 0, "RTCIMSC" },
	{ RTC_RIS, 4, 0, "RTCRIS" },
	{ RTC_MIS, 4, 0, "RTCMIS" },
	{ RTC_ICR, 4, 0, "RTCICR" },
	VMB_PRIMECELL_REG_NAMES,
	{ 0, 0, 0, NULL },
};

static const struct vmb_io_ops pl031_ops = {
	.read = pl031_read,
	.write = pl031_write,
	.regs = pl031_regs,
};

static int pl031_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct pl031 *s = vmb_zalloc(sizeof(*s));

	dev->priv = s;
	s->dev = dev;
	s->clock = vmb_dev_prop_str(dev, "clock");
	if (vmb_primecell_check_clock(dev, s->clock, err))
		return -1;
	if (!vmb_board_map_mmio(dev->board, dev, dev->name, dev->base, dev->size,
				&pl031_ops, s, NULL, err))
		return -1;
	s->alarm = vmb_loop_timer_new(dev->board->loop, alarm_fired, s, err);
	return s->alarm ? 0 : -1;
}

/* The counter keeps running across a machine reset, like a battery-backed
 * RTC; match, mask and status start clear. */
static void pl031_reset(struct vmb_device *dev)
{
	struct pl031 *s = dev->priv;

	s->mr = s->imsc = s->ris = 0;
	s->armed = false;
	vmb_loop_timer_disarm(s->alarm);
	update_irq(s);
}

static int pl031_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	static const char *const clock_names[] = { "apb_pclk", NULL };
	struct pl031 *s = dev->priv;

	return vmb_primecell_fdt(dev, f, "pl031", "arm,pl031", s->clock,
				 clock_names, err) < 0 ? -1 : 0;
}

static void pl031_destroy(struct vmb_device *dev)
{
	struct pl031 *s = dev->priv;

	if (!s)
		return;
	vmb_loop_timer_free(s->alarm);
	free(s);
	dev->priv = NULL;
}

static void pl031_save(struct vmb_device *dev, struct vmb_state_writer *out)
{
	struct pl031 *s = dev->priv;

	vmb_state_put_u64(out, (uint64_t)s->offset);
	vmb_state_put_u32(out, s->mr);
	vmb_state_put_u32(out, s->lr);
	vmb_state_put_u32(out, s->imsc);
	vmb_state_put_u32(out, s->ris);
	vmb_state_put_u8(out, s->armed);
	vmb_state_put_u64(out, (uint64_t)s->alarm_at);
}

static int pl031_load(struct vmb_device *dev, struct vmb_state_reader *in,
		      struct vmb_err *err)
{
	struct pl031 *s = dev->priv;
	uint32_t imsc, ris;
	uint8_t armed;

	s->offset = (int64_t)vmb_state_get_u64(in);
	s->mr = vmb_state_get_u32(in);
	s->lr = vmb_state_get_u32(in);
	imsc = vmb_state_get_u32(in);
	ris = vmb_state_get_u32(in);
	armed = vmb_state_get_u8(in);
	s->alarm_at = (int64_t)vmb_state_get_u64(in);
	if ((imsc | ris) > 1 || armed > 1)
		return vmb_errf(err, NULL, "pl031 '%s': bad saved state (IMSC 0x%x, "
				"RIS 0x%x)", dev->name, imsc, ris);
	s->imsc = imsc;
	s->ris = ris;
	s->armed = armed;
	if (s->armed)
		start_timer(s);
	else
		vmb_loop_timer_disarm(s->alarm);
	update_irq(s);
	return 0;
}

/* Dump (PL031 TRM §3.3): RTCDR is computed from the clock as a read
 * would, without touching the alarm; bit 0 of the interrupt registers is
 * RTCINTR. */
static const struct vmb_regfield intr_fields[] = {
	VMB_BIT(0, "RTCINTR"), { NULL },
};
static const struct vmb_regfield cr_fields[] = {
	VMB_BIT(0, "RTCSTART"), { NULL },
};

static void pl031_dump(struct vmb_device *dev, FILE *out)
{
	const struct pl031 *s = dev->priv;
	uint32_t dr = counter(s);
	time_t t = (time_t)dr;
	struct tm tm;
	char when[40] = "";

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "  (%Y-%m-%d %H:%M:%S UTC)", &tm);
	vmb_regdump_text(out, "RTCDR", "0x%08x%s", dr, when);	/* §3.3.1 */
	vmb_regdump(out, "RTCMR", 32, s->mr, NULL);		/* §3.3.2 */
	vmb_regdump(out, "RTCLR", 32, s->lr, NULL);		/* §3.3.3 */
	vmb_regdump(out, "RTCCR", 32, 1, cr_fields);		/* §3.3.4 */
	vmb_regdump(out, "RTCIMSC", 32, s->imsc, intr_fields);	/* §3.3.5 */
	vmb_regdump(out, "RTCRIS", 32, s->ris, intr_fields);	/* §3.3.6 */
	vmb_regdump(out, "RTCMIS", 32, s->ris & s->imsc, intr_fields);
	if (s->armed)
		vmb_regdump_text(out, "alarm", "RTCDR reaches RTCMR in %lld s",
				 (long long)(s->alarm_at - guest_seconds(s)));
	else
		vmb_regdump_text(out, "alarm", "not armed");
}

static const struct vmb_prop_desc pl031_props[] = {
	{ "clock", VMB_PROP_STR, "apb-pclk", "fixed-clock device feeding PCLK", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct vmb_device_type pl031_type = {
	.name = "pl031",
	.summary = "Arm PL031 real time clock (PrimeCell RTC TRM): host UTC "
		   "seconds, match alarm interrupt",
	.props = pl031_props,
	.needs_base = true,
	.default_size = VMB_PRIMECELL_SIZE,
	.min_irqs = 1,
	.max_irqs = 1,
	.create = pl031_create,
	.reset = pl031_reset,
	.save = pl031_save,
	.load = pl031_load,
	.state_version = 1,
	.fdt_node = pl031_fdt,
	.destroy = pl031_destroy,
	.dump = pl031_dump,
};

VMB_DEVICE_TYPE(pl031_type)
