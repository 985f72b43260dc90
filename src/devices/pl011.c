/* SPDX-License-Identifier: MIT */
/*
 * Arm PL011 UART (PrimeCell UART (PL011) Technical Reference Manual r1p5,
 * ARM DDI 0183G), as QEMU 7.2's hw/char/pl011.c presents it to guests.
 *
 * Register page (4 KiB, offsets per TRM §3.2 table 3-1; any access width,
 * offsets that are not word aligned or not listed read as zero and ignore
 * writes):
 *   0x000 DR      read: next RX FIFO byte (no error bits: the console never
 *                 produces framing/parity/break/overrun); write: transmit
 *   0x004 RSR/ECR read: receive status (always 0); write: clear errors
 *   0x018 FR      TXFE=1, TXFF=0, BUSY=0 always (transmission completes
 *                 at once); RXFE/RXFF from the RX FIFO
 *   0x020 ILPR, 0x024 IBRD, 0x028 FBRD, 0x02C LCR_H, 0x030 CR,
 *   0x034 IFLS, 0x048 DMACR: stored and read back; baud rate, framing,
 *                 enables (UARTEN/TXE/RXE) and DMA have no effect, as in QEMU
 *   0x038 IMSC, 0x03C RIS, 0x040 MIS (= RIS & IMSC), 0x044 ICR (W1C)
 *   0xFE0-0xFFC   PeriphID 0x11 0x10 0x14 0x00, PCellID 0x0D 0xF0 0x05 0xB1
 *
 * RX: bytes come from the board console (claimed at create when the
 * "console" property is true and no other UART has it) into a 16-byte FIFO
 * (1 byte when LCR_H.FEN = 0); what does not fit stays in the console's
 * buffer, so nothing is lost. Interrupts (TRM §3.4): RXRIS while the FIFO
 * holds at least the IFLS trigger level (1 byte without FIFO), RTRIS while
 * it holds anything (the receive timeout is taken to expire at once),
 * TXRIS after every transmitted byte until cleared by ICR (the FIFO drains
 * immediately, so it always sits below the trigger level). The interrupt
 * line (irq[0]) is high while (RIS & IMSC) != 0.
 *
 * Deliberate difference from QEMU: changing LCR_H.FEN does not flush
 * received bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/console.h"
#include "board/regdump.h"
#include "devices/virtio-console.h"
#include "devices/primecell.h"
#include "fdt/fdt.h"

#define PL011_DR	0x000
#define PL011_RSR	0x004
#define PL011_FR	0x018
#define PL011_ILPR	0x020
#define PL011_IBRD	0x024
#define PL011_FBRD	0x028
#define PL011_LCR_H	0x02c
#define PL011_CR	0x030
#define PL011_IFLS	0x034
#define PL011_IMSC	0x038
#define PL011_RIS	0x03c
#define PL011_MIS	0x040
#define PL011_ICR	0x044
#define PL011_DMACR	0x048

#define FR_RXFE		(1u << 4)
#define FR_RXFF		(1u << 6)
#define FR_TXFE		(1u << 7)

#define LCR_H_FEN	(1u << 4)

#define INT_RX		(1u << 4)
#define INT_TX		(1u << 5)
#define INT_RT		(1u << 6)
#define INT_ALL		0x7ffu

#define FIFO_DEPTH	16

struct pl011 {
	struct vmb_device *dev;
	struct vmb_console *con;  /* claimed console, or NULL */
	bool is_console;          /* writes /chosen/stdout-path */
	const char *clock;

	uint8_t fifo[FIFO_DEPTH];
	unsigned head, count;

	uint32_t ilpr, ibrd, fbrd, lcr_h, cr, ifls, imsc, ris, dmacr;
};

static const uint8_t pl011_id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

static unsigned depth(const struct pl011 *s)
{
	return (s->lcr_h & LCR_H_FEN) ? FIFO_DEPTH : 1;
}

