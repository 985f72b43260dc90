/* SPDX-License-Identifier: MIT */
/*
 * Event loop (src/util/loop.c): fd watches, synchronous removal, timers,
 * queued calls in order, calls that wait, and a clean stop that runs what
 * was queued before it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

#include "util/loop.h"

struct counter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int n;
	bool on_loop;         /* every callback ran on the loop thread */
	struct vmb_loop *loop;
	int order[16];
};

static void counter_init(struct counter *c, struct vmb_loop *l)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->on_loop = true;
	c->loop = l;
}

static void bump(struct counter *c, int tag)
{
	pthread_mutex_lock(&c->lock);
	if (!vmb_loop_on_thread(c->loop))
		c->on_loop = false;
	if (c->n < 16)
		c->order[c->n] = tag;
	c->n++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

/* Wait until c->n >= n or 5 s pass; returns c->n. */
static int wait_for(struct counter *c, int n)
{
	struct timespec ts;
	int got;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	pthread_mutex_lock(&c->lock);
	while (c->n < n && pthread_cond_timedwait(&c->cond, &c->lock, &ts) == 0)
		;
	got = c->n;
	pthread_mutex_unlock(&c->lock);
	return got;
}

static void noop(void *opaque)
{
	(void)opaque;
}

static void on_fd(void *opaque, int fd, uint32_t events)
{
	uint64_t v;

	assert_true(events & EPOLLIN);
	assert_int_equal(read(fd, &v, sizeof(v)), sizeof(v));
	bump(opaque, (int)v);
}

static void signal_efd(int fd, uint64_t v)
{
	assert_int_equal(write(fd, &v, sizeof(v)), sizeof(v));
}

static void test_fd_watch_threaded(void **state)
{
	struct vmb_err err = { "" };
	struct vmb_loop *l = vmb_loop_create(&err);
	struct vmb_loop_watch *w;
	struct counter c;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	(void)state;
	assert_non_null(l);
	counter_init(&c, l);
	w = vmb_loop_add(l, efd, EPOLLIN, on_fd, &c, &err);
	assert_non_null(w);
	/* The same fd twice is an error, not a second callback. */
	assert_null(vmb_loop_add(l, efd, EPOLLIN, on_fd, &c, &err));
	assert_non_null(strstr(err.msg, "cannot watch fd"));
	assert_int_equal(vmb_loop_start(l, &err), 0);
	assert_false(vmb_loop_on_thread(l));
	signal_efd(efd, 7);
	assert_int_equal(wait_for(&c, 1), 1);
	assert_int_equal(c.order[0], 7);
	assert_true(c.on_loop);
	vmb_loop_del(l, w);
	signal_efd(efd, 9);
	/* A queued call is a barrier: everything before it has run. */
	vmb_loop_call_wait(l, noop, NULL);
	assert_int_equal(c.n, 1);
	vmb_loop_destroy(l);
	close(efd);
}

/* A callback that removes its own watch: no use after free, no deadlock. */
struct self_del {
	struct vmb_loop *l;
	struct vmb_loop_watch *w;
	int calls;
};

static void del_self(void *opaque, int fd, uint32_t events)
{
	struct self_del *s = opaque;

	(void)fd;
	(void)events;
	s->calls++;
	vmb_loop_del(s->l, s->w);
}

static void test_del_from_callback(void **state)
{
	struct vmb_err err = { "" };
	struct vmb_loop *l = vmb_loop_create(&err);
	int efd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
	struct self_del s = { .l = l };

	(void)state;
	s.w = vmb_loop_add(l, efd, EPOLLIN, del_self, &s, &err);
	assert_non_null(s.w);
	assert_int_equal(vmb_loop_run_once(l, 1000), 1);
	assert_int_equal(s.calls, 1);
	/* Still readable, but no longer watched. */
	assert_int_equal(vmb_loop_run_once(l, 0), 0);
	assert_int_equal(s.calls, 1);
	vmb_loop_destroy(l);
	close(efd);
}

static void on_timer(void *opaque)
{
	bump(opaque, 1);
}

static void test_timers(void **state)
{
	struct vmb_err err = { "" };
	struct vmb_loop *l = vmb_loop_create(&err);
	struct vmb_loop_timer *once, *periodic, *never;
	struct counter c1, c2, c3;

	(void)state;
	counter_init(&c1, l);
	counter_init(&c2, l);
	counter_init(&c3, l);
	once = vmb_loop_timer_new(l, on_timer, &c1, &err);
	periodic = vmb_loop_timer_new(l, on_timer, &c2, &err);
	never = vmb_loop_timer_new(l, on_timer, &c3, &err);
	assert_non_null(once);
	assert_non_null(periodic);
	assert_non_null(never);
	assert_int_equal(vmb_loop_timer_arm(once, 1000000, 0), 0);
	assert_int_equal(vmb_loop_timer_arm(periodic, 1000000, 1000000), 0);
	assert_int_equal(vmb_loop_timer_arm(never, 1000000, 0), 0);
	vmb_loop_timer_disarm(never);
	assert_int_equal(vmb_loop_start(l, &err), 0);
	assert_true(wait_for(&c2, 3) >= 3);
	assert_int_equal(wait_for(&c1, 1), 1);
	vmb_loop_timer_free(periodic);
	vmb_loop_call_wait(l, noop, NULL);
	int n = c2.n;
	usleep(20000);
	assert_int_equal(c2.n, n); /* freed: no more expiries */
	assert_int_equal(c1.n, 1); /* one-shot */
	assert_int_equal(c3.n, 0); /* disarmed */
	assert_true(c1.on_loop && c2.on_loop);
	vmb_loop_timer_free(once);
	vmb_loop_timer_free(never);
	vmb_loop_destroy(l);
}

struct tagged {
	struct counter *c;
	int tag;
};

static void tagged_call(void *opaque)
{
	struct tagged *t = opaque;

	bump(t->c, t->tag);
}

static void slow_call(void *opaque)
{
	usleep(20000);
	tagged_call(opaque);
}

static void test_calls_fifo_and_stop(void **state)
{
	struct vmb_err err = { "" };
	struct vmb_loop *l = vmb_loop_create(&err);
	struct counter c;
	struct tagged t[6];

	(void)state;
	counter_init(&c, l);
	for (int i = 0; i < 6; i++)
		t[i] = (struct tagged){ &c, i };
	/* Queued before the thread exists: run in order once it starts. */
	assert_int_equal(vmb_loop_call(l, tagged_call, &t[0]), 0);
	assert_int_equal(vmb_loop_start(l, &err), 0);
	assert_int_equal(vmb_loop_call(l, slow_call, &t[1]), 0);
	assert_int_equal(vmb_loop_call(l, tagged_call, &t[2]), 0);
	vmb_loop_call_wait(l, tagged_call, &t[3]);
	assert_int_equal(c.n, 4);
	/* Queued right before the stop: still run (clean shutdown). */
	assert_int_equal(vmb_loop_call(l, slow_call, &t[4]), 0);
	assert_int_equal(vmb_loop_call(l, tagged_call, &t[5]), 0);
	vmb_loop_stop(l);
	assert_int_equal(c.n, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(c.order[i], i);
	assert_true(c.on_loop);
	/* Stopped: call_wait runs on the caller, after what is queued. */
	t[0].tag = 10;
	t[1].tag = 11;
	vmb_loop_call(l, tagged_call, &t[0]);
	vmb_loop_call_wait(l, tagged_call, &t[1]);
	assert_int_equal(c.order[6], 10);
	assert_int_equal(c.order[7], 11);
	vmb_loop_stop(l); /* idempotent */
	vmb_loop_destroy(l);
}

/* Removal from another thread waits for a running callback. */
struct slow_fd {
	volatile int inside, finished;
};

static void slow_fd_cb(void *opaque, int fd, uint32_t events)
{
	struct slow_fd *s = opaque;
	uint64_t v;

	(void)events;
	if (read(fd, &v, sizeof(v)) < 0)
		return;
	s->inside = 1;
	usleep(50000);
	s->finished = 1;
}

static void test_del_waits_for_callback(void **state)
{
	struct vmb_err err = { "" };
	struct vmb_loop *l = vmb_loop_create(&err);
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct slow_fd s = { 0 };
	struct vmb_loop_watch *w = vmb_loop_add(l, efd, EPOLLIN, slow_fd_cb, &s, &err);

	(void)state;
	assert_non_null(w);
	assert_int_equal(vmb_loop_start(l, &err), 0);
	signal_efd(efd, 1);
	while (!s.inside)
		usleep(1000);
	vmb_loop_del(l, w);
	assert_int_equal(s.finished, 1);
	vmb_loop_destroy(l);
	close(efd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_watch_threaded),
		cmocka_unit_test(test_del_from_callback),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_calls_fifo_and_stop),
		cmocka_unit_test(test_del_waits_for_callback),
	};

	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
