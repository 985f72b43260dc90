/* SPDX-License-Identifier: MIT */
/*
 * i8042 keyboard controller, reduced to what PC guests need from it on a
 * VM without keyboard or mouse: the controller's own commands and its
 * reset line (IBM PC AT Technical Reference, "Keyboard Controller";
 * command set as QEMU 7.2's hw/input/pckbd.c implements it; Firecracker's
 * i8042 uses the reset line the same way to stop the VM).
 *
 * Ports: data at base (0x60), status/command at base + 4 (0x64); one byte
 * wide (wider accesses use the low byte). Nothing is attached to the
 * keyboard or aux port: bytes sent to them are dropped, so a guest driver
 * probing for a keyboard times out and finds none.
 *
 * Status (read 0x64): OBF (bit 0) while a response waits in the output
 * buffer, SYS (bit 2) after a self test, A2 (bit 3) if the last write went
 * to 0x64, bit 4 (keyboard not inhibited) always, AUXB (bit 5) if the
 * output byte came from the aux port; the input buffer is never full.
 * Commands (write 0x64): 0x20 read the command byte (CTR); 0x60 write CTR
 * (next data byte); 0xa7/0xa8 disable/enable aux; 0xa9/0xab test aux/kbd
 * port (0x00 = OK); 0xaa self test (0x55); 0xad/0xae disable/enable kbd;
 * 0xc0 read input port (0x00); 0xd0 read output port; 0xd1 write output
 * port (next data byte; bit 0 = 0 asserts reset); 0xd2/0xd3 write the kbd
 * / aux output buffer (next data byte comes back as if received); 0xd4
 * send to the aux device (dropped); 0xf0-0xff pulse the output port bits
 * whose mask bit is 0 — 0xfe pulses bit 0, the CPU reset line. Others are
 * ignored.
 *
 * Reset line: what a reset does is the "reset-action" property: "exit"
 * (default, as Firecracker) stops vmb with exit status 0; "reboot" resets
 * the machine and boots again. Interrupts: irq[0] (keyboard, ISA 1) while
 * a kbd byte is in the output buffer and CTR bit 0 is set; irq[1] (aux,
 * ISA 12) likewise with CTR bit 1. Both optional.
 */
#include <stdlib.h>
#include <string.h>

#include "board/regdump.h"
#include "board/board.h"

#define ST_OBF  0x01
#define ST_SYS  0x04
#define ST_A2   0x08
#define ST_INH  0x10 /* keyboard not inhibited */
#define ST_AUXB 0x20

#define CTR_KBDINT 0x01
#define CTR_AUXINT 0x02
#define CTR_SYS    0x04
#define CTR_KBDDIS 0x10
#define CTR_AUXDIS 0x20
#define CTR_XLATE  0x40

#define OUT_RESET  0x01 /* 0 = reset asserted */
#define OUT_A20    0x02

struct i8042 {
	struct vmb_device *dev;
	bool reboot;         /* reset-action: reboot */
	uint8_t status;      /* SYS, A2 */
	uint8_t ctr;
	uint8_t outport;
	uint8_t obuf;
	bool obf, obf_aux;
	uint8_t pending_cmd; /* command waiting for its data byte, or 0 */
};

static void update_irq(struct i8042 *s)
{
	vmb_dev_set_irq(s->dev, 0, s->obf && !s->obf_aux && (s->ctr & CTR_KBDINT));
	vmb_dev_set_irq(s->dev, 1, s->obf && s->obf_aux && (s->ctr & CTR_AUXINT));
}

static void respond(struct i8042 *s, uint8_t v, bool aux)
{
	s->obuf = v;
	s->obf = true;
	s->obf_aux = aux;
}

static void reset_line(struct i8042 *s)
{
	if (s->reboot)
		vmb_board_request_stop(s->dev->board, VMB_STOP_RESET, "guest reset "
				       "through the i8042 (reset-action: reboot)");
	else
		vmb_board_request_stop(s->dev->board, VMB_STOP_POWEROFF, "guest reset "
				       "through the i8042 (reset-action: exit)");
}

static void command(struct i8042 *s, uint8_t cmd)
{
	switch (cmd) {
	case 0x20:
		respond(s, s->ctr, false);
		break;
	case 0x60:
	case 0xd1:
	case 0xd2:
	case 0xd3:
	case 0xd4:
		s->pending_cmd = cmd;
		break;
	case 0xa7:
		s->ctr |= CTR_AUXDIS;
		break;
	case 0xa8:
		s->ctr &= (uint8_t)~CTR_AUXDIS;
		break;
	case 0xa9:
	case 0xab:
		respond(s, 0x00, false);
		break;
	case 0xaa:
		s->status |= ST_SYS;
		respond(s, 0x55, false);
		break;
	case 0xad:
		s->ctr |= CTR_KBDDIS;
		break;
	case 0xae:
		s->ctr &= (uint8_t)~CTR_KBDDIS;
		break;
	case 0xc0:
		respond(s, 0x00, false);
		break;
	case 0xd0:
		respond(s, s->outport, false);
		break;
	default:
		/* 0xf0-0xff: pulse the output bits whose mask bit is 0. */
		if (cmd >= 0xf0 && !(cmd & OUT_RESET))
			reset_line(s);
		break;
	}
}

