/* SPDX-License-Identifier: MIT */
/* Long-lived vCPU threads with a run / pause / call / exit mailbox (vcpu.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hv/vcpu.h"
#include "util/deadline.h"

static __thread const struct vmb_vcpu_thread *this_vcpu;

static void *vcpu_main(void *arg)
{
	struct vmb_vcpu_thread *t = arg;

	this_vcpu = t;
	pthread_mutex_lock(&t->lock);
	for (;;) {
		if (t->call_fn) {
			vmb_vcpu_fn fn = t->call_fn;

			pthread_mutex_unlock(&t->lock);
			fn(t->call_arg);
			pthread_mutex_lock(&t->lock);
			t->call_fn = NULL;
			pthread_cond_broadcast(&t->cond);
			continue;
		}
		if (t->cmd == VMB_VCPU_EXIT)
			break;
		if (t->cmd != VMB_VCPU_RUN) {
			pthread_cond_wait(&t->cond, &t->lock);
			continue;
		}
		t->running = true;
		pthread_mutex_unlock(&t->lock);
		t->run_fn(t->arg);
		pthread_mutex_lock(&t->lock);
		t->running = false;
		/* Returned on its own (the board stopped): park, do not spin. */
		if (t->cmd == VMB_VCPU_RUN)
			__atomic_store_n(&t->cmd, VMB_VCPU_PAUSE, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&t->cond);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int vmb_vcpu_thread_start(struct vmb_vcpu_thread *t, unsigned id,
			  vmb_vcpu_fn run_fn, vmb_vcpu_fn kick_fn, void *arg,
			  struct vmb_err *err)
{
	char name[16];
	int rc;

	memset(t, 0, sizeof(*t));
	t->id = id;
	t->run_fn = run_fn;
	t->kick_fn = kick_fn;
	t->arg = arg;
	t->cmd = VMB_VCPU_PAUSE;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	rc = pthread_create(&t->thread, NULL, vcpu_main, t);
	if (rc)
		return vmb_errf(err, NULL, "cannot start the thread of vCPU %u: %s",
				id, strerror(rc));
	snprintf(name, sizeof(name), "vmb-vcpu%u", id);
	pthread_setname_np(t->thread, name);
	t->started = true;
	return 0;
}

static void post(struct vmb_vcpu_thread *t, enum vmb_vcpu_cmd cmd)
{
	pthread_mutex_lock(&t->lock);
	__atomic_store_n(&t->cmd, cmd, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

void vmb_vcpu_thread_run(struct vmb_vcpu_thread *t)
{
	post(t, VMB_VCPU_RUN);
}

bool vmb_vcpu_should_pause(const struct vmb_vcpu_thread *t)
{
	return __atomic_load_n(&t->cmd, __ATOMIC_SEQ_CST) != VMB_VCPU_RUN;
}

void vmb_vcpu_thread_wait_parked(struct vmb_vcpu_thread *t)
{
	pthread_mutex_lock(&t->lock);
	while (t->running || t->cmd == VMB_VCPU_RUN)
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

void vmb_vcpu_thread_pause(struct vmb_vcpu_thread *t)
{
	if (!t->started)
		return;
	pthread_mutex_lock(&t->lock);
	if (t->cmd == VMB_VCPU_RUN)
		__atomic_store_n(&t->cmd, VMB_VCPU_PAUSE, __ATOMIC_SEQ_CST);
	while (t->running) {
		/* Kick again after every wake-up: a kick that lands just
		 * before the body re-enters the guest can be absorbed. */
		pthread_mutex_unlock(&t->lock);
		t->kick_fn(t->arg);
		pthread_mutex_lock(&t->lock);
		if (t->running) {
			struct timespec ts = vmb_deadline_ms(10);

			pthread_cond_timedwait(&t->cond, &t->lock, &ts);
		}
	}
	pthread_mutex_unlock(&t->lock);
}

void vmb_vcpu_thread_call(struct vmb_vcpu_thread *t, vmb_vcpu_fn fn, void *arg)
{
	if (!t->started || this_vcpu == t) {
		fn(arg);
		return;
	}
	pthread_mutex_lock(&t->lock);
	/* Two controllers may call at once (the run loop resetting, a
	 * debugger reading registers): one call at a time, each waits for
	 * its own. */
	while (t->call_fn)
		pthread_cond_wait(&t->cond, &t->lock);
	t->call_fn = fn;
	t->call_arg = arg;
	pthread_cond_broadcast(&t->cond);
	while (t->call_fn == fn && t->call_arg == arg)
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

void vmb_vcpu_thread_exit(struct vmb_vcpu_thread *t)
{
	if (!t->started)
		return;
	vmb_vcpu_thread_pause(t);
	post(t, VMB_VCPU_EXIT);
	pthread_join(t->thread, NULL);
	t->started = false;
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
}
