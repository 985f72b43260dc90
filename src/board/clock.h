/* SPDX-License-Identifier: MIT */
/*
 * Guest wall-clock time for RTC devices (pl031, cmos-rtc).
 *
 * Normally the host's CLOCK_REALTIME. When the machine is deterministic
 * ("determinism:"), the clock starts at determinism.rtc-start when the
 * board is created and advances with the backend's virtual clock when it
 * has one (emu: guest progress, see hv/emu.c), else with the host's
 * CLOCK_MONOTONIC (KVM: the start is fixed, the rate is wall time).
 */
#ifndef VMB_BOARD_CLOCK_H
#define VMB_BOARD_CLOCK_H

#include <stdint.h>

struct vmb_board;

/* Guest wall-clock time in Unix seconds. Any thread. */
int64_t vmb_board_time(struct vmb_board *b);

/* Nanoseconds of guest time since the board was created: the backend's
 * virtual clock (board hv.clock_ns) or host CLOCK_MONOTONIC. */
uint64_t vmb_board_elapsed_ns(struct vmb_board *b);

/* Host CLOCK_MONOTONIC in nanoseconds. */
uint64_t vmb_host_monotonic_ns(void);

#endif
