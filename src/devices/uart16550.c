/* SPDX-License-Identifier: MIT */
/*
 * 16550A UART on I/O ports (TI PC16550D data sheet, SNLS378C: §8.6
 * "Register Descriptions", table 9 "Summary of Registers"), as QEMU 7.2's
 * hw/char/serial.c presents it to PC guests.
 *
 * Eight byte-wide ports from "base" (0x3f8 for COM1); DLAB = LCR bit 7:
 *   +0 read RBR (next received byte) / write THR (transmit); DLAB: DLL
 *   +1 IER (bits 0-3: RDA, THRE, RLS, MS interrupt enables); DLAB: DLM
 *   +2 read IIR (bit 0 = 0: pending; bits 1-3 ID: 011 line status, 010
 *      data, 110 character timeout, 001 THR empty, 000 modem status;
 *      bits 6-7 = 11 while FIFOs are on); write FCR (bit 0 FIFO enable,
 *      bit 1 clear RX, bit 2 clear TX, bits 6-7 RX trigger 1/4/8/14)
 *   +3 LCR, +4 MCR (DTR, RTS, OUT1, OUT2, LOOP), +5 LSR (DR, OE, THRE,
 *      TEMT), +6 MSR (deltas, CTS, DSR, RI, DCD), +7 SCR (scratch)
 * Wider accesses use the low byte (writes) and read the register
 * zero-extended; ports past +7 are not claimed.
 *
 * TX: bytes go to the board console at once, so THR and the shift register
 * are always empty (LSR THRE = TEMT = 1). The THR-empty interrupt follows
 * the data sheet: pending after a THR write (the byte left at once) or
 * when ETBEI is set, cleared by reading IIR while it is the reported
 * source or by writing THR (Linux's 8250 driver probes exactly this).
 * RX: bytes come from the console (claimed at create when "console" is
 * true and no other UART has it) into a 16-byte FIFO (1 byte with FIFOs
 * off); the rest waits in the console's buffer, so nothing is lost and OE
 * is never set. Interrupt "data available" when the FIFO reaches the
 * trigger level, "character timeout" when it holds less (the timeout is
 * taken to expire at once, as there is no time in this model).
 * Loopback (MCR.LOOP): transmitted bytes are received, and MSR reflects
 * MCR (CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2); outside loopback the
 * modem lines read CTS, DSR and DCD asserted, as QEMU's do.
 * The interrupt line (irq[0], GSI 4 for COM1) is high while IIR reports a
 * pending interrupt. As in QEMU, OUT2 does not gate it (PC boards wire
 * OUT2 as an interrupt enable; Linux sets it anyway).
 */
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/console.h"
#include "board/regdump.h"
#include "devices/uart16550.h"
#include "devices/virtio-console.h"

#define RBR 0
#define IER 1
#define IIR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

#define IER_RDI  0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI  0x08

#define IIR_NO_INT 0x01
#define IIR_MSI    0x00
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_RLSI   0x06
#define IIR_CTI    0x0c
#define IIR_FIFO   0xc0

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04

#define LCR_DLAB 0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_PE   0x04
#define LSR_FE   0x08
#define LSR_BI   0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_ERR  (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS  0x10
#define MSR_DSR  0x20
#define MSR_RI   0x40
#define MSR_DCD  0x80
#define MSR_DELTA 0x0f

#define FIFO_DEPTH 16

static uint8_t fifo_depth(const struct vmb_uart16550 *s)
{
	return (s->fcr & FCR_ENABLE) ? FIFO_DEPTH : 1;
}

static unsigned rx_trigger(const struct vmb_uart16550 *s)
{
	static const unsigned level[4] = { 1, 4, 8, 14 };

	return (s->fcr & FCR_ENABLE) ? level[s->fcr >> 6] : 1;
}

/* Highest-priority pending interrupt as an IIR ID (IIR_NO_INT if none). */
static uint8_t pending(const struct vmb_uart16550 *s)
{
	if ((s->ier & IER_RLSI) && (s->lsr & LSR_ERR))
		return IIR_RLSI;
	if ((s->ier & IER_RDI) && s->count)
		return s->count >= rx_trigger(s) ? IIR_RDI : IIR_CTI;
	if ((s->ier & IER_THRI) && s->thr_ipending)
		return IIR_THRI;
	if ((s->ier & IER_MSI) && (s->msr & MSR_DELTA))
		return IIR_MSI;
	return IIR_NO_INT;
}

/* IIR and LSR as a read returns them, before the read's side effects. */
static uint8_t iir(const struct vmb_uart16550 *s)
{
	return (uint8_t)(pending(s) | ((s->fcr & FCR_ENABLE) ? IIR_FIFO : 0));
}

