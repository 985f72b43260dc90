/* SPDX-License-Identifier: MIT */
/*
 * Entry of the bare-metal arm64 hello program.
 *
 * Entered as Linux's booting.rst enters a kernel: MMU off, x0 = physical
 * address of the device tree. Everything here is PC-relative (adr), so the
 * image runs wherever it is loaded (4 KiB aligned, because the C code's
 * adrp is page-relative): the same bytes run on boards with different
 * memory maps.
 */
#ifndef ENTRY_MAIN
#define ENTRY_MAIN hello_main	/* hostile.bin: -DENTRY_MAIN=hostile_main */
#endif
	.section .text.start, "ax"
	.globl	_start
_start:
	mov	x19, x0			/* device tree */
	adr	x20, _start		/* where we were loaded */
	adr	x1, stack_top
	mov	sp, x1
	/* BSS is not in a raw binary: clear it ourselves. */
	adr	x1, __bss_start
	adr	x2, __bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	mov	x0, x19
	mov	x1, x20
	bl	ENTRY_MAIN
	/* ENTRY_MAIN only returns when it could not power off: trap, so
	 * the VMM reports a guest fault instead of spinning. */
	udf	#0

	.section .bss.stack, "aw", %nobits
	.balign	16
	.space	16384
stack_top:
