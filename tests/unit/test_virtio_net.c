/* SPDX-License-Identifier: MIT */
/*
 * virtio-net (src/devices/virtio-net.c) on "net: user" (libslirp), driven
 * through a virtio-mmio slot by tests/unit/vdriver.h: identity and
 * configuration space, an ARP request to the gateway answered through
 * the receive queue (with and without mergeable buffers), and a hostile
 * driver: transmit chains shorter than the vnet header, oversized frames,
 * 64K zero-length descriptors, a receive queue left without buffers while
 * frames keep coming, receive chains too small or without writable
 * buffers. The VMM must keep running, with bounded memory, and the event
 * loop must go idle while receive is stalled (no busy loop). Two tests
 * use real sockets on 127.0.0.1: a hostfwd connection from the host
 * reaches the guest as a TCP SYN, and a guest SYN to the gateway
 * connects to a host listener.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <unistd.h>

#include "board/board.h"
#include "net/net.h"

#include "fixture.h"
#include "vdriver.h"

#define SLOT0	0x0a000000
#define NET	(SLOT0 + 3 * 0x200)   /* the highest of 4 slots */
#define RINGS	0x40100000ull
#define TXBUF	0x40200000ull
#define RXBUF	0x40400000ull
#define RXQ	0
#define TXQ	1
#define F_MAC	(1u << 5)
#define F_MRG	(1u << 15)
#define F_STATUS (1u << 16)

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static const char net_yaml[] =
	"arch: arm64\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
	"devices:\n"
	"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000}\n"
	"  - {name: virtio, type: virtio-mmio, base: 0x0a000000, count: 4,\n"
	"     stride: 0x200, irq: 16, trigger: edge}\n"
	"  - {name: net0, type: virtio-net, mac: '52:54:00:12:34:56'}\n";

