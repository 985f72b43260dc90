/* SPDX-License-Identifier: MIT */
/*
 * Event loop on epoll(7), timerfd_create(2) and eventfd(2); see loop.h.
 *
 * The loop's eventfd is registered with a NULL data pointer: it wakes the
 * thread for queued calls and for stop. A watch removed while the loop is
 * between epoll_wait() and the end of that batch may still be referenced
 * by the batch's event array, so it is only marked dead there and freed
 * when the batch ends.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "util/loop.h"

#define BATCH 32

struct vmb_loop_watch {
	int fd;
	vmb_loop_fd_fn fn;
	void *opaque;
	bool dead;
	struct vmb_loop_watch *next, *prev; /* live list, or graveyard */
};

struct vmb_loop_timer {
	struct vmb_loop *loop;
	int fd;
	struct vmb_loop_watch *w;
	vmb_loop_fn fn;
	void *opaque;
};

struct call {
	vmb_loop_fn fn;
	void *opaque;
	bool *done;          /* vmb_loop_call_wait: set under the lock */
	struct call *next;
};

struct vmb_loop {
	int epfd, efd;
	pthread_t thread;
	bool running;
	bool stopping;
	pthread_mutex_t lock;
	pthread_cond_t cond;  /* a callback or a waited-for call finished */
	struct vmb_loop_watch *live, *graveyard;
	struct vmb_loop_watch *current; /* callback running now */
	bool in_batch;
	struct call *calls, **calls_tail;
};

/* The loop whose callbacks this thread is running (NULL elsewhere). */
static __thread const struct vmb_loop *this_loop;

static void wake(struct vmb_loop *l)
{
	uint64_t one = 1;

	while (write(l->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

struct vmb_loop *vmb_loop_create(struct vmb_err *err)
{
	struct vmb_loop *l = vmb_zalloc(sizeof(*l));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	l->efd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		vmb_errf(err, NULL, "event loop: epoll_create1: %s", strerror(errno));
		goto fail;
	}
	l->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->efd < 0 || epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->efd, &ev)) {
		vmb_errf(err, NULL, "event loop: eventfd: %s", strerror(errno));
		goto fail;
	}
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	l->calls_tail = &l->calls;
	return l;
fail:
	if (l->efd >= 0)
		close(l->efd);
	if (l->epfd >= 0)
		close(l->epfd);
	free(l);
	return NULL;
}

bool vmb_loop_on_thread(const struct vmb_loop *l)
{
	return this_loop == l;
}

/* Run queued calls in order until the queue is empty. */
static void run_calls(struct vmb_loop *l)
{
	pthread_mutex_lock(&l->lock);
	while (l->calls) {
		struct call *c = l->calls;

		l->calls = c->next;
		if (!l->calls)
			l->calls_tail = &l->calls;
		pthread_mutex_unlock(&l->lock);
		c->fn(c->opaque);
		pthread_mutex_lock(&l->lock);
		if (c->done) {
			*c->done = true;
			pthread_cond_broadcast(&l->cond);
		}
		free(c);
	}
	pthread_mutex_unlock(&l->lock);
}

static void free_list(struct vmb_loop_watch *w)
{
	while (w) {
		struct vmb_loop_watch *n = w->next;

		free(w);
		w = n;
	}
}

