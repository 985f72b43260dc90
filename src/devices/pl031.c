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
 * counter fires after the 32-bit wrap, as on the hardware). One thread per
 * RTC sleeps until that moment, then takes the board lock, sets RIS and
 * updates the interrupt line (irq[0], high while RIS & IMSC).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "board/board.h"
#include "board/clock.h"
#include "devices/primecell.h"
#include "fdt/fdt.h"

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
	int level;

	/* Alarm thread; every field below is guarded by the board lock. */
	pthread_t thread;
	pthread_cond_t cond;
	bool thread_started;
	bool armed;
	int64_t alarm_at;    /* guest seconds at which RTCDR == RTCMR */
	bool quit;
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
	int level = (s->ris & s->imsc & 1) != 0;

	if (level != s->level) {
		s->level = level;
		vmb_dev_set_irq(s->dev, 0, level);
	}
}

/* Re-arm after MR/LR changed: the match happens (MR - DR) mod 2^32
 * seconds from now. */
static void arm(struct pl031 *s)
{
	uint32_t ticks = s->mr - counter(s);

	if (!ticks) {
		s->armed = false;
		s->ris |= 1;
		update_irq(s);
		return;
	}
	s->armed = true;
	s->alarm_at = guest_seconds(s) + ticks;
	pthread_cond_signal(&s->cond);
}

static void *alarm_thread(void *arg)
{
	struct pl031 *s = arg;
	pthread_mutex_t *lock = &s->dev->board->lock;

	pthread_mutex_lock(lock);
	while (!s->quit) {
		if (s->armed && guest_seconds(s) >= s->alarm_at) {
			s->armed = false;
			s->ris |= 1;
			update_irq(s);
			continue;
		}
		if (s->armed) {
			/* Guest seconds may run at another rate than the
			 * host's (virtual clock): look again at least once a
			 * host second. */
			struct timespec until;
			int64_t wait = s->alarm_at - guest_seconds(s);

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += wait < 1 ? 1 : wait > 60 ? 60 : wait;
			until.tv_nsec = 0;
			pthread_cond_timedwait(&s->cond, lock, &until);
		} else {
			pthread_cond_wait(&s->cond, lock);
		}
	}
	pthread_mutex_unlock(lock);
	return NULL;
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

static const struct vmb_io_ops pl031_ops = {
	.read = pl031_read,
	.write = pl031_write,
};

static int pl031_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct pl031 *s = vmb_zalloc(sizeof(*s));

	dev->priv = s;
	s->dev = dev;
	s->clock = vmb_dev_prop_str(dev, "clock");
	pthread_cond_init(&s->cond, NULL);
	if (vmb_primecell_check_clock(dev, s->clock, err))
		return -1;
	if (!vmb_board_map_mmio(dev->board, dev, dev->name, dev->base, dev->size,
				&pl031_ops, s, NULL, err))
		return -1;
	if (pthread_create(&s->thread, NULL, alarm_thread, s))
		return vmb_errf(err, &dev->spec->loc, "pl031 device '%s': cannot "
				"start its alarm thread", dev->name);
	s->thread_started = true;
	return 0;
}

/* The counter keeps running across a machine reset, like a battery-backed
 * RTC; match, mask and status start clear. */
static void pl031_reset(struct vmb_device *dev)
{
	struct pl031 *s = dev->priv;

	s->mr = s->imsc = s->ris = 0;
	s->armed = false;
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
	if (s->thread_started) {
		pthread_mutex_lock(&dev->board->lock);
		s->quit = true;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&dev->board->lock);
		pthread_join(s->thread, NULL);
	}
	pthread_cond_destroy(&s->cond);
	free(s);
	dev->priv = NULL;
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
	.fdt_node = pl031_fdt,
	.destroy = pl031_destroy,
};

VMB_DEVICE_TYPE(pl031_type)
