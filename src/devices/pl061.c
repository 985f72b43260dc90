/* SPDX-License-Identifier: MIT */
/*
 * Arm PL061 GPIO controller (PrimeCell GPIO (PL061) Technical Reference
 * Manual, ARM DDI 0190), 8 pins, plus QEMU virt's "gpio-keys" power button
 * node (hw/arm/virt.c create_gpio_keys) when the gpio-keys property is set.
 *
 * Registers (4 KiB page, TRM §3.3; any access width; unlisted or unaligned
 * offsets read as zero and ignore writes):
 *   0x000-0x3FC GPIODATA  address bits [9:2] mask the access: reads return
 *               the masked pin levels, writes change masked output pins
 *   0x400 DIR (1 = output), 0x404 IS (1 = level), 0x408 IBE (both edges),
 *   0x40C IEV (rising/high), 0x410 IE, 0x414 RIS, 0x418 MIS, 0x41C IC (W1C,
 *   edge-detected bits), 0x420 AFSEL (stored, no effect)
 *   0xFE0-0xFFC PeriphID 0x61 0x10 0x04 0x00, PCellID 0x0D 0xF0 0x05 0xB1
 *
 * Pin level = output latch for output pins, the external input (driven by
 * vmb_pl061_set_input, default low) for input pins. The interrupt line
 * (irq[0]) is high while RIS & IE != 0.
 */
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/regdump.h"
#include "devices/pl061.h"
#include "devices/primecell.h"
#include "fdt/fdt.h"

#define GPIO_DIR	0x400
#define GPIO_IS		0x404
#define GPIO_IBE	0x408
#define GPIO_IEV	0x40c
#define GPIO_IE		0x410
#define GPIO_RIS	0x414
#define GPIO_MIS	0x418
#define GPIO_IC		0x41c
#define GPIO_AFSEL	0x420

struct pl061 {
	struct vmb_device *dev;
	const char *clock;
	bool gpio_keys;
	uint8_t data, dir, is, ibe, iev, ie, afsel;
	uint8_t in;        /* external input levels */
	uint8_t pins;      /* levels at the last update (edge detection) */
	uint8_t edge_ris;  /* latched edge-detected status */
};

static const uint8_t pl061_id[8] = { 0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

static uint8_t pin_levels(const struct pl061 *s)
{
	return (uint8_t)((s->data & s->dir) | (s->in & ~s->dir));
}

static uint8_t ris(const struct pl061 *s)
{
	uint8_t p = pin_levels(s);
	uint8_t level = (uint8_t)((p & s->iev) | (~p & ~s->iev));

	return (uint8_t)((s->edge_ris & ~s->is) | (level & s->is));
}

/* Latch edges since the last update, then drive the line. */
static void update(struct pl061 *s)
{
	uint8_t p = pin_levels(s);
	uint8_t changed = p ^ s->pins;
	uint8_t rising = changed & p, falling = changed & ~p;

	s->edge_ris |= (uint8_t)(~s->is & ((changed & s->ibe) |
					   (rising & s->iev & ~s->ibe) |
					   (falling & ~s->iev & ~s->ibe)));
	s->pins = p;
	vmb_dev_set_irq(s->dev, 0, (ris(s) & s->ie) != 0);
}

static uint64_t pl061_read(void *opaque, uint64_t off, unsigned size)
{
	struct pl061 *s = opaque;
	uint32_t v = 0;

	if (off < 0x400) {
		if (!(off & 3))
			v = pin_levels(s) & (off >> 2);
		return v;
	}
	switch (off) {
	case GPIO_DIR:
		v = s->dir;
		break;
	case GPIO_IS:
		v = s->is;
		break;
	case GPIO_IBE:
		v = s->ibe;
		break;
	case GPIO_IEV:
		v = s->iev;
		break;
	case GPIO_IE:
		v = s->ie;
		break;
	case GPIO_RIS:
		v = ris(s);
		break;
	case GPIO_MIS:
		v = ris(s) & s->ie;
		break;
	case GPIO_AFSEL:
		v = s->afsel;
		break;
	default:
		if (!vmb_primecell_id_read(pl061_id, off, &v))
			v = 0;
		break;
	}
	if (size < 4)
		v &= (1u << (size * 8)) - 1;
	return v;
}

static void pl061_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct pl061 *s = opaque;
	uint8_t v = (uint8_t)val;

	if (off & 3)
		return;
	if (off < 0x400) {
		uint8_t mask = (uint8_t)((off >> 2) & s->dir);

		s->data = (uint8_t)((s->data & ~mask) | (v & mask));
		update(s);
		return;
	}
	switch (off) {
	case GPIO_DIR:
		s->dir = v;
		break;
	case GPIO_IS:
		s->is = v;
		break;
	case GPIO_IBE:
		s->ibe = v;
		break;
	case GPIO_IEV:
		s->iev = v;
		break;
	case GPIO_IE:
		s->ie = v;
		break;
	case GPIO_IC:
		s->edge_ris &= (uint8_t)~v;
		break;
	case GPIO_AFSEL:
		s->afsel = v;
		break;
	default:
		return;
	}
	update(s);
}

