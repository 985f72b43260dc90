/* SPDX-License-Identifier: MIT */
/*
 * Bare-metal arm64 "hostile guest" for the virt board (machines/virt.yaml,
 * QEMU virt's memory map): pokes every device the way a buggy or malicious
 * guest would and checks that documented device behaviour survives.
 * tests/integration/hostile-arm64.sh runs it (under ASan in check-asan);
 * the VMM must neither crash nor hang, and the guest prints
 * "hostile: PASS" when every check held.
 *
 * Driven by a table of regions (base, size, how much of it to walk):
 *  - every 4-byte register offset of the walked span at widths 1, 2, 4, 8,
 *    aligned and unaligned (offsets +1, +2, +3), each read, then written
 *    with 0, ~0 and a pseudo-random pattern, never past the region's end
 *    (the emu backend stops on an access no region owns: on real hardware
 *    that is an external abort the guest would take, which Unicorn cannot
 *    deliver, so the table keeps to owned addresses);
 *  - 8-byte accesses that cross a page inside a region (GIC distributor,
 *    ECAM) and the boundary between the two flash banks;
 *  - CFI flash command sequences (read ID, CFI query, status, program,
 *    erase, bad sequences) on both banks;
 *  - fw_cfg DMA descriptors aimed at RAM, MMIO, flash, past the end of RAM
 *    and straddling it, and a descriptor that is itself not in RAM. The
 *    DMA address register is left out of the random storm: a random
 *    descriptor address inside this program would let the device overwrite
 *    its code, which tests nothing about the VMM.
 * Checks before and after the storm: PL011 PeriphID/PCellID (PL011 TRM
 * 3.3.14-3.3.15), ECAM reads with no device behind them all ones (PCI
 * Express Base 5.0 §7.2.2 / QEMU virt), fw_cfg signature "QEMU" and DMA
 * signature "QEMU CFG" (QEMU docs/specs/fw_cfg.rst), flash ID 0x89/0x18
 * and CFI "QRY", DMA control words (0 on success, bit 0 on a bad address).
 *
 * Built like hello (freestanding, no FP/SIMD); the accesses are single
 * instructions written in inline assembly, so their width and alignment
 * are exactly those in the table whatever the compiler does.
 */
#include <stdbool.h>
#include <stdint.h>

#define UART       0x09000000ull
#define RTC        0x09010000ull
#define FW_CFG     0x09020000ull
#define GIC_DIST   0x08000000ull
#define GIC_CPU    0x08010000ull
#define GIC_V2M    0x08020000ull
#define VIRTIO     0x0a000000ull
#define ECAM       0x4010000000ull
#define FLASH0     0x00000000ull
#define FLASH1     0x04000000ull
#define BANK_SIZE  0x04000000ull
#define RAM_BASE   0x40000000ull
#define RAM_SIZE   0x08000000ull

#define PSCI_SYSTEM_OFF 0x84000008u

/* ---- single accesses ------------------------------------------------------ */

static uint64_t rd(uint64_t a, unsigned w)
{
	uint64_t v = 0;

	switch (w) {
	case 1: __asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(a) : "memory"); break;
	case 2: __asm__ volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(a) : "memory"); break;
	case 4: __asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory"); break;
	default: __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(a) : "memory"); break;
	}
	return v;
}

static void wr(uint64_t a, unsigned w, uint64_t v)
{
	switch (w) {
	case 1: __asm__ volatile("strb %w0, [%1]" : : "r"(v), "r"(a) : "memory"); break;
	case 2: __asm__ volatile("strh %w0, [%1]" : : "r"(v), "r"(a) : "memory"); break;
	case 4: __asm__ volatile("str %w0, [%1]" : : "r"(v), "r"(a) : "memory"); break;
	default: __asm__ volatile("str %0, [%1]" : : "r"(v), "r"(a) : "memory"); break;
	}
}

/* ---- console, power ---------------------------------------------------- */

static void uart_init(void)
{
	wr(UART + 0x30, 4, 0);          /* CR: off while reprogramming */
	wr(UART + 0x2c, 4, 0x70);       /* LCR_H: 8N1, FIFOs on */
	wr(UART + 0x30, 4, 0x301);      /* CR: UARTEN | TXE | RXE */
}

static void putc_uart(char c)
{
	while (rd(UART + 0x18, 4) & (1u << 5))  /* FR.TXFF */
		;
	wr(UART, 4, (uint8_t)c);
}

static void puts_uart(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc_uart('\r');
		putc_uart(*s);
	}
}

