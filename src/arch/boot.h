/* SPDX-License-Identifier: MIT */
/*
 * Boot protocols: put firmware, kernel, initrd and device tree into guest
 * memory as the board's "boot:" section asks, and choose the boot vCPU's
 * initial state.
 *
 * arm64 (arch/arm64/boot.c):
 *  - firmware: copied to boot.firmware-address (default 0, flash bank 0);
 *    the generated DTB goes to the start of RAM, as QEMU does for -bios;
 *    PC = firmware address, EL1h, all registers zero.
 *  - kernel: arm64 Image (header per Linux Documentation/arch/arm64/booting.rst)
 *    or raw binary/ELF at an entry point; x0 = DTB address.
 * x86_64 (arch/x86_64/boot.c): bzImage 64-bit entry (Linux
 * Documentation/arch/x86/boot.rst), ELF, raw.
 *
 * Called before the first run and again after every board reset.
 * Returns 0, or -1 with err set (missing/malformed image, no room).
 */
#ifndef VMB_ARCH_BOOT_H
#define VMB_ARCH_BOOT_H

#include "board/board.h"
#include "hv/hv.h"

/* Dispatches on b->arch (arch/boot.c). */
int vmb_boot_prepare(struct vmb_board *b, struct vmb_boot_state *st,
		     struct vmb_err *err);

int vmb_boot_prepare_arm64(struct vmb_board *b, struct vmb_boot_state *st,
			   struct vmb_err *err);
int vmb_boot_prepare_x86_64(struct vmb_board *b, struct vmb_boot_state *st,
			    struct vmb_err *err);

#endif
