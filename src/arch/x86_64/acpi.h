/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for x86_64 boards, generated from the board (ACPI 6.4 §5.2):
 * RSDP, XSDT, FADT (hardware-reduced), DSDT, MADT. What firmware would
 * hand the OS on a PC, here for a board without firmware: the vCPUs and
 * the I/O APIC (MADT), the devices that have no other discovery (DSDT:
 * the 16550 UARTs, the i8042, the CMOS clock, the virtio-mmio transports
 * as LNRO0005 as on QEMU's microvm and Firecracker), and, when the board
 * has an "acpi-pm" device, ACPI power-off (\_S5 + the FADT's sleep
 * registers) and reset (RESET_REG).
 */
#ifndef VMB_ARCH_X86_64_ACPI_H
#define VMB_ARCH_X86_64_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "board/board.h"

#define VMB_ACPI_MAX_TABLES 8

struct vmb_acpi {
	uint8_t *buf;      /* RSDP first, then the tables */
	size_t len;
	uint64_t gpa;      /* where buf is meant to sit in the guest */
	unsigned n;
	struct {
		char sig[5];   /* "RSDP", "XSDT", "FACP", "DSDT", "APIC" */
		size_t off, len;
	} table[VMB_ACPI_MAX_TABLES];
};

/*
 * Build the tables for board b as they will sit at guest address gpa
 * (16-byte aligned, the whole set below 4 GiB: the FADT's 32-bit DSDT
 * field and the RSDP scan need it). Returns 0, or -1 with err set (too
 * many vCPUs or devices for the table formats). Free with vmb_acpi_free.
 */
int vmb_acpi_build(const struct vmb_board *b, uint64_t gpa, struct vmb_acpi *t,
		   struct vmb_err *err);
void vmb_acpi_free(struct vmb_acpi *t);

#endif
