/* SPDX-License-Identifier: MIT */
/*
 * Interrupt lines and queue notifiers (irq.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "board/board.h"
#include "board/irq.h"
#include "util/loop.h"

static void efd_signal(int fd)
{
	uint64_t one = 1;

	while (write(fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static void efd_drain(int fd)
{
	uint64_t cnt;

	while (read(fd, &cnt, sizeof(cnt)) < 0 && errno == EINTR)
		;
}

/* ---- interrupt lines ------------------------------------------------- */

void vmb_irq_line_init(struct vmb_irq_line *l, struct vmb_board *b, uint32_t irq,
		       bool edge)
{
	memset(l, 0, sizeof(*l));
	l->board = b;
	l->irq = irq;
	l->edge = edge;
	l->fd = l->resample_fd = -1;
}

static void deliver(struct vmb_irq_line *l, int level)
{
	struct vmb_board *b = l->board;

	if (!b)
		return; /* a line on no board (device models under test) */
	if (l->fd >= 0) {
		/* A level irqfd is lowered by the kernel at EOI (resample). */
		if (level)
			efd_signal(l->fd);
		return;
	}
	if (b->hv.set_irq)
		b->hv.set_irq(b->hv.opaque, l->irq, level);
}

void vmb_irq_set(struct vmb_irq_line *l, int level)
{
	level = level != 0;
	if (__atomic_exchange_n(&l->level, level, __ATOMIC_ACQ_REL) != level)
		deliver(l, level);
}

void vmb_irq_pulse(struct vmb_irq_line *l)
{
	struct vmb_board *b = l->board;

	__atomic_store_n(&l->level, 0, __ATOMIC_RELEASE);
	if (!b)
		return;
	if (l->fd >= 0 && l->resample_fd < 0) {
		efd_signal(l->fd); /* plain irqfd: the kernel pulses */
		return;
	}
	if (b->hv.set_irq) {
		b->hv.set_irq(b->hv.opaque, l->irq, 1);
		b->hv.set_irq(b->hv.opaque, l->irq, 0);
	}
}

int vmb_irq_level(const struct vmb_irq_line *l)
{
	return __atomic_load_n(&l->level, __ATOMIC_ACQUIRE);
}

void vmb_irq_use_fd(struct vmb_irq_line *l)
{
	l->want_fd = true;
}

/* The guest EOI'd a level irqfd line: the kernel lowered it; raise it
 * again if the device still holds it high. */
static void resample(void *opaque, int fd, uint32_t events)
{
	struct vmb_irq_line *l = opaque;

	(void)events;
	efd_drain(fd);
	if (vmb_irq_level(l))
		efd_signal(l->fd);
}

void vmb_irq_line_attach(struct vmb_irq_line *l)
{
	struct vmb_board *b = l->board;
	struct vmb_err err;

	if (!l->want_fd || l->fd >= 0 || !b->hv.irq_attach)
		return;
	l->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->fd < 0)
		return;
	if (!l->edge)
		l->resample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if ((!l->edge && l->resample_fd < 0) ||
	    b->hv.irq_attach(b->hv.opaque, l)) {
		/* No kernel irqfd: set_irq it is, as without want_fd. */
		close(l->fd);
		if (l->resample_fd >= 0)
			close(l->resample_fd);
		l->fd = l->resample_fd = -1;
		return;
	}
	if (l->resample_fd >= 0)
		l->resample_w = vmb_loop_add(b->loop, l->resample_fd, EPOLLIN,
					     resample, l, &err);
	/* The device may have raised the line before the backend came. */
	if (vmb_irq_level(l))
		efd_signal(l->fd);
}

void vmb_irq_line_detach(struct vmb_irq_line *l)
{
	struct vmb_board *b = l->board;

	if (l->fd < 0)
		return;
	vmb_loop_del(b->loop, l->resample_w);
	l->resample_w = NULL;
	if (b->hv.irq_detach)
		b->hv.irq_detach(b->hv.opaque, l);
	close(l->fd);
	if (l->resample_fd >= 0)
		close(l->resample_fd);
	l->fd = l->resample_fd = -1;
}

/* ---- queue notifiers ------------------------------------------------- */

static void ioevent_ready(void *opaque, int fd, uint32_t events)
{
	struct vmb_ioevent *ev = opaque;

	(void)events;
	efd_drain(fd);
	vmb_dev_lock(ev->dev);
	/* Destroyed while we waited for the lock: the device is past it. */
	if (!__atomic_load_n(&ev->dead, __ATOMIC_ACQUIRE))
		ev->fn(ev->opaque);
	vmb_dev_unlock(ev->dev);
}

/* On the loop thread, so ioevent_ready cannot be running for ev. */
static void ioevent_free(void *opaque)
{
	struct vmb_ioevent *ev = opaque;

	vmb_loop_del(ev->board->loop, ev->w);
	close(ev->fd);
	free(ev);
}

static struct vmb_region *ioevent_region(struct vmb_ioevent *ev)
{
	struct vmb_board *b = ev->board;
	struct vmb_region *r = vmb_addrmap_find(ev->pio ? &b->pio : &b->map, ev->addr);

	if (!r || r->kind != VMB_REGION_MMIO || r->dev != ev->dev ||
	    ev->addr - r->gpa + ev->size > r->size)
		return NULL;
	return r;
}

