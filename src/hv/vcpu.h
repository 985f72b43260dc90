/* SPDX-License-Identifier: MIT */
/*
 * Long-lived vCPU threads with a mailbox, shared by the backends.
 *
 * A backend starts one thread per vCPU when it creates the machine and
 * joins it when it destroys it; in between the thread waits for commands:
 *   run    call the backend's run body (its exit loop) until that returns,
 *          which it does when the board's stop reason is set or when the
 *          thread is asked to pause (vmb_vcpu_should_pause());
 *   pause  make the run body return (the backend's kick function forces
 *          it out of the guest) and wait until it has: the vCPU is then
 *          parked, its registers stable, and nothing of it runs;
 *   call   run a function on the vCPU's own thread while it is parked
 *          (register get/set, reset): hypervisors such as HVF only accept
 *          vCPU operations from the thread that created the vCPU, and KVM
 *          pays an RCU synchronisation whenever KVM_RUN moves threads;
 *   exit   leave and be joined.
 * run/pause come from one controlling thread at a time (vm.c's run loop,
 * or a debugger while the run loop waits): the mailbox is not a queue;
 * calls from two threads are serialised.
 */
#ifndef VMB_HV_VCPU_H
#define VMB_HV_VCPU_H

#include <pthread.h>
#include <stdbool.h>

#include "util/err.h"

enum vmb_vcpu_cmd {
	VMB_VCPU_PAUSE,  /* parked (the initial state) */
	VMB_VCPU_RUN,
	VMB_VCPU_EXIT,
};

typedef void (*vmb_vcpu_fn)(void *arg);

struct vmb_vcpu_thread {
	unsigned id;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum vmb_vcpu_cmd cmd;   /* what the controller asked for (atomic) */
	bool running;            /* inside the run body */
	vmb_vcpu_fn call_fn;     /* pending call, NULL if none */
	void *call_arg;
	vmb_vcpu_fn run_fn, kick_fn;
	void *arg;
};

/*
 * Start vCPU id's thread, parked. run_fn(arg) is the run body; kick_fn(arg)
 * must make a running body notice vmb_vcpu_should_pause() soon (a signal
 * that interrupts KVM_RUN, uc_emu_stop). 0, or -1 with err set.
 */
int vmb_vcpu_thread_start(struct vmb_vcpu_thread *t, unsigned id,
			  vmb_vcpu_fn run_fn, vmb_vcpu_fn kick_fn, void *arg,
			  struct vmb_err *err);
/* Enter the run body (returns at once). */
void vmb_vcpu_thread_run(struct vmb_vcpu_thread *t);
/* Ask the run body to return, kick, and wait until the vCPU is parked. */
void vmb_vcpu_thread_pause(struct vmb_vcpu_thread *t);
/* Wait until the run body returned by itself (the board stopped). */
void vmb_vcpu_thread_wait_parked(struct vmb_vcpu_thread *t);
/* For the run body: return now (pause or exit asked). */
bool vmb_vcpu_should_pause(const struct vmb_vcpu_thread *t);
/* Run fn(arg) on the vCPU thread and wait; the vCPU must be parked. On
 * the vCPU thread itself, or before it started, fn runs right here. */
void vmb_vcpu_thread_call(struct vmb_vcpu_thread *t, vmb_vcpu_fn fn, void *arg);
/* Pause, then exit and join. Safe on a thread that never started. */
void vmb_vcpu_thread_exit(struct vmb_vcpu_thread *t);

#endif
