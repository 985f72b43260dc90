/* SPDX-License-Identifier: MIT */
/*
 * Named register dumps (board/regdump.h, the devices' dump hooks, gdb
 * "monitor device NAME"): each device is programmed through guest MMIO
 * writes on a board built from YAML, then its dump must name the registers
 * with the values written, and dumping twice must give the same text and
 * leave the device as it was (a dump never goes through the read path).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

#include "board/board.h"
#include "board/console.h"
#include "board/regdump.h"
#include "util/statebuf.h"
#include "debug/gdb-monitor.h"
#include "devices/pl061.h"
#include "devices/virtio-mmio.h"
#include "hv/hv.h"

#include "fixture.h"
#include "vdriver.h"

static struct vmb_device *find_dev(struct tb *t, const char *name)
{
	for (unsigned i = 0; i < t->b->ndev; i++)
		if (!strcmp(t->b->dev[i]->name, name))
			return t->b->dev[i];
	fail_msg("no device %s", name);
	return NULL;
}

/* The dump of device name; a second dump must read the same. free() it. */
static char *dump(struct tb *t, const char *name)
{
	struct vmb_device *d = find_dev(t, name);
	char *text[2];
	size_t len;

	for (int i = 0; i < 2; i++) {
		FILE *f = open_memstream(&text[i], &len);

		assert_non_null(f);
		assert_true(vmb_dev_dump(d, f));
		fclose(f);
	}
	assert_string_equal(text[0], text[1]);
	free(text[1]);
	if (getenv("REGDUMP_SHOW")) /* to read them while changing a dump */
		fprintf(stderr, "--- %s\n%s", name, text[0]);
	return text[0];
}

/* Fail unless one line of text holds every NULL-terminated substring. */
static void assert_line(const char *text, ...)
{
	const char *line = text;

	while (*line) {
		size_t n = strcspn(line, "\n");
		char *l = strndup(line, n);
		const char *sub;
		bool all = true;
		va_list ap;

		va_start(ap, text);
		while ((sub = va_arg(ap, const char *)))
			if (!strstr(l, sub))
				all = false;
		va_end(ap);
		free(l);
		if (all)
			return;
		line += n + (line[n] == '\n');
	}
	{
		va_list ap;
		const char *sub;

		va_start(ap, text);
		while ((sub = va_arg(ap, const char *)))
			print_error("wanted on one line: '%s'\n", sub);
		va_end(ap);
	}
	fail_msg("in:\n%s", text);
}

#define LINE(text, ...) assert_line((text), __VA_ARGS__, (const char *)NULL)

static void test_format(void **state)
{
	static const char *const mode[] = { "off", "on", NULL, NULL };
	static const struct vmb_regfield fields[] = {
		VMB_BIT(0, "EN"), VMB_BIT(3, "GO"),
		{ "MODE", 4, 2, VMB_FIELD_ALWAYS, mode },
		VMB_FIELD(8, 4, "LEN"), { NULL },
	};
	static const uint32_t map[2] = { 0x0000006e, 0x80000001 };
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	vmb_regdump(f, "CTRL", 16, 0x0319, fields);
	vmb_regdump(f, "ZERO", 8, 0, fields);
	vmb_regdump(f, "MORE", 32, 0x10000020, fields);
	vmb_regdump(f, "RAW", 32, 0xabc, NULL);
	vmb_regdump_bitmap(f, "SET", map, 64, 32);
	vmb_regdump_bitmap(f, "EMPTY", map, 1, 0);
	vmb_regdump_text(f, "TEXT", "%d bytes", 3);
	fclose(f);
	LINE(buf, "CTRL ", "0x0319  (EN GO MODE=on LEN=3)");
	LINE(buf, "ZERO ", "0x00  (MODE=off)");
	LINE(buf, "MORE ", "0x10000020  (MODE=2 +0x10000000)");
	LINE(buf, "RAW ", "0x00000abc");
	LINE(buf, "SET ", " 33-35 37 38 64 95");
	LINE(buf, "EMPTY ", " none");
	LINE(buf, "TEXT ", "3 bytes");
	free(buf);
}

static const char arm_yaml[] =
	"arch: arm64\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
	"devices:\n"
	"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000}\n"
	"  - {name: apb-pclk, type: fixed-clock, frequency: 24000000}\n"
	"  - {name: uart0, type: pl011, base: 0x09000000, irq: 1}\n"
	"  - {name: rtc, type: pl031, base: 0x09010000, irq: 2}\n"
	"  - {name: gpio, type: pl061, base: 0x09030000, irq: 7}\n";

