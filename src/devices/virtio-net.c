/* SPDX-License-Identifier: MIT */
/*
 * virtio network device (VIRTIO 1.2 §5.1), device ID 1: an Ethernet NIC
 * whose frames go to a network backend (src/net/net.h): "net: user"
 * (libslirp) or "net: tap".
 *
 * Queues: 0 receiveq1, 1 transmitq1 (no control queue, no multiqueue).
 * Features offered: VIRTIO_NET_F_MAC, _STATUS, _MRG_RXBUF, ring
 * INDIRECT_DESC and EVENT_IDX, and the offloads the backend can carry
 * (tap with a vnet header: CSUM, GUEST_CSUM, HOST/GUEST_TSO4/TSO6/ECN);
 * the dependencies of §5.1.3.1 are enforced at FEATURES_OK.
 *
 * Configuration space (§5.1.4): 0 mac[6]; 6 status (u16, LINK_UP);
 * 8 max_virtqueue_pairs (u16, 1). Read-only.
 *
 * The MAC is "mac:" or, without one, a stable address derived from the
 * machine and device names (net.h), so two runs of a machine agree.
 *
 * Every frame starts with a 12-byte virtio_net_hdr_v1 (§5.1.6; with
 * VERSION_1 num_buffers is always there).
 *  - TX: a chain's device-readable part is header + frame. A chain shorter
 *    than the header, or with device-writable buffers only, is a driver
 *    error (§5.1.6.2): DEVICE_NEEDS_RESET, as QEMU does. A frame over
 *    VMB_NET_MAX_FRAME is dropped (chain returned, counted).
 *  - RX: without MRG_RXBUF a frame goes into one chain (§5.1.6.3.1); one
 *    that does not fit is dropped and the chain returned with 0 bytes.
 *    With MRG_RXBUF it spreads over as many chains as it needs, which
 *    are returned together with num_buffers set (§5.1.6.3.2). A chain
 *    with no device-writable buffer in the receive queue makes the device
 *    need a reset (QEMU: "no in buffers").
 *
 * Threads: all frame work runs on the board's event loop (QueueNotify is
 * an ioevent delivered there; driver_ok and reset on a vCPU thread only
 * queue work), never on a vCPU thread. The TX drain runs inside the
 * QueueNotify ioevent with vd->lock held and hands frames to the backend
 * there; a backend that answers at once (slirp's ARP, ICMP, TFTP replies)
 * re-enters receive(), which knows the loop already holds the lock.
 * TX is drained at most TX_BUDGET chains per turn of the loop, then
 * requeued, so a guest flooding the queue cannot starve other devices.
 * RX stalls when the receive queue is empty (receive() returns 0, the
 * backend stops reading) and resumes when the driver notifies it.
 */
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "devices/virtio-mmio.h"
#include "net/net.h"
#include "util/bytes.h"
#include "util/loop.h"
#include "virtio/virtio.h"

#define VIRTIO_ID_NET		1
#define RXQ			0
#define TXQ			1
#define QUEUE_MAX		256	/* QEMU's default rx/tx queue size */
#define TX_BUDGET		256
#define MRG_MAX			64	/* chains one received frame may take */
#define NET_S_LINK_UP		1

#define CFG_MAC			0
#define CFG_STATUS		6
#define CFG_MAX_VQ_PAIRS	8
#define CFG_SIZE		10

struct vnet {
	struct vmb_virtio_dev vd;
	struct vmb_device *dev;
	struct vmb_net_backend *be;
	struct vmb_net_client client;
	uint8_t mac[6];
	/* Work for the loop: timers armed for 1 ns (thread-safe, coalescing,
	 * and removed synchronously at destroy, unlike queued calls). */
	struct vmb_loop_timer *tx_kick, *rx_kick;
	bool rx_waiting;	/* a receive() found no buffers (vd.lock) */
	bool loop_holds_lock;	/* the loop thread holds vd.lock (its own flag) */
	/* Loop thread only: */
	uint8_t *txbuf;		/* header + largest frame */
	struct iovec tx_iov[QUEUE_MAX];
	struct iovec rx_iov[QUEUE_MAX];		/* the first chain of a frame */
	struct iovec rx_more_iov[QUEUE_MAX];	/* later ones, written at once */
	uint64_t tx_frames, rx_frames, tx_oversize, rx_dropped;
};