static void puthex(uint64_t v)
{
	puts_uart("0x");
	for (int i = 60; i >= 0; i -= 4)
		putc_uart("0123456789abcdef"[(v >> i) & 0xf]);
}

static void putdec(uint64_t v)
{
	char buf[21];
	int i = 20;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_uart(buf + i);
}

static void psci_off(void)
{
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;

	__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
}

/* ---- checks ------------------------------------------------------------ */

static unsigned checks, failures;
static uint64_t accesses;

static void check(const char *what, uint64_t got, uint64_t want)
{
	checks++;
	if (got == want)
		return;
	failures++;
	uart_init();
	puts_uart("hostile: FAIL ");
	puts_uart(what);
	puts_uart(": got ");
	puthex(got);
	puts_uart(", expected ");
	puthex(want);
	puts_uart("\n");
}

static uint64_t bswap64(uint64_t v)
{
	return __builtin_bswap64(v);
}

static uint32_t bswap32(uint32_t v)
{
	return __builtin_bswap32(v);
}

/* Big-endian 16-bit selector write, then the item's first four bytes. */
static uint32_t fw_cfg_read32(uint16_t key)
{
	wr(FW_CFG + 8, 2, (uint16_t)((key >> 8) | (key << 8)));
	return (uint32_t)rd(FW_CFG, 4);
}

/* Flash command in every chip lane of a 4-byte bank (two x16 chips). */
static void flash_cmd(uint64_t bank, uint64_t off, uint32_t cmd)
{
	wr(bank + off, 4, cmd | cmd << 16);
}

static void check_devices(const char *when)
{
	static const uint8_t pl011_id[8] = { 0x11, 0x10, 0x14, 0x00,
					     0x0d, 0xf0, 0x05, 0xb1 };

	(void)when;
	for (unsigned i = 0; i < 8; i++)
		check("PL011 PeriphID/PCellID", rd(UART + 0xfe0 + 4 * i, 4), pl011_id[i]);
	check("ECAM vendor ID, bus 0", rd(ECAM, 4), 0xffffffffu);
	check("ECAM 8-byte read, bus 255", rd(ECAM + 0x0ff00000 + 0x18, 8), ~0ull);
	check("ECAM byte read", rd(ECAM + 0x100003, 1), 0xff);
	/* "QEMU" in memory order: a little-endian load sees 'Q' low. */
	check("fw_cfg signature", fw_cfg_read32(0x0000), 0x554d4551u);
	check("fw_cfg DMA signature", rd(FW_CFG + 0x10, 8), bswap64(0x51454d5520434647ull));
	for (unsigned b = 0; b < 2; b++) {
		uint64_t bank = b ? FLASH1 : FLASH0;

		/* Whatever state the storm left: a write-to-buffer may wait
		 * for up to 0x10000 data writes (the count is a chip's 16-bit
		 * lane, not limited to the buffer: QEMU's pflash accepts it
		 * too), so write 0xff until any sequence is over (data away
		 * from the buffer window: a program error, then the confirm
		 * cycle sees 0xff: read array), then clear status. */
		for (unsigned i = 0; i < 0x10004; i++)
			flash_cmd(bank, 0x100000, 0xff);
		flash_cmd(bank, 0, 0x50);
		flash_cmd(bank, 0, 0xff);
		flash_cmd(bank, 0, 0x90);
		check("flash manufacturer ID", rd(bank, 4), 0x00890089u);
		check("flash device ID", rd(bank + 4, 4), 0x00180018u);
		flash_cmd(bank, 0, 0x98);
		check("CFI 'Q'", rd(bank + 0x10 * 4, 4), 0x00510051u);
		check("CFI 'R'", rd(bank + 0x11 * 4, 4), 0x00520052u);
		check("CFI 'Y'", rd(bank + 0x12 * 4, 4), 0x00590059u);
		flash_cmd(bank, 0, 0xff);
	}
}

/* ---- the storm ---------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct span {
	const char *name;
	uint64_t base;   /* first byte walked */
	uint64_t walk;   /* bytes walked */
	uint64_t end;    /* end of the region: no access goes past it */
	uint64_t skip_lo, skip_hi; /* [lo, hi) not written (DMA register) */
};

