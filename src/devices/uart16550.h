/* SPDX-License-Identifier: MIT */
/*
 * 16550A UART register model (uart16550.c), exposed so that tests can drive
 * it without a board: registers are numbered 0..7 as in the data sheet.
 */
#ifndef VMB_DEVICES_UART16550_H
#define VMB_DEVICES_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#include "board/irq.h"

struct vmb_console;
struct vmb_device;

struct vmb_uart16550 {
	struct vmb_device *dev;   /* NULL in tests: no interrupt line */
	struct vmb_console *con;  /* claimed console, or NULL */
	uint8_t fifo[16];
	uint8_t head, count;
	uint8_t ier, lcr, mcr, fcr, lsr, msr, scr;
	uint16_t divisor;
	bool thr_ipending;        /* THR-empty interrupt pending */
	struct vmb_irq_line *irq; /* dev's irq[0], or own (no board) */
	struct vmb_irq_line own;
};

/* Set up s; claims con (may be NULL) for console I/O. Leaves reset state.
 * Without dev the interrupt line is s->own, a line on no board whose
 * level tests read with vmb_irq_level(s->irq). */
void vmb_uart16550_init(struct vmb_uart16550 *s, struct vmb_device *dev,
			struct vmb_console *con);
void vmb_uart16550_reset(struct vmb_uart16550 *s);
/* Register access, reg 0..7 (DLAB selects DLL/DLM at 0/1). */
uint8_t vmb_uart16550_read(struct vmb_uart16550 *s, unsigned reg);
void vmb_uart16550_write(struct vmb_uart16550 *s, unsigned reg, uint8_t v);

#endif