int vmb_loop_run_once(struct vmb_loop *l, int timeout_ms)
{
	struct epoll_event ev[BATCH];
	const struct vmb_loop *saved = this_loop;
	struct vmb_loop_watch *dead;
	int n;

	n = epoll_wait(l->epfd, ev, BATCH, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	this_loop = l;
	pthread_mutex_lock(&l->lock);
	l->in_batch = true;
	pthread_mutex_unlock(&l->lock);
	for (int i = 0; i < n; i++) {
		struct vmb_loop_watch *w = ev[i].data.ptr;

		if (!w) {
			uint64_t cnt;

			while (read(l->efd, &cnt, sizeof(cnt)) < 0 && errno == EINTR)
				;
			run_calls(l);
			continue;
		}
		pthread_mutex_lock(&l->lock);
		if (w->dead) {
			pthread_mutex_unlock(&l->lock);
			continue;
		}
		l->current = w;
		pthread_mutex_unlock(&l->lock);
		w->fn(w->opaque, w->fd, ev[i].events);
		pthread_mutex_lock(&l->lock);
		l->current = NULL;
		pthread_cond_broadcast(&l->cond);
		pthread_mutex_unlock(&l->lock);
	}
	pthread_mutex_lock(&l->lock);
	l->in_batch = false;
	dead = l->graveyard;
	l->graveyard = NULL;
	pthread_mutex_unlock(&l->lock);
	free_list(dead);
	this_loop = saved;
	return n;
}

static void *loop_main(void *arg)
{
	struct vmb_loop *l = arg;
	bool stop = false;

	while (!stop) {
		if (vmb_loop_run_once(l, -1) < 0)
			break; /* EBADF/EINVAL: a bug, not a guest event */
		pthread_mutex_lock(&l->lock);
		stop = l->stopping;
		pthread_mutex_unlock(&l->lock);
	}
	this_loop = l;
	run_calls(l); /* queued before the stop: persistence, output */
	this_loop = NULL;
	return NULL;
}

int vmb_loop_start(struct vmb_loop *l, struct vmb_err *err)
{
	int rc;

	if (l->running)
		return 0;
	l->stopping = false;
	rc = pthread_create(&l->thread, NULL, loop_main, l);
	if (rc)
		return vmb_errf(err, NULL, "event loop: cannot start its thread: %s",
				strerror(rc));
	pthread_setname_np(l->thread, "vmb-loop");
	l->running = true;
	return 0;
}

void vmb_loop_stop(struct vmb_loop *l)
{
	if (!l || !l->running)
		return;
	pthread_mutex_lock(&l->lock);
	l->stopping = true;
	pthread_mutex_unlock(&l->lock);
	wake(l);
	pthread_join(l->thread, NULL);
	l->running = false;
}

void vmb_loop_destroy(struct vmb_loop *l)
{
	if (!l)
		return;
	vmb_loop_stop(l);
	this_loop = l;
	run_calls(l);
	this_loop = NULL;
	free_list(l->live);
	free_list(l->graveyard);
	close(l->efd);
	close(l->epfd);
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

struct vmb_loop_watch *vmb_loop_add(struct vmb_loop *l, int fd, uint32_t events,
				    vmb_loop_fd_fn fn, void *opaque,
				    struct vmb_err *err)
{
	struct vmb_loop_watch *w = vmb_zalloc(sizeof(*w));
	struct epoll_event ev = { .events = events, .data.ptr = w };

	w->fd = fd;
	w->fn = fn;
	w->opaque = opaque;
	pthread_mutex_lock(&l->lock);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int e = errno;

		pthread_mutex_unlock(&l->lock);
		free(w);
		vmb_errf(err, NULL, "event loop: cannot watch fd %d: %s", fd,
			 strerror(e));
		return NULL;
	}
	w->next = l->live;
	if (l->live)
		l->live->prev = w;
	l->live = w;
	pthread_mutex_unlock(&l->lock);
	return w;
}

int vmb_loop_mod(struct vmb_loop *l, struct vmb_loop_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

void vmb_loop_del(struct vmb_loop *l, struct vmb_loop_watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&l->lock);
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = true;
	if (w->prev)
		w->prev->next = w->next;
	else
		l->live = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = NULL;
	/* Synchronous removal: wait out a callback running elsewhere. */
	if (!vmb_loop_on_thread(l))
		while (l->current == w)
			pthread_cond_wait(&l->cond, &l->lock);
	if (l->in_batch) {
		w->next = l->graveyard;
		l->graveyard = w;
		w = NULL;
	}
	pthread_mutex_unlock(&l->lock);
	free(w);
}

/* ---- timers ---------------------------------------------------------- */

static void timer_ready(void *opaque, int fd, uint32_t events)
{
	struct vmb_loop_timer *t = opaque;
	uint64_t expirations;

	(void)events;
	/* EAGAIN: disarmed or re-armed after epoll reported it; not due. */
	if (read(fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	t->fn(t->opaque);
}

struct vmb_loop_timer *vmb_loop_timer_new(struct vmb_loop *l, vmb_loop_fn fn,
					  void *opaque, struct vmb_err *err)
{
	struct vmb_loop_timer *t = vmb_zalloc(sizeof(*t));

	t->loop = l;
	t->fn = fn;
	t->opaque = opaque;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (t->fd < 0) {
		vmb_errf(err, NULL, "event loop: timerfd_create: %s", strerror(errno));
		free(t);
		return NULL;
	}
	t->w = vmb_loop_add(l, t->fd, EPOLLIN, timer_ready, t, err);
	if (!t->w) {
		close(t->fd);
		free(t);
		return NULL;
	}
	return t;
}

static struct timespec ns_to_ts(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000u),
				  .tv_nsec = (long)(ns % 1000000000u) };
}

int vmb_loop_timer_arm(struct vmb_loop_timer *t, uint64_t delay_ns,
		       uint64_t period_ns)
{
	struct itimerspec its = { .it_value = ns_to_ts(delay_ns ? delay_ns : 1),
				  .it_interval = ns_to_ts(period_ns) };

	return timerfd_settime(t->fd, 0, &its, NULL);
}

void vmb_loop_timer_disarm(struct vmb_loop_timer *t)
{
	struct itimerspec its = { 0 };

	timerfd_settime(t->fd, 0, &its, NULL);
}

void vmb_loop_timer_free(struct vmb_loop_timer *t)
{
	if (!t)
		return;
	vmb_loop_del(t->loop, t->w);
	close(t->fd);
	free(t);
}

/* ---- calls ----------------------------------------------------------- */

static void enqueue(struct vmb_loop *l, vmb_loop_fn fn, void *opaque, bool *done)
{
	struct call *c = vmb_zalloc(sizeof(*c));

	*c = (struct call){ .fn = fn, .opaque = opaque, .done = done };
	pthread_mutex_lock(&l->lock);
	*l->calls_tail = c;
	l->calls_tail = &c->next;
	pthread_mutex_unlock(&l->lock);
	wake(l);
}

int vmb_loop_call(struct vmb_loop *l, vmb_loop_fn fn, void *opaque)
{
	enqueue(l, fn, opaque, NULL);
	return 0;
}

void vmb_loop_call_wait(struct vmb_loop *l, vmb_loop_fn fn, void *opaque)
{
	bool done = false;

	if (vmb_loop_on_thread(l)) {
		fn(opaque);
		return;
	}
	if (!l->running) {
		/* Threadless: keep FIFO order with what is queued. */
		this_loop = l;
		run_calls(l);
		fn(opaque);
		this_loop = NULL;
		return;
	}
	enqueue(l, fn, opaque, &done);
	pthread_mutex_lock(&l->lock);
	while (!done)
		pthread_cond_wait(&l->cond, &l->lock);
	pthread_mutex_unlock(&l->lock);
}