#define UART 0x09000000

static void test_pl011(void **state)
{
	struct tb t;
	char *d;

	tb_dir(&t);
	t.con = vmb_console_memory();
	assert_int_equal(tb_board(&t, arm_yaml), 0);
	tb_wr(&t, UART + 0x24, 4, 13);			/* IBRD */
	tb_wr(&t, UART + 0x2c, 4, 0x70);		/* LCR_H: FEN, 8 bits */
	tb_wr(&t, UART + 0x30, 4, 0x301);		/* CR */
	tb_wr(&t, UART + 0x38, 4, 0x50);		/* IMSC: RX RT */
	vmb_console_inject(t.con, "ab", 2);
	d = dump(&t, "uart0");
	LINE(d, "UARTCR ", "0x0301", "(UARTEN TXE RXE)");
	LINE(d, "UARTIBRD ", "0x000d");
	LINE(d, "UARTLCR_H ", "0x70", "FEN WLEN=8");
	LINE(d, "UARTIMSC ", "0x0050", "(RX RT)");
	LINE(d, "UARTRIS ", "RT");
	LINE(d, "UARTMIS ", "RT");
	LINE(d, "UARTFR ", "TXFE");
	LINE(d, "UARTIFLS ", "RXIFLSEL=1/2");
	LINE(d, "RX FIFO", "2 of 16 bytes: 61 62");
	free(d);
	/* the dump took nothing from the FIFO */
	assert_int_equal(tb_rd(&t, UART + 0x00, 4), 'a');
	assert_int_equal(tb_rd(&t, UART + 0x00, 4), 'b');
	d = dump(&t, "uart0");
	LINE(d, "RX FIFO", "0 of 16 bytes");
	free(d);
	tb_free(&t);
}

#define RTC 0x09010000
#define GPIO 0x09030000

static void test_pl031(void **state)
{
	struct tb t;
	char *d;
	uint32_t dr;

	assert_int_equal(tb_make(&t, arm_yaml), 0);
	tb_wr(&t, RTC + 0x08, 4, 0x12345678);		/* RTCLR */
	dr = (uint32_t)tb_rd(&t, RTC + 0x00, 4);
	tb_wr(&t, RTC + 0x04, 4, dr + 1000);		/* RTCMR, 1000 s ahead */
	tb_wr(&t, RTC + 0x10, 4, 1);			/* RTCIMSC */
	d = dump(&t, "rtc");
	LINE(d, "RTCLR ", "0x12345678");
	LINE(d, "RTCMR ", "0x12345");
	LINE(d, "RTCDR ", "0x12345", "UTC");
	LINE(d, "RTCCR ", "(RTCSTART)");
	LINE(d, "RTCIMSC ", "0x00000001  (RTCINTR)");
	LINE(d, "RTCRIS ", "0x00000000");
	LINE(d, "alarm ", "RTCDR reaches RTCMR in");
	free(d);
	tb_free(&t);
}

static void test_pl061(void **state)
{
	struct tb t;
	char *d;

	assert_int_equal(tb_make(&t, arm_yaml), 0);
	tb_wr(&t, GPIO + 0x400, 4, 0x0c);		/* DIR: pins 2, 3 out */
	tb_wr(&t, GPIO + 0x3fc, 4, 0x04);		/* DATA: pin 2 high */
	tb_wr(&t, GPIO + 0x410, 4, 0x01);		/* IE: pin 0 */
	tb_wr(&t, GPIO + 0x40c, 4, 0x01);		/* IEV: rising */
	vmb_pl061_set_input(find_dev(&t, "gpio"), 0, 1);
	d = dump(&t, "gpio");
	LINE(d, "GPIODIR ", "0x0c  (pin2 pin3)");
	LINE(d, "GPIODATA ", "0x05  (pin0 pin2)");
	LINE(d, "GPIOIE ", "0x01  (pin0)");
	LINE(d, "GPIOIEV ", "0x01  (pin0)");
	LINE(d, "GPIORIS ", "(pin0)");
	LINE(d, "GPIOMIS ", "(pin0)");
	LINE(d, "inputs ", "(pin0)");
	free(d);
	/* the edge is still latched: the dump cleared nothing */
	assert_int_equal(tb_rd(&t, GPIO + 0x418, 4), 0x01);
	tb_free(&t);
}