static void queue_rx_resume(struct vnet *s);

static bool mrg(const struct vnet *s)
{
	return s->vd.driver_features & VMB_NET_F_MRG_RXBUF;
}

/* Copy bytes [off, off + len) of header + frame into an element. */
static size_t put_frame(const struct vmb_vq_elem *e, const uint8_t *hdr,
			const uint8_t *frame, size_t off, size_t len)
{
	size_t done = 0;

	if (off < VMB_NET_HDR_LEN) {
		size_t n = VMB_NET_HDR_LEN - off < len ? VMB_NET_HDR_LEN - off : len;

		done = vmb_vq_write_in(e, 0, hdr + off, n);
		off += n;
	}
	if (done < len)
		done += vmb_vq_write_in(e, done, frame + off - VMB_NET_HDR_LEN, len - done);
	return done;
}

/* Receive with vd.lock held: 1 done (delivered or dropped), 0 no room. */
static int rx_locked(struct vnet *s, const uint8_t *hdr, const uint8_t *frame,
		     size_t flen)
{
	struct vmb_virtio_dev *vd = &s->vd;
	struct vmb_vq_elem first = { .iov = s->rx_iov, .cap = QUEUE_MAX };
	struct vmb_vq_elem more = { .iov = s->rx_more_iov, .cap = QUEUE_MAX };
	uint16_t heads[MRG_MAX];
	uint32_t lens[MRG_MAX];
	size_t need = VMB_NET_HDR_LEN + flen, off;
	unsigned n, tries = 0;
	uint8_t nb[2];

	if (!vmb_virtio_live(vd) || !vd->vq[RXQ].enabled || flen > VMB_NET_MAX_FRAME) {
		s->rx_dropped++;
		return 1;
	}
retry:
	n = 0;
	off = 0;
	while (off < need) {
		struct vmb_vq_elem *e = n ? &more : &first;
		int r = n < MRG_MAX ? vmb_virtio_pop(vd, RXQ, e) : 1;

		if (r < 0)
			return 1; /* queue broken: NEEDS_RESET is set */
		if (n == MRG_MAX) {
			/* Chains too small for any sane frame: drop it. */
			vmb_vq_unpop(&vd->vq[RXQ], n);
			s->rx_dropped++;
			return 1;
		}
		if (r == 0) {
			/* Out of buffers: give back what we took and wait. */
			if (vmb_vq_unpop(&vd->vq[RXQ], n)) {
				/* Buffers came in meanwhile: their notification
				 * may be gone, so retry now or from the loop. */
				if (++tries < 4)
					goto retry;
				queue_rx_resume(s);
				return 0;
			}
			s->rx_waiting = true;
			return 0;
		}
		if (!e->in_len) {
			vmb_virtio_needs_reset(vd, "virtio-net receive chain %u has no "
					       "device-writable buffer", e->head);
			return 1;
		}
		if (!mrg(s) && e->in_len < need) {
			/* §5.1.6.3.1 asks for buffers that hold any frame; this
			 * one does not: drop the frame, return the chain empty. */
			vmb_virtio_push(vd, RXQ, e->head, 0);
			s->rx_dropped++;
			return 1;
		}
		if (!n && e->in_len < VMB_NET_HDR_LEN) {
			vmb_virtio_push(vd, RXQ, e->head, 0);
			s->rx_dropped++;
			return 1;
		}
		heads[n] = e->head;
		lens[n] = (uint32_t)put_frame(e, hdr, frame, off,
					      need - off < e->in_len ? need - off : e->in_len);
		off += lens[n];
		n++;
	}
	vmb_put_le16(nb, (uint16_t)n);
	vmb_vq_write_in(&first, 10, nb, 2); /* num_buffers */
	vmb_virtio_push_n(vd, RXQ, heads, lens, n);
	s->rx_frames++;
	return 1;
}