static const struct span spans[] = {
	{ "flash bank 0", FLASH0, 0x100, FLASH0 + BANK_SIZE, 0, 0 },
	{ "flash bank 1 end", FLASH1 + BANK_SIZE - 0x100, 0x100, FLASH1 + BANK_SIZE, 0, 0 },
	{ "GIC distributor", GIC_DIST, 0x1000, GIC_DIST + 0x10000, 0, 0 },
	{ "GIC distributor ID", GIC_DIST + 0xff00, 0x100, GIC_DIST + 0x10000, 0, 0 },
	{ "GIC CPU interface", GIC_CPU, 0x1000, GIC_CPU + 0x10000, 0, 0 },
	{ "GICv2m", GIC_V2M, 0x1000, GIC_V2M + 0x1000, 0, 0 },
	{ "PL011", UART, 0x1000, UART + 0x1000, 0, 0 },
	{ "PL031", RTC, 0x1000, RTC + 0x1000, 0, 0 },
	{ "fw_cfg", FW_CFG, 0x18, FW_CFG + 0x18, FW_CFG + 0x10, FW_CFG + 0x18 },
	{ "virtio-mmio 0", VIRTIO, 0x200, VIRTIO + 0x200, 0, 0 },
	{ "virtio-mmio 7", VIRTIO + 7 * 0x200, 0x200, VIRTIO + 8 * 0x200, 0, 0 },
	{ "virtio-mmio 31", VIRTIO + 31 * 0x200, 0x200, VIRTIO + 32 * 0x200, 0, 0 },
	{ "ECAM bus 0", ECAM, 0x1000, ECAM + 0x10000000, 0, 0 },
	{ "ECAM last page", ECAM + 0x10000000 - 0x1000, 0x1000, ECAM + 0x10000000, 0, 0 },
};

static void poke(const struct span *s, uint64_t a, unsigned w)
{
	uint64_t pattern[3] = { 0, ~0ull, next_random() };

	if (a + w > s->end)
		return;
	rd(a, w);
	accesses++;
	if (a + w > s->skip_lo && a < s->skip_hi)
		return;
	for (unsigned p = 0; p < 3; p++) {
		wr(a, w, pattern[p]);
		accesses++;
	}
}

static void storm(void)
{
	for (unsigned i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		const struct span *s = &spans[i];

		for (uint64_t off = 0; off < s->walk; off += 4) {
			for (unsigned w = 1; w <= 8; w *= 2)
				poke(s, s->base + off, w);
			for (unsigned u = 1; u < 4; u++)
				for (unsigned w = 2; w <= 8; w *= 2)
					poke(s, s->base + off + u, w);
		}
	}
	/* Across a page inside one region, and across the two flash banks. */
	for (unsigned u = 0; u < 8; u++) {
		poke(&spans[2], GIC_DIST + 0x1000 - 8 + u, 8);
		poke(&spans[12], ECAM + 0x1000 - 8 + u, 8);
		check("ECAM read across a page", rd(ECAM + 0x2000 - 8 + u, 8), ~0ull);
		accesses++;
		{
			static const struct span banks = { "flash banks", FLASH0,
				0, FLASH1 + BANK_SIZE, 0, 0 };

			poke(&banks, FLASH1 - 8 + u, 8);
		}
	}
}

/* ---- flash command sequences --------------------------------------------- */

static void flash_sequences(void)
{
	for (unsigned b = 0; b < 2; b++) {
		uint64_t bank = b ? FLASH1 : FLASH0;
		uint64_t blk = bank + 0x40000;  /* second 256 KiB block */

		flash_cmd(bank, 0, 0x50);       /* clear status */
		flash_cmd(bank, 0, 0xff);
		/* erase, program, read back */
		flash_cmd(blk, 0, 0x20);
		flash_cmd(blk, 0, 0xd0);
		check("flash erase status", rd(blk, 4) & 0x00800080u, 0x00800080u);
		flash_cmd(blk, 0, 0xff);
		check("flash erased", rd(blk + 0x100, 4), 0xffffffffu);
		flash_cmd(blk, 0, 0x40);
		wr(blk + 0x100, 4, 0x12345678);
		flash_cmd(blk, 0, 0xff);
		check("flash programmed", rd(blk + 0x100, 4), 0x12345678);
		/* a bad second cycle: sequence error in the status */
		flash_cmd(blk, 0, 0x20);
		flash_cmd(blk, 0, 0x42);
		check("flash sequence error", rd(blk, 4) & 0x00300030u, 0x00300030u);
		flash_cmd(blk, 0, 0x50);
		flash_cmd(blk, 0, 0xff);
		/* write to buffer with a count past the buffer, odd widths */
		flash_cmd(blk, 0, 0xe8);
		wr(blk, 4, 0xffffffffu);
		for (unsigned i = 0; i < 64; i++)
			wr(blk + 0x7f0 + i * 4, 4, i);
		flash_cmd(blk, 0, 0xd0);
		wr(blk + 1, 1, 0x90);
		wr(blk + 2, 2, 0x98);
		wr(blk + 4, 8, 0x00ff00ff00ff00ffull);
		flash_cmd(blk, 0, 0x50);
		flash_cmd(blk, 0, 0xff);
		check("flash back in read-array", rd(blk + 0x100, 4) != 0, 1);
	}
}