static uint8_t lsr(const struct vmb_uart16550 *s)
{
	return (uint8_t)(s->lsr | LSR_THRE | LSR_TEMT | (s->count ? LSR_DR : 0));
}

static void update_irq(struct vmb_uart16550 *s)
{
	vmb_irq_set(s->irq, pending(s) != IIR_NO_INT);
}

static void push_rx(struct vmb_uart16550 *s, uint8_t ch)
{
	if (s->count >= fifo_depth(s)) {
		s->lsr |= LSR_OE; /* only reachable in loopback */
		return;
	}
	s->fifo[(s->head + s->count) % FIFO_DEPTH] = ch;
	s->count++;
}

/* Pull console input into the FIFO. */
static void fill(struct vmb_uart16550 *s)
{
	if (s->mcr & MCR_LOOP)
		return; /* the receiver is disconnected from the line */
	while (s->con && s->count < fifo_depth(s)) {
		int ch = vmb_console_getc(s->con);

		if (ch < 0)
			break;
		push_rx(s, (uint8_t)ch);
	}
}

static void console_notify(void *opaque)
{
	struct vmb_uart16550 *s = opaque;

	vmb_dev_lock(s->dev); /* console input thread */
	fill(s);
	update_irq(s);
	vmb_dev_unlock(s->dev);
}

/* Modem status inputs: from MCR in loopback, else the idle line. */
static void update_msr(struct vmb_uart16550 *s)
{
	uint8_t in, old = s->msr;

	if (s->mcr & MCR_LOOP)
		in = (uint8_t)(((s->mcr & MCR_RTS) ? MSR_CTS : 0) |
			       ((s->mcr & MCR_DTR) ? MSR_DSR : 0) |
			       ((s->mcr & MCR_OUT1) ? MSR_RI : 0) |
			       ((s->mcr & MCR_OUT2) ? MSR_DCD : 0));
	else
		in = MSR_CTS | MSR_DSR | MSR_DCD;
	s->msr = (uint8_t)((old & MSR_DELTA) | in);
	if ((old ^ in) & MSR_CTS)
		s->msr |= MSR_DCTS;
	if ((old ^ in) & MSR_DSR)
		s->msr |= MSR_DDSR;
	if ((old ^ in) & MSR_DCD)
		s->msr |= MSR_DDCD;
	if ((old & MSR_RI) && !(in & MSR_RI))
		s->msr |= MSR_TERI; /* trailing edge of RI */
}

static uint8_t read_rbr(struct vmb_uart16550 *s)
{
	uint8_t v = 0;

	if (s->count) {
		v = s->fifo[s->head];
		s->head = (uint8_t)((s->head + 1) % FIFO_DEPTH);
		s->count--;
	}
	fill(s);
	return v;
}

uint8_t vmb_uart16550_read(struct vmb_uart16550 *s, unsigned reg)
{
	uint8_t v = 0;

	switch (reg) {
	case RBR:
		v = (s->lcr & LCR_DLAB) ? (uint8_t)s->divisor : read_rbr(s);
		break;
	case IER:
		v = (s->lcr & LCR_DLAB) ? (uint8_t)(s->divisor >> 8) : s->ier;
		break;
	case IIR:
		v = iir(s);
		if ((v & 0x0f) == IIR_THRI)
			s->thr_ipending = false; /* reading IIR acknowledges it */
		break;
	case LCR:
		v = s->lcr;
		break;
	case MCR:
		v = s->mcr;
		break;
	case LSR:
		v = lsr(s);
		s->lsr &= (uint8_t)~LSR_ERR; /* reading LSR clears the errors */
		break;
	case MSR:
		v = s->msr;
		s->msr &= (uint8_t)~MSR_DELTA;
		break;
	case SCR:
		v = s->scr;
		break;
	}
	update_irq(s);
	return v;
}

static void write_thr(struct vmb_uart16550 *s, uint8_t ch)
{
	if (s->mcr & MCR_LOOP)
		push_rx(s, ch);
	else if (s->con)
		vmb_console_write(s->con, &ch, 1);
	/* The byte left at once: THR is empty again. */
	s->thr_ipending = true;
}