/* IFLS RXIFLSEL (bits 5:3): 1/8, 1/4, 1/2, 3/4, 7/8 full (TRM §3.3.12). */
static unsigned rx_trigger(const struct pl011 *s)
{
	static const unsigned level[8] = { 2, 4, 8, 12, 14, 14, 14, 14 };

	if (!(s->lcr_h & LCR_H_FEN))
		return 1;
	return level[(s->ifls >> 3) & 7];
}

static void update_irq(struct pl011 *s)
{
	vmb_dev_set_irq(s->dev, 0, (s->ris & s->imsc) != 0);
}

/* UARTFR (TRM §3.3.3): TX always empty, RX from the FIFO. */
static uint32_t flags(const struct pl011 *s)
{
	uint32_t v = FR_TXFE;

	if (!s->count)
		v |= FR_RXFE;
	else if (s->count >= depth(s))
		v |= FR_RXFF;
	return v;
}

/* Pull console input into the FIFO, then recompute RX/RT. */
static void fill(struct pl011 *s)
{
	while (s->con && s->count < depth(s)) {
		int ch = vmb_console_getc(s->con);

		if (ch < 0)
			break;
		s->fifo[(s->head + s->count) % FIFO_DEPTH] = (uint8_t)ch;
		s->count++;
	}
	s->ris &= ~(INT_RX | INT_RT);
	if (s->count >= rx_trigger(s))
		s->ris |= INT_RX;
	if (s->count)
		s->ris |= INT_RT;
}

/* Console input thread: new bytes are waiting. */
static void console_notify(void *opaque)
{
	struct pl011 *s = opaque;

	vmb_dev_lock(s->dev);
	fill(s);
	update_irq(s);
	vmb_dev_unlock(s->dev);
}

static uint32_t read_dr(struct pl011 *s)
{
	uint32_t v = 0;

	if (s->count) {
		v = s->fifo[s->head];
		s->head = (s->head + 1) % FIFO_DEPTH;
		s->count--;
	}
	fill(s);
	update_irq(s);
	return v;
}

static uint64_t pl011_read(void *opaque, uint64_t off, unsigned size)
{
	struct pl011 *s = opaque;
	uint32_t v = 0;

	switch (off) {
	case PL011_FR:
		/* Polled in tight loops by firmware: keep it to local state. */
		return flags(s);
	case PL011_DR:
		v = read_dr(s);
		break;
	case PL011_RSR:
		v = 0;
		break;
	case PL011_ILPR:
		v = s->ilpr;
		break;
	case PL011_IBRD:
		v = s->ibrd;
		break;
	case PL011_FBRD:
		v = s->fbrd;
		break;
	case PL011_LCR_H:
		v = s->lcr_h;
		break;
	case PL011_CR:
		v = s->cr;
		break;
	case PL011_IFLS:
		v = s->ifls;
		break;
	case PL011_IMSC:
		v = s->imsc;
		break;
	case PL011_RIS:
		v = s->ris;
		break;
	case PL011_MIS:
		v = s->ris & s->imsc;
		break;
	case PL011_DMACR:
		v = s->dmacr;
		break;
	default:
		if (!vmb_primecell_id_read(pl011_id, off, &v))
			v = 0;
		break;
	}
	if (size < 4)
		v &= (1u << (size * 8)) - 1;
	return v;
}