/* ---- fw_cfg DMA ------------------------------------------------------- */

struct dma_desc {
	uint32_t control, length;
	uint64_t address;
};

static struct dma_desc desc __attribute__((aligned(16)));
static uint8_t dma_buf[64] __attribute__((aligned(16)));

/* Run one descriptor at gpa; returns the control word written back. */
static uint32_t dma(uint64_t desc_gpa, uint16_t key, uint32_t ctl, uint32_t len,
		    uint64_t addr)
{
	struct dma_desc *d = (struct dma_desc *)desc_gpa;

	if (desc_gpa == (uint64_t)&desc) {
		d->control = bswap32((uint32_t)key << 16 | ctl);
		d->length = bswap32(len);
		d->address = bswap64(addr);
	}
	__asm__ volatile("dsb sy" : : : "memory");
	wr(FW_CFG + 0x10, 8, bswap64(desc_gpa));
	accesses++;
	__asm__ volatile("dsb sy" : : : "memory");
	return bswap32(*(volatile uint32_t *)&d->control);
}

static void dma_descriptors(void)
{
	uint64_t dg = (uint64_t)&desc;
	uint32_t sig;

	check("DMA read into RAM", dma(dg, 0x0000, 0x08 | 0x02, 4, (uint64_t)dma_buf), 0);
	sig = (uint32_t)dma_buf[0] | (uint32_t)dma_buf[1] << 8 |
	      (uint32_t)dma_buf[2] << 16 | (uint32_t)dma_buf[3] << 24;
	check("DMA read data", sig, 0x554d4551u);
	check("DMA aimed at the UART", dma(dg, 0x0019, 0x0a, 64, UART) & 1, 1);
	check("DMA aimed at the GIC", dma(dg, 0x0019, 0x0a, 64, GIC_DIST) & 1, 1);
	check("DMA aimed at flash", dma(dg, 0x0019, 0x0a, 64, FLASH0) & 1, 1);
	check("DMA past RAM", dma(dg, 0x0019, 0x0a, 64, RAM_BASE + RAM_SIZE) & 1, 1);
	check("DMA straddling the end of RAM",
	      dma(dg, 0x0019, 0x0a, 64, RAM_BASE + RAM_SIZE - 16) & 1, 1);
	check("DMA at the top of the address space",
	      dma(dg, 0x0019, 0x0a, 64, 0xfffffffffffffff0ull) & 1, 1);
	check("DMA huge length", dma(dg, 0x0019, 0x0a, 0xffffffffu, (uint64_t)dma_buf) & 1, 1);
	check("DMA write (no item writable)", dma(dg, 0x0000, 0x08 | 0x10, 4,
						  (uint64_t)dma_buf) & 1, 1);
	check("DMA skip then read", dma(dg, 0x0000, 0x08 | 0x04, 2, 0), 0);
	check("DMA control 0 (no operation)", dma(dg, 0x0000, 0, 4, (uint64_t)dma_buf), 0);
	/* Descriptors that are not in RAM are ignored: no crash, no write. */
	wr(FW_CFG + 0x10, 8, bswap64(UART));
	wr(FW_CFG + 0x10, 8, bswap64(FLASH0));
	wr(FW_CFG + 0x10, 8, bswap64(RAM_BASE + RAM_SIZE - 8));
	wr(FW_CFG + 0x10, 8, bswap64(~0ull));
	/* The two halves separately, as 4-byte writes. */
	wr(FW_CFG + 0x10, 4, 0);
	wr(FW_CFG + 0x14, 4, bswap32((uint32_t)UART));
	accesses += 6;
}

void hostile_main(void);

void hostile_main(void)
{
	uart_init();
	puts_uart("hostile: start\n");
	check_devices("before");
	storm();
	uart_init();
	puts_uart("hostile: storm done\n");
	flash_sequences();
	dma_descriptors();
	check_devices("after");
	uart_init();
	puts_uart("hostile: ");
	putdec(accesses);
	puts_uart(" accesses, ");
	putdec(checks);
	puts_uart(" checks, ");
	putdec(failures);
	puts_uart(" failed\n");
	puts_uart(failures ? "hostile: FAIL\n" : "hostile: PASS\n");
	psci_off();
}