static const char pc_yaml[] =
	"arch: x86_64\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0, size: 16M}\n"
	"devices:\n"
	"  - {name: com1, type: uart16550, base: 0x3f8, irq: 4}\n"
	"  - {name: rtc, type: cmos-rtc, base: 0x70, size: 2}\n"
	"  - {name: kbc, type: i8042, base: 0x60, size: 5}\n";

static void pio_wr(struct tb *t, uint64_t port, uint8_t v)
{
	assert_int_equal(vmb_board_pio_write(t->b, port, 1, v), 0);
}

static uint8_t pio_rd(struct tb *t, uint64_t port)
{
	uint64_t v = 0;

	assert_int_equal(vmb_board_pio_read(t->b, port, 1, &v), 0);
	return (uint8_t)v;
}

static void test_uart16550(void **state)
{
	struct tb t;
	char *d;

	tb_dir(&t);
	t.con = vmb_console_memory();
	assert_int_equal(tb_board(&t, pc_yaml), 0);
	pio_wr(&t, 0x3fb, 0x83);		/* LCR: DLAB, 8 bits */
	pio_wr(&t, 0x3f8, 0x01);		/* DLL: 115200 baud */
	pio_wr(&t, 0x3f9, 0x00);		/* DLM */
	pio_wr(&t, 0x3fb, 0x03);		/* LCR: 8N1 */
	pio_wr(&t, 0x3fa, 0xc1);		/* FCR: FIFO, trigger 14 */
	pio_wr(&t, 0x3fc, 0x0b);		/* MCR: DTR RTS OUT2 */
	pio_wr(&t, 0x3f9, 0x01);		/* IER: ERBFI */
	pio_wr(&t, 0x3ff, 0x5a);		/* SCR */
	vmb_console_inject(t.con, "xyz", 3);
	d = dump(&t, "com1");
	LINE(d, "IER ", "0x01  (ERBFI)");
	LINE(d, "IIR ", "0xcc", "ID=char-timeout");
	LINE(d, "FCR ", "(FIFOE RXTRIG=14)");
	LINE(d, "LCR ", "0x03  (WLS=8)");
	LINE(d, "MCR ", "0x0b  (DTR RTS OUT2)");
	LINE(d, "LSR ", "(DR THRE TEMT)");
	LINE(d, "MSR ", "CTS DSR DCD");
	LINE(d, "SCR ", "0x5a");
	LINE(d, "DLL ", "0x01");
	LINE(d, "DLM ", "0x00");
	LINE(d, "baud rate", "115200");
	LINE(d, "RX FIFO", "3 of 16 bytes: 78 79 7a");
	free(d);
	assert_int_equal(pio_rd(&t, 0x3f8), 'x');
	tb_free(&t);
}

static void test_cmos_i8042(void **state)
{
	struct tb t;
	char *d;

	assert_int_equal(tb_make(&t, pc_yaml), 0);
	pio_wr(&t, 0x70, 0x0b);
	pio_wr(&t, 0x71, 0x06);			/* register B: DM, 24h */
	pio_wr(&t, 0x70, 0x20);
	pio_wr(&t, 0x71, 0xab);			/* NVRAM 0x20 */
	pio_wr(&t, 0x70, 0x8a);			/* register A, NMI masked */
	d = dump(&t, "rtc");
	LINE(d, "index ", "0x0a  (NMI masked)");
	LINE(d, "register B ", "0x06  (DM 24/12)");
	LINE(d, "register A ", "0x26  (DV=32.768kHz RS=6)");
	LINE(d, "register D ", "(VRT)");
	LINE(d, "NVRAM 0x20 ", "ab 00");
	LINE(d, "guest time ", "UTC");
	free(d);
	pio_wr(&t, 0x64, 0x60);			/* write CTR */
	pio_wr(&t, 0x60, 0x47);
	pio_wr(&t, 0x64, 0xaa);			/* self test: 0x55 waits */
	d = dump(&t, "kbc");
	LINE(d, "CTR ", "0x47  (KBDINT AUXINT SYS XLATE)");
	LINE(d, "status ", "(OBF SYS A2 INH)");
	LINE(d, "output buffer ", "0x55 (from the keyboard)");
	free(d);
	assert_int_equal(pio_rd(&t, 0x60), 0x55);
	tb_free(&t);
}

