/* SPDX-License-Identifier: MIT */
/*
 * halt: says so, then HLT with interrupts disabled. Nothing can wake the
 * vCPU, so vmb powers the machine off (exit status 0).
 */
#include "lib.h"

void main(const uint8_t *zp);

void main(const uint8_t *zp)
{
	(void)zp;
	puts("halt: cli; hlt");
	halt();
}
