/* SPDX-License-Identifier: MIT */
/*
 * Register layout of the "acpi-pm" device (acpi-pm.c), shared with the
 * ACPI table builder (arch/x86_64/acpi.c), which points the FADT at these
 * registers and puts the matching \_S5 package in the DSDT.
 */
#ifndef VMB_DEVICES_ACPI_PM_H
#define VMB_DEVICES_ACPI_PM_H

#define VMB_ACPI_PM_SLEEP_CTL   0     /* port offset: sleep control */
#define VMB_ACPI_PM_SLEEP_STS   1     /* port offset: sleep status */
#define VMB_ACPI_PM_RESET       2     /* port offset: reset register */
#define VMB_ACPI_PM_SIZE        3
/* ACPI 6.4 §4.8.3.7: SLP_TYPx in bits 4:2, SLP_EN bit 5; WAK_STS bit 7. */
#define VMB_ACPI_SLP_TYP_SHIFT  2
#define VMB_ACPI_SLP_TYP_MASK   0x1c
#define VMB_ACPI_SLP_EN         0x20
#define VMB_ACPI_WAK_STS        0x80
#define VMB_ACPI_SLP_TYP_S5     5     /* the \_S5 package's SLP_TYPa */
#define VMB_ACPI_RESET_VALUE    0x01  /* the FADT's RESET_VALUE */

#endif
