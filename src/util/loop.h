/* SPDX-License-Identifier: MIT */
/*
 * Event loop: one epoll thread per machine where device I/O, timers,
 * deferred work and console output run, so that blocking work (disk I/O,
 * flash persistence, writes to a slow terminal) never runs on a vCPU
 * thread while it holds a lock other vCPUs need.
 *
 * Shapes: a watch is (fd, epoll events, callback, opaque); a timer is a
 * timerfd watch; "call" queues a function for the loop thread behind an
 * eventfd. Callbacks run on the loop thread one at a time, with no lock of
 * the loop held, so they may add or remove watches, arm timers and queue
 * further calls. A callback that touches device state takes that device's
 * lock itself (docs/architecture.md, "Locks").
 *
 * Removal is synchronous: when vmb_loop_del() or vmb_loop_timer_free()
 * returns, the callback is not running and will not run again (from the
 * loop thread itself the current callback may remove its own watch).
 *
 * Shutdown: vmb_loop_stop() runs every call still queued, then joins the
 * thread; vmb_loop_destroy() closes what the loop opened (timerfds, its
 * eventfd and epoll fd), never the fds callers registered.
 *
 * Without a thread (unit tests, "vmb check") the owner may turn the loop by
 * hand with vmb_loop_run_once().
 */
#ifndef VMB_UTIL_LOOP_H
#define VMB_UTIL_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct vmb_loop;
struct vmb_loop_watch;
struct vmb_loop_timer;

/* fd is readable/writable/hung up: events are the EPOLL* bits reported. */
typedef void (*vmb_loop_fd_fn)(void *opaque, int fd, uint32_t events);
/* Timer expiry or queued call. */
typedef void (*vmb_loop_fn)(void *opaque);

/* epoll instance and wake-up eventfd; no thread yet. NULL with err set. */
struct vmb_loop *vmb_loop_create(struct vmb_err *err);
/* Start the loop thread (named "vmb-loop"). 0, or -1 with err set. */
int vmb_loop_start(struct vmb_loop *l, struct vmb_err *err);
/* Run queued calls, stop and join the thread. Idempotent; any thread but
 * the loop's own. Watches stay registered (start again to resume). */
void vmb_loop_stop(struct vmb_loop *l);
/* Stop, then free every watch and timer left and the loop. NULL is fine. */
void vmb_loop_destroy(struct vmb_loop *l);

/* True on the loop thread (or inside vmb_loop_run_once()). */
bool vmb_loop_on_thread(const struct vmb_loop *l);

/*
 * Watch fd for events (EPOLLIN, EPOLLOUT, ...; level-triggered unless
 * EPOLLET is given). The caller keeps owning fd and closes it after
 * vmb_loop_del(). Returns the watch, or NULL with err set (fd already
 * watched, bad fd).
 */
struct vmb_loop_watch *vmb_loop_add(struct vmb_loop *l, int fd, uint32_t events,
				    vmb_loop_fd_fn fn, void *opaque,
				    struct vmb_err *err);
/* Change the events of a watch (e.g. add EPOLLOUT while output is queued). */
int vmb_loop_mod(struct vmb_loop *l, struct vmb_loop_watch *w, uint32_t events);
/* Stop watching and free w (synchronous, see above). NULL is fine. */
void vmb_loop_del(struct vmb_loop *l, struct vmb_loop_watch *w);

/* A disarmed timer calling fn(opaque) on the loop thread at each expiry
 * (CLOCK_MONOTONIC timerfd). NULL with err set. */
struct vmb_loop_timer *vmb_loop_timer_new(struct vmb_loop *l, vmb_loop_fn fn,
					  void *opaque, struct vmb_err *err);
/* Fire after delay_ns (> 0), then every period_ns (0: once). Re-arming
 * replaces the previous setting. */
int vmb_loop_timer_arm(struct vmb_loop_timer *t, uint64_t delay_ns,
		       uint64_t period_ns);
void vmb_loop_timer_disarm(struct vmb_loop_timer *t);
void vmb_loop_timer_free(struct vmb_loop_timer *t);

/*
 * Run fn(opaque) on the loop thread, after the calls queued before it
 * (FIFO). Returns at once (always 0); from any thread, including the
 * loop's.
 */
int vmb_loop_call(struct vmb_loop *l, vmb_loop_fn fn, void *opaque);
/* Run fn(opaque) on the loop thread and wait for it to finish. On the
 * loop thread, or when no loop thread runs, fn runs right here. */
void vmb_loop_call_wait(struct vmb_loop *l, vmb_loop_fn fn, void *opaque);

/* One epoll_wait (timeout_ms as epoll_wait: -1 blocks) and the callbacks
 * it makes due. For threadless owners; returns the number of events or
 * -1 on error. Not while the loop thread runs. */
int vmb_loop_run_once(struct vmb_loop *l, int timeout_ms);

#endif