static void data(struct i8042 *s, uint8_t v)
{
	uint8_t cmd = s->pending_cmd;

	s->pending_cmd = 0;
	switch (cmd) {
	case 0x60:
		s->ctr = v;
		if (v & CTR_SYS)
			s->status |= ST_SYS;
		else
			s->status &= (uint8_t)~ST_SYS;
		break;
	case 0xd1:
		s->outport = v;
		if (!(v & OUT_RESET))
			reset_line(s);
		break;
	case 0xd2:
		respond(s, v, false);
		break;
	case 0xd3:
		respond(s, v, true);
		break;
	default:
		break; /* 0xd4 and keyboard bytes: nothing is attached */
	}
}

static uint64_t data_read(void *opaque, uint64_t off, unsigned size)
{
	struct i8042 *s = opaque;
	uint8_t v = s->obuf;

	s->obf = false;
	update_irq(s);
	return v;
}

static void data_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct i8042 *s = opaque;

	s->status &= (uint8_t)~ST_A2;
	data(s, (uint8_t)val);
	update_irq(s);
}

static uint64_t cmd_read(void *opaque, uint64_t off, unsigned size)
{
	struct i8042 *s = opaque;

	return (uint8_t)(s->status | ST_INH | (s->obf ? ST_OBF : 0) |
			 (s->obf && s->obf_aux ? ST_AUXB : 0));
}

static void cmd_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct i8042 *s = opaque;

	s->status |= ST_A2;
	s->pending_cmd = 0;
	command(s, (uint8_t)val);
	update_irq(s);
}

static const struct vmb_io_ops data_ops = { .read = data_read, .write = data_write };
static const struct vmb_io_ops cmd_ops = { .read = cmd_read, .write = cmd_write };

static int i8042_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct i8042 *s = vmb_zalloc(sizeof(*s));
	char name[80];

	dev->priv = s;
	s->dev = dev;
	s->reboot = !strcmp(vmb_dev_prop_str(dev, "reset-action"), "reboot");
	snprintf(name, sizeof(name), "%s-data", dev->name);
	if (!vmb_board_map_pio(dev->board, dev, name, dev->base, 1, &data_ops, s, err))
		return -1;
	snprintf(name, sizeof(name), "%s-cmd", dev->name);
	if (!vmb_board_map_pio(dev->board, dev, name, dev->base + 4, 1, &cmd_ops, s,
			       err))
		return -1;
	return 0;
}

static void i8042_reset(struct vmb_device *dev)
{
	struct i8042 *s = dev->priv;

	s->status = 0;
	/* What a PC BIOS leaves: kbd interrupt on, translation on, aux off. */
	s->ctr = CTR_KBDINT | CTR_SYS | CTR_XLATE | CTR_AUXDIS;
	s->status |= ST_SYS;
	s->outport = OUT_RESET | OUT_A20;
	s->obf = s->obf_aux = false;
	s->pending_cmd = 0;
	update_irq(s);
}

static void i8042_destroy(struct vmb_device *dev)
{
	free(dev->priv);
	dev->priv = NULL;
}

/* Dump: the status register as a read of 0x64 returns it (cmd_read has
 * no side effects), the command byte (CTR) and output port (IBM PC AT
 * Technical Reference, "Keyboard Controller"). */
static const struct vmb_regfield status_fields[] = {
	VMB_BIT(0, "OBF"), VMB_BIT(1, "IBF"), VMB_BIT(2, "SYS"), VMB_BIT(3, "A2"),
	VMB_BIT(4, "INH"), VMB_BIT(5, "AUXB"), VMB_BIT(6, "TIMEOUT"),
	VMB_BIT(7, "PARITY"), { NULL },
};
static const struct vmb_regfield ctr_fields[] = {
	VMB_BIT(0, "KBDINT"), VMB_BIT(1, "AUXINT"), VMB_BIT(2, "SYS"),
	VMB_BIT(4, "KBDDIS"), VMB_BIT(5, "AUXDIS"), VMB_BIT(6, "XLATE"),
	{ NULL },
};
static const struct vmb_regfield outport_fields[] = {
	VMB_BIT(0, "RESET#"), VMB_BIT(1, "A20"), { NULL },
};

static void i8042_dump(struct vmb_device *dev, FILE *out)
{
	struct i8042 *s = dev->priv;

	vmb_regdump(out, "status", 8, cmd_read(s, 4, 1), status_fields);
	vmb_regdump(out, "CTR", 8, s->ctr, ctr_fields);
	vmb_regdump(out, "output port", 8, s->outport, outport_fields);
	if (s->obf)
		vmb_regdump_text(out, "output buffer", "0x%02x (from the %s)",
				 s->obuf, s->obf_aux ? "aux port" : "keyboard");
	else
		vmb_regdump_text(out, "output buffer", "empty");
	if (s->pending_cmd)
		vmb_regdump_text(out, "command", "0x%02x waits for its data byte",
				 s->pending_cmd);
}

static const char *const reset_actions[] = { "exit", "reboot", NULL };

static const struct vmb_prop_desc i8042_props[] = {
	{ "reset-action", VMB_PROP_ENUM, "exit",
	  "what the CPU reset line (0xfe to port 0x64) does: exit vmb (status 0) "
	  "or reboot the machine", reset_actions },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct vmb_device_type i8042_type = {
	.name = "i8042",
	.summary = "i8042 keyboard controller without devices: controller "
		   "commands and the reset line (0xfe to port 0x64)",
	.props = i8042_props,
	.needs_base = true,
	.default_size = 5,
	.min_irqs = 0,
	.max_irqs = 2,
	.create = i8042_create,
	.reset = i8042_reset,
	.destroy = i8042_destroy,
	.dump = i8042_dump,
};

VMB_DEVICE_TYPE(i8042_type)