void vmb_uart16550_write(struct vmb_uart16550 *s, unsigned reg, uint8_t v)
{
	switch (reg) {
	case RBR:
		if (s->lcr & LCR_DLAB)
			s->divisor = (uint16_t)((s->divisor & 0xff00) | v);
		else
			write_thr(s, v);
		break;
	case IER:
		if (s->lcr & LCR_DLAB) {
			s->divisor = (uint16_t)((s->divisor & 0x00ff) | v << 8);
			break;
		}
		/* Enabling THRE interrupts with THR empty raises one at once. */
		if ((v & IER_THRI) && !(s->ier & IER_THRI))
			s->thr_ipending = true;
		s->ier = v & 0x0f;
		break;
	case IIR: /* FCR */
		if ((v ^ s->fcr) & FCR_ENABLE) {
			s->count = 0; /* toggling FIFO mode clears both FIFOs */
			s->head = 0;
		}
		if (v & FCR_CLEAR_RX) {
			s->count = 0;
			s->head = 0;
		}
		s->fcr = v & (FCR_ENABLE | 0xc0);
		fill(s);
		break;
	case LCR:
		s->lcr = v;
		break;
	case MCR:
		s->mcr = v & 0x1f;
		update_msr(s);
		fill(s);
		break;
	case LSR:
	case MSR:
		break; /* read-only (factory test registers) */
	case SCR:
		s->scr = v;
		break;
	}
	update_irq(s);
}

void vmb_uart16550_reset(struct vmb_uart16550 *s)
{
	/* Data sheet table 12, "UART Reset Configuration". */
	s->ier = 0;
	s->lcr = 0;
	s->mcr = 0;
	s->fcr = 0;
	s->lsr = 0;
	s->msr = MSR_CTS | MSR_DSR | MSR_DCD;
	s->scr = 0;
	s->divisor = 12; /* 9600 baud from 1.8432 MHz, what PC BIOSes leave */
	s->thr_ipending = false;
	/* Bytes already in the FIFO came from the console: keep them. */
	fill(s);
	update_irq(s);
}

void vmb_uart16550_init(struct vmb_uart16550 *s, struct vmb_device *dev,
			struct vmb_console *con)
{
	memset(s, 0, sizeof(*s));
	s->dev = dev;
	s->irq = dev ? vmb_dev_irq(dev, 0) : NULL;
	if (!s->irq) {
		vmb_irq_line_init(&s->own, NULL, 0, false);
		s->irq = &s->own;
	}
	/* the next serial port (--serial, in UART order) */
	s->con = con ? vmb_console_claim_port(con, console_notify, s) : NULL;
	vmb_uart16550_reset(s);
}

static uint64_t uart_read(void *opaque, uint64_t off, unsigned size)
{
	return vmb_uart16550_read(opaque, (unsigned)off & 7);
}

static void uart_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	vmb_uart16550_write(opaque, (unsigned)off & 7, (uint8_t)val);
}

/* The 16550's register at off as the access reaches it: offsets 0 and 1
 * name the divisor latch while LCR.DLAB is set, and offsets 0 and 2 are
 * different registers for reads and writes (NS16550A datasheet, Table 2). */
static bool uart_reg_name(void *opaque, uint64_t off, bool write, char *buf,
			  size_t len)
{
	static const char *const rd[8] = { "RBR", "IER", "IIR", "LCR", "MCR",
					   "LSR", "MSR", "SCR" };
	const struct vmb_uart16550 *s = opaque;
	unsigned r = (unsigned)off & 7;
	const char *name = write && r == 0 ? "THR" : write && r == 2 ? "FCR" : rd[r];

	if ((s->lcr & LCR_DLAB) && r < 2)
		name = r ? "DLM" : "DLL";
	snprintf(buf, len, "%s", name);
	return true;
}

static const struct vmb_io_ops uart_ops = {
	.read = uart_read,
	.write = uart_write,
	.reg_name = uart_reg_name,
};

static int uart_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct vmb_uart16550 *s = vmb_zalloc(sizeof(*s));

	dev->priv = s;
	vmb_uart16550_init(s, dev, vmb_dev_prop_bool(dev, "console") &&
			   !vmb_virtio_console_wanted(dev->board->spec) ?
			   dev->board->console : NULL);
	if (dev->size != 8)
		return vmb_errf(err, &dev->spec->loc, "uart16550 '%s' has 8 ports, "
				"not size 0x%llx", dev->name,
				(unsigned long long)dev->size);
	if (!vmb_board_map_pio(dev->board, dev, dev->name, dev->base, 8, &uart_ops,
			       s, err))
		return -1;
	return 0;
}

static void uart_reset(struct vmb_device *dev)
{
	vmb_uart16550_reset(dev->priv);
}

static void uart_destroy(struct vmb_device *dev)
{
	free(dev->priv);
	dev->priv = NULL;
}