static void pl011_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct pl011 *s = opaque;
	uint32_t v = (uint32_t)val;

	switch (off) {
	case PL011_DR: {
		uint8_t ch = (uint8_t)v;

		if (s->con)
			vmb_console_write(s->con, &ch, 1);
		s->ris |= INT_TX;
		break;
	}
	case PL011_RSR:
		break; /* ECR: no error is ever latched */
	case PL011_ILPR:
		s->ilpr = v & 0xff;
		break;
	case PL011_IBRD:
		s->ibrd = v & 0xffff;
		break;
	case PL011_FBRD:
		s->fbrd = v & 0x3f;
		break;
	case PL011_LCR_H:
		s->lcr_h = v & 0xff;
		fill(s); /* FIFO depth and trigger level may have changed */
		break;
	case PL011_CR:
		s->cr = v & 0xffff;
		break;
	case PL011_IFLS:
		s->ifls = v & 0x3f;
		fill(s);
		break;
	case PL011_IMSC:
		s->imsc = v & INT_ALL;
		break;
	case PL011_ICR:
		s->ris &= ~(v & INT_ALL);
		break;
	case PL011_DMACR:
		s->dmacr = v & 7;
		break;
	default:
		return;
	}
	update_irq(s);
}

/* Register names of PL011 TRM r1p5 §3.2 (traces). */
static const struct vmb_reg_name pl011_regs[] = {
	{ PL011_DR, 4, 0, "UARTDR" },
	{ PL011_RSR, 4, 0, "UARTRSR/UARTECR" },
	{ PL011_FR, 4, 0, "UARTFR" },
	{ PL011_ILPR, 4, 0, "UARTILPR" },
	{ PL011_IBRD, 4, 0, "UARTIBRD" },
	{ PL011_FBRD, 4, 0, "UARTFBRD" },
	{ PL011_LCR_H, 4, 0, "UARTLCR_H" },
	{ PL011_CR, 4, 0, "UARTCR" },
	{ PL011_IFLS, 4, 0, "UARTIFLS" },
	{ PL011_IMSC, 4, 0, "UARTIMSC" },
	{ PL011_RIS, 4, 0, "UARTRIS" },
	{ PL011_MIS, 4, 0, "UARTMIS" },
	{ PL011_ICR, 4, 0, "UARTICR" },
	{ PL011_DMACR, 4, 0, "UARTDMACR" },
	VMB_PRIMECELL_REG_NAMES,
	{ 0, 0, 0, NULL },
};

static const struct vmb_io_ops pl011_ops = {
	.read = pl011_read,
	.write = pl011_write,
	.regs = pl011_regs,
};

/* Is an earlier PL011 on this board the console? (Decides stdout-path when
 * the board has no console object, e.g. for "vmb dtb".) */
static bool earlier_console(const struct vmb_device *dev)
{
	const struct vmb_board *b = dev->board;

	for (unsigned i = 0; i < b->ndev && b->dev[i] != dev; i++)
		if (b->dev[i]->type == dev->type && b->dev[i]->priv &&
		    ((struct pl011 *)b->dev[i]->priv)->is_console)
			return true;
	return false;
}

static int pl011_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct pl011 *s = vmb_zalloc(sizeof(*s));

	dev->priv = s;
	s->dev = dev;
	s->clock = vmb_dev_prop_str(dev, "clock");
	if (vmb_primecell_check_clock(dev, s->clock, err))
		return -1;
	/* A virtio-console on the board takes the console (--console virtio). */
	if (vmb_dev_prop_bool(dev, "console") &&
	    !vmb_virtio_console_wanted(dev->board->spec)) {
		if (dev->board->console) {
			/* the next serial port (--serial, in UART order);
			 * the first one is the console */
			s->con = vmb_console_claim_port(dev->board->console,
							console_notify, s);
			s->is_console = s->con && s->con == dev->board->console;
		} else {
			s->is_console = !earlier_console(dev);
		}
	}
	if (!vmb_board_map_mmio(dev->board, dev, dev->name, dev->base, dev->size,
				&pl011_ops, s, NULL, err))
		return -1;
	return 0;
}

static void pl011_reset(struct vmb_device *dev)
{
	struct pl011 *s = dev->priv;

	s->ilpr = s->ibrd = s->fbrd = s->lcr_h = s->imsc = s->ris = s->dmacr = 0;
	s->cr = 0x300; /* TXE | RXE (TRM §3.3.8) */
	s->ifls = 0x12; /* both trigger levels 1/2 (TRM §3.3.9) */
	/* Bytes already in the FIFO were taken from the console: keep them. */
	fill(s);
	update_irq(s);
}

