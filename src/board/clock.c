/* SPDX-License-Identifier: MIT */
/* Guest wall-clock time; see clock.h. */
#include <time.h>

#include "board/board.h"
#include "board/clock.h"

uint64_t vmb_host_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t vmb_board_elapsed_ns(struct vmb_board *b)
{
	if (b->hv.clock_ns)
		return b->hv.clock_ns(b->hv.opaque);
	return vmb_host_monotonic_ns() - b->created_ns;
}

int64_t vmb_board_time(struct vmb_board *b)
{
	struct timespec ts;

	if (b->spec && b->spec->det.enabled)
		return b->spec->det.rtc_start +
		       (int64_t)(vmb_board_elapsed_ns(b) / 1000000000ull);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}
