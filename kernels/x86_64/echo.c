/* SPDX-License-Identifier: MIT */
/*
 * echo: interrupt-driven console input through the whole PC interrupt
 * path: COM1 receive interrupt -> ISA IRQ 4 -> I/O APIC pin 4 -> local
 * APIC -> IDT vector 0x24. The handler echoes what it reads; 'q' ends the
 * program, which then prints how many interrupts it took and resets
 * through the i8042.
 *
 * Set-up (Intel SDM vol. 3A §6.14 for the 64-bit IDT, 82093AA I/O APIC
 * data sheet §3.2.4 for the redirection table, §10.4-10.8 of the SDM for
 * the local APIC): the 8259 PICs are masked, the local APIC is enabled
 * through its spurious-vector register, pin 4 is routed to vector 0x24 on
 * APIC 0 (fixed, physical, active high, edge), the UART gets IER.RDI and
 * MCR.OUT2.
 */
#include "lib.h"

#define VECTOR      0x24
#define LAPIC       0xfee00000ull
#define LAPIC_TPR   0x080
#define LAPIC_EOI   0x0b0
#define LAPIC_SVR   0x0f0
#define IOAPIC      0xfec00000ull

struct idt_entry {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));
static volatile unsigned irqs, done;

void irq_handler(void);
void irq_entry(void);
void main(const uint8_t *zp);

__asm__(".text\n"
	".globl irq_entry\n"
	"irq_entry:\n"
	"	push %rax\n push %rcx\n push %rdx\n push %rsi\n push %rdi\n"
	"	push %r8\n push %r9\n push %r10\n push %r11\n"
	"	call irq_handler\n"
	"	pop %r11\n pop %r10\n pop %r9\n pop %r8\n"
	"	pop %rdi\n pop %rsi\n pop %rdx\n pop %rcx\n pop %rax\n"
	"	iretq\n");

static void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(IOAPIC, reg);
	mmio_write32(IOAPIC + 0x10, v);
}

void irq_handler(void)
{
	irqs++;
	while (inb(COM1 + 5) & 0x01) { /* LSR.DR */
		char c = (char)inb(COM1);

		if (c == 'q')
			done = 1;
		else if (c != '\r' && c != '\n')
			putc(c);
	}
	mmio_write32(LAPIC + LAPIC_EOI, 0);
}

void main(const uint8_t *zp)
{
	uint64_t h = (uint64_t)(uintptr_t)irq_entry;
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (uint64_t)(uintptr_t)idt
	};

	(void)zp;
	idt[VECTOR].off0 = (uint16_t)h;
	idt[VECTOR].sel = 0x10;
	idt[VECTOR].type = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
	idt[VECTOR].off1 = (uint16_t)(h >> 16);
	idt[VECTOR].off2 = (uint32_t)(h >> 32);
	__asm__ volatile("lidt %0" : : "m"(idtr));

	outb(0x21, 0xff); /* mask both 8259s */
	outb(0xa1, 0xff);
	mmio_write32(LAPIC + LAPIC_TPR, 0);
	mmio_write32(LAPIC + LAPIC_SVR, 0x1ff); /* enable, spurious vector 0xff */
	ioapic_write(0x10 + 2 * 4 + 1, 0);      /* destination APIC 0 */
	ioapic_write(0x10 + 2 * 4, VECTOR);     /* fixed, edge, high, unmasked */

	outb(COM1 + 4, 0x0b); /* MCR: DTR, RTS, OUT2 */
	outb(COM1 + 1, 0x01); /* IER: received data available */
	puts("echo: type, 'q' quits");
	print("echo: ");
	while (!done)
		__asm__ volatile("sti; hlt; cli");
	puts("");
	print("echo: ");
	print_dec(irqs);
	puts(" interrupts");
	i8042_reset();
}