static int pl011_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	static const char *const clock_names[] = { "uartclk", "apb_pclk", NULL };
	struct pl011 *s = dev->priv;
	int node = vmb_primecell_fdt(dev, f, "pl011", "arm,pl011", s->clock,
				     clock_names, err);

	if (node < 0)
		return -1;
	if (s->is_console && vmb_fdt_set_stdout(f, node, err))
		return -1;
	return 0;
}

/* Registers and the RX FIFO; the console claim is a runtime resource. */
static void pl011_save(struct vmb_device *dev, struct vmb_state_writer *out)
{
	struct pl011 *s = dev->priv;
	const uint32_t regs[] = { s->ilpr, s->ibrd, s->fbrd, s->lcr_h, s->cr,
				  s->ifls, s->imsc, s->ris, s->dmacr };

	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		vmb_state_put_u32(out, regs[i]);
	vmb_state_put_u8(out, (uint8_t)s->count);
	for (unsigned i = 0; i < s->count; i++)
		vmb_state_put_u8(out, s->fifo[(s->head + i) % FIFO_DEPTH]);
}

static int pl011_load(struct vmb_device *dev, struct vmb_state_reader *in,
		      struct vmb_err *err)
{
	struct pl011 *s = dev->priv;
	uint32_t *const regs[] = { &s->ilpr, &s->ibrd, &s->fbrd, &s->lcr_h, &s->cr,
				   &s->ifls, &s->imsc, &s->ris, &s->dmacr };
	unsigned count;

	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		*regs[i] = vmb_state_get_u32(in);
	count = vmb_state_get_u8(in);
	if (count > FIFO_DEPTH)
		return vmb_errf(err, NULL, "pl011 '%s': saved RX FIFO holds %u "
				"bytes, the FIFO has %u", dev->name, count, FIFO_DEPTH);
	s->head = 0;
	s->count = count;
	for (unsigned i = 0; i < count; i++)
		s->fifo[i] = vmb_state_get_u8(in);
	s->imsc &= INT_ALL;
	s->ris &= INT_ALL;
	update_irq(s);
	return 0;
}

/* Field names of PL011 TRM r1p5 §3.3 for the register dump. */
static const struct vmb_regfield fr_fields[] = {	/* §3.3.3 */
	VMB_BIT(0, "CTS"), VMB_BIT(1, "DSR"), VMB_BIT(2, "DCD"),
	VMB_BIT(3, "BUSY"), VMB_BIT(4, "RXFE"), VMB_BIT(5, "TXFF"),
	VMB_BIT(6, "RXFF"), VMB_BIT(7, "TXFE"), VMB_BIT(8, "RI"), { NULL },
};
static const char *const wlen_names[] = { "5", "6", "7", "8" };
static const struct vmb_regfield lcr_h_fields[] = {	/* §3.3.7 */
	VMB_BIT(0, "BRK"), VMB_BIT(1, "PEN"), VMB_BIT(2, "EPS"),
	VMB_BIT(3, "STP2"), VMB_BIT(4, "FEN"),
	{ "WLEN", 5, 2, VMB_FIELD_ALWAYS, wlen_names }, VMB_BIT(7, "SPS"),
	{ NULL },
};
static const struct vmb_regfield cr_fields[] = {	/* §3.3.8 */
	VMB_BIT(0, "UARTEN"), VMB_BIT(1, "SIREN"), VMB_BIT(2, "SIRLP"),
	VMB_BIT(7, "LBE"), VMB_BIT(8, "TXE"), VMB_BIT(9, "RXE"),
	VMB_BIT(10, "DTR"), VMB_BIT(11, "RTS"), VMB_BIT(12, "OUT1"),
	VMB_BIT(13, "OUT2"), VMB_BIT(14, "RTSEN"), VMB_BIT(15, "CTSEN"),
	{ NULL },
};
static const char *const ifls_names[8] = { "1/8", "1/4", "1/2", "3/4", "7/8" };
static const struct vmb_regfield ifls_fields[] = {	/* §3.3.9 */
	{ "TXIFLSEL", 0, 3, VMB_FIELD_ALWAYS, ifls_names },
	{ "RXIFLSEL", 3, 3, VMB_FIELD_ALWAYS, ifls_names }, { NULL },
};
/* One bit layout for IMSC, RIS and MIS (§3.3.10-3.3.12). */
static const struct vmb_regfield int_fields[] = {
	VMB_BIT(0, "RI"), VMB_BIT(1, "CTS"), VMB_BIT(2, "DCD"),
	VMB_BIT(3, "DSR"), VMB_BIT(4, "RX"), VMB_BIT(5, "TX"),
	VMB_BIT(6, "RT"), VMB_BIT(7, "FE"), VMB_BIT(8, "PE"),
	VMB_BIT(9, "BE"), VMB_BIT(10, "OE"), { NULL },
};
static const struct vmb_regfield dmacr_fields[] = {	/* §3.3.14 */
	VMB_BIT(0, "RXDMAE"), VMB_BIT(1, "TXDMAE"), VMB_BIT(2, "DMAONERR"),
	{ NULL },
};

