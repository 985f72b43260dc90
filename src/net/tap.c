/* SPDX-License-Identifier: MIT */
/*
 * "net: tap": frames to and from a Linux tap interface (/dev/net/tun,
 * Documentation/networking/tuntap.rst), QEMU's -nic tap.
 *
 * "ifname:" names an existing tap (which must be owned by this user, e.g.
 * "ip tuntap add dev tap0 mode tap user $USER") or one to create (needs
 * CAP_NET_ADMIN); without it the kernel picks tapN. vmb does not
 * configure the interface: bring it up and bridge it yourself (README).
 *
 * With "vnet-hdr: true" (default) the tap is opened with IFF_VNET_HDR and
 * a 12-byte header (TUNSETVNETHDRSZ, little-endian: TUNSETVNETLE), the
 * same struct virtio_net_hdr_v1 the guest uses, so frames pass through
 * unchanged: the guest may send partial checksums and TSO super-frames
 * (VIRTIO_NET_F_CSUM, HOST_TSO4/6/ECN, which the kernel completes or
 * segments). If TUNSETOFFLOAD works, GUEST_CSUM and GUEST_TSO4/6/ECN are
 * offered too, and once the driver accepts features the tap is told
 * which of them the guest takes (TUN_F_*). Multiqueue is not supported.
 *
 * RX: the fd is read on the event loop (at most RX_BURST frames per
 * wake-up); when the guest has no buffers the frame read is held and the
 * fd leaves the epoll set until rx_resume(), so a stalled guest costs no
 * CPU and the kernel drops at the tap's queue. TX: one write per frame,
 * non-blocking; a frame the kernel refuses (queue full) is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "board/board.h"
#include "net/net.h"
#include "util/loop.h"

#define RX_BURST	64
#define TAP_OFFLOADS	(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)

struct tap {
	struct vmb_net_backend be;
	struct vmb_net_client c;
	struct vmb_loop *loop;
	int fd;
	bool vnet;
	struct vmb_loop_watch *watch;
	uint8_t *buf;		/* header + largest frame */
	size_t held;		/* bytes of a frame waiting for guest buffers */
};

static const uint8_t zero_hdr[VMB_NET_HDR_LEN];

static struct tap *of(struct vmb_net_backend *be)
{
	return (struct tap *)be;
}

/* The frame in t->buf (n bytes as read) to the guest: 1 taken, 0 not. */
static int deliver(struct tap *t, size_t n)
{
	if (!t->vnet)
		return t->c.receive(t->c.opaque, zero_hdr, t->buf, n);
	if (n < VMB_NET_HDR_LEN)
		return 1; /* cannot happen with IFF_VNET_HDR; drop */
	return t->c.receive(t->c.opaque, t->buf, t->buf + VMB_NET_HDR_LEN,
			    n - VMB_NET_HDR_LEN);
}

static void tap_readable(void *opaque, int fd, uint32_t events)
{
	struct tap *t = opaque;

	for (int i = 0; i < RX_BURST; i++) {
		ssize_t n = read(t->fd, t->buf, VMB_NET_HDR_LEN + VMB_NET_MAX_FRAME);

		if (n <= 0)
			return; /* EAGAIN: drained */
		if (!deliver(t, (size_t)n)) {
			t->held = (size_t)n;
			vmb_loop_mod(t->loop, t->watch, 0);
			return;
		}
	}
}

static void tap_rx_resume(struct vmb_net_backend *be)
{
	struct tap *t = of(be);

	if (!t->held || !deliver(t, t->held))
		return;
	t->held = 0;
	vmb_loop_mod(t->loop, t->watch, EPOLLIN);
}

static void tap_send(struct vmb_net_backend *be, const struct iovec *iov, int iovcnt)
{
	struct tap *t = of(be);
	struct iovec v = iov[0];
	ssize_t n;

	if (iovcnt != 1 || v.iov_len < VMB_NET_HDR_LEN) {
		be->tx_dropped++;
		return;
	}
	if (!t->vnet) {
		v.iov_base = (uint8_t *)v.iov_base + VMB_NET_HDR_LEN;
		v.iov_len -= VMB_NET_HDR_LEN;
	}
	n = writev(t->fd, &v, 1);
	if (n < 0)
		be->tx_dropped++;
}

static void tap_set_offloads(struct vmb_net_backend *be, uint64_t f)
{
	struct tap *t = of(be);
	unsigned off = 0;

	if (!(be->features & VMB_NET_F_GUEST_CSUM))
		return;
	if (f & VMB_NET_F_GUEST_CSUM)
		off |= TUN_F_CSUM;
	if (f & VMB_NET_F_GUEST_TSO4)
		off |= TUN_F_TSO4;
	if (f & VMB_NET_F_GUEST_TSO6)
		off |= TUN_F_TSO6;
	if (f & VMB_NET_F_GUEST_ECN)
		off |= TUN_F_TSO_ECN;
	ioctl(t->fd, TUNSETOFFLOAD, off);
}