/* net.h receive(): loop thread. The lock is already ours when a frame
 * sent from inside the loop's own TX drain comes straight back (slirp
 * answers ARP, ICMP and TFTP synchronously). */
static int vnet_receive(void *opaque, const uint8_t *hdr, const void *frame, size_t len)
{
	struct vnet *s = opaque;
	int r;

	if (s->loop_holds_lock)
		return rx_locked(s, hdr, frame, len);
	pthread_mutex_lock(&s->vd.lock);
	r = rx_locked(s, hdr, frame, len);
	pthread_mutex_unlock(&s->vd.lock);
	return r;
}

static void rx_resume(void *opaque)
{
	struct vnet *s = opaque;

	s->be->ops->rx_resume(s->be);
}

/* vd.lock held: have the backend try again, from the loop. */
static void queue_rx_resume(struct vnet *s)
{
	s->rx_waiting = false;
	vmb_loop_timer_arm(s->rx_kick, 1, 0);
}

/* One TX chain into txbuf: its length, 0 if dropped, -1 if the device
 * now needs a reset. vd.lock held. */
static long tx_take(struct vnet *s, const struct vmb_vq_elem *e)
{
	if (e->out_len < VMB_NET_HDR_LEN) {
		vmb_virtio_needs_reset(&s->vd, "virtio-net transmit chain %u has "
				       "%llu readable bytes, less than the %u-byte "
				       "header", e->head,
				       (unsigned long long)e->out_len, VMB_NET_HDR_LEN);
		return -1;
	}
	if (e->out_len - VMB_NET_HDR_LEN > VMB_NET_MAX_FRAME) {
		s->tx_oversize++;
		return 0;
	}
	return (long)vmb_vq_read_out(e, 0, s->txbuf, e->out_len);
}

/* Drain the transmit queue: loop thread, vd.lock held. */
static void tx_drain(struct vnet *s)
{
	struct vmb_virtio_dev *vd = &s->vd;
	struct vmb_vq_elem e = { .iov = s->tx_iov, .cap = QUEUE_MAX };
	unsigned done = 0;

	s->loop_holds_lock = true;
	vmb_vq_disable_notify(&vd->vq[TXQ]);
	while (vmb_virtio_live(vd)) {
		struct iovec iov;
		long len;

		if (done == TX_BUDGET) {
			/* Let the loop serve others; come back for the rest. */
			vmb_loop_timer_arm(s->tx_kick, 1, 0);
			break;
		}
		if (vmb_virtio_pop(vd, TXQ, &e) <= 0) {
			if (vmb_vq_enable_notify(&vd->vq[TXQ]))
				continue;
			break;
		}
		done++;
		len = tx_take(s, &e);
		if (len < 0)
			break;
		vmb_virtio_push(vd, TXQ, e.head, 0);
		if (!len)
			continue;
		s->tx_frames++;
		iov = (struct iovec){ s->txbuf, (size_t)len };
		s->be->ops->send(s->be, &iov, 1);
	}
	s->loop_holds_lock = false;
}

static void tx_run(void *opaque)
{
	struct vnet *s = opaque;

	pthread_mutex_lock(&s->vd.lock);
	tx_drain(s);
	pthread_mutex_unlock(&s->vd.lock);
}

/* QueueNotify: an ioevent, so normally on the loop thread already (then
 * the work is done right here, without another wake-up of the loop). */