/* Register names of PL061 TRM §3.2 (traces). GPIODATA spans 0x000-0x3FC:
 * address bits [9:2] mask the pins accessed, so "GPIODATA+0x3fc" is all
 * eight. */
static const struct vmb_reg_name pl061_regs[] = {
	{ 0x000, 0x400, 0, "GPIODATA" },
	{ GPIO_DIR, 4, 0, "GPIODIR" },
	{ GPIO_IS, 4, 0, "GPIOIS" },
	{ GPIO_IBE, 4, 0, "GPIOIBE" },
	{ GPIO_IEV, 4, 0, "GPIOIEV" },
	{ GPIO_IE, 4, 0, "GPIOIE" },
	{ GPIO_RIS, 4, 0, "GPIORIS" },
	{ GPIO_MIS, 4, 0, "GPIOMIS" },
	{ GPIO_IC, 4, 0, "GPIOIC" },
	{ GPIO_AFSEL, 4, 0, "GPIOAFSEL" },
	VMB_PRIMECELL_REG_NAMES,
	{ 0, 0, 0, NULL },
};

static const struct vmb_io_ops pl061_ops = {
	.read = pl061_read,
	.write = pl061_write,
	.regs = pl061_regs,
};

void vmb_pl061_set_input(struct vmb_device *dev, unsigned pin, int level)
{
	struct pl061 *s;

	if (!dev || pin >= 8 || !dev->priv || strcmp(dev->type->name, "pl061"))
		return;
	s = dev->priv;
	vmb_dev_lock(dev);
	if (level)
		s->in |= (uint8_t)(1u << pin);
	else
		s->in &= (uint8_t)~(1u << pin);
	update(s);
	vmb_dev_unlock(dev);
}

void vmb_pl061_power_button(struct vmb_device *dev, bool pressed)
{
	vmb_pl061_set_input(dev, VMB_PL061_POWER_PIN, pressed);
}

static int pl061_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct pl061 *s = vmb_zalloc(sizeof(*s));

	dev->priv = s;
	s->dev = dev;
	s->clock = vmb_dev_prop_str(dev, "clock");
	s->gpio_keys = vmb_dev_prop_bool(dev, "gpio-keys");
	if (vmb_primecell_check_clock(dev, s->clock, err))
		return -1;
	if (!vmb_board_map_mmio(dev->board, dev, dev->name, dev->base, dev->size,
				&pl061_ops, s, NULL, err))
		return -1;
	return 0;
}

/* External inputs keep their levels across a reset (they are wires). */
static void pl061_reset(struct vmb_device *dev)
{
	struct pl061 *s = dev->priv;

	s->data = s->dir = s->is = s->ibe = s->iev = s->ie = s->afsel = 0;
	s->edge_ris = 0;
	s->pins = pin_levels(s);
	update(s);
}

