/* SPDX-License-Identifier: MIT */
/* Worker thread pool; see workq.h. */
#include <stdio.h>
#include <stdlib.h>

#include "util/err.h"
#include "util/workq.h"

static void *worker(void *arg)
{
	struct vmb_workq *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct vmb_work *w = q->head;

		if (!w) {
			if (q->stop)
				break;
			pthread_cond_wait(&q->cond, &q->lock);
			continue;
		}
		q->head = w->next;
		if (!q->head)
			q->tail = &q->head;
		pthread_mutex_unlock(&q->lock);
		w->fn(w);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int vmb_workq_init(struct vmb_workq *q, unsigned n, const char *name)
{
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	q->head = NULL;
	q->tail = &q->head;
	q->stop = false;
	q->nthreads = 0;
	q->threads = n ? vmb_zalloc(n * sizeof(*q->threads)) : NULL;
	for (unsigned i = 0; i < n; i++) {
		char tn[16];

		if (pthread_create(&q->threads[i], NULL, worker, q)) {
			vmb_workq_fini(q);
			return -1;
		}
		snprintf(tn, sizeof(tn), "%.8s-%u", name, i % 1000);
		pthread_setname_np(q->threads[i], tn);
		q->nthreads++;
	}
	return 0;
}

void vmb_workq_submit(struct vmb_workq *q, struct vmb_work *w)
{
	if (!q->nthreads) {
		w->fn(w);
		return;
	}
	w->next = NULL;
	pthread_mutex_lock(&q->lock);
	*q->tail = w;
	q->tail = &w->next;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

void vmb_workq_fini(struct vmb_workq *q)
{
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	for (unsigned i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	free(q->threads);
	q->threads = NULL;
	q->nthreads = 0;
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
}