static void vnet_queue_notify(struct vmb_virtio_dev *vd, unsigned q)
{
	struct vnet *s = vd->priv;
	bool here = vmb_loop_on_thread(s->dev->board->loop);

	if (q == TXQ && here) {
		tx_drain(s);
	} else if (q == TXQ) {
		vmb_loop_timer_arm(s->tx_kick, 1, 0);
	} else if (q == RXQ && s->rx_waiting && here) {
		s->rx_waiting = false;
		s->loop_holds_lock = true;
		s->be->ops->rx_resume(s->be);
		s->loop_holds_lock = false;
	} else if (q == RXQ && s->rx_waiting) {
		queue_rx_resume(s);
	}
}

static void vnet_driver_ok(struct vmb_virtio_dev *vd)
{
	struct vnet *s = vd->priv;

	if (s->be->ops->set_offloads)
		s->be->ops->set_offloads(s->be, vd->driver_features);
	queue_rx_resume(s);
}

static void vnet_reset(struct vmb_virtio_dev *vd)
{
	struct vnet *s = vd->priv;

	s->rx_waiting = false;
}

/* §5.1.3.1: offloads need the checksum feature they build on. */
static int vnet_check_features(struct vmb_virtio_dev *vd, uint64_t f)
{
	static const struct { uint64_t f, needs; } deps[] = {
		{ VMB_NET_F_GUEST_TSO4, VMB_NET_F_GUEST_CSUM },
		{ VMB_NET_F_GUEST_TSO6, VMB_NET_F_GUEST_CSUM },
		{ VMB_NET_F_GUEST_ECN, VMB_NET_F_GUEST_TSO4 | VMB_NET_F_GUEST_TSO6 },
		{ VMB_NET_F_HOST_TSO4, VMB_NET_F_CSUM },
		{ VMB_NET_F_HOST_TSO6, VMB_NET_F_CSUM },
		{ VMB_NET_F_HOST_ECN, VMB_NET_F_HOST_TSO4 | VMB_NET_F_HOST_TSO6 },
	};

	for (size_t i = 0; i < sizeof(deps) / sizeof(deps[0]); i++)
		if ((f & deps[i].f) && !(f & deps[i].needs))
			return -1;
	return 0;
}

static uint64_t vnet_config_read(struct vmb_virtio_dev *vd, uint32_t off, unsigned size)
{
	struct vnet *s = vd->priv;
	uint8_t cfg[CFG_SIZE];
	uint64_t v = 0;

	memcpy(cfg + CFG_MAC, s->mac, 6);
	vmb_put_le16(cfg + CFG_STATUS, NET_S_LINK_UP);
	vmb_put_le16(cfg + CFG_MAX_VQ_PAIRS, 1);
	for (unsigned i = 0; i < size && off + i < CFG_SIZE; i++)
		v |= (uint64_t)cfg[off + i] << (8 * i);
	return v;
}

/* struct virtio_net_config (VIRTIO 1.2 §5.1.4), for dumps. */
static const struct vmb_virtio_cfg_field vnet_config_fields[] = {
	{ CFG_MAC, 6, "mac" }, { CFG_STATUS, 2, "status" },
	{ CFG_MAX_VQ_PAIRS, 2, "max_virtqueue_pairs" }, { 0, 0, NULL },
};

/* Feature bits of VIRTIO 1.2 §5.1.3, for dumps. */
static const struct vmb_regfield vnet_feature_fields[] = {
	VMB_BIT(0, "CSUM"), VMB_BIT(1, "GUEST_CSUM"),
	VMB_BIT(2, "CTRL_GUEST_OFFLOADS"), VMB_BIT(3, "MTU"), VMB_BIT(5, "MAC"),
	VMB_BIT(7, "GUEST_TSO4"), VMB_BIT(8, "GUEST_TSO6"),
	VMB_BIT(9, "GUEST_ECN"), VMB_BIT(10, "GUEST_UFO"),
	VMB_BIT(11, "HOST_TSO4"), VMB_BIT(12, "HOST_TSO6"),
	VMB_BIT(13, "HOST_ECN"), VMB_BIT(14, "HOST_UFO"),
	VMB_BIT(15, "MRG_RXBUF"), VMB_BIT(16, "STATUS"), VMB_BIT(17, "CTRL_VQ"),
	VMB_BIT(18, "CTRL_RX"), VMB_BIT(19, "CTRL_VLAN"),
	VMB_BIT(21, "GUEST_ANNOUNCE"), VMB_BIT(22, "MQ"),
	VMB_BIT(23, "CTRL_MAC_ADDR"), { NULL },
};