static void test_flash(void **state)
{
	static const char yaml[] =
		"arch: arm64\n"
		"memory:\n"
		"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
		"devices:\n"
		"  - {name: flash, type: cfi-flash, base: 0, size: 4M, banks: 2,\n"
		"     bank-width: 4, device-width: 2}\n";
	struct tb t;
	char *d;

	assert_int_equal(tb_make(&t, yaml), 0);
	tb_wr(&t, 0x200000, 4, 0x00980098);	/* bank 1: CFI query */
	tb_wr(&t, 0, 4, 0x00200020);		/* bank 0: erase setup */
	tb_wr(&t, 0, 4, 0x00330033);		/* not a confirm: sequence error */
	d = dump(&t, "flash");
	LINE(d, "geometry ", "2 bank(s) of 0x200000 bytes", "x16 chips");
	LINE(d, "bank0 mode ", "read-status");
	LINE(d, "bank0 status ", "0xb0  (WSMS ECLBS PSLBS)");
	LINE(d, "bank1 mode ", "cfi-query, command 0x98");
	LINE(d, "bank1 status ", "0x80  (WSMS)");
	free(d);
	/* status still reads with its error bits */
	assert_int_equal(tb_rd(&t, 0, 4) & 0xff, 0xb0);
	tb_free(&t);
}

static void test_fw_cfg(void **state)
{
	static const char yaml[] =
		"arch: arm64\n"
		"memory:\n"
		"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
		"devices:\n"
		"  - name: fw-cfg\n"
		"    type: fw-cfg-mmio\n"
		"    base: 0x09020000\n"
		"    files:\n"
		"      - {name: opt/hello, string: hello}\n";
	struct tb t;
	char *d;

	assert_int_equal(tb_make(&t, yaml), 0);
	tb_wr(&t, 0x09020008, 2, 0x2000);	/* select 0x0020, big-endian */
	tb_rd(&t, 0x09020000, 2);		/* two bytes read */
	d = dump(&t, "fw-cfg");
	LINE(d, "selector ", "0x0020  (opt/hello)");
	LINE(d, "data offset ", "2 of 5 bytes");
	LINE(d, "files ", "1 (keys 0x0020-0x0020)");
	free(d);
	tb_wr(&t, 0x09020008, 2, 0x0100);	/* FW_CFG_ID */
	d = dump(&t, "fw-cfg");
	LINE(d, "selector ", "0x0001  (FW_CFG_ID)");
	free(d);
	tb_free(&t);
}

static int fake_irq_attach(void *opaque, struct vmb_irq_line *l)
{
	return -1;
}

/* A stand-in in-kernel distributor: SPI 1 (INTID 33) and 7 enabled, 7
 * pending, none active; or EBUSY, as KVM answers while a vCPU runs. */
static bool fake_busy;

static int fake_dist_read(void *opaque, uint32_t off, uint32_t *val)
{
	(void)opaque;
	if (fake_busy) {
		errno = EBUSY;
		return -1;
	}
	*val = off == 0x104 ? 1u << 1 | 1u << 7 : off == 0x204 ? 1u << 7 : 0;
	return 0;
}

static void test_gic_v2(void **state)
{
	struct tb t;
	char *d;

	assert_int_equal(tb_make(&t, arm_yaml), 0);
	tb_wr(&t, 0x08000000, 4, 1);		/* GICD_CTLR */
	tb_wr(&t, 0x08010000, 4, 1);		/* GICC_CTLR */
	tb_wr(&t, 0x08010004, 4, 0xf0);		/* GICC_PMR */
	vmb_dev_set_irq(find_dev(&t, "gpio"), 0, 1);	/* SPI 7 high */
	d = dump(&t, "gic");
	LINE(d, "GICD_CTLR ", "0x00000001  (Enable)");
	LINE(d, "GICD_TYPER ", "ITLinesNumber=8");
	LINE(d, "GICC_CTLR ", "(Enable)");
	LINE(d, "GICC_PMR ", "0xf0");
	LINE(d, "GICC_BPR ", "0x02");
	LINE(d, "SPI INTIDs wired ", " 33 34 39");
	LINE(d, "SPI lines high ", " 39");
	LINE(d, "SPI state ", "not kept");
	assert_null(strstr(d, "in-kernel"));
	free(d);
	/* a backend with kernel irqfds (KVM) serves the GIC itself */
	t.b->hv.irq_attach = fake_irq_attach;
	d = dump(&t, "gic");
	LINE(d, "in-kernel GIC serves these frames");
	LINE(d, "SPI state ", "not kept");
	free(d);
	/* ... and can read its SPI state (KVM's vGIC): the kernel's bits */
	t.b->hv.irqchip_dist_read = fake_dist_read;
	d = dump(&t, "gic");
	LINE(d, "in-kernel GIC serves these frames", "the kernel's");
	LINE(d, "SPI enabled ", " 33 39");
	LINE(d, "SPI pending ", " 39");
	LINE(d, "SPI active ", " none");
	assert_null(strstr(d, "not kept"));
	free(d);
	fake_busy = true;
	d = dump(&t, "gic");
	LINE(d, "SPI state ", "not readable from the in-kernel GIC: a vCPU is running");
	assert_null(strstr(d, "SPI enabled"));
	free(d);
	fake_busy = false;
	t.b->hv.irqchip_dist_read = NULL;
	t.b->hv.irq_attach = NULL;
	tb_free(&t);
}