static void pl011_dump(struct vmb_device *dev, FILE *out)
{
	const struct pl011 *s = dev->priv;

	vmb_regdump(out, "UARTFR", 16, flags(s), fr_fields);
	vmb_regdump(out, "UARTILPR", 8, s->ilpr, NULL);		/* §3.3.4 */
	vmb_regdump(out, "UARTIBRD", 16, s->ibrd, NULL);	/* §3.3.5 */
	vmb_regdump(out, "UARTFBRD", 8, s->fbrd, NULL);		/* §3.3.6 */
	vmb_regdump(out, "UARTLCR_H", 8, s->lcr_h, lcr_h_fields);
	vmb_regdump(out, "UARTCR", 16, s->cr, cr_fields);
	vmb_regdump(out, "UARTIFLS", 8, s->ifls, ifls_fields);
	vmb_regdump(out, "UARTIMSC", 16, s->imsc, int_fields);
	vmb_regdump(out, "UARTRIS", 16, s->ris, int_fields);
	vmb_regdump(out, "UARTMIS", 16, s->ris & s->imsc, int_fields);
	vmb_regdump(out, "UARTDMACR", 8, s->dmacr, dmacr_fields);
	vmb_regdump_fifo(out, "RX FIFO", s->fifo, FIFO_DEPTH, s->head, s->count,
			 depth(s));
	vmb_regdump_text(out, "TX FIFO", "0 of %u bytes (sent at once)",
			 depth(s));
}

static void pl011_destroy(struct vmb_device *dev)
{
	free(dev->priv);
	dev->priv = NULL;
}

static const struct vmb_prop_desc pl011_props[] = {
	{ "console", VMB_PROP_BOOL, "true",
	  "connect to the vmb console (the first UART that asks gets it)", NULL },
	{ "clock", VMB_PROP_STR, "apb-pclk",
	  "fixed-clock device feeding UARTCLK and PCLK", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct vmb_device_type pl011_type = {
	.name = "pl011",
	.summary = "Arm PL011 UART (PrimeCell UART TRM r1p5): console I/O, "
		   "16-byte RX FIFO, RX/RT/TX interrupts",
	.props = pl011_props,
	.needs_base = true,
	.default_size = VMB_PRIMECELL_SIZE,
	.min_irqs = 1,
	.max_irqs = 1,
	.create = pl011_create,
	.reset = pl011_reset,
	.save = pl011_save,
	.load = pl011_load,
	.state_version = 1,
	.fdt_node = pl011_fdt,
	.destroy = pl011_destroy,
	.dump = pl011_dump,
};

VMB_DEVICE_TYPE(pl011_type)
