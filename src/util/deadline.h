/* SPDX-License-Identifier: MIT */
/*
 * Absolute deadlines for the timed waits (pthread_cond_timedwait,
 * sem_timedwait), which take a CLOCK_REALTIME time, not an interval.
 */
#ifndef VMB_UTIL_DEADLINE_H
#define VMB_UTIL_DEADLINE_H

#include <time.h>

/* CLOCK_REALTIME now plus ms milliseconds (ms < 1000), normalised. */
static inline struct timespec vmb_deadline_ms(unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)ms * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

#endif