/* Notifiers go to the kernel (KVM ioeventfds) when the backend takes
 * them, except under --trace mmio: the kernel would take those writes
 * without vmb seeing them, and the log would miss every queue notify. */
static bool to_kernel(const struct vmb_board *b)
{
	return b->hv.ioevent_add && !b->mmio_trace;
}

struct vmb_ioevent *vmb_ioevent_create(struct vmb_device *dev, bool pio,
				       uint64_t addr, unsigned size, bool match,
				       uint64_t data, vmb_ioevent_fn fn, void *opaque,
				       struct vmb_err *err)
{
	struct vmb_board *b = dev->board;
	struct vmb_ioevent *ev;
	struct vmb_region *r;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return vmb_errf(err, NULL, "%s: notifier width %u is not 1, 2, 4 or "
				"8 bytes", dev->name, size), NULL;
	ev = vmb_zalloc(sizeof(*ev));
	*ev = (struct vmb_ioevent){ .board = b, .dev = dev, .addr = addr,
				    .size = size, .pio = pio, .match = match,
				    .data = data, .fn = fn, .opaque = opaque };
	r = ioevent_region(ev);
	if (!r) {
		free(ev);
		return vmb_errf(err, NULL, "%s: notifier at %s 0x%llx is not in one "
				"of its regions", dev->name, pio ? "port" : "GPA",
				(unsigned long long)addr), NULL;
	}
	ev->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ev->fd < 0) {
		free(ev);
		return vmb_errf(err, NULL, "%s: eventfd: %s", dev->name,
				strerror(errno)), NULL;
	}
	ev->w = vmb_loop_add(b->loop, ev->fd, EPOLLIN, ioevent_ready, ev, err);
	if (!ev->w) {
		close(ev->fd);
		free(ev);
		return NULL;
	}
	pthread_mutex_lock(&b->ioev_lock);
	ev->next = b->ioevents;
	b->ioevents = ev;
	__atomic_add_fetch(&r->nioevents, 1, __ATOMIC_RELEASE);
	/* A write racing with this registration may still go to the device
	 * handler: the notifier is armed once this returns. */
	if (to_kernel(b) && !b->hv.ioevent_add(b->hv.opaque, ev))
		ev->in_kernel = true;
	pthread_mutex_unlock(&b->ioev_lock);
	return ev;
}

void vmb_ioevent_destroy(struct vmb_ioevent *ev)
{
	struct vmb_board *b;
	struct vmb_region *r;

	if (!ev)
		return;
	b = ev->board;
	pthread_mutex_lock(&b->ioev_lock);
	for (struct vmb_ioevent **p = &b->ioevents; *p; p = &(*p)->next)
		if (*p == ev) {
			*p = ev->next;
			break;
		}
	r = ioevent_region(ev);
	if (r)
		__atomic_sub_fetch(&r->nioevents, 1, __ATOMIC_RELEASE);
	if (ev->in_kernel && b->hv.ioevent_del)
		b->hv.ioevent_del(b->hv.opaque, ev);
	pthread_mutex_unlock(&b->ioev_lock);
	__atomic_store_n(&ev->dead, true, __ATOMIC_RELEASE);
	/* Typically called from the device's own MMIO handler (a virtio
	 * reset) with its lock held, while the loop may be waiting for that
	 * lock to run ev's callback: waiting for the loop here would
	 * deadlock, so the loop frees ev itself. */
	if (vmb_loop_running(b->loop) && !vmb_loop_on_thread(b->loop))
		vmb_loop_call(b->loop, ioevent_free, ev);
	else
		ioevent_free(ev);
}

void vmb_ioevent_signal(struct vmb_ioevent *ev)
{
	efd_signal(ev->fd);
}

void vmb_ioevent_attach_all(struct vmb_board *b)
{
	pthread_mutex_lock(&b->ioev_lock);
	for (struct vmb_ioevent *ev = b->ioevents; ev; ev = ev->next)
		if (!ev->in_kernel && to_kernel(b) &&
		    !b->hv.ioevent_add(b->hv.opaque, ev))
			ev->in_kernel = true;
	pthread_mutex_unlock(&b->ioev_lock);
}

void vmb_ioevent_detach_all(struct vmb_board *b)
{
	pthread_mutex_lock(&b->ioev_lock);
	for (struct vmb_ioevent *ev = b->ioevents; ev; ev = ev->next) {
		if (ev->in_kernel && b->hv.ioevent_del)
			b->hv.ioevent_del(b->hv.opaque, ev);
		ev->in_kernel = false;
	}
	pthread_mutex_unlock(&b->ioev_lock);
}

bool vmb_ioevent_dispatch(struct vmb_board *b, bool pio, uint64_t addr,
			  unsigned size, uint64_t val)
{
	bool hit = false;

	/* Under the list lock, so a concurrent destroy cannot free it. */
	pthread_mutex_lock(&b->ioev_lock);
	for (struct vmb_ioevent *ev = b->ioevents; ev && !hit; ev = ev->next)
		if (ev->pio == pio && ev->addr == addr && ev->size == size &&
		    (!ev->match || ev->data == val)) {
			efd_signal(ev->fd);
			hit = true;
		}
	pthread_mutex_unlock(&b->ioev_lock);
	return hit;
}
