/* SPDX-License-Identifier: MIT */
/*
 * PSCI function IDs and return codes (Arm Power State Coordination
 * Interface, DEN0022D, §5; SMC Calling Convention DEN0028 function ID
 * layout: 0x84... SMC32, 0xC4... SMC64), for the psci device and for
 * backends that handle PSCI themselves (KVM does, in the kernel).
 */
#ifndef VMB_DEVICES_PSCI_H
#define VMB_DEVICES_PSCI_H

#include "board/board.h"

#define VMB_PSCI_VERSION		0x84000000u
#define VMB_PSCI_CPU_SUSPEND		0x84000001u
#define VMB_PSCI_CPU_SUSPEND64		0xc4000001u
#define VMB_PSCI_CPU_OFF		0x84000002u
#define VMB_PSCI_CPU_ON			0x84000003u
#define VMB_PSCI_CPU_ON64		0xc4000003u
#define VMB_PSCI_AFFINITY_INFO		0x84000004u
#define VMB_PSCI_AFFINITY_INFO64	0xc4000004u
#define VMB_PSCI_MIGRATE		0x84000005u
#define VMB_PSCI_MIGRATE64		0xc4000005u
#define VMB_PSCI_MIGRATE_INFO_TYPE	0x84000006u
#define VMB_PSCI_MIGRATE_INFO_UP_CPU	0x84000007u
#define VMB_PSCI_SYSTEM_OFF		0x84000008u
#define VMB_PSCI_SYSTEM_RESET		0x84000009u
#define VMB_PSCI_FEATURES		0x8400000au

/* PSCI 1.0 as answered by PSCI_VERSION: major 1, minor 0. */
#define VMB_PSCI_VERSION_1_0		0x10000u

/* Return codes (sign-extended into x0). */
#define VMB_PSCI_RET_SUCCESS		0
#define VMB_PSCI_RET_NOT_SUPPORTED	(-1)
#define VMB_PSCI_RET_INVALID_PARAMS	(-2)
#define VMB_PSCI_RET_DENIED		(-3)
#define VMB_PSCI_RET_ALREADY_ON		(-4)

/* AFFINITY_INFO results. */
#define VMB_PSCI_AFFINITY_ON		0
#define VMB_PSCI_AFFINITY_OFF		1

/* The conduit the board's psci device declares in the DT: "hvc" or "smc",
 * or NULL if the board has no psci device. */
const char *vmb_psci_method(const struct vmb_board *b);

#endif