static void tap_destroy(struct vmb_net_backend *be)
{
	struct tap *t = of(be);

	vmb_loop_del(t->loop, t->watch);
	if (t->fd >= 0)
		close(t->fd);
	free(t->buf);
	free(t);
}

/* Open the tap per the device's properties; t->fd set, or -1. */
static int tap_open(struct tap *t, struct vmb_device *dev, struct vmb_err *err)
{
	const char *name = vmb_dev_prop_str(dev, "ifname");
	const struct vmb_loc *loc = vmb_dev_prop_loc(dev, "ifname");
	struct ifreq ifr = { 0 };
	unsigned features = 0;
	int hdr = VMB_NET_HDR_LEN, le = 1;

	if (name && (!*name || strlen(name) >= IFNAMSIZ))
		return vmb_errf(err, loc, "virtio-net '%s': ifname '%s' must be 1 to %d "
				"characters", dev->name, name, IFNAMSIZ - 1);
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0)
		return vmb_errf(err, loc, "virtio-net '%s': cannot open /dev/net/tun: %s",
				dev->name, strerror(errno));
	if (ioctl(t->fd, TUNGETFEATURES, &features) == 0 && t->vnet &&
	    !(features & IFF_VNET_HDR))
		return vmb_errf(err, vmb_dev_prop_loc(dev, "vnet-hdr"), "virtio-net '%s': "
				"this kernel's tap has no vnet header; set vnet-hdr: false",
				dev->name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (t->vnet ? IFF_VNET_HDR : 0);
	if (name)
		strcpy(ifr.ifr_name, name);
	if (ioctl(t->fd, TUNSETIFF, &ifr))
		return vmb_errf(err, loc, "virtio-net '%s': cannot attach to tap '%s': %s%s",
				dev->name, name ? name : "(new)", strerror(errno),
				errno == EPERM ? " (an existing tap must belong to this "
				"user: ip tuntap add dev NAME mode tap user $USER; creating "
				"one needs CAP_NET_ADMIN)" : errno == EBUSY ? " (in use, "
				"or not a tap without multiqueue)" : "");
	if (t->vnet && (ioctl(t->fd, TUNSETVNETHDRSZ, &hdr) ||
			ioctl(t->fd, TUNSETVNETLE, &le)))
		return vmb_errf(err, loc, "virtio-net '%s': tap '%s': cannot set the vnet "
				"header: %s", dev->name, ifr.ifr_name, strerror(errno));
	return 0;
}

static struct vmb_net_backend *tap_create(const struct vmb_net_client *c,
					  struct vmb_err *err)
{
	struct tap *t = vmb_zalloc(sizeof(*t));

	t->be.ops = &vmb_net_tap;
	t->c = *c;
	t->loop = c->dev->board->loop;
	t->vnet = vmb_dev_prop_bool(c->dev, "vnet-hdr");
	t->fd = -1;
	if (tap_open(t, c->dev, err))
		goto fail;
	if (t->vnet) {
		/* Anything the guest sends with a header, the kernel takes. */
		t->be.features = VMB_NET_F_CSUM | VMB_NET_F_HOST_TSO4 |
				 VMB_NET_F_HOST_TSO6 | VMB_NET_F_HOST_ECN;
		/* Receive offloads only if the tap can be told to use them. */
		if (ioctl(t->fd, TUNSETOFFLOAD, TAP_OFFLOADS) == 0)
			t->be.features |= VMB_NET_F_GUEST_CSUM | VMB_NET_F_GUEST_TSO4 |
					  VMB_NET_F_GUEST_TSO6 | VMB_NET_F_GUEST_ECN;
		ioctl(t->fd, TUNSETOFFLOAD, 0);
	}
	t->buf = vmb_zalloc(VMB_NET_HDR_LEN + VMB_NET_MAX_FRAME);
	t->watch = vmb_loop_add(t->loop, t->fd, EPOLLIN, tap_readable, t, err);
	if (!t->watch)
		goto fail;
	return &t->be;
fail:
	tap_destroy(&t->be);
	return NULL;
}

static const char *const tap_props[] = { "ifname", "vnet-hdr", NULL };

const struct vmb_net_backend_ops vmb_net_tap = {
	.name = "tap",
	.props = tap_props,
	.create = tap_create,
	.send = tap_send,
	.rx_resume = tap_rx_resume,
	.set_offloads = tap_set_offloads,
	.destroy = tap_destroy,
};
