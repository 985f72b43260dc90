/* SPDX-License-Identifier: MIT */
/*
 * Interrupt lines and queue notifiers as objects.
 *
 * struct vmb_irq_line: one wire from a device to the interrupt controller,
 * in the controller's numbering (GIC SPI number, x86 GSI). The board makes
 * one per "irq:" entry of a device (vmb_dev_irq()); it caches the level so
 * a device may call vmb_irq_set() whenever its state changes and only real
 * transitions reach the backend. Delivery:
 *   - by default through the backend's set_irq hook (KVM_IRQ_LINE under
 *     KVM), from whatever thread the device runs on;
 *   - for a line the device marks with vmb_irq_use_fd() (signalled from the
 *     event loop or an I/O thread, as virtio does), through a kernel irqfd
 *     when the backend offers one (KVM_IRQFD, Linux api.rst §4.75): an edge
 *     line is an irqfd whose every signal is a pulse; a level line is an
 *     irqfd with a resamplefd (KVM_IRQFD_FLAG_RESAMPLE): raising writes the
 *     irqfd, the kernel lowers the line when the guest EOIs it and signals
 *     the resamplefd, and the event loop then raises it again if the cached
 *     level is still high. Lowering a level line thus takes effect at the
 *     guest's next EOI (as QEMU's and kvmtool's resampling irqfds do): a
 *     driver may see one interrupt with nothing pending, which every
 *     level-triggered driver tolerates.
 *
 * struct vmb_ioevent: "the guest wrote this value (or anything) of this
 * width at this address" as an eventfd the event loop watches; its callback
 * then runs on the loop thread under the owning device's lock. Under KVM it
 * is a KVM_IOEVENTFD (api.rst §4.59, with KVM_IOEVENTFD_FLAG_DATAMATCH when
 * a value is given: virtio QueueNotify with datamatch = queue index), so
 * the write never leaves the kernel. Without kernel support (emu, or the
 * ioctl failed) the board's MMIO/PIO dispatch matches the write and signals
 * the same eventfd instead of calling the device's write handler, so
 * devices see one behaviour on every backend.
 */
#ifndef VMB_BOARD_IRQ_H
#define VMB_BOARD_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct vmb_board;
struct vmb_device;
struct vmb_loop_watch;

struct vmb_irq_line {
	struct vmb_board *board;
	uint32_t irq;        /* controller numbering (SPI, GSI) */
	bool edge;           /* trigger: edge from the spec, else level */
	bool want_fd;        /* device asked for irqfd delivery */
	int level;           /* cached level (atomic) */
	int fd;              /* irqfd (eventfd) or -1 */
	int resample_fd;     /* level irqfd's resamplefd or -1 */
	struct vmb_loop_watch *resample_w;
};

/* Drive the line to level (0/1). Delivers only transitions. Any thread;
 * the owning device serialises its own calls (its lock). */
void vmb_irq_set(struct vmb_irq_line *l, int level);
static inline void vmb_irq_raise(struct vmb_irq_line *l) { vmb_irq_set(l, 1); }
static inline void vmb_irq_lower(struct vmb_irq_line *l) { vmb_irq_set(l, 0); }
/* One edge (raise then lower) for edge-triggered lines (virtio-mmio on
 * the virt board); the cached level stays 0. */
void vmb_irq_pulse(struct vmb_irq_line *l);
/* Cached level. */
int vmb_irq_level(const struct vmb_irq_line *l);

/* Ask for kernel irqfd delivery (see above); call from create(). Takes
 * effect when the backend attaches; without a kernel irqfd the line keeps
 * using set_irq. */
void vmb_irq_use_fd(struct vmb_irq_line *l);

/* Board internals: set up a line (fd = -1, level 0), attach/detach it to
 * the backend's irqfd hooks, free its fds. */
void vmb_irq_line_init(struct vmb_irq_line *l, struct vmb_board *b, uint32_t irq,
		       bool edge);
void vmb_irq_line_attach(struct vmb_irq_line *l);
void vmb_irq_line_detach(struct vmb_irq_line *l);

/* Notify callback: runs on the event loop thread, with the device's lock
 * held unless the device type synchronises itself. */
typedef void (*vmb_ioevent_fn)(void *opaque);

struct vmb_ioevent {
	struct vmb_board *board;
	struct vmb_device *dev;       /* owner, for its lock; may be NULL */
	uint64_t addr;                /* GPA, or port when pio */
	unsigned size;                /* 1, 2, 4 or 8 */
	bool pio;
	bool match;                   /* datamatch: only writes of data */
	uint64_t data;
	int fd;                       /* eventfd the loop watches */
	bool in_kernel;               /* registered with the backend */
	vmb_ioevent_fn fn;
	void *opaque;
	struct vmb_loop_watch *w;
	struct vmb_ioevent *next;     /* board list */
};

/*
 * Create a notifier for writes of size bytes at addr (inside a region of
 * dev; pio selects the I/O-port map), matching only the value data when
 * match is true. fn(opaque) runs on the event loop for each signal (a burst
 * of writes may be folded into one call, as eventfd counters are).
 * Returns NULL with err set (no region of dev there, bad size, no fds).
 */
struct vmb_ioevent *vmb_ioevent_create(struct vmb_device *dev, bool pio,
				       uint64_t addr, unsigned size, bool match,
				       uint64_t data, vmb_ioevent_fn fn, void *opaque,
				       struct vmb_err *err);
/* Unregister (kernel and loop; synchronous: fn is not running when this
 * returns) and free. NULL is fine. Do not call while holding the device's
 * lock from another thread than the loop's if fn takes it. */
void vmb_ioevent_destroy(struct vmb_ioevent *ev);
/* Signal ev as a matching write would (the board's dispatch does this when
 * the kernel did not take the write). */
void vmb_ioevent_signal(struct vmb_ioevent *ev);

/* Board internals: register every notifier with a backend that just
 * attached / before it detaches. */
void vmb_ioevent_attach_all(struct vmb_board *b);
void vmb_ioevent_detach_all(struct vmb_board *b);
/* Board dispatch: if a notifier matches this write, signal it and return
 * true (the device's write handler is then not called). */
bool vmb_ioevent_dispatch(struct vmb_board *b, bool pio, uint64_t addr,
			  unsigned size, uint64_t val);

#endif