static void test_gic_v3(void **state)
{
	static const char yaml[] =
		"arch: arm64\n"
		"cpus: {count: 2}\n"
		"memory:\n"
		"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
		"devices:\n"
		"  - {name: gic, type: gic-v3, base: 0x08000000,\n"
		"     redist-base: 0x080a0000, its-base: 0x08080000}\n";
	struct tb t;
	char *d;

	assert_int_equal(tb_make(&t, yaml), 0);
	tb_wr(&t, 0x08000000, 4, 2);		/* GICD_CTLR.EnableGrp1 */
	tb_wr(&t, 0x080a0000 + 0x20000 + 0x14, 4, 0);	/* cpu1 awake */
	d = dump(&t, "gic");
	LINE(d, "GICD_CTLR ", "(EnableGrp1 ARE DS)");
	LINE(d, "GICD_TYPER ", "LPIS IDbits=15");
	LINE(d, "GICR_TYPER(cpu0) ", "Processor_Number=0");
	LINE(d, "GICR_TYPER(cpu1) ", "Last Processor_Number=1");
	LINE(d, "GICR_WAKER(cpu0) ", "(ProcessorSleep ChildrenAsleep)");
	LINE(d, "GICR_WAKER(cpu1) ", "0x00000000");
	LINE(d, "GITS_CTLR ", "(Quiescent)");
	LINE(d, "SPI lines high ", " none");
	free(d);
	tb_free(&t);
}

static const char virtio_yaml[] =
	"arch: arm64\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
	"devices:\n"
	"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000}\n"
	"  - {name: virtio, type: virtio-mmio, base: 0x0a000000, count: 2,\n"
	"     stride: 0x200, irq: 16, trigger: edge}\n"
	"  - {name: rng0, type: virtio-rng}\n"
	"  - {name: disk, type: virtio-blk, file: disk.img}\n"
	"  - {name: con, type: virtio-console, base: 0x0a001000, irq: 20}\n";

static void test_virtio_mmio(void **state)
{
	struct vmb_device *rng, *slot = NULL;
	const struct vmb_device *irq_dev;
	uint64_t base, size;
	struct vdrv v;
	struct tb t;
	char *d, want[96];

	static uint8_t disk[64 * 1024];

	tb_dir(&t);
	tb_file(&t, "disk.img", disk, sizeof(disk));
	if (tb_board(&t, virtio_yaml))
		fail_msg("%s", t.err.msg);
	rng = find_dev(&t, "rng0");
	assert_int_equal(vmb_virtio_mmio_where(rng, &base, &size, &irq_dev), 0);
	for (unsigned i = 0; i < t.b->ndev; i++)
		if (t.b->dev[i]->base == base && t.b->dev[i] != rng)
			slot = t.b->dev[i];
	assert_non_null(slot);
	d = dump(&t, "rng0");
	LINE(d, "Status ", "0x00");
	LINE(d, "DeviceID ", "4  (entropy source)");
	free(d);
	vd_init(&v, &t, base, 0x40100000, 1, 0);
	tb_wr(&t, base + VD_DEV_FEAT_SEL, 4, 1);
	tb_wr(&t, base + VD_QUEUE_SEL, 4, 0);
	d = dump(&t, "rng0");
	LINE(d, "MagicValue ", "0x74726976");
	LINE(d, "Status ", "0x0f  (ACKNOWLEDGE DRIVER DRIVER_OK FEATURES_OK)");
	LINE(d, "DeviceFeaturesSel ", "0x00000001");
	LINE(d, "DeviceFeatures ", "0x00000001");
	LINE(d, "accepted ", "(VERSION_1)");
	LINE(d, "InterruptStatus ", "0x00000000");
	LINE(d, "QueueSel ", "0  (QueueNumMax");
	snprintf(want, sizeof(want), "QueueNum 8, QueueReady 1, QueueDesc 0x%llx",
		 (unsigned long long)vd_area(&v, 0, 0));
	LINE(d, "queue 0 ", want);
	LINE(d, "next avail 0, used idx 0");
	free(d);
	/* the slot shows the same transport, naming the device in it */
	d = dump(&t, slot->name);
	LINE(d, "device ", "rng0 (virtio-rng)");
	LINE(d, "Status ", "DRIVER_OK");
	free(d);
	/* the device-type configuration space, by field name */
	d = dump(&t, "disk");
	LINE(d, "DeviceID ", "2  (block device)");
	LINE(d, "offered ", "(SEG_MAX BLK_SIZE FLUSH DISCARD WRITE_ZEROES "
	     "INDIRECT_DESC EVENT_IDX VERSION_1)");
	LINE(d, "config.capacity ", "0x0000000000000080");
	LINE(d, "config.blk_size ", "0x00000200");
	free(d);
	d = dump(&t, "con");
	LINE(d, "DeviceID ", "3  (console)");
	LINE(d, "offered ", "(EMERG_WRITE VERSION_1)");
	LINE(d, "config.max_nr_ports ", "0x00000001");
	free(d);
	tb_free(&t);
}