static const struct vmb_virtio_ops vnet_ops = {
	.config_fields = vnet_config_fields,
	.feature_fields = vnet_feature_fields,
	.reset = vnet_reset,
	.config_read = vnet_config_read,
	.check_features = vnet_check_features,
	.queue_notify = vnet_queue_notify,
	.driver_ok = vnet_driver_ok,
};

static const char *const net_choices[] = { "user", "tap", NULL };

static const struct vmb_prop_desc vnet_props[] = {
	{ "net", VMB_PROP_ENUM, "user",
	  "backend: user (libslirp NAT, no privileges) or tap", net_choices },
	{ "mac", VMB_PROP_STR, NULL,
	  "MAC address aa:bb:cc:dd:ee:ff (default: 52:54:00 + a hash of the "
	  "machine and device names)", NULL },
	/* net: user */
	{ "network", VMB_PROP_STR, "10.0.2.0/24",
	  "user: the guest network (IPv4/prefix); gateway .2, DNS .3, DHCP from .15",
	  NULL },
	{ "hostfwd", VMB_PROP_LIST, NULL,
	  "user: forwards [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, e.g. "
	  "[tcp:127.0.0.1:2222-:22]", NULL },
	{ "tftp", VMB_PROP_PATH, NULL,
	  "user: directory the built-in TFTP server serves (read-only)", NULL },
	{ "bootfile", VMB_PROP_STR, NULL,
	  "user: boot file name DHCP announces (with tftp)", NULL },
	{ "restrict", VMB_PROP_BOOL, "false",
	  "user: isolate the guest: no connections out, only the forwards in", NULL },
	{ "dns", VMB_PROP_BOOL, "false",
	  "user: forward DNS on the .3 address to the host's resolver", NULL },
	/* net: tap */
	{ "ifname", VMB_PROP_STR, NULL,
	  "tap: interface name; an existing tap, or created (needs CAP_NET_ADMIN)",
	  NULL },
	{ "vnet-hdr", VMB_PROP_BOOL, "true",
	  "tap: use the virtio-net header and offer checksum/TSO offloads", NULL },
	{ NULL },
};

/* A backend's own keys given to the other backend: an error, unless the
 * value is the default as written (vmb resolve writes every default). */
static int check_backend_keys(struct vmb_device *dev, const struct vmb_net_backend_ops *be,
			      struct vmb_err *err)
{
	for (const struct vmb_prop_desc *p = vnet_props + 2; p->name; p++) {
		const struct vmb_node *n = vmb_dev_prop_node(dev, p->name);
		bool mine = false;

		for (const char *const *k = be->props; *k; k++)
			mine |= !strcmp(*k, p->name);
		if (n && p->def && n->kind == VMB_NODE_SCALAR && !strcmp(n->scalar, p->def))
			continue;
		if (!mine && n)
			return vmb_errf(err, vmb_dev_prop_loc(dev, p->name), "virtio-net "
					"'%s': '%s' does not apply to net: %s", dev->name,
					p->name, be->name);
	}
	return 0;
}

