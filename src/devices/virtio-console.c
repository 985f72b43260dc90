/* SPDX-License-Identifier: MIT */
/*
 * virtio-console (VIRTIO 1.2 §5.3), device ID 3: one port, the guest's
 * hvc0 on Linux, connected to vmb's stdio console.
 *
 * Queues: 0 receiveq (console input to the guest), 1 transmitq (guest
 * output). Features: VIRTIO_CONSOLE_F_EMERG_WRITE only (a write to the
 * emerg_wr configuration field prints one character, usable before the
 * queues are up). Not offered: VIRTIO_CONSOLE_F_SIZE (no cols/rows; the
 * guest keeps its default 80x24) and VIRTIO_CONSOLE_F_MULTIPORT (no
 * control queues, no named ports: one console per device).
 *
 * Configuration space (§5.3.4), little-endian: 0 cols (u16) and 2 rows
 * (u16), both 0; 4 max_nr_ports (u32), 1; 8 emerg_wr (u32, write-only:
 * reads 0, a write outputs its low byte).
 *
 * transmitq: every device-readable byte of a chain goes to the console, in
 * order; device-writable buffers in a transmit chain are ignored; the chain
 * is returned with 0 bytes written.
 * receiveq: console input fills the device-writable buffers of the next
 * chain, at most what is waiting (never blocking for more); a chain with
 * no device-writable buffer cannot take input and is returned empty, as
 * QEMU's virtio-serial does with it. Input waits in the console's buffer
 * while the guest has posted no receive buffer.
 *
 * The device is on a virtio-mmio transport of its own (base and irq given)
 * or in the next free slot of the board's virtio-mmio slot array.
 * "console: true" (the default) connects it to the board's console, and
 * the board's UARTs then leave the console alone (virtio-console.h), so
 * the guest's console is hvc0 with no other change to the machine.
 */
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/console.h"
#include "config/node.h"
#include "devices/virtio-console.h"
#include "devices/virtio-mmio.h"
#include "virtio/virtio.h"

#define VIRTIO_ID_CONSOLE		3
#define VIRTIO_CONSOLE_F_EMERG_WRITE	(1ull << 2)

#define RXQ		0
#define TXQ		1
#define QUEUE_MAX	128	/* QEMU's virtio-serial queue size */

#define CFG_COLS	0
#define CFG_ROWS	2
#define CFG_MAX_PORTS	4
#define CFG_EMERG_WR	8
#define CFG_SIZE	12

struct vcon {
	struct vmb_virtio_dev vd;
	struct vmb_device *dev;
	struct vmb_console *con;	/* claimed console, or NULL */
	struct iovec iov[QUEUE_MAX];	/* chains are at most queue size long */
};

static void put(struct vcon *s, const void *buf, size_t n)
{
	if (s->con && n)
		vmb_console_write(s->con, buf, n);
}

/* Guest output: drain the transmit queue. vd->lock held. */
static void tx_drain(struct vcon *s)
{
	struct vmb_vq_elem e = { .iov = s->iov, .cap = QUEUE_MAX };

	while (vmb_virtio_pop(&s->vd, TXQ, &e) > 0) {
		for (unsigned i = 0; i < e.nout; i++)
			put(s, s->iov[i].iov_base, s->iov[i].iov_len);
		vmb_virtio_push(&s->vd, TXQ, e.head, 0);
	}
}

/* Console input into the receive queue, while both input and buffers
 * last. vd->lock held. */
static void rx_fill(struct vcon *s)
{
	struct vmb_vq_elem e = { .iov = s->iov, .cap = QUEUE_MAX };
	unsigned char buf[256];

	while (s->con && vmb_console_pending(s->con) &&
	       vmb_virtio_pop(&s->vd, RXQ, &e) > 0) {
		uint64_t done = 0;

		while (done < e.in_len) {
			size_t want = e.in_len - done < sizeof(buf) ? e.in_len - done : sizeof(buf);
			size_t n = 0;
			int ch;

			while (n < want && (ch = vmb_console_getc(s->con)) >= 0)
				buf[n++] = (unsigned char)ch;
			if (!n)
				break;
			vmb_vq_write_in(&e, done, buf, n);
			done += n;
		}
		vmb_virtio_push(&s->vd, RXQ, e.head, (uint32_t)done);
	}
}

/* New console input (console input thread, no lock held). */
static void console_notify(void *opaque)
{
	struct vcon *s = opaque;

	pthread_mutex_lock(&s->vd.lock);
	rx_fill(s);
	pthread_mutex_unlock(&s->vd.lock);
}

static void vcon_queue_notify(struct vmb_virtio_dev *vd, unsigned q)
{
	if (q == TXQ)
		tx_drain(vd->priv);
	else
		rx_fill(vd->priv);
}

static void vcon_driver_ok(struct vmb_virtio_dev *vd)
{
	rx_fill(vd->priv);
}

