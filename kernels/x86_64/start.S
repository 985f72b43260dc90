/* SPDX-License-Identifier: MIT */
/*
 * Entry of the x86_64 test programs, as vmb's x86_64 boot protocol enters
 * them (src/arch/x86_64/boot.c): 64-bit mode, CPL 0, interrupts off, flat
 * segments, the first 4 GiB identity-mapped, RSI = zero page (struct
 * boot_params: command line, e820 map). The program sets its own stack,
 * clears its BSS and calls main(zero_page); main does not return (it stops
 * the machine), but if it did we halt with interrupts off, which vmb also
 * treats as the end of the guest.
 */
	.section .text.start, "ax"
	.code64
	.globl	_start
_start:
	cli
	lea	stack_top(%rip), %rsp
	mov	%rsi, %rbx			/* zero page */
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	xor	%eax, %eax
	rep stosb
	mov	%rbx, %rdi
	call	main
1:	cli
	hlt
	jmp	1b

	.section .bss
	.balign	16
	.space	16384
stack_top:

	.section .note.GNU-stack, "", @progbits
