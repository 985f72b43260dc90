/* SPDX-License-Identifier: MIT */
/*
 * vCPU thread mailbox (src/hv/vcpu.c) with a stand-in run body: parked at
 * start, run, pause (with the kick it needs), calls on the vCPU's own
 * thread, a body that returns by itself parks, exit joins.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

#include "hv/vcpu.h"

struct body {
	struct vmb_vcpu_thread t;
	volatile unsigned long spins;
	volatile int kicks;
	volatile int entries;
	volatile int stop_after;  /* >0: return by itself after that many spins */
	pthread_t seen;           /* thread a call ran on */
};

static void run_body(void *arg)
{
	struct body *b = arg;

	b->entries++;
	/* Polls like a vCPU that only looks at its mailbox after an exit. */
	while (!vmb_vcpu_should_pause(&b->t)) {
		b->spins++;
		if (b->stop_after && b->spins >= (unsigned long)b->stop_after)
			return;
		usleep(100);
	}
}

static void kick(void *arg)
{
	((struct body *)arg)->kicks++;
}

static void where(void *arg)
{
	((struct body *)arg)->seen = pthread_self();
}

static void test_mailbox(void **state)
{
	struct body b = { 0 };
	struct vmb_err err = { "" };
	unsigned long s;

	(void)state;
	assert_int_equal(vmb_vcpu_thread_start(&b.t, 3, run_body, kick, &b, &err), 0);
	usleep(10000);
	assert_int_equal(b.entries, 0); /* parked until told to run */
	vmb_vcpu_thread_call(&b.t, where, &b);
	assert_true(pthread_equal(b.seen, b.t.thread));
	vmb_vcpu_thread_run(&b.t);
	while (b.spins < 10)
		usleep(1000);
	vmb_vcpu_thread_pause(&b.t);
	assert_true(b.kicks >= 1);
	s = b.spins;
	usleep(10000);
	assert_int_equal(b.spins, s); /* parked: the body has returned */
	vmb_vcpu_thread_run(&b.t);    /* resume */
	while (b.spins < s + 10)
		usleep(1000);
	assert_int_equal(b.entries, 2);
	/* A body that returns by itself (the board stopped) parks. */
	b.stop_after = (int)b.spins + 5;
	vmb_vcpu_thread_wait_parked(&b.t);
	assert_false(b.t.running);
	vmb_vcpu_thread_exit(&b.t);
	assert_false(b.t.started);
	vmb_vcpu_thread_exit(&b.t); /* idempotent */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mailbox),
	};

	return cmocka_run_group_tests_name("vcpu", tests, NULL, NULL);
}
