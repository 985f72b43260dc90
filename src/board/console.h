/* SPDX-License-Identifier: MIT */
/*
 * The guest console on the host's stdio.
 *
 * Output: bytes from the console UART go to stdout unbuffered.
 * Input: a thread reads stdin into a ring buffer; the UART model pulls bytes
 * with vmb_console_getc() and is told of new input through its notify
 * callback, called on the input thread with no lock held: the UART takes
 * its device lock (vmb_dev_lock) before touching its state.
 *
 * If stdin is a terminal it is put in raw mode and restored on every exit
 * path (normal exit, vmb_die, fatal signals). Escape sequences, as in QEMU:
 * Ctrl-A x quit, Ctrl-A h help, Ctrl-A Ctrl-A sends one Ctrl-A.
 * When stdin reaches EOF, input simply stops (the guest keeps running).
 */
#ifndef VMB_BOARD_CONSOLE_H
#define VMB_BOARD_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

struct vmb_board;

struct vmb_console;

/* Create the stdio console. raw: put a terminal stdin in raw mode. */
struct vmb_console *vmb_console_stdio(bool raw);
/* Start the input thread, which delivers input to the claimant. */
void vmb_console_start(struct vmb_console *c, struct vmb_board *b);
void vmb_console_destroy(struct vmb_console *c);

/* For a UART model: claim the console (first claimant wins; returns false if
 * taken) and register the input notifier. */
bool vmb_console_claim(struct vmb_console *c, void (*notify)(void *opaque),
		       void *opaque);
/* Guest output (may block briefly on a slow terminal). */
void vmb_console_write(struct vmb_console *c, const void *buf, size_t n);
/* Next input byte, or -1 if none is waiting. */
int vmb_console_getc(struct vmb_console *c);
/* Bytes waiting. */
size_t vmb_console_pending(struct vmb_console *c);

/* In-memory console for tests: output is collected, input is injected. */
struct vmb_console *vmb_console_memory(void);
void vmb_console_inject(struct vmb_console *c, const void *buf, size_t n);
/* Output collected so far (NUL-terminated); *len set if len != NULL. */
const char *vmb_console_output(struct vmb_console *c, size_t *len);

/* Restore the terminal (idempotent; safe from signal handlers and atexit). */
void vmb_console_restore_tty(void);

#endif