/* A type with snapshot state and no named dump, for the fallback. */
static int hex_create(struct vmb_device *dev, struct vmb_err *err)
{
	return 0;
}

static void hex_save(struct vmb_device *dev, struct vmb_state_writer *out)
{
	vmb_state_put_u32(out, 0xcafe0123);
}

static const struct vmb_device_type hex_type = {
	.name = "test-hex-state",
	.summary = "test: snapshot state, no register dump",
	.create = hex_create,
	.save = hex_save,
	.state_version = 1,
};

VMB_DEVICE_TYPE(hex_type)

/* "monitor device": the named dump after the header; the hex fallback
 * for a model without one says so, as does a model with no state. */
static void test_monitor_device(void **state)
{
	struct vmb_hv_ops ops = { .name = "test" };
	struct vmb_vm vm = { .ops = &ops };
	struct tb t;
	char *buf;
	size_t len;
	FILE *f;

	assert_int_equal(tb_make(&t, arm_yaml), 0);
	vm.board = t.b;
	tb_wr(&t, UART + 0x30, 4, 0x301);
	f = open_memstream(&buf, &len);
	vmb_gdb_monitor(&vm, true, "device uart0", f);
	vmb_gdb_monitor(&vm, true, "device nosuch", f);
	fclose(f);
	LINE(buf, "uart0: pl011 at 0x9000000, 0x1000 bytes");
	LINE(buf, "UARTCR ", "0x0301", "(UARTEN TXE RXE)");
	LINE(buf, "no device 'nosuch'", "NAME one of: gic apb-pclk uart0 rtc gpio");
	free(buf);
	tb_free(&t);

	assert_int_equal(tb_make(&t, "arch: x86_64\n"
		"memory:\n  - {name: ram, type: ram, base: 0, size: 16M}\n"
		"devices:\n"
		"  - {name: pm, type: acpi-pm, base: 0x600}\n"
		"  - {name: hex, type: test-hex-state}\n"), 0);
	vm.board = t.b;
	f = open_memstream(&buf, &len);
	vmb_gdb_monitor(&vm, true, "device hex", f);
	vmb_gdb_monitor(&vm, true, "device pm", f);
	fclose(f);
	LINE(buf, "the test-hex-state model has no named register dump",
	     "4 bytes");
	LINE(buf, "23 01 fe ca");
	LINE(buf, "the acpi-pm model keeps no register state");
	free(buf);
	tb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_pl011),
		cmocka_unit_test(test_pl031),
		cmocka_unit_test(test_pl061),
		cmocka_unit_test(test_uart16550),
		cmocka_unit_test(test_cmos_i8042),
		cmocka_unit_test(test_flash),
		cmocka_unit_test(test_fw_cfg),
		cmocka_unit_test(test_gic_v2),
		cmocka_unit_test(test_gic_v3),
		cmocka_unit_test(test_virtio_mmio),
		cmocka_unit_test(test_monitor_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
