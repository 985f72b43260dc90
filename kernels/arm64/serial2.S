/* SPDX-License-Identifier: MIT */
/*
 * serial2: a bare-metal arm64 program for two PL011 UARTs, for the serial
 * backend tests (tests/integration/serial.sh). UART0 at 0x09000000 (virt's)
 * and UART1 at 0x09040000 (virt's secure UART address, given to the guest
 * by the test's machine file). It prints a line on each, echoes what comes
 * in on UART1 back to UART1 until a newline, says goodbye there and powers
 * off with PSCI SYSTEM_OFF (HVC). Position-independent; MMU off; polls
 * FR.RXFE (bit 4) for input, as U-Boot does.
 */
	.section .text.start, "ax"
	.globl _start
_start:
	movz	x19, #0x0900, lsl #16		/* UART0 */
	movz	x20, #0x0904, lsl #16		/* UART1 */
	mov	x0, x19
	adr	x1, msg0
	bl	puts
	mov	x0, x20
	adr	x1, msg1
	bl	puts
1:	ldr	w2, [x20, #0x18]		/* FR */
	tbnz	w2, #4, 1b			/* RXFE: nothing yet */
	ldr	w2, [x20]			/* DR */
	and	w2, w2, #0xff
	str	w2, [x20]			/* echo */
	cmp	w2, #'\n'
	b.eq	2f
	cmp	w2, #'\r'
	b.ne	1b
2:	mov	x0, x20
	adr	x1, bye
	bl	puts
	movz	w0, #0x8400, lsl #16		/* PSCI SYSTEM_OFF */
	add	w0, w0, #8
	hvc	#0
3:	wfi
	b	3b

/* puts(x0 = UART base, x1 = NUL-terminated string) */
puts:
	ldrb	w2, [x1], #1
	cbz	w2, 4f
	str	w2, [x0]
	b	puts
4:	ret

msg0:	.asciz	"serial2: hello on uart0\n"
msg1:	.asciz	"serial2: hello on uart1\n"
bye:	.asciz	"\nserial2: bye on uart1\n"