static int vnet_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct vnet *s = vmb_zalloc(sizeof(*s));
	const char *mac = vmb_dev_prop_str(dev, "mac");
	const struct vmb_net_backend_ops *ops;

	dev->priv = s;
	s->dev = dev;
	if (mac && vmb_net_parse_mac(mac, s->mac))
		return vmb_errf(err, vmb_dev_prop_loc(dev, "mac"), "virtio-net '%s': mac "
				"'%s' is not a unicast address aa:bb:cc:dd:ee:ff", dev->name,
				mac);
	if (!mac)
		vmb_net_default_mac(dev->board->spec->name, dev->name, s->mac);
	ops = vmb_net_backend_find(vmb_dev_prop_str(dev, "net"));
	if (!ops)
		return vmb_errf(err, vmb_dev_prop_loc(dev, "net"), "virtio-net '%s': this "
				"vmb was built without net: %s (VMB_SLIRP=0)", dev->name,
				vmb_dev_prop_str(dev, "net"));
	if (check_backend_keys(dev, ops, err))
		return -1;
	s->txbuf = vmb_zalloc(VMB_NET_HDR_LEN + VMB_NET_MAX_FRAME);
	s->tx_kick = vmb_loop_timer_new(dev->board->loop, tx_run, s, err);
	s->rx_kick = s->tx_kick ? vmb_loop_timer_new(dev->board->loop, rx_resume, s, err)
				: NULL;
	if (!s->rx_kick)
		return -1;
	s->client = (struct vmb_net_client){ vnet_receive, s, dev };
	s->be = ops->create(&s->client, err);
	if (!s->be)
		return -1;
	s->vd.ops = &vnet_ops;
	s->vd.priv = s;
	s->vd.name = dev->name;
	s->vd.device_id = VIRTIO_ID_NET;
	s->vd.nqueues = 2;
	s->vd.queue_max = QUEUE_MAX;
	s->vd.config_size = CFG_SIZE;
	s->vd.features = VMB_NET_F_MAC | VMB_NET_F_STATUS | VMB_NET_F_MRG_RXBUF |
			 VMB_VIRTIO_F_INDIRECT_DESC | VMB_VIRTIO_F_EVENT_IDX |
			 s->be->features;
	vmb_virtio_init(&s->vd, &dev->board->gmem);
	return vmb_virtio_mmio_place(dev, &s->vd, err);
}

/* Machine reset: the device back to power-on, as a Status write of 0. */
static void vnet_dev_reset(struct vmb_device *dev)
{
	struct vnet *s = dev->priv;

	pthread_mutex_lock(&s->vd.lock);
	vmb_virtio_reset(&s->vd);
	pthread_mutex_unlock(&s->vd.lock);
}

static void vnet_destroy(struct vmb_device *dev)
{
	struct vnet *s = dev->priv;

	if (!s)
		return;
	vmb_loop_timer_free(s->tx_kick);
	vmb_loop_timer_free(s->rx_kick);
	if (s->be)
		s->be->ops->destroy(s->be);
	if (s->vd.ops) {
		vmb_virtio_mmio_unplug(dev, &s->vd);
		vmb_virtio_fini(&s->vd);
	}
	free(s->txbuf);
	free(s);
}

/* The TFTP root, for resolve/pack (device.h): a directory, not a file. */
static const char *const vnet_dirs[] = { "tftp", NULL };

static const struct vmb_device_type virtio_net = {
	.name = "virtio-net",
	.dirs = vnet_dirs,
	.summary = "virtio network device (VIRTIO 1.2 §5.1): MAC, status, mergeable "
		   "RX buffers, offloads with tap; backends user (libslirp) and tap",
	.props = vnet_props,
	.default_size = VMB_VIRTIO_MMIO_SIZE,
	.max_irqs = 1,
	.locks_itself = true, /* vd->lock, taken by the transport */
	.create = vnet_create,
	.reset = vnet_dev_reset,
	.fdt_node = vmb_virtio_mmio_fdt,
	.destroy = vnet_destroy,
	.dump = vmb_virtio_mmio_dump,
};
VMB_DEVICE_TYPE(virtio_net);