static int gpio_keys_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	uint32_t gpios[3] = { vmb_fdt_phandle(f, dev->name), VMB_PL061_POWER_PIN, 0 };
	int keys, key;

	keys = vmb_fdt_add_node(f, 0, "gpio-keys", VMB_FDT_NO_UNIT, err);
	if (keys < 0 || vmb_fdt_prop_str(f, keys, "compatible", "gpio-keys", err))
		return -1;
	key = vmb_fdt_add_node(f, keys, "poweroff", VMB_FDT_NO_UNIT, err);
	if (key < 0 ||
	    vmb_fdt_prop_str(f, key, "label", "GPIO Key Poweroff", err) ||
	    vmb_fdt_prop_u32(f, key, "linux,code", 116 /* KEY_POWER */, err) ||
	    vmb_fdt_prop_cells(f, key, "gpios", gpios, 3, err))
		return -1;
	return 0;
}

static int pl061_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	static const char *const clock_names[] = { "apb_pclk", NULL };
	struct pl061 *s = dev->priv;
	int node = vmb_primecell_fdt(dev, f, "pl061", "arm,pl061", s->clock,
				     clock_names, err);

	if (node < 0 ||
	    vmb_fdt_prop_u32(f, node, "#gpio-cells", 2, err) ||
	    vmb_fdt_prop_empty(f, node, "gpio-controller", err) ||
	    vmb_fdt_prop_u32(f, node, "phandle", vmb_fdt_phandle(f, dev->name), err))
		return -1;
	return s->gpio_keys ? gpio_keys_fdt(dev, f, err) : 0;
}

static void pl061_destroy(struct vmb_device *dev)
{
	free(dev->priv);
	dev->priv = NULL;
}

/* Dump (PL061 TRM §3.3.1-3.3.10): every register holds one bit per pin. */
static const struct vmb_regfield pin_fields[] = {
	VMB_BIT(0, "pin0"), VMB_BIT(1, "pin1"), VMB_BIT(2, "pin2"),
	VMB_BIT(3, "pin3"), VMB_BIT(4, "pin4"), VMB_BIT(5, "pin5"),
	VMB_BIT(6, "pin6"), VMB_BIT(7, "pin7"), { NULL },
};

static void pl061_dump(struct vmb_device *dev, FILE *out)
{
	const struct pl061 *s = dev->priv;
	const struct { const char *name; uint8_t v; } regs[] = {
		{ "GPIODATA", pin_levels(s) }, { "GPIODIR", s->dir },
		{ "GPIOIS", s->is }, { "GPIOIBE", s->ibe },
		{ "GPIOIEV", s->iev }, { "GPIOIE", s->ie },
		{ "GPIORIS", ris(s) }, { "GPIOMIS", (uint8_t)(ris(s) & s->ie) },
		{ "GPIOAFSEL", s->afsel },
		/* not registers: what drives the input pins, the output latch */
		{ "inputs", s->in }, { "output latch", s->data },
	};

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		vmb_regdump(out, regs[i].name, 8, regs[i].v, pin_fields);
}

static const struct vmb_prop_desc pl061_props[] = {
	{ "clock", VMB_PROP_STR, "apb-pclk", "fixed-clock device feeding PCLK", NULL },
	{ "gpio-keys", VMB_PROP_BOOL, "false",
	  "add QEMU's gpio-keys node: power button (KEY_POWER) on GPIO 3", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct vmb_device_type pl061_type = {
	.name = "pl061",
	.summary = "Arm PL061 GPIO controller (PrimeCell GPIO TRM), 8 pins, "
		   "optional gpio-keys power button",
	.props = pl061_props,
	.needs_base = true,
	.default_size = VMB_PRIMECELL_SIZE,
	.min_irqs = 1,
	.max_irqs = 1,
	.create = pl061_create,
	.reset = pl061_reset,
	.fdt_node = pl061_fdt,
	.destroy = pl061_destroy,
	.dump = pl061_dump,
};

VMB_DEVICE_TYPE(pl061_type)