/* Field names of the PC16550D data sheet §8.6 (table 9) for the dump. */
static const struct vmb_regfield ier_fields[] = {
	VMB_BIT(0, "ERBFI"), VMB_BIT(1, "ETBEI"), VMB_BIT(2, "ELSI"),
	VMB_BIT(3, "EDSSI"), { NULL },
};
static const char *const iir_ids[8] = {
	[0] = "modem-status", [1] = "THR-empty", [2] = "data-available",
	[3] = "line-status", [6] = "char-timeout",
};
/* Bits 3:1 name the source only while bit 0 (no interrupt) is clear. */
static const struct vmb_regfield iir_fields[] = {
	{ "ID", 1, 3, VMB_FIELD_ALWAYS, iir_ids }, VMB_FIELD(6, 2, "FIFOS"),
	{ NULL },
};
static const struct vmb_regfield iir_idle_fields[] = {
	VMB_BIT(0, "NOINT"), VMB_FIELD(6, 2, "FIFOS"), { NULL },
};
static const char *const rx_trig[4] = { "1", "4", "8", "14" };
static const struct vmb_regfield fcr_fields[] = {
	VMB_BIT(0, "FIFOE"), { "RXTRIG", 6, 2, VMB_FIELD_ALWAYS, rx_trig },
	{ NULL },
};
static const char *const wls[4] = { "5", "6", "7", "8" };
static const struct vmb_regfield lcr_fields[] = {
	{ "WLS", 0, 2, VMB_FIELD_ALWAYS, wls }, VMB_BIT(2, "STB"),
	VMB_BIT(3, "PEN"), VMB_BIT(4, "EPS"), VMB_BIT(5, "SP"),
	VMB_BIT(6, "BC"), VMB_BIT(7, "DLAB"), { NULL },
};
static const struct vmb_regfield mcr_fields[] = {
	VMB_BIT(0, "DTR"), VMB_BIT(1, "RTS"), VMB_BIT(2, "OUT1"),
	VMB_BIT(3, "OUT2"), VMB_BIT(4, "LOOP"), { NULL },
};
static const struct vmb_regfield lsr_fields[] = {
	VMB_BIT(0, "DR"), VMB_BIT(1, "OE"), VMB_BIT(2, "PE"), VMB_BIT(3, "FE"),
	VMB_BIT(4, "BI"), VMB_BIT(5, "THRE"), VMB_BIT(6, "TEMT"),
	VMB_BIT(7, "FIFOERR"), { NULL },
};
static const struct vmb_regfield msr_fields[] = {
	VMB_BIT(0, "DCTS"), VMB_BIT(1, "DDSR"), VMB_BIT(2, "TERI"),
	VMB_BIT(3, "DDCD"), VMB_BIT(4, "CTS"), VMB_BIT(5, "DSR"),
	VMB_BIT(6, "RI"), VMB_BIT(7, "DCD"), { NULL },
};

static void uart_dump(struct vmb_device *dev, FILE *out)
{
	const struct vmb_uart16550 *s = dev->priv;
	uint8_t v = iir(s);

	vmb_regdump(out, "IER", 8, s->ier, ier_fields);
	vmb_regdump(out, "IIR", 8, v, (v & IIR_NO_INT) ? iir_idle_fields : iir_fields);
	vmb_regdump(out, "FCR", 8, s->fcr, fcr_fields);
	vmb_regdump(out, "LCR", 8, s->lcr, lcr_fields);
	vmb_regdump(out, "MCR", 8, s->mcr, mcr_fields);
	vmb_regdump(out, "LSR", 8, lsr(s), lsr_fields);
	vmb_regdump(out, "MSR", 8, s->msr, msr_fields);
	vmb_regdump(out, "SCR", 8, s->scr, NULL);
	vmb_regdump(out, "DLL", 8, s->divisor & 0xff, NULL);
	vmb_regdump(out, "DLM", 8, s->divisor >> 8, NULL);
	/* the PC's 1.8432 MHz crystal: 16 clocks a bit (data sheet §8.5) */
	if (s->divisor)
		vmb_regdump_text(out, "baud rate", "%u (1.8432 MHz / 16 / %u)",
				 115200u / s->divisor, s->divisor);
	vmb_regdump_fifo(out, "RX FIFO", s->fifo, FIFO_DEPTH, s->head, s->count,
			 fifo_depth(s));
	vmb_regdump_text(out, "THR-empty", "%s", s->thr_ipending ?
			 "interrupt pending" : "no interrupt pending");
}

static const struct vmb_prop_desc uart_props[] = {
	{ "console", VMB_PROP_BOOL, "true",
	  "connect to the vmb console (the first UART that asks gets it)", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct vmb_device_type uart16550_type = {
	.name = "uart16550",
	.summary = "16550A UART on 8 I/O ports (TI PC16550D): console I/O, 16-byte "
		   "RX FIFO, RDA/timeout/THRE/line/modem interrupts, loopback",
	.props = uart_props,
	.needs_base = true,
	.default_size = 8,
	.min_irqs = 1,
	.max_irqs = 1,
	.create = uart_create,
	.reset = uart_reset,
	.destroy = uart_destroy,
	.dump = uart_dump,
};

VMB_DEVICE_TYPE(uart16550_type)