static uint64_t vcon_config_read(struct vmb_virtio_dev *vd, uint32_t off, unsigned size)
{
	uint8_t cfg[CFG_SIZE] = { 0 };
	uint64_t v = 0;

	cfg[CFG_MAX_PORTS] = 1;
	for (unsigned i = 0; i < size && off + i < CFG_SIZE; i++)
		v |= (uint64_t)cfg[off + i] << (8 * i);
	return v;
}

static void vcon_config_write(struct vmb_virtio_dev *vd, uint32_t off, uint64_t val,
			      unsigned size)
{
	unsigned char ch = (unsigned char)val;

	/* §5.3.4: emerg_wr, if VIRTIO_CONSOLE_F_EMERG_WRITE was negotiated;
	 * the other fields are read-only. */
	if (off == CFG_EMERG_WR && (vd->driver_features & VIRTIO_CONSOLE_F_EMERG_WRITE))
		put(vd->priv, &ch, 1);
}

/* struct virtio_console_config (VIRTIO 1.2 §5.3.4), for dumps; emerg_wr
 * is write-only. */
static const struct vmb_virtio_cfg_field vcon_config_fields[] = {
	{ CFG_COLS, 2, "cols" }, { CFG_ROWS, 2, "rows" },
	{ CFG_MAX_PORTS, 4, "max_nr_ports" }, { 0, 0, NULL },
};

/* Feature bits of VIRTIO 1.2 §5.3.3, for dumps. */
static const struct vmb_regfield vcon_feature_fields[] = {
	VMB_BIT(0, "SIZE"), VMB_BIT(1, "MULTIPORT"), VMB_BIT(2, "EMERG_WRITE"),
	{ NULL },
};

static const struct vmb_virtio_ops vcon_ops = {
	.config_fields = vcon_config_fields,
	.feature_fields = vcon_feature_fields,
	.config_read = vcon_config_read,
	.config_write = vcon_config_write,
	.queue_notify = vcon_queue_notify,
	.driver_ok = vcon_driver_ok,
};

bool vmb_virtio_console_wanted(const struct vmb_spec *spec)
{
	for (unsigned i = 0; spec && i < spec->ndev; i++) {
		const struct vmb_dev_spec *d = &spec->dev[i];
		const struct vmb_node *n;
		bool on = true;

		if (strcmp(d->type, "virtio-console"))
			continue;
		n = vmb_node_get(d->props, "console");
		/* A bad value is reported when the device is created. */
		if (!n || vmb_node_bool(n, &on, NULL) || on)
			return true;
	}
	return false;
}

static int vcon_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct vcon *s = vmb_zalloc(sizeof(*s));
	struct vmb_console *con = dev->board->console;

	dev->priv = s;
	s->dev = dev;
	s->vd.ops = &vcon_ops;
	s->vd.priv = s;
	s->vd.name = dev->name;
	s->vd.device_id = VIRTIO_ID_CONSOLE;
	s->vd.nqueues = 2;
	s->vd.queue_max = QUEUE_MAX;
	s->vd.features = VIRTIO_CONSOLE_F_EMERG_WRITE;
	s->vd.config_size = CFG_SIZE;
	vmb_virtio_init(&s->vd, &dev->board->gmem);
	if (vmb_dev_prop_bool(dev, "console") && con) {
		if (!vmb_console_claim(con, console_notify, s))
			return vmb_errf(err, &dev->spec->loc, "virtio-console '%s': the "
					"console is already connected to another virtio-console; "
					"set console: false on one of them", dev->name);
		s->con = con;
	}
	return vmb_virtio_mmio_place(dev, &s->vd, err);
}

/* Machine reset: the device back to power-on, as a Status write of 0. */
static void vcon_dev_reset(struct vmb_device *dev)
{
	struct vcon *s = dev->priv;

	pthread_mutex_lock(&s->vd.lock);
	vmb_virtio_reset(&s->vd);
	pthread_mutex_unlock(&s->vd.lock);
}

static void vcon_destroy(struct vmb_device *dev)
{
	struct vcon *s = dev->priv;

	if (!s)
		return;
	vmb_virtio_mmio_unplug(dev, &s->vd);
	vmb_virtio_fini(&s->vd);
	free(s);
}

static const struct vmb_prop_desc vcon_props[] = {
	{ "console", VMB_PROP_BOOL, "true",
	  "connect to the vmb console (the guest's hvc0); a UART must then "
	  "have console: false", NULL },
	{ NULL },
};

static const struct vmb_device_type virtio_console = {
	.name = "virtio-console",
	.summary = "virtio console (VIRTIO 1.2 §5.3), one port (no multiport): "
		   "the guest's hvc0 on vmb's console",
	.props = vcon_props,
	.default_size = VMB_VIRTIO_MMIO_SIZE,
	.max_irqs = 1,
	.locks_itself = true, /* vd->lock, taken by the transport */
	.create = vcon_create,
	.reset = vcon_dev_reset,
	.fdt_node = vmb_virtio_mmio_fdt,
	.destroy = vcon_destroy,
	.dump = vmb_virtio_mmio_dump,
};
VMB_DEVICE_TYPE(virtio_console);