static int setup(void **state)
{
	struct tb *t = calloc(1, sizeof(*t));

	tb_dir(t);
	tb_board_ok(t, net_yaml, NULL, 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tb_free(*state);
	free(*state);
	return 0;
}

/* Header + an ARP request from 10.0.2.15 for the gateway 10.0.2.2. */
static size_t arp_request(uint8_t *p)
{
	static const uint8_t arp[28] = {
		0, 1, 8, 0, 6, 4, 0, 1,
		0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10, 0, 2, 15,
		0, 0, 0, 0, 0, 0, 10, 0, 2, 2,
	};

	memset(p, 0, VMB_NET_HDR_LEN);
	p += VMB_NET_HDR_LEN;
	memset(p, 0xff, 6);
	memcpy(p + 6, mac, 6);
	p[12] = 0x08;
	p[13] = 0x06;
	memcpy(p + 14, arp, sizeof(arp));
	return VMB_NET_HDR_LEN + 14 + sizeof(arp);
}

/* Send one ARP request from TXBUF and let the loop run. */
static void send_arp(struct vdrv *d)
{
	struct vd_buf b = { TXBUF, 0, 0 };
	uint32_t id, len;

	b.len = (uint32_t)arp_request(vd_host(d, TXBUF, 128));
	vd_add(d, TXQ, &b, 1);
	vd_kick(d, TXQ);
	assert_int_equal(vd_used(d, TXQ, &id, &len), 1);
	assert_int_equal(len, 0);
}

/* Is p (after the header) an ARP reply from the gateway to our MAC? */
static void assert_arp_reply(const uint8_t *p)
{
	assert_memory_equal(p, mac, 6);
	assert_int_equal(p[12], 0x08);
	assert_int_equal(p[13], 0x06);
	assert_int_equal(p[14 + 7], 2);                   /* op: reply */
	assert_memory_equal(p + 14 + 14, "\x0a\x00\x02\x02", 4); /* spa */
}

static void test_identity(void **state)
{
	struct tb *t = *state;
	uint32_t f;

	assert_int_equal(tb_rd(t, NET + VD_DEVICE_ID, 4), 1);
	tb_wr(t, NET + VD_DEV_FEAT_SEL, 4, 0);
	f = (uint32_t)tb_rd(t, NET + VD_DEV_FEAT, 4);
	assert_true(f & F_MAC);
	assert_true(f & F_MRG);
	assert_true(f & F_STATUS);
	assert_false(f & 1); /* no checksum offload on slirp */
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(tb_rd(t, NET + VD_CONFIG + i, 1), mac[i]);
	assert_int_equal(tb_rd(t, NET + VD_CONFIG + 6, 2), 1); /* LINK_UP */
	tb_wr(t, NET + VD_QUEUE_SEL, 4, 2);
	assert_int_equal(tb_rd(t, NET + VD_QUEUE_NUM_MAX, 4), 0); /* 2 queues */
}

/* Without MRG_RXBUF: the reply lands in one chain, num_buffers 1. */
static void test_arp(void **state)
{
	struct tb *t = *state;
	struct vdrv d;
	struct vd_buf rx = { RXBUF, 1526, 1 };
	uint32_t id, len;
	uint8_t *p;

	vd_init(&d, t, NET, RINGS, 2, F_MAC | F_STATUS);
	vd_add(&d, RXQ, &rx, 1);
	vd_kick(&d, RXQ);
	send_arp(&d);
	assert_int_equal(vd_used(&d, RXQ, &id, &len), 1);
	assert_true(len >= VMB_NET_HDR_LEN + 42);
	p = vd_host(&d, RXBUF, 1526);
	assert_int_equal(p[0], 0);                          /* flags */
	assert_int_equal(vmb_get_le16(p + 10), 1);          /* num_buffers */
	assert_arp_reply(p + VMB_NET_HDR_LEN);
	assert_false(vd_status(&d) & 64);
}

/* With MRG_RXBUF and 32-byte buffers the reply spans chains, returned
 * together, num_buffers in the first header. */
static void test_mergeable(void **state)
{
	struct tb *t = *state;
	struct vdrv d;
	uint8_t frame[128];
	uint32_t id, len, total = 0;
	unsigned n = 0;

	vd_init(&d, t, NET, RINGS, 2, F_MAC | F_STATUS | F_MRG);
	for (unsigned i = 0; i < 4; i++) {
		struct vd_buf rx = { RXBUF + 0x100 * i, 32, 1 };

		vd_add(&d, RXQ, &rx, 1);
	}
	vd_kick(&d, RXQ);
	send_arp(&d);
	while (vd_used(&d, RXQ, &id, &len)) {
		assert_int_equal(id, n);
		assert_true(len <= 32);
		memcpy(frame + total, vd_host(&d, RXBUF + 0x100 * n, 32), len);
		total += len;
		n++;
	}
	assert_true(n >= 2);
	assert_int_equal(vmb_get_le16(frame + 10), n);
	assert_arp_reply(frame + VMB_NET_HDR_LEN);
}

/* A transmit chain shorter than the 12-byte header: DEVICE_NEEDS_RESET
 * (as QEMU), nothing sent; after a reset the device works again. */
static void test_tx_short(void **state)
{
	struct tb *t = *state;
	struct vdrv d;
	struct vd_buf b = { TXBUF, 10, 0 };
	struct vd_buf rx = { RXBUF, 1526, 1 };
	uint32_t id, len;

	vd_init(&d, t, NET, RINGS, 2, F_MAC);
	vd_add(&d, TXQ, &b, 1);
	vd_kick(&d, TXQ);
	assert_true(vd_status(&d) & 64);

	vd_init(&d, t, NET, RINGS, 2, F_MAC);
	vd_add(&d, RXQ, &rx, 1);
	vd_kick(&d, RXQ);
	send_arp(&d);
	assert_int_equal(vd_used(&d, RXQ, &id, &len), 1);
}

/* A frame over 64 KiB + Ethernet header is dropped, the chain returned;
 * the device stays live. */
static void test_tx_oversized(void **state)
{
	struct tb *t = *state;
	struct vdrv d;
	struct vd_buf big = { TXBUF, VMB_NET_HDR_LEN + VMB_NET_MAX_FRAME + 1, 0 };
	struct vd_buf rx = { RXBUF, 1526, 1 };
	uint32_t id, len;

	vd_init(&d, t, NET, RINGS, 2, F_MAC);
	vd_add(&d, RXQ, &rx, 1);
	vd_kick(&d, RXQ);
	arp_request(vd_host(&d, TXBUF, big.len)); /* a valid start, too long */
	vd_add(&d, TXQ, &big, 1);
	vd_kick(&d, TXQ);
	assert_int_equal(vd_used(&d, TXQ, &id, &len), 1);
	assert_false(vd_status(&d) & 64);
	assert_int_equal(vd_used(&d, RXQ, &id, &len), 0); /* nothing went out */
	send_arp(&d);
	assert_int_equal(vd_used(&d, RXQ, &id, &len), 1);
}

static long rss_kib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* 64K zero-length descriptors: chains of a frame followed by 7 empty
 * buffers are sent normally; a chain of 8 empty buffers has no header
 * (NEEDS_RESET). The VMM's memory does not grow with them. */
static void test_tx_zero_length(void **state)
{
	struct tb *t = *state;
	struct vdrv d;
	struct vd_buf chain[VD_NUM];
	uint32_t id, len;
	long before;

	vd_init(&d, t, NET, RINGS, 2, F_MAC);
	chain[0] = (struct vd_buf){ TXBUF, 0, 0 };
	chain[0].len = (uint32_t)arp_request(vd_host(&d, TXBUF, 128));
	for (unsigned i = 1; i < VD_NUM; i++)
		chain[i] = (struct vd_buf){ TXBUF + 0x1000 * i, 0, 0 };
	before = rss_kib();
	for (unsigned n = 0; n < 65536 / (VD_NUM - 1); n++) {
		vd_add(&d, TXQ, chain, VD_NUM);
		vd_kick(&d, TXQ);
		assert_int_equal(vd_used(&d, TXQ, &id, &len), 1);
	}
	assert_false(vd_status(&d) & 64);
	assert_true(rss_kib() - before < 4096);

	vd_add(&d, TXQ, chain + 1, VD_NUM - 1);
	vd_kick(&d, TXQ);
	assert_true(vd_status(&d) & 64);
}

/* No receive buffers while 2000 replies are produced: receive stalls, the
 * loop goes idle (no busy loop), the backend holds a bounded number of
 * frames, and posting buffers delivers them in order. */
static void test_rx_stall(void **state)
{
	struct tb *t = *state;
	struct vdrv d;
	uint32_t id, len;
	unsigned delivered = 0;
	long before;

	vd_init(&d, t, NET, RINGS, 2, F_MAC);
	before = rss_kib();
	for (unsigned i = 0; i < 2000; i++)
		send_arp(&d);
	assert_true(rss_kib() - before < 8192);
	/* Stalled and idle: nothing for the loop to do for 200 ms. */
	assert_int_equal(vmb_loop_run_once(t->b->loop, 200), 0);
	assert_int_equal(vd_used(&d, RXQ, &id, &len), 0);
	for (;;) {
		unsigned got = 0;

		for (unsigned i = 0; i < VD_NUM; i++) {
			struct vd_buf rx = { RXBUF + 0x1000 * i, 1526, 1 };

			vd_add(&d, RXQ, &rx, 1);
		}
		vd_kick(&d, RXQ);
		while (vd_used(&d, RXQ, &id, &len)) {
			assert_arp_reply(vd_host(&d, RXBUF + 0x1000 * (id % VD_NUM), 1526) +
					 VMB_NET_HDR_LEN);
			got++;
		}
		delivered += got;
		if (got < VD_NUM)
			break;
	}
	assert_true(delivered >= VD_NUM);
	assert_true(delivered <= 512 + VD_NUM); /* the bound of held frames */
	/* Resumed: a new request is answered at once. */
	send_arp(&d);
	assert_int_equal(vd_used(&d, RXQ, &id, &len), 1);
	assert_false(vd_status(&d) & 64);
}

/* Receive chains too small for the header (MRG) or the frame (no MRG):
 * the frame is dropped, the chain returned empty; a chain with no
 * writable buffer: NEEDS_RESET. */
static void test_rx_hostile(void **state)
{
	struct tb *t = *state;
	struct vdrv d;
	struct vd_buf tiny = { RXBUF, 4, 1 }, small = { RXBUF, 40, 1 };
	struct vd_buf ro = { RXBUF, 1526, 0 };
	uint32_t id, len;

	vd_init(&d, t, NET, RINGS, 2, F_MAC | F_MRG);
	vd_add(&d, RXQ, &tiny, 1);
	vd_kick(&d, RXQ);
	send_arp(&d);
	assert_int_equal(vd_used(&d, RXQ, &id, &len), 1);
	assert_int_equal(len, 0);

	vd_init(&d, t, NET, RINGS, 2, F_MAC);
	vd_add(&d, RXQ, &small, 1);
	vd_kick(&d, RXQ);
	send_arp(&d);
	assert_int_equal(vd_used(&d, RXQ, &id, &len), 1);
	assert_int_equal(len, 0);
	assert_false(vd_status(&d) & 64);

	vd_init(&d, t, NET, RINGS, 2, F_MAC);
	vd_add(&d, RXQ, &ro, 1);
	vd_kick(&d, RXQ);
	send_arp(&d);
	assert_true(vd_status(&d) & 64);
}


static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* A listening TCP socket on 127.0.0.1 with a kernel-chosen port. */
static int listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Turn the board's loop until queue q has a used element (5 s at most). */
static int wait_used(struct tb *t, struct vdrv *d, unsigned q, uint32_t *id, uint32_t *len)
{
	for (int i = 0; i < 50; i++) {
		if (vd_used(d, q, id, len))
			return 1;
		vmb_loop_run_once(t->b->loop, 100);
	}
	return 0;
}

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Header + Ethernet + IPv4 + TCP SYN from 10.0.2.15:40000 to 10.0.2.2:port. */
static size_t tcp_syn(uint8_t *p, int port)
{
	static const uint8_t gw_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
	uint8_t *ip = p + VMB_NET_HDR_LEN + 14, *tcp = ip + 20, ph[12];

	memset(p, 0, VMB_NET_HDR_LEN + 14 + 40);
	memcpy(p + VMB_NET_HDR_LEN, gw_mac, 6); /* slirp's MAC for its addresses */
	memcpy(p + VMB_NET_HDR_LEN + 6, mac, 6);
	p[VMB_NET_HDR_LEN + 12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 40;
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
	put_be16(ip + 10, csum(ip, 20, 0));
	put_be16(tcp, 40000);
	put_be16(tcp + 2, (uint16_t)port);
	put_be32(tcp + 4, 1000);
	tcp[12] = 5 << 4;
	tcp[13] = 0x02; /* SYN */
	put_be16(tcp + 14, 65535);
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	put_be16(ph + 10, 20);
	put_be16(tcp + 16, csum(tcp, 20, 0xffff & ~csum(ph, 12, 0)));
	return VMB_NET_HDR_LEN + 14 + 40;
}

/* Guest -> host: a SYN to the gateway's address connects to a server on
 * the host's 127.0.0.1, and the guest gets the SYN-ACK. */
static void test_guest_to_host(void **state)
{
	struct tb *t = *state;
	struct vdrv d;
	struct vd_buf rx = { RXBUF, 1526, 1 }, tx = { TXBUF, 0, 0 };
	uint32_t id, len;
	int port, lfd = listener(&port), cfd = -1;
	uint8_t *p;

	vd_init(&d, t, NET, RINGS, 2, F_MAC);
	vd_add(&d, RXQ, &rx, 1);
	vd_kick(&d, RXQ);
	send_arp(&d);
	assert_int_equal(vd_used(&d, RXQ, &id, &len), 1); /* the ARP reply */
	vd_add(&d, RXQ, &rx, 1);
	vd_kick(&d, RXQ);
	tx.len = (uint32_t)tcp_syn(vd_host(&d, TXBUF, 128), port);
	vd_add(&d, TXQ, &tx, 1);
	vd_kick(&d, TXQ);
	assert_int_equal(wait_used(t, &d, RXQ, &id, &len), 1);
	p = vd_host(&d, RXBUF, 1526) + VMB_NET_HDR_LEN;
	assert_int_equal(p[23], 6);                       /* TCP */
	assert_int_equal(get_be16(p + 34), port);     /* from the port */
	assert_int_equal(p[47] & 0x12, 0x12);             /* SYN + ACK */
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	close(cfd);
	close(lfd);
}

/* Host -> guest: a connection to a hostfwd port reaches the guest as a
 * SYN to 10.0.2.15:22. */
static void test_hostfwd(void **state)
{
	struct tb t = { 0 };
	struct vdrv d;
	struct vd_buf rx = { RXBUF, 1526, 1 };
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char yaml[sizeof(net_yaml) + 128], *end;
	uint32_t id, len;
	int port, fd = listener(&port), cfd;
	uint8_t *p;

	(void)state;
	close(fd); /* free the port for slirp */
	strcpy(yaml, net_yaml);
	end = strrchr(yaml, '}');
	sprintf(end, ",\n     hostfwd: ['tcp:127.0.0.1:%d-:22']}\n", port);
	tb_dir(&t);
	tb_board_ok(&t, yaml, NULL, 0);
	vd_init(&d, &t, NET, RINGS, 2, F_MAC);
	vd_add(&d, RXQ, &rx, 1);
	vd_kick(&d, RXQ);
	send_arp(&d); /* slirp learns the guest's MAC */
	assert_int_equal(vd_used(&d, RXQ, &id, &len), 1);
	vd_add(&d, RXQ, &rx, 1);
	vd_kick(&d, RXQ);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	a.sin_port = htons((uint16_t)port);
	connect(cfd, (struct sockaddr *)&a, sizeof(a));
	assert_int_equal(wait_used(&t, &d, RXQ, &id, &len), 1);
	p = vd_host(&d, RXBUF, 1526) + VMB_NET_HDR_LEN;
	assert_int_equal(get_be16(p + 12), 0x0800);
	assert_int_equal(p[23], 6);
	assert_memory_equal(p + 30, "\x0a\x00\x02\x0f", 4); /* to 10.0.2.15 */
	assert_int_equal(get_be16(p + 36), 22);
	assert_int_equal(p[47] & 0x12, 0x02);                 /* SYN */
	close(cfd);
	tb_free(&t);
}

/* restrict: true: the same SYN to the gateway connects to nothing. */
static void test_restrict(void **state)
{
	struct tb t = { 0 };
	struct vdrv d;
	struct vd_buf rx = { RXBUF, 1526, 1 }, tx = { TXBUF, 0, 0 };
	char yaml[sizeof(net_yaml) + 64], *end;
	uint32_t id, len;
	int port, lfd = listener(&port);

	(void)state;
	strcpy(yaml, net_yaml);
	end = strrchr(yaml, '}');
	strcpy(end, ", restrict: true}\n");
	tb_dir(&t);
	tb_board_ok(&t, yaml, NULL, 0);
	vd_init(&d, &t, NET, RINGS, 2, F_MAC);
	vd_add(&d, RXQ, &rx, 1);
	vd_kick(&d, RXQ);
	send_arp(&d);
	assert_int_equal(vd_used(&d, RXQ, &id, &len), 1);
	vd_add(&d, RXQ, &rx, 1);
	vd_kick(&d, RXQ);
	tx.len = (uint32_t)tcp_syn(vd_host(&d, TXBUF, 128), port);
	vd_add(&d, TXQ, &tx, 1);
	vd_kick(&d, TXQ);
	for (int i = 0; i < 3; i++)
		vmb_loop_run_once(t.b->loop, 100);
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	/* Unrestricted, loopback's connect() would have queued it by now. */
	assert_true(accept(lfd, NULL, NULL) < 0);
	if (vd_used(&d, RXQ, &id, &len))
		assert_int_not_equal(vd_host(&d, RXBUF, 64)[VMB_NET_HDR_LEN + 47] & 0x12, 0x12);
	close(lfd);
	tb_free(&t);
}

static void test_bad_config(void **state)
{
	(void)state;
	tb_fails("arch: arm64\n"
		 "memory:\n"
		 "  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
		 "devices:\n"
		 "  - {name: n0, type: virtio-net, base: 0x0a000000, irq: 16,\n"
		 "     mac: '01:00:00:00:00:01'}\n",
		 "n0", "mac", "unicast", NULL);
	tb_fails("arch: arm64\n"
		 "memory:\n"
		 "  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
		 "devices:\n"
		 "  - {name: n0, type: virtio-net, base: 0x0a000000, irq: 16,\n"
		 "     hostfwd: ['tcp:127.0.0.1:99999-:22']}\n",
		 "n0", "hostfwd", "HOSTPORT", NULL);
	tb_fails("arch: arm64\n"
		 "memory:\n"
		 "  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
		 "devices:\n"
		 "  - {name: n0, type: virtio-net, base: 0x0a000000, irq: 16,\n"
		 "     ifname: tap0}\n",
		 "n0", "ifname", "net: user", NULL);
	tb_fails("arch: arm64\n"
		 "memory:\n"
		 "  - {name: ram, type: ram, base: 0x40000000, size: 16M}\n"
		 "devices:\n"
		 "  - {name: n0, type: virtio-net, base: 0x0a000000, irq: 16,\n"
		 "     network: 10.0.2.1/24}\n",
		 "n0", "network", NULL);
}

static void test_hostfwd_syntax(void **state)
{
	struct vmb_net_hostfwd f;

	(void)state;
	assert_int_equal(vmb_net_parse_hostfwd("tcp:127.0.0.1:2222-:22", &f), 0);
	assert_false(f.udp);
	assert_int_equal(f.host_port, 2222);
	assert_int_equal(f.guest_port, 22);
	assert_true(f.guest_any);
	assert_int_equal(ntohl(f.host.s_addr), 0x7f000001);
	assert_int_equal(vmb_net_parse_hostfwd("udp::5353-10.0.2.16:53", &f), 0);
	assert_true(f.udp);
	assert_false(f.guest_any);
	assert_int_equal(f.host.s_addr, INADDR_ANY);
	assert_int_equal(vmb_net_parse_hostfwd("::8080-:80", &f), 0);
	assert_int_equal(vmb_net_parse_hostfwd("sctp::1-:2", &f), -1);
	assert_int_equal(vmb_net_parse_hostfwd("tcp::1:2", &f), -1);
	assert_int_equal(vmb_net_parse_hostfwd("tcp::0-:22", &f), -1);
	assert_int_equal(vmb_net_parse_hostfwd("tcp:300.1.1.1:1-:2", &f), -1);
}

static void test_default_mac(void **state)
{
	uint8_t a[6], b[6], c[6];

	(void)state;
	vmb_net_default_mac("virt", "net0", a);
	vmb_net_default_mac("virt", "net0", b);
	vmb_net_default_mac("virt", "net1", c);
	assert_memory_equal(a, b, 6);
	assert_memory_not_equal(a, c, 6);
	assert_memory_equal(a, "\x52\x54\x00", 3);
	assert_int_equal(vmb_net_parse_mac("52:54:00:AB:cd:01", a), 0);
	assert_int_equal(a[3], 0xab);
	assert_int_equal(vmb_net_parse_mac("52:54:00:ab:cd", a), -1);
	assert_int_equal(vmb_net_parse_mac("52-54-00-ab-cd-01", a), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mergeable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_oversized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_zero_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_to_host, setup, teardown),
		cmocka_unit_test(test_hostfwd),
		cmocka_unit_test(test_restrict),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_hostfwd_syntax),
		cmocka_unit_test(test_default_mac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
