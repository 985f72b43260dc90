/* SPDX-License-Identifier: MIT */
/*
 * fault: makes the VMM report a guest fault (vmb exits with status 2 and a
 * crash report). By default it runs POPCNT, which kvm_pvm's instruction
 * emulator cannot execute (KVM_EXIT_INTERNAL_ERROR, emulation failure);
 * where the instruction runs (hardware KVM) it goes on to UD2, which with
 * no IDT escalates to a triple fault (KVM_EXIT_SHUTDOWN). With "ud2" on
 * the command line it goes straight to UD2.
 */
#include "lib.h"

void main(const uint8_t *zp);

void main(const uint8_t *zp)
{
	if (!cmdline_has(zp, "ud2")) {
		uint64_t v = 0xf0f0;

		puts("fault: popcnt");
		__asm__ volatile("popcnt %0, %0" : "+r"(v));
		print("fault: popcnt ran: ");
		print_dec(v);
		puts("");
	}
	puts("fault: ud2");
	__asm__ volatile("ud2");
	halt();
}
