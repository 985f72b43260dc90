/* SPDX-License-Identifier: MIT */
/*
 * A fixed pool of worker threads running submitted jobs in FIFO order:
 * where blocking device I/O (disk reads, fdatasync, NBD round trips) runs
 * instead of a vCPU thread. With 0 threads, vmb_workq_submit runs the job
 * at once on the caller's thread (unit tests, fuzzing).
 */
#ifndef VMB_UTIL_WORKQ_H
#define VMB_UTIL_WORKQ_H

#include <pthread.h>
#include <stdbool.h>

struct vmb_work {
	void (*fn)(struct vmb_work *w);
	struct vmb_work *next;
};

struct vmb_workq {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct vmb_work *head, **tail;
	pthread_t *threads;
	unsigned nthreads;
	bool stop;
};

/* Start n threads named NAME (n may be 0). 0, or -1 if a thread could not
 * be created. */
int vmb_workq_init(struct vmb_workq *q, unsigned n, const char *name);
void vmb_workq_submit(struct vmb_workq *q, struct vmb_work *w);
/* Run the queued jobs, then stop and join the threads. */
void vmb_workq_fini(struct vmb_workq *q);

#endif
