/* SPDX-License-Identifier: MIT */
/*
 * Network backends: where a virtio-net device's Ethernet frames go.
 *
 *   user  libslirp (src/net/slirp.c): a private NAT'd network with DHCP,
 *         TFTP and port forwards, no privileges (QEMU's -nic user)
 *   tap   a Linux tap interface (src/net/tap.c), with the vnet header
 *         and offloads (QEMU's -nic tap)
 *
 * Frames cross this interface with a struct virtio_net_hdr_v1 in front
 * (VIRTIO 1.2 §5.1.6, 12 bytes, little-endian): TX frames carry the
 * guest's header, RX frames the backend's (all zero from a backend that
 * has no offloads: no checksum to complete, no GSO).
 *
 * Threads: every call in both directions runs on the board's event loop
 * thread, with no device lock held; the device takes its own lock inside
 * receive(). Flow control towards the guest: receive() answers 0 when the
 * guest has posted no (or not enough) receive buffers; the backend keeps
 * the frame, stops reading its source (a tap fd leaves the epoll set) and
 * waits for rx_resume(), called when the guest adds buffers.
 */
#ifndef VMB_NET_NET_H
#define VMB_NET_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "util/err.h"

struct vmb_device;

/* struct virtio_net_hdr_v1 (§5.1.6): flags, gso_type, hdr_len, gso_size,
 * csum_start, csum_offset, num_buffers. */
#define VMB_NET_HDR_LEN			12
#define VMB_NET_HDR_F_NEEDS_CSUM	1
#define VMB_NET_HDR_F_DATA_VALID	2

/* Largest frame either way without the header: 64 KiB of IP (a TSO/GSO
 * super-frame) plus an Ethernet header with one VLAN tag. */
#define VMB_NET_MAX_FRAME		(65535 + 14 + 4)

/* virtio-net feature bits (§5.1.3) a backend may be able to carry. */
#define VMB_NET_F_CSUM		(1ull << 0)
#define VMB_NET_F_GUEST_CSUM	(1ull << 1)
#define VMB_NET_F_GUEST_TSO4	(1ull << 7)
#define VMB_NET_F_GUEST_TSO6	(1ull << 8)
#define VMB_NET_F_GUEST_ECN	(1ull << 9)
#define VMB_NET_F_GUEST_UFO	(1ull << 10)
#define VMB_NET_F_HOST_TSO4	(1ull << 11)
#define VMB_NET_F_HOST_TSO6	(1ull << 12)
#define VMB_NET_F_HOST_ECN	(1ull << 13)
#define VMB_NET_F_HOST_UFO	(1ull << 14)
#define VMB_NET_F_MRG_RXBUF	(1ull << 15)
#define VMB_NET_F_STATUS	(1ull << 16)
#define VMB_NET_F_MAC		(1ull << 5)

/* The device side, as a backend sees it. */
struct vmb_net_client {
	/*
	 * One frame for the guest: the 12-byte header, then len bytes of
	 * Ethernet frame. Returns 1 delivered (or dropped for good: device not live, frame
	 * larger than any buffer), 0 no room now (keep it, wait for
	 * rx_resume).
	 */
	int (*receive)(void *opaque, const uint8_t *hdr, const void *frame, size_t len);
	void *opaque;
	struct vmb_device *dev;      /* properties, board, loop, name */
};

struct vmb_net_backend;

struct vmb_net_backend_ops {
	const char *name;            /* "user", "tap": the "net:" value */
	const char *const *props;    /* device properties only this backend takes */
	/* Open from the device's properties; NULL with err set (naming the
	 * property's file:line:col). */
	struct vmb_net_backend *(*create)(const struct vmb_net_client *c,
					  struct vmb_err *err);
	/* One frame from the guest, header first (len >= VMB_NET_HDR_LEN).
	 * A frame the backend cannot take now is dropped (counted), as a
	 * full NIC queue would. */
	void (*send)(struct vmb_net_backend *be, const struct iovec *iov, int iovcnt);
	/* The guest posted receive buffers: deliver what was held back and
	 * start reading again. */
	void (*rx_resume)(struct vmb_net_backend *be);
	/* The driver accepted features (VMB_NET_F_GUEST_*): which offloads
	 * the backend may now hand to the guest. May be NULL. */
	void (*set_offloads)(struct vmb_net_backend *be, uint64_t features);
	/* Stop all I/O (loop watches gone when it returns) and free. */
	void (*destroy)(struct vmb_net_backend *be);
};

struct vmb_net_backend {
	const struct vmb_net_backend_ops *ops;
	/* virtio-net offload features this backend carries (TX: the header
	 * is passed on; RX: it may send such frames once allowed). */
	uint64_t features;
	uint64_t tx_dropped, rx_dropped;
};

extern const struct vmb_net_backend_ops vmb_net_user;
extern const struct vmb_net_backend_ops vmb_net_tap;

/* The backend named name, or NULL. */
const struct vmb_net_backend_ops *vmb_net_backend_find(const char *name);

/*
 * Stable locally administered unicast MAC for a device that names none:
 * 52:54:00 (QEMU's prefix, so guest tools treat it as a VM NIC) then 24
 * bits of an FNV-1a hash of "machine/device". Two runs of one machine get
 * the same address; two NICs of one machine differ (unless the hash
 * collides, 1 in 2^24).
 */
void vmb_net_default_mac(const char *machine, const char *device, uint8_t mac[6]);
/* "52:54:00:12:34:56" -> mac; -1 if malformed or multicast. */
int vmb_net_parse_mac(const char *s, uint8_t mac[6]);

/* One user-network forward, QEMU's hostfwd syntax
 * [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT (net/slirp.c). */
struct vmb_net_hostfwd {
	bool udp;
	struct in_addr host, guest;  /* host INADDR_ANY if empty */
	bool guest_any;              /* guest address left empty */
	int host_port, guest_port;   /* 1..65535 */
};
int vmb_net_parse_hostfwd(const char *spec, struct vmb_net_hostfwd *f);

#endif
